//! What a carrier's answer means, decided once for the proxy and the widget: both read the
//! answer with the adapters ([`classify`]) and act on the one [`AnswerState`] it has. The proxy
//! tells the widget that state with a problem type ([`AnswerState::problem_type`]), which the
//! widget reads back with [`AnswerState::from_problem_type`], so an answer means the same
//! through the proxy as read directly.

use serde::Serialize;

use crate::carrier::endpoint::{Endpoint, EndpointId};
use crate::carrier::http::CarrierResponse;
use crate::carrier::response_kind::{normalize, Normalized, ResponseKind};
use crate::model::TrackingError;

/// What an answer means to a consumer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AnswerState {
    /// The carrier knows the reference and said something about it.
    Found,
    /// The carrier does not know the reference (404, 410, InPost's 400
    /// `uknown_tracking_number`, an empty list).
    NotFound,
    /// The carrier cannot read the reference.
    InvalidReference,
    /// The carrier asks for fewer requests.
    RateLimited,
    /// The carrier is down, slow or not done yet (5xx, TrackOnline's 202): ask again later.
    Unavailable,
    /// The carrier refused the credentials or the request as sent: the operator must act.
    Refused,
    /// The answer is not what the carrier's API returns.
    Malformed,
}

impl AnswerState {
    /// The state of a read answer.
    pub fn of(result: &Result<Normalized, TrackingError>) -> AnswerState {
        match result {
            Ok(Normalized::Shipments(shipments)) if shipments.is_empty() => AnswerState::NotFound,
            Ok(_) => AnswerState::Found,
            Err(error) => AnswerState::of_error(error),
        }
    }

    pub fn of_error(error: &TrackingError) -> AnswerState {
        match error {
            TrackingError::NotFound { .. } => AnswerState::NotFound,
            TrackingError::InvalidReference { .. } => AnswerState::InvalidReference,
            TrackingError::RateLimited { .. } => AnswerState::RateLimited,
            TrackingError::UpstreamUnavailable { .. } => AnswerState::Unavailable,
            TrackingError::MalformedResponse { .. } => AnswerState::Malformed,
            TrackingError::Unauthorized { .. } | TrackingError::Rejected { .. } => {
                AnswerState::Refused
            }
        }
    }

    /// Whether an answer in this state is asked again after a wait, which the answer may name
    /// (`Retry-After`, a problem document's `retry_after_seconds`): the carrier limits requests,
    /// or is down or not done yet. Every other state stands until the consumer acts.
    pub fn asks_to_wait(self) -> bool {
        matches!(self, AnswerState::RateLimited | AnswerState::Unavailable)
    }

    /// The last segment of the proxy's problem type for a carrier answer in this state; `None`
    /// for a found answer, which the proxy passes on as the carrier sent it.
    pub fn problem_type(self) -> Option<&'static str> {
        match self {
            AnswerState::Found => None,
            AnswerState::NotFound => Some("not-found"),
            AnswerState::InvalidReference => Some("invalid-reference"),
            AnswerState::RateLimited => Some("rate-limited"),
            AnswerState::Unavailable => Some("upstream-unavailable"),
            AnswerState::Refused => Some("upstream-refused"),
            AnswerState::Malformed => Some("upstream-malformed"),
        }
    }

    /// Reads a problem type back (its last path segment, or the whole URI). The proxy's own
    /// refusals (`unauthorized`, `forbidden-origin`, …) are no carrier answer: `None`.
    pub fn from_problem_type(problem_type: &str) -> Option<AnswerState> {
        let name = problem_type.rsplit('/').next().unwrap_or_default();
        match name {
            "not-found" => Some(AnswerState::NotFound),
            "invalid-reference" => Some(AnswerState::InvalidReference),
            "rate-limited" => Some(AnswerState::RateLimited),
            // A timeout and shed load are unavailability the proxy saw itself.
            "upstream-unavailable" | "upstream-timeout" | "overloaded" => {
                Some(AnswerState::Unavailable)
            }
            "upstream-refused" => Some(AnswerState::Refused),
            "upstream-malformed" => Some(AnswerState::Malformed),
            _ => None,
        }
    }
}

/// The kind of answer an endpoint gives, for the endpoints the adapters read; `path` tells Di's
/// two event-log versions apart.
pub fn response_kind(endpoint: &Endpoint, path: &str) -> Option<ResponseKind> {
    Some(match endpoint.id {
        EndpointId::InpostTracking => ResponseKind::InpostTracking,
        EndpointId::InpostServiceHistory => ResponseKind::InpostServiceHistory,
        EndpointId::InpostStatuses => ResponseKind::InpostStatuses,
        EndpointId::InpostPoint => ResponseKind::InpostPoint,
        EndpointId::DiFetch if path.contains("/v-1/") => ResponseKind::DiFetchV1,
        EndpointId::DiFetch => ResponseKind::DiFetch,
        EndpointId::TrackonlineUniqueItems => ResponseKind::TrackonlineUniqueItems,
        EndpointId::TrackonlineMeasurements => ResponseKind::TrackonlineMeasurements,
        EndpointId::TrackonlineTransactions => ResponseKind::TrackonlineTransactions,
        EndpointId::TrackonlinePackagingLabels => ResponseKind::TrackonlinePackagingLabels,
        EndpointId::DiLogin
        | EndpointId::DiRegisterEvent
        | EndpointId::TrackonlineIotItems
        | EndpointId::TrackonlineLocations => return None,
    })
}

