//! What the proxy's test files share: a router served on 127.0.0.1, port 0, for the test's life.

#![allow(dead_code)] // Each test file uses a different part.

use std::net::SocketAddr;

use axum::Router;
use reqwest::StatusCode;
use serde_json::Value;
use trackline::proxy::store::{
    Added, KeyOwner, KeyRecord, ShipmentPage, ShipmentsQuery, Store, StoreError, User,
};
use trackline_core::reference::Reference;

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

/// An access store whose database cannot be read: every call fails. With
/// [`UnreadableStore::stalling_key_checks`], a key check first waits until the test opens the
/// gate (see [`OpensOnDrop`]).
#[derive(Default)]
pub struct UnreadableStore {
    /// Key checks wait on it while it has no permits and is open; closing it lets them go on.
    gate: Option<tokio::sync::Semaphore>,
    /// Key checks that reached the store.
    pub waiting: std::sync::atomic::AtomicUsize,
}

impl UnreadableStore {
    pub fn stalling_key_checks() -> UnreadableStore {
        UnreadableStore {
            gate: Some(tokio::sync::Semaphore::new(0)),
            ..UnreadableStore::default()
        }
    }

    pub fn open_the_gate(&self) {
        if let Some(gate) = &self.gate {
            gate.close();
        }
    }
}

/// Opens a stalling store's gate when dropped, so that a failing assertion does not leave a key
/// check waiting.
pub struct OpensOnDrop(pub std::sync::Arc<UnreadableStore>);

impl Drop for OpensOnDrop {
    fn drop(&mut self) {
        self.0.open_the_gate();
    }
}

fn unreadable<T>() -> Result<T, StoreError> {
    Err(StoreError::NewerSchema {
        found: 99,
        known: 1,
    })
}

#[async_trait::async_trait]
impl Store for UnreadableStore {
    async fn ensure_user(&self, _: &str) -> Result<bool, StoreError> {
        unreadable()
    }
    async fn users(&self) -> Result<Vec<User>, StoreError> {
        unreadable()
    }
    async fn user(&self, _: &str) -> Result<User, StoreError> {
        unreadable()
    }
    async fn bind_partner(&self, _: &str, _: &str) -> Result<bool, StoreError> {
        unreadable()
    }
    async fn unbind_partner(&self, _: &str, _: &str) -> Result<bool, StoreError> {
        unreadable()
    }
    async fn insert_key_hash(
        &self,
        _: &str,
        _: &str,
        _: [u8; 32],
        _: i64,
    ) -> Result<(), StoreError> {
        unreadable()
    }
    async fn keys(&self, _: Option<&str>) -> Result<Vec<KeyRecord>, StoreError> {
        unreadable()
    }
    async fn revoke_key(&self, _: &str) -> Result<(), StoreError> {
        unreadable()
    }
    async fn verify_key(&self, _: &str) -> Result<Option<KeyOwner>, StoreError> {
        if let Some(gate) = &self.gate {
            self.waiting
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            // Closing the semaphore ends the wait with an error, which is the opened gate.
            let _ = gate.acquire().await;
        }
        unreadable()
    }
    async fn add_shipments(&self, _: &str, _: &[Reference]) -> Result<Added, StoreError> {
        unreadable()
    }
    async fn remove_shipments(&self, _: &str, _: &[Reference]) -> Result<u64, StoreError> {
        unreadable()
    }
    async fn shipments(&self, _: &str, _: &ShipmentsQuery) -> Result<ShipmentPage, StoreError> {
        unreadable()
    }
    async fn visible_shipments(
        &self,
        _: &str,
        _: &ShipmentsQuery,
    ) -> Result<ShipmentPage, StoreError> {
        unreadable()
    }
    async fn in_scope(&self, _: &str, _: &[String]) -> Result<bool, StoreError> {
        unreadable()
    }
    async fn marker(&self, _: &str) -> Result<Option<String>, StoreError> {
        unreadable()
    }
    async fn set_marker(&self, _: &str, _: &str) -> Result<(), StoreError> {
        unreadable()
    }
}
