//! TrackOnline's external REST API (seed 001), read side: unique items, IoT items and their
//! measurements, transactions, packaging labels and locations. Every call needs an API key in
//! `X-ApiKey` or `apikey` and counts against the licence tier's limits.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::carrier::{json_response, trackonline_problem};
use super::clock::{parse_iso8601, trackonline_time, Timestamp};
use super::dataset::{
    TrackOnlineData, TrackOnlineItemDefinition, TrackOnlineLocation, TrackOnlinePosition,
    TrackOnlineTransaction, TrackOnlineTransactionItem, TrackOnlineUniqueItem,
};
use super::masking::mask;
use super::query::QueryPairs;
use super::SandboxState;

const PAGE_SIZE: usize = 50;
const DEFAULT_TRANSACTION_DAYS: i64 = 7;
const DEFAULT_MEASUREMENT_DAYS: i64 = 14;

/// API key and call limits, in front of every TrackOnline route.
pub async fn authenticate(
    State(state): State<Arc<SandboxState>>,
    request: Request,
    next: Next,
) -> Response {
    let query = QueryPairs::parse(request.uri().query());
    let key = request
        .headers()
        .get("x-apikey")
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
        .or_else(|| query.first("apikey").map(str::to_owned));
    let Some(key) = key.filter(|key| !key.trim().is_empty()) else {
        return trackonline_problem(
            StatusCode::UNAUTHORIZED,
            "An API key is required: send it in the X-ApiKey header or the apikey query parameter.",
        );
    };
    let Some(entry) = state.data.trackonline.api_key(key.trim()) else {
        tracing::info!(key = %mask(&key), "sandbox TrackOnline call with an unknown API key");
        return trackonline_problem(StatusCode::UNAUTHORIZED, "The API key is not valid.");
    };
    let now = state.clock.now();
    if let Err(exceeded) = state
        .limits
        .check(&entry.administration, entry.limits(), now)
    {
        tracing::info!(
            key = %mask(&entry.key),
            per = exceeded.per,
            "sandbox TrackOnline call limit reached"
        );
        let mut response = trackonline_problem(
            StatusCode::TOO_MANY_REQUESTS,
            &format!(
                "Maximum number of requests reached: {} calls per {} for administration {}. \
                 Check the Retry-After header.",
                exceeded.limit, exceeded.per, entry.administration
            ),
        );
        response.headers_mut().insert(
            header::RETRY_AFTER,
            HeaderValue::from(exceeded.retry_after_seconds.max(1)),
        );
        return response;
    }
    next.run(request).await
}

/// A page of results: 200 with the list, or 204 when nothing matches (seed 001).
fn page<T>(query: &QueryPairs, items: Vec<T>, render: impl Fn(&T) -> Value) -> Response {
    let page: usize = match query.first("page").map(str::parse) {
        None => 1,
        Some(Ok(page)) if page >= 1 => page,
        Some(_) => {
            return trackonline_problem(
                StatusCode::BAD_REQUEST,
                "page must be a whole number from 1.",
            )
        }
    };
    let selected: Vec<Value> = items
        .iter()
        .skip((page - 1) * PAGE_SIZE)
        .take(PAGE_SIZE)
        .map(render)
        .collect();
    if selected.is_empty() {
        return StatusCode::NO_CONTENT.into_response();
    }
    json_response(StatusCode::OK, &Value::Array(selected))
}

/// True when `values` is empty (no filter) or holds `candidate`.
fn matches_any(values: &[&str], candidate: Option<&str>) -> bool {
    values.is_empty() || candidate.is_some_and(|candidate| values.contains(&candidate))
}

/// A date filter, or the 400 that explains how to write one.
fn parse_date(query: &QueryPairs, name: &str) -> Result<Option<Timestamp>, Box<Response>> {
    match query.first(name) {
        None | Some("") => Ok(None),
        Some(text) => parse_iso8601(text).map(Some).ok_or_else(|| {
            Box::new(trackonline_problem(
                StatusCode::BAD_REQUEST,
                &format!(
                    "{name} must be a date-time such as 2020-05-01T00:00:00.000Z, not {text}."
                ),
            ))
        }),
    }
}

