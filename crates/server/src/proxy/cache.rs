//! The response cache of one carrier, on `moka`: bounded in bytes (a weigher counts each
//! entry's body, the reading kept with it, and its key), entries expire after the
//! carrier's time-to-live, and only answers that will not change on a retry (success and
//! not-found) are stored.
//!
//! The cache also does the single-flight loading: identical requests in flight at the same time
//! share one upstream call (fifty browsers opening the same tracking link cost the carrier quota
//! one request). moka keeps the waiters, and when the caller running the load goes away (its
//! client disconnected), a waiting caller takes over and nothing is left behind.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

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
    /// How much longer the answer stays fresh, when less than the carrier's time-to-live: an
    /// answer another replica stored a while ago in the fleet's cache.
    pub fresh_for: Option<Duration>,
    /// Core's reading of the answer (`application/vnd.trackline.reading+json`), made once when
    /// the answer came, for the clients that ask for it; `None` for an answer that is not about
    /// shipments.
    pub reading: Option<Bytes>,
}

impl UpstreamAnswer {
    /// The carrier's answer as it passes it on, not read yet.
    pub fn new(
        status: StatusCode,
        content_type: &'static str,
        body: Bytes,
        is_final: bool,
    ) -> Self {
        UpstreamAnswer {
            status,
            content_type,
            body,
            is_final,
            fresh_for: None,
            reading: None,
        }
    }

    pub fn is_cacheable(&self) -> bool {
        self.is_final
    }
}

/// What an entry costs: the body and the reading kept with it, plus the key and a fixed
/// overhead, so that many tiny entries cannot grow the map without bound either.
fn cost(key: &str, answer: &UpstreamAnswer) -> u32 {
    let reading = answer.reading.as_ref().map_or(0, Bytes::len);
    u32::try_from(key.len() + answer.body.len() + reading + 128).unwrap_or(u32::MAX)
}

/// How an answer was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loaded {
    /// This caller made the call.
    Here,
    /// Shared the result of an identical call that was already in flight.
    Shared,
}

/// A load that did not end in a cacheable answer: shared with the callers that waited for it,
/// never stored.
#[derive(Debug)]
enum Uncached<E> {
    Answer(UpstreamAnswer),
    Failed(E),
}

/// Where the answers of one carrier are kept between requests. The process's own cache is
/// [`ResponseCache`]; a cache shared by several replicas implements the same calls.
pub trait AnswerCache: Send + Sync {
    /// A fresh answer, if one is stored.
    fn get(&self, key: &str) -> impl Future<Output = Option<UpstreamAnswer>> + Send;
    /// The stored answer, or the result of `load`, run once however many callers ask at once.
    fn get_or_load<E, F>(
        &self,
        key: &str,
        load: F,
    ) -> impl Future<Output = (Result<UpstreamAnswer, E>, Loaded)> + Send
    where
        E: Clone + Send + Sync + 'static,
        F: Future<Output = Result<UpstreamAnswer, E>> + Send;
}

/// An answer taken from the fleet's cache expires when it does there, not a whole time-to-live
/// later; the time-to-live bounds every other entry.
struct Freshness;

impl moka::Expiry<String, UpstreamAnswer> for Freshness {
    fn expire_after_create(
        &self,
        _key: &String,
        answer: &UpstreamAnswer,
        _created_at: std::time::Instant,
    ) -> Option<Duration> {
        answer.fresh_for
    }
}

pub struct ResponseCache {
    enabled: bool,
    entries: moka::future::Cache<String, UpstreamAnswer>,
    /// Loads running now (for metrics and the proof that none is left behind).
    loading: Arc<AtomicUsize>,
}

/// Counts one running load while it lives, whether it ends or is dropped.
struct LoadGuard(Arc<AtomicUsize>);

impl LoadGuard {
    fn new(counter: &Arc<AtomicUsize>) -> Self {
        counter.fetch_add(1, Ordering::SeqCst);
        LoadGuard(Arc::clone(counter))
    }
}

