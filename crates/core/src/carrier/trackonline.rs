//! TrackOnline (returnable load carriers, the Netherlands): unique items and their last known
//! position, IoT measurement history, transactions (movements between locations) and packaging
//! labels. Pages hold 50 records; 204 means no data; 429 carries `Retry-After`.
//!
//! The seed documents request filters and record fields, not every response envelope: lists
//! are read as a bare array or under a usual wrapper key, and IoT measurement fields are read
//! under several plausible names. Times without an offset are read as Dutch time.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::carrier::endpoint::{self, Endpoint};
use crate::carrier::http::{common_error, CarrierResponse};
use crate::carrier::json::{self, field, integer, list, number_any, text, text_any};
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

/// The records of a list answer; `None` for 204 (no data for the filters).
fn records(response: &CarrierResponse) -> Result<Option<Vec<Value>>, TrackingError> {
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
    let body = json::body(CARRIER, response.body)?;
    let records = match &body {
        Value::Object(_) if json::records(&body).is_none() => vec![body.clone()],
        _ => json::records(&body)
            .ok_or_else(|| TrackingError::MalformedResponse {
                carrier: CARRIER,
                reason: "expected a list of records".into(),
            })?
            .into_iter()
            .cloned()
            .collect(),
    };
    Ok(Some(records))
}

fn message_of(response: &CarrierResponse) -> Option<String> {
    let body = json::body(CARRIER, response.body).ok()?;
    text_any(&body, &["message", "title", "detail", "error"])
}

fn timestamp_of(text: Option<String>) -> Option<Timestamp> {
    text.and_then(|t| time::parse_with_fallback_zone(&t, time::EUROPE_AMSTERDAM).ok())
}

fn coordinates_in(value: &Value) -> Option<Coordinates> {
    let nested = ["gps", "position", "location", "coordinates"]
        .iter()
        .find_map(|key| field(value, key).filter(|v| v.is_object()));
    let source = nested.unwrap_or(value);
    let latitude = number_any(source, &["latitude", "lat"])?;
    let longitude = number_any(source, &["longitude", "lon", "lng"])?;
    let mut coordinates = Coordinates::checked(latitude, longitude)?;
    coordinates.radius_meters = number_any(source, &["radius", "accuracy"]).filter(|r| *r >= 0.0);
    Some(coordinates)
}

