//! Di Parcel Event Log (seed 004): `GET /ws/json/parcel/tracking/v-1|v-2/fetch/{identifier}/
//! {locale}/{onlyLastEvent}`, with a bearer token. v-2 answers a list of parcels with their events;
//! v-1 the events only. Registered events join the parcel's own. A v-2 answer comes in the
//! nested shape of Di's successor API (shipments whose `items` are the parcels) when the parcel
//! asks for it in the data set (`answer_shape = "nested"`) or the request sends
//! `X-Sandbox-Di-Shape: nested`.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};

use super::carrier::{di_error, json_response};
use super::clock::{di_time, iso8601_utc, Timestamp};
use super::dataset::{DiAnswerShape, DiData, DiEventRecord, DiParcel};
use super::event_store::StoredEvent;
use super::SandboxState;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Locale {
    Norwegian,
    English,
}

/// One event ready to render: from the data set or registered.
struct EventView<'a> {
    at: Timestamp,
    event_type: &'a str,
    additional_info: Option<&'a str>,
    lat: Option<f64>,
    lon: Option<f64>,
    location_context: Option<&'a str>,
    location_context_id: Option<&'a str>,
    communication_channel: Option<&'a str>,
    reg_system: u32,
    message: Option<&'a str>,
}

impl<'a> EventView<'a> {
    fn from_record(record: &'a DiEventRecord, now: Timestamp) -> Self {
        EventView {
            at: record.at.at(now),
            event_type: &record.event_type,
            additional_info: record.additional_info.as_deref(),
            lat: record.lat,
            lon: record.lon,
            location_context: record.location_context.as_deref(),
            location_context_id: record.location_context_id.as_deref(),
            communication_channel: record.communication_channel.as_deref(),
            reg_system: record.reg_system,
            message: record.message.as_deref(),
        }
    }

    fn from_stored(stored: &'a StoredEvent) -> Self {
        EventView {
            at: Timestamp(stored.event_time),
            event_type: &stored.event_type,
            additional_info: stored.additional_info.as_deref(),
            lat: stored.lat,
            lon: stored.lon,
            location_context: stored.location_context.as_deref(),
            location_context_id: stored.location_context_id.as_deref(),
            communication_channel: stored.com_channel_type.as_deref(),
            reg_system: REGISTERED_EVENT_REG_SYSTEM,
            message: stored.message.as_deref(),
        }
    }
}

/// Registered events come from an outside system: the data set's reg system 9, "External".
const REGISTERED_EVENT_REG_SYSTEM: u32 = 9;

/// Finds the parcel an identifier names: tracking number (bare, `00`+SSCC or `(00)`+SSCC),
/// shipment number (bare or `(401)`) or return code.
pub fn find_parcel<'a>(data: &'a DiData, identifier: &str) -> Option<&'a DiParcel> {
    let identifier = identifier.trim();
    let bare = identifier
        .strip_prefix("(00)")
        .or_else(|| identifier.strip_prefix("(401)"))
        .unwrap_or(identifier);
    let without_ai = (bare.len() == 20 && bare.starts_with("00")).then(|| &bare[2..]);
    data.parcels.iter().find(|parcel| {
        parcel.tracking_number == bare
            || Some(parcel.tracking_number.as_str()) == without_ai
            || parcel.shipment_number == bare
            || parcel
                .return_code
                .as_deref()
                .is_some_and(|code| code.eq_ignore_ascii_case(bare))
    })
}

pub async fn fetch(
    State(state): State<Arc<SandboxState>>,
    Path((version, identifier, locale, only_last_event)): Path<(String, String, String, String)>,
    headers: HeaderMap,
) -> Response {
    let now = state.clock.now();
    if let Err(error) = state.tokens.check(&headers, now) {
        return di_error(StatusCode::UNAUTHORIZED, &error.to_string(), None);
    }
    let events_only = match version.as_str() {
        "v-1" => true,
        "v-2" => false,
        _ => {
            return di_error(
                StatusCode::NOT_FOUND,
                &format!("There is no Parcel Event Log API version {version}: use v-1 or v-2."),
                None,
            )
        }
    };
    let locale = match locale.as_str() {
        "NO" | "no" => Locale::Norwegian,
        "EN" | "en" => Locale::English,
        _ => {
            return di_error(
                StatusCode::BAD_REQUEST,
                &format!("locale must be NO or EN, not `{locale}`."),
                None,
            )
        }
    };
    let only_last_event = match only_last_event.as_str() {
        "true" => true,
        "false" => false,
        _ => {
            return di_error(
                StatusCode::BAD_REQUEST,
                &format!("onlyLastEvent must be true or false, not `{only_last_event}`."),
                None,
            )
        }
    };
    let data = &state.data.di;
    let shape_header = headers
        .get(SHAPE_HEADER)
        .and_then(|value| value.to_str().ok())
        .map(str::trim);
    let asked_shape = match shape_header {
        None => None,
        Some(shape) if shape.eq_ignore_ascii_case("nested") => Some(DiAnswerShape::Nested),
        Some(shape) if shape.eq_ignore_ascii_case("flat") => Some(DiAnswerShape::Flat),
        Some(other) => {
            return di_error(
                StatusCode::BAD_REQUEST,
                &format!("{SHAPE_HEADER} must be flat or nested, not `{other}`."),
                None,
            )
        }
    };
    // An unknown identifier gives an empty list: the API answers "the shipments relevant for the
    // request", and there are none.
    let mut parcels: Vec<&DiParcel> = Vec::new();
    if let Some(parcel) = find_parcel(data, &identifier) {
        parcels.push(parcel);
        for linked in &parcel.linked_parcel_numbers {
            if let Some(linked) = data.parcel_by_tracking_number(linked) {
                if !parcels
                    .iter()
                    .any(|p| p.tracking_number == linked.tracking_number)
                {
                    parcels.push(linked);
                }
            }
        }
    }
    let shape = asked_shape
        .or_else(|| parcels.first().map(|parcel| parcel.answer_shape))
        .unwrap_or_default();
    let nested = shape == DiAnswerShape::Nested && !events_only;
    let rendered: Vec<(&DiParcel, Vec<Value>)> = parcels
        .into_iter()
        .map(|parcel| {
            let stored = state.events.events_for(&parcel.tracking_number);
            let mut views: Vec<EventView> = parcel
                .events
                .iter()
                .map(|record| EventView::from_record(record, now))
                .chain(stored.iter().map(EventView::from_stored))
                .collect();
            // Oldest first; the sort is stable, so duplicated events stay side by side.
            views.sort_by_key(|view| view.at);
            if only_last_event {
                let last = views.pop();
                views = last.into_iter().collect();
            }
            let events = views
                .iter()
                .map(|view| render_event(data, parcel, view, locale, nested))
                .collect();
            (parcel, events)
        })
        .collect();
    let body: Vec<Value> = if events_only {
        rendered
            .into_iter()
            .flat_map(|(_, events)| events)
            .collect()
    } else if nested {
        render_shipments(rendered, locale)
    } else {
        rendered
            .into_iter()
            .map(|(parcel, events)| render_parcel(parcel, events, locale))
            .collect()
    };
    json_response(StatusCode::OK, &Value::Array(body))
}

