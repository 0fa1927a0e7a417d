//! Errors as RFC 7807 problem documents. The `type` URIs are a stable contract with the widget,
//! which maps each to a message for the consumer; `detail` is for developers and never holds a
//! credential or an upstream body.

use std::time::Duration;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::layers::Routed;

/// What went wrong, as the widget sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemKind {
    /// No such route or carrier, or the carrier does not know the reference.
    NotFound,
    /// The path or query does not hold a value the carrier could be asked about.
    InvalidReference,
    /// Only GET (and CORS preflights) are served.
    MethodNotAllowed,
    /// Too many requests from this client, this key, or to this carrier.
    RateLimited,
    /// The carrier is down or answered with a redirect.
    UpstreamUnavailable,
    /// The carrier refused the proxy's credentials or request: the operator must act.
    UpstreamRefused,
    UpstreamTimeout,
    /// The carrier's answer was too large or not what its API returns.
    UpstreamMalformed,
    /// An access key is required and none, or an unknown or revoked one, was sent.
    Unauthorized,
    ForbiddenOrigin,
    /// The proxy is at its concurrency limit and shed the request.
    Overloaded,
    /// The carrier's shipments need a signed link or an access key, and neither came.
    SignatureRequired,
    /// The signed link's signature does not match (changed, or signed with another secret), or
    /// the link is not a signed link at all.
    LinkInvalid,
    /// The signed link has expired: the consumer should ask the shop for a new one.
    LinkExpired,
    /// The access database cannot be reached; keys and scopes fail closed.
    AccessUnavailable,
    /// The admin API was called without the admin token, or with a wrong one.
    AdminUnauthorized,
    /// The request body is not what the admin API takes.
    InvalidRequest,
    /// The request body is larger than the admin API takes.
    PayloadTooLarge,
    /// The name is taken (a key name must be unique).
    Conflict,
}

impl ProblemKind {
    pub const ALL: [ProblemKind; 19] = [
        ProblemKind::NotFound,
        ProblemKind::InvalidReference,
        ProblemKind::MethodNotAllowed,
        ProblemKind::RateLimited,
        ProblemKind::UpstreamUnavailable,
        ProblemKind::UpstreamRefused,
        ProblemKind::UpstreamTimeout,
        ProblemKind::UpstreamMalformed,
        ProblemKind::Unauthorized,
        ProblemKind::ForbiddenOrigin,
        ProblemKind::Overloaded,
        ProblemKind::SignatureRequired,
        ProblemKind::LinkInvalid,
        ProblemKind::LinkExpired,
        ProblemKind::AccessUnavailable,
        ProblemKind::AdminUnauthorized,
        ProblemKind::InvalidRequest,
        ProblemKind::PayloadTooLarge,
        ProblemKind::Conflict,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            ProblemKind::NotFound => "not-found",
            ProblemKind::InvalidReference => "invalid-reference",
            ProblemKind::MethodNotAllowed => "method-not-allowed",
            ProblemKind::RateLimited => "rate-limited",
            ProblemKind::UpstreamUnavailable => "upstream-unavailable",
            ProblemKind::UpstreamRefused => "upstream-refused",
            ProblemKind::UpstreamTimeout => "upstream-timeout",
            ProblemKind::UpstreamMalformed => "upstream-malformed",
            ProblemKind::Unauthorized => "unauthorized",
            ProblemKind::ForbiddenOrigin => "forbidden-origin",
            ProblemKind::Overloaded => "overloaded",
            ProblemKind::SignatureRequired => "signature-required",
            ProblemKind::LinkInvalid => "link-invalid",
            ProblemKind::LinkExpired => "link-expired",
            ProblemKind::AccessUnavailable => "access-unavailable",
            ProblemKind::AdminUnauthorized => "admin-unauthorized",
            ProblemKind::InvalidRequest => "invalid-request",
            ProblemKind::PayloadTooLarge => "payload-too-large",
            ProblemKind::Conflict => "conflict",
        }
    }

    /// The kind a slug names.
    pub fn from_slug(slug: &str) -> Option<ProblemKind> {
        ProblemKind::ALL
            .into_iter()
            .find(|kind| kind.slug() == slug)
    }

    pub fn type_uri(self) -> String {
        format!("https://trackline.dev/problems/{}", self.slug())
    }

    pub fn status(self) -> StatusCode {
        match self {
            ProblemKind::NotFound => StatusCode::NOT_FOUND,
            ProblemKind::InvalidReference => StatusCode::BAD_REQUEST,
            ProblemKind::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ProblemKind::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            ProblemKind::UpstreamUnavailable
            | ProblemKind::UpstreamRefused
            | ProblemKind::UpstreamMalformed => StatusCode::BAD_GATEWAY,
            ProblemKind::UpstreamTimeout => StatusCode::GATEWAY_TIMEOUT,
            ProblemKind::Unauthorized => StatusCode::UNAUTHORIZED,
            ProblemKind::ForbiddenOrigin => StatusCode::FORBIDDEN,
            ProblemKind::Overloaded | ProblemKind::AccessUnavailable => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            ProblemKind::SignatureRequired | ProblemKind::AdminUnauthorized => {
                StatusCode::UNAUTHORIZED
            }
            ProblemKind::LinkInvalid | ProblemKind::LinkExpired => StatusCode::FORBIDDEN,
            ProblemKind::InvalidRequest => StatusCode::BAD_REQUEST,
            ProblemKind::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ProblemKind::Conflict => StatusCode::CONFLICT,
        }
    }

    fn title(self) -> &'static str {
        match self {
            ProblemKind::NotFound => "Not found",
            ProblemKind::InvalidReference => "Invalid reference",
            ProblemKind::MethodNotAllowed => "Method not allowed",
            ProblemKind::RateLimited => "Too many requests",
            ProblemKind::UpstreamUnavailable => "Carrier unavailable",
            ProblemKind::UpstreamRefused => "Carrier refused the proxy",
            ProblemKind::UpstreamTimeout => "Carrier timed out",
            ProblemKind::UpstreamMalformed => "Carrier answer unusable",
            ProblemKind::Unauthorized => "Access key required",
            ProblemKind::ForbiddenOrigin => "Origin not allowed",
            ProblemKind::Overloaded => "Proxy overloaded",
            ProblemKind::SignatureRequired => "Signed link or access key required",
            ProblemKind::LinkInvalid => "Link not valid",
            ProblemKind::LinkExpired => "Link expired",
            ProblemKind::AccessUnavailable => "Access check unavailable",
            ProblemKind::AdminUnauthorized => "Admin token required",
            ProblemKind::InvalidRequest => "Invalid request",
            ProblemKind::PayloadTooLarge => "Request too large",
            ProblemKind::Conflict => "Conflict",
        }
    }
}

