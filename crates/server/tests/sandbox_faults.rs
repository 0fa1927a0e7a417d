//! Every fault switch, per request and per number, and the request counts at /_sandbox/stats.

mod sandbox_support;

use std::time::{Duration, Instant};

use sandbox_support::*;
use serde_json::Value;
use trackline::sandbox::{DataSet, EventStore, SandboxConfig};

const PARCEL: &str = "/v1/tracking/520000011395200025009888";

async fn with_fault_header(
    sandbox: &Sandbox,
    path: &str,
    fault: &str,
) -> reqwest::Result<reqwest::Response> {
    sandbox
        .client
        .get(sandbox.url(path))
        .header("X-Sandbox-Fault", fault)
        .send()
        .await
}

#[tokio::test]
async fn fault_500_answers_in_the_carriers_error_format() {
    let sandbox = start_builtin().await;
    let inpost = with_fault_header(&sandbox, PARCEL, "500").await.unwrap();
    assert_eq!(inpost.status(), 500);
    let body: Value = inpost.json().await.unwrap();
    assert_eq!(body["error"], "internal_server_error");

    let trackonline = sandbox
        .client
        .get(sandbox.url("/api/v1/location"))
        .header("X-ApiKey", TRACKONLINE_KEY)
        .header("X-Sandbox-Fault", "500")
        .send()
        .await
        .unwrap();
    assert_eq!(trackonline.status(), 500);
    let body: Value = trackonline.json().await.unwrap();
    assert_eq!(body["title"], "Internal Server Error");
}

#[tokio::test]
async fn fault_503_carries_retry_after() {
    let sandbox = start_builtin().await;
    let response = with_fault_header(&sandbox, PARCEL, "503:17").await.unwrap();
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["retry-after"], "17");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], 503);
}

#[tokio::test]
async fn fault_429_is_a_call_limit_in_the_carriers_format_with_the_chosen_wait() {
    let sandbox = start_builtin().await;
    let response = sandbox
        .client
        .get(sandbox.url("/api/v1/transaction?ReferenceNumber=KD-REF-10005"))
        .header("X-ApiKey", TRACKONLINE_KEY)
        .header("X-Sandbox-Fault", "429:2")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    assert_eq!(response.headers()["retry-after"], "2");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], 429);

    let inpost = with_fault_header(&sandbox, PARCEL, "429").await.unwrap();
    assert_eq!(inpost.status(), 429);
    assert_eq!(inpost.headers()["retry-after"], "5");
}

#[tokio::test]
async fn the_fault_can_be_asked_for_in_the_query_string() {
    let sandbox = start_builtin().await;
    let response = sandbox.get(&format!("{PARCEL}?sandbox_fault=503")).await;
    assert_eq!(response.status(), 503);
    assert!(response.headers().contains_key("retry-after"));
}

#[tokio::test]
async fn latency_delays_a_normal_answer() {
    let sandbox = start_builtin().await;
    let started = Instant::now();
    let response = with_fault_header(&sandbox, PARCEL, "latency:300")
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "out_for_delivery_to_address");
}

#[tokio::test]
async fn malformed_json_keeps_status_and_content_type_but_does_not_parse() {
    let sandbox = start_builtin().await;
    let response = with_fault_header(&sandbox, PARCEL, "malformed-json")
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    let body = response.bytes().await.unwrap();
    assert!(body.starts_with(b"{"));
    assert!(serde_json::from_slice::<Value>(&body).is_err());
}

#[tokio::test]
async fn a_truncated_body_announces_more_than_it_sends() {
    let sandbox = start_builtin().await;
    let response = with_fault_header(&sandbox, PARCEL, "truncated")
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let announced = response.content_length().unwrap();
    assert!(announced > 100);
    let read = response.bytes().await;
    assert!(
        read.is_err(),
        "the body should end early, got {:?}",
        read.map(|b| b.len())
    );
}

#[tokio::test]
async fn a_dropped_connection_gives_no_answer_at_all() {
    let sandbox = start_builtin().await;
    let error = with_fault_header(&sandbox, PARCEL, "drop")
        .await
        .unwrap_err();
    assert!(!error.is_timeout(), "{error}");
    assert!(error.status().is_none(), "{error}");
}

#[tokio::test]
async fn a_trickle_arrives_in_pieces_and_whole() {
    let sandbox = start_builtin().await;
    let started = Instant::now();
    let mut response = with_fault_header(&sandbox, PARCEL, "trickle:500")
        .await
        .unwrap();
    let mut pieces = 0;
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.unwrap() {
        pieces += 1;
        body.extend_from_slice(&chunk);
        assert!(pieces < 1_000);
    }
    assert!(pieces >= 3, "only {pieces} pieces");
    assert!(started.elapsed() >= Duration::from_millis(400));
    let parsed: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(parsed["tracking_number"], "520000011395200025009888");
}

