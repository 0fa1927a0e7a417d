//! Request counts per carrier, served at `/_sandbox/stats` so that tests can see how often a
//! client called (e.g. that a cache saved a call, or that a retry happened).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use serde_json::{json, Value};

use super::carrier::Carrier;
use super::SandboxState;

#[derive(Debug, Default)]
pub struct RequestStats {
    inpost: AtomicU64,
    di: AtomicU64,
    trackonline: AtomicU64,
}

impl RequestStats {
    fn counter(&self, carrier: Carrier) -> &AtomicU64 {
        match carrier {
            Carrier::InPost => &self.inpost,
            Carrier::Di => &self.di,
            Carrier::TrackOnline => &self.trackonline,
        }
    }

    pub fn count(&self, carrier: Carrier) {
        self.counter(carrier).fetch_add(1, Ordering::Relaxed);
    }

    pub fn requests(&self, carrier: Carrier) -> u64 {
        self.counter(carrier).load(Ordering::Relaxed)
    }

    pub fn reset(&self) {
        for carrier in Carrier::ALL {
            self.counter(carrier).store(0, Ordering::Relaxed);
        }
    }

    pub fn to_json(&self) -> Value {
        let per_carrier: serde_json::Map<String, Value> = Carrier::ALL
            .into_iter()
            .map(|carrier| (carrier.name().to_owned(), json!(self.requests(carrier))))
            .collect();
        let total: u64 = Carrier::ALL.into_iter().map(|c| self.requests(c)).sum();
        json!({ "requests": per_carrier, "total": total })
    }
}

/// Outermost layer of each carrier: every request counts, whatever answered it.
pub async fn count(
    State((state, carrier)): State<(Arc<SandboxState>, Carrier)>,
    request: Request,
    next: Next,
) -> Response {
    state.stats.count(carrier);
    next.run(request).await
}
