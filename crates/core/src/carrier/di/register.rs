//! Di Parcel Register Event: the body that adds an event to a parcel's log, built and validated
//! exactly by the rules of Di's field table (mandatory fields, maximum lengths, ISO-8601 with
//! offset, leading zeros kept, coordinate ranges, channel only for communication events).
//!
//! Validation reads the body as loose JSON and checks every field on its own, so that one
//! answer names every violation instead of the first one a typed decoder trips over.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::carrier::CarrierRequest;
use crate::time;

/// Maximum lengths from Di's field table, in characters.
pub const TRACKING_REFERENCE_MAX: usize = 35;
pub const LOCATION_CONTEXT_MAX: usize = 255;
pub const LOCATION_CONTEXT_ID_MAX: usize = 10;
pub const MESSAGE_MAX: usize = 255;
/// Di gives `lat`/`lon` a maximum length of 9 (`59.911096`): read here as the number's digits
/// and point as written, without its sign, so that southern and western positions fit too.
pub const COORDINATE_MAX: usize = 9;
/// Event and additional-info IDs are three-digit strings (`001`, `013`, `057`).
pub const EVENT_ID_DIGITS: usize = 3;

/// The channels Di lists for communication events.
pub const COMMUNICATION_CHANNELS: [&str; 2] = ["SMS", "EMAIL"];

/// Event types whose group is known not to be "communication" (group 3): a channel on them is
/// a mistake. Di publishes no full list, so types not named here are given the benefit of the
/// doubt.
pub const NON_COMMUNICATION_EVENT_TYPES: [(&str, &str); 4] = [
    ("013", "delivered"),
    ("015", "return"),
    ("030", "lost"),
    ("057", "not delivered"),
];

/// A Register Event body, with the field names Di uses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegisterEvent {
    /// Typically an SSCC, e.g. `(00)370724760010119754`.
    pub tracking_reference: String,
    /// ISO-8601 with offset, e.g. `2022-08-04T12:51:00+01:00`.
    pub event_time: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_context: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_context_id: Option<String>,
    /// A string so that leading zeros survive: `013`, never `13`.
    pub event_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_info: Option<String>,
    /// `SMS` or `EMAIL`, for communication events only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub com_channel_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// What is wrong with one field.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum Problem {
    /// The body is not JSON at all.
    NotJson {
        reason: String,
    },
    /// The body is JSON but not an object.
    NotAnObject,
    Missing,
    WrongType {
        expected: &'static str,
    },
    Empty,
    TooLong {
        max: usize,
        actual: usize,
    },
    NotIsoDateTime {
        reason: String,
    },
    NoUtcOffset,
    OutOfRange {
        min: f64,
        max: f64,
    },
    NotDigits,
    LeadingZerosMissing {
        digits: usize,
    },
    UnknownChannel {
        allowed: &'static [&'static str],
    },
    ChannelOnCommunicationEventsOnly {
        event_type: String,
        meaning: &'static str,
    },
    UnknownField,
}

/// One rule a body breaks.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Violation {
    /// The field's name as Di spells it; empty for the body as a whole.
    pub field: String,
    #[serde(flatten)]
    pub problem: Problem,
    /// The same problem in a sentence, for people.
    pub message: String,
}

impl Violation {
    fn new(field: &str, problem: Problem) -> Self {
        let message = problem.sentence();
        Violation {
            field: field.to_owned(),
            problem,
            message,
        }
    }
}

impl Problem {
    fn sentence(&self) -> String {
        match self {
            Problem::NotJson { reason } => format!("the body is not JSON: {reason}"),
            Problem::NotAnObject => "the body must be a JSON object".into(),
            Problem::Missing => "is mandatory and missing".into(),
            Problem::WrongType { expected } => format!("must be a {expected}"),
            Problem::Empty => "must not be empty".into(),
            Problem::TooLong { max, actual } => {
                format!("is {actual} characters long; at most {max} are allowed")
            }
            Problem::NotIsoDateTime { reason } => {
                format!("must be ISO-8601 as yyyy-MM-ddTHH:mm:ss+HH:mm ({reason})")
            }
            Problem::NoUtcOffset => {
                "has no UTC offset: write it as yyyy-MM-ddTHH:mm:ss+HH:mm".into()
            }
            Problem::OutOfRange { min, max } => format!("must be between {min} and {max}"),
            Problem::NotDigits => "must consist of digits only, e.g. \"013\"".into(),
            Problem::LeadingZerosMissing { digits } => format!(
                "must have {digits} digits including leading zeros, e.g. \"013\" rather than \"13\""
            ),
            Problem::UnknownChannel { allowed } => format!("must be one of {}", allowed.join(", ")),
            Problem::ChannelOnCommunicationEventsOnly {
                event_type,
                meaning,
            } => format!(
                "is only for communication events; event type {event_type} ({meaning}) is not one"
            ),
            Problem::UnknownField => "is not a Register Event field".into(),
        }
    }
}

