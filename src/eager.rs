//! Tasks that start where they are made: the future is polled once at once, so that a request it
//! sends leaves now, and the executor polls on with its own waker. A task handed straight to
//! `spawn_local` first runs in a microtask, once whatever made it has returned: when a loader is
//! made while its view is built, that is after the whole view, a few hundred milliseconds on a
//! slow phone that its requests would wait for.

use std::future::Future;
use std::task::{Context, Waker};

/// Runs `task` until it first waits, untracked (it subscribes no reactive scope it was made in),
/// then leaves the rest to the executor.
pub fn spawn(task: impl Future<Output = ()> + 'static) {
    let mut task = Box::pin(task);
    // The executor's first poll replaces this waker before anything can need it: every future
    // keeps the waker of its latest poll.
    let first =
        leptos::prelude::untrack(|| task.as_mut().poll(&mut Context::from_waker(Waker::noop())));
    if first.is_pending() {
        leptos::task::spawn_local(task);
    }
}
