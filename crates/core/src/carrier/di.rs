//! Distribution Innovation (Di, Norway): login, Parcel Event Log v1/v2, and Register Event.
//!
//! Di writes `eventTime` as Norwegian wall time without an offset; events get the
//! Europe/Oslo offset and say that it was assumed. Duplicate events are collapsed, parcels
//! linked after a change of delivery method are merged into one shipment, and unknown keys and
//! `null`s are ignored, as Di asks of its clients.

mod register;

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use register::{
    validate_register_event, Problem, RegisterEvent, RegisterEventError, Violation,
};

use crate::carrier::http::{common_error, CarrierResponse};
use crate::carrier::json::{self, field, list, number, text};
use crate::carrier::{endpoint, CarrierRequest, StatusMapping};
use crate::flow::{self, FlowInput, Journey};
use crate::model::{
    Carrier, CarrierStatus, Coordinates, Location, ReferenceKind, Shipment, TrackingError,
    TrackingEvent,
};
use crate::status::Status;
use crate::time::{self, Timestamp};

/// Production web services.
pub const BASE_URL: &str = "https://ws.di.no";
/// Di's test environment.
pub const STAGING_BASE_URL: &str = "https://staging-ws.di.no";

const CARRIER: Carrier = Carrier::Di;

/// Event type IDs whose meaning is known. Only 015, 030 and 057 are confirmed by Di's
/// documentation; 013 is the Register Event example ("Delivered").
pub const EVENT_TYPE_TABLE: &[StatusMapping] = &[
    StatusMapping {
        code: "013",
        text: "delivered (Register Event example, unconfirmed)",
        status: Status::Delivered,
    },
    StatusMapping {
        code: "015",
        text: "return",
        status: Status::Returned,
    },
    StatusMapping {
        code: "030",
        text: "lost",
        status: Status::Exception,
    },
    StatusMapping {
        code: "057",
        text: "not delivered",
        status: Status::FailedAttempt,
    },
];

/// Additional-info IDs and what they make of an event whose type did not decide.
pub const ADDITIONAL_INFO_TABLE: &[StatusMapping] = &[
    StatusMapping {
        code: "001",
        text: "cannot find delivery point",
        status: Status::FailedAttempt,
    },
    StatusMapping {
        code: "002",
        text: "key missing",
        status: Status::FailedAttempt,
    },
    StatusMapping {
        code: "003",
        text: "parcel damaged",
        status: Status::Exception,
    },
    StatusMapping {
        code: "004",
        text: "customer changed address",
        status: Status::InTransit,
    },
    StatusMapping {
        code: "005",
        text: "customer absent",
        status: Status::FailedAttempt,
    },
    StatusMapping {
        code: "006",
        text: "lost internally",
        status: Status::Exception,
    },
    StatusMapping {
        code: "007",
        text: "lost before Di",
        status: Status::Exception,
    },
    StatusMapping {
        code: "008",
        text: "consignee notification answered",
        status: Status::Unknown,
    },
    StatusMapping {
        code: "009",
        text: "consignee notification answered",
        status: Status::Unknown,
    },
];

/// Event groups and the status they imply when nothing more precise is known.
pub const EVENT_GROUP_TABLE: &[StatusMapping] = &[
    StatusMapping {
        code: "1",
        text: "received/imported in Di",
        status: Status::PreTransit,
    },
    StatusMapping {
        code: "2",
        text: "transportation",
        status: Status::InTransit,
    },
    StatusMapping {
        code: "3",
        text: "communication (does not move the parcel)",
        status: Status::Unknown,
    },
    StatusMapping {
        code: "4",
        text: "status updates",
        status: Status::Unknown,
    },
    StatusMapping {
        code: "5",
        text: "scanning",
        status: Status::InTransit,
    },
    StatusMapping {
        code: "6",
        text: "transported by others",
        status: Status::InTransit,
    },
    StatusMapping {
        code: "7",
        text: "external systems",
        status: Status::Unknown,
    },
    StatusMapping {
        code: "8",
        text: "internal processing",
        status: Status::Unknown,
    },
];