/// Every rule a Register Event body breaks.
#[derive(Debug, Clone, PartialEq, Serialize, thiserror::Error)]
pub struct RegisterEventError {
    pub violations: Vec<Violation>,
}

impl fmt::Display for RegisterEventError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.violations.len();
        write!(
            f,
            "the Register Event body breaks {count} rule{}:",
            if count == 1 { "" } else { "s" }
        )?;
        for violation in &self.violations {
            if violation.field.is_empty() {
                write!(f, " {};", violation.message)?;
            } else {
                write!(f, " `{}` {};", violation.field, violation.message)?;
            }
        }
        Ok(())
    }
}

const KNOWN_FIELDS: [&str; 10] = [
    "trackingReference",
    "eventTime",
    "lat",
    "lon",
    "locationContext",
    "locationContextId",
    "eventType",
    "additionalInfo",
    "comChannelType",
    "message",
];

/// Checks a Register Event body against every rule of Di's field table and returns it typed.
pub fn validate_register_event(body: &[u8]) -> Result<RegisterEvent, RegisterEventError> {
    let value: Value = serde_json::from_slice(body).map_err(|error| RegisterEventError {
        violations: vec![Violation::new(
            "",
            Problem::NotJson {
                reason: error.to_string(),
            },
        )],
    })?;
    let Value::Object(object) = value else {
        return Err(RegisterEventError {
            violations: vec![Violation::new("", Problem::NotAnObject)],
        });
    };
    let mut checker = Checker {
        object: &object,
        violations: Vec::new(),
    };

    let tracking_reference = checker.text("trackingReference", true, Some(TRACKING_REFERENCE_MAX));
    let event_time = checker.text("eventTime", true, None);
    if let Some(event_time) = &event_time {
        // The time module also reads a space for `T` and minutes without seconds; Di's format
        // has neither.
        let bytes = event_time.as_bytes();
        let strict_shape = bytes.get(10) == Some(&b'T') && bytes.get(16) == Some(&b':');
        match time::parse_with_offset(event_time) {
            Ok(_) if strict_shape => {}
            Ok(_) => checker.add(
                "eventTime",
                Problem::NotIsoDateTime {
                    reason: "a `T` between date and time and seconds are required".into(),
                },
            ),
            Err(time::TimeError::NoOffset(_)) => checker.add("eventTime", Problem::NoUtcOffset),
            Err(error) => checker.add(
                "eventTime",
                Problem::NotIsoDateTime {
                    reason: error.to_string(),
                },
            ),
        }
    }
    let lat = checker.coordinate("lat", 90.0);
    let lon = checker.coordinate("lon", 180.0);
    let location_context = checker.text("locationContext", false, Some(LOCATION_CONTEXT_MAX));
    let location_context_id =
        checker.text("locationContextId", false, Some(LOCATION_CONTEXT_ID_MAX));
    let event_type = checker.event_id("eventType", true);
    let additional_info = checker.event_id("additionalInfo", false);
    let com_channel_type = checker.text("comChannelType", false, None);
    if let Some(channel) = &com_channel_type {
        if !COMMUNICATION_CHANNELS.contains(&channel.as_str()) {
            checker.add(
                "comChannelType",
                Problem::UnknownChannel {
                    allowed: &COMMUNICATION_CHANNELS,
                },
            );
        }
        if let Some(event_type) = &event_type {
            if let Some((_, meaning)) = NON_COMMUNICATION_EVENT_TYPES
                .iter()
                .find(|(id, _)| id == event_type)
            {
                checker.add(
                    "comChannelType",
                    Problem::ChannelOnCommunicationEventsOnly {
                        event_type: event_type.clone(),
                        meaning,
                    },
                );
            }
        }
    }
    let message = checker.text("message", false, Some(MESSAGE_MAX));
    for key in object.keys() {
        if !KNOWN_FIELDS.contains(&key.as_str()) {
            checker.add(key, Problem::UnknownField);
        }
    }

    if !checker.violations.is_empty() {
        return Err(RegisterEventError {
            violations: checker.violations,
        });
    }
    match (tracking_reference, event_time, event_type) {
        (Some(tracking_reference), Some(event_time), Some(event_type)) => Ok(RegisterEvent {
            tracking_reference,
            event_time,
            lat,
            lon,
            location_context,
            location_context_id,
            event_type,
            additional_info,
            com_channel_type,
            message,
        }),
        // Every mandatory field that is absent was reported above.
        _ => Err(RegisterEventError {
            violations: vec![Violation::new("", Problem::NotAnObject)],
        }),
    }
}

