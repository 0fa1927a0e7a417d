//! What an HTTP status means to a consumer, shared by every adapter.

use crate::model::{Carrier, RetryAfter, TrackingError};
use crate::time::Timestamp;

/// A carrier's answer as the proxy or widget received it: the adapters parse its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CarrierResponse<'a> {
    pub status: u16,
    /// The `Retry-After` header, if any.
    pub retry_after: Option<&'a str>,
    pub body: &'a [u8],
}

impl<'a> CarrierResponse<'a> {
    pub fn new(status: u16, body: &'a [u8]) -> Self {
        CarrierResponse {
            status,
            retry_after: None,
            body,
        }
    }

    pub fn with_retry_after(mut self, retry_after: Option<&'a str>) -> Self {
        self.retry_after = retry_after;
        self
    }
}

/// The error every carrier means by these statuses; `None` for the ones an adapter must read
/// the body of (2xx, 400, 404, 410).
pub fn common_error(carrier: Carrier, response: &CarrierResponse) -> Option<TrackingError> {
    match response.status {
        200..=299 | 400 | 404 | 410 => None,
        401 | 403 | 407 => Some(TrackingError::Unauthorized {
            carrier,
            status: response.status,
        }),
        429 => Some(TrackingError::RateLimited {
            carrier,
            retry_after: response.retry_after.and_then(parse_retry_after),
        }),
        500..=599 => Some(TrackingError::UpstreamUnavailable {
            carrier,
            status: response.status,
        }),
        status => Some(TrackingError::Rejected {
            carrier,
            status,
            message: None,
        }),
    }
}

/// Reads `Retry-After`: delay seconds, or an HTTP date (`Sun, 06 Nov 1994 08:49:37 GMT`).
pub fn parse_retry_after(header: &str) -> Option<RetryAfter> {
    let header = header.trim();
    if let Ok(seconds) = header.parse::<u64>() {
        return Some(RetryAfter::Seconds(seconds));
    }
    // An HTTP date is RFC 2822's form with `GMT`; chrono checks the day exists.
    chrono::DateTime::parse_from_rfc2822(header)
        .ok()
        .map(|at| RetryAfter::At(Timestamp::given(at)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_is_read_as_seconds_or_as_an_http_date() {
        assert_eq!(parse_retry_after(" 30 "), Some(RetryAfter::Seconds(30)));
        let Some(RetryAfter::At(at)) = parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT") else {
            panic!("an HTTP date was not read");
        };
        assert_eq!(at.to_string(), "1994-11-06T08:49:37+00:00");
        assert_eq!(parse_retry_after("soon"), None);
        assert_eq!(parse_retry_after("Sun, 31 Feb 1994 08:49:37 GMT"), None);
    }

    #[test]
    fn statuses_that_mean_the_same_everywhere_are_classified_once() {
        let limited = CarrierResponse::new(429, b"").with_retry_after(Some("12"));
        assert_eq!(
            common_error(Carrier::Trackonline, &limited),
            Some(TrackingError::RateLimited {
                carrier: Carrier::Trackonline,
                retry_after: Some(RetryAfter::Seconds(12))
            })
        );
        assert!(matches!(
            common_error(Carrier::Di, &CarrierResponse::new(401, b"")),
            Some(TrackingError::Unauthorized { .. })
        ));
        assert!(matches!(
            common_error(Carrier::Di, &CarrierResponse::new(503, b"")),
            Some(TrackingError::UpstreamUnavailable { .. })
        ));
        assert!(matches!(
            common_error(Carrier::Di, &CarrierResponse::new(405, b"")),
            Some(TrackingError::Rejected { status: 405, .. })
        ));
        assert_eq!(
            common_error(Carrier::Di, &CarrierResponse::new(404, b"")),
            None
        );
    }
}
