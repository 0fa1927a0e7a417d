//! A merchant's own data file: an edited copy is served, a broken one stops the start with a
//! message that names the file.

mod sandbox_support;

use std::process::Command;

use sandbox_support::*;
use serde_json::Value;
use trackline::sandbox::{DataSet, EventStore, SandboxConfig, DEFAULT_DATA};

#[tokio::test]
async fn an_edited_copy_of_the_data_set_is_served() {
    let dir = scratch_dir("edited");
    let path = dir.join("my-data.toml");
    let edited = DEFAULT_DATA.replacen(
        "tracking_number = \"520000011395200025009888\"",
        "tracking_number = \"520000011395200099999999\"",
        1,
    );
    assert_ne!(edited, DEFAULT_DATA);
    std::fs::write(&path, edited).unwrap();
    let sandbox = start(SandboxConfig {
        data: DataSet::load(&path).unwrap(),
        events: EventStore::in_memory(),
    })
    .await;
    let body: Value = sandbox
        .get("/v1/tracking/520000011395200099999999")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["status"], "out_for_delivery_to_address");
    assert_eq!(
        sandbox
            .get("/v1/tracking/520000011395200025009888")
            .await
            .status(),
        404
    );
}

#[test]
fn a_broken_data_file_stops_the_sandbox_with_the_files_name() {
    let dir = scratch_dir("broken");
    let path = dir.join("broken.toml");
    let broken = DEFAULT_DATA.replacen("at = \"-2d5h\"", "at = \"yesterday\"", 1);
    assert_ne!(broken, DEFAULT_DATA);
    std::fs::write(&path, broken).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_trackline"))
        .args(["sandbox", "--port", "0", "--store", "none", "--data"])
        .arg(&path)
        .output()
        .expect("trackline runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("broken.toml"), "{stderr}");
    assert!(stderr.contains("yesterday"), "{stderr}");
}

#[test]
fn the_cases_command_prints_one_table_line_per_demo_case() {
    let output = Command::new(env!("CARGO_BIN_EXE_trackline"))
        .args(["sandbox", "cases", "--base-url", "http://127.0.0.1:9999/"])
        .output()
        .expect("trackline runs");
    assert!(output.status.success());
    let table = String::from_utf8(output.stdout).unwrap();
    let cases = trackline::sandbox::demo_cases(&DataSet::builtin());
    assert_eq!(table.lines().count(), cases.len() + 2);
    assert!(table.contains("(http://127.0.0.1:9999/?sscc=370724760010119754&exp=4102444800&sig="));
}

#[tokio::test]
async fn the_demo_cases_are_served_as_json_for_the_demo_page() {
    let sandbox = start_builtin().await;
    let cases: Value = sandbox.get("/_sandbox/cases").await.json().await.unwrap();
    let expected = trackline::sandbox::demo_cases(&DataSet::builtin());
    let cases = cases.as_array().unwrap();
    assert_eq!(cases.len(), expected.len());
    assert_eq!(cases[0]["carrier"], "inpost");
    assert_eq!(cases[0]["parameter"], "tracking");
    assert_eq!(cases[0]["value"], "520000011395200025009871");
    assert_eq!(cases[0]["expected_status"], "ready_for_pickup");
}

#[tokio::test]
async fn the_clock_reports_how_far_it_was_moved() {
    let sandbox = start_builtin().await;
    sandbox.advance_clock(3_600).await;
    let clock: Value = sandbox.get("/_sandbox/clock").await.json().await.unwrap();
    assert_eq!(clock["shiftSeconds"], 3_600);
    let refused = sandbox
        .client
        .post(sandbox.url("/_sandbox/clock"))
        .json(&serde_json::json!({ "seconds": 5 }))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
}
