//! TrackOnline (returnable load carriers, the Netherlands): unique items and their last known
//! position, IoT measurement history, transactions (movements between locations) and packaging
//! labels. Pages hold 50 records; 204 means no data; 429 carries `Retry-After`.
//!
//! The seed documents request filters and record fields, not every response envelope: lists
//! are read as a bare array or under a usual wrapper key, and IoT measurement fields are read
//! under several plausible names. Times without an offset are read as Dutch time.
//!
//! Answers are read from their bytes into typed structs whose every member is tolerant (the
//! readers of [`json`]): unknown members are skipped, `null` counts as absent, numbers may come
//! as text and text as numbers, and a member named twice keeps its last value.

use serde::de::{DeserializeOwned, Deserializer, Error as _};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::carrier::endpoint::{self, Endpoint};
use crate::carrier::http::{common_error, CarrierResponse};
use crate::carrier::json;
use crate::carrier::{CarrierRequest, StatusMapping};
use crate::flow::{self, FlowInput, Journey};
use crate::model::{
    Carrier, CarrierStatus, Coordinates, EstimatedDelivery, Location, ReferenceKind, Shipment,
    TrackingError, TrackingEvent, TrailPoint,
};
use crate::status::Status;
use crate::time::{self, Timestamp};

/// Production API.
pub const BASE_URL: &str = "https://api.trackonline.com";
/// Records per page, fixed by TrackOnline.
pub const PAGE_SIZE: usize = 50;

const CARRIER: Carrier = Carrier::Trackonline;

/// Transaction status codes.
pub const TRANSACTION_STATUS_TABLE: &[StatusMapping] = &[
    StatusMapping {
        code: "0",
        text: "New (Nieuw)",
        status: Status::PreTransit,
    },
    StatusMapping {
        code: "5",
        text: "Planned (Gepland)",
        status: Status::PreTransit,
    },
    StatusMapping {
        code: "10",
        text: "Rejected (Afgewezen)",
        status: Status::Exception,
    },
    StatusMapping {
        code: "11",
        text: "Sent (Verzonden)",
        status: Status::InTransit,
    },
    StatusMapping {
        code: "16",
        text: "Confirmed by the receiver (Bevestigd)",
        status: Status::Delivered,
    },
    StatusMapping {
        code: "20",
        text: "Cancelled (Geannuleerd)",
        status: Status::Cancelled,
    },
    StatusMapping {
        code: "30",
        text: "In progress (In uitvoering)",
        status: Status::InTransit,
    },
    StatusMapping {
        code: "33",
        text: "Executed (Uitgevoerd)",
        status: Status::Delivered,
    },
    StatusMapping {
        code: "35",
        text: "Processed (Verwerkt)",
        status: Status::Delivered,
    },
];

/// Transaction types that turn a movement into an exception, whatever its status.
pub const TRANSACTION_TYPE_EXCEPTIONS: &[StatusMapping] = &[
    StatusMapping {
        code: "25",
        text: "Damaged (Beschadigd)",
        status: Status::Exception,
    },
    StatusMapping {
        code: "30",
        text: "Lost (Verloren)",
        status: Status::Exception,
    },
];

/// Records without a status of their own (items, measurements, labels) carry these codes.
pub const RECORD_TABLE: &[StatusMapping] = &[
    StatusMapping {
        code: "last_seen",
        text: "Unique item last read by a scanner",
        status: Status::Unknown,
    },
    StatusMapping {
        code: "first_seen",
        text: "Unique item first read by a scanner",
        status: Status::Unknown,
    },
    StatusMapping {
        code: "measurement",
        text: "IoT position measurement",
        status: Status::Unknown,
    },
    StatusMapping {
        code: "label_created",
        text: "Packaging label created",
        status: Status::PreTransit,
    },
];

/// Which identifier of a unique item is being looked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKey {
    Number,
    Barcode,
    Epc,
    Ble,
}

/// Which number of a transaction is being looked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransactionKey {
    ReferenceNumber,
    /// The delivery note (CMR) number.
    DocumentNumber,
    TransactionNumber,
}

fn get(endpoint: &Endpoint, page: u32) -> CarrierRequest {
    endpoint
        .request(&[])
        .with_header("Accept", "application/json")
        .with_query("page", page.max(1).to_string())
}

/// `GET /api/v1/uniqueitem?ItemNumber=…` (or `BarCode`, `EpcCode`, `BleCode`).
pub fn unique_item_request(key: ItemKey, value: &str, page: u32) -> CarrierRequest {
    let filter = match key {
        ItemKey::Number => "ItemNumber",
        ItemKey::Barcode => "BarCode",
        ItemKey::Epc => "EpcCode",
        ItemKey::Ble => "BleCode",
    };
    get(&endpoint::TRACKONLINE_UNIQUE_ITEMS, page).with_query(filter, value.trim())
}

/// What an IoT measurement history is looked up by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeasurementSubject {
    /// Unique item number, barcode or RFID.
    Item(String),
    DeviceId(String),
}

/// `GET /api/v1/iot/item/measurement?item=…|deviceId=…[&dateFrom&dateTo]`; without dates
/// TrackOnline returns the last 14 days.
pub fn measurements_request(
    subject: &MeasurementSubject,
    date_from: Option<&str>,
    date_to: Option<&str>,
) -> CarrierRequest {
    let mut request = endpoint::TRACKONLINE_MEASUREMENTS
        .request(&[])
        .with_header("Accept", "application/json");
    request = match subject {
        MeasurementSubject::Item(item) => request.with_query("item", item.trim()),
        MeasurementSubject::DeviceId(device) => request.with_query("deviceId", device.trim()),
    };
    if let Some(from) = date_from {
        request = request.with_query("dateFrom", from);
    }
    if let Some(to) = date_to {
        request = request.with_query("dateTo", to);
    }
    request
}

