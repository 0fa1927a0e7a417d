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

/// One counter per carrier the sandbox imitates, in the order of [`Carrier::WITH_ADAPTER`].
#[derive(Debug, Default)]
pub struct RequestStats {
    counters: [AtomicU64; Carrier::WITH_ADAPTER.len()],
    /// Requests for a carrier the sandbox does not imitate (none reach it today).
    other: AtomicU64,
}

impl RequestStats {
    fn counter(&self, carrier: Carrier) -> &AtomicU64 {
        Carrier::WITH_ADAPTER
            .iter()
            .position(|known| *known == carrier)
            .map_or(&self.other, |index| &self.counters[index])
    }

    pub fn count(&self, carrier: Carrier) {
        self.counter(carrier).fetch_add(1, Ordering::Relaxed);
    }

    pub fn requests(&self, carrier: Carrier) -> u64 {
        self.counter(carrier).load(Ordering::Relaxed)
    }

    pub fn reset(&self) {
        for carrier in Carrier::WITH_ADAPTER {
            self.counter(carrier).store(0, Ordering::Relaxed);
        }
    }

    pub fn to_json(&self) -> Value {
        let per_carrier: serde_json::Map<String, Value> = Carrier::WITH_ADAPTER
            .into_iter()
            .map(|carrier| (carrier.as_str().to_owned(), json!(self.requests(carrier))))
            .collect();
        let total: u64 = Carrier::WITH_ADAPTER
            .into_iter()
            .map(|c| self.requests(c))
            .sum();
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