struct Checker<'a> {
    object: &'a Map<String, Value>,
    violations: Vec<Violation>,
}

impl Checker<'_> {
    fn add(&mut self, field: &str, problem: Problem) {
        self.violations.push(Violation::new(field, problem));
    }

    /// The field's value; `null` counts as absent.
    fn present(&mut self, field: &str, mandatory: bool) -> Option<&Value> {
        match self.object.get(field) {
            None | Some(Value::Null) => {
                if mandatory {
                    self.violations
                        .push(Violation::new(field, Problem::Missing));
                }
                None
            }
            Some(value) => Some(value),
        }
    }

    fn text(&mut self, field: &str, mandatory: bool, max: Option<usize>) -> Option<String> {
        let value = self.present(field, mandatory)?.clone();
        let Value::String(text) = value else {
            self.add(field, Problem::WrongType { expected: "string" });
            return None;
        };
        if mandatory && text.trim().is_empty() {
            self.add(field, Problem::Empty);
            return None;
        }
        let length = text.chars().count();
        if let Some(max) = max {
            if length > max {
                self.add(
                    field,
                    Problem::TooLong {
                        max,
                        actual: length,
                    },
                );
                return None;
            }
        }
        Some(text)
    }

    fn coordinate(&mut self, field: &str, limit: f64) -> Option<f64> {
        let value = self.present(field, false)?.clone();
        let Value::Number(number) = value else {
            self.add(field, Problem::WrongType { expected: "number" });
            return None;
        };
        let Some(degrees) = number.as_f64() else {
            self.add(field, Problem::WrongType { expected: "number" });
            return None;
        };
        let written = number.to_string();
        let length = written.trim_start_matches('-').chars().count();
        let mut valid = true;
        if !(-limit..=limit).contains(&degrees) {
            self.add(
                field,
                Problem::OutOfRange {
                    min: -limit,
                    max: limit,
                },
            );
            valid = false;
        }
        if length > COORDINATE_MAX {
            self.add(
                field,
                Problem::TooLong {
                    max: COORDINATE_MAX,
                    actual: length,
                },
            );
            valid = false;
        }
        valid.then_some(degrees)
    }

    fn event_id(&mut self, field: &str, mandatory: bool) -> Option<String> {
        let value = self.present(field, mandatory)?.clone();
        let id = match value {
            Value::String(id) => id,
            Value::Number(_) => {
                // A JSON number has already lost its leading zeros.
                self.add(
                    field,
                    Problem::WrongType {
                        expected: "string of digits, such as \"013\"",
                    },
                );
                return None;
            }
            _ => {
                self.add(field, Problem::WrongType { expected: "string" });
                return None;
            }
        };
        if id.is_empty() {
            self.add(
                field,
                if mandatory {
                    Problem::Empty
                } else {
                    Problem::NotDigits
                },
            );
            return None;
        }
        if !id.bytes().all(|b| b.is_ascii_digit()) {
            self.add(field, Problem::NotDigits);
            return None;
        }
        if id.len() < EVENT_ID_DIGITS {
            self.add(
                field,
                Problem::LeadingZerosMissing {
                    digits: EVENT_ID_DIGITS,
                },
            );
            return None;
        }
        Some(id)
    }
}

impl RegisterEvent {
    /// An event with the mandatory fields only.
    pub fn new(
        tracking_reference: impl Into<String>,
        event_time: impl Into<String>,
        event_type: impl Into<String>,
    ) -> Self {
        RegisterEvent {
            tracking_reference: tracking_reference.into(),
            event_time: event_time.into(),
            lat: None,
            lon: None,
            location_context: None,
            location_context_id: None,
            event_type: event_type.into(),
            additional_info: None,
            com_channel_type: None,
            message: None,
        }
    }