/// `GET /api/v1/transaction?ReferenceNumber=…` (or `DocumentNumber`, `TransactionNumber`).
/// Without `date_from` TrackOnline only searches the last 7 days.
pub fn transactions_request(
    key: TransactionKey,
    value: &str,
    date_from: Option<&str>,
    page: u32,
) -> CarrierRequest {
    let filter = match key {
        TransactionKey::ReferenceNumber => "ReferenceNumber",
        TransactionKey::DocumentNumber => "DocumentNumber",
        TransactionKey::TransactionNumber => "TransactionNumber",
    };
    let mut request =
        get(&endpoint::TRACKONLINE_TRANSACTIONS, page).with_query(filter, value.trim());
    if let Some(from) = date_from {
        request = request.with_query("TransactionDateFrom", from);
    }
    request
}

/// `GET /api/v1/packaginglabel?Number=…&TypeCodes=1`: a packaging label by its SSCC.
pub fn packaging_labels_request(sscc: &str, page: u32) -> CarrierRequest {
    get(&endpoint::TRACKONLINE_PACKAGING_LABELS, page)
        .with_query("Number", sscc.trim())
        .with_query("TypeCodes", "1")
}

/// The member of a returned record that a lookup filter (a query parameter such as `Number` or
/// `ReferenceNumber`, any case) names. TrackOnline's own filters may match parts of a value
/// (`Number=3` finds every label with a 3 in its number), so whoever must show only what was asked
/// for keeps the records whose member equals the value. `None` for filters that are no identifier.
pub fn identifier_member(filter: &str) -> Option<&'static str> {
    Some(match filter.to_ascii_lowercase().as_str() {
        // Unique items (`/uniqueitem`, `/iot/item`), packaging labels, locations.
        "itemnumber" | "number" => "number",
        "barcode" => "barCode",
        "epccode" => "epcCode",
        "blecode" => "bleCode",
        // Transactions.
        "transactionnumber" => "transactionNumber",
        "referencenumber" => "referenceNumber",
        "documentnumber" => "documentNumber",
        // IoT measurements: flat rows that name their item and device.
        "item" => "itemNumber",
        "deviceid" => "deviceId",
        _ => return None,
    })
}

/// The page to ask for next: a full page of 50 may have a successor.
pub fn next_page(page: u32, records_on_page: usize) -> Option<u32> {
    (records_on_page >= PAGE_SIZE).then_some(page.max(1) + 1)
}

/// Reads a JSON object into `T`, whose members are all tolerant; when the object names a
/// member twice, the last one counts, as [`json::from_raw`] reads every carrier's objects
/// (TrackOnline's own example packaging label repeats `item`). `None` for anything but an
/// object: a struct must never be read from a list by position.
fn object_of<T: DeserializeOwned>(raw: &str) -> Option<T> {
    if raw.trim_start().as_bytes().first() != Some(&b'{') {
        return None;
    }
    json::from_raw(raw).ok()
}

/// A member that is an object, read as `T`; `None` for `null` and anything else. For
/// `#[serde(deserialize_with = "object")]`.
fn object<'de, D: Deserializer<'de>, T: DeserializeOwned>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    let raw = <Box<RawValue>>::deserialize(deserializer)?;
    Ok(object_of(raw.get()))
}

/// A member that may hold an object: `None` when it is absent or `null`, `Some(None)` when it
/// holds something that is no object (which still hides the members read after it).
fn present_object<'de, D: Deserializer<'de>, T: DeserializeOwned>(
    deserializer: D,
) -> Result<Option<Option<T>>, D::Error> {
    let raw = <Box<RawValue>>::deserialize(deserializer)?;
    Ok((raw.get().trim() != "null").then(|| object_of(raw.get())))
}

/// A list of objects: the objects of a list (other elements are left out), or a single object
/// as a list of one; anything else is an empty list.
fn objects<'de, D: Deserializer<'de>, T: DeserializeOwned>(
    deserializer: D,
) -> Result<Vec<T>, D::Error> {
    let raw = <Box<RawValue>>::deserialize(deserializer)?;
    Ok(objects_of(raw.get()))
}

fn objects_of<T: DeserializeOwned>(raw: &str) -> Vec<T> {
    match raw.trim_start().as_bytes().first() {
        Some(b'[') => json::from_raw::<Vec<Box<RawValue>>>(raw)
            .unwrap_or_default()
            .iter()
            .filter_map(|item| object_of(item.get()))
            .collect(),
        Some(b'{') => object_of(raw).into_iter().collect(),
        _ => Vec::new(),
    }
}

/// `true` or `false` only when the member is a JSON boolean.
fn flag<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<bool>, D::Error> {
    let raw = <Box<RawValue>>::deserialize(deserializer)?;
    Ok(match raw.get().trim() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    })
}

/// A code TrackOnline sends as a whole number or as text (`11`, `"11"`, `"Sscc"`).
#[derive(Debug, Default, Clone, PartialEq)]
struct Code {
    /// The code as a whole number: a JSON number without fraction, or text that is one.
    whole: Option<i64>,
    /// The code as text, exactly as written.
    text: Option<String>,
}

