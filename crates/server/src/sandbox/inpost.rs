//! InPost ShipX (seed 003): tracking, service history, the status catalogue and points. No
//! authentication, as the real service has none.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{OriginalUri, Path, Query, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};

use super::carrier::{inpost_error, json_response};
use super::clock::{inpost_time, Timestamp};
use super::dataset::{InPostParcel, InPostPoint};
use super::SandboxState;

/// The InPost API's own base URL as the client reached it (`http://host[/prefix]/v1`), so that
/// links stay right when the sandbox is mounted under a prefix.
fn api_base(headers: &HeaderMap, original: &OriginalUri, inner_path: &str) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|host| host.to_str().ok())
        .unwrap_or("127.0.0.1");
    let path = original.path();
    let base = path.strip_suffix(inner_path).unwrap_or("/v1");
    format!("http://{host}{base}")
}

fn is_inpost_number(number: &str) -> bool {
    number.len() == 24 && number.bytes().all(|byte| byte.is_ascii_digit())
}

pub(super) async fn tracking(
    State(state): State<Arc<SandboxState>>,
    Path(number): Path<String>,
    original: OriginalUri,
    headers: HeaderMap,
) -> Response {
    let Some(parcel) = find_parcel(&state, &number) else {
        return missing_parcel(&number);
    };
    let base = api_base(&headers, &original, &format!("/tracking/{number}"));
    let now = state.clock.now();
    json_response(StatusCode::OK, &render_tracking(&state, parcel, &base, now))
}

/// The answer for a number that names no parcel, built only when needed.
fn missing_parcel(number: &str) -> Response {
    if !is_inpost_number(number) {
        // Seed 003 spells the code `uknown_tracking_number`; clients match it as sent.
        return inpost_error(
            StatusCode::BAD_REQUEST,
            "uknown_tracking_number",
            &format!("Cannot identify type of shipment by given tracking number ({number})"),
        );
    }
    inpost_error(
        StatusCode::NOT_FOUND,
        "resource_not_found",
        &format!("Tracking information about {number} InPost Locker shipment has not been found."),
    )
}

fn find_parcel<'a>(state: &'a SandboxState, number: &str) -> Option<&'a InPostParcel> {
    if is_inpost_number(number) {
        state.data.inpost.parcel(number)
    } else {
        None
    }
}

fn render_tracking(
    state: &SandboxState,
    parcel: &InPostParcel,
    base: &str,
    now: Timestamp,
) -> Value {
    let mut details: Vec<Value> = parcel
        .history
        .iter()
        .map(|step| {
            json!({
                "status": step.status,
                "origin_status": step.origin_status,
                "agency": step.agency,
                "datetime": inpost_time(step.at.at(now)),
            })
        })
        .collect();
    details.reverse();
    let latest = parcel
        .history
        .iter()
        .max_by_key(|step| step.at)
        .expect("the data set check refuses parcels without history");
    let mut attributes = serde_json::Map::new();
    if let Some(size) = &parcel.size {
        attributes.insert("size".into(), json!(size));
    }
    let machines = [
        ("target", &parcel.target_point),
        ("dropoff", &parcel.dropoff_point),
    ];
    for (role, point) in machines {
        if let Some(point) = point
            .as_deref()
            .and_then(|name| state.data.inpost.point(name))
        {
            attributes.insert(format!("{role}_machine_id"), json!(point.name));
            attributes.insert(
                format!("{role}_machine_detail"),
                machine_detail(point, base),
            );
        }
    }
    json!({
        "tracking_number": parcel.tracking_number,
        "type": parcel.shipment_type,
        "service": parcel.service,
        "status": latest.status,
        "custom_attributes": attributes,
        "tracking_details": details,
        "expected_flow": parcel.expected_flow,
        "created_at": inpost_time(parcel.created.at(now)),
        "updated_at": inpost_time(latest.at.at(now)),
    })
}