pub(super) async fn unique_items(
    State(state): State<Arc<SandboxState>>,
    request: Request,
) -> Response {
    let query = QueryPairs::parse(request.uri().query());
    let data = &state.data.trackonline;
    let now = state.clock.data_now();
    let numbers = query.all("ItemNumber");
    let ids = query.all("Id");
    let bar_codes = query.all("BarCode");
    let epc_codes = query.all("EpcCode");
    let ble_codes = query.all("BleCode");
    let definitions = query.all("ItemDefinitionId");
    let locations = query.all("LocationId");
    let items: Vec<&TrackOnlineUniqueItem> = data
        .unique_items
        .iter()
        .filter(|item| {
            matches_any(&numbers, Some(&item.number))
                && matches_any(&ids, Some(&item.id))
                && matches_any(&bar_codes, item.bar_code.as_deref())
                && matches_any(&epc_codes, item.epc_code.as_deref())
                && matches_any(&ble_codes, item.ble_code.as_deref())
                && matches_any(&definitions, definition_id(data, item))
                && matches_any(&locations, last_location_id(data, item))
        })
        .collect();
    page(&query, items, |item| render_unique_item(data, item, now))
}

/// The id of an item's definition, which the `ItemDefinitionId` filters match.
fn definition_id<'a>(data: &'a TrackOnlineData, item: &TrackOnlineUniqueItem) -> Option<&'a str> {
    data.item_definition(&item.item_definition)
        .map(|definition| definition.id.as_str())
}

/// The id of the location an item was last seen at, which the `LocationId` filters match.
fn last_location_id<'a>(
    data: &'a TrackOnlineData,
    item: &TrackOnlineUniqueItem,
) -> Option<&'a str> {
    item.last_known_location
        .as_deref()
        .and_then(|number| data.location(number))
        .map(|location| location.id.as_str())
}

pub(super) async fn iot_items(
    State(state): State<Arc<SandboxState>>,
    request: Request,
) -> Response {
    let query = QueryPairs::parse(request.uri().query());
    let data = &state.data.trackonline;
    let now = state.clock.data_now();
    let numbers = query.all("itemNumber");
    let definitions = query.all("itemDefinitionId");
    let locations = query.all("locationId");
    let items: Vec<&TrackOnlineUniqueItem> = data
        .unique_items
        .iter()
        .filter(|item| !item.device_ids.is_empty())
        .filter(|item| {
            matches_any(&numbers, Some(&item.number))
                && matches_any(&definitions, definition_id(data, item))
                && matches_any(&locations, last_location_id(data, item))
        })
        .collect();
    page(&query, items, |item| render_unique_item(data, item, now))
}

pub(super) async fn measurements(
    State(state): State<Arc<SandboxState>>,
    request: Request,
) -> Response {
    let query = QueryPairs::parse(request.uri().query());
    let data = &state.data.trackonline;
    let now = state.clock.data_now();
    let device = query.first("deviceId").filter(|value| !value.is_empty());
    let item = query.first("item").filter(|value| !value.is_empty());
    let from = match parse_date(&query, "dateFrom") {
        Ok(from) => from.unwrap_or(Timestamp(now.0 - DEFAULT_MEASUREMENT_DAYS * 86_400)),
        Err(response) => return *response,
    };
    let to = match parse_date(&query, "dateTo") {
        Ok(to) => to.unwrap_or(now),
        Err(response) => return *response,
    };
    let mut rows: Vec<(&TrackOnlineUniqueItem, &str, &TrackOnlinePosition)> = Vec::new();
    for unique in &data.unique_items {
        let item_matches = item.is_none_or(|item| {
            [
                Some(unique.number.as_str()),
                unique.bar_code.as_deref(),
                unique.epc_code.as_deref(),
                unique.ble_code.as_deref(),
            ]
            .contains(&Some(item))
        });
        for device_id in &unique.device_ids {
            if !item_matches || device.is_some_and(|device| device != device_id) {
                continue;
            }
            for position in &unique.positions {
                let at = position.at.at(now);
                if at >= from && at <= to {
                    rows.push((unique, device_id, position));
                }
            }
        }
    }
    page(&query, rows, |(unique, device_id, position)| {
        let place = position
            .location
            .as_deref()
            .and_then(|number| data.location(number));
        json!({
            "deviceId": device_id,
            "itemNumber": unique.number,
            "measuredOn": trackonline_time(position.at.at(now)),
            "latitude": position.latitude,
            "longitude": position.longitude,
            "temperature": position.temperature,
            // Flat, as TrackOnline's measurement rows are: the position is the row's own.
            "locationNumber": place.map(|location| location.number.as_str()),
            "locationName": place.map(|location| location.name.as_str()),
        })
    })
}