/// Fragments of `i18nKey` (e.g. `event.type.pub.shipment.received`), tried in this order.
pub const I18N_KEY_TABLE: &[StatusMapping] = &[
    StatusMapping {
        code: "not.delivered",
        text: "not delivered",
        status: Status::FailedAttempt,
    },
    StatusMapping {
        code: "undelivered",
        text: "not delivered",
        status: Status::FailedAttempt,
    },
    StatusMapping {
        code: "delivery.failed",
        text: "delivery failed",
        status: Status::FailedAttempt,
    },
    StatusMapping {
        code: "cancel",
        text: "cancelled",
        status: Status::Cancelled,
    },
    StatusMapping {
        code: "return",
        text: "returned",
        status: Status::Returned,
    },
    StatusMapping {
        code: "lost",
        text: "lost",
        status: Status::Exception,
    },
    StatusMapping {
        code: "damaged",
        text: "damaged",
        status: Status::Exception,
    },
    StatusMapping {
        code: "ready.for.pickup",
        text: "ready for pickup",
        status: Status::ReadyForPickup,
    },
    StatusMapping {
        code: "out.for.delivery",
        text: "out for delivery",
        status: Status::OutForDelivery,
    },
    StatusMapping {
        code: "delivered",
        text: "delivered",
        status: Status::Delivered,
    },
    StatusMapping {
        code: "received",
        text: "received",
        status: Status::PreTransit,
    },
];

/// Which event log answer a fetch asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventLogVersion {
    /// `v-1`: events only.
    V1,
    /// `v-2`: parcels with their events and linked numbers.
    V2,
}

/// The language Di translates event descriptions into.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Locale {
    #[serde(rename = "NO")]
    Norwegian,
    #[default]
    #[serde(rename = "EN")]
    English,
}

impl Locale {
    /// The locale for a reader's language tag (`nb`, `nn-NO`, `en`, …): Di writes Norwegian
    /// and English, so Norwegian readers (Bokmål, Nynorsk, `no`) get Norwegian and everyone
    /// else English.
    pub fn for_language(language: Option<&str>) -> Locale {
        let primary = language
            .and_then(|tag| tag.split(['-', '_']).next())
            .map(str::to_ascii_lowercase);
        match primary.as_deref() {
            Some("nb" | "nn" | "no") => Locale::Norwegian,
            _ => Locale::English,
        }
    }
}

/// `GET /ws/json/parcel/tracking/v-2/fetch/{identifier}/{locale}/{onlyLastEvent}`; the
/// identifier is a tracking number, shipment number or return code.
pub fn fetch_request(
    identifier: &str,
    locale: Locale,
    only_last_event: bool,
    version: EventLogVersion,
) -> CarrierRequest {
    let version = match version {
        EventLogVersion::V1 => "v-1",
        EventLogVersion::V2 => "v-2",
    };
    let locale = match locale {
        Locale::Norwegian => "NO",
        Locale::English => "EN",
    };
    let only_last_event = if only_last_event { "true" } else { "false" };
    endpoint::DI_FETCH
        .request(&[version, identifier, locale, only_last_event])
        .with_header("Accept", "application/json")
}

/// How long a Di token may be asked to last, in minutes.
pub const TOKEN_MINUTES: std::ops::RangeInclusive<u32> = 1..=1440;
/// The token lifetime asked for when nothing else is configured.
pub const DEFAULT_TOKEN_MINUTES: u32 = 60;

/// Why a login request cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoginError {
    #[error("a Di token can be valid for 1 to 1440 minutes, not {0}")]
    Validity(u32),
    #[error("the Di username or password is empty")]
    MissingCredential,
}

/// `POST /ws/json/auth/v-3/login/{minutesValid}`. Only a server may build this: the body holds
/// the account's password. Obtain a token once and reuse it until it expires.
pub fn login_request(
    username: &str,
    password: &str,
    minutes_valid: u32,
) -> Result<CarrierRequest, LoginError> {
    if !TOKEN_MINUTES.contains(&minutes_valid) {
        return Err(LoginError::Validity(minutes_valid));
    }
    if username.is_empty() || password.is_empty() {
        return Err(LoginError::MissingCredential);
    }
    let body = serde_json::json!({ "username": username, "password": password }).to_string();
    Ok(endpoint::DI_LOGIN
        .request(&[&minutes_valid.to_string()])
        .with_header("Content-Type", "application/json")
        .with_body(body))
}

