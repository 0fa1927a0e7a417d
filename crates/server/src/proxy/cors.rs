//! CORS for the merchant's own sites. Exact origin matches only; credentials mode is never
//! allowed, since the proxy uses no cookies. `Origin` decides CORS and nothing else: what a
//! request may read is decided by its key or signed link (see `access`), because any client other
//! than a browser sends whatever `Origin` it likes.
//!
//! Two pieces: tower-http's [`CorsLayer`] writes the CORS headers for the configured sites
//! ([`layer`]), and the origin policy in front of it (`layers::OriginPolicyLayer`) decides what an
//! origin gets: a configured one passes, a well-formed one that is not configured gets a readable
//! refusal ([`readable_refusals`]), anything else an unreadable one.

use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::Response;
use tower_http::cors::{AllowOrigin, CorsLayer};

use super::config::{ProxyConfig, WithoutOrigin};
use super::keys::KEY_HEADER;
use super::problem::{Problem, ProblemKind};
use super::signed::LINK_HEADER;

/// Request headers a page may send besides the CORS-safelisted ones.
const ALLOWED_REQUEST_HEADERS: [&str; 2] = [KEY_HEADER, LINK_HEADER];

/// Response headers a page may read besides the CORS-safelisted ones.
const EXPOSED_HEADERS: [&str; 2] = ["retry-after", "x-trackline-cache"];

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
    if is_allowed(config, origin) {
        return Ok(OriginDecision {
            allow_origin: Some(origin.clone()),
        });
    }
    if origin.to_str().is_err() {
        return Err(forbidden("this origin is not allowed"));
    }
    Err(forbidden(
        "this site is not set up for tracking on this proxy: its origin is not configured",
    ))
}

/// Whether `origin` is one of the configured sites' (or any origin but `null`, when the
/// configuration allows any).
fn is_allowed(config: &ProxyConfig, origin: &HeaderValue) -> bool {
    origin.to_str().is_ok_and(|text| {
        config.site_for_origin(text).is_some() || (config.allow_any_origin && text != "null")
    })
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

pub fn forbidden(detail: &str) -> Problem {
    Problem::new(ProblemKind::ForbiddenOrigin, detail)
}

/// Checks what a preflight asks for: GET only, and only the key and link headers beyond the
/// safelisted ones. The CORS layer answers a preflight that passes.
pub fn check_preflight(headers: &HeaderMap) -> Result<(), Problem> {
    let method_ok = headers
        .get(header::ACCESS_CONTROL_REQUEST_METHOD)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|method| method == Method::GET.as_str());
    if !method_ok {
        return Err(Problem::new(
            ProblemKind::MethodNotAllowed,
            "only GET is served",
        ));
    }
    let safelisted = ["accept", "accept-language", "content-language"];
    let refused = headers
        .get_all(header::ACCESS_CONTROL_REQUEST_HEADERS)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .find(|name| {
            !ALLOWED_REQUEST_HEADERS
                .iter()
                .chain(&safelisted)
                .any(|allowed| allowed.eq_ignore_ascii_case(name))
        });
    if let Some(name) = refused {
        let printable: String = name
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .take(40)
            .map(|c| c.to_ascii_lowercase())
            .collect();
        return Err(forbidden(&format!(
            "the request header `{printable}` is not allowed"
        )));
    }
    Ok(())
}

/// What every CORS answer of the proxy says, whichever origins it is for: GET, the key and link
/// headers, the exposed headers, the preflight's lifetime. No credentials. `Vary` is the
/// proxy's own (see [`VARY`]), so the layer adds none.
fn answers(config: &ProxyConfig) -> CorsLayer {
    CorsLayer::new()
        .allow_methods([Method::GET])
        .allow_headers(ALLOWED_REQUEST_HEADERS.map(HeaderName::from_static))
        .expose_headers(EXPOSED_HEADERS.map(HeaderName::from_static))
        .max_age(config.cors_max_age)
        .vary([])
}

/// tower-http's CORS for the configured sites' origins (every origin but `null` when the
/// configuration allows any).
pub fn layer(config: &ProxyConfig) -> CorsLayer {
    let allow_origin = if config.allow_any_origin {
        AllowOrigin::predicate(|origin, _| origin.to_str().is_ok_and(|text| text != "null"))
    } else {
        AllowOrigin::list(
            config
                .sites
                .iter()
                .flat_map(|site| &site.origins)
                .filter_map(|origin| HeaderValue::from_str(origin).ok()),
        )
    };
    answers(config).allow_origin(allow_origin)
}

