//! Core's reading of one carrier answer, sent as it is: the Trackline proxy reads a carrier's
//! answer with the same adapters the widget has and, to a client that asks for it by `Accept`,
//! sends what they read instead of the carrier's bytes. The page then needs no carrier's reader:
//! on a phone that is the download of the adapters and the parse of a carrier's (sometimes large)
//! answer saved, and the answer means the same as when the page reads it itself.
//!
//! Only answers that read as shipments (or as the error a consumer acts on) are sent this way;
//! a pickup point's or the status titles' answer keeps the carrier's bytes.

use serde::{Deserialize, Serialize};

use crate::carrier::http::CarrierResponse;
use crate::carrier::{normalize, Normalized, ResponseKind};
use crate::model::{Shipment, TrackingError};

/// The media type of a [`Reading`], asked for with `Accept` and answered with `Content-Type`.
pub const READING_MEDIA_TYPE: &str = "application/vnd.trackline.reading+json";

/// The `Accept` header of a client that reads a [`Reading`] and, from a proxy that predates it,
/// the carrier's own JSON.
pub const ACCEPT_READING: &str = "application/vnd.trackline.reading+json, application/json;q=0.9";

/// What core's adapter read in one carrier answer to a request for shipments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reading {
    /// The shipments the answer holds (none when the carrier found nothing).
    Shipments(Vec<Shipment>),
    /// What the answer says went wrong.
    Error(TrackingError),
}

impl Reading {
    /// Reads `response` to a request of `kind` for `reference`, as [`normalize`] does. `None`
    /// when the answer reads as something other than shipments (a pickup point, status titles).
    pub fn of(
        kind: ResponseKind,
        response: &CarrierResponse,
        reference: Option<&str>,
    ) -> Option<Reading> {
        match normalize(kind, response, reference) {
            Ok(Normalized::Shipments(shipments)) => Some(Reading::Shipments(shipments)),
            Ok(_) => None,
            Err(error) => Some(Reading::Error(error)),
        }
    }

    /// The reading as JSON, the body of a [`READING_MEDIA_TYPE`] answer.
    pub fn to_json(&self) -> Result<Vec<u8>, serde_json::Error> {
        serde_json::to_vec(self)
    }

    /// Reads a [`READING_MEDIA_TYPE`] body.
    pub fn from_json(body: &[u8]) -> Result<Reading, serde_json::Error> {
        serde_json::from_slice(body)
    }

    /// The shipments, or the error the answer said.
    pub fn into_result(self) -> Result<Vec<Shipment>, TrackingError> {
        match self {
            Reading::Shipments(shipments) => Ok(shipments),
            Reading::Error(error) => Err(error),
        }
    }
}

/// Whether an `Accept` header's value asks for a [`Reading`]: it names
/// [`READING_MEDIA_TYPE`] with a quality above zero.
pub fn accepts_reading(accept: &str) -> bool {
    accept.split(',').any(|range| {
        let mut parts = range.split(';').map(str::trim);
        let media_type = parts.next().unwrap_or_default();
        let refused = parts.any(|parameter| {
            parameter.split_once('=').is_some_and(|(name, value)| {
                name.trim().eq_ignore_ascii_case("q")
                    && value.trim().parse::<f32>().is_ok_and(|q| q <= 0.0)
            })
        });
        media_type.eq_ignore_ascii_case(READING_MEDIA_TYPE) && !refused
    })
}

/// Whether a `Content-Type` header's value names [`READING_MEDIA_TYPE`] (parameters aside).
pub fn is_reading_content_type(content_type: &str) -> bool {
    let media_type = content_type.split(';').next().unwrap_or_default().trim();
    media_type.eq_ignore_ascii_case(READING_MEDIA_TYPE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_accept_header_asks_for_a_reading_only_when_it_names_it_with_a_quality_above_zero() {
        assert!(accepts_reading(READING_MEDIA_TYPE));
        assert!(accepts_reading(ACCEPT_READING));
        assert!(ACCEPT_READING.starts_with(READING_MEDIA_TYPE));
        assert!(accepts_reading(
            "application/vnd.trackline.reading+json, application/json;q=0.9"
        ));
        assert!(accepts_reading(
            "application/json;q=0.5 , Application/Vnd.Trackline.Reading+JSON ; q=1"
        ));
        assert!(!accepts_reading("application/json"));
        assert!(!accepts_reading("*/*"));
        assert!(!accepts_reading(
            "application/vnd.trackline.reading+json;q=0"
        ));
        assert!(!accepts_reading(
            "application/vnd.trackline.reading+json; q=0.000"
        ));
        assert!(!accepts_reading(""));
    }

    #[test]
    fn a_content_type_is_a_reading_s_whatever_its_parameters_and_case() {
        assert!(is_reading_content_type(READING_MEDIA_TYPE));
        assert!(is_reading_content_type(
            "Application/Vnd.Trackline.Reading+JSON; charset=utf-8"
        ));
        assert!(!is_reading_content_type("application/json"));
        assert!(!is_reading_content_type("application/problem+json"));
        assert!(!is_reading_content_type(""));
    }
}
