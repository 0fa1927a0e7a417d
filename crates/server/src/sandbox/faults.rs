//! Fault injection: latency, 500, 503 with `Retry-After`, malformed JSON, a truncated body, a
//! dropped connection and a slow trickle, switched on per request (`X-Sandbox-Fault` header or
//! `sandbox_fault` query parameter) or per number (data file, `/_sandbox/faults`).

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use futures_util::StreamExt;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::carrier::{Carrier, ErrorFormat};
use super::query::{percent_decode, QueryPairs};
use super::SandboxState;

pub const FAULT_HEADER: &str = "x-sandbox-fault";
pub const FAULT_QUERY_PARAMETER: &str = "sandbox_fault";

/// What goes wrong with a response, besides an optional delay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// 500 in the carrier's error format.
    InternalError,
    /// 503 in the carrier's error format, with `Retry-After`.
    Unavailable { retry_after_seconds: u32 },
    /// 429 in the carrier's error format, with `Retry-After`: a call limit reached, with a wait
    /// chosen by the caller rather than by the clock's minute.
    RateLimited { retry_after_seconds: u32 },
    /// The real answer, cut short so that it no longer parses as JSON.
    MalformedJson,
    /// `Content-Length` announces the whole answer; half of it is sent, then the connection ends.
    TruncatedBody,
    /// The connection is closed without an answer.
    DroppedConnection,
    /// The real answer, sent in small pieces spread over this long.
    SlowTrickle { over: Duration },
}

/// A delay and at most one fault, written `latency:800,503:30`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FaultPlan {
    pub latency: Option<Duration>,
    pub fault: Option<Fault>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "`{text}` is not a fault plan: use latency:<ms>, 500, 503[:<retry-after seconds>], \
     429[:<retry-after seconds>], malformed-json, truncated, drop or trickle[:<ms>], joined by commas, with at most one \
     besides latency"
)]
pub struct FaultPlanError {
    pub text: String,
}

const DEFAULT_RETRY_AFTER_SECONDS: u32 = 5;
const DEFAULT_TRICKLE: Duration = Duration::from_secs(3);
/// Latency and trickles are capped so that a typo cannot hang a test run for hours.
const LONGEST_DELAY: Duration = Duration::from_secs(120);

impl std::str::FromStr for FaultPlan {
    type Err = FaultPlanError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let error = || FaultPlanError {
            text: text.to_owned(),
        };
        let milliseconds = |value: Option<&str>| -> Result<Option<Duration>, FaultPlanError> {
            match value {
                None => Ok(None),
                Some(value) => {
                    let value = value.trim().trim_end_matches("ms");
                    let millis: u64 = value.parse().map_err(|_| error())?;
                    let duration = Duration::from_millis(millis);
                    if duration > LONGEST_DELAY {
                        return Err(error());
                    }
                    Ok(Some(duration))
                }
            }
        };
        let seconds = |value: Option<&str>| -> Result<u32, FaultPlanError> {
            match value {
                None => Ok(DEFAULT_RETRY_AFTER_SECONDS),
                Some(value) => value.trim().parse().map_err(|_| error()),
            }
        };
        let mut plan = FaultPlan::default();
        for part in text
            .split(',')
            .map(str::trim)
            .filter(|part| !part.is_empty())
        {
            let (name, value) = match part.split_once(':') {
                Some((name, value)) => (name.trim(), Some(value)),
                None => (part, None),
            };
            let fault = match name.to_ascii_lowercase().as_str() {
                "latency" => {
                    if plan.latency.is_some() {
                        return Err(error());
                    }
                    plan.latency = Some(milliseconds(value)?.ok_or_else(error)?);
                    continue;
                }
                "500" if value.is_none() => Fault::InternalError,
                "503" => Fault::Unavailable {
                    retry_after_seconds: seconds(value)?,
                },
                "429" => Fault::RateLimited {
                    retry_after_seconds: seconds(value)?,
                },
                "malformed-json" | "malformed" if value.is_none() => Fault::MalformedJson,
                "truncated" if value.is_none() => Fault::TruncatedBody,
                "drop" if value.is_none() => Fault::DroppedConnection,
                "trickle" => Fault::SlowTrickle {
                    over: milliseconds(value)?.unwrap_or(DEFAULT_TRICKLE),
                },
                _ => return Err(error()),
            };
            if plan.fault.replace(fault).is_some() {
                return Err(error());
            }
        }
        if plan == FaultPlan::default() {
            return Err(error());
        }
        Ok(plan)
    }
}