fn code<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Code, D::Error> {
    let raw = <Box<RawValue>>::deserialize(deserializer)?;
    let raw = raw.get().trim();
    let whole = match raw.as_bytes().first() {
        Some(b'"') => json::from_raw::<String>(raw)
            .ok()
            .and_then(|text| text.trim().parse().ok()),
        Some(b'-' | b'0'..=b'9') => {
            json::from_raw::<serde_json::Number>(raw)
                .ok()
                .and_then(|number| {
                    number.as_i64().or_else(|| {
                        number
                            .as_f64()
                            .filter(|f| f.fract() == 0.0)
                            .map(|f| f as i64)
                    })
                })
        }
        _ => None,
    };
    Ok(Code {
        whole,
        text: json::raw_text(raw),
    })
}

/// The wrapper keys a list answer may put its records under, tried in this order.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Envelope {
    data: Option<Box<RawValue>>,
    items: Option<Box<RawValue>>,
    results: Option<Box<RawValue>>,
    value: Option<Box<RawValue>>,
    records: Option<Box<RawValue>>,
}

impl Envelope {
    /// The first wrapper that holds a list.
    fn list(self) -> Option<Box<RawValue>> {
        [
            self.data,
            self.items,
            self.results,
            self.value,
            self.records,
        ]
        .into_iter()
        .flatten()
        .find(|raw| raw.get().trim_start().starts_with('['))
    }
}

/// The records of a list answer (a bare array, the array under a usual wrapper key, or a
/// single record), each read as `T`; `None` for 204 (no data for the filters).
fn records<T: DeserializeOwned>(
    response: &CarrierResponse,
) -> Result<Option<Vec<T>>, TrackingError> {
    if let Some(error) = common_error(CARRIER, response) {
        return Err(error);
    }
    match response.status {
        204 => return Ok(None),
        // 202: TrackOnline has not finished storing; asking again later will work.
        202 => {
            return Err(TrackingError::UpstreamUnavailable {
                carrier: CARRIER,
                status: 202,
            })
        }
        200..=299 => {}
        404 | 410 => {
            return Err(TrackingError::NotFound {
                carrier: CARRIER,
                reference: None,
                message: message_of(response),
            })
        }
        _ => {
            return Err(TrackingError::InvalidReference {
                carrier: CARRIER,
                reference: None,
                reason: message_of(response)
                    .unwrap_or_else(|| "one or more filters are incorrect".into()),
            })
        }
    }
    if response.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let body: Box<RawValue> = json::parse_typed(CARRIER, response.body)?;
    let body = body.get().trim_start();
    let list = match body.as_bytes().first() {
        Some(b'[') => Some(body.to_owned()),
        Some(b'{') => object_of::<Envelope>(body)
            .and_then(Envelope::list)
            .map(|raw| raw.get().to_owned()),
        _ => {
            return Err(TrackingError::MalformedResponse {
                carrier: CARRIER,
                reason: "expected a list of records".into(),
            })
        }
    };
    let records = match list {
        Some(list) => json::from_raw::<Vec<Box<RawValue>>>(&list)
            .unwrap_or_default()
            .iter()
            .filter_map(|record| object_of(record.get()))
            .collect(),
        None => object_of(body).into_iter().collect(),
    };
    Ok(Some(records))
}

/// What an error answer says about itself.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Problem {
    #[serde(deserialize_with = "json::exact_text")]
    message: Option<String>,
    #[serde(deserialize_with = "json::exact_text")]
    title: Option<String>,
    #[serde(deserialize_with = "json::exact_text")]
    detail: Option<String>,
    #[serde(deserialize_with = "json::exact_text")]
    error: Option<String>,
}

fn message_of(response: &CarrierResponse) -> Option<String> {
    let body: Box<RawValue> = json::parse_typed(CARRIER, response.body).ok()?;
    let problem: Problem = object_of(body.get())?;
    problem
        .message
        .or(problem.title)
        .or(problem.detail)
        .or(problem.error)
}

fn timestamp_of(text: Option<String>) -> Option<Timestamp> {
    text.and_then(|t| time::parse_with_fallback_zone(&t, time::EUROPE_AMSTERDAM).ok())
}

/// Coordinates as TrackOnline's records write them, under one of several names.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Point {
    #[serde(deserialize_with = "json::lenient_number")]
    latitude: Option<f64>,
    #[serde(deserialize_with = "json::lenient_number")]
    lat: Option<f64>,
    #[serde(deserialize_with = "json::lenient_number")]
    longitude: Option<f64>,
    #[serde(deserialize_with = "json::lenient_number")]
    lon: Option<f64>,
    #[serde(deserialize_with = "json::lenient_number")]
    lng: Option<f64>,
    #[serde(deserialize_with = "json::lenient_number")]
    radius: Option<f64>,
    #[serde(deserialize_with = "json::lenient_number")]
    accuracy: Option<f64>,
}

impl Point {
    fn coordinates(&self) -> Option<Coordinates> {
        let latitude = self.latitude.or(self.lat)?;
        let longitude = self.longitude.or(self.lon).or(self.lng)?;
        let mut coordinates = Coordinates::checked(latitude, longitude)?;
        coordinates.radius_meters = self.radius.or(self.accuracy).filter(|r| *r >= 0.0);
        Some(coordinates)
    }
}

