//! Waiting in the browser: timers, and events such as `online` or `visibilitychange`.

use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, AbortSignal, AddEventListenerOptions, EventTarget};

/// Resolves after `ms` milliseconds.
pub async fn sleep(ms: u32) {
    let (promise, resolve) = promise();
    if let Some(window) = web_sys::window() {
        let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
            &resolve,
            ms.min(i32::MAX as u32) as i32,
        );
    }
    let _ = JsFuture::from(promise).await;
}

/// A promise and the function that resolves it.
fn promise() -> (js_sys::Promise, js_sys::Function) {
    let mut resolver = None;
    let promise = js_sys::Promise::new(&mut |resolve, _| resolver = Some(resolve));
    let resolve = resolver.expect("the executor runs at once");
    (promise, resolve)
}

/// Adds `listener` for the next `name` on `target`, removed when `until` aborts.
fn listen_once(target: &EventTarget, name: &str, listener: &js_sys::Function, until: &AbortSignal) {
    let options = AddEventListenerOptions::new();
    options.set_once(true);
    options.set_signal(until);
    let _ = target
        .add_event_listener_with_callback_and_add_event_listener_options(name, listener, &options);
}

/// Resolves after `ms` milliseconds, or at once when `stop` aborts. Either way the timer and
/// the listener are gone afterwards, so that nothing outlives the widget that waited.
pub async fn sleep_or_stop(ms: u32, stop: &AbortSignal) {
    if stop.aborted() {
        return;
    }
    let Some(window) = web_sys::window() else {
        return;
    };
    let Ok(done) = AbortController::new() else {
        return;
    };
    let (promise, resolve) = promise();
    let timer = window
        .set_timeout_with_callback_and_timeout_and_arguments_0(
            &resolve,
            ms.min(i32::MAX as u32) as i32,
        )
        .unwrap_or_default();
    listen_once(stop, "abort", &resolve, &done.signal());
    let _ = JsFuture::from(promise).await;
    window.clear_timeout_with_handle(timer);
    done.abort();
}

/// Resolves the next time `target` fires `name`, or at once when `stop` aborts; the listeners
/// are removed either way.
pub async fn event(target: &EventTarget, name: &str, stop: &AbortSignal) {
    if stop.aborted() {
        return;
    }
    let Ok(done) = AbortController::new() else {
        return;
    };
    let (promise, resolve) = promise();
    listen_once(target, name, &resolve, &done.signal());
    listen_once(stop, "abort", &resolve, &done.signal());
    let _ = JsFuture::from(promise).await;
    done.abort();
}

pub fn is_online() -> bool {
    web_sys::window().is_none_or(|w| w.navigator().on_line())
}

pub fn is_hidden() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .is_some_and(|d| d.hidden())
}

/// Resolves once the browser is back online, or when `stop` aborts.
pub async fn online(stop: &AbortSignal) {
    while !is_online() && !stop.aborted() {
        let Some(window) = web_sys::window() else {
            return;
        };
        event(&window, "online", stop).await;
    }
}

/// Resolves once the page is visible, or when `stop` aborts: refreshing a hidden tab would
/// spend quota for no one.
pub async fn visible(stop: &AbortSignal) {
    while is_hidden() && !stop.aborted() {
        let Some(document) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        event(&document, "visibilitychange", stop).await;
    }
}

/// The delay before retry `attempt` (1-based): exponential from one second, capped, with
/// "equal jitter" (half fixed, half random) so that many open pages do not retry in step.
pub fn backoff_ms(attempt: u32, random: f64) -> u32 {
    let ceiling = 1_000u32
        .saturating_mul(1 << attempt.saturating_sub(1).min(5))
        .min(30_000);
    let half = ceiling / 2;
    half + (f64::from(half) * random.clamp(0.0, 1.0)) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_one_second_stays_within_its_jitter_and_is_capped() {
        assert_eq!(backoff_ms(1, 0.0), 500);
        assert_eq!(backoff_ms(1, 1.0), 1_000);
        assert_eq!(backoff_ms(2, 1.0), 2_000);
        assert_eq!(backoff_ms(3, 0.5), 3_000);
        assert_eq!(backoff_ms(20, 1.0), 30_000);
    }
}