/// A Di bearer token. Its `Debug` hides the value so that it never reaches a log.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// The `Authorization` header value.
    pub fn bearer(&self) -> String {
        format!("Bearer {}", self.0)
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

/// Reads the login answer `{"token": "<JWT>"}`.
pub fn parse_login(response: &CarrierResponse) -> Result<Token, TrackingError> {
    if let Some(error) = common_error(CARRIER, response) {
        return Err(error);
    }
    if !(200..300).contains(&response.status) {
        // A refused login is a configuration problem, whatever status Di chose for it.
        return Err(TrackingError::Unauthorized {
            carrier: CARRIER,
            status: response.status,
        });
    }
    let body = json::body(CARRIER, response)?;
    text(&body, "token")
        .map(Token)
        .ok_or_else(|| TrackingError::MalformedResponse {
            carrier: CARRIER,
            reason: "no token in the login answer".into(),
        })
}

fn error_of(response: &CarrierResponse, identifier: Option<&str>) -> Option<TrackingError> {
    if let Some(error) = common_error(CARRIER, response) {
        return Some(error);
    }
    let message = || {
        json::body(CARRIER, response)
            .ok()
            .and_then(|body| json::text_any(&body, &["message", "description", "error"]))
    };
    match response.status {
        200..=299 => None,
        404 | 410 => Some(TrackingError::NotFound {
            carrier: CARRIER,
            reference: identifier.map(str::to_owned),
            message: message(),
        }),
        _ => Some(TrackingError::InvalidReference {
            carrier: CARRIER,
            reference: identifier.map(str::to_owned),
            reason: message()
                .unwrap_or_else(|| "the request is not in the format Di expects".into()),
        }),
    }
}

/// Reads an `{apiKey, description, i18nKey}` object, or a bare ID.
fn keyed(value: Option<&Value>) -> (Option<String>, Option<String>, Option<String>) {
    match value {
        Some(object @ Value::Object(_)) => (
            json::text_any(object, &["apiKey", "id"]),
            text(object, "description"),
            text(object, "i18nKey"),
        ),
        Some(other) => (json::as_text(other), None, None),
        None => (None, None, None),
    }
}

/// Classifies an event: `i18nKey` first, then the groups that decide on their own (received,
/// communication), then the event type ID, then the additional info, then the group.
pub fn status_of_event(
    event_type: Option<&str>,
    i18n_key: Option<&str>,
    additional_info: Option<&str>,
    group: Option<&str>,
) -> Status {
    let lookup = |table: &[StatusMapping], code: Option<&str>| {
        code.and_then(|code| table.iter().find(|entry| entry.code == code))
            .map(|entry| entry.status)
    };
    if let Some(key) = i18n_key.map(str::to_ascii_lowercase) {
        if let Some(entry) = I18N_KEY_TABLE.iter().find(|entry| key.contains(entry.code)) {
            return entry.status;
        }
    }
    if matches!(group, Some("1") | Some("3")) {
        return lookup(EVENT_GROUP_TABLE, group).unwrap_or(Status::Unknown);
    }
    lookup(EVENT_TYPE_TABLE, event_type)
        .or_else(|| {
            lookup(ADDITIONAL_INFO_TABLE, additional_info).filter(|s| *s != Status::Unknown)
        })
        .or_else(|| lookup(EVENT_GROUP_TABLE, group))
        .unwrap_or(Status::Unknown)
}

fn event_of(value: &Value, shipment: &mut Shipment) -> Option<TrackingEvent> {
    let (type_code, type_text, type_key) = keyed(field(value, "eventType"));
    let (info_code, info_text, _) = keyed(field(value, "additionalInfo"));
    let group = field(value, "eventGroup").and_then(|g| match g {
        Value::Object(_) => text(g, "id"),
        other => json::as_text(other),
    });
    let source = field(value, "regSystem").and_then(|s| match s {
        Value::Object(_) => text(s, "name").or_else(|| text(s, "id")),
        other => json::as_text(other),
    });
    let time = text(value, "eventTime")
        .and_then(|t| time::parse_with_fallback_zone(&t, time::EUROPE_OSLO).ok());
    if type_code.is_none() && type_text.is_none() && time.is_none() {
        return None;
    }
    if let Some(number) = text(value, "shipmentNumber") {
        shipment.add_reference(ReferenceKind::ShipmentNumber, number);
    }
    if let Some(reference) = text(value, "trackingReference") {
        let kind = if reference.starts_with("(00)") {
            ReferenceKind::Sscc
        } else {
            ReferenceKind::TrackingNumber
        };
        shipment.add_reference(kind, reference);
    }
    let coordinates = match (number(value, "lat"), number(value, "lon")) {
        (Some(lat), Some(lon)) => Coordinates::checked(lat, lon),
        _ => None,
    };
    let location = Location {
        name: text(value, "locationContext"),
        id: text(value, "locationContextId"),
        address_lines: Vec::new(),
        coordinates,
    }
    .non_empty();
    let mut detail: Vec<String> = Vec::new();
    detail.extend(info_text);
    if let Some(channel) = text(value, "communicationChannel") {
        detail.push(format!("Channel: {channel}"));
    }
    detail.extend(text(value, "message"));
    Some(TrackingEvent {
        time,
        status: status_of_event(
            type_code.as_deref(),
            type_key.as_deref(),
            info_code.as_deref(),
            group.as_deref(),
        ),
        carrier_status: CarrierStatus {
            code: type_code.unwrap_or_default(),
            text: type_text,
            origin_code: info_code,
        },
        detail: (!detail.is_empty()).then(|| detail.join("\n")),
        location,
        destination: None,
        source,
    })
}

fn parcel_of(value: &Value) -> Option<Shipment> {
    let number = text(value, "trackingNumber")?;
    let mut shipment = Shipment::new(CARRIER, number);
    shipment.service = text(value, "freightProductName");
    if let Some(code) = text(value, "returnCode") {
        shipment.add_reference(ReferenceKind::ReturnCode, code);
    }
    shipment.linked_parcels = list(value, "linkedParcelNumbers")
        .into_iter()
        .filter_map(json::as_text)
        .collect();
    let events: Vec<TrackingEvent> = list(value, "events")
        .into_iter()
        .filter_map(|e| event_of(e, &mut shipment))
        .collect();
    shipment.events = events;
    shipment.carrier_status =
        text(value, "parcelStatus").map(|text| CarrierStatus::new(String::new(), Some(text)));
    Some(shipment)
}

/// Status, carrier code, last update and flow, once events are final.
fn settle(shipment: &mut Shipment) {
    shipment.sort_and_collapse_events();
    shipment
        .linked_parcels
        .retain(|n| *n != shipment.tracking_number);
    shipment.linked_parcels.sort_unstable();
    shipment.linked_parcels.dedup();
    let deciding = shipment.events.iter().find(|e| e.status != Status::Unknown);
    shipment.status = deciding.map_or(Status::Unknown, |e| e.status);
    let latest_code = shipment
        .events
        .first()
        .map(|e| e.carrier_status.code.clone())
        .unwrap_or_default();
    let parcel_status = shipment.carrier_status.take().and_then(|s| s.text);
    if !latest_code.is_empty() || parcel_status.is_some() {
        shipment.carrier_status = Some(CarrierStatus::new(latest_code, parcel_status));
    }
    shipment.last_update = shipment
        .events
        .iter()
        .filter_map(|e| e.time)
        .max_by_key(Timestamp::unix_millis);
    let service = shipment
        .service
        .as_deref()
        .unwrap_or_default()
        .to_lowercase();
    let pickup = shipment
        .references
        .iter()
        .any(|r| r.kind == ReferenceKind::ReturnCode)
        || [
            "hent",
            "pickup",
            "pick-up",
            "utlever",
            "pakkeboks",
            "post i butikk",
        ]
        .iter()
        .any(|w| service.contains(w));
    shipment.expected_flow = flow::expected_flow(&FlowInput {
        journey: if pickup {
            Journey::ServicePoint
        } else {
            Journey::Parcel
        },
        current: shipment.status,
        current_step: None,
        history: shipment.events.iter().map(|e| e.status).collect(),
        announced: Vec::new(),
    });
}

/// Merges parcels that are the same physical object (linked numbers) into one shipment whose
/// tracking number is the one with the newest event. Use it again after fetching linked
/// numbers that were missing from the first answer.
pub fn merge_linked(parcels: Vec<Shipment>) -> Vec<Shipment> {
    let mut groups: Vec<Shipment> = Vec::new();
    for parcel in parcels {
        let numbers = |s: &Shipment| {
            let mut all = vec![s.tracking_number.clone()];
            all.extend(s.linked_parcels.iter().cloned());
            all
        };
        let mine = numbers(&parcel);
        match groups
            .iter_mut()
            .find(|group| numbers(group).iter().any(|n| mine.contains(n)))
        {
            Some(group) => {
                let newest = |s: &Shipment| {
                    s.events
                        .iter()
                        .filter_map(|e| e.time.map(|t| t.unix_millis()))
                        .max()
                };
                let parcel_is_newer = newest(&parcel) > newest(group);
                let (mut primary, other) = if parcel_is_newer {
                    (parcel, std::mem::replace(group, Shipment::new(CARRIER, "")))
                } else {
                    (std::mem::replace(group, Shipment::new(CARRIER, "")), parcel)
                };
                primary.linked_parcels.extend(numbers(&other));
                primary.events.extend(other.events);
                for reference in other.references {
                    primary.add_reference(reference.kind, reference.value);
                }
                primary.service = primary.service.or(other.service);
                primary.carrier_status = primary.carrier_status.or(other.carrier_status);
                *group = primary;
            }
            None => groups.push(parcel),
        }
    }
    for group in &mut groups {
        settle(group);
    }
    groups
}

/// Linked numbers no parcel of the answer carries: fetch these and pass everything to
/// [`merge_linked`] again to follow the parcel across its delivery methods.
pub fn unfetched_linked_parcels(shipments: &[Shipment]) -> Vec<String> {
    let known: Vec<&str> = shipments
        .iter()
        .flat_map(|s| {
            s.references
                .iter()
                .map(|r| r.value.as_str())
                .chain(std::iter::once(s.tracking_number.as_str()))
        })
        .collect();
    let mut missing: Vec<String> = shipments
        .iter()
        .flat_map(|s| s.linked_parcels.iter())
        .filter(|n| !known.contains(&n.as_str()))
        .cloned()
        .collect();
    missing.sort_unstable();
    missing.dedup();
    missing
}

/// Turns an Event Log v2 answer (a list of parcels) into shipments, one per physical parcel.
/// `identifier` is the number asked for, named in a not-found error.
pub fn parse_fetch(
    response: &CarrierResponse,
    identifier: Option<&str>,
) -> Result<Vec<Shipment>, TrackingError> {
    if let Some(error) = error_of(response, identifier) {
        return Err(error);
    }
    let body = json::body(CARRIER, response)?;
    let parcels = match &body {
        Value::Object(_) if body.get("trackingNumber").is_some() => vec![&body],
        _ => json::records(&body).ok_or_else(|| TrackingError::MalformedResponse {
            carrier: CARRIER,
            reason: "expected a list of parcels".into(),
        })?,
    };
    let shipments: Vec<Shipment> = parcels.into_iter().filter_map(parcel_of).collect();
    Ok(merge_linked(shipments))
}

/// Turns an Event Log v1 answer (events only) into the shipment of `identifier`.
pub fn parse_fetch_v1(
    response: &CarrierResponse,
    identifier: &str,
) -> Result<Shipment, TrackingError> {
    if let Some(error) = error_of(response, Some(identifier)) {
        return Err(error);
    }
    let body = json::body(CARRIER, response)?;
    let events = match &body {
        Value::Object(_) if body.get("events").is_some() => list(&body, "events"),
        _ => json::records(&body).ok_or_else(|| TrackingError::MalformedResponse {
            carrier: CARRIER,
            reason: "expected a list of events".into(),
        })?,
    };
    let mut shipment = Shipment::new(CARRIER, identifier.trim());
    let parsed: Vec<TrackingEvent> = events
        .into_iter()
        .filter_map(|e| event_of(e, &mut shipment))
        .collect();
    shipment.events = parsed;
    if shipment.tracking_number.is_empty() {
        // Without the number asked for, the events' own tracking reference names the parcel.
        shipment.references.retain(|r| !r.value.is_empty());
        if let Some(first) = shipment.references.first() {
            shipment.tracking_number = first.value.clone();
        }
    }
    settle(&mut shipment);
    Ok(shipment)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_wins_over_the_group_and_the_code_over_the_additional_info() {
        assert_eq!(
            status_of_event(
                Some("999"),
                Some("event.type.pub.shipment.delivered"),
                None,
                Some("2")
            ),
            Status::Delivered
        );
        assert_eq!(
            status_of_event(Some("057"), None, Some("005"), Some("4")),
            Status::FailedAttempt
        );
        assert_eq!(
            status_of_event(Some("999"), None, Some("003"), Some("4")),
            Status::Exception
        );
        assert_eq!(
            status_of_event(Some("999"), None, None, Some("5")),
            Status::InTransit
        );
        assert_eq!(
            status_of_event(Some("057"), None, None, Some("3")),
            Status::Unknown
        );
        assert_eq!(status_of_event(None, None, None, None), Status::Unknown);
    }

    #[test]
    fn a_login_is_limited_to_a_day_and_hides_the_token_from_logs() {
        assert_eq!(
            login_request("ws", "pw", 1441),
            Err(LoginError::Validity(1441))
        );
        let request = login_request("wsfoobar", "secret", 60).unwrap();
        assert_eq!(request.path, "/ws/json/auth/v-3/login/60");
        assert!(!format!("{request:?}").contains("secret"));
        let token = parse_login(&CarrierResponse::new(200, br#"{"token":"eyJhbGciOi"}"#)).unwrap();
        assert_eq!(token.bearer(), "Bearer eyJhbGciOi");
        assert!(!format!("{token:?}").contains("eyJ"));
        assert!(matches!(
            parse_login(&CarrierResponse::new(400, b"{}")),
            Err(TrackingError::Unauthorized { .. })
        ));
    }

    #[test]
    fn a_linked_number_missing_from_the_answer_is_followed_and_merged() {
        let first = br#"[{"trackingNumber":"A1","linkedParcelNumbers":["B2"],"events":[
            {"eventTime":"2024-03-04 10:00:00","eventType":{"apiKey":"100"},"eventGroup":{"id":5}}]}]"#;
        let shipments = parse_fetch(&CarrierResponse::new(200, first), Some("A1")).unwrap();
        assert_eq!(unfetched_linked_parcels(&shipments), vec!["B2".to_owned()]);
        let second = br#"[{"trackingNumber":"B2","linkedParcelNumbers":["A1"],"events":[
            {"eventTime":"2024-03-05 12:00:00","eventType":{"apiKey":"013"},"eventGroup":{"id":4}}]}]"#;
        let mut all = shipments;
        all.extend(parse_fetch(&CarrierResponse::new(200, second), Some("B2")).unwrap());
        let merged = merge_linked(all);
        assert_eq!(merged.len(), 1);
        assert_eq!(merged[0].tracking_number, "B2");
        assert_eq!(merged[0].linked_parcels, vec!["A1".to_owned()]);
        assert_eq!(merged[0].events.len(), 2);
        assert_eq!(merged[0].status, Status::Delivered);
        assert!(unfetched_linked_parcels(&merged).is_empty());
    }

    #[test]
    fn fetch_paths_follow_the_documented_shape() {
        let request = fetch_request(
            "370724760120000898",
            Locale::Norwegian,
            false,
            EventLogVersion::V2,
        );
        assert_eq!(
            request.path,
            "/ws/json/parcel/tracking/v-2/fetch/370724760120000898/NO/false"
        );
        assert_eq!(request.auth, crate::carrier::Auth::DiBearerToken);
    }
}