/// An object that holds coordinates itself or in a nested object; the first nested object
/// present wins. When a position was taken, for `lastKnownPosition`.
#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Position {
    #[serde(deserialize_with = "object")]
    gps: Option<Point>,
    #[serde(deserialize_with = "object")]
    position: Option<Point>,
    #[serde(deserialize_with = "object")]
    location: Option<Point>,
    #[serde(deserialize_with = "object")]
    coordinates: Option<Point>,
    #[serde(deserialize_with = "json::exact_text")]
    date: Option<String>,
    #[serde(deserialize_with = "json::exact_text")]
    date_time: Option<String>,
    #[serde(deserialize_with = "json::exact_text")]
    timestamp: Option<String>,
    #[serde(deserialize_with = "json::exact_text")]
    measured_on: Option<String>,
}

impl Position {
    /// Reads the position of an object (`None` for anything but an object).
    fn of(raw: &str) -> Option<(Position, Point)> {
        Some((object_of(raw)?, object_of(raw)?))
    }

    fn coordinates(self, own: &Point) -> Option<Coordinates> {
        match self
            .gps
            .or(self.position)
            .or(self.location)
            .or(self.coordinates)
        {
            Some(nested) => nested.coordinates(),
            None => own.coordinates(),
        }
    }
}

/// A member holding coordinates (its own or nested), with the time it names.
#[derive(Default)]
struct Positioned {
    coordinates: Option<Coordinates>,
    time: Option<String>,
}

fn positioned<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Positioned>, D::Error> {
    let raw = <Box<RawValue>>::deserialize(deserializer)?;
    Ok(Position::of(raw.get()).map(|(position, own)| {
        let time = position
            .date
            .clone()
            .or_else(|| position.date_time.clone())
            .or_else(|| position.timestamp.clone())
            .or_else(|| position.measured_on.clone());
        Positioned {
            coordinates: position.coordinates(&own),
            time,
        }
    }))
}

/// A location record (`number, name, addressLine, postalCode, city, country, gps`).
#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct LocationRecord {
    #[serde(deserialize_with = "json::exact_text")]
    number: Option<String>,
    #[serde(deserialize_with = "json::exact_text")]
    name: Option<String>,
    #[serde(deserialize_with = "json::exact_text")]
    address_line: Option<String>,
    #[serde(deserialize_with = "json::exact_text")]
    postal_code: Option<String>,
    #[serde(deserialize_with = "json::exact_text")]
    city: Option<String>,
    #[serde(deserialize_with = "json::exact_text")]
    country: Option<String>,
    #[serde(deserialize_with = "positioned")]
    gps: Option<Positioned>,
}

fn location_of(record: Option<LocationRecord>) -> Option<Location> {
    let record = record?;
    let mut address_lines = Vec::new();
    address_lines.extend(record.address_line);
    let town = [record.postal_code, record.city]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    if !town.is_empty() {
        address_lines.push(town);
    }
    address_lines.extend(record.country);
    Location {
        name: record.name,
        id: record.number,
        address_lines,
        coordinates: record.gps.and_then(|gps| gps.coordinates),
    }
    .non_empty()
}

/// An object named by `name` or else `number` (an item definition, a carrier).
#[derive(Deserialize, Default)]
#[serde(default)]
struct Named {
    #[serde(deserialize_with = "json::exact_text")]
    name: Option<String>,
    #[serde(deserialize_with = "json::exact_text")]
    number: Option<String>,
}

impl Named {
    fn label(self) -> Option<String> {
        self.name.or(self.number)
    }
}

fn record_event(code: &str, time: Option<Timestamp>) -> TrackingEvent {
    let entry = RECORD_TABLE.iter().find(|e| e.code == code);
    TrackingEvent {
        time,
        status: entry.map_or(Status::Unknown, |e| e.status),
        carrier_status: CarrierStatus::new(code, entry.map(|e| e.text.to_owned())),
        detail: None,
        location: None,
        destination: None,
        source: None,
        notice: None,
    }
}

fn temperature(celsius: Option<f64>) -> Option<String> {
    celsius.map(|celsius| format!("Temperature: {} °C", json::decimal(celsius)))
}

/// An element of `deviceIds`: `{"deviceId": …}` or the id itself.
#[derive(Default)]
struct DeviceId(Option<String>);

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct DeviceIdObject {
    #[serde(deserialize_with = "json::exact_text")]
    device_id: Option<String>,
}

impl<'de> Deserialize<'de> for DeviceId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = <Box<RawValue>>::deserialize(deserializer)?;
        Ok(DeviceId(match object_of::<DeviceIdObject>(raw.get()) {
            Some(object) => object.device_id,
            None => json::raw_text(raw.get()),
        }))
    }
}

/// A unique item (`/uniqueitem`): a returnable load carrier and where it was last seen.
#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct UniqueItem {
    #[serde(deserialize_with = "json::exact_text")]
    number: Option<String>,
    #[serde(deserialize_with = "json::exact_text")]
    bar_code: Option<String>,
    /// The spelling of TrackOnline's own examples.
    #[serde(rename = "barcode", deserialize_with = "json::exact_text")]
    barcode_lower: Option<String>,
    #[serde(deserialize_with = "json::exact_text")]
    epc_code: Option<String>,
    #[serde(deserialize_with = "json::exact_text")]
    ble_code: Option<String>,
    #[serde(deserialize_with = "json::lenient_list")]
    device_ids: Vec<DeviceId>,
    #[serde(deserialize_with = "object")]
    item_definition: Option<Named>,
    #[serde(deserialize_with = "positioned")]
    last_known_position: Option<Positioned>,
    #[serde(deserialize_with = "object")]
    last_known_location: Option<LocationRecord>,
    #[serde(deserialize_with = "json::lenient_number")]
    last_known_temperature: Option<f64>,
    #[serde(deserialize_with = "json::exact_text")]
    last_seen: Option<String>,
    #[serde(deserialize_with = "json::exact_text")]
    first_seen: Option<String>,
    #[serde(deserialize_with = "json::exact_text")]
    created_on: Option<String>,
    #[serde(deserialize_with = "json::exact_text")]
    modified_on: Option<String>,
}