#[tokio::test]
async fn a_plan_the_sandbox_does_not_know_is_refused_with_400() {
    let sandbox = start_builtin().await;
    let response = with_fault_header(&sandbox, PARCEL, "404").await.unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert!(body["description"].as_str().unwrap().contains("fault plan"));
}

#[tokio::test]
async fn a_number_armed_for_two_failures_recovers_on_the_third_request() {
    let sandbox = start_builtin().await;
    sandbox
        .arm_fault("520000011395200025009888", "503:2", Some(2))
        .await;
    assert_eq!(sandbox.get(PARCEL).await.status(), 503);
    // The switch follows the number on every endpoint that names it.
    assert_eq!(
        sandbox
            .get(&format!("{PARCEL}/service_history"))
            .await
            .status(),
        503
    );
    assert_eq!(sandbox.get(PARCEL).await.status(), 200);
    let armed: Value = sandbox.get("/_sandbox/faults").await.json().await.unwrap();
    assert_eq!(
        armed.as_object().unwrap().len(),
        5,
        "only the data file's faults remain: {armed}"
    );
}

#[tokio::test]
async fn a_number_fault_matches_query_values_too() {
    let sandbox = start_builtin().await;
    sandbox.arm_fault("LS-2024-08154711", "500", Some(1)).await;
    let path = "/api/v1/transaction?DocumentNumber=LS-2024-08154711";
    assert_eq!(
        sandbox.trackonline(TRACKONLINE_KEY, path).await.status(),
        500
    );
    assert_eq!(
        sandbox.trackonline(TRACKONLINE_KEY, path).await.status(),
        200
    );
}

#[tokio::test]
async fn faults_from_the_data_file_apply_from_the_start() {
    let sandbox = start_builtin().await;
    let response = sandbox.get("/v1/tracking/520000011395200000000503").await;
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["retry-after"], "30");
    let token = sandbox.di_token(5).await;
    let dropped = sandbox
        .client
        .get(sandbox.url("/ws/json/parcel/tracking/v-2/fetch/370724760010199992/EN/false"))
        .bearer_auth(token)
        .send()
        .await;
    assert!(dropped.is_err());
}

#[tokio::test]
async fn a_data_file_fault_with_times_recovers() {
    let text = trackline::sandbox::DEFAULT_DATA.replacen(
        "fault = \"500\"\ndescription",
        "fault = \"500\"\ntimes = 1\ndescription",
        1,
    );
    assert_ne!(text, trackline::sandbox::DEFAULT_DATA);
    let data = DataSet::parse(&text, "test").unwrap();
    let sandbox = start(SandboxConfig {
        data,
        events: EventStore::in_memory(),
    })
    .await;
    let path = "/v1/tracking/520000011395200000000500";
    assert_eq!(sandbox.get(path).await.status(), 500);
    // The number is not a parcel: after the fault, InPost's own 404.
    assert_eq!(sandbox.get(path).await.status(), 404);
}

#[tokio::test]
async fn a_fault_can_be_cleared() {
    let sandbox = start_builtin().await;
    sandbox
        .arm_fault("520000011395200025009888", "500", None)
        .await;
    assert_eq!(sandbox.get(PARCEL).await.status(), 500);
    let cleared = sandbox
        .client
        .delete(sandbox.url("/_sandbox/faults/520000011395200025009888"))
        .send()
        .await
        .unwrap();
    assert_eq!(cleared.status(), 204);
    assert_eq!(sandbox.get(PARCEL).await.status(), 200);
}

#[tokio::test]
async fn arming_an_unknown_fault_is_refused() {
    let sandbox = start_builtin().await;
    let response = sandbox
        .client
        .post(sandbox.url("/_sandbox/faults"))
        .json(&serde_json::json!({ "number": "1", "fault": "explode" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
}

#[tokio::test]
async fn stats_count_requests_per_carrier_including_failed_ones() {
    let sandbox = start_builtin().await;
    sandbox.get(PARCEL).await;
    with_fault_header(&sandbox, PARCEL, "500").await.unwrap();
    sandbox
        .get("/ws/json/parcel/tracking/v-2/fetch/1/EN/false")
        .await;
    sandbox
        .trackonline(TRACKONLINE_KEY, "/api/v1/location")
        .await;
    sandbox.get("/api/v1/location").await;
    let stats = sandbox.stats().await;
    assert_eq!(stats["requests"]["inpost"], 2);
    assert_eq!(stats["requests"]["di"], 1);
    assert_eq!(stats["requests"]["trackonline"], 2);
    assert_eq!(stats["total"], 5);
    let reset = sandbox
        .client
        .delete(sandbox.url("/_sandbox/stats"))
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status(), 200);
    assert_eq!(sandbox.stats().await["total"], 0);
}