/// A location record (`number, name, addressLine, postalCode, city, country, gps`).
fn location_of(value: Option<&Value>) -> Option<Location> {
    let value = value.filter(|v| v.is_object())?;
    let mut address_lines = Vec::new();
    address_lines.extend(text(value, "addressLine"));
    let town = [text(value, "postalCode"), text(value, "city")]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    if !town.is_empty() {
        address_lines.push(town);
    }
    address_lines.extend(text(value, "country"));
    Location {
        name: text(value, "name"),
        id: text(value, "number"),
        address_lines,
        coordinates: field(value, "gps").and_then(coordinates_in),
    }
    .non_empty()
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

fn temperature(value: &Value, keys: &[&str]) -> Option<String> {
    number_any(value, keys).map(|celsius| format!("Temperature: {} °C", json::decimal(celsius)))
}

fn unique_item(value: &Value) -> Option<Shipment> {
    let number = text(value, "number")?;
    let mut shipment = Shipment::new(CARRIER, number.clone());
    shipment.references[0].kind = ReferenceKind::ItemNumber;
    for (key, kind) in [
        ("barCode", ReferenceKind::Barcode),
        ("barcode", ReferenceKind::Barcode),
        ("epcCode", ReferenceKind::EpcCode),
        ("bleCode", ReferenceKind::BleCode),
    ] {
        if let Some(code) = text(value, key) {
            shipment.add_reference(kind, code);
        }
    }
    for device in list(value, "deviceIds") {
        if let Some(id) = text(device, "deviceId").or_else(|| json::as_text(device)) {
            shipment.add_reference(ReferenceKind::DeviceId, id);
        }
    }
    shipment.service =
        field(value, "itemDefinition").and_then(|d| text(d, "name").or_else(|| text(d, "number")));
    let position = field(value, "lastKnownPosition").and_then(coordinates_in);
    let mut location = location_of(field(value, "lastKnownLocation")).unwrap_or_default();
    if location.coordinates.is_none() {
        location.coordinates = position;
    }
    let location = location.non_empty();
    let last_seen = timestamp_of(text(value, "lastSeen")).or_else(|| {
        field(value, "lastKnownPosition").and_then(|p| {
            timestamp_of(text_any(
                p,
                &["date", "dateTime", "timestamp", "measuredOn"],
            ))
        })
    });
    if last_seen.is_some() || location.is_some() {
        let mut event = record_event("last_seen", last_seen);
        event.location = location.clone();
        event.detail = temperature(value, &["lastKnownTemperature"]);
        shipment.events.push(event);
    }
    if let Some(first_seen) = timestamp_of(text(value, "firstSeen")) {
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
    shipment.created_at = timestamp_of(text(value, "createdOn"));
    shipment.last_update = last_seen.or_else(|| timestamp_of(text(value, "modifiedOn")));
    Some(shipment)
}

/// Turns the answer to [`unique_item_request`] into one shipment per item; empty for 204.
pub fn parse_unique_items(response: &CarrierResponse) -> Result<Vec<Shipment>, TrackingError> {
    Ok(records(response)?
        .unwrap_or_default()
        .iter()
        .filter_map(unique_item)
        .collect())
}

/// Turns an IoT measurement history into one shipment per item or device, with a positioned
/// event per measurement; empty for 204.
pub fn parse_measurements(response: &CarrierResponse) -> Result<Vec<Shipment>, TrackingError> {
    let mut shipments: Vec<Shipment> = Vec::new();
    for record in records(response)?.unwrap_or_default() {
        let item = text_any(&record, &["itemNumber", "item", "uniqueItemNumber"]);
        let device = text_any(&record, &["deviceId", "device"]);
        let Some(subject) = item.clone().or_else(|| device.clone()) else {
            continue;
        };
        let time = timestamp_of(text_any(
            &record,
            &[
                "measuredOn",
                "measurementDate",
                "dateTime",
                "date",
                "timestamp",
                "createdOn",
            ],
        ));
        let mut event = record_event("measurement", time);
        event.location = Location {
            name: text_any(&record, &["locationName", "address"]),
            coordinates: coordinates_in(&record),
            ..Location::default()
        }
        .non_empty();
        event.detail = temperature(&record, &["temperature", "lastKnownTemperature"]);
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

/// A transaction's status code and type code, as text.
fn transaction_codes(record: &Value) -> (Option<String>, Option<String>) {
    let status_code = integer(record, "statusCode")
        .map(|c| c.to_string())
        .or_else(|| text(record, "statusCode"));
    let type_code = integer(record, "typeCode").map(|c| c.to_string());
    (status_code, type_code)
}

/// When a transaction still on its way is expected to arrive: its delivery date
/// (`dateTransactionCounterpart`, 'leveringsdatum'). Once the transaction is delivered, rejected,
/// lost or cancelled that date is history, not an expectation. TrackOnline fills an empty
/// delivery date with the transaction date, so a delivery date equal to it promises nothing.
fn expected_delivery(record: &Value) -> Option<Timestamp> {
    let (status_code, type_code) = transaction_codes(record);
    let status = transaction_status(status_code.as_deref(), type_code.as_deref());
    if !matches!(status, Status::PreTransit | Status::InTransit) {
        return None;
    }
    let delivery = timestamp_of(text(record, "dateTransactionCounterpart"))?;
    let sent = timestamp_of(text(record, "dateTransaction"));
    (sent.map(|t| t.unix_millis()) != Some(delivery.unix_millis())).then_some(delivery)
}

fn movement(record: &Value, shipment: &mut Shipment) -> TrackingEvent {
    let (status_code, type_code) = transaction_codes(record);
    for (key, kind) in [
        ("transactionNumber", ReferenceKind::TransactionNumber),
        ("referenceNumber", ReferenceKind::ReferenceNumber),
        ("documentNumber", ReferenceKind::DocumentNumber),
    ] {
        if let Some(number) = text(record, key) {
            shipment.add_reference(kind, number);
        }
    }
    let status = transaction_status(status_code.as_deref(), type_code.as_deref());
    let table_text = status_code
        .as_deref()
        .and_then(|c| TRANSACTION_STATUS_TABLE.iter().find(|e| e.code == c))
        .map(|e| e.text.to_owned());
    let arrived = status == Status::Delivered;
    let time = if arrived {
        timestamp_of(text(record, "dateTransactionCounterpart"))
            .or_else(|| timestamp_of(text(record, "dateTransaction")))
    } else {
        timestamp_of(text(record, "dateTransaction"))
    };
    let kind = text(record, "type");
    TrackingEvent {
        time,
        status,
        carrier_status: CarrierStatus {
            code: status_code.unwrap_or_default(),
            text: text(record, "status").or(table_text),
            origin_code: type_code,
        },
        detail: kind.map(|kind| format!("Transaction type: {kind}")),
        location: location_of(field(record, "fromLocation")),
        destination: location_of(field(record, "toLocation")),
        source: field(record, "carrier")
            .and_then(|c| text(c, "name").or_else(|| text(c, "number"))),
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
    let Some(records) = records(response)? else {
        return Ok(None);
    };
    if records.is_empty() {
        return Ok(None);
    }
    let name = reference
        .map(str::to_owned)
        .or_else(|| {
            records.iter().find_map(|r| {
                text_any(
                    r,
                    &["referenceNumber", "transactionNumber", "documentNumber"],
                )
            })
        })
        .unwrap_or_default();
    let mut shipment = Shipment::new(CARRIER, name);
    shipment.references.clear();
    let live: Vec<&Value> = records
        .iter()
        .filter(|r| field(r, "isDeleted").and_then(Value::as_bool) != Some(true))
        .collect();
    let movements: Vec<TrackingEvent> = live
        .iter()
        .map(|record| movement(record, &mut shipment))
        .collect();
    // Several open movements under one reference: the goods arrive between the first and the
    // last of their delivery dates.
    shipment.estimated_delivery =
        EstimatedDelivery::spanning(live.iter().filter_map(|r| expected_delivery(r)));
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
    shipment.last_update = records
        .iter()
        .filter_map(|r| timestamp_of(text_any(r, &["modifiedOn", "processedOn", "createdOn"])))
        .max_by_key(Timestamp::unix_millis)
        .or_else(|| shipment.events.first().and_then(|e| e.time));
    shipment.created_at = records
        .iter()
        .filter_map(|r| timestamp_of(text(r, "createdOn")))
        .min_by_key(Timestamp::unix_millis);
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

fn packaging_label(value: &Value) -> Option<Shipment> {
    let number = text(value, "number")?;
    let mut shipment = Shipment::new(CARRIER, number.clone());
    let is_sscc =
        integer(value, "type") == Some(1) || text(value, "type").as_deref() == Some("Sscc");
    shipment.references[0].kind = if is_sscc {
        ReferenceKind::Sscc
    } else {
        ReferenceKind::PackagingLabel
    };
    shipment.service = Some("packaging label".into());
    for entry in list(value, "packagingSerializedItems") {
        let item = field(entry, "uniqueItem")
            .or_else(|| field(entry, "item"))
            .unwrap_or(entry);
        if let Some(item_number) = text(item, "number") {
            shipment.add_reference(ReferenceKind::ItemNumber, item_number);
        }
    }
    let created = timestamp_of(text(value, "createdOn"));
    if created.is_some() {
        shipment.events.push(record_event("label_created", created));
    }
    shipment.status = Status::PreTransit;
    shipment.carrier_status = Some(CarrierStatus::new(
        if field(value, "isEnabled").and_then(Value::as_bool) == Some(false) {
            "inactive"
        } else {
            "active"
        },
        text(value, "expirationOn").map(|e| format!("Expires {e}")),
    ));
    shipment.created_at = created;
    shipment.last_update = timestamp_of(text(value, "modifiedOn")).or(created);
    Some(shipment)
}

/// Turns the answer to [`packaging_labels_request`] into one shipment per label; empty for 204.
pub fn parse_packaging_labels(response: &CarrierResponse) -> Result<Vec<Shipment>, TrackingError> {
    Ok(records(response)?
        .unwrap_or_default()
        .iter()
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
}
