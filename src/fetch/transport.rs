//! Sending one GET: gloo-net in the page, or a stub in browser tests.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use web_sys::{AbortController, AbortSignal};

/// What came back, before it is classified.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RawResponse {
    pub status: u16,
    pub content_type: Option<String>,
    pub retry_after: Option<String>,
    pub body: Vec<u8>,
}

/// Why no answer came back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    #[error("the request was cancelled")]
    Aborted,
    #[error("the request timed out")]
    Timeout,
    #[error("the browser is offline")]
    Offline,
    #[error("the request failed: {0}")]
    Network(String),
}

/// One request as a stub sees it.
pub struct StubRequest {
    pub url: String,
    /// The `X-Trackline-Key` header, if sent.
    pub access_key: Option<String>,
    /// The `X-Trackline-Link` header (the page's query without `id`), if sent.
    pub link: Option<String>,
    /// The `Accept` header, if sent: the Trackline proxy is asked for core's reading.
    pub accept: Option<String>,
    /// Aborted on cancellation and on timeout; a stub may wait on it.
    pub signal: AbortSignal,
}

pub type StubFuture = Pin<Box<dyn Future<Output = Result<RawResponse, FetchError>>>>;

fn is_offline() -> bool {
    web_sys::window().is_some_and(|w| !w.navigator().on_line())
}

/// Sends a GET through `network` (with `accept` as its `Accept` header, if given), aborting it
/// after its timeout.
pub async fn send(
    url: &str,
    credentials: &super::Credentials,
    accept: Option<&str>,
    controller: &AbortController,
    network: &super::Network,
) -> Result<RawResponse, FetchError> {
    if is_offline() {
        return Err(FetchError::Offline);
    }
    let timed_out = Rc::new(Cell::new(false));
    let timer = {
        let timed_out = timed_out.clone();
        let controller = controller.clone();
        Closure::once(move || {
            timed_out.set(true);
            controller.abort();
        })
    };
    let window = web_sys::window().expect("window");
    let timer_id = window
        .set_timeout_with_callback_and_timeout_and_arguments_0(
            timer.as_ref().unchecked_ref(),
            network.timeout_ms,
        )
        .unwrap_or_default();

    let signal = controller.signal();
    let result = match &network.stub {
        Some(stub) => {
            stub(StubRequest {
                url: url.to_owned(),
                access_key: credentials.access_key.clone(),
                link: credentials.link.clone(),
                accept: accept.map(str::to_owned),
                signal: signal.clone(),
            })
            .await
        }
        None => send_http(url, credentials, accept, &signal).await,
    };
    window.clear_timeout_with_handle(timer_id);
    drop(timer);

    match result {
        Err(_) if timed_out.get() => Err(FetchError::Timeout),
        Err(_) if signal.aborted() => Err(FetchError::Aborted),
        Err(_) if is_offline() => Err(FetchError::Offline),
        other => other,
    }
}

async fn send_http(
    url: &str,
    credentials: &super::Credentials,
    accept: Option<&str>,
    signal: &AbortSignal,
) -> Result<RawResponse, FetchError> {
    let mut request = gloo_net::http::Request::get(url).abort_signal(Some(signal));
    if let Some(accept) = accept {
        request = request.header("Accept", accept);
    }
    if let Some(key) = &credentials.access_key {
        request = request.header("X-Trackline-Key", key);
    }
    if let Some(link) = &credentials.link {
        request = request.header("X-Trackline-Link", link);
    }
    let network = |error: gloo_net::Error| FetchError::Network(error.to_string());
    let response = request.send().await.map_err(network)?;
    let headers = response.headers();
    let status = response.status();
    let content_type = headers.get("content-type");
    let retry_after = headers.get("retry-after");
    let body = response.binary().await.map_err(network)?;
    Ok(RawResponse {
        status,
        content_type,
        retry_after,
        body,
    })
}
