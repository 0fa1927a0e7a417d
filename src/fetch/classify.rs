//! What an answer means for the consumer: the proxy's problem documents first (they say whether
//! the proxy itself or the carrier spoke), then core's adapters for the carrier's own answer.
//! Both end in core's [`AnswerState`], the one the proxy derives from the same answer, so an
//! answer means the same through the proxy as read directly.

use trackline_core::carrier::retry_after::retry_after_wait;
use trackline_core::carrier::{is_reading_content_type, AnswerState, Normalized};
use trackline_core::model::{RetryAfter, Shipment, TrackingError};
use trackline_core::routing::PlannedRequest;

use super::document::Document;
use super::reader::{self, Answer, ReadFailure};
use super::{ProxyEndpoint, RawResponse};
use crate::js_value::JsKind;

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
    /// The proxy refused to show the shipment to this caller: the consumer has to bring a
    /// (valid, current) link or key.
    Denied(Denial),
    /// The proxy refused the page (401/403), or the proxy URL points at no proxy (404 that is
    /// no problem document): the merchant has to fix it. The text is for the console.
    Misconfigured(String),
    Malformed(String),
    Cancelled,
}

/// Why the proxy refused to show a shipment to this caller, from its problem type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denial {
    /// `link-expired`: the signed link's `exp` has passed.
    LinkExpired,
    /// `link-invalid`: the link was changed, signed with another secret, or is not signed.
    LinkInvalid,
    /// `signature-required`: a protected carrier, and neither a signed link nor a key came
    /// (a number typed into the form).
    SignatureRequired,
    /// `unauthorized`: the access key is unknown or revoked, or the carrier needs a key.
    KeyRefused,
}

impl Denial {
    /// The denial a problem type names, if it names one.
    pub fn from_problem_name(name: &str) -> Option<Denial> {
        match name {
            "link-expired" => Some(Denial::LinkExpired),
            "link-invalid" => Some(Denial::LinkInvalid),
            "signature-required" => Some(Denial::SignatureRequired),
            "unauthorized" => Some(Denial::KeyRefused),
            _ => None,
        }
    }
}

/// The part of the proxy's RFC 7807 documents the widget reads.
struct Problem {
    kind: String,
    detail: Option<String>,
    retry_after_seconds: Option<u64>,
}

impl Problem {
    /// Reads a problem document; `None` when a field has the wrong type.
    fn read(json: &Document) -> Option<Problem> {
        let text = |key: &str| match json.member(key) {
            JsKind::Absent => Some(None),
            JsKind::Text(text) => Some(Some(text)),
            _ => None,
        };
        let retry_after_seconds = match json.member("retry_after_seconds") {
            JsKind::Absent => None,
            JsKind::Whole(seconds) => Some(u64::try_from(seconds).ok()?),
            _ => return None,
        };
        Some(Problem {
            kind: text("type")?.unwrap_or_default(),
            detail: text("detail")?,
            retry_after_seconds,
        })
    }
}

/// How long to wait, when nothing says: a carrier that limits without saying when.
const DEFAULT_RATE_LIMIT_SECS: u64 = 30;

fn now_unix_seconds() -> i64 {
    (js_sys::Date::now() / 1000.0) as i64
}

fn seconds_until(retry_after: Option<RetryAfter>) -> Option<u64> {
    Some(retry_after?.wait_from(now_unix_seconds()).as_secs())
}

/// The wait a `Retry-After` header of `response` asks for, in seconds; `None` without one, when
/// it does not read, or when the code that reads it could not load (the widget's own backoff
/// then applies).
///
/// The Trackline proxy says its waits in its documents and in its readings; a header is read
/// only from what stands in front of it (a load balancer's 503). Core's reader of the header (an
/// HTTP date in three forms, 5 KB of wasm) is therefore kept out of the first load: in a release
/// build it is a module of its own, fetched when such a header comes.
async fn header_seconds(response: &RawResponse) -> Option<u64> {
    let header = response.retry_after.clone()?;
    #[cfg(trackline_split)]
    let seconds = wait_of_header(header, now_unix_seconds())
        .await
        .ok()
        .flatten();
    #[cfg(not(trackline_split))]
    let seconds = wait_seconds(&header, now_unix_seconds());
    seconds
}

fn wait_seconds(header: &str, now_unix_seconds: i64) -> Option<u64> {
    retry_after_wait(Some(header), now_unix_seconds).map(|wait| wait.as_secs())
}

#[cfg(trackline_split)]
#[leptos::wasm_split::wasm_split(retry_after, wasm_split_path = ::leptos::wasm_split, fallible)]
fn wait_of_header(
    header: String,
    now_unix_seconds: i64,
) -> Result<Option<u64>, crate::later::ModuleUnavailable> {
    Ok(wait_seconds(&header, now_unix_seconds))
}