impl fmt::Display for FaultPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(latency) = self.latency {
            parts.push(format!("latency:{}", latency.as_millis()));
        }
        match self.fault {
            None => {}
            Some(Fault::InternalError) => parts.push("500".into()),
            Some(Fault::Unavailable {
                retry_after_seconds,
            }) => parts.push(format!("503:{retry_after_seconds}")),
            Some(Fault::RateLimited {
                retry_after_seconds,
            }) => parts.push(format!("429:{retry_after_seconds}")),
            Some(Fault::MalformedJson) => parts.push("malformed-json".into()),
            Some(Fault::TruncatedBody) => parts.push("truncated".into()),
            Some(Fault::DroppedConnection) => parts.push("drop".into()),
            Some(Fault::SlowTrickle { over }) => {
                parts.push(format!("trickle:{}", over.as_millis()))
            }
        }
        f.write_str(&parts.join(","))
    }
}

impl<'de> Deserialize<'de> for FaultPlan {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl Serialize for FaultPlan {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// `response` with `Retry-After: seconds`, as carriers send with a 503 or a 429.
fn with_retry_after(mut response: Response, seconds: u32) -> Response {
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    response
}

/// A fault switched on for a number.
#[derive(Debug, Clone, Serialize)]
pub struct ArmedFault {
    pub plan: FaultPlan,
    /// Requests left before the number recovers; `None` = every request.
    pub remaining: Option<u32>,
}

/// Faults per number. A request matches a number when the number is one of its path segments or
/// query values, so one switch covers every endpoint that names the parcel.
#[derive(Debug, Default)]
pub struct FaultBook {
    armed: Mutex<HashMap<String, ArmedFault>>,
}

impl FaultBook {
    pub fn arm(&self, number: &str, plan: FaultPlan, times: Option<u32>) {
        let mut armed = self.armed.lock().expect("fault book lock");
        if times == Some(0) {
            armed.remove(number);
        } else {
            armed.insert(
                number.to_owned(),
                ArmedFault {
                    plan,
                    remaining: times,
                },
            );
        }
    }

    pub fn disarm(&self, number: &str) -> bool {
        self.armed
            .lock()
            .expect("fault book lock")
            .remove(number)
            .is_some()
    }

    pub fn clear(&self) {
        self.armed.lock().expect("fault book lock").clear();
    }

    pub fn snapshot(&self) -> HashMap<String, ArmedFault> {
        self.armed.lock().expect("fault book lock").clone()
    }

