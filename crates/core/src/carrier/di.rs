//! Distribution Innovation (Di, Norway): login, Parcel Event Log v1/v2, and Register Event.
//!
//! Di writes `eventTime` as Norwegian wall time without an offset; events get the
//! Europe/Oslo offset and say that it was assumed. Newer answers add `eventTimeUtc`: its moment
//! wins, shown at Oslo's offset of that moment. Duplicate events are collapsed, parcels
//! linked after a change of delivery method are merged into one shipment, and unknown keys and
//! `null`s are ignored, as Di asks of its clients.

mod register;

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

pub use register::{
    validate_register_event, Problem, RegisterEvent, RegisterEventError, Violation,
};

use crate::carrier::http::{common_error, CarrierResponse};
use crate::carrier::json::{self, text};
use crate::carrier::{endpoint, CarrierRequest, StatusMapping};
use crate::flow::{self, FlowInput, Journey};
use crate::model::{
    Carrier, CarrierStatus, Coordinates, Location, Notice, PickupPoint, ReferenceKind, Shipment,
    TrackingError, TrackingEvent,
};
use crate::status::Status;
use crate::time::{self, Timestamp};

/// Production web services.
pub const BASE_URL: &str = "https://ws.di.no";
/// Di's test environment.
pub const STAGING_BASE_URL: &str = "https://staging-ws.di.no";

const CARRIER: Carrier = Carrier::Di;