pub(super) async fn transactions(
    State(state): State<Arc<SandboxState>>,
    request: Request,
) -> Response {
    let query = QueryPairs::parse(request.uri().query());
    let data = &state.data.trackonline;
    let now = state.clock.data_now();
    let date_from = match parse_date(&query, "TransactionDateFrom") {
        Ok(date) => date,
        Err(response) => return *response,
    };
    let date_to = match parse_date(&query, "TransactionDateTo") {
        Ok(date) => date,
        Err(response) => return *response,
    };
    let created_from = match parse_date(&query, "CreatedDateFrom") {
        Ok(date) => date,
        Err(response) => return *response,
    };
    let created_to = match parse_date(&query, "CreatedDateTo") {
        Ok(date) => date,
        Err(response) => return *response,
    };
    // Seed 001: without a date filter the API returns the last 7 days up to now.
    let no_date_filter = [date_from, date_to, created_from, created_to]
        .iter()
        .all(Option::is_none);
    let (date_from, date_to) = if no_date_filter {
        (
            Some(Timestamp(now.0 - DEFAULT_TRANSACTION_DAYS * 86_400)),
            Some(now),
        )
    } else {
        (date_from, date_to)
    };
    let mut codes = Vec::new();
    for (name, values) in [
        ("StatusCode", query.all("StatusCode")),
        ("TypeCodes", query.all("TypeCodes")),
    ] {
        let parsed: Result<Vec<u32>, _> = values.iter().map(|value| value.parse()).collect();
        match parsed {
            Ok(parsed) => codes.push(parsed),
            Err(_) => {
                return trackonline_problem(
                    StatusCode::BAD_REQUEST,
                    &format!("{name} takes whole numbers."),
                )
            }
        }
    }
    let only_processed = query
        .first("OnlyProcessed")
        .is_some_and(|value| value.eq_ignore_ascii_case("true"));
    let ids = query.all("Id");
    let numbers = query.all("TransactionNumber");
    let references = query.all("ReferenceNumber");
    let documents = query.all("DocumentNumber");
    let from_locations = query.all("FromLocations");
    let to_locations = query.all("ToLocations");
    let carriers = query.all("Carriers");
    let selected: Vec<&TrackOnlineTransaction> = data
        .transactions
        .iter()
        .filter(|transaction| {
            let date = transaction.date.at(now);
            let created = created_at(transaction, now);
            date_from.is_none_or(|from| date >= from)
                && date_to.is_none_or(|to| date <= to)
                && created_from.is_none_or(|from| created >= from)
                && created_to.is_none_or(|to| created <= to)
                && (codes[0].is_empty() || codes[0].contains(&transaction.status_code))
                && (codes[1].is_empty() || codes[1].contains(&transaction.type_code))
                && (!only_processed || transaction.status_code == PROCESSED)
                && matches_any(&ids, Some(&transaction.id))
                && matches_any(&numbers, Some(&transaction.transaction_number))
                && matches_any(&references, transaction.reference_number.as_deref())
                && matches_any(&documents, transaction.document_number.as_deref())
                && matches_any(&from_locations, Some(&transaction.from_location))
                && matches_any(&to_locations, Some(&transaction.to_location))
                && matches_any(&carriers, transaction.carrier.as_deref())
        })
        .collect();
    page(&query, selected, |transaction| {
        render_transaction(data, transaction, now)
    })
}

const PROCESSED: u32 = 35;

/// The data set has no creation time for transactions: they were created a day before their date,
/// or when their date is in the future, a day ago.
fn created_at(transaction: &TrackOnlineTransaction, now: Timestamp) -> Timestamp {
    Timestamp(transaction.date.at(now).0.min(now.0) - 86_400)
}