fn unique_item(item: UniqueItem) -> Option<Shipment> {
    let number = item.number?;
    let mut shipment = Shipment::new(CARRIER, number);
    shipment.references[0].kind = ReferenceKind::ItemNumber;
    for (code, kind) in [
        (item.bar_code, ReferenceKind::Barcode),
        (item.barcode_lower, ReferenceKind::Barcode),
        (item.epc_code, ReferenceKind::EpcCode),
        (item.ble_code, ReferenceKind::BleCode),
    ] {
        if let Some(code) = code {
            shipment.add_reference(kind, code);
        }
    }
    for id in item.device_ids.into_iter().filter_map(|DeviceId(id)| id) {
        shipment.add_reference(ReferenceKind::DeviceId, id);
    }
    shipment.service = item.item_definition.and_then(Named::label);
    let (position, position_time) = item
        .last_known_position
        .map_or((None, None), |p| (p.coordinates, p.time));
    let mut location = location_of(item.last_known_location).unwrap_or_default();
    if location.coordinates.is_none() {
        location.coordinates = position;
    }
    let location = location.non_empty();
    let last_seen = timestamp_of(item.last_seen).or_else(|| timestamp_of(position_time));
    if last_seen.is_some() || location.is_some() {
        let mut event = record_event("last_seen", last_seen);
        event.location = location.clone();
        event.detail = temperature(item.last_known_temperature);
        shipment.events.push(event);
    }
    if let Some(first_seen) = timestamp_of(item.first_seen) {
        shipment
            .events
            .push(record_event("first_seen", Some(first_seen)));
    }
    shipment.sort_and_collapse_events();
    if let Some(coordinates) = position {
        shipment.extend_trail([TrailPoint {
            time: last_seen,
            coordinates,
        }]);
    }
    shipment.last_location = location;
    shipment.created_at = timestamp_of(item.created_on);
    shipment.last_update = last_seen.or_else(|| timestamp_of(item.modified_on));
    Some(shipment)
}

/// Turns the answer to [`unique_item_request`] into one shipment per item; empty for 204.
pub fn parse_unique_items(response: &CarrierResponse) -> Result<Vec<Shipment>, TrackingError> {
    Ok(records::<UniqueItem>(response)?
        .unwrap_or_default()
        .into_iter()
        .filter_map(unique_item)
        .collect())
}

/// One IoT measurement: a flat row naming its item and device, read under several plausible
/// names; its coordinates are read by [`Position`] from the same object.
#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Measurement {
    #[serde(deserialize_with = "json::exact_text")]
    item_number: Option<String>,
    #[serde(deserialize_with = "json::exact_text")]
    item: Option<String>,
    #[serde(deserialize_with = "json::exact_text")]
    unique_item_number: Option<String>,
    #[serde(deserialize_with = "json::exact_text")]
    device_id: Option<String>,
    #[serde(deserialize_with = "json::exact_text")]
    device: Option<String>,
    #[serde(deserialize_with = "json::exact_text")]
    measured_on: Option<String>,
    #[serde(deserialize_with = "json::exact_text")]
    measurement_date: Option<String>,
    #[serde(deserialize_with = "json::exact_text")]
    date_time: Option<String>,
    #[serde(deserialize_with = "json::exact_text")]
    date: Option<String>,
    #[serde(deserialize_with = "json::exact_text")]
    timestamp: Option<String>,
    #[serde(deserialize_with = "json::exact_text")]
    created_on: Option<String>,
    #[serde(deserialize_with = "json::exact_text")]
    location_name: Option<String>,
    #[serde(deserialize_with = "json::exact_text")]
    address: Option<String>,
    #[serde(deserialize_with = "json::lenient_number")]
    temperature: Option<f64>,
    #[serde(deserialize_with = "json::lenient_number")]
    last_known_temperature: Option<f64>,
}

/// A measurement row with the coordinates it holds.
struct MeasuredRow {
    measurement: Measurement,
    coordinates: Option<Coordinates>,
}

impl<'de> Deserialize<'de> for MeasuredRow {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = <Box<RawValue>>::deserialize(deserializer)?;
        let measurement =
            object_of(raw.get()).ok_or_else(|| D::Error::custom("a measurement is an object"))?;
        let coordinates =
            Position::of(raw.get()).and_then(|(position, own)| position.coordinates(&own));
        Ok(MeasuredRow {
            measurement,
            coordinates,
        })
    }
}

