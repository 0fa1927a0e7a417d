//! CORS for the merchant's own sites. Exact origin matches only; credentials mode is never
//! allowed, since the proxy uses no cookies. `Origin` decides CORS and nothing else: what a
//! request may read is decided by its key or signed link (see `access`), because any client other
//! than a browser sends whatever `Origin` it likes.

use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};

use super::config::{ProxyConfig, WithoutOrigin};
use super::keys::KEY_HEADER;
use super::problem::{Problem, ProblemKind};
use super::signed::LINK_HEADER;

/// Request headers a page may send besides the CORS-safelisted ones.
const ALLOWED_REQUEST_HEADERS: [&str; 2] = [KEY_HEADER, LINK_HEADER];

/// What the request's origin means for this request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginDecision {
    /// Echoed in `Access-Control-Allow-Origin`; `None` for requests without `Origin`.
    pub allow_origin: Option<HeaderValue>,
}

pub fn decide(config: &ProxyConfig, headers: &HeaderMap) -> Result<OriginDecision, Problem> {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return match config.without_origin {
            WithoutOrigin::Refuse => Err(forbidden("requests must come from a configured site")),
            // The configuration refuses `RequireAccessKey`; access is decided by data.
            WithoutOrigin::Allow | WithoutOrigin::RequireAccessKey => {
                Ok(OriginDecision { allow_origin: None })
            }
        };
    };
    let Ok(origin_text) = origin.to_str() else {
        return Err(forbidden("this origin is not allowed"));
    };
    if config.site_for_origin(origin_text).is_some()
        || (config.allow_any_origin && origin_text != "null")
    {
        return Ok(OriginDecision {
            allow_origin: Some(origin.clone()),
        });
    }
    Err(forbidden(
        "this site is not set up for tracking on this proxy: its origin is not configured",
    ))
}

/// The origin of a refused request, echoed so that the page can read why it was refused (its
/// site is not set up) instead of a bare network error. Only the refusal is readable: the
/// request is answered with the problem and nothing else. `null` and malformed origins get
/// nothing.
pub fn refused_origin(headers: &HeaderMap) -> Option<HeaderValue> {
    let origin = headers.get(header::ORIGIN)?;
    let text = origin.to_str().ok()?;
    let url = url::Url::parse(text).ok()?;
    let serialized = url.origin().ascii_serialization();
    (matches!(url.scheme(), "http" | "https") && serialized == text).then(|| origin.clone())
}

fn forbidden(detail: &str) -> Problem {
    Problem::new(ProblemKind::ForbiddenOrigin, detail)
}

/// Answers a preflight: GET only, and only the key header beyond the safelisted ones.
pub fn preflight(config: &ProxyConfig, decision: &OriginDecision, headers: &HeaderMap) -> Response {
    let Some(origin) = &decision.allow_origin else {
        return forbidden("a preflight needs an Origin").into_response();
    };
    let method_ok = headers
        .get(header::ACCESS_CONTROL_REQUEST_METHOD)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|method| method == Method::GET.as_str());
    if !method_ok {
        return Problem::new(ProblemKind::MethodNotAllowed, "only GET is served").into_response();
    }
    let requested = headers
        .get_all(header::ACCESS_CONTROL_REQUEST_HEADERS)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|name| name.trim().to_ascii_lowercase())
        .filter(|name| !name.is_empty())
        .collect::<Vec<_>>();
    let safelisted = ["accept", "accept-language", "content-language"];
    if let Some(name) = requested.iter().find(|name| {
        !ALLOWED_REQUEST_HEADERS.contains(&name.as_str()) && !safelisted.contains(&name.as_str())
    }) {
        let printable: String = name
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .take(40)
            .collect();
        return forbidden(&format!("the request header `{printable}` is not allowed"))
            .into_response();
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    let response_headers = response.headers_mut();
    response_headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
    response_headers.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET"),
    );
    response_headers.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("x-trackline-key, x-trackline-link"),
    );
    response_headers.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from(config.cors_max_age.as_secs()),
    );
    response_headers.insert(header::VARY, HeaderValue::from_static("Origin"));
    response
}

/// What an answer depends on besides its URL: the origin (CORS), and the key and signed link
/// (access), so that no cache hands one caller's answer to another.
pub const VARY: &str = "Origin, X-Trackline-Key, X-Trackline-Link";

/// Adds the CORS headers of an actual response, and `Vary` always, since the answer differs by
/// origin, key and link, and caches must not mix them up.
pub fn decorate(response: &mut Response, allow_origin: Option<&HeaderValue>) {
    let headers = response.headers_mut();
    headers.insert(header::VARY, HeaderValue::from_static(VARY));
    if let Some(origin) = allow_origin {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
        headers.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("Retry-After, X-Trackline-Cache"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(extra: &str) -> ProxyConfig {
        let text = format!(
            "[carriers.inpost]\n{extra}\n[[sites]]\nname = \"shop\"\norigins = [\"https://shop.example\"]\n\
             [[sites]]\nname = \"kiosk\"\norigins = [\"https://kiosk.example\"]\n"
        );
        ProxyConfig::parse(&text, &|_| None).unwrap()
    }

    fn with_origin(origin: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::ORIGIN, HeaderValue::from_str(origin).unwrap());
        headers
    }

    #[test]
    fn a_configured_origin_is_echoed_and_another_is_forbidden() {
        let config = config("");
        let decision = decide(&config, &with_origin("https://shop.example")).unwrap();
        assert_eq!(decision.allow_origin.unwrap(), "https://shop.example");
        for origin in [
            "https://evil.example",
            "https://shop.example.evil.example",
            "http://shop.example",
            "null",
        ] {
            assert_eq!(
                decide(&config, &with_origin(origin)).unwrap_err().kind,
                ProblemKind::ForbiddenOrigin,
                "{origin}"
            );
        }
    }

    #[test]
    fn requests_without_origin_are_allowed_or_refused_as_configured_and_never_echo_an_origin() {
        let open = decide(&config(""), &HeaderMap::new()).unwrap();
        assert_eq!(open.allow_origin, None);
        let closed = config("[server]\nrequests_without_origin = \"refuse\"");
        assert_eq!(
            decide(&closed, &HeaderMap::new()).unwrap_err().kind,
            ProblemKind::ForbiddenOrigin
        );
    }

    #[test]
    fn a_preflight_allows_get_with_the_key_header_and_nothing_more() {
        let config = config("");
        let mut headers = with_origin("https://shop.example");
        headers.insert(
            header::ACCESS_CONTROL_REQUEST_METHOD,
            HeaderValue::from_static("GET"),
        );
        headers.insert(
            header::ACCESS_CONTROL_REQUEST_HEADERS,
            HeaderValue::from_static("x-trackline-key, x-trackline-link"),
        );
        let decision = decide(&config, &headers).unwrap();
        let response = preflight(&config, &decision, &headers);
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
        assert_eq!(
            response.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN],
            "https://shop.example"
        );
        assert!(response
            .headers()
            .get(header::ACCESS_CONTROL_ALLOW_CREDENTIALS)
            .is_none());

        headers.insert(
            header::ACCESS_CONTROL_REQUEST_HEADERS,
            HeaderValue::from_static("authorization"),
        );
        assert_eq!(
            preflight(&config, &decision, &headers).status(),
            StatusCode::FORBIDDEN
        );
        headers.insert(
            header::ACCESS_CONTROL_REQUEST_METHOD,
            HeaderValue::from_static("DELETE"),
        );
        assert_eq!(
            preflight(&config, &decision, &headers).status(),
            StatusCode::METHOD_NOT_ALLOWED
        );
    }
}