/// One problem answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub kind: ProblemKind,
    pub detail: String,
    pub carrier: Option<&'static str>,
    /// Sent as `Retry-After` (whole seconds, rounded up) when set.
    pub retry_after: Option<Duration>,
    /// What the request's log line and count name when the refusal concerns a routed carrier
    /// request (its carrier and masked path); never part of the document. Without it they name
    /// `carrier`.
    pub routed: Option<Routed>,
}

impl Problem {
    pub fn new(kind: ProblemKind, detail: impl Into<String>) -> Self {
        Problem {
            kind,
            detail: detail.into(),
            carrier: None,
            retry_after: None,
            routed: None,
        }
    }

    pub fn for_carrier(mut self, carrier: &'static str) -> Self {
        self.carrier = Some(carrier);
        self
    }

    pub fn retry_after(mut self, wait: Duration) -> Self {
        self.retry_after = Some(wait);
        self
    }

    /// Names the routed request this refuses, for the request log (the `routed` field).
    pub fn routed(mut self, routed: Routed) -> Self {
        self.routed = Some(routed);
        self
    }
}

#[derive(Serialize)]
struct ProblemDocument<'a> {
    #[serde(rename = "type")]
    type_uri: String,
    title: &'static str,
    status: u16,
    detail: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    carrier: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    retry_after_seconds: Option<u64>,
}

/// Whole seconds, rounded up, never zero: a zero would invite an immediate retry.
pub fn retry_after_seconds(wait: Duration) -> u64 {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    seconds.max(1)
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = self.kind.status();
        let retry_after = self.retry_after.map(retry_after_seconds);
        let document = ProblemDocument {
            type_uri: self.kind.type_uri(),
            title: self.kind.title(),
            status: status.as_u16(),
            detail: &self.detail,
            carrier: self.carrier,
            retry_after_seconds: retry_after,
        };
        let body = serde_json::to_vec(&document).unwrap_or_default();
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if let Some(seconds) = retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if self.kind == ProblemKind::MethodNotAllowed {
            headers.insert(header::ALLOW, HeaderValue::from_static("GET, OPTIONS"));
        }
        let routed = self.routed.or_else(|| {
            self.carrier.map(|carrier| Routed {
                carrier,
                masked_path: None,
            })
        });
        if let Some(routed) = routed {
            response.extensions_mut().insert(routed);
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_problem_type_is_a_distinct_stable_uri() {
        let uris: std::collections::BTreeSet<_> = ProblemKind::ALL
            .iter()
            .map(|kind| kind.type_uri())
            .collect();
        assert_eq!(uris.len(), ProblemKind::ALL.len());
        assert!(uris.contains("https://trackline.dev/problems/rate-limited"));
    }

    #[tokio::test]
    async fn a_rate_limited_problem_carries_retry_after_in_header_and_body() {
        let response = Problem::new(ProblemKind::RateLimited, "slow down")
            .retry_after(Duration::from_millis(2_100))
            .into_response();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()[header::RETRY_AFTER], "3");
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            "application/problem+json"
        );
        let body = axum::body::to_bytes(response.into_body(), 4096)
            .await
            .unwrap();
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(json["type"], "https://trackline.dev/problems/rate-limited");
        assert_eq!(json["retry_after_seconds"], 3);
    }
}