/// Turns an IoT measurement history into one shipment per item or device, with a positioned
/// event per measurement; empty for 204.
pub fn parse_measurements(response: &CarrierResponse) -> Result<Vec<Shipment>, TrackingError> {
    let mut shipments: Vec<Shipment> = Vec::new();
    for row in records::<MeasuredRow>(response)?.unwrap_or_default() {
        let record = row.measurement;
        let item = record
            .item_number
            .or(record.item)
            .or(record.unique_item_number);
        let device = record.device_id.or(record.device);
        let Some(subject) = item.clone().or_else(|| device.clone()) else {
            continue;
        };
        let time = timestamp_of(
            record
                .measured_on
                .or(record.measurement_date)
                .or(record.date_time)
                .or(record.date)
                .or(record.timestamp)
                .or(record.created_on),
        );
        let mut event = record_event("measurement", time);
        event.location = Location {
            name: record.location_name.or(record.address),
            coordinates: row.coordinates,
            ..Location::default()
        }
        .non_empty();
        event.detail = temperature(record.temperature.or(record.last_known_temperature));
        event.source = device.clone();
        let index = match shipments.iter().position(|s| s.tracking_number == subject) {
            Some(index) => index,
            None => {
                let mut shipment = Shipment::new(CARRIER, subject.clone());
                shipment.references[0].kind = if item.is_some() {
                    ReferenceKind::ItemNumber
                } else {
                    ReferenceKind::DeviceId
                };
                shipments.push(shipment);
                shipments.len() - 1
            }
        };
        let shipment = &mut shipments[index];
        if let Some(device) = device {
            shipment.add_reference(ReferenceKind::DeviceId, device);
        }
        if let Some(coordinates) = event.location.as_ref().and_then(|l| l.coordinates) {
            shipment.extend_trail([TrailPoint { time, coordinates }]);
        }
        shipment.events.push(event);
    }
    for shipment in &mut shipments {
        shipment.sort_and_collapse_events();
        shipment.last_update = shipment.events.first().and_then(|e| e.time);
        shipment.last_location = shipment.events.iter().find_map(|e| e.location.clone());
    }
    Ok(shipments)
}

/// The normalized status of a transaction's status code and type code.
pub fn transaction_status(status_code: Option<&str>, type_code: Option<&str>) -> Status {
    if let Some(exception) =
        type_code.and_then(|t| TRANSACTION_TYPE_EXCEPTIONS.iter().find(|e| e.code == t))
    {
        if !matches!(status_code, Some("20") | Some("10")) {
            return exception.status;
        }
    }
    status_code
        .and_then(|code| TRANSACTION_STATUS_TABLE.iter().find(|e| e.code == code))
        .map_or(Status::Unknown, |e| e.status)
}

/// A transaction (`/transaction`): a movement of load carriers between two locations.
#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Transaction {
    #[serde(deserialize_with = "code")]
    status_code: Code,
    #[serde(deserialize_with = "code")]
    type_code: Code,
    #[serde(deserialize_with = "json::exact_text")]
    status: Option<String>,
    #[serde(rename = "type", deserialize_with = "json::exact_text")]
    kind: Option<String>,
    #[serde(deserialize_with = "json::exact_text")]
    transaction_number: Option<String>,
    #[serde(deserialize_with = "json::exact_text")]
    reference_number: Option<String>,
    #[serde(deserialize_with = "json::exact_text")]
    document_number: Option<String>,
    #[serde(deserialize_with = "json::exact_text")]
    date_transaction: Option<String>,
    /// The delivery date ('leveringsdatum').
    #[serde(deserialize_with = "json::exact_text")]
    date_transaction_counterpart: Option<String>,
    #[serde(deserialize_with = "object")]
    from_location: Option<LocationRecord>,
    #[serde(deserialize_with = "object")]
    to_location: Option<LocationRecord>,
    #[serde(deserialize_with = "object")]
    carrier: Option<Named>,
    #[serde(deserialize_with = "flag")]
    is_deleted: Option<bool>,
    #[serde(deserialize_with = "json::exact_text")]
    created_on: Option<String>,
    #[serde(deserialize_with = "json::exact_text")]
    modified_on: Option<String>,
    #[serde(deserialize_with = "json::exact_text")]
    processed_on: Option<String>,
}

impl Transaction {
    /// The status code and type code, as text.
    fn codes(&self) -> (Option<String>, Option<String>) {
        let status_code = self
            .status_code
            .whole
            .map(|c| c.to_string())
            .or_else(|| self.status_code.text.clone());
        let type_code = self.type_code.whole.map(|c| c.to_string());
        (status_code, type_code)
    }

    fn status(&self) -> Status {
        let (status_code, type_code) = self.codes();
        transaction_status(status_code.as_deref(), type_code.as_deref())
    }
}

/// When a transaction still on its way is expected to arrive: its delivery date
/// (`dateTransactionCounterpart`, 'leveringsdatum'). Once the transaction is delivered, rejected,
/// lost or cancelled that date is history, not an expectation. TrackOnline fills an empty
/// delivery date with the transaction date, so a delivery date equal to it promises nothing.
fn expected_delivery(record: &Transaction) -> Option<Timestamp> {
    if !matches!(record.status(), Status::PreTransit | Status::InTransit) {
        return None;
    }
    let delivery = timestamp_of(record.date_transaction_counterpart.clone())?;
    let sent = timestamp_of(record.date_transaction.clone());
    (sent.map(|t| t.unix_millis()) != Some(delivery.unix_millis())).then_some(delivery)
}

fn movement(record: Transaction, shipment: &mut Shipment) -> TrackingEvent {
    let (status_code, type_code) = record.codes();
    let status = record.status();
    for (number, kind) in [
        (record.transaction_number, ReferenceKind::TransactionNumber),
        (record.reference_number, ReferenceKind::ReferenceNumber),
        (record.document_number, ReferenceKind::DocumentNumber),
    ] {
        if let Some(number) = number {
            shipment.add_reference(kind, number);
        }
    }
    let table_text = status_code
        .as_deref()
        .and_then(|c| TRANSACTION_STATUS_TABLE.iter().find(|e| e.code == c))
        .map(|e| e.text.to_owned());
    let arrived = status == Status::Delivered;
    let time = if arrived {
        timestamp_of(record.date_transaction_counterpart)
            .or_else(|| timestamp_of(record.date_transaction))
    } else {
        timestamp_of(record.date_transaction)
    };
    TrackingEvent {
        time,
        status,
        carrier_status: CarrierStatus {
            code: status_code.unwrap_or_default(),
            text: record.status.or(table_text),
            origin_code: type_code,
        },
        detail: record.kind.map(|kind| format!("Transaction type: {kind}")),
        location: location_of(record.from_location),
        destination: location_of(record.to_location),
        source: record.carrier.and_then(Named::label),
        notice: None,
    }
}