    /// The plan for the first candidate that has one, counting one use of it.
    fn take<'a>(&self, candidates: impl Iterator<Item = &'a str>) -> Option<FaultPlan> {
        let mut armed = self.armed.lock().expect("fault book lock");
        for candidate in candidates {
            let Some(entry) = armed.get_mut(candidate) else {
                continue;
            };
            let plan = entry.plan;
            match entry.remaining {
                Some(1) => {
                    armed.remove(candidate);
                }
                Some(ref mut remaining) => *remaining -= 1,
                None => {}
            }
            return Some(plan);
        }
        None
    }
}

/// Where a request names its parcel: path segments and query values.
fn request_numbers(request: &Request) -> Vec<String> {
    let mut numbers: Vec<String> = request
        .uri()
        .path()
        .split('/')
        .filter(|segment| !segment.is_empty())
        .map(percent_decode)
        .collect();
    numbers.extend(
        QueryPairs::parse(request.uri().query())
            .values()
            .map(str::to_owned),
    );
    numbers
}

fn query_fault(request: &Request) -> Option<String> {
    QueryPairs::parse(request.uri().query())
        .first(FAULT_QUERY_PARAMETER)
        .map(str::to_owned)
}

/// The middleware in front of each carrier's routes.
pub async fn inject(
    State((state, carrier)): State<(Arc<SandboxState>, Carrier)>,
    request: Request,
    next: Next,
) -> Response {
    let requested = request
        .headers()
        .get(FAULT_HEADER)
        .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
        .or_else(|| query_fault(&request));
    let plan = match requested {
        Some(text) => match text.parse::<FaultPlan>() {
            Ok(plan) => Some(plan),
            Err(error) => return carrier.error(StatusCode::BAD_REQUEST, &error.to_string()),
        },
        None => {
            let numbers = request_numbers(&request);
            state.faults.take(numbers.iter().map(String::as_str))
        }
    };
    let Some(plan) = plan else {
        return next.run(request).await;
    };
    tracing::info!(carrier = carrier.as_str(), fault = %plan, "sandbox fault injected");
    if let Some(latency) = plan.latency {
        tokio::time::sleep(latency).await;
    }
    match plan.fault {
        None => next.run(request).await,
        Some(Fault::InternalError) => carrier.error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The sandbox was asked to fail this request (fault 500).",
        ),
        Some(Fault::Unavailable {
            retry_after_seconds,
        }) => with_retry_after(
            carrier.error(
                StatusCode::SERVICE_UNAVAILABLE,
                "The sandbox was asked to be unavailable for this request (fault 503).",
            ),
            retry_after_seconds,
        ),
        Some(Fault::RateLimited {
            retry_after_seconds,
        }) => with_retry_after(
            carrier.error(
                StatusCode::TOO_MANY_REQUESTS,
                "The sandbox was asked to refuse this request as over its call limit (fault 429).",
            ),
            retry_after_seconds,
        ),
        Some(Fault::DroppedConnection) => dropped_connection(),
        Some(Fault::MalformedJson) => {
            let (parts, body) = read_body(next.run(request).await).await;
            let malformed = malform(&body);
            rebuild(parts, Body::from(malformed), None)
        }
        Some(Fault::TruncatedBody) => {
            let (parts, body) = read_body(next.run(request).await).await;
            let full_length = body.len();
            let half = body.slice(..full_length / 2);
            // The pause lets hyper flush the head and the half before the error makes it close
            // the connection.
            let stream = futures_util::stream::iter([Ok::<Bytes, std::io::Error>(half)]).chain(
                futures_util::stream::once(async {
                    tokio::time::sleep(TRUNCATION_PAUSE).await;
                    Err(std::io::Error::new(
                        std::io::ErrorKind::ConnectionAborted,
                        "sandbox fault: truncated body",
                    ))
                }),
            );
            rebuild(parts, Body::from_stream(stream), Some(full_length))
        }
        Some(Fault::SlowTrickle { over }) => {
            let (parts, body) = read_body(next.run(request).await).await;
            let full_length = body.len();
            rebuild(parts, trickle(body, over), Some(full_length))
        }
    }
}

async fn read_body(response: Response) -> (axum::http::response::Parts, Bytes) {
    let (parts, body) = response.into_parts();
    // Sandbox answers are small and built in memory; the limit only guards against surprises.
    let bytes = axum::body::to_bytes(body, 16 * 1024 * 1024)
        .await
        .unwrap_or_default();
    (parts, bytes)
}

fn rebuild(
    mut parts: axum::http::response::Parts,
    body: Body,
    content_length: Option<usize>,
) -> Response {
    parts.headers.remove(header::CONTENT_LENGTH);
    if let Some(length) = content_length {
        parts
            .headers
            .insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    }
    Response::from_parts(parts, body)
}

