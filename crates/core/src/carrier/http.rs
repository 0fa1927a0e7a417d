//! What an HTTP status means to a consumer, shared by every adapter.

use crate::carrier::retry_after::parse_retry_after;
use crate::model::{Carrier, TrackingError};

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RetryAfter;

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
