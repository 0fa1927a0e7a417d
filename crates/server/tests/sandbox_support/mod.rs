//! A sandbox on 127.0.0.1, port 0, per test, and a client with bounded timeouts.

#![allow(dead_code)] // Each test file uses a different part.

use std::time::Duration;

use reqwest::{Client, Response};
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use trackline::sandbox::{app, SandboxConfig};

pub const DI_USERNAME: &str = "wssandbox";
pub const DI_PASSWORD: &str = "sandbox-only-password";
pub const TRACKONLINE_KEY: &str = "sandbox.trackonline.demo-key";
/// Limited to 3 calls a minute and 10 a day in the built-in data set.
pub const TRACKONLINE_SMALL_KEY: &str = "sandbox.trackonline.small-key";

pub struct Sandbox {
    /// `http://127.0.0.1:<port>` plus the prefix the router is mounted under.
    pub base: String,
    pub client: Client,
    server: JoinHandle<()>,
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.server.abort();
    }
}

pub fn client() -> Client {
    Client::builder()
        .timeout(Duration::from_secs(20))
        // A fault may close a connection; a fresh one per request keeps tests independent.
        .pool_max_idle_per_host(0)
        .build()
        .expect("client builds")
}

pub async fn start(config: SandboxConfig) -> Sandbox {
    start_under("", config).await
}

/// Mounts the sandbox under `prefix` (e.g. `/sandbox`, as the demo does).
pub async fn start_under(prefix: &str, config: SandboxConfig) -> Sandbox {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let router = if prefix.is_empty() {
        app(config)
    } else {
        axum::Router::new().nest(prefix, app(config))
    };
    let server = tokio::spawn(async move {
        axum::serve(listener, router).await.expect("serve");
    });
    Sandbox {
        base: format!("http://{addr}{prefix}"),
        client: client(),
        server,
    }
}

pub async fn start_builtin() -> Sandbox {
    start(SandboxConfig::builtin_in_memory()).await
}

impl Sandbox {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    pub async fn di_token(&self, minutes: u32) -> String {
        let response = self
            .client
            .post(self.url(&format!("/ws/json/auth/v-3/login/{minutes}")))
            .json(&serde_json::json!({ "username": DI_USERNAME, "password": DI_PASSWORD }))
            .send()
            .await
            .expect("login");
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.expect("login JSON");
        body["token"].as_str().expect("token").to_owned()
    }

    pub async fn di_fetch(&self, token: &str, path: &str) -> Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("Di fetch")
    }

    pub async fn trackonline(&self, key: &str, path: &str) -> Response {
        self.client
            .get(self.url(path))
            .header("X-ApiKey", key)
            .send()
            .await
            .expect("TrackOnline GET")
    }

    pub async fn advance_clock(&self, seconds: i64) {
        let response = self
            .client
            .post(self.url("/_sandbox/clock"))
            .json(&serde_json::json!({ "advanceSeconds": seconds }))
            .send()
            .await
            .expect("clock");
        assert_eq!(response.status(), 200);
    }

    pub async fn arm_fault(&self, number: &str, fault: &str, times: Option<u32>) {
        let response = self
            .client
            .post(self.url("/_sandbox/faults"))
            .json(&serde_json::json!({ "number": number, "fault": fault, "times": times }))
            .send()
            .await
            .expect("arm fault");
        assert_eq!(
            response.status(),
            200,
            "{}",
            response.text().await.unwrap_or_default()
        );
    }

    pub async fn stats(&self) -> Value {
        self.get("/_sandbox/stats")
            .await
            .json()
            .await
            .expect("stats JSON")
    }
}

/// A fresh folder under the system's temp dir, for a store file.
pub fn scratch_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "trackline-sandbox-test-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}
