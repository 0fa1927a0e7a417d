//! What the proxy's test files share: a router served on 127.0.0.1, port 0, for the test's life.

#![allow(dead_code)] // Each test file uses a different part.

use std::net::SocketAddr;

use axum::Router;
use reqwest::StatusCode;
use serde_json::Value;

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

/// An answer as a test reads it: status, headers and the whole body.
pub struct Answer {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Answer {
    /// Reads the whole of `response`.
    pub async fn read(response: reqwest::Response) -> Answer {
        Answer {
            status: response.status(),
            headers: response.headers().clone(),
            body: response.text().await.unwrap(),
        }
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|_| panic!("not JSON: {}", self.body))
    }

    /// The problem's type without its common prefix (`unauthorized`, `rate-limited`, ...).
    pub fn problem(&self) -> String {
        self.json()["type"]
            .as_str()
            .unwrap_or_default()
            .trim_start_matches("https://trackline.dev/problems/")
            .to_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }
}
