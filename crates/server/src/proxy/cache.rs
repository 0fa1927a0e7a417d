//! The response cache of one carrier: bounded in bytes, entries expire after the carrier's TTL,
//! and only answers that will not change on a retry (success and not-found) are stored.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use bytes::Bytes;

/// An upstream answer as the proxy passes it on: status, JSON body, nothing else of upstream's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpstreamAnswer {
    pub status: StatusCode,
    /// `application/json` for the carrier's own answers, `application/problem+json` for a
    /// cached not-found.
    pub content_type: &'static str,
    pub body: Bytes,
    /// Whether the endpoint's row in core's table calls this answer final (success and
    /// not-found of reads); other answers are not cached, so that a retry can succeed.
    pub is_final: bool,
}

impl UpstreamAnswer {
    pub fn is_cacheable(&self) -> bool {
        self.is_final
    }
}

struct Entry {
    answer: UpstreamAnswer,
    expires: Instant,
    generation: u64,
}

#[derive(Default)]
struct Store {
    entries: HashMap<String, Entry>,
    /// Insertion order, for eviction; stale generations are skipped.
    order: VecDeque<(String, u64)>,
    bytes: usize,
    next_generation: u64,
}

pub struct ResponseCache {
    ttl: Duration,
    max_bytes: usize,
    store: Mutex<Store>,
}

/// What an entry costs: the body plus the key and a fixed overhead, so that many tiny entries
/// cannot grow the map without bound either.
fn cost(key: &str, answer: &UpstreamAnswer) -> usize {
    key.len() + answer.body.len() + 128
}

impl ResponseCache {
    pub fn new(ttl: Duration, max_bytes: usize) -> Self {
        ResponseCache {
            ttl,
            max_bytes,
            store: Mutex::new(Store::default()),
        }
    }

    pub fn get(&self, key: &str, now: Instant) -> Option<UpstreamAnswer> {
        let mut store = self
            .store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let fresh = store
            .entries
            .get(key)
            .filter(|entry| entry.expires > now)
            .map(|entry| entry.answer.clone());
        if fresh.is_none() {
            if let Some(entry) = store.entries.remove(key) {
                store.bytes -= cost(key, &entry.answer);
            }
        }
        fresh
    }

    /// Stores a cacheable answer; returns whether it was stored.
    pub fn put(&self, key: &str, answer: &UpstreamAnswer, now: Instant) -> bool {
        let size = cost(key, answer);
        if self.ttl.is_zero() || !answer.is_cacheable() || size > self.max_bytes {
            return false;
        }
        let mut store = self
            .store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let store = &mut *store;
        if let Some(old) = store.entries.remove(key) {
            store.bytes -= cost(key, &old.answer);
        }
        while store.bytes + size > self.max_bytes {
            let Some((oldest, generation)) = store.order.pop_front() else {
                break;
            };
            if store
                .entries
                .get(&oldest)
                .is_some_and(|entry| entry.generation == generation)
            {
                let entry = store.entries.remove(&oldest).expect("checked above");
                store.bytes -= cost(&oldest, &entry.answer);
            }
        }
        store.next_generation += 1;
        let generation = store.next_generation;
        store.order.push_back((key.to_owned(), generation));
        store.entries.insert(
            key.to_owned(),
            Entry {
                answer: answer.clone(),
                expires: now + self.ttl,
                generation,
            },
        );
        store.bytes += size;
        // Keys replaced or expired leave stale order records; drop them once they dominate.
        if store.order.len() > 2 * store.entries.len() + 64 {
            let entries = &store.entries;
            store.order.retain(|(key, generation)| {
                entries
                    .get(key)
                    .is_some_and(|entry| entry.generation == *generation)
            });
        }
        true
    }

    pub fn bytes(&self) -> usize {
        self.store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> UpstreamAnswer {
        UpstreamAnswer {
            status: StatusCode::from_u16(status).unwrap(),
            content_type: "application/json",
            body: Bytes::copy_from_slice(body.as_bytes()),
            is_final: trackline_core::carrier::endpoint::INPOST_TRACKING.is_final(status),
        }
    }

    #[test]
    fn an_entry_is_served_until_its_ttl_ends() {
        let cache = ResponseCache::new(Duration::from_secs(60), 1 << 20);
        let start = Instant::now();
        assert!(cache.put("/v1/tracking/1", &answer(200, "{}"), start));
        assert_eq!(
            cache.get("/v1/tracking/1", start + Duration::from_secs(59)),
            Some(answer(200, "{}"))
        );
        assert_eq!(
            cache.get("/v1/tracking/1", start + Duration::from_secs(60)),
            None
        );
        assert_eq!(cache.bytes(), 0);
    }

    #[test]
    fn only_success_and_not_found_are_cached() {
        let cache = ResponseCache::new(Duration::from_secs(60), 1 << 20);
        let now = Instant::now();
        assert!(cache.put("a", &answer(404, "{}"), now));
        assert!(cache.put("b", &answer(204, ""), now));
        for status in [400, 401, 429, 500, 502] {
            assert!(!cache.put("c", &answer(status, "{}"), now), "{status}");
        }
    }

    #[test]
    fn the_oldest_entries_make_room_when_the_byte_bound_is_reached() {
        let body = "x".repeat(300);
        let cache = ResponseCache::new(Duration::from_secs(60), 1_000);
        let now = Instant::now();
        for key in ["k1", "k2", "k3", "k4"] {
            cache.put(key, &answer(200, &body), now);
        }
        assert!(cache.bytes() <= 1_000);
        assert_eq!(cache.get("k1", now), None);
        assert!(cache.get("k4", now).is_some());
    }

    #[test]
    fn a_zero_ttl_disables_the_cache() {
        let cache = ResponseCache::new(Duration::ZERO, 1 << 20);
        assert!(!cache.put("a", &answer(200, "{}"), Instant::now()));
    }
}