/// Classifies one answer to `planned`.
pub async fn classify(
    endpoint: &ProxyEndpoint,
    planned: &PlannedRequest,
    response: RawResponse,
) -> Outcome {
    if endpoint.is_trackline_proxy() {
        if let Some(outcome) = proxy_refusal(&response).await {
            return outcome;
        }
    }
    let carrier = planned.kind.carrier();
    let read = if endpoint.is_trackline_proxy() && is_reading(&response) {
        reader::read_reading(carrier, response.body).await
    } else {
        let answer = Answer {
            kind: planned.kind,
            reference: planned.reference.number().to_owned(),
            response,
        };
        reader::read(answer).await
    };
    match read {
        Ok(Normalized::Shipments(shipments)) if shipments.is_empty() => Outcome::NotFound,
        Ok(Normalized::Shipments(shipments)) => Outcome::Found(shipments),
        Ok(_) => Outcome::Malformed("not a tracking answer".to_owned()),
        Err(ReadFailure::Answer(error)) => from_tracking_error(error),
        // Worth asking again: the next attempt fetches the module again.
        Err(ReadFailure::ModuleUnavailable) => Outcome::Transient {
            retry_after_secs: None,
            detail: format!(
                "the part of the widget that reads {} answers could not load",
                carrier.display_name()
            ),
        },
    }
}

/// Whether the answer is core's reading of the carrier's answer, as the Trackline proxy sends it
/// when asked.
fn is_reading(response: &RawResponse) -> bool {
    response
        .content_type
        .as_deref()
        .is_some_and(is_reading_content_type)
}

/// What the merchant's proxy said itself, before any carrier answer is read: its problem
/// documents, a 401/403/404/405 that is none (the proxy URL points at no proxy), a 5xx. `None`
/// when the answer is a carrier's (or, for the proxy's own routes, a success).
pub async fn proxy_refusal(response: &RawResponse) -> Option<Outcome> {
    let is_problem = response
        .content_type
        .as_deref()
        .is_some_and(|ct| ct.contains("problem+json"));
    if is_problem {
        let problem = Document::parse(&response.body).and_then(|json| Problem::read(&json));
        if let Some(problem) = problem {
            return Some(from_problem(problem, response).await);
        }
    }
    if matches!(response.status, 401 | 403 | 404 | 405) {
        return Some(Outcome::Misconfigured(format!(
            "the proxy URL answered HTTP {} without a Trackline problem document: \
             check the widget's proxy option",
            response.status
        )));
    }
    if response.status >= 500 {
        return Some(Outcome::Transient {
            retry_after_secs: header_seconds(response).await,
            detail: format!("HTTP {}", response.status),
        });
    }
    None
}

async fn from_problem(problem: Problem, response: &RawResponse) -> Outcome {
    let name = problem
        .kind
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_owned();
    let detail = problem
        .detail
        .unwrap_or_else(|| format!("HTTP {}", response.status));
    if let Some(denial) = Denial::from_problem_name(&name) {
        return Outcome::Denied(denial);
    }
    let Some(state) = AnswerState::from_problem_type(&problem.kind) else {
        // forbidden-origin, method-not-allowed, and types this widget predates.
        return Outcome::Misconfigured(format!(
            "the proxy refused the request ({name}, HTTP {}): {detail}",
            response.status
        ));
    };
    // A header is read only for the states that wait, and only when the document says nothing:
    // its reader is a module of its own, not fetched for a "not found".
    let retry_after_secs = match problem.retry_after_seconds {
        Some(seconds) => Some(seconds),
        None if state.asks_to_wait() => header_seconds(response).await,
        None => None,
    };
    from_state(state, detail, retry_after_secs)
}

/// What the widget does in each state an answer can be in.
fn from_state(state: AnswerState, detail: String, retry_after_secs: Option<u64>) -> Outcome {
    match state {
        AnswerState::Found => Outcome::Malformed("not a tracking answer".to_owned()),
        AnswerState::NotFound => Outcome::NotFound,
        AnswerState::InvalidReference => Outcome::Invalid(detail),
        AnswerState::RateLimited => Outcome::RateLimited {
            retry_after_secs: retry_after_secs.unwrap_or(DEFAULT_RATE_LIMIT_SECS),
        },
        AnswerState::Unavailable => Outcome::Transient {
            retry_after_secs,
            detail,
        },
        AnswerState::Refused => Outcome::Misconfigured(detail),
        AnswerState::Malformed => Outcome::Malformed(detail),
    }
}

fn from_tracking_error(error: TrackingError) -> Outcome {
    let state = AnswerState::of_error(&error);
    let retry_after_secs = match &error {
        TrackingError::RateLimited { retry_after, .. } => seconds_until(*retry_after),
        _ => None,
    };
    let detail = match error {
        TrackingError::InvalidReference { reason, .. } => reason,
        TrackingError::MalformedResponse { reason, .. } => reason,
        TrackingError::UpstreamUnavailable { status, .. } => format!("HTTP {status}"),
        error => error.to_string(),
    };
    from_state(state, detail, retry_after_secs)
}