/// Event type IDs whose meaning is known: Di's Parcel Event Log documentation (013, 015, 030,
/// 057) and the event catalogue Helthjem publishes for the same Event Log (001 to 006, 062,
/// 063, 104). They decide when the event's `i18nKey` is missing or unknown.
pub const EVENT_TYPE_TABLE: &[StatusMapping] = &[
    StatusMapping {
        code: "001",
        text: "transport of the parcel has been booked",
        status: Status::PreTransit,
    },
    StatusMapping {
        code: "002",
        text: "parcel received, getting ready to transport it",
        status: Status::InTransit,
    },
    StatusMapping {
        code: "003",
        text: "parcel loaded for transport to its next checkpoint",
        status: Status::InTransit,
    },
    StatusMapping {
        code: "004",
        text: "in transit",
        status: Status::InTransit,
    },
    StatusMapping {
        code: "005",
        text: "being transferred to a service point",
        status: Status::InTransit,
    },
    StatusMapping {
        code: "006",
        text: "arrived at the service point, ready for pickup",
        status: Status::ReadyForPickup,
    },
    StatusMapping {
        code: "013",
        text: "delivered",
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
    StatusMapping {
        code: "062",
        text: "loaded for transport",
        status: Status::InTransit,
    },
    StatusMapping {
        code: "063",
        text: "unloaded",
        status: Status::InTransit,
    },
    StatusMapping {
        code: "104",
        text: "delivered to the service point, which keeps it for the consignee",
        status: Status::ReadyForPickup,
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
        text: "communication: a notice to the consignee (SMS, e-mail), never the status",
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
    // Before `delivered`: delivered to the service point, not to the consignee (104).
    StatusMapping {
        code: "delivered.at.service.point",
        text: "delivered to the service point",
        status: Status::ReadyForPickup,
    },
    StatusMapping {
        code: "arrived.at.servicepoint",
        text: "arrived at the service point",
        status: Status::ReadyForPickup,
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
    // Before `received`: the carrier has the parcel (002), whereas
    // `import.edi.information.received` (001) is only the booking.
    StatusMapping {
        code: "shipment.received",
        text: "parcel received by the carrier",
        status: Status::InTransit,
    },
    StatusMapping {
        code: "received",
        text: "booking information received",
        status: Status::PreTransit,
    },
];

/// `parcelStatus` values whose meaning is known: Di's field table (`Levert`) and Helthjem's
/// example answer (`WAITING_FOR_PACKAGE`). They decide only when no event does, e.g. when the
/// only events are messages to the consignee.
pub const PARCEL_STATUS_TABLE: &[StatusMapping] = &[
    StatusMapping {
        code: "WAITING_FOR_PACKAGE",
        text: "booked, the carrier waits for the parcel",
        status: Status::PreTransit,
    },
    StatusMapping {
        code: "Levert",
        text: "delivered",
        status: Status::Delivered,
    },
];

/// The status a parcel's `parcelStatus` names, compared without regard to case.
pub fn status_of_parcel_status(parcel_status: &str) -> Option<Status> {
    let parcel_status = parcel_status.trim();
    PARCEL_STATUS_TABLE
        .iter()
        .find(|entry| entry.code.eq_ignore_ascii_case(parcel_status))
        .map(|entry| entry.status)
}

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
    let body = json::body(CARRIER, response.body)?;
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
        json::body(CARRIER, response.body)
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

/// Classifies an event. A communication event (group 3) is a notice, never a status; any other
/// goes by `i18nKey` first, then group 1 (received), which decides on its own, then the event
/// type ID, then the additional info, then the group.
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
    if group == Some(COMMUNICATION_GROUP) {
        return Status::Unknown;
    }
    if let Some(key) = i18n_key.map(str::to_ascii_lowercase) {
        if let Some(entry) = I18N_KEY_TABLE.iter().find(|entry| key.contains(entry.code)) {
            return entry.status;
        }
    }
    if group == Some("1") {
        return lookup(EVENT_GROUP_TABLE, group).unwrap_or(Status::Unknown);
    }
    lookup(EVENT_TYPE_TABLE, event_type)
        .or_else(|| {
            lookup(ADDITIONAL_INFO_TABLE, additional_info).filter(|s| *s != Status::Unknown)
        })
        .or_else(|| lookup(EVENT_GROUP_TABLE, group))
        .unwrap_or(Status::Unknown)
}

/// An `{apiKey, description, i18nKey}` object (`{id, name}` for groups and systems), or a bare
/// ID in its place.
#[derive(Debug, Default)]
struct Keyed {
    id: Option<String>,
    description: Option<String>,
    i18n_key: Option<String>,
    name: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct KeyedObject {
    #[serde(deserialize_with = "json::exact_text")]
    api_key: Option<String>,
    #[serde(deserialize_with = "json::exact_text")]
    id: Option<String>,
    #[serde(deserialize_with = "json::exact_text")]
    description: Option<String>,
    #[serde(deserialize_with = "json::exact_text")]
    i18n_key: Option<String>,
    #[serde(deserialize_with = "json::exact_text")]
    name: Option<String>,
}

fn keyed<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Keyed, D::Error> {
    let raw = <Box<serde_json::value::RawValue>>::deserialize(deserializer)?;
    Ok(read_keyed(raw.get(), false))
}

/// `additionalInfo`: as [`keyed`], but a bare value of several words is its text, not a code:
/// Helthjem's schema has it as "any additional text".
fn keyed_or_text<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Keyed, D::Error> {
    let raw = <Box<serde_json::value::RawValue>>::deserialize(deserializer)?;
    Ok(read_keyed(raw.get(), true))
}

fn read_keyed(raw: &str, bare_text_is_description: bool) -> Keyed {
    if raw.trim_start().starts_with('{') {
        let object: KeyedObject = json::from_raw(raw).unwrap_or_default();
        return Keyed {
            id: object.api_key.or(object.id),
            description: object.description,
            i18n_key: object.i18n_key,
            name: object.name,
        };
    }
    let bare = json::raw_text(raw);
    match bare {
        Some(text) if bare_text_is_description && text.contains(char::is_whitespace) => Keyed {
            description: Some(text),
            ..Keyed::default()
        },
        id => Keyed {
            id,
            ..Keyed::default()
        },
    }
}

/// One event as Di writes it (Parcel Event Log v1 and v2, and the nested answer's items).
#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Event {
    /// Norwegian wall time, `yyyy-MM-dd HH:mm:ss`.
    #[serde(deserialize_with = "json::exact_text")]
    event_time: Option<String>,
    /// The same moment in UTC (ISO 8601 with `Z`), in newer answers.
    #[serde(deserialize_with = "json::exact_text")]
    event_time_utc: Option<String>,
    #[serde(deserialize_with = "json::lenient_number")]
    lat: Option<f64>,
    #[serde(deserialize_with = "json::lenient_number")]
    lon: Option<f64>,
    #[serde(deserialize_with = "json::exact_text")]
    location_context: Option<String>,
    #[serde(deserialize_with = "json::exact_text")]
    location_context_id: Option<String>,
    #[serde(deserialize_with = "keyed")]
    event_type: Keyed,
    #[serde(deserialize_with = "keyed_or_text")]
    additional_info: Keyed,
    #[serde(deserialize_with = "keyed")]
    event_group: Keyed,
    /// `SMS` or `EMAIL`, on communication events (Event Log v2).
    #[serde(deserialize_with = "json::exact_text")]
    communication_channel: Option<String>,
    /// The same, as Register Event and the nested answer name it.
    #[serde(deserialize_with = "json::exact_text")]
    com_channel_type: Option<String>,
    #[serde(deserialize_with = "keyed")]
    reg_system: Keyed,
    #[serde(deserialize_with = "json::exact_text")]
    message: Option<String>,
    #[serde(deserialize_with = "json::exact_text")]
    shipment_number: Option<String>,
    #[serde(deserialize_with = "json::exact_text")]
    tracking_reference: Option<String>,
}

/// The event group of consignee communication (SMS, e-mail).
const COMMUNICATION_GROUP: &str = "3";

/// The time of an event: the moment of `eventTimeUtc` when Di gives it, shown at the offset
/// Di's zone had then (so that the clock reads Norwegian time, as `eventTime` does), else
/// `eventTime` read as wall time in Di's zone.
fn event_time(event: &Event) -> Option<Timestamp> {
    let zone = CARRIER.home_zone().unwrap_or(time::EUROPE_OSLO);
    let utc = event.event_time_utc.as_deref().and_then(|text| {
        time::parse_with_offset(text)
            .or_else(|_| time::parse_with_offset(&format!("{text}Z")))
            .ok()
    });
    utc.map(|moment| moment.shown_in_zone(zone)).or_else(|| {
        event
            .event_time
            .as_deref()
            .and_then(|t| time::parse_with_fallback_zone(t, zone).ok())
    })
}

fn event_of(event: Event, shipment: &mut Shipment) -> Option<TrackingEvent> {
    let time = event_time(&event);
    let Event {
        event_type,
        additional_info,
        event_group,
        reg_system,
        ..
    } = event;
    if event_type.id.is_none() && event_type.description.is_none() && time.is_none() {
        return None;
    }
    if let Some(number) = event.shipment_number {
        shipment.add_reference(ReferenceKind::ShipmentNumber, number);
    }
    if let Some(reference) = event.tracking_reference {
        let kind = if reference.starts_with("(00)") {
            ReferenceKind::Sscc
        } else {
            ReferenceKind::TrackingNumber
        };
        shipment.add_reference(kind, reference);
    }
    let coordinates = match (event.lat, event.lon) {
        (Some(lat), Some(lon)) => Coordinates::checked(lat, lon),
        _ => None,
    };
    let location = Location {
        name: event.location_context,
        id: event.location_context_id,
        address_lines: Vec::new(),
        coordinates,
    }
    .non_empty();
    let group = event_group.id;
    let notice = (group.as_deref() == Some(COMMUNICATION_GROUP)).then(|| {
        Notice::by(
            event
                .com_channel_type
                .as_deref()
                .or(event.communication_channel.as_deref()),
        )
    });
    // Additional info and message, each once and never a repeat of the event's own text.
    let mut detail: Vec<String> = Vec::new();
    for words in [additional_info.description, event.message]
        .into_iter()
        .flatten()
    {
        let repeats = |known: &str| known.trim().eq_ignore_ascii_case(words.trim());
        if !event_type.description.as_deref().is_some_and(repeats)
            && !detail.iter().any(|d| repeats(d))
        {
            detail.push(words);
        }
    }
    Some(TrackingEvent {
        time,
        status: status_of_event(
            event_type.id.as_deref(),
            event_type.i18n_key.as_deref(),
            additional_info.id.as_deref(),
            group.as_deref(),
        ),
        carrier_status: CarrierStatus {
            code: event_type.id.unwrap_or_default(),
            text: event_type.description,
            origin_code: additional_info.id,
        },
        detail: (!detail.is_empty()).then(|| detail.join("\n")),
        location,
        destination: None,
        source: reg_system.name.or(reg_system.id),
        notice,
    })
}

/// A parcel of Event Log v2, a shipment of the nested answer (whose `items` are its parcels),
/// or a wrapper around either: one struct reads all three, and [`collect_parcels`] tells them
/// apart by what they hold.
#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Record {
    /// A JSON whole number of up to 35 digits, or text: kept exactly as written.
    #[serde(deserialize_with = "json::exact_text")]
    tracking_number: Option<String>,
    #[serde(deserialize_with = "json::exact_text")]
    return_code: Option<String>,
    #[serde(deserialize_with = "json::exact_text")]
    freight_product_name: Option<String>,
    /// Norwegian or English text (`Levert`), or a code (`WAITING_FOR_PACKAGE`).
    #[serde(deserialize_with = "json::exact_text")]
    parcel_status: Option<String>,
    #[serde(deserialize_with = "json::lenient_list")]
    linked_parcel_numbers: Vec<json::ExactText>,
    events: Option<Box<RawValue>>,
    // A shipment of the nested answer.
    #[serde(deserialize_with = "json::exact_text")]
    shipment_number: Option<String>,
    #[serde(deserialize_with = "json::exact_text")]
    consignee_reference: Option<String>,
    #[serde(deserialize_with = "json::exact_text")]
    consignor_reference: Option<String>,
    /// The parcels of a shipment, or the records of a wrapper.
    items: Option<Box<RawValue>>,
    // Wrappers.
    data: Option<Box<RawValue>>,
    results: Option<Box<RawValue>>,
    value: Option<Box<RawValue>>,
    records: Option<Box<RawValue>>,
    shipments: Option<Box<RawValue>>,
    parcels: Option<Box<RawValue>>,
}

impl Record {
    fn children(&self) -> impl Iterator<Item = &RawValue> {
        [
            &self.items,
            &self.data,
            &self.results,
            &self.value,
            &self.records,
            &self.shipments,
            &self.parcels,
        ]
        .into_iter()
        .filter_map(|child| child.as_deref())
    }
}

/// What a shipment of the nested answer tells about each of its parcels.
#[derive(Debug, Clone, Default)]
struct ShipmentContext {
    references: Vec<(ReferenceKind, String)>,
}

/// Shipments inside wrappers inside lists: deeper than this is not an answer Di sends.
const MAX_CONTAINER_DEPTH: usize = 4;

/// Reads the parcels of any answer shape into `parcels`: a list, a parcel, a shipment with
/// `items`, or a wrapper. `false` when `raw` is none of these.
fn collect_parcels(
    raw: &str,
    context: &ShipmentContext,
    depth: usize,
    parcels: &mut Vec<Shipment>,
) -> bool {
    if depth > MAX_CONTAINER_DEPTH {
        return false;
    }
    match raw.trim_start().as_bytes().first() {
        Some(b'[') => {
            for item in json::list_of::<Box<RawValue>>(raw) {
                collect_parcels(item.get(), context, depth + 1, parcels);
            }
            true
        }
        Some(b'{') => {
            let Ok(record) = json::from_raw::<Record>(raw) else {
                return false;
            };
            if record.tracking_number.is_some() {
                parcels.extend(parcel_of(record, context));
                return true;
            }
            let mut inner = context.clone();
            for (kind, value) in [
                (ReferenceKind::ShipmentNumber, &record.shipment_number),
                (ReferenceKind::ReferenceNumber, &record.consignee_reference),
                (ReferenceKind::ReferenceNumber, &record.consignor_reference),
            ] {
                if let Some(value) = value {
                    inner.references.push((kind, value.clone()));
                }
            }
            let mut any = false;
            for child in record.children() {
                any |= collect_parcels(child.get(), &inner, depth + 1, parcels);
            }
            any
        }
        _ => false,
    }
}

fn parcel_of(record: Record, context: &ShipmentContext) -> Option<Shipment> {
    let number = record.tracking_number?;
    let mut shipment = Shipment::new(CARRIER, number);
    shipment.service = record.freight_product_name;
    for (kind, value) in &context.references {
        shipment.add_reference(*kind, value.clone());
    }
    if let Some(code) = record.return_code {
        shipment.add_reference(ReferenceKind::ReturnCode, code);
    }
    shipment.linked_parcels = record
        .linked_parcel_numbers
        .into_iter()
        .map(|number| number.0)
        .collect();
    let events: Vec<Event> = record
        .events
        .map(|raw| json::list_of(raw.get()))
        .unwrap_or_default();
    shipment.events = events
        .into_iter()
        .filter_map(|e| event_of(e, &mut shipment))
        .collect();
    shipment.carrier_status = record
        .parcel_status
        .map(|text| CarrierStatus::new(String::new(), Some(text)));
    Some(shipment)
}

/// Where a parcel that waits for its consignee is: the place of the newest ready-for-pickup
/// event that names one (Di writes the pickup point's name in `locationContext`).
fn pickup_point_of(shipment: &Shipment) -> Option<PickupPoint> {
    if shipment.status != Status::ReadyForPickup {
        return None;
    }
    let place = shipment
        .events
        .iter()
        .filter(|e| e.status == Status::ReadyForPickup)
        .filter_map(|e| e.location.as_ref())
        .find(|l| l.name.is_some())?;
    Some(PickupPoint {
        id: place.id.clone().or_else(|| place.name.clone())?,
        name: place.name.clone(),
        kinds: Vec::new(),
        address_lines: place.address_lines.clone(),
        coordinates: place.coordinates,
        opening_hours: None,
        description: None,
        image_url: None,
    })
}

/// Status, carrier code, last update and flow, once events are final.
fn settle(shipment: &mut Shipment) {
    shipment.sort_and_collapse_events();
    shipment
        .linked_parcels
        .retain(|n| *n != shipment.tracking_number);
    shipment.linked_parcels.sort_unstable();
    shipment.linked_parcels.dedup();
    let parcel_status = shipment.carrier_status.take().and_then(|s| s.text);
    let deciding = shipment.events.iter().find(|e| e.status != Status::Unknown);
    shipment.status = deciding
        .map(|e| e.status)
        .or_else(|| parcel_status.as_deref().and_then(status_of_parcel_status))
        .unwrap_or(Status::Unknown);
    let latest_code = shipment
        .events
        .first()
        .map(|e| e.carrier_status.code.clone())
        .unwrap_or_default();
    if !latest_code.is_empty() || parcel_status.is_some() {
        shipment.carrier_status = Some(CarrierStatus::new(latest_code, parcel_status));
    }
    shipment.last_update = shipment
        .events
        .iter()
        .filter_map(|e| e.time)
        .max_by_key(Timestamp::unix_millis);
    shipment.pickup_point = pickup_point_of(shipment);
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

/// Turns a fetch answer into shipments, one per physical parcel: Event Log v2's list of
/// parcels, or the nested answer of Di's successor API (a list of shipments, each with its
/// parcels as `items`), or either inside a wrapper object. `identifier` is the number asked
/// for, named in a not-found error.
pub fn parse_fetch(
    response: &CarrierResponse,
    identifier: Option<&str>,
) -> Result<Vec<Shipment>, TrackingError> {
    if let Some(error) = error_of(response, identifier) {
        return Err(error);
    }
    let body: Box<RawValue> = json::parse_typed(CARRIER, response.body)?;
    let mut parcels = Vec::new();
    if !collect_parcels(body.get(), &ShipmentContext::default(), 0, &mut parcels) {
        return Err(TrackingError::MalformedResponse {
            carrier: CARRIER,
            reason: "expected a list of parcels or of shipments".into(),
        });
    }
    Ok(merge_linked(parcels))
}

/// The events of an Event Log v1 answer: a list, or the list under `events` or a wrapper key.
#[derive(Deserialize, Default)]
#[serde(default)]
struct EventsWrapper {
    events: Option<Box<RawValue>>,
    data: Option<Box<RawValue>>,
    items: Option<Box<RawValue>>,
    results: Option<Box<RawValue>>,
    value: Option<Box<RawValue>>,
    records: Option<Box<RawValue>>,
}

/// Turns an Event Log v1 answer (events only) into the shipment of `identifier`.
pub fn parse_fetch_v1(
    response: &CarrierResponse,
    identifier: &str,
) -> Result<Shipment, TrackingError> {
    if let Some(error) = error_of(response, Some(identifier)) {
        return Err(error);
    }
    let body: Box<RawValue> = json::parse_typed(CARRIER, response.body)?;
    let list = match body.get().trim_start().as_bytes().first() {
        Some(b'[') => Some(body),
        Some(b'{') => json::from_raw::<EventsWrapper>(body.get())
            .ok()
            .and_then(|w| {
                w.events
                    .or(w.data)
                    .or(w.items)
                    .or(w.results)
                    .or(w.value)
                    .or(w.records)
            }),
        _ => None,
    };
    let Some(list) = list else {
        return Err(TrackingError::MalformedResponse {
            carrier: CARRIER,
            reason: "expected a list of events".into(),
        });
    };
    let events: Vec<Event> = json::list_of(list.get());
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
        // A notice, even one whose key sounds like a status.
        assert_eq!(
            status_of_event(
                Some("013"),
                Some("event.type.pub.consignee.notified.delivered"),
                None,
                Some("3")
            ),
            Status::Unknown
        );
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

    /// The one event of a one-parcel answer whose event carries `time_members`.
    fn only_event_time(time_members: &str) -> Timestamp {
        let body = format!(
            r#"[{{"trackingNumber":"370724760010119815","events":[{{{time_members},
                "eventType":{{"apiKey":"100"}},"eventGroup":{{"id":5}}}}]}}]"#
        );
        let shipments = parse_fetch(&CarrierResponse::new(200, body.as_bytes()), None).unwrap();
        shipments[0].events[0].time.expect("the event has a time")
    }

    #[test]
    fn a_winter_event_with_only_utc_time_is_shown_at_oslos_winter_offset() {
        let time = only_event_time(r#""eventTimeUtc":"2024-01-15T09:30:00Z""#);
        assert_eq!(time.to_string(), "2024-01-15T10:30:00+01:00");
        assert_eq!(time.unix_seconds(), 1_705_311_000);
        assert_eq!(
            time.offset_source,
            time::OffsetSource::InZone(time::EUROPE_OSLO)
        );
        assert!(!time.offset_assumed());
    }

    #[test]
    fn a_summer_event_with_only_utc_time_is_shown_at_oslos_summer_offset() {
        // Without the `Z`, as some answers write it: still UTC.
        let time = only_event_time(r#""eventTimeUtc":"2024-07-15T09:30:00""#);
        assert_eq!(time.to_string(), "2024-07-15T11:30:00+02:00");
        assert_eq!(time.unix_seconds(), 1_721_035_800);
        assert_eq!(
            time.offset_source,
            time::OffsetSource::InZone(time::EUROPE_OSLO)
        );
    }

    #[test]
    fn utc_time_wins_as_the_moment_over_local_time_and_is_shown_at_oslos_offset() {
        // The local time disagrees on purpose: the UTC moment is the one kept.
        let time = only_event_time(
            r#""eventTime":"2024-07-15 08:00:00","eventTimeUtc":"2024-07-15T09:30:00Z""#,
        );
        assert_eq!(time.to_string(), "2024-07-15T11:30:00+02:00");
        assert_eq!(
            time.offset_source,
            time::OffsetSource::InZone(time::EUROPE_OSLO)
        );
        let local_only = only_event_time(r#""eventTime":"2024-07-15 08:00:00""#);
        assert_eq!(local_only.to_string(), "2024-07-15T08:00:00+02:00");
        assert_eq!(
            local_only.offset_source,
            time::OffsetSource::AssumedZone(time::EUROPE_OSLO)
        );
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
