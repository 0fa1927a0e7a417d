//! The built widget's files (trunk's `dist/`: `trackline.js`, the wasm-bindgen glue, the wasm,
//! the catalogs) as a browser should get them: in the smallest encoding it accepts, with
//! validators, and revalidated on every use.
//!
//! A release build writes a brotli (`.br`) and a gzip (`.gz`) copy beside every file
//! (`scripts/minify-release.mjs`); tower-http's `ServeDir` picks the copy that `Accept-Encoding`
//! allows (brotli first) and names it in `Content-Encoding`, and serves the file as it is to a
//! client that accepts neither, or when a copy is missing (`trunk serve` writes none).

use std::path::Path;

use axum::extract::Request;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, ETAG, IF_MODIFIED_SINCE,
    IF_NONE_MATCH, LAST_MODIFIED, VARY,
};
use axum::http::{HeaderMap, HeaderValue, Response, StatusCode};
use axum::middleware::{self, Next};
use axum::Router;
use sha2::{Digest, Sha256};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

/// Every file name of the widget is stable: a merchant's page links `trackline.js`, which loads
/// `trackline-widget.js` and `trackline-widget_bg.wasm` by those names, and the three must come
/// from the same build. A `max-age` would keep a merchant's update from consumers for that long,
/// and could pair a cached old glue with a new wasm. `no-cache` lets the browser keep every file
/// but ask before each use; the ETag makes that question a bodiless 304 while nothing changed.
const CACHE_CONTROL_VALUE: &str = "no-cache";

/// The widget's files under `dir`, as a service for a router's fallback.
pub fn service(dir: &Path) -> Router {
    let files = ServeDir::new(dir).precompressed_br().precompressed_gzip();
    // Layers run outside in: the validators see the final headers of the file server's answer,
    // including the charset below.
    Router::new()
        .fallback_service(files)
        .layer(SetResponseHeaderLayer::overriding(
            CONTENT_TYPE,
            utf8_plain_text,
        ))
        .layer(middleware::from_fn(validators))
}

/// The widget's catalogs (`locales/*.txt`) are UTF-8; the file server names their type without
/// a charset, and a browser opening one directly would then guess another encoding.
fn utf8_plain_text<B>(response: &Response<B>) -> Option<HeaderValue> {
    (response.headers().get(CONTENT_TYPE)? == "text/plain")
        .then_some(HeaderValue::from_static("text/plain; charset=utf-8"))
}

/// Adds `ETag`, `Cache-Control` and `Vary` to the file server's answers, and answers
/// `If-None-Match` with 304 when the tag still matches.
async fn validators(mut request: Request, next: Next) -> axum::response::Response {
    let if_none_match = request.headers_mut().remove(IF_NONE_MATCH);
    if if_none_match.is_some() {
        // A tag, when the client has one, decides alone (RFC 9110, 13.2.2); the file server
        // would otherwise answer 304 by date for a copy in another encoding.
        request.headers_mut().remove(IF_MODIFIED_SINCE);
    }
    let mut response = next.run(request).await;
    let status = response.status();
    if status != StatusCode::OK && status != StatusCode::NOT_MODIFIED {
        return response;
    }
    let headers = response.headers_mut();
    headers.insert(CACHE_CONTROL, HeaderValue::from_static(CACHE_CONTROL_VALUE));
    // The same URL has up to three bodies: caches must keep them apart.
    headers.insert(VARY, HeaderValue::from_static("accept-encoding"));
    if status != StatusCode::OK {
        return response;
    }
    let Some(tag) = entity_tag(headers) else {
        return response;
    };
    let unchanged = if_none_match
        .as_ref()
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| matches_any(value, &tag));
    headers.insert(ETAG, tag);
    if !unchanged {
        return response;
    }
    let mut not_modified = axum::response::Response::new(axum::body::Body::empty());
    *not_modified.status_mut() = StatusCode::NOT_MODIFIED;
    for name in [ETAG, CACHE_CONTROL, VARY, LAST_MODIFIED, CONTENT_ENCODING] {
        if let Some(value) = response.headers().get(&name) {
            not_modified.headers_mut().insert(name, value.clone());
        }
    }
    not_modified
}

/// A strong tag of the exact bytes sent: the file's modification time (as `Last-Modified`
/// states it), its length and its encoding, hashed. A new build rewrites the files, so their
/// times change; the encoding keeps the brotli, gzip and plain bodies of one URL apart.
fn entity_tag(headers: &HeaderMap) -> Option<HeaderValue> {
    let modified = headers.get(LAST_MODIFIED)?;
    let length = headers.get(CONTENT_LENGTH)?;
    let encoding = headers
        .get(CONTENT_ENCODING)
        .map_or(&b"identity"[..], HeaderValue::as_bytes);
    let mut hash = Sha256::new();
    for part in [modified.as_bytes(), length.as_bytes(), encoding] {
        hash.update(part);
        hash.update([0]);
    }
    let digest = hash.finalize();
    let hex: String = digest[..12]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    HeaderValue::from_str(&format!("\"{hex}\"")).ok()
}

/// Whether an `If-None-Match` list names `tag`, by the weak comparison that RFC 9110 prescribes
/// for it (a `W/` prefix is ignored), or is `*`.
fn matches_any(list: &str, tag: &HeaderValue) -> bool {
    let tag = tag.as_bytes();
    list.split(',')
        .map(str::trim)
        .any(|candidate| candidate == "*" || candidate.trim_start_matches("W/").as_bytes() == tag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tag_differs_by_encoding_and_matches_weak_and_listed_forms() {
        let mut plain = HeaderMap::new();
        plain.insert(
            LAST_MODIFIED,
            HeaderValue::from_static("Mon, 30 Nov 2026 10:00:00 GMT"),
        );
        plain.insert(CONTENT_LENGTH, HeaderValue::from_static("1000"));
        let mut brotli = plain.clone();
        brotli.insert(CONTENT_ENCODING, HeaderValue::from_static("br"));
        let plain_tag = entity_tag(&plain).unwrap();
        let brotli_tag = entity_tag(&brotli).unwrap();
        assert_ne!(plain_tag, brotli_tag);

        let quoted = plain_tag.to_str().unwrap();
        assert!(matches_any(quoted, &plain_tag));
        assert!(matches_any(&format!("\"other\", W/{quoted}"), &plain_tag));
        assert!(matches_any("*", &plain_tag));
        assert!(!matches_any(brotli_tag.to_str().unwrap(), &plain_tag));
        assert!(!matches_any("\"other\"", &plain_tag));
    }

    #[test]
    fn a_file_without_its_date_or_length_gets_no_tag() {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_LENGTH, HeaderValue::from_static("1000"));
        assert_eq!(entity_tag(&headers), None);
    }
}