    /// The JSON body, checked by the same rules Di applies before anything is sent.
    pub fn to_body(&self) -> Result<String, RegisterEventError> {
        let body = serde_json::to_string(self).map_err(|error| RegisterEventError {
            violations: vec![Violation::new(
                "",
                Problem::NotJson {
                    reason: error.to_string(),
                },
            )],
        })?;
        validate_register_event(body.as_bytes())?;
        Ok(body)
    }

    /// `POST /ws/json/parcel/tracking/v-2/register` with this body; the proxy adds the token.
    pub fn request(&self) -> Result<CarrierRequest, RegisterEventError> {
        let body = self.to_body()?;
        Ok(crate::carrier::endpoint::DI_REGISTER_EVENT
            .request(&[])
            .with_header("Content-Type", "application/json")
            .with_body(body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(body: &str) -> Vec<(String, Problem)> {
        validate_register_event(body.as_bytes())
            .unwrap_err()
            .violations
            .into_iter()
            .map(|v| (v.field, v.problem))
            .collect()
    }

    #[test]
    fn the_seed_example_is_valid_and_keeps_its_leading_zeros() {
        let body = r#"{
            "trackingReference": "370724762112345678",
            "eventTime": "2022-08-04T12:51:00+01:00",
            "locationContext": "my postalname",
            "eventType": "013",
            "message": "Delivered"
        }"#;
        let event = validate_register_event(body.as_bytes()).unwrap();
        assert_eq!(event.event_type, "013");
        assert_eq!(event.location_context.as_deref(), Some("my postalname"));
    }

    #[test]
    fn every_missing_mandatory_field_is_named() {
        assert_eq!(
            problems("{}"),
            vec![
                ("trackingReference".into(), Problem::Missing),
                ("eventTime".into(), Problem::Missing),
                ("eventType".into(), Problem::Missing),
            ]
        );
    }

    #[test]
    fn null_counts_as_missing_for_mandatory_fields_and_absent_for_optional_ones() {
        let found = problems(
            r#"{"trackingReference": null, "eventTime": "2022-08-04T12:51:00+01:00", "eventType": "013", "lat": null}"#,
        );
        assert_eq!(found, vec![("trackingReference".into(), Problem::Missing)]);
    }

    #[test]
    fn lengths_are_counted_in_characters_and_each_overlong_field_is_reported() {
        let body = serde_json::json!({
            "trackingReference": "3".repeat(36),
            "eventTime": "2022-08-04T12:51:00+01:00",
            "eventType": "013",
            "locationContext": "ø".repeat(255),
            "locationContextId": "12345678901",
            "message": "m".repeat(256),
        });
        assert_eq!(
            problems(&body.to_string()),
            vec![
                (
                    "trackingReference".into(),
                    Problem::TooLong {
                        max: 35,
                        actual: 36
                    }
                ),
                (
                    "locationContextId".into(),
                    Problem::TooLong {
                        max: 10,
                        actual: 11
                    }
                ),
                (
                    "message".into(),
                    Problem::TooLong {
                        max: 255,
                        actual: 256
                    }
                ),
            ]
        );
    }

    #[test]
    fn an_event_time_without_offset_or_in_another_format_is_refused() {
        let without_offset = problems(
            r#"{"trackingReference":"1","eventTime":"2022-08-04T12:51:00","eventType":"013"}"#,
        );
        assert_eq!(
            without_offset,
            vec![("eventTime".into(), Problem::NoUtcOffset)]
        );
        let with_space = problems(
            r#"{"trackingReference":"1","eventTime":"2022-08-04 12:51:00+01:00","eventType":"013"}"#,
        );
        assert!(matches!(with_space[0].1, Problem::NotIsoDateTime { .. }));
        let without_seconds = problems(
            r#"{"trackingReference":"1","eventTime":"2022-08-04T12:51+01:00","eventType":"013"}"#,
        );
        assert!(matches!(
            without_seconds[0].1,
            Problem::NotIsoDateTime { .. }
        ));
        assert!(validate_register_event(
            br#"{"trackingReference":"1","eventTime":"2020-01-31T00:01:00.000+01:00","eventType":"001"}"#
        )
        .is_ok());
        let di_log_format = problems(
            r#"{"trackingReference":"1","eventTime":"04.08.2022 12:51","eventType":"013"}"#,
        );
        assert!(matches!(di_log_format[0].1, Problem::NotIsoDateTime { .. }));
    }

    #[test]
    fn event_ids_must_be_strings_with_their_leading_zeros() {
        let found = problems(
            r#"{"trackingReference":"1","eventTime":"2022-08-04T12:51:00Z","eventType":13,"additionalInfo":"5"}"#,
        );
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].0, "eventType");
        assert!(matches!(found[0].1, Problem::WrongType { .. }));
        assert_eq!(
            found[1],
            (
                "additionalInfo".into(),
                Problem::LeadingZerosMissing { digits: 3 }
            )
        );
    }

