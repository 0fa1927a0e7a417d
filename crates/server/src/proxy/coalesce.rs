//! Identical requests in flight at the same time share one upstream call: fifty browsers opening
//! the same tracking link cost the carrier quota one request.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use tokio::sync::OnceCell;

pub struct Coalescer<V> {
    in_flight: Mutex<HashMap<String, Arc<OnceCell<V>>>>,
}

impl<V: Clone> Default for Coalescer<V> {
    fn default() -> Self {
        Coalescer {
            in_flight: Mutex::new(HashMap::new()),
        }
    }
}

impl<V: Clone> Coalescer<V> {
    /// Runs `call` unless an identical call is already running, in which case its result is
    /// shared. If the caller running it goes away (its client disconnected), a waiting caller
    /// runs its own `call` instead, so nobody waits for an abandoned request.
    pub async fn run<F, Fut>(&self, key: &str, call: F) -> V
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = V>,
    {
        let cell = {
            let mut in_flight = self
                .in_flight
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            in_flight.entry(key.to_owned()).or_default().clone()
        };
        let value = cell.get_or_init(call).await.clone();
        let mut in_flight = self
            .in_flight
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if in_flight
            .get(key)
            .is_some_and(|current| Arc::ptr_eq(current, &cell))
        {
            in_flight.remove(key);
        }
        value
    }

    pub fn in_flight(&self) -> usize {
        self.in_flight
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    #[tokio::test]
    async fn concurrent_identical_calls_run_once_and_all_get_the_result() {
        let coalescer = Arc::new(Coalescer::<u32>::default());
        let calls = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..20 {
            let (coalescer, calls) = (coalescer.clone(), calls.clone());
            tasks.push(tokio::spawn(async move {
                coalescer
                    .run("k", || async {
                        calls.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        7
                    })
                    .await
            }));
        }
        for task in tasks {
            assert_eq!(task.await.unwrap(), 7);
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert_eq!(coalescer.in_flight(), 0);
    }

    #[tokio::test]
    async fn different_keys_do_not_share_a_call() {
        let coalescer = Coalescer::<String>::default();
        let a = coalescer.run("a", || async { "a".to_owned() });
        let b = coalescer.run("b", || async { "b".to_owned() });
        assert_eq!(tokio::join!(a, b), ("a".to_owned(), "b".to_owned()));
    }
}