/// Turns the answer to [`transactions_request`] into one shipment known by `reference` whose
/// events are the movements; with no reference, the first transaction's number names it.
/// `Ok(None)` for 204.
pub fn parse_transactions(
    response: &CarrierResponse,
    reference: Option<&str>,
) -> Result<Option<Shipment>, TrackingError> {
    let Some(records) = records::<Transaction>(response)? else {
        return Ok(None);
    };
    if records.is_empty() {
        return Ok(None);
    }
    let name = reference
        .map(str::to_owned)
        .or_else(|| {
            records.iter().find_map(|r| {
                r.reference_number
                    .clone()
                    .or_else(|| r.transaction_number.clone())
                    .or_else(|| r.document_number.clone())
            })
        })
        .unwrap_or_default();
    let mut shipment = Shipment::new(CARRIER, name);
    shipment.references.clear();
    let last_update = records
        .iter()
        .filter_map(|r| {
            timestamp_of(
                r.modified_on
                    .clone()
                    .or_else(|| r.processed_on.clone())
                    .or_else(|| r.created_on.clone()),
            )
        })
        .max_by_key(Timestamp::unix_millis);
    let created_at = records
        .iter()
        .filter_map(|r| timestamp_of(r.created_on.clone()))
        .min_by_key(Timestamp::unix_millis);
    let live: Vec<Transaction> = records
        .into_iter()
        .filter(|r| r.is_deleted != Some(true))
        .collect();
    // Several open movements under one reference: the goods arrive between the first and the
    // last of their delivery dates.
    shipment.estimated_delivery =
        EstimatedDelivery::spanning(live.iter().filter_map(expected_delivery));
    let movements: Vec<TrackingEvent> = live
        .into_iter()
        .map(|record| movement(record, &mut shipment))
        .collect();
    shipment.events = movements;
    shipment.sort_and_collapse_events();
    if let Some(latest) = shipment.events.first() {
        shipment.status = latest.status;
        shipment.carrier_status = Some(CarrierStatus::new(
            latest.carrier_status.code.clone(),
            latest.carrier_status.text.clone(),
        ));
        shipment.last_location = if latest.status == Status::Delivered {
            latest.destination.clone()
        } else {
            latest.location.clone()
        };
    }
    shipment.last_update = last_update.or_else(|| shipment.events.first().and_then(|e| e.time));
    shipment.created_at = created_at;
    shipment.drop_overtaken_estimate();
    shipment.expected_flow = flow::expected_flow(&FlowInput {
        journey: Journey::Transfer,
        current: shipment.status,
        current_step: None,
        history: shipment.events.iter().map(|e| e.status).collect(),
        announced: Vec::new(),
    });
    Ok(Some(shipment))
}

/// An object with a `number`.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Numbered {
    #[serde(deserialize_with = "json::exact_text")]
    number: Option<String>,
}

/// An element of a label's `packagingSerializedItems`: the unique item under `uniqueItem` or
/// `item`, or the element itself.
#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct SerializedItem {
    #[serde(deserialize_with = "present_object")]
    unique_item: Option<Option<Numbered>>,
    #[serde(deserialize_with = "present_object")]
    item: Option<Option<Numbered>>,
    #[serde(deserialize_with = "json::exact_text")]
    number: Option<String>,
}

impl SerializedItem {
    fn number(self) -> Option<String> {
        match self.unique_item.or(self.item) {
            Some(item) => item.and_then(|item| item.number),
            None => self.number,
        }
    }
}

/// A packaging label (`/packaginglabel`), an SSCC when its type is 1 or `Sscc`.
#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct PackagingLabel {
    #[serde(deserialize_with = "json::exact_text")]
    number: Option<String>,
    #[serde(rename = "type", deserialize_with = "code")]
    kind: Code,
    #[serde(deserialize_with = "objects")]
    packaging_serialized_items: Vec<SerializedItem>,
    #[serde(deserialize_with = "flag")]
    is_enabled: Option<bool>,
    #[serde(deserialize_with = "json::exact_text")]
    expiration_on: Option<String>,
    #[serde(deserialize_with = "json::exact_text")]
    created_on: Option<String>,
    #[serde(deserialize_with = "json::exact_text")]
    modified_on: Option<String>,
}

fn packaging_label(label: PackagingLabel) -> Option<Shipment> {
    let number = label.number?;
    let mut shipment = Shipment::new(CARRIER, number);
    let is_sscc = label.kind.whole == Some(1) || label.kind.text.as_deref() == Some("Sscc");
    shipment.references[0].kind = if is_sscc {
        ReferenceKind::Sscc
    } else {
        ReferenceKind::PackagingLabel
    };
    shipment.service = Some("packaging label".into());
    for entry in label.packaging_serialized_items {
        if let Some(item_number) = entry.number() {
            shipment.add_reference(ReferenceKind::ItemNumber, item_number);
        }
    }
    let created = timestamp_of(label.created_on);
    if created.is_some() {
        shipment.events.push(record_event("label_created", created));
    }
    shipment.status = Status::PreTransit;
    shipment.carrier_status = Some(CarrierStatus::new(
        if label.is_enabled == Some(false) {
            "inactive"
        } else {
            "active"
        },
        label.expiration_on.map(|e| format!("Expires {e}")),
    ));
    shipment.created_at = created;
    shipment.last_update = timestamp_of(label.modified_on).or(created);
    Some(shipment)
}