    #[test]
    fn coordinates_outside_the_globe_or_longer_than_nine_characters_are_refused() {
        let found = problems(
            r#"{"trackingReference":"1","eventTime":"2022-08-04T12:51:00Z","eventType":"013",
                "lat": 91.5, "lon": 10.7524571}"#,
        );
        assert_eq!(
            found,
            vec![
                (
                    "lat".into(),
                    Problem::OutOfRange {
                        min: -90.0,
                        max: 90.0
                    }
                ),
                ("lon".into(), Problem::TooLong { max: 9, actual: 10 }),
            ]
        );
        let southern = r#"{"trackingReference":"1","eventTime":"2022-08-04T12:51:00Z","eventType":"013",
                "lat": -59.911096, "lon": "10.75"}"#;
        assert_eq!(
            problems(southern),
            vec![("lon".into(), Problem::WrongType { expected: "number" })]
        );
    }

    #[test]
    fn a_channel_is_refused_on_an_event_known_not_to_be_a_communication() {
        let found = problems(
            r#"{"trackingReference":"1","eventTime":"2022-08-04T12:51:00Z","eventType":"013","comChannelType":"SMS"}"#,
        );
        assert_eq!(found.len(), 1);
        assert!(matches!(
            found[0].1,
            Problem::ChannelOnCommunicationEventsOnly { .. }
        ));
        assert!(validate_register_event(
            br#"{"trackingReference":"1","eventTime":"2022-08-04T12:51:00Z","eventType":"101","comChannelType":"EMAIL"}"#
        )
        .is_ok());
        let unknown = problems(
            r#"{"trackingReference":"1","eventTime":"2022-08-04T12:51:00Z","eventType":"101","comChannelType":"FAX"}"#,
        );
        assert!(matches!(unknown[0].1, Problem::UnknownChannel { .. }));
    }

    #[test]
    fn unknown_fields_and_non_objects_are_named() {
        let found = problems(
            r#"{"trackingReference":"1","eventTime":"2022-08-04T12:51:00Z","eventType":"013","evenType":"1"}"#,
        );
        assert_eq!(found, vec![("evenType".into(), Problem::UnknownField)]);
        assert_eq!(problems("[1]"), vec![("".into(), Problem::NotAnObject)]);
        assert!(matches!(problems("{").remove(0).1, Problem::NotJson { .. }));
    }

    #[test]
    fn the_error_message_names_every_violation() {
        let error = validate_register_event(b"{}").unwrap_err();
        let text = error.to_string();
        assert!(
            text.starts_with("the Register Event body breaks 3 rules:"),
            "{text}"
        );
        for field in ["trackingReference", "eventTime", "eventType"] {
            assert!(text.contains(field), "{text}");
        }
        let json = serde_json::to_value(&error).unwrap();
        assert_eq!(json["violations"][0]["field"], "trackingReference");
        assert_eq!(json["violations"][0]["problem"], "missing");
    }

    #[test]
    fn a_built_event_is_validated_before_it_becomes_a_request() {
        let mut event =
            RegisterEvent::new("370724762112345678", "2022-08-04T12:51:00+01:00", "013");
        event.message = Some("Delivered".into());
        let request = event.request().unwrap();
        assert_eq!(request.path, "/ws/json/parcel/tracking/v-2/register");
        assert_eq!(request.method, crate::carrier::Method::Post);
        let body: Value = serde_json::from_str(request.body.as_deref().unwrap()).unwrap();
        assert_eq!(body["eventType"], "013");
        assert!(body.get("lat").is_none());

        event.event_type = "13".into();
        let error = event.request().unwrap_err();
        assert_eq!(error.violations[0].field, "eventType");
    }
}