/// Removes the closing bracket and leaves a dangling comma: still looks like JSON, never parses.
fn malform(body: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(body);
    let trimmed = text.trim_end();
    let mut malformed = match trimmed.char_indices().last() {
        Some((index, _)) => trimmed[..index].to_owned(),
        None => "{".to_owned(),
    };
    malformed.push_str(",\"");
    malformed.into_bytes()
}

const TRICKLE_PIECES: usize = 10;
const TRUNCATION_PAUSE: Duration = Duration::from_millis(50);

fn trickle(body: Bytes, over: Duration) -> Body {
    let piece_length = body.len().div_ceil(TRICKLE_PIECES).max(1);
    let pieces: Vec<Bytes> = (0..body.len())
        .step_by(piece_length)
        .map(|start| body.slice(start..(start + piece_length).min(body.len())))
        .collect();
    let pause = over / (pieces.len().max(1) as u32);
    let stream = futures_util::stream::unfold(pieces.into_iter(), move |mut pieces| async move {
        let piece = pieces.next()?;
        tokio::time::sleep(pause).await;
        Some((Ok::<Bytes, std::io::Error>(piece), pieces))
    });
    Body::from_stream(stream)
}

/// hyper closes the connection when a body fails; failing before the first byte makes it close
/// without having written the status line.
fn dropped_connection() -> Response {
    let stream = futures_util::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "sandbox fault: dropped connection",
        ))
    });
    Response::new(Body::from_stream(stream))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plan_combines_latency_with_one_fault() {
        let plan: FaultPlan = "latency:800,503:30".parse().unwrap();
        assert_eq!(plan.latency, Some(Duration::from_millis(800)));
        assert_eq!(
            plan.fault,
            Some(Fault::Unavailable {
                retry_after_seconds: 30
            })
        );
        assert_eq!(plan.to_string(), "latency:800,503:30");
    }

    #[test]
    fn every_fault_name_is_understood() {
        for (text, fault) in [
            ("500", Fault::InternalError),
            (
                "503",
                Fault::Unavailable {
                    retry_after_seconds: DEFAULT_RETRY_AFTER_SECONDS,
                },
            ),
            (
                "429:2",
                Fault::RateLimited {
                    retry_after_seconds: 2,
                },
            ),
            (
                "429",
                Fault::RateLimited {
                    retry_after_seconds: DEFAULT_RETRY_AFTER_SECONDS,
                },
            ),
            ("malformed-json", Fault::MalformedJson),
            ("truncated", Fault::TruncatedBody),
            ("drop", Fault::DroppedConnection),
            (
                "trickle:1500",
                Fault::SlowTrickle {
                    over: Duration::from_millis(1500),
                },
            ),
        ] {
            assert_eq!(
                text.parse::<FaultPlan>().unwrap().fault,
                Some(fault),
                "{text}"
            );
        }
    }

    #[test]
    fn two_faults_or_an_unknown_name_are_refused() {
        for text in [
            "500,503",
            "404",
            "latency",
            "latency:abc",
            "",
            "latency:999999999",
        ] {
            assert!(text.parse::<FaultPlan>().is_err(), "{text} was accepted");
        }
    }

    #[test]
    fn a_fault_armed_for_two_requests_recovers_on_the_third() {
        let book = FaultBook::default();
        book.arm("123", "500".parse().unwrap(), Some(2));
        let take = || book.take(["v1", "tracking", "123"].into_iter());
        assert!(take().is_some());
        assert!(take().is_some());
        assert!(take().is_none());
    }

    #[test]
    fn malformed_json_no_longer_parses() {
        for body in [&br#"{"a":[1,2]}"#[..], b"[]", b""] {
            let malformed = malform(body);
            assert!(serde_json::from_slice::<serde_json::Value>(&malformed).is_err());
        }
    }
}