/// Turns the answer to [`packaging_labels_request`] into one shipment per label; empty for 204.
pub fn parse_packaging_labels(response: &CarrierResponse) -> Result<Vec<Shipment>, TrackingError> {
    Ok(records::<PackagingLabel>(response)?
        .unwrap_or_default()
        .into_iter()
        .filter_map(packaging_label)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_carry_the_filter_the_page_and_the_key_header_not_the_query() {
        let request = unique_item_request(ItemKey::Epc, "3034F", 2);
        assert_eq!(
            request.path_and_query(),
            "/api/v1/uniqueitem?page=2&EpcCode=3034F"
        );
        assert_eq!(request.auth, crate::carrier::Auth::TrackOnlineApiKey);
        assert!(request.query.iter().all(|(key, _)| key != "apikey"));
        let labels = packaging_labels_request("370724760010119754", 1);
        assert!(labels.query.contains(&("TypeCodes".into(), "1".into())));
    }

    #[test]
    fn a_full_page_has_a_successor_and_a_short_one_does_not() {
        assert_eq!(next_page(1, 50), Some(2));
        assert_eq!(next_page(3, 49), None);
    }

    #[test]
    fn no_content_means_no_records_and_too_many_requests_carries_the_wait() {
        assert_eq!(
            parse_unique_items(&CarrierResponse::new(204, b"")).unwrap(),
            Vec::new()
        );
        let limited = CarrierResponse::new(429, b"").with_retry_after(Some("60"));
        assert_eq!(
            parse_transactions(&limited, None),
            Err(TrackingError::RateLimited {
                carrier: Carrier::Trackonline,
                retry_after: Some(crate::model::RetryAfter::Seconds(60))
            })
        );
    }

    #[test]
    fn a_lost_transaction_is_an_exception_unless_it_was_cancelled() {
        assert_eq!(
            transaction_status(Some("35"), Some("30")),
            Status::Exception
        );
        assert_eq!(
            transaction_status(Some("20"), Some("30")),
            Status::Cancelled
        );
        assert_eq!(
            transaction_status(Some("11"), Some("15")),
            Status::InTransit
        );
        assert_eq!(transaction_status(Some("77"), None), Status::Unknown);
    }

    #[test]
    fn measurements_read_numbers_sent_as_text_and_nulls_anywhere() {
        let body = br#"{"data": null, "items": [
            {"itemNumber": null, "item": "CC-1", "deviceId": 77, "measuredOn": "2024-06-30T12:00:00Z",
             "position": {"lat": "51,9225", "lng": "4.47917", "accuracy": null},
             "temperature": " 4.5 ", "lastKnownTemperature": 9, "unknown": {"deep": [null]}},
            null,
            "not a record"
        ],}"#;
        let shipments = parse_measurements(&CarrierResponse::new(200, body)).unwrap();
        assert_eq!(shipments.len(), 1);
        let shipment = &shipments[0];
        assert_eq!(shipment.tracking_number, "CC-1");
        let event = &shipment.events[0];
        assert_eq!(event.detail.as_deref(), Some("Temperature: 4.5 °C"));
        assert_eq!(event.source.as_deref(), Some("77"));
        let coordinates = event.location.as_ref().and_then(|l| l.coordinates).unwrap();
        assert_eq!(
            (
                coordinates.latitude,
                coordinates.longitude,
                coordinates.radius_meters
            ),
            (51.9225, 4.47917, None)
        );
        assert_eq!(shipment.trail.len(), 1);
    }

    #[test]
    fn null_lists_codes_as_text_and_a_repeated_member_are_tolerated() {
        let items = br#"[{"number": 12345, "deviceIds": null, "barCode": null,
            "lastKnownPosition": null, "lastKnownLocation": "somewhere"}]"#;
        let items = parse_unique_items(&CarrierResponse::new(200, items)).unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].tracking_number, "12345");
        assert_eq!(items[0].references.len(), 1);
        assert!(items[0].events.is_empty());

        let transactions = br#"[{"referenceNumber": "R1", "statusCode": " 35 ", "typeCode": "30",
            "isDeleted": null, "fromLocation": null, "carrier": {"name": null, "number": 4}}]"#;
        let shipment = parse_transactions(&CarrierResponse::new(200, transactions), None)
            .unwrap()
            .unwrap();
        assert_eq!(shipment.tracking_number, "R1");
        assert_eq!(shipment.status, Status::Exception);
        assert_eq!(shipment.events[0].carrier_status.code, "35");
        assert_eq!(shipment.events[0].source.as_deref(), Some("4"));

        let label = br#"{"number": "PL1", "type": 1, "packagingSerializedItems": null,
            "isEnabled": false, "isEnabled": true}"#;
        let labels = parse_packaging_labels(&CarrierResponse::new(200, label)).unwrap();
        assert_eq!(labels[0].references[0].kind, ReferenceKind::Sscc);
        assert_eq!(
            labels[0].carrier_status.as_ref().map(|s| s.code.as_str()),
            Some("active")
        );
    }
}
