//! The proxy as a gateway, against the sandbox carriers on loopback ports: single-flight loads
//! that survive a client going away, the metrics, fairness between clients and the hardening of
//! carrier calls, and the health and readiness endpoints.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;
use trackline::proxy::{self, ProxyConfig};
use trackline::sandbox::{self, SandboxConfig};

mod loopback;
use loopback::{serve, Answer, OpensOnDrop, UnreadableStore};

const DI_USERNAME: &str = "wssandbox";
const DI_PASSWORD: &str = "sandbox-only-password";
const TRACKONLINE_KEY: &str = "sandbox.trackonline.demo-key";
const INPOST_NUMBER: &str = "520000011395200025009871";

/// Polls `condition` until it holds; the test's own timeout ends a wait that never does.
async fn until<F, Fut>(mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    while !condition().await {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

struct Sandbox {
    base: String,
}

impl Sandbox {
    async fn start() -> Sandbox {
        let addr = serve(sandbox::app(SandboxConfig::builtin_in_memory())).await;
        Sandbox {
            base: format!("http://{addr}"),
        }
    }

    async fn requests(&self, carrier: &str) -> u64 {
        let stats: Value = reqwest::get(format!("{}/_sandbox/stats", self.base))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        stats["requests"][carrier].as_u64().unwrap()
    }

    async fn arm_fault(&self, number: &str, fault: &str) {
        let response = reqwest::Client::new()
            .post(format!("{}/_sandbox/faults", self.base))
            .json(&serde_json::json!({ "number": number, "fault": fault }))
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success());
    }
}

fn config_text(base: &str) -> String {
    format!(
        r#"
[server]
timeout_ms = 3000
connect_timeout_ms = 500

[rate_limits]
per_client_ip_per_minute = 6000
per_client_ip_burst = 1000

[[sites]]
name = "shop"
origins = ["https://shop.example"]

[carriers.inpost]
base_url = "{base}"
cache_ttl_secs = 60
requests_per_minute = 6000

[carriers.di]
base_url = "{base}"
username = "{DI_USERNAME}"
password = "{DI_PASSWORD}"
token_minutes = 5
requests_per_minute = 6000
access = "public"

[carriers.trackonline]
base_url = "{base}"
api_key = "{TRACKONLINE_KEY}"
requests_per_minute = 6000
access = "public"
"#
    )
}

fn parse_config(text: &str) -> ProxyConfig {
    ProxyConfig::parse(text, &|_| None).unwrap_or_else(|error| panic!("{error}\n{text}"))
}

struct Proxy {
    addr: SocketAddr,
    client: reqwest::Client,
}

impl Proxy {
    async fn start(config: ProxyConfig) -> Proxy {
        let addr = serve(proxy::try_app(config).await.unwrap()).await;
        Proxy {
            addr,
            client: reqwest::Client::new(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Answer {
        let mut request = self.client.get(self.url(path));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.unwrap();
        Answer::read(response).await
    }

    async fn get(&self, path: &str) -> Answer {
        self.get_with(path, &[]).await
    }

    async fn metrics(&self) -> String {
        self.get("/metrics").await.body
    }
}

// ------------------------------------------------------------------------------------------
// Cache and single-flight loading.

#[tokio::test]
async fn a_client_that_disconnects_mid_flight_leaves_nothing_behind_and_a_later_request_is_answered(
) {
    let sandbox = Sandbox::start().await;
    let number = "520000011395200025009888";
    sandbox.arm_fault(number, "latency:1500").await;
    let proxy = Arc::new(Proxy::start(parse_config(&config_text(&sandbox.base))).await);
    let path = format!("/carriers/inpost/v1/tracking/{number}");
    let first = {
        let (proxy, path) = (proxy.clone(), path.clone());
        tokio::spawn(async move { proxy.get(&path).await })
    };
    // The first client's call has reached the carrier; then the client goes away.
    until(|| async { sandbox.requests("inpost").await == 1 }).await;
    assert!(proxy
        .metrics()
        .await
        .contains("trackline_proxy_upstream_loading{carrier=\"inpost\"} 1\n"));
    first.abort();
    assert!(first.await.is_err_and(|error| error.is_cancelled()));
    // The proxy drops the abandoned call: nothing stays in flight.
    until(|| async {
        proxy
            .metrics()
            .await
            .contains("trackline_proxy_upstream_loading{carrier=\"inpost\"} 0\n")
    })
    .await;
    let later = proxy.get(&path).await;
    assert_eq!(later.status, StatusCode::OK, "{}", later.body);
    assert_eq!(later.header("x-trackline-cache"), Some("miss"));
    assert_eq!(later.json()["tracking_number"], number);
    assert!(proxy
        .metrics()
        .await
        .contains("trackline_proxy_upstream_loading{carrier=\"inpost\"} 0\n"));
    assert_eq!(
        proxy.get(&path).await.header("x-trackline-cache"),
        Some("hit")
    );
}

#[tokio::test]
async fn metrics_are_served_in_the_openmetrics_format_with_the_documented_names() {
    let sandbox = Sandbox::start().await;
    let proxy = Proxy::start(parse_config(&config_text(&sandbox.base))).await;
    let path = format!("/carriers/inpost/v1/tracking/{INPOST_NUMBER}");
    assert_eq!(proxy.get(&path).await.status, StatusCode::OK);
    assert_eq!(proxy.get(&path).await.status, StatusCode::OK);
    let metrics = proxy.get("/metrics").await;
    assert_eq!(
        metrics.header("content-type"),
        Some("application/openmetrics-text; version=1.0.0; charset=utf-8")
    );
    for line in [
        "# TYPE trackline_proxy_requests counter\n",
        "trackline_proxy_requests_total{carrier=\"inpost\",status=\"200\"} 2\n",
        "trackline_proxy_cache_hits_total{carrier=\"inpost\"} 1\n",
        "trackline_proxy_upstream_requests_total{carrier=\"inpost\"} 1\n",
        "# TYPE trackline_proxy_upstream_latency_seconds histogram\n",
        "trackline_proxy_upstream_latency_seconds_count{carrier=\"inpost\"} 1\n",
        "# EOF\n",
    ] {
        assert!(metrics.body.contains(line), "{line} in\n{}", metrics.body);
    }
}

// ------------------------------------------------------------------------------------------
// Fairness and hardening.

/// A proxy that trusts the loopback's `X-Forwarded-For`, with TrackOnline at 10 calls a minute
/// (a burst of 5) of which one client may spend half (a burst of 3), and the path of a
/// TrackOnline transaction lookup for a reference.
async fn proxy_with_a_trackonline_client_share(sandbox: &Sandbox) -> Proxy {
    let text = config_text(&sandbox.base)
        .replace("[server]", "[server]\ntrusted_proxies = [\"127.0.0.1\"]")
        .replace(
            "api_key = \"sandbox.trackonline.demo-key\"\nrequests_per_minute = 6000",
            "api_key = \"sandbox.trackonline.demo-key\"\nrequests_per_minute = 10\nclient_share = 0.5",
        );
    Proxy::start(parse_config(&text)).await
}

fn transaction_path(reference: &str) -> String {
    format!("/carriers/trackonline/api/v1/transaction?ReferenceNumber={reference}")
}

#[tokio::test]
async fn one_client_cannot_spend_more_than_its_share_of_a_carrier_budget() {
    let sandbox = Sandbox::start().await;
    let proxy = proxy_with_a_trackonline_client_share(&sandbox).await;
    let greedy = ("X-Forwarded-For", "198.51.100.1");
    let path = transaction_path;
    for reference in ["R-1", "R-2", "R-3"] {
        let answer = proxy.get_with(&path(reference), &[greedy]).await;
        assert_ne!(
            answer.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{}",
            answer.body
        );
    }
    let over = proxy.get_with(&path("R-4"), &[greedy]).await;
    assert_eq!(over.status, StatusCode::TOO_MANY_REQUESTS, "{}", over.body);
    assert!(over.header("retry-after").is_some());
    assert_eq!(sandbox.requests("trackonline").await, 3);
    // Everybody else still has the rest of the budget.
    let other = proxy
        .get_with(&path("R-5"), &[("X-Forwarded-For", "203.0.113.9")])
        .await;
    assert_ne!(
        other.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        other.body
    );
    assert_eq!(sandbox.requests("trackonline").await, 4);
    assert!(proxy
        .metrics()
        .await
        .contains("trackline_proxy_rate_limited_total{scope=\"client_share\"} 1\n"));
}

#[tokio::test]
async fn requests_that_join_a_call_in_flight_spend_nothing_of_the_client_s_share() {
    let sandbox = Sandbox::start().await;
    let proxy = proxy_with_a_trackonline_client_share(&sandbox).await;
    let client = ("X-Forwarded-For", "198.51.100.1");
    let path = transaction_path;
    // Eight requests for one reference while the carrier takes its time: one call.
    sandbox.arm_fault("R-1", "latency:800").await;
    let answers = futures_util::future::join_all(
        (0..8).map(|_| async { proxy.get_with(&path("R-1"), &[client]).await }),
    )
    .await;
    // (The sandbox has no shipment under these references: 204, as TrackOnline answers.)
    for answer in &answers {
        assert!(
            answer.status.is_success(),
            "{} {}",
            answer.status,
            answer.body
        );
    }
    assert_eq!(sandbox.requests("trackonline").await, 1);
    // That call was the only one the share paid for: two more calls fit, the third does not.
    for reference in ["R-2", "R-3"] {
        let answer = proxy.get_with(&path(reference), &[client]).await;
        assert!(
            answer.status.is_success(),
            "{} {}",
            answer.status,
            answer.body
        );
    }
    let over = proxy.get_with(&path("R-4"), &[client]).await;
    assert_eq!(over.status, StatusCode::TOO_MANY_REQUESTS, "{}", over.body);
    assert_eq!(sandbox.requests("trackonline").await, 3);
}

#[tokio::test]
async fn a_share_outside_zero_to_one_is_a_configuration_error_that_names_the_key() {
    let text = config_text("http://127.0.0.1:9").replace(
        "cache_ttl_secs = 60\nrequests_per_minute = 6000",
        "cache_ttl_secs = 60\nrequests_per_minute = 6000\nclient_share = 1.5",
    );
    let error = ProxyConfig::parse(&text, &|_| None)
        .unwrap_err()
        .to_string();
    assert!(error.contains("carriers.inpost.client_share"), "{error}");
}

#[tokio::test]
async fn ipv6_clients_are_limited_per_64_not_per_address() {
    let sandbox = Sandbox::start().await;
    let text = config_text(&sandbox.base)
        .replace("[server]", "[server]\ntrusted_proxies = [\"127.0.0.1\"]")
        .replace(
            "per_client_ip_per_minute = 6000",
            "per_client_ip_per_minute = 1",
        )
        .replace("per_client_ip_burst = 1000", "per_client_ip_burst = 2");
    let proxy = Proxy::start(parse_config(&text)).await;
    let path = format!("/carriers/inpost/v1/tracking/{INPOST_NUMBER}");
    let from = |address: &'static str| [("X-Forwarded-For", address)];
    assert_eq!(
        proxy.get_with(&path, &from("2001:db8:1:2::1")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        proxy.get_with(&path, &from("2001:db8:1:2::2")).await.status,
        StatusCode::OK
    );
    // A third address of the same /64 is the same client.
    assert_eq!(
        proxy
            .get_with(&path, &from("2001:db8:1:2:ffff::3"))
            .await
            .status,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        proxy.get_with(&path, &from("2001:db8:1:3::1")).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_wrong_di_password_costs_one_login_not_one_per_request() {
    let sandbox = Sandbox::start().await;
    let text = config_text(&sandbox.base).replace(DI_PASSWORD, "not-the-password");
    let proxy = Proxy::start(parse_config(&text)).await;
    for number in [
        "370724760010119754",
        "370724760010119778",
        "370724760010119754",
    ] {
        let answer = proxy
            .get(&format!(
                "/carriers/di/ws/json/parcel/tracking/v-2/fetch/{number}/EN/false"
            ))
            .await;
        assert_eq!(answer.status, StatusCode::BAD_GATEWAY, "{}", answer.body);
        assert_eq!(
            answer.json()["type"],
            "https://trackline.dev/problems/upstream-refused"
        );
        let retry_after: u64 = answer.header("retry-after").unwrap().parse().unwrap();
        assert!((1..=5).contains(&retry_after), "{retry_after}");
    }
    assert_eq!(sandbox.requests("di").await, 1);
    assert!(proxy
        .metrics()
        .await
        .contains("trackline_proxy_di_logins_total 1\n"));
}

#[tokio::test]
async fn one_deadline_covers_a_whole_di_exchange_with_its_second_login() {
    let sandbox = Sandbox::start().await;
    let number = "370724760010119754";
    // Each fetch of this number takes 700 ms of the 1000 ms deadline; a login is quick.
    sandbox.arm_fault(number, "latency:700").await;
    let text = config_text(&sandbox.base).replace("timeout_ms = 3000", "timeout_ms = 1000");
    let proxy = Proxy::start(parse_config(&text)).await;
    let path = |language: &str| {
        format!("/carriers/di/ws/json/parcel/tracking/v-2/fetch/{number}/{language}/true")
    };
    // Login and one fetch fit in the deadline.
    let first = proxy.get(&path("EN")).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    // Past the token's life on Di's side: fetch (refused), login, fetch again would take longer
    // than the deadline, each call alone would not.
    let advanced = reqwest::Client::new()
        .post(format!("{}/_sandbox/clock", sandbox.base))
        .json(&serde_json::json!({ "advanceSeconds": 600 }))
        .send()
        .await
        .unwrap();
    assert!(advanced.status().is_success());
    let late = proxy.get(&path("NO")).await;
    assert_eq!(late.status, StatusCode::GATEWAY_TIMEOUT, "{}", late.body);
    assert_eq!(
        late.json()["type"],
        "https://trackline.dev/problems/upstream-timeout"
    );
    assert!(proxy
        .metrics()
        .await
        .contains("trackline_proxy_di_logins_total 2\n"));
}

#[tokio::test]
async fn a_carrier_503_with_retry_after_is_waited_out_like_a_429() {
    let sandbox = Sandbox::start().await;
    let proxy = Proxy::start(parse_config(&config_text(&sandbox.base))).await;
    // The built-in data set answers this number with 503 and Retry-After: 30.
    let unavailable = proxy
        .get("/carriers/inpost/v1/tracking/520000011395200000000503")
        .await;
    assert_eq!(unavailable.status, StatusCode::BAD_GATEWAY);
    assert_eq!(unavailable.header("retry-after"), Some("30"));
    assert_eq!(sandbox.requests("inpost").await, 1);
    // Another parcel is not asked for while the carrier said it is away.
    let held_back = proxy
        .get(&format!("/carriers/inpost/v1/tracking/{INPOST_NUMBER}"))
        .await;
    assert_eq!(
        held_back.status,
        StatusCode::BAD_GATEWAY,
        "{}",
        held_back.body
    );
    assert_eq!(
        held_back.json()["type"],
        "https://trackline.dev/problems/upstream-unavailable"
    );
    let retry_after: u64 = held_back.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=30).contains(&retry_after), "{retry_after}");
    assert_eq!(sandbox.requests("inpost").await, 1);
}

#[tokio::test]
async fn a_site_that_is_not_set_up_reads_a_problem_with_cors_headers() {
    let sandbox = Sandbox::start().await;
    let proxy = Proxy::start(parse_config(&config_text(&sandbox.base))).await;
    let path = format!("/carriers/inpost/v1/tracking/{INPOST_NUMBER}");
    let preflight = proxy
        .client
        .request(reqwest::Method::OPTIONS, proxy.url(&path))
        .header("Origin", "https://new-shop.example")
        .header("Access-Control-Request-Method", "GET")
        .header("Access-Control-Request-Headers", "x-trackline-key")
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status(), StatusCode::NO_CONTENT);
    let refused = proxy
        .get_with(
            &path,
            &[
                ("Origin", "https://new-shop.example"),
                ("X-Trackline-Key", "tl_whatever"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(
        refused.header("access-control-allow-origin"),
        Some("https://new-shop.example")
    );
    assert_eq!(
        refused.header("content-type"),
        Some("application/problem+json")
    );
    let problem = refused.json();
    assert_eq!(
        problem["type"],
        "https://trackline.dev/problems/forbidden-origin"
    );
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("not set up for tracking"),
        "{problem}"
    );
    assert_eq!(sandbox.requests("inpost").await, 0);
}

// ------------------------------------------------------------------------------------------
// Operations.

#[tokio::test]
async fn liveness_and_readiness_are_served_and_readiness_reads_the_access_database() {
    let sandbox = Sandbox::start().await;
    let proxy = Proxy::start(parse_config(&config_text(&sandbox.base))).await;
    let health = proxy.get("/healthz").await;
    assert_eq!(health.status, StatusCode::OK);
    assert_eq!(health.json()["status"], "ok");
    let ready = proxy.get("/readyz").await;
    assert_eq!(ready.status, StatusCode::OK, "{}", ready.body);
    assert_eq!(ready.json()["checks"]["access_database"], "ok");
    assert_eq!(ready.header("cache-control"), Some("no-store"));

    let store: Arc<dyn proxy::store::Store> = Arc::new(UnreadableStore::default());
    let addr =
        serve(proxy::try_app_with_store(parse_config(&config_text(&sandbox.base)), store).unwrap())
            .await;
    let broken = Proxy {
        addr,
        client: reqwest::Client::new(),
    };
    assert_eq!(broken.get("/healthz").await.status, StatusCode::OK);
    let not_ready = broken.get("/readyz").await;
    assert_eq!(not_ready.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(not_ready.json()["status"], "not-ready");
    assert_eq!(not_ready.json()["checks"]["access_database"], "unreadable");
}

// ------------------------------------------------------------------------------------------
// The order of the layers: the origin policy and CORS come before shedding and limits.

impl Proxy {
    async fn preflight(&self, path: &str, origin: &str) -> Answer {
        let response = self
            .client
            .request(reqwest::Method::OPTIONS, self.url(path))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "GET")
            .header("Access-Control-Request-Headers", "x-trackline-key")
            .send()
            .await
            .unwrap();
        Answer::read(response).await
    }
}

#[tokio::test]
async fn at_the_concurrency_limit_a_site_reads_overloaded_another_reads_its_refusal_and_preflights_pass(
) {
    let sandbox = Sandbox::start().await;
    let slow_number = "520000011395200025009987";
    sandbox.arm_fault(slow_number, "latency:1500").await;
    let text =
        config_text(&sandbox.base).replace("[server]", "[server]\nmax_concurrent_requests = 1");
    let proxy = Arc::new(Proxy::start(parse_config(&text)).await);
    let slow = {
        let proxy = proxy.clone();
        tokio::spawn(async move {
            proxy
                .get(&format!("/carriers/inpost/v1/tracking/{slow_number}"))
                .await
        })
    };
    // The slow request holds the one permit once it has reached the carrier.
    until(|| async { sandbox.requests("inpost").await == 1 }).await;
    let path = format!("/carriers/inpost/v1/tracking/{INPOST_NUMBER}");

    let shed = proxy
        .get_with(&path, &[("Origin", "https://shop.example")])
        .await;
    assert_eq!(
        shed.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        shed.body
    );
    assert_eq!(
        shed.json()["type"],
        "https://trackline.dev/problems/overloaded"
    );
    assert_eq!(shed.header("retry-after"), Some("1"));
    // The page can read the problem and its Retry-After.
    assert_eq!(
        shed.header("access-control-allow-origin"),
        Some("https://shop.example")
    );
    assert!(shed
        .header("access-control-expose-headers")
        .is_some_and(|exposed| exposed.to_ascii_lowercase().contains("retry-after")));
    assert_eq!(shed.header("x-content-type-options"), Some("nosniff"));

    // A site that is not set up is told so, not shed: its refusal comes before the limit.
    let refused = proxy
        .get_with(&path, &[("Origin", "https://new-shop.example")])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert_eq!(
        refused.json()["type"],
        "https://trackline.dev/problems/forbidden-origin"
    );
    assert_eq!(
        refused.header("access-control-allow-origin"),
        Some("https://new-shop.example")
    );

    // Preflights are answered before the limit, for both.
    for origin in ["https://shop.example", "https://new-shop.example"] {
        let preflight = proxy.preflight(&path, origin).await;
        assert_eq!(preflight.status, StatusCode::NO_CONTENT, "{origin}");
        assert_eq!(
            preflight.header("access-control-allow-origin"),
            Some(origin)
        );
        assert_eq!(preflight.header("vary"), Some("Origin"));
    }
    assert_eq!(slow.await.unwrap().status, StatusCode::OK);
    let metrics = proxy.metrics().await;
    assert!(
        metrics.contains("trackline_proxy_rate_limited_total{scope=\"concurrency\"} 1\n"),
        "{metrics}"
    );
    assert!(
        metrics.contains("trackline_proxy_requests_total{carrier=\"none\",status=\"204\"} 2\n"),
        "{metrics}"
    );
}

#[tokio::test]
async fn preflights_and_refused_origins_spend_nothing_of_a_client_s_rate_limit() {
    let sandbox = Sandbox::start().await;
    let text = config_text(&sandbox.base)
        .replace(
            "per_client_ip_per_minute = 6000",
            "per_client_ip_per_minute = 1",
        )
        .replace("per_client_ip_burst = 1000", "per_client_ip_burst = 1");
    let proxy = Proxy::start(parse_config(&text)).await;
    let path = format!("/carriers/inpost/v1/tracking/{INPOST_NUMBER}");
    for _ in 0..3 {
        let preflight = proxy.preflight(&path, "https://shop.example").await;
        assert_eq!(preflight.status, StatusCode::NO_CONTENT);
        let refused = proxy
            .get_with(&path, &[("Origin", "https://new-shop.example")])
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        // Other methods are refused before any limit too.
        let head = proxy
            .client
            .head(proxy.url(&path))
            .header("Origin", "https://shop.example")
            .send()
            .await
            .unwrap();
        assert_eq!(head.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(head.headers()["allow"], "GET, OPTIONS");
    }
    // The one request of the client's budget is still there...
    let first = proxy
        .get_with(&path, &[("Origin", "https://shop.example")])
        .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    // ... and the next is over it, readable by the page.
    let limited = proxy
        .get_with(&path, &[("Origin", "https://shop.example")])
        .await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        limited.header("access-control-allow-origin"),
        Some("https://shop.example")
    );
    assert!(limited.header("retry-after").is_some());
    assert_eq!(sandbox.requests("inpost").await, 1);
}

#[tokio::test]
async fn a_request_that_hangs_past_the_deadline_is_answered_upstream_timeout_readable_by_its_site()
{
    let sandbox = Sandbox::start().await;
    // The deadline is the exchange's 300 ms and a second more.
    let text = config_text(&sandbox.base)
        .replace("timeout_ms = 3000", "timeout_ms = 300")
        .replace("connect_timeout_ms = 500", "connect_timeout_ms = 200")
        .replace("[server]", "[server]\nmax_concurrent_requests = 1");
    let store = Arc::new(UnreadableStore::stalling_key_checks());
    let _gate = OpensOnDrop(Arc::clone(&store));
    let addr = serve(
        proxy::try_app_with_store(
            parse_config(&text),
            Arc::clone(&store) as Arc<dyn proxy::store::Store>,
        )
        .unwrap(),
    )
    .await;
    let proxy = Proxy {
        addr,
        client: reqwest::Client::new(),
    };
    let path = format!("/carriers/inpost/v1/tracking/{INPOST_NUMBER}");
    let late = proxy
        .get_with(
            &path,
            &[
                ("Origin", "https://shop.example"),
                ("X-Trackline-Key", "tl_stalled"),
            ],
        )
        .await;
    assert_eq!(store.waiting.load(std::sync::atomic::Ordering::SeqCst), 1);
    assert_eq!(late.status, StatusCode::GATEWAY_TIMEOUT, "{}", late.body);
    assert_eq!(
        late.json()["type"],
        "https://trackline.dev/problems/upstream-timeout"
    );
    assert!(late.json()["detail"].as_str().unwrap().contains("1300 ms"));
    assert_eq!(
        late.header("access-control-allow-origin"),
        Some("https://shop.example")
    );
    // The late request gave its permit back: the next one is not shed.
    let next = proxy
        .get_with(&path, &[("Origin", "https://shop.example")])
        .await;
    assert_eq!(next.status, StatusCode::OK, "{}", next.body);
}