/// Reads an answer and says what it means. With a `kind` the adapter reads it; without one
/// (an endpoint no adapter reads) only the status and whether the body is JSON count.
pub fn classify(
    kind: Option<ResponseKind>,
    carrier: crate::carrier::Carrier,
    response: &CarrierResponse,
    reference: Option<&str>,
) -> (AnswerState, Result<Option<Normalized>, TrackingError>) {
    let result = match kind {
        Some(kind) => normalize(kind, response, reference).map(Some),
        None => status_only(carrier, response).map(|()| None),
    };
    let state = match &result {
        Ok(Some(Normalized::Shipments(shipments))) if shipments.is_empty() => AnswerState::NotFound,
        Ok(_) => AnswerState::Found,
        Err(error) => AnswerState::of_error(error),
    };
    (state, result)
}

/// An answer no adapter reads: the statuses every carrier means the same by, and a body that
/// must be JSON when the answer is a success.
fn status_only(
    carrier: crate::carrier::Carrier,
    response: &CarrierResponse,
) -> Result<(), TrackingError> {
    if let Some(error) = crate::carrier::http::common_error(carrier, response) {
        return Err(error);
    }
    match response.status {
        200..=299 if response.body.iter().all(u8::is_ascii_whitespace) => Ok(()),
        200..=299 => crate::carrier::json::body(carrier, response.body).map(|_| ()),
        404 | 410 => Err(TrackingError::NotFound {
            carrier,
            reference: None,
            message: None,
        }),
        _ => Err(TrackingError::InvalidReference {
            carrier,
            reference: None,
            reason: format!("{carrier} refused the reference (HTTP {})", response.status),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::carrier::endpoint;
    use crate::carrier::Carrier;

    const EVERY_STATE: [AnswerState; 7] = [
        AnswerState::Found,
        AnswerState::NotFound,
        AnswerState::InvalidReference,
        AnswerState::RateLimited,
        AnswerState::Unavailable,
        AnswerState::Refused,
        AnswerState::Malformed,
    ];

    #[test]
    fn only_a_limit_and_an_outage_are_asked_again_after_a_wait() {
        let waiting: Vec<AnswerState> = EVERY_STATE
            .into_iter()
            .filter(|state| state.asks_to_wait())
            .collect();
        assert_eq!(
            waiting,
            [AnswerState::RateLimited, AnswerState::Unavailable]
        );
        // The proxy's own shed load and timeouts read back as a wait too.
        for problem in ["overloaded", "upstream-timeout", "rate-limited"] {
            let state = AnswerState::from_problem_type(problem).unwrap();
            assert!(state.asks_to_wait(), "{problem}");
        }
    }

    #[test]
    fn every_state_but_found_survives_the_trip_through_a_problem_type() {
        for state in EVERY_STATE
            .into_iter()
            .filter(|state| *state != AnswerState::Found)
        {
            let problem_type = state.problem_type().unwrap();
            assert_eq!(
                AnswerState::from_problem_type(&format!(
                    "https://trackline.dev/problems/{problem_type}"
                )),
                Some(state)
            );
        }
        assert_eq!(AnswerState::Found.problem_type(), None);
        assert_eq!(AnswerState::from_problem_type("unauthorized"), None);
    }

    #[test]
    fn an_unknown_inpost_tracking_number_is_not_found() {
        let body = br#"{"status":400,"error":"uknown_tracking_number","message":"Cannot identify type of shipment by given tracking number (612345678901234567890123)","details":{}}"#;
        let (state, _) = classify(
            Some(ResponseKind::InpostTracking),
            Carrier::Inpost,
            &CarrierResponse::new(400, body),
            Some("612345678901234567890123"),
        );
        assert_eq!(state, AnswerState::NotFound);
    }

    #[test]
    fn an_endpoint_no_adapter_reads_is_judged_by_status_and_json() {
        let kind = response_kind(&endpoint::TRACKONLINE_LOCATIONS, "/api/v1/location");
        assert_eq!(kind, None);
        let read = |status, body: &[u8]| {
            classify(
                None,
                Carrier::Trackonline,
                &CarrierResponse::new(status, body),
                None,
            )
            .0
        };
        assert_eq!(read(200, b"\xEF\xBB\xBF[{\"a\": 1,},]"), AnswerState::Found);
        assert_eq!(read(200, b"<html>"), AnswerState::Malformed);
        assert_eq!(read(404, b""), AnswerState::NotFound);
        assert_eq!(read(503, b""), AnswerState::Unavailable);
        assert_eq!(read(401, b""), AnswerState::Refused);
    }

    #[test]
    fn di_s_two_event_log_versions_are_two_kinds() {
        assert_eq!(
            response_kind(
                &endpoint::DI_FETCH,
                "/ws/json/parcel/tracking/v-1/fetch/1/EN/false"
            ),
            Some(ResponseKind::DiFetchV1)
        );
        assert_eq!(
            response_kind(
                &endpoint::DI_FETCH,
                "/ws/json/parcel/tracking/v-2/fetch/1/EN/false"
            ),
            Some(ResponseKind::DiFetch)
        );
    }
}