/// CORS for the refusal of a well-formed origin that is not configured: its preflight passes
/// and its request reads the `forbidden-origin` problem, so that the widget can say the site is
/// not set up instead of seeing a network error. Only the origin policy sends requests here.
pub fn readable_refusals(config: &ProxyConfig) -> CorsLayer {
    answers(config).allow_origin(AllowOrigin::mirror_request())
}

/// A preflight the CORS layer answered: 204 No Content, varying by origin only.
pub fn as_preflight_answer(response: &mut Response) {
    if response.status() == StatusCode::OK {
        *response.status_mut() = StatusCode::NO_CONTENT;
    }
    response
        .headers_mut()
        .insert(header::VARY, HeaderValue::from_static("Origin"));
}

/// What an answer depends on besides its URL: the origin (CORS), the key and signed link
/// (access), so that no cache hands one caller's answer to another, and `Accept` (a carrier's
/// answer or core's reading of it).
pub const VARY: &str = "Origin, X-Trackline-Key, X-Trackline-Link, Accept";

#[cfg(test)]
mod tests {
    use super::*;
    use axum::response::IntoResponse;
    use tower::{Layer, ServiceExt};

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

    /// What `cors` answers to an OPTIONS request with `headers`, in front of a service that
    /// must not be reached (it would answer 418).
    async fn preflight_through(cors: CorsLayer, headers: &HeaderMap) -> Response {
        let service = cors.layer(tower::service_fn(|_: axum::extract::Request| async {
            Ok::<_, std::convert::Infallible>(StatusCode::IM_A_TEAPOT.into_response())
        }));
        let mut request = axum::extract::Request::new(axum::body::Body::empty());
        *request.method_mut() = Method::OPTIONS;
        *request.headers_mut() = headers.clone();
        let response = service.oneshot(request).await.unwrap();
        assert_ne!(response.status(), StatusCode::IM_A_TEAPOT);
        response
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

    #[tokio::test]
    async fn a_preflight_allows_get_with_the_key_header_and_nothing_more() {
        let config = config("");
        let mut headers = with_origin("https://shop.example");
        headers.insert(
            header::ACCESS_CONTROL_REQUEST_METHOD,
            HeaderValue::from_static("GET"),
        );
        headers.insert(
            header::ACCESS_CONTROL_REQUEST_HEADERS,
            HeaderValue::from_static("x-trackline-key, X-Trackline-Link"),
        );
        assert_eq!(check_preflight(&headers), Ok(()));
        let mut response = preflight_through(layer(&config), &headers).await;
        as_preflight_answer(&mut response);
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
        let answer = response.headers();
        assert_eq!(
            answer[header::ACCESS_CONTROL_ALLOW_ORIGIN],
            "https://shop.example"
        );
        assert_eq!(answer[header::ACCESS_CONTROL_ALLOW_METHODS], "GET");
        assert_eq!(
            answer[header::ACCESS_CONTROL_ALLOW_HEADERS],
            "x-trackline-key,x-trackline-link"
        );
        assert_eq!(answer[header::ACCESS_CONTROL_MAX_AGE], "600");
        assert_eq!(answer[header::VARY], "Origin");
        assert!(answer
            .get(header::ACCESS_CONTROL_ALLOW_CREDENTIALS)
            .is_none());

        headers.insert(
            header::ACCESS_CONTROL_REQUEST_HEADERS,
            HeaderValue::from_static("authorization"),
        );
        let refused = check_preflight(&headers).unwrap_err();
        assert_eq!(refused.kind, ProblemKind::ForbiddenOrigin);
        assert!(
            refused.detail.contains("`authorization`"),
            "{}",
            refused.detail
        );
        headers.insert(
            header::ACCESS_CONTROL_REQUEST_METHOD,
            HeaderValue::from_static("DELETE"),
        );
        assert_eq!(
            check_preflight(&headers).unwrap_err().kind,
            ProblemKind::MethodNotAllowed
        );
    }

    #[tokio::test]
    async fn the_sites_cors_layer_echoes_only_configured_origins_and_the_refusals_echo_any() {
        let config = config("");
        let mut headers = with_origin("https://new-shop.example");
        headers.insert(
            header::ACCESS_CONTROL_REQUEST_METHOD,
            HeaderValue::from_static("GET"),
        );
        let sites = preflight_through(layer(&config), &headers).await;
        assert!(sites
            .headers()
            .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
            .is_none());
        let refusal = preflight_through(readable_refusals(&config), &headers).await;
        assert_eq!(
            refusal.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN],
            "https://new-shop.example"
        );
    }
}
