//! Di Parcel Register Event (seed 002): `POST /ws/json/parcel/tracking/v-2/register`. A body that
//! passes core's validation is stored (fsynced) and shows up in the parcel's next fetch; one that
//! does not gets 400 naming every violation, and nothing is stored.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::json;
use trackline_core::carrier::di::validate_register_event;

use super::carrier::di_error;
use super::clock::parse_iso8601;
use super::di_tracking::find_parcel;
use super::event_store::StoredEvent;
use super::SandboxState;

pub async fn register(
    State(state): State<Arc<SandboxState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let now = state.clock.now();
    if let Err(error) = state.tokens.check(&headers, now) {
        return di_error(StatusCode::UNAUTHORIZED, &error.to_string(), None);
    }
    let event = match validate_register_event(&body) {
        Ok(event) => event,
        Err(error) => {
            return di_error(
                StatusCode::BAD_REQUEST,
                &error.to_string(),
                Some(json!(error.violations)),
            )
        }
    };
    let Some(parcel) = find_parcel(&state.data.di, &event.tracking_reference) else {
        // Seed 002: the user must have access to the shop the parcel is connected to. The
        // sandbox's user has access to the data set's parcels and to nothing else.
        return di_error(
            StatusCode::FORBIDDEN,
            &format!(
                "No access to the parcel {}: it is not connected to a shop of this user.",
                event.tracking_reference
            ),
            None,
        );
    };
    let Some(event_time) = parse_iso8601(&event.event_time) else {
        // Validation has already read the time; this only guards against the two disagreeing.
        return di_error(
            StatusCode::BAD_REQUEST,
            &format!("eventTime `{}` could not be read.", event.event_time),
            None,
        );
    };
    let stored = StoredEvent {
        parcel: parcel.tracking_number.clone(),
        tracking_reference: event.tracking_reference,
        event_time: event_time.0,
        event_type: event.event_type,
        additional_info: event.additional_info,
        lat: event.lat,
        lon: event.lon,
        location_context: event.location_context,
        location_context_id: event.location_context_id,
        com_channel_type: event.com_channel_type,
        message: event.message,
        registered_at: now.0,
    };
    let parcel_number = parcel.tracking_number.clone();
    // The fsync waits for the disk: off the async workers.
    let store = Arc::clone(&state);
    let stored = tokio::task::spawn_blocking(move || store.events.append(stored))
        .await
        .map_err(|join| join.to_string())
        .and_then(|appended| appended.map_err(|error| error.to_string()));
    if let Err(error) = stored {
        tracing::error!(%error, "sandbox could not store a registered event");
        return di_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The event could not be stored; nothing was registered.",
            None,
        );
    }
    tracing::info!(parcel = %parcel_number, "sandbox Di event registered");
    let mut response = Response::new(Body::empty());
    *response.status_mut() = StatusCode::OK;
    response
}
