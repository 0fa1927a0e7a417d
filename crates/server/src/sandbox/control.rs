//! `/_sandbox/…`: switches for tests and for merchants trying their error pages. Faults per
//! number for the next N requests, request counts per carrier, the clock, and the demo cases.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use super::demo_cases::demo_cases;
use super::faults::FaultPlan;
use super::SandboxState;

/// Routes under `/_sandbox`.
pub fn router() -> Router<Arc<SandboxState>> {
    Router::new()
        .route("/stats", get(stats).delete(reset_stats))
        .route(
            "/faults",
            get(list_faults).post(arm_fault).delete(clear_faults),
        )
        .route("/faults/{number}", delete(disarm_fault))
        .route("/clock", get(clock).post(advance_clock))
        .route("/limits", delete(reset_limits))
        .route("/cases", get(cases))
}

fn problem(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

async fn stats(State(state): State<Arc<SandboxState>>) -> Response {
    Json(state.stats.to_json()).into_response()
}

async fn reset_stats(State(state): State<Arc<SandboxState>>) -> Response {
    state.stats.reset();
    Json(state.stats.to_json()).into_response()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultRequest {
    number: String,
    fault: String,
    /// How many requests fail; absent = until cleared.
    times: Option<u32>,
}

async fn arm_fault(State(state): State<Arc<SandboxState>>, body: Bytes) -> Response {
    let request: FaultRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(error) => {
            return problem(
                StatusCode::BAD_REQUEST,
                &format!(
                    "the body must be {{\"number\": \"...\", \"fault\": \"503\", \"times\": 2}} \
                     (times optional): {error}"
                ),
            )
        }
    };
    let plan: FaultPlan = match request.fault.parse() {
        Ok(plan) => plan,
        Err(error) => return problem(StatusCode::BAD_REQUEST, &error.to_string()),
    };
    let number = request.number.trim();
    if number.is_empty() {
        return problem(StatusCode::BAD_REQUEST, "number must not be empty");
    }
    state.faults.arm(number, plan, request.times);
    tracing::info!(number, fault = %plan, times = ?request.times, "sandbox fault armed");
    Json(json!({ "number": number, "fault": plan, "times": request.times })).into_response()
}

async fn list_faults(State(state): State<Arc<SandboxState>>) -> Response {
    Json(json!(state.faults.snapshot())).into_response()
}

async fn clear_faults(State(state): State<Arc<SandboxState>>) -> Response {
    state.faults.clear();
    StatusCode::NO_CONTENT.into_response()
}

async fn disarm_fault(
    State(state): State<Arc<SandboxState>>,
    Path(number): Path<String>,
) -> Response {
    if state.faults.disarm(&number) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        problem(
            StatusCode::NOT_FOUND,
            &format!("no fault is armed for {number}"),
        )
    }
}

async fn clock(State(state): State<Arc<SandboxState>>) -> Response {
    Json(json!({
        "now": state.clock.now().0,
        "shiftSeconds": state.clock.shift_seconds(),
    }))
    .into_response()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ClockRequest {
    advance_seconds: i64,
}

/// Moves the sandbox clock, e.g. past a token's expiry or out of a rate-limit window.
async fn advance_clock(State(state): State<Arc<SandboxState>>, body: Bytes) -> Response {
    let request: ClockRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(error) => {
            return problem(
                StatusCode::BAD_REQUEST,
                &format!("the body must be {{\"advanceSeconds\": 3600}}: {error}"),
            )
        }
    };
    let shift = state.clock.advance(request.advance_seconds);
    Json(json!({ "now": state.clock.now().0, "shiftSeconds": shift })).into_response()
}

/// Forgets TrackOnline's call counts, so that a test starts with full minute and day budgets.
async fn reset_limits(State(state): State<Arc<SandboxState>>) -> Response {
    state.limits.reset();
    StatusCode::NO_CONTENT.into_response()
}

async fn cases(State(state): State<Arc<SandboxState>>) -> Response {
    Json(json!(demo_cases(&state.data))).into_response()
}
