//! `POST /answers`: the answers to the requests a widget will make for its page's address, asked
//! for by the widget's loader (`trackline.js`) before the widget's code has arrived. On a phone
//! the code takes a second or more to download; the carriers' answers come in that time instead
//! of after it, and the widget takes each one in place of its own request for the same URL.
//!
//! The body is a form (`application/x-www-form-urlencoded`, so that a browser sends it without a
//! preflight): `page`, the page's address as the widget reads it, and the widget's `carrier` and
//! `lang` attributes when it has them. The requests are planned as the widget plans them
//! (core's `PageRequests::of_page`), and each is asked of this proxy's own gateway, with the
//! caller's origin, address, key and signed link: every access check, limit, cache and log line
//! applies to it as to the widget's own request. The answer lists them:
//!
//! ```json
//! {"answers":[{"url":"/carriers/inpost/v1/tracking/…","status":200,
//!   "content_type":"application/vnd.trackline.reading+json","retry_after":null,"body":"{…}"}]}
//! ```
//!
//! The page's address may carry the consumer's access key (`id`): it travels in the body, never in
//! a URL, and nothing of the body is logged.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::{to_bytes, Body};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Router;
use futures_util::future::join_all;
use serde::Serialize;
use tower::ServiceExt;
use trackline_core::carrier::ACCEPT_READING;
use trackline_core::reference::page::PageRequests;

use super::keys::KEY_HEADER;
use super::problem::{Problem, ProblemKind};
use super::routes;
use super::signed::LINK_HEADER;
use super::ProxyState;

pub use trackline_core::reference::page::ANSWERS_ROUTE;

/// The largest body taken: a page address is at most core's `MAX_LINK_LEN`, and the two
/// attributes are short.
const MAX_BODY_BYTES: usize = 16 * 1024;

/// At most this many requests are answered ahead; a page with more references gets the first
/// ones, and its widget asks for the others itself.
pub const MAX_ANSWERS: usize = 16;

/// The largest answer body passed on: larger ones are left to the widget's own request.
const MAX_ANSWER_BYTES: usize = 4 * 1024 * 1024;

/// What the handler needs: the proxy's state, and the gateway it asks each request of.
#[derive(Clone)]
pub(super) struct AnswersState {
    pub state: Arc<ProxyState>,
    pub gateway: Router,
}

#[derive(Debug, Serialize)]
struct Answers {
    answers: Vec<Answer>,
}

/// One request's answer, as the widget would have read it.
#[derive(Debug, Serialize)]
struct Answer {
    /// The request's path and query under the proxy's base (`/carriers/...`).
    url: String,
    status: u16,
    content_type: Option<String>,
    retry_after: Option<String>,
    body: String,
}

/// The page's address and the widget's attributes, from the form body.
#[derive(Debug, Default, PartialEq, Eq)]
struct PageForm {
    page: Option<String>,
    carrier: Option<String>,
    lang: Option<String>,
}

fn read_form(body: &[u8]) -> PageForm {
    let mut form = PageForm::default();
    for (name, value) in url::form_urlencoded::parse(body) {
        let slot = match name.as_ref() {
            "page" => &mut form.page,
            "carrier" => &mut form.carrier,
            "lang" => &mut form.lang,
            _ => continue,
        };
        slot.get_or_insert_with(|| value.into_owned());
    }
    form
}

pub(super) async fn answer_page(State(answers): State<AnswersState>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = match to_bytes(body, MAX_BODY_BYTES).await {
        Ok(body) => body,
        Err(_) => {
            return Problem::new(
                ProblemKind::PayloadTooLarge,
                format!("the page's address and attributes take at most {MAX_BODY_BYTES} bytes"),
            )
            .into_response()
        }
    };
    let form = read_form(&body);
    let Some(page) = form.page.filter(|page| !page.trim().is_empty()) else {
        return Problem::new(
            ProblemKind::InvalidRequest,
            "the form has no `page`: send the page's address as `page=…` \
             (application/x-www-form-urlencoded)",
        )
        .into_response();
    };
    let planned = PageRequests::of_page(
        &page,
        form.carrier.as_deref(),
        form.lang.as_deref(),
        &answers.state.config.partners,
    );
    let asked = planned.map(|planned| {
        let headers = forwarded_headers(&parts.headers, &planned);
        planned
            .requests
            .into_iter()
            .take(MAX_ANSWERS)
            .map(move |request| {
                let url = format!(
                    "{}/{}{}",
                    routes::PREFIX,
                    request.carrier.as_str(),
                    request.request.path_and_query()
                );
                (url, headers.clone())
            })
            .collect::<Vec<_>>()
    });
    let gateway = &answers.gateway;
    // The connection the caller came on, by which its address is known (client_ip.rs); nothing
    // else of the outer request's extensions (its route, its URI) belongs to the inner ones.
    let connection = parts.extensions.get::<ConnectInfo<SocketAddr>>().copied();
    let answered = join_all(
        asked
            .into_iter()
            .flatten()
            .map(|(url, headers)| async move {
                let mut inner = Request::get(&url).body(Body::empty()).ok()?;
                *inner.headers_mut() = headers;
                if let Some(connection) = connection {
                    inner.extensions_mut().insert(connection);
                }
                let response = gateway.clone().oneshot(inner).await.ok()?;
                let (head, body) = response.into_parts();
                let body = to_bytes(body, MAX_ANSWER_BYTES).await.ok()?;
                let text = |name: header::HeaderName| {
                    head.headers
                        .get(name)
                        .and_then(|value| value.to_str().ok())
                        .map(str::to_owned)
                };
                Some(Answer {
                    url,
                    status: head.status.as_u16(),
                    content_type: text(header::CONTENT_TYPE),
                    retry_after: text(header::RETRY_AFTER),
                    // Readings and problems are JSON; anything else the widget asks for itself.
                    body: String::from_utf8(body.to_vec()).ok()?,
                })
            }),
    )
    .await;
    let answers = Answers {
        answers: answered.into_iter().flatten().collect(),
    };
    let mut response = axum::Json(answers).into_response();
    // The consumer's shipments, possibly by key: never kept by a cache on the way.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The headers each request is asked with: the caller's origin and forwarding headers (so that
/// the origin policy, the client's address and its limits are the caller's), core's reading, and
/// the key and signed link of the page's address.
fn forwarded_headers(caller: &HeaderMap, planned: &PageRequests) -> HeaderMap {
    let mut headers = HeaderMap::new();
    for name in [
        header::ORIGIN,
        header::HeaderName::from_static("x-forwarded-for"),
    ] {
        for value in caller.get_all(&name) {
            headers.append(name.clone(), value.clone());
        }
    }
    headers.insert(header::ACCEPT, HeaderValue::from_static(ACCEPT_READING));
    let mut insert = |name: &'static str, value: &Option<String>| {
        if let Some(value) = value.as_deref().and_then(|v| HeaderValue::from_str(v).ok()) {
            headers.insert(name, value);
        }
    };
    insert(KEY_HEADER, &planned.access_key);
    insert(LINK_HEADER, &planned.signed_link);
    headers
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_gives_the_page_and_the_attributes_and_ignores_the_rest() {
        let form = read_form(
            b"page=https%3A%2F%2Fshop.example%2Ft%3Ftracking%3D1%26id%3DK&lang=nb&x=1&page=second",
        );
        assert_eq!(
            form,
            PageForm {
                page: Some("https://shop.example/t?tracking=1&id=K".to_owned()),
                carrier: None,
                lang: Some("nb".to_owned()),
            }
        );
    }
}
