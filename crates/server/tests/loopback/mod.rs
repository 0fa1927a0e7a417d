//! What the proxy's test files share: a router served on 127.0.0.1, port 0, for the test's life.

#![allow(dead_code)] // Each test file uses a different part.

use std::net::SocketAddr;

use axum::Router;

/// Serves `router` on a free loopback port, with the peer's address as connection info (the
/// proxy's per-address limits read it), and returns the address.
pub async fn serve(router: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    addr
}

/// The proxy's route of a Di parcel's tracking, in English, without linked parcels.
pub fn di_path(number: &str) -> String {
    format!("/carriers/di/ws/json/parcel/tracking/v-2/fetch/{number}/EN/false")
}