/// The request header that asks for an answer shape, for trying the nested one with any parcel.
pub const SHAPE_HEADER: &str = "X-Sandbox-Di-Shape";

/// The nested answer: parcels grouped by shipment number, in the order they came, each shipment
/// with its shop and references and its parcels as `items`.
fn render_shipments(rendered: Vec<(&DiParcel, Vec<Value>)>, locale: Locale) -> Vec<Value> {
    let mut shipments: Vec<(&DiParcel, Vec<Value>)> = Vec::new();
    for (parcel, events) in rendered {
        let mut item = render_parcel(parcel, events, locale);
        // The successor API documents `trackingNumber` as a JSON whole number.
        if let Ok(number) = parcel.tracking_number.parse::<u64>() {
            item["trackingNumber"] = json!(number);
        }
        match shipments
            .iter_mut()
            .find(|(first, _)| first.shipment_number == parcel.shipment_number)
        {
            Some((_, items)) => items.push(item),
            None => shipments.push((parcel, vec![item])),
        }
    }
    shipments
        .into_iter()
        .map(|(parcel, items)| {
            json!({
                "shipmentNumber": format!("(401){}", parcel.shipment_number),
                "shopId": 4711,
                "shopName": parcel.shop_name,
                "consigneeReference": parcel.consignee_reference,
                "consignorReference": null,
                "properties": {},
                "items": items,
            })
        })
        .collect()
}

fn render_parcel(parcel: &DiParcel, events: Vec<Value>, locale: Locale) -> Value {
    json!({
        "trackingNumber": parcel.tracking_number,
        "returnCode": parcel.return_code,
        "freightProductId": parcel.freight_product_id,
        "freightProductName": parcel.freight_product_name,
        "parcelStatus": match locale {
            Locale::Norwegian => &parcel.parcel_status_no,
            Locale::English => &parcel.parcel_status_en,
        },
        "linkedParcelNumbers": parcel.linked_parcel_numbers,
        "events": events,
    })
}

fn render_event(
    data: &DiData,
    parcel: &DiParcel,
    view: &EventView,
    locale: Locale,
    nested: bool,
) -> Value {
    let translate = |code: &str, entry: Option<&super::dataset::DiCode>| -> Value {
        match entry {
            Some(entry) => json!({
                "apiKey": entry.code,
                "description": match locale {
                    Locale::Norwegian => &entry.no,
                    Locale::English => &entry.en,
                },
                "i18nKey": entry.i18n_key,
            }),
            // A code the data set does not describe (registered from outside): Di's clients must
            // cope with new codes, so the sandbox shows it bare rather than refusing it.
            None => json!({ "apiKey": code, "description": code, "i18nKey": null }),
        }
    };
    let event_type = data.event_type(view.event_type);
    let group = event_type
        .and_then(|entry| entry.group)
        .and_then(|id| data.event_group(id));
    let mut event = json!({
        "eventTime": di_time(view.at),
        "lat": view.lat,
        "lon": view.lon,
        "locationContext": view.location_context,
        "locationContextId": view.location_context_id,
        "eventType": translate(view.event_type, event_type),
        "additionalInfo": view
            .additional_info
            .map(|code| translate(code, data.additional_info(code))),
        "eventGroup": group.map(|group| json!({ "id": group.id, "name": group.name })),
        "communicationChannel": view.communication_channel,
        "regSystem": data
            .reg_system(view.reg_system)
            .map(|system| json!({ "id": system.id, "name": system.name })),
        "message": view.message,
        "shipmentNumber": format!("(401){}", parcel.shipment_number),
        "trackingReference": format!("(00){}", parcel.tracking_number),
    });
    if nested {
        // The successor API adds the time in UTC and names the channel as Register Event does.
        event["eventTimeUtc"] = json!(iso8601_utc(view.at).replace("+00:00", "Z"));
        event["comChannelType"] = json!(view.communication_channel);
    }
    event
}
