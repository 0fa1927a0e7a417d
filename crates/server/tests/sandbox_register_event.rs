//! Di Register Event for real: validation, storage, the next fetch, a restart, and the
//! `trackline sandbox event` helper.

mod sandbox_support;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use sandbox_support::*;
use serde_json::{json, Value};
use trackline::sandbox::{DataSet, EventStore, SandboxConfig};

const PARCEL: &str = "370724760010119808";
const FETCH: &str = "/ws/json/parcel/tracking/v-2/fetch/370724760010119808/EN/false";
const REGISTER: &str = "/ws/json/parcel/tracking/v-2/register";

fn delivered_event() -> Value {
    json!({
        "trackingReference": "(00)370724760010119808",
        "eventTime": "2026-01-15T12:51:00+01:00",
        "locationContext": "Lillehammer",
        "eventType": "013",
        "message": "Delivered at the door"
    })
}

async fn register(sandbox: &Sandbox, token: &str, body: &Value) -> reqwest::Response {
    sandbox
        .client
        .post(sandbox.url(REGISTER))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn events_of(sandbox: &Sandbox, token: &str) -> Vec<Value> {
    let body: Value = sandbox.di_fetch(token, FETCH).await.json().await.unwrap();
    body[0]["events"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_valid_event_is_stored_and_appears_in_the_next_fetch() {
    let sandbox = start_builtin().await;
    let token = sandbox.di_token(10).await;
    let before = events_of(&sandbox, &token).await;
    let response = register(&sandbox, &token, &delivered_event()).await;
    assert_eq!(response.status(), 200);
    let after = events_of(&sandbox, &token).await;
    assert_eq!(after.len(), before.len() + 1);
    let registered = after
        .iter()
        .find(|event| event["message"] == "Delivered at the door")
        .expect("the registered event is listed");
    assert_eq!(registered["eventType"]["apiKey"], "013");
    assert_eq!(registered["eventType"]["description"], "Delivered");
    // 12:51 at +01:00 is 12:51 in Oslo in January.
    assert_eq!(registered["eventTime"], "2026-01-15 12:51:00");
    assert_eq!(registered["locationContext"], "Lillehammer");
}

#[tokio::test]
async fn an_invalid_event_gets_400_naming_every_violation_and_stores_nothing() {
    let sandbox = start_builtin().await;
    let token = sandbox.di_token(10).await;
    let before = events_of(&sandbox, &token).await;
    let body = json!({
        "trackingReference": "(00)370724760010119808",
        "eventTime": "2026-01-15 12:51",
        "eventType": "13",
        "message": "x".repeat(300),
    });
    let response = register(&sandbox, &token, &body).await;
    assert_eq!(response.status(), 400);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["error"], "Client or Validation Error");
    let fields: Vec<&str> = answer["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|violation| violation["field"].as_str().unwrap())
        .collect();
    for field in ["eventTime", "eventType", "message"] {
        assert!(fields.contains(&field), "{field} not named in {answer}");
    }
    assert_eq!(
        without_times(events_of(&sandbox, &token).await),
        without_times(before)
    );
}

/// Events without their times: the data set's events are relative to the moment of each fetch,
/// so two fetches a second boundary apart write them a second apart.
fn without_times(mut events: Vec<Value>) -> Vec<Value> {
    for event in &mut events {
        if let Some(event) = event.as_object_mut() {
            event.remove("eventTime");
        }
    }
    events
}

#[tokio::test]
async fn a_body_that_is_not_json_gets_400() {
    let sandbox = start_builtin().await;
    let token = sandbox.di_token(10).await;
    let response = sandbox
        .client
        .post(sandbox.url(REGISTER))
        .bearer_auth(&token)
        .body("trackingReference=1")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
}

#[tokio::test]
async fn registering_needs_a_token() {
    let sandbox = start_builtin().await;
    let response = sandbox
        .client
        .post(sandbox.url(REGISTER))
        .json(&delivered_event())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn an_event_for_a_parcel_outside_the_users_shops_gets_403() {
    let sandbox = start_builtin().await;
    let token = sandbox.di_token(10).await;
    let mut body = delivered_event();
    body["trackingReference"] = json!("(00)370724769999999999");
    let response = register(&sandbox, &token, &body).await;
    assert_eq!(response.status(), 403);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["error"], "Access denied");
}

#[tokio::test]
async fn registered_events_survive_a_restart() {
    let dir = scratch_dir("restart");
    let store = dir.join("events.jsonl");
    {
        let sandbox = start(SandboxConfig {
            data: DataSet::builtin(),
            events: EventStore::open(&store).unwrap(),
        })
        .await;
        let token = sandbox.di_token(10).await;
        assert_eq!(
            register(&sandbox, &token, &delivered_event())
                .await
                .status(),
            200
        );
    }
    let restarted = start(SandboxConfig {
        data: DataSet::builtin(),
        events: EventStore::open(&store).unwrap(),
    })
    .await;
    let token = restarted.di_token(10).await;
    let events = events_of(&restarted, &token).await;
    assert!(events
        .iter()
        .any(|event| event["message"] == "Delivered at the door"));
}

/// A `trackline sandbox` process; killed (by its own handle) when dropped.
struct SandboxProcess {
    child: Child,
    base: String,
}

impl Drop for SandboxProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn_sandbox(store: &Path) -> SandboxProcess {
    let mut child = Command::new(env!("CARGO_BIN_EXE_trackline"))
        .args(["sandbox", "--port", "0", "--store"])
        .arg(store)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("trackline starts");
    let stdout = child.stdout.take().expect("stdout");
    let (sender, receiver) = std::sync::mpsc::channel();
    // Keeps reading until the process ends, so that its later lines never meet a closed pipe.
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        if let Some(Ok(first)) = lines.next() {
            let _ = sender.send(first);
        }
        for _ in lines {}
    });
    let first = receiver
        .recv_timeout(Duration::from_secs(30))
        .expect("the sandbox prints its address");
    let base = first
        .split_whitespace()
        .find(|word| word.starts_with("http://"))
        .expect("an address on the first line")
        .trim_end_matches('/')
        .to_owned();
    SandboxProcess { child, base }
}

#[tokio::test]
async fn the_event_command_registers_an_event_with_a_running_sandbox_that_keeps_it() {
    let dir = scratch_dir("cli");
    let store = dir.join("events.jsonl");
    let process = spawn_sandbox(&store);
    let output = Command::new(env!("CARGO_BIN_EXE_trackline"))
        .args(["sandbox", "event", "--url", &process.base])
        .args(["--tracking-reference", PARCEL, "--event-type", "013"])
        .args([
            "--event-time",
            "2026-01-15T12:51:00+01:00",
            "--message",
            "From the command line",
        ])
        .output()
        .expect("the event command runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let refused = Command::new(env!("CARGO_BIN_EXE_trackline"))
        .args(["sandbox", "event", "--url", &process.base])
        .args(["--tracking-reference", PARCEL, "--event-type", "13"])
        .output()
        .expect("the event command runs");
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("eventType"));
    drop(process);

    let lines = std::fs::read_to_string(&store).unwrap();
    assert_eq!(lines.lines().count(), 1, "only the valid event is stored");

    let restarted = spawn_sandbox(&store);
    let sandbox_client = client();
    let token: Value = sandbox_client
        .post(format!("{}/ws/json/auth/v-3/login/5", restarted.base))
        .json(&json!({ "username": DI_USERNAME, "password": DI_PASSWORD }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let body: Value = sandbox_client
        .get(format!("{}{FETCH}", restarted.base))
        .bearer_auth(token["token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(body[0]["events"]
        .as_array()
        .unwrap()
        .iter()
        .any(|event| event["message"] == "From the command line"));
}