pub(super) async fn packaging_labels(
    State(state): State<Arc<SandboxState>>,
    request: Request,
) -> Response {
    let query = QueryPairs::parse(request.uri().query());
    let data = &state.data.trackonline;
    let now = state.clock.data_now();
    let ids = query.all("Id");
    let number = query.first("Number").filter(|value| !value.is_empty());
    let type_codes: Vec<u32> = query
        .all("TypeCodes")
        .iter()
        .filter_map(|value| value.parse().ok())
        .collect();
    let include_inactive = query
        .first("IncludeInactive")
        .is_some_and(|value| value.eq_ignore_ascii_case("true"));
    let labels: Vec<_> = data
        .packaging_labels
        .iter()
        .filter(|label| {
            let active = label.expiration.at(now) > now;
            // The seed's example filters `Number=PL` to find labels "with PL in the number".
            matches_any(&ids, Some(&label.id))
                && number.is_none_or(|number| label.number.contains(number))
                && (type_codes.is_empty() || type_codes.contains(&label.type_code))
                && (include_inactive || active)
        })
        .collect();
    page(&query, labels, |label| {
        let created = trackonline_time(label.created.at(now));
        json!({
            "id": label.id,
            "number": label.number,
            "expirationOn": trackonline_time(label.expiration.at(now)),
            "type": label.type_code,
            "isEnabled": label.expiration.at(now) > now,
            "createdOn": created,
            "modifiedOn": created,
            "packagingNonSerializedItems": label
                .items
                .iter()
                .map(|item| json!({
                    "itemDefinition": data.item_definition(&item.item_definition).map(render_item_definition),
                    "quantity": item.quantity,
                    "createdOn": created,
                }))
                .collect::<Vec<_>>(),
            "packagingSerializedItems": label
                .unique_items
                .iter()
                .filter_map(|number| data.unique_items.iter().find(|item| &item.number == number))
                .map(|item| json!({ "uniqueItem": render_unique_item(data, item, now), "createdOn": created }))
                .collect::<Vec<_>>(),
        })
    })
}

pub(super) async fn locations(
    State(state): State<Arc<SandboxState>>,
    request: Request,
) -> Response {
    let query = QueryPairs::parse(request.uri().query());
    let data = &state.data.trackonline;
    let ids = query.all("Id");
    let number = query.first("Number").filter(|value| !value.is_empty());
    let name = query
        .first("Name")
        .filter(|value| !value.is_empty())
        .map(str::to_lowercase);
    let type_codes: Vec<u32> = query
        .all("TypeCodes")
        .iter()
        .filter_map(|value| value.parse().ok())
        .collect();
    let selected: Vec<&TrackOnlineLocation> = data
        .locations
        .iter()
        .filter(|location| {
            matches_any(&ids, Some(&location.id))
                && number.is_none_or(|number| location.number == number)
                && name
                    .as_deref()
                    .is_none_or(|name| location.name.to_lowercase().contains(name))
                && (type_codes.is_empty() || type_codes.contains(&location.type_code))
        })
        .collect();
    page(&query, selected, |location| render_location(location))
}

pub(super) async fn not_found(request: Request) -> Response {
    trackonline_problem(
        StatusCode::NOT_FOUND,
        &format!(
            "{} is not a TrackOnline API resource.",
            request.uri().path()
        ),
    )
}

fn render_item_definition(definition: &TrackOnlineItemDefinition) -> Value {
    json!({
        "id": definition.id,
        "number": definition.number,
        "name": definition.name,
        "code": definition.code,
        "type": definition.type_code,
        "isEnabled": true,
    })
}

fn render_location(location: &TrackOnlineLocation) -> Value {
    json!({
        "id": location.id,
        "number": location.number,
        "name": location.name,
        "type": location.type_code,
        "hierarchyLevel": 3,
        "addressLine": location.address_line,
        "postalCode": location.postal_code,
        "city": location.city,
        "country": location.country,
        "gps": {
            "latitude": location.latitude,
            "longitude": location.longitude,
            "radius": location.radius,
        },
        "isEnabled": true,
        "tags": [],
    })
}

/// Locations inside other objects carry their identity and address, as in the seed's examples.
fn location_reference(location: &TrackOnlineLocation) -> Value {
    render_location(location)
}