impl Drop for LoadGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl ResponseCache {
    /// A zero `ttl` stores nothing (identical calls in flight are still shared).
    pub fn new(ttl: Duration, max_bytes: usize) -> Self {
        let entries = moka::future::Cache::builder()
            .max_capacity(max_bytes as u64)
            .weigher(|key: &String, answer: &UpstreamAnswer| cost(key, answer))
            .time_to_live(ttl.max(Duration::from_millis(1)))
            .expire_after(Freshness)
            .build();
        ResponseCache {
            enabled: !ttl.is_zero(),
            entries,
            loading: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// Loads in flight now.
    pub fn loading(&self) -> usize {
        self.loading.load(Ordering::SeqCst)
    }

    /// The bytes the stored entries weigh (after pending evictions are applied).
    pub async fn bytes(&self) -> u64 {
        self.entries.run_pending_tasks().await;
        self.entries.weighted_size()
    }
}

impl AnswerCache for ResponseCache {
    async fn get(&self, key: &str) -> Option<UpstreamAnswer> {
        self.entries.get(key).await
    }

    async fn get_or_load<E, F>(&self, key: &str, load: F) -> (Result<UpstreamAnswer, E>, Loaded)
    where
        E: Clone + Send + Sync + 'static,
        F: Future<Output = Result<UpstreamAnswer, E>> + Send,
    {
        let ran_here = AtomicBool::new(false);
        let enabled = self.enabled;
        let loading = &self.loading;
        let max_bytes = self.entries.policy().max_capacity().unwrap_or(u64::MAX);
        let init = async {
            ran_here.store(true, Ordering::SeqCst);
            let _guard = LoadGuard::new(loading);
            match load.await {
                Ok(answer)
                    if enabled
                        && answer.is_cacheable()
                        && u64::from(cost(key, &answer)) <= max_bytes =>
                {
                    Ok(answer)
                }
                Ok(answer) => Err(Uncached::Answer(answer)),
                Err(error) => Err(Uncached::Failed(error)),
            }
        };
        let result = self.entries.try_get_with_by_ref(key, init).await;
        let loaded = if ran_here.load(Ordering::SeqCst) {
            Loaded::Here
        } else {
            Loaded::Shared
        };
        let result = match result {
            Ok(answer) => Ok(answer),
            Err(uncached) => match uncached.as_ref() {
                Uncached::Answer(answer) => Ok(answer.clone()),
                Uncached::Failed(error) => Err(error.clone()),
            },
        };
        (result, loaded)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    fn answer(status: u16, body: &str) -> UpstreamAnswer {
        UpstreamAnswer::new(
            StatusCode::from_u16(status).unwrap(),
            "application/json",
            Bytes::copy_from_slice(body.as_bytes()),
            trackline_core::carrier::endpoint::INPOST_TRACKING.is_final(status),
        )
    }

    async fn load(
        cache: &ResponseCache,
        key: &str,
        value: UpstreamAnswer,
    ) -> Result<UpstreamAnswer, String> {
        cache
            .get_or_load(key, async move { Ok::<_, String>(value) })
            .await
            .0
    }

    #[tokio::test]
    async fn only_success_and_not_found_are_cached() {
        let cache = ResponseCache::new(Duration::from_secs(60), 1 << 20);
        load(&cache, "a", answer(404, "{}")).await.unwrap();
        load(&cache, "b", answer(204, "")).await.unwrap();
        assert!(cache.get("a").await.is_some());
        assert!(cache.get("b").await.is_some());
        for status in [400, 401, 429, 500, 502] {
            assert_eq!(
                load(&cache, "c", answer(status, "{}"))
                    .await
                    .unwrap()
                    .status,
                status
            );
            assert!(cache.get("c").await.is_none(), "{status}");
        }
    }

    #[tokio::test]
    async fn the_cache_stays_within_its_byte_bound() {
        let body = "x".repeat(300);
        let cache = ResponseCache::new(Duration::from_secs(60), 1_000);
        for key in ["k1", "k2", "k3", "k4", "k5", "k6"] {
            load(&cache, key, answer(200, &body)).await.unwrap();
        }
        let bytes = cache.bytes().await;
        assert!(bytes <= 1_000, "{bytes}");
        assert!(bytes > 0);
    }

    #[tokio::test]
    async fn an_entry_weighs_the_reading_kept_with_it() {
        let body = "x".repeat(300);
        let bare = ResponseCache::new(Duration::from_secs(60), 1 << 20);
        load(&bare, "k", answer(200, &body)).await.unwrap();
        let read = ResponseCache::new(Duration::from_secs(60), 1 << 20);
        let mut with_reading = answer(200, &body);
        with_reading.reading = Some(Bytes::from("r".repeat(500)));
        load(&read, "k", with_reading.clone()).await.unwrap();
        assert_eq!(read.bytes().await, bare.bytes().await + 500);
        assert_eq!(read.get("k").await, Some(with_reading));
        // Only entries whose answer and reading fit together are kept.
        let small = ResponseCache::new(Duration::from_secs(60), 1_000);
        let mut too_large = answer(200, &body);
        too_large.reading = Some(Bytes::from("r".repeat(600)));
        load(&small, "k", too_large).await.unwrap();
        assert!(small.get("k").await.is_none());
    }

    #[tokio::test]
    async fn a_zero_ttl_disables_the_cache() {
        let cache = ResponseCache::new(Duration::ZERO, 1 << 20);
        load(&cache, "a", answer(200, "{}")).await.unwrap();
        assert!(cache.get("a").await.is_none());
    }

    #[tokio::test]
    async fn concurrent_identical_loads_run_once_and_all_get_the_result() {
        let cache = Arc::new(ResponseCache::new(Duration::from_secs(60), 1 << 20));
        let calls = Arc::new(AtomicUsize::new(0));
        let (release, released) = tokio::sync::watch::channel(false);
        let mut tasks = Vec::new();
        for _ in 0..20 {
            let (cache, calls, mut released) = (cache.clone(), calls.clone(), released.clone());
            tasks.push(tokio::spawn(async move {
                cache
                    .get_or_load("k", async move {
                        calls.fetch_add(1, Ordering::SeqCst);
                        released.wait_for(|released| *released).await.unwrap();
                        Ok::<_, String>(answer(200, "{\"n\":7}"))
                    })
                    .await
            }));
        }
        while cache.loading() == 0 {
            tokio::task::yield_now().await;
        }
        release.send(true).unwrap();
        let mut here = 0;
        for task in tasks {
            let (result, loaded) = task.await.unwrap();
            assert_eq!(result.unwrap().body, "{\"n\":7}");
            here += usize::from(loaded == Loaded::Here);
        }
        assert_eq!(here, 1);
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert_eq!(cache.loading(), 0);
    }

    #[tokio::test]
    async fn a_failed_load_is_shared_by_its_waiters_and_not_stored() {
        let cache = ResponseCache::new(Duration::from_secs(60), 1 << 20);
        let (result, loaded) = cache
            .get_or_load("k", async { Err::<UpstreamAnswer, _>("down".to_owned()) })
            .await;
        assert_eq!(result, Err("down".to_owned()));
        assert_eq!(loaded, Loaded::Here);
        assert!(cache.get("k").await.is_none());
    }

    #[tokio::test]
    async fn a_load_abandoned_by_its_caller_leaves_nothing_behind_and_the_next_caller_loads() {
        let cache = Arc::new(ResponseCache::new(Duration::from_secs(60), 1 << 20));
        let first = {
            let cache = cache.clone();
            tokio::spawn(async move {
                cache
                    .get_or_load(
                        "k",
                        std::future::pending::<Result<UpstreamAnswer, String>>(),
                    )
                    .await
            })
        };
        while cache.loading() == 0 {
            tokio::task::yield_now().await;
        }
        first.abort();
        let _ = first.await;
        assert_eq!(cache.loading(), 0);
        let (result, loaded) = cache
            .get_or_load("k", async { Ok::<_, String>(answer(200, "{}")) })
            .await;
        assert_eq!(result.unwrap().status, StatusCode::OK);
        assert_eq!(loaded, Loaded::Here);
    }
}
