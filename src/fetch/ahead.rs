//! Answers asked for ahead: the loader (`js/trackline.js`) sends the page's address to the
//! merchant's proxy (`POST {base}/answers`, core's `ANSWERS_ROUTE`) while this module is still
//! downloading, and the proxy asks the carriers the requests a widget on that page will make.
//! A request of the widget takes such an answer in place of its own, once: the first request to
//! the same URL with the same key and signed link (the ones the proxy read from the page's
//! address, as core reads them). Anything else (another URL, other credentials, an answer that
//! did not come, one asked for long ago) is asked as always.
//!
//! The loader keeps what it started in `globalThis[Symbol.for("trackline.answers")]`: a list of
//! `{ base, page, at, answers }`, `answers` a promise of the proxy's document or `null`.

use js_sys::{Array, Promise, Reflect, Symbol};
use trackline_core::reference::{self, page};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::{Credentials, RawResponse};
use crate::js_value::{member, JsKind};

/// Where the loader puts the answers it asked for.
const GLOBAL: &str = "trackline.answers";

/// An answer asked for longer ago than this is not taken: a widget mounted much later asks
/// afresh.
const FRESH_MS: f64 = 60_000.0;

fn text(value: &JsValue, name: &str) -> Option<String> {
    match member(value, name) {
        JsKind::Text(text) => Some(text),
        _ => None,
    }
}

/// Whether `credentials` are the ones the proxy read from `page`.
fn same_credentials(page: &str, credentials: &Credentials) -> bool {
    let key = reference::parse(page).access_key;
    key.as_ref().map(|key| key.expose()) == credentials.access_key.as_deref()
        && page::signed_link(page) == credentials.link
}

/// Takes the answer asked for ahead to `url` (of the proxy at `base`) with `credentials`, once it
/// has come; `None` when there is none to take.
pub async fn take(base: &str, url: &str, credentials: &Credentials) -> Option<RawResponse> {
    let started = Reflect::get(&js_sys::global(), &Symbol::for_(GLOBAL)).ok()?;
    let started = started.dyn_into::<Array>().ok()?;
    let now = js_sys::Date::now();
    for entry in started.iter() {
        let fresh =
            matches!(member(&entry, "at"), JsKind::Whole(at) if now - (at as f64) < FRESH_MS);
        let Some(page) = text(&entry, "page") else {
            continue;
        };
        if !fresh
            || text(&entry, "base").as_deref() != Some(base)
            || !same_credentials(&page, credentials)
        {
            continue;
        }
        let Ok(promise) = Reflect::get(&entry, &JsValue::from_str("answers"))
            .and_then(|answers| answers.dyn_into::<Promise>())
        else {
            continue;
        };
        // The loader's promise never rejects: a failed request gives `null`.
        let Ok(document) = JsFuture::from(promise).await else {
            continue;
        };
        let Ok(answers) = Reflect::get(&document, &JsValue::from_str("answers")) else {
            continue;
        };
        let Ok(answers) = answers.dyn_into::<Array>() else {
            continue;
        };
        for answer in answers.iter() {
            let matches = text(&answer, "url")
                .is_some_and(|path| url.strip_prefix(base) == Some(path.as_str()));
            if !matches || matches!(member(&answer, "taken"), JsKind::Flag(true)) {
                continue;
            }
            let (JsKind::Whole(status), Some(body)) =
                (member(&answer, "status"), text(&answer, "body"))
            else {
                continue;
            };
            let _ = Reflect::set(&answer, &JsValue::from_str("taken"), &JsValue::TRUE);
            return Some(RawResponse {
                status: u16::try_from(status).ok()?,
                content_type: text(&answer, "content_type"),
                retry_after: text(&answer, "retry_after"),
                body: body.into_bytes(),
            });
        }
    }
    None
}