fn render_unique_item(
    data: &TrackOnlineData,
    item: &TrackOnlineUniqueItem,
    now: Timestamp,
) -> Value {
    let latest = item.positions.iter().max_by_key(|position| position.at);
    let last_seen = latest.map_or(item.first_seen, |position| position.at);
    json!({
        "id": item.id,
        "number": item.number,
        "barCode": item.bar_code,
        "epcCode": item.epc_code,
        "bleCode": item.ble_code,
        "itemDefinition": data.item_definition(&item.item_definition).map(render_item_definition),
        "deviceIds": item.device_ids.iter().map(|id| json!({ "deviceId": id })).collect::<Vec<_>>(),
        "lastKnownPosition": latest.map(|position| json!({
            "latitude": position.latitude,
            "longitude": position.longitude,
            "measuredOn": trackonline_time(position.at.at(now)),
        })),
        "lastKnownLocation": item
            .last_known_location
            .as_deref()
            .and_then(|number| data.location(number))
            .map(location_reference),
        "lastKnownTemperature": latest.and_then(|position| position.temperature),
        "lastKnownTransactionId": null,
        "firstSeen": trackonline_time(item.first_seen.at(now)),
        "lastSeen": trackonline_time(last_seen.at(now)),
        "createdOn": trackonline_time(item.first_seen.at(now)),
        "notes": null,
        "isDeleted": false,
    })
}

fn status_name(code: u32) -> &'static str {
    match code {
        0 => "New",
        5 => "Planned",
        10 => "Rejected",
        11 => "Sent",
        16 => "Confirmed",
        20 => "Cancelled",
        30 => "InProgress",
        33 => "Executed",
        35 => "Processed",
        _ => "Unknown",
    }
}

fn type_name(code: u32) -> &'static str {
    match code {
        0 => "StartBalance",
        1 => "ExternalStartBalance",
        5 => "Correction",
        10 => "Audit",
        15 => "Transfer",
        16 => "Agreement",
        20 => "Scrap",
        25 => "Damaged",
        30 => "Lost",
        35 => "Found",
        50 => "Order",
        55 => "Collection",
        60 => "Delivery",
        65 => "Return",
        67 => "ReturnDelivered",
        70 => "InterDepotTransfer",
        75 => "IntraDepotTransfer",
        80 => "Exchange",
        85 => "Crossdock",
        90 => "Purchase",
        95 => "Sale",
        _ => "Unknown",
    }
}

fn render_transaction_item(data: &TrackOnlineData, item: &TrackOnlineTransactionItem) -> Value {
    json!({
        "itemDefinition": data.item_definition(&item.item_definition).map(render_item_definition),
        "quantity": item.quantity,
        "quantityPlanned": item.quantity,
        "itemConditionType": 0,
    })
}

fn render_transaction(
    data: &TrackOnlineData,
    transaction: &TrackOnlineTransaction,
    now: Timestamp,
) -> Value {
    let location = |number: &str| data.location(number).map(location_reference);
    let date = transaction.date.at(now);
    let counterpart = transaction.date_counterpart.map_or(date, |at| at.at(now));
    let created = created_at(transaction, now);
    let modified = date.min(now).max(created);
    json!({
        "id": transaction.id,
        "statusCode": transaction.status_code,
        "status": status_name(transaction.status_code),
        "typeCode": transaction.type_code,
        "type": type_name(transaction.type_code),
        "transactionNumber": transaction.transaction_number,
        "documentNumber": transaction.document_number,
        "referenceNumber": transaction.reference_number,
        "fromLocation": location(&transaction.from_location),
        "toLocation": location(&transaction.to_location),
        "dateTransaction": trackonline_time(date),
        "dateTransactionCounterpart": trackonline_time(counterpart),
        "contractor": null,
        "carrier": transaction.carrier.as_deref().and_then(location),
        "licensePlate": transaction.license_plate,
        "trailerNumber": null,
        "notes": transaction.notes,
        "transactionItems": transaction
            .items
            .iter()
            .map(|item| render_transaction_item(data, item))
            .collect::<Vec<_>>(),
        "packagingLabelNumbers": transaction
            .packaging_label_numbers
            .iter()
            .map(|number| json!({ "number": number }))
            .collect::<Vec<_>>(),
        "createdOn": trackonline_time(created),
        "modifiedOn": trackonline_time(modified),
        "processedOn": (transaction.status_code == PROCESSED).then(|| trackonline_time(modified)),
        "isDeleted": false,
    })
}