/// The point as embedded in a tracking answer (seed 003's `target_machine_detail`).
fn machine_detail(point: &InPostPoint, base: &str) -> Value {
    json!({
        "href": format!("{base}/points/{}", point.name),
        "name": point.name,
        "opening_hours": point.opening_hours,
        "location_description": point.location_description,
        "location": { "latitude": point.latitude, "longitude": point.longitude },
        "address": address(point),
        "type": point.types,
        "location_247": point.location_247,
    })
}

fn address(point: &InPostPoint) -> Value {
    json!({
        "line1": format!("{} {}", point.street, point.building_number),
        "line2": format!("{} {}", point.post_code, point.city),
    })
}

pub(super) async fn service_history(
    State(state): State<Arc<SandboxState>>,
    Path(number): Path<String>,
    original: OriginalUri,
    headers: HeaderMap,
) -> Response {
    let Some(parcel) = find_parcel(&state, &number) else {
        return missing_parcel(&number);
    };
    let base = api_base(
        &headers,
        &original,
        &format!("/tracking/{number}/service_history"),
    );
    let now = state.clock.now();
    let changed = parcel.last_service_change.unwrap_or(parcel.created);
    json_response(
        StatusCode::OK,
        &json!({
            "href": format!("{base}/shipments/{}", parcel.shipment_id),
            "id": parcel.shipment_id,
            "service_history": {
                "last_service": parcel.service,
                "updated_at": inpost_time(changed.at(now)),
            },
        }),
    )
}

pub(super) async fn statuses(
    State(state): State<Arc<SandboxState>>,
    Query(query): Query<HashMap<String, String>>,
    original: OriginalUri,
    headers: HeaderMap,
) -> Response {
    let english = match query.get("lang").map(String::as_str) {
        None | Some("pl_PL") => false,
        Some("en_GB") => true,
        Some(other) => {
            return inpost_error(
                StatusCode::BAD_REQUEST,
                "invalid_parameter",
                &format!("lang must be pl_PL or en_GB, not {other}"),
            )
        }
    };
    let base = api_base(&headers, &original, "/statuses");
    let items: Vec<Value> = state
        .data
        .inpost
        .statuses
        .iter()
        .map(|status| {
            let (title, description) = if english {
                (&status.title_en, &status.description_en)
            } else {
                (&status.title_pl, &status.description_pl)
            };
            json!({ "name": status.name, "title": title, "description": description })
        })
        .collect();
    json_response(
        StatusCode::OK,
        &json!({ "href": format!("{base}/statuses"), "items": items }),
    )
}

pub(super) async fn point(
    State(state): State<Arc<SandboxState>>,
    Path(name): Path<String>,
    original: OriginalUri,
    headers: HeaderMap,
) -> Response {
    let Some(point) = state.data.inpost.point(&name) else {
        return inpost_error(
            StatusCode::NOT_FOUND,
            "resource_not_found",
            &format!("Point {name} has not been found."),
        );
    };
    let base = api_base(&headers, &original, &format!("/points/{name}"));
    json_response(
        StatusCode::OK,
        &json!({
            "href": format!("{base}/points/{}", point.name),
            "name": point.name,
            "type": point.types,
            "status": point.status,
            "location": { "latitude": point.latitude, "longitude": point.longitude },
            "location_type": "Outdoor",
            "location_description": point.location_description,
            "opening_hours": point.opening_hours,
            "address": address(point),
            "address_details": {
                "city": point.city,
                "province": point.province,
                "post_code": point.post_code,
                "street": point.street,
                "building_number": point.building_number,
                "flat_number": null,
            },
            "functions": point.functions,
            "location_247": point.location_247,
        }),
    )
}

pub(super) async fn not_found(request: Request) -> Response {
    inpost_error(
        StatusCode::NOT_FOUND,
        "resource_not_found",
        &format!("{} is not an InPost API resource.", request.uri().path()),
    )
}
