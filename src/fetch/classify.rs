//! What an answer means for the consumer: the proxy's problem documents first (they say whether
//! the proxy itself or the carrier spoke), then core's adapters for the carrier's own answer.

use serde_json::Value;
use trackline_core::carrier::http::parse_retry_after;
use trackline_core::carrier::{normalize, CarrierResponse, Normalized};
use trackline_core::model::{RetryAfter, Shipment, TrackingError};
use trackline_core::routing::PlannedRequest;

use super::{ProxyEndpoint, RawResponse};

/// The answer to one request, as the widget acts on it.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Found(Vec<Shipment>),
    NotFound,
    /// The carrier or the proxy refused the reference as malformed.
    Invalid(String),
    RateLimited {
        retry_after_secs: u64,
    },
    /// A timeout, a 5xx or a dropped connection: worth asking again.
    Transient {
        retry_after_secs: Option<u64>,
        detail: String,
    },
    Offline,
    /// The proxy refused the page (401/403), or the proxy URL points at no proxy (404 that is
    /// no problem document): the merchant has to fix it. The text is for the console.
    Misconfigured(String),
    Malformed(String),
    Cancelled,
}

/// The part of the proxy's RFC 7807 documents the widget reads.
struct Problem {
    kind: String,
    detail: Option<String>,
    retry_after_seconds: Option<u64>,
}

impl Problem {
    /// Reads a problem document; `None` when it is not an object or a field has the wrong type.
    fn read(json: &Value) -> Option<Problem> {
        let text = |key: &str| match json.get(key) {
            None | Some(Value::Null) => Some(None),
            Some(value) => value.as_str().map(|text| Some(text.to_owned())),
        };
        let retry_after_seconds = match json.get("retry_after_seconds") {
            None | Some(Value::Null) => None,
            Some(value) => Some(value.as_u64()?),
        };
        json.is_object().then_some(())?;
        Some(Problem {
            kind: match json.get("type") {
                None => String::new(),
                Some(value) => value.as_str()?.to_owned(),
            },
            detail: text("detail")?,
            retry_after_seconds,
        })
    }
}

/// How long to wait, when nothing says: a carrier that limits without saying when.
const DEFAULT_RATE_LIMIT_SECS: u64 = 30;

fn seconds_until(retry_after: Option<RetryAfter>) -> Option<u64> {
    match retry_after? {
        RetryAfter::Seconds(seconds) => Some(seconds),
        RetryAfter::At(at) => {
            let now_ms = js_sys::Date::now() as i64;
            Some(((at.unix_millis() - now_ms).max(0) / 1000) as u64)
        }
    }
}

fn header_seconds(response: &RawResponse) -> Option<u64> {
    let header = response.retry_after.as_deref()?;
    match parse_retry_after(header)? {
        RetryAfter::Seconds(seconds) => Some(seconds),
        at => seconds_until(Some(at)),
    }
}

/// Classifies one answer to `planned`.
pub fn classify(
    endpoint: &ProxyEndpoint,
    planned: &PlannedRequest,
    response: &RawResponse,
) -> Outcome {
    let is_problem = response
        .content_type
        .as_deref()
        .is_some_and(|ct| ct.contains("problem+json"));
    if endpoint.is_trackline_proxy() {
        if is_problem {
            let problem = serde_json::from_slice::<Value>(&response.body)
                .ok()
                .and_then(|json| Problem::read(&json));
            if let Some(problem) = problem {
                return from_problem(problem, response);
            }
        }
        if matches!(response.status, 401 | 403 | 404 | 405) {
            return Outcome::Misconfigured(format!(
                "the proxy URL answered HTTP {} without a Trackline problem document: \
                 check the widget's proxy option",
                response.status
            ));
        }
        if response.status >= 500 {
            return Outcome::Transient {
                retry_after_secs: header_seconds(response),
                detail: format!("HTTP {}", response.status),
            };
        }
    }
    let answer = CarrierResponse::new(response.status, &response.body)
        .with_retry_after(response.retry_after.as_deref());
    match normalize(planned.kind, &answer, Some(planned.reference.number())) {
        Ok(Normalized::Shipments(shipments)) if shipments.is_empty() => Outcome::NotFound,
        Ok(Normalized::Shipments(shipments)) => Outcome::Found(shipments),
        Ok(_) => Outcome::Malformed("not a tracking answer".to_owned()),
        Err(error) => from_tracking_error(error),
    }
}

fn from_problem(problem: Problem, response: &RawResponse) -> Outcome {
    let name = problem.kind.rsplit('/').next().unwrap_or_default();
    let detail = problem
        .detail
        .unwrap_or_else(|| format!("HTTP {}", response.status));
    match name {
        "not-found" => Outcome::NotFound,
        "invalid-reference" => Outcome::Invalid(detail),
        "rate-limited" => Outcome::RateLimited {
            retry_after_secs: problem
                .retry_after_seconds
                .or_else(|| header_seconds(response))
                .unwrap_or(DEFAULT_RATE_LIMIT_SECS),
        },
        "upstream-unavailable" | "upstream-timeout" | "overloaded" => Outcome::Transient {
            retry_after_secs: problem
                .retry_after_seconds
                .or_else(|| header_seconds(response)),
            detail,
        },
        "upstream-malformed" => Outcome::Malformed(detail),
        // unauthorized, forbidden-origin, method-not-allowed, and types this widget predates.
        _ => Outcome::Misconfigured(format!(
            "the proxy refused the request ({name}, HTTP {}): {detail}",
            response.status
        )),
    }
}

fn from_tracking_error(error: TrackingError) -> Outcome {
    match error {
        TrackingError::NotFound { .. } => Outcome::NotFound,
        TrackingError::InvalidReference { reason, .. } => Outcome::Invalid(reason),
        TrackingError::RateLimited { retry_after, .. } => Outcome::RateLimited {
            retry_after_secs: seconds_until(retry_after).unwrap_or(DEFAULT_RATE_LIMIT_SECS),
        },
        TrackingError::UpstreamUnavailable { status, .. } => Outcome::Transient {
            retry_after_secs: None,
            detail: format!("HTTP {status}"),
        },
        TrackingError::MalformedResponse { reason, .. } => Outcome::Malformed(reason),
        error @ TrackingError::Unauthorized { .. } => Outcome::Misconfigured(error.to_string()),
        error @ TrackingError::Rejected { .. } => Outcome::Malformed(error.to_string()),
    }
}
