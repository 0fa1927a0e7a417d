//! The proxy against the sandbox carriers on loopback: credentials, CORS, hostile paths,
//! redirects, cache and coalescing, limits, fault mapping, access keys, and a scan of every
//! response and log line for secrets.

use std::collections::BTreeMap;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use axum::Router;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use trackline::proxy::{self, ProxyConfig};
use trackline::sandbox::{self, SandboxConfig};

mod loopback;
use loopback::serve;

/// The sandbox's own test credentials (from its built-in data set).
const DI_USERNAME: &str = "wssandbox";
const DI_PASSWORD: &str = "sandbox-only-password";
const TRACKONLINE_KEY: &str = "sandbox.trackonline.demo-key";
const TRACKONLINE_SMALL_KEY: &str = "sandbox.trackonline.small-key";

const INPOST_NUMBER: &str = "520000011395200025009871";
const DI_NUMBER: &str = "370724760010119754";

// ------------------------------------------------------------------------------------------
// Capture: every log line of this test binary and every response it received, for the scan.

#[derive(Clone)]
struct LogBuffer;

fn log_lines() -> &'static Mutex<Vec<u8>> {
    static LINES: OnceLock<Mutex<Vec<u8>>> = OnceLock::new();
    LINES.get_or_init(|| Mutex::new(Vec::new()))
}

impl Write for LogBuffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        log_lines().lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn capture_logs() {
    static INIT: OnceLock<()> = OnceLock::new();
    INIT.get_or_init(|| {
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(|| LogBuffer)
            .init();
    });
}

fn seen_responses() -> &'static Mutex<String> {
    static SEEN: OnceLock<Mutex<String>> = OnceLock::new();
    SEEN.get_or_init(|| Mutex::new(String::new()))
}

/// Secrets other than the configured ones that must never show: generated access keys.
fn extra_secrets() -> &'static Mutex<Vec<String>> {
    static KEYS: OnceLock<Mutex<Vec<String>>> = OnceLock::new();
    KEYS.get_or_init(|| Mutex::new(Vec::new()))
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|error| panic!("not JSON ({error}): {}", self.body))
    }

    fn problem_type(&self) -> String {
        self.json()["type"].as_str().unwrap_or_default().to_owned()
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }
}

/// Reads `response` whole and records it for the scan.
async fn recorded(response: reqwest::Response) -> Answer {
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.text().await.unwrap();
    record(status, &headers, &body);
    Answer {
        status,
        headers,
        body,
    }
}

fn record(status: StatusCode, headers: &HeaderMap, body: &str) {
    let mut seen = seen_responses().lock().unwrap();
    seen.push_str(&format!("{status}\n"));
    for (name, value) in headers {
        seen.push_str(&format!(
            "{name}: {}\n",
            String::from_utf8_lossy(value.as_bytes())
        ));
    }
    seen.push_str(body);
    seen.push('\n');
}

// ------------------------------------------------------------------------------------------
// Servers on loopback.

struct Sandbox {
    base: String,
}

impl Sandbox {
    async fn start() -> Sandbox {
        capture_logs();
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
        stats["requests"][carrier]
            .as_u64()
            .unwrap_or_else(|| panic!("no count for {carrier}: {stats}"))
    }

    async fn arm_fault(&self, number: &str, fault: &str) {
        let response = reqwest::Client::new()
            .post(format!("{}/_sandbox/faults", self.base))
            .json(&serde_json::json!({ "number": number, "fault": fault }))
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "arming {fault}: {}",
            response.text().await.unwrap()
        );
    }
}

/// A configuration with every carrier on `base`, generous client limits and the given
/// replacements applied to the text (e.g. a tighter limit for one test).
fn config_text(base: &str) -> String {
    format!(
        r#"
[server]
timeout_ms = 1500
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
# These tests are about forwarding; access is tested in tests/access.rs.
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
        let store = proxy::open_store(&config).await.unwrap();
        Proxy::start_with_store(config, store).await
    }

    async fn start_with_store(config: ProxyConfig, store: Arc<dyn proxy::store::Store>) -> Proxy {
        capture_logs();
        let addr = serve(proxy::try_app_with_store(config, store).unwrap()).await;
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Proxy { addr, client }
    }

    async fn get(&self, path: &str) -> Answer {
        self.get_with(path, &[]).await
    }

    async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Answer {
        let mut request = self.client.get(format!("http://{}{path}", self.addr));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        recorded(request.send().await.unwrap()).await
    }

    async fn preflight(&self, origin: &str, request_headers: &str) -> Answer {
        let response = self
            .client
            .request(
                reqwest::Method::OPTIONS,
                format!(
                    "http://{}/carriers/inpost/v1/tracking/{INPOST_NUMBER}",
                    self.addr
                ),
            )
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "GET")
            .header("Access-Control-Request-Headers", request_headers)
            .send()
            .await
            .unwrap();
        recorded(response).await
    }

    /// Sends a request line exactly as written, without a client normalizing the path.
    async fn raw_status(&self, target: &[u8]) -> (u16, String) {
        let mut stream = tokio::net::TcpStream::connect(self.addr).await.unwrap();
        let mut request = b"GET ".to_vec();
        request.extend_from_slice(target);
        request.extend_from_slice(b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        stream.write_all(&request).await.unwrap();
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer).await;
        let answer = String::from_utf8_lossy(&answer).into_owned();
        seen_responses().lock().unwrap().push_str(&answer);
        let status = answer
            .split(' ')
            .nth(1)
            .and_then(|code| code.parse().ok())
            .unwrap_or_else(|| {
                panic!(
                    "no status line for {}: {answer:?}",
                    String::from_utf8_lossy(target)
                )
            });
        (status, answer)
    }
}

async fn sandbox_and_proxy() -> (Sandbox, Proxy) {
    let sandbox = Sandbox::start().await;
    let proxy = Proxy::start(parse_config(&config_text(&sandbox.base))).await;
    (sandbox, proxy)
}

// ------------------------------------------------------------------------------------------
// Credentials.

#[tokio::test]
async fn di_and_trackonline_answers_come_back_with_the_credentials_added_and_not_returned() {
    let (sandbox, proxy) = sandbox_and_proxy().await;
    let di = proxy
        .get(&format!(
            "/carriers/di/ws/json/parcel/tracking/v-2/fetch/{DI_NUMBER}/EN/false"
        ))
        .await;
    // The sandbox answers 200 only to a request carrying a token from its own login.
    assert_eq!(di.status, StatusCode::OK, "{}", di.body);
    assert!(di.body.contains(DI_NUMBER), "{}", di.body);
    assert_eq!(sandbox.requests("di").await, 2, "one login, one fetch");
    let trackonline = proxy
        .get("/carriers/trackonline/api/v1/uniqueitem?ItemNumber=CC-000123&page=1")
        .await;
    // ... and TrackOnline answers 200 only with a valid X-ApiKey.
    assert_eq!(trackonline.status, StatusCode::OK, "{}", trackonline.body);
    assert!(
        trackonline.body.contains("CC-000123"),
        "{}",
        trackonline.body
    );
    for answer in [&di, &trackonline] {
        let text = format!("{:?}{}", answer.headers, answer.body);
        assert!(
            !text.contains(DI_PASSWORD) && !text.contains(TRACKONLINE_KEY) && !text.contains("eyJ"),
            "{text}"
        );
        assert!(answer.headers.get("set-cookie").is_none());
    }
}

/// What a stand-in carrier saw of one request.
#[derive(Debug, Clone, Default)]
struct Seen {
    uri: String,
    headers: BTreeMap<String, String>,
}

#[tokio::test]
async fn the_api_key_goes_in_a_header_and_client_cookies_and_authorization_never_go_upstream() {
    let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
    let recorder = seen.clone();
    let upstream = Router::new().fallback(move |request: axum::extract::Request| {
        let recorder = recorder.clone();
        async move {
            recorder.lock().unwrap().push(Seen {
                uri: request.uri().to_string(),
                headers: request
                    .headers()
                    .iter()
                    .map(|(name, value)| {
                        (name.to_string(), value.to_str().unwrap_or("").to_owned())
                    })
                    .collect(),
            });
            (
                [
                    ("content-type", "application/json"),
                    ("set-cookie", "carrier_session=abc; Path=/"),
                    ("connection", "keep-alive, x-hop"),
                    ("x-hop", "1"),
                    ("x-carrier-internal", "node-7"),
                ],
                "[]",
            )
        }
    });
    let base = format!("http://{}", serve(upstream).await);
    let proxy = Proxy::start(parse_config(&config_text(&base))).await;
    let answer = proxy
        .get_with(
            "/carriers/trackonline/api/v1/transaction?ReferenceNumber=ORD-1001",
            &[
                ("Cookie", "shop_session=secret-cookie"),
                ("Authorization", "Bearer browser-token"),
                ("X-ApiKey", "browser-chosen-key"),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    let request = &seen[0];
    assert_eq!(
        request.headers.get("x-apikey").map(String::as_str),
        Some(TRACKONLINE_KEY)
    );
    assert!(
        !request.uri.contains("apikey") && !request.uri.contains(TRACKONLINE_KEY),
        "{}",
        request.uri
    );
    assert_eq!(request.uri, "/api/v1/transaction?ReferenceNumber=ORD-1001");
    assert!(
        !request.headers.contains_key("cookie"),
        "{:?}",
        request.headers
    );
    assert!(
        !request.headers.contains_key("authorization"),
        "{:?}",
        request.headers
    );
    for name in ["set-cookie", "x-hop", "x-carrier-internal"] {
        assert!(
            answer.headers.get(name).is_none(),
            "{name} came back: {:?}",
            answer.headers
        );
    }
    assert_eq!(answer.body, "[]");
}

#[tokio::test]
async fn an_expired_di_token_is_replaced_by_one_new_login() {
    let (sandbox, proxy) = sandbox_and_proxy().await;
    let path = format!("/carriers/di/ws/json/parcel/tracking/v-2/fetch/{DI_NUMBER}/EN/true");
    assert_eq!(proxy.get(&path).await.status, StatusCode::OK);
    // Move the sandbox's clock past the token's five minutes; the proxy still holds the token.
    let advanced = reqwest::Client::new()
        .post(format!("{}/_sandbox/clock", sandbox.base))
        .json(&serde_json::json!({ "advanceSeconds": 600 }))
        .send()
        .await
        .unwrap();
    assert!(advanced.status().is_success());
    let other = format!("/carriers/di/ws/json/parcel/tracking/v-2/fetch/{DI_NUMBER}/NO/true");
    let answer = proxy.get(&other).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    // login, fetch, fetch refused with 401, login again, fetch.
    assert_eq!(sandbox.requests("di").await, 5);
    let metrics = proxy.get("/metrics").await.body;
    assert!(
        metrics.contains("trackline_proxy_di_logins_total 2\n"),
        "{metrics}"
    );
}

#[tokio::test]
async fn concurrent_first_requests_to_di_share_one_login() {
    let (sandbox, proxy) = sandbox_and_proxy().await;
    let proxy = Arc::new(proxy);
    let mut tasks = Vec::new();
    for locale in ["EN", "NO"] {
        for only_last in ["true", "false"] {
            let proxy = proxy.clone();
            tasks.push(tokio::spawn(async move {
                proxy
                    .get(&format!("/carriers/di/ws/json/parcel/tracking/v-2/fetch/{DI_NUMBER}/{locale}/{only_last}"))
                    .await
                    .status
            }));
        }
    }
    for task in tasks {
        assert_eq!(task.await.unwrap(), StatusCode::OK);
    }
    assert_eq!(
        sandbox.requests("di").await,
        5,
        "one login and four fetches"
    );
}

// ------------------------------------------------------------------------------------------
// CORS.

#[tokio::test]
async fn a_preflight_is_allowed_for_the_configured_origin_and_refused_for_another() {
    let (_sandbox, proxy) = sandbox_and_proxy().await;
    let allowed = proxy
        .preflight("https://shop.example", "x-trackline-key")
        .await;
    assert_eq!(allowed.status, StatusCode::NO_CONTENT);
    assert_eq!(
        allowed.header("access-control-allow-origin"),
        Some("https://shop.example")
    );
    assert_eq!(allowed.header("access-control-allow-methods"), Some("GET"));
    assert!(allowed.header("access-control-allow-credentials").is_none());

    // Another site's preflight passes only so that its request can read the refusal.
    let other = proxy
        .preflight("https://evil.example", "x-trackline-key")
        .await;
    assert_eq!(other.status, StatusCode::NO_CONTENT);
    assert_eq!(
        other.header("access-control-allow-origin"),
        Some("https://evil.example")
    );
    let bad_header = proxy
        .preflight("https://evil.example", "x-secret-header")
        .await;
    assert_eq!(bad_header.status, StatusCode::FORBIDDEN);
    let null = proxy.preflight("null", "x-trackline-key").await;
    assert_eq!(null.status, StatusCode::FORBIDDEN);
    assert!(null.header("access-control-allow-origin").is_none());

    let actual = proxy
        .get_with(
            &format!("/carriers/inpost/v1/tracking/{INPOST_NUMBER}"),
            &[("Origin", "https://shop.example")],
        )
        .await;
    assert_eq!(actual.status, StatusCode::OK);
    assert_eq!(
        actual.header("access-control-allow-origin"),
        Some("https://shop.example")
    );
    assert_eq!(
        actual.header("vary"),
        Some("Origin, X-Trackline-Key, X-Trackline-Link, Accept")
    );
    let foreign = proxy
        .get_with(
            &format!("/carriers/inpost/v1/tracking/{INPOST_NUMBER}"),
            &[("Origin", "https://evil.example")],
        )
        .await;
    assert_eq!(foreign.status, StatusCode::FORBIDDEN);
    assert_eq!(
        foreign.problem_type(),
        "https://trackline.dev/problems/forbidden-origin"
    );
    assert_eq!(
        foreign.header("access-control-allow-origin"),
        Some("https://evil.example")
    );
    assert!(
        !foreign.body.contains("tracking_number"),
        "{}",
        foreign.body
    );
    let sneaky = proxy
        .get_with(
            &format!("/carriers/inpost/v1/tracking/{INPOST_NUMBER}"),
            &[("Origin", "https://shop.example.evil.example")],
        )
        .await;
    assert_eq!(sneaky.status, StatusCode::FORBIDDEN);
}

// ------------------------------------------------------------------------------------------
// Hostile paths and redirects.

#[tokio::test]
async fn hostile_paths_are_refused_before_any_upstream_request() {
    let (sandbox, proxy) = sandbox_and_proxy().await;
    let overlong_value = format!("/carriers/inpost/v1/tracking/{}", "5".repeat(600));
    let overlong_query = format!("/carriers/inpost/v1/statuses?lang={}", "e".repeat(2000));
    let too_long_for_a_value = format!("/carriers/inpost/v1/tracking/{}", "5".repeat(65));
    let hostile: Vec<&[u8]> = vec![
        b"/carriers/inpost/v1/tracking/../../../etc/passwd",
        b"/carriers/inpost/v1/tracking/..%2f..%2fadmin",
        b"/carriers/inpost/v1/tracking/%2e%2e/statuses",
        b"/carriers/inpost/v1/tracking/a%2Fb",
        b"/carriers/inpost/v1/tracking/a%252Fb",
        b"/carriers/inpost/v1/tracking/123%5c..%5cadmin",
        b"/carriers/inpost/v1/tracking/./520000011395200025009871",
        b"/carriers/inpost//v1/tracking/520000011395200025009871",
        b"/carriers//evil.example/v1/tracking/1",
        b"/carriers/http://169.254.169.254/latest/meta-data/",
        b"/carriers/inpost/http:%2f%2fevil.example%2fv1",
        b"/carriers/inpost/v1/tracking/user:secret@evil.example",
        b"/carriers/inpost/v1/tracking/@evil.example",
        b"/carriers/inpost/v1/tracking/123%0d%0aX-Injected:%20yes",
        b"/carriers/inpost/v1/statuses?lang=en_GB%0d%0aX-Injected:%201",
        b"/carriers/inpost/v1/tracking/123%00",
        b"/carriers/inpost/v1/tracking/1;jsessionid=abc",
        b"/carriers/inpost/v1/tracking/\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93",
        overlong_value.as_bytes(),
        overlong_query.as_bytes(),
        too_long_for_a_value.as_bytes(),
        b"/carriers/inpost/v1/points/KRA010M?next=http://evil.example",
        b"/carriers/trackonline/api/v1/uniqueitem?ItemNumber=CC-000123&apikey=stolen",
        b"/carriers/trackonline/api/v1/location",
        b"/carriers/trackonline/api/v1/uniqueitem?ItemNumber=%3Cscript%3E",
        b"/carriers/trackonline/api/v1/balance?locations=A",
        b"/carriers/di/ws/json/auth/v-3/login/60",
        b"/carriers/di/ws/json/parcel/tracking/v-2/fetch/370724760010119754/EN/false/extra",
        b"/carriers/dhl/track/123",
    ];
    assert!(hostile.len() >= 20);
    for target in &hostile {
        let (status, answer) = proxy.raw_status(target).await;
        assert!(
            status == 400 || status == 404,
            "{} answered {status}: {answer}",
            String::from_utf8_lossy(target)
        );
        assert!(
            !answer.to_ascii_lowercase().contains("x-injected"),
            "{answer}"
        );
    }
    let invalid = proxy.get("/carriers/inpost/v1/tracking/a%2Fb").await;
    assert_eq!(
        invalid.problem_type(),
        "https://trackline.dev/problems/invalid-reference"
    );
    let unknown = proxy.get("/carriers/dhl/track/123").await;
    assert_eq!(
        unknown.problem_type(),
        "https://trackline.dev/problems/not-found"
    );
    for carrier in ["inpost", "di", "trackonline"] {
        assert_eq!(sandbox.requests(carrier).await, 0, "{carrier} was called");
    }
}

#[tokio::test]
async fn a_reference_core_rejects_is_a_bad_request_with_core_s_reason() {
    let (sandbox, proxy) = sandbox_and_proxy().await;
    // 36 characters: longer than any carrier's reference, by core's rule.
    let answer = proxy
        .get(&format!("/carriers/inpost/v1/tracking/{}", "5".repeat(36)))
        .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        answer.problem_type(),
        "https://trackline.dev/problems/invalid-reference"
    );
    let detail = answer.json()["detail"].as_str().unwrap().to_owned();
    assert!(detail.contains("35"), "{detail}");
    assert_eq!(sandbox.requests("inpost").await, 0);
}

#[tokio::test]
async fn an_absolute_form_request_target_cannot_choose_the_upstream_host() {
    let (sandbox, proxy) = sandbox_and_proxy().await;
    let target = format!("http://169.254.169.254/carriers/inpost/v1/tracking/{INPOST_NUMBER}");
    let (status, answer) = proxy.raw_status(target.as_bytes()).await;
    // Served like the plain path: from the configured carrier, never from the named host.
    assert_eq!(status, 200, "{answer}");
    assert_eq!(sandbox.requests("inpost").await, 1);
}

#[tokio::test]
async fn other_methods_than_get_are_refused() {
    let (sandbox, proxy) = sandbox_and_proxy().await;
    for method in [
        reqwest::Method::POST,
        reqwest::Method::PUT,
        reqwest::Method::DELETE,
    ] {
        let response = proxy
            .client
            .request(
                method.clone(),
                format!(
                    "http://{}/carriers/inpost/v1/tracking/{INPOST_NUMBER}",
                    proxy.addr
                ),
            )
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::METHOD_NOT_ALLOWED,
            "{method}"
        );
    }
    assert_eq!(sandbox.requests("inpost").await, 0);
}

#[tokio::test]
async fn a_redirect_to_a_link_local_address_is_not_followed() {
    let followed = Arc::new(AtomicUsize::new(0));
    let count = followed.clone();
    let upstream = Router::new().fallback(move || {
        count.fetch_add(1, Ordering::SeqCst);
        async {
            (
                StatusCode::FOUND,
                [(
                    "location",
                    "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
                )],
                "",
            )
        }
    });
    let base = format!("http://{}", serve(upstream).await);
    let proxy = Proxy::start(parse_config(&config_text(&base))).await;
    let answer = proxy
        .get(&format!("/carriers/inpost/v1/tracking/{INPOST_NUMBER}"))
        .await;
    assert_eq!(answer.status, StatusCode::BAD_GATEWAY);
    assert_eq!(
        answer.problem_type(),
        "https://trackline.dev/problems/upstream-unavailable"
    );
    assert!(answer.header("location").is_none());
    assert!(!answer.body.contains("169.254"), "{}", answer.body);
    assert_eq!(
        followed.load(Ordering::SeqCst),
        1,
        "the stand-in carrier was asked once"
    );
}

// ------------------------------------------------------------------------------------------
// Cache, coalescing and limits.

#[tokio::test]
async fn fifty_concurrent_identical_requests_make_one_upstream_call_and_later_ones_hit_the_cache() {
    let (sandbox, proxy) = sandbox_and_proxy().await;
    // Slow enough that all fifty are in flight together.
    sandbox
        .arm_fault("520000011395200025009888", "latency:400")
        .await;
    let proxy = Arc::new(proxy);
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let proxy = proxy.clone();
        tasks.push(tokio::spawn(async move {
            proxy
                .get("/carriers/inpost/v1/tracking/520000011395200025009888")
                .await
        }));
    }
    let mut bodies = std::collections::BTreeSet::new();
    for task in tasks {
        let answer = task.await.unwrap();
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        bodies.insert(answer.body);
    }
    assert_eq!(bodies.len(), 1);
    assert_eq!(sandbox.requests("inpost").await, 1);
    let again = proxy
        .get("/carriers/inpost/v1/tracking/520000011395200025009888")
        .await;
    assert_eq!(again.header("x-trackline-cache"), Some("hit"));
    assert_eq!(sandbox.requests("inpost").await, 1);
    let metrics = proxy.get("/metrics").await.body;
    assert!(
        metrics.contains("trackline_proxy_cache_hits_total{carrier=\"inpost\"} 1\n"),
        "{metrics}"
    );
    assert!(
        metrics.contains("trackline_proxy_coalesced_total{carrier=\"inpost\"} 49\n"),
        "{metrics}"
    );
}

#[tokio::test]
async fn a_client_that_asks_for_core_s_reading_gets_what_core_reads_in_the_carrier_s_answer() {
    use trackline_core::carrier::{CarrierResponse, Reading, ResponseKind, READING_MEDIA_TYPE};

    let (sandbox, proxy) = sandbox_and_proxy().await;
    let asks = [(
        "Accept",
        "application/vnd.trackline.reading+json, application/json;q=0.9",
    )];
    let cases = [
        (
            format!("/carriers/inpost/v1/tracking/{INPOST_NUMBER}"),
            ResponseKind::InpostTracking,
            INPOST_NUMBER,
        ),
        (
            format!("/carriers/di/ws/json/parcel/tracking/v-2/fetch/{DI_NUMBER}/EN/false"),
            ResponseKind::DiFetch,
            DI_NUMBER,
        ),
        (
            "/carriers/trackonline/api/v1/uniqueitem?ItemNumber=CC-000123&page=1".to_owned(),
            ResponseKind::TrackonlineUniqueItems,
            "CC-000123",
        ),
    ];
    for (path, kind, reference) in cases {
        let carrier_bytes = proxy.get(&path).await;
        assert_eq!(
            carrier_bytes.status,
            StatusCode::OK,
            "{path}: {}",
            carrier_bytes.body
        );
        assert_eq!(
            carrier_bytes.header("content-type"),
            Some("application/json")
        );
        let read = proxy.get_with(&path, &asks).await;
        assert_eq!(read.status, StatusCode::OK, "{path}: {}", read.body);
        assert_eq!(
            read.header("content-type"),
            Some(READING_MEDIA_TYPE),
            "{path}"
        );
        assert!(
            read.header("vary")
                .is_some_and(|vary| vary.contains("Accept")),
            "{path}: {:?}",
            read.header("vary")
        );
        // The second answer came from the cache: the reading is made from the same bytes.
        assert_eq!(read.header("x-trackline-cache"), Some("hit"), "{path}");
        let received = Reading::from_json(read.body.as_bytes())
            .unwrap_or_else(|error| panic!("{path}: {error}: {}", read.body));
        let response = CarrierResponse::new(200, carrier_bytes.body.as_bytes());
        let expected = Reading::of(kind, &response, Some(reference)).unwrap();
        assert_eq!(received, expected, "{path}");
        let Reading::Shipments(shipments) = received else {
            panic!("{path}: no shipments");
        };
        assert!(!shipments.is_empty(), "{path}");
    }
    assert_eq!(sandbox.requests("inpost").await, 1);

    // Nothing matches (TrackOnline's 204, without a body): the reading says so, in a 200.
    let nothing = "/carriers/trackonline/api/v1/uniqueitem?ItemNumber=CC-999999&page=1";
    let no_content = proxy.get(nothing).await;
    assert_eq!(
        no_content.status,
        StatusCode::NO_CONTENT,
        "{}",
        no_content.body
    );
    let read = proxy.get_with(nothing, &asks).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.body);
    assert_eq!(read.header("content-type"), Some(READING_MEDIA_TYPE));
    assert_eq!(
        Reading::from_json(read.body.as_bytes()).unwrap(),
        Reading::Shipments(Vec::new())
    );

    // A pickup point's answer is not about shipments: it keeps the carrier's bytes.
    let point = proxy
        .get_with("/carriers/inpost/v1/points/KRA01M", &asks)
        .await;
    assert_eq!(point.status, StatusCode::OK, "{}", point.body);
    assert_eq!(point.header("content-type"), Some("application/json"));
    assert_eq!(point.json()["name"], "KRA01M");

    // The proxy's own documents stay what they are.
    let unknown = proxy
        .get_with(
            "/carriers/inpost/v1/tracking/520000011395299999999999",
            &asks,
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{}", unknown.body);
    assert_eq!(
        unknown.problem_type(),
        "https://trackline.dev/problems/not-found"
    );

    // Asked for with a quality of zero, it is not sent.
    let refused = proxy
        .get_with(
            &format!("/carriers/inpost/v1/tracking/{INPOST_NUMBER}"),
            &[("Accept", "application/vnd.trackline.reading+json;q=0")],
        )
        .await;
    assert_eq!(refused.header("content-type"), Some("application/json"));
}

#[tokio::test]
async fn not_found_answers_are_cached_and_errors_are_not() {
    let (sandbox, proxy) = sandbox_and_proxy().await;
    let unknown = "/carriers/inpost/v1/tracking/520000011395299999999999";
    let first = proxy.get(unknown).await;
    assert_eq!(first.status, StatusCode::NOT_FOUND, "{}", first.body);
    assert_eq!(
        first.problem_type(),
        "https://trackline.dev/problems/not-found"
    );
    assert_eq!(
        proxy.get(unknown).await.header("x-trackline-cache"),
        Some("hit")
    );
    assert_eq!(sandbox.requests("inpost").await, 1);

    let failing = "/carriers/inpost/v1/tracking/520000011395200000000500";
    assert_eq!(proxy.get(failing).await.status, StatusCode::BAD_GATEWAY);
    assert_eq!(proxy.get(failing).await.status, StatusCode::BAD_GATEWAY);
    assert_eq!(sandbox.requests("inpost").await, 3);
}

#[tokio::test]
async fn a_client_over_its_per_ip_limit_gets_429_with_retry_after() {
    let sandbox = Sandbox::start().await;
    let text = config_text(&sandbox.base)
        .replace(
            "per_client_ip_per_minute = 6000",
            "per_client_ip_per_minute = 6",
        )
        .replace("per_client_ip_burst = 1000", "per_client_ip_burst = 3");
    let proxy = Proxy::start(parse_config(&text)).await;
    let path = format!("/carriers/inpost/v1/tracking/{INPOST_NUMBER}");
    for _ in 0..3 {
        assert_eq!(proxy.get(&path).await.status, StatusCode::OK);
    }
    let limited = proxy.get(&path).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        limited.problem_type(),
        "https://trackline.dev/problems/rate-limited"
    );
    let retry_after: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=10).contains(&retry_after), "{retry_after}");
    let metrics = proxy.get("/metrics").await.body;
    assert!(
        metrics.contains("trackline_proxy_rate_limited_total{scope=\"client_ip\"} 1\n"),
        "{metrics}"
    );
}

#[tokio::test]
async fn an_upstream_429_reaches_the_browser_and_the_carrier_is_left_alone_until_the_wait_is_over()
{
    let sandbox = Sandbox::start().await;
    let text = config_text(&sandbox.base).replace(TRACKONLINE_KEY, TRACKONLINE_SMALL_KEY);
    let proxy = Proxy::start(parse_config(&text)).await;
    // The small key allows 3 calls a minute; distinct references so the cache does not answer.
    for reference in ["R-1", "R-2", "R-3"] {
        let answer = proxy
            .get(&format!(
                "/carriers/trackonline/api/v1/transaction?ReferenceNumber={reference}"
            ))
            .await;
        assert_ne!(
            answer.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{}",
            answer.body
        );
    }
    let limited = proxy
        .get("/carriers/trackonline/api/v1/transaction?ReferenceNumber=R-4")
        .await;
    assert_eq!(
        limited.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        limited.body
    );
    assert_eq!(
        limited.problem_type(),
        "https://trackline.dev/problems/rate-limited"
    );
    let retry_after: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!(retry_after >= 1);
    let calls = sandbox.requests("trackonline").await;
    assert_eq!(calls, 4);
    let held_back = proxy
        .get("/carriers/trackonline/api/v1/transaction?ReferenceNumber=R-5")
        .await;
    assert_eq!(held_back.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(held_back.header("retry-after").is_some());
    assert_eq!(
        sandbox.requests("trackonline").await,
        calls,
        "the carrier was called during its wait"
    );
}

// ------------------------------------------------------------------------------------------
// Faults.

#[tokio::test]
async fn each_sandbox_fault_becomes_its_problem_type() {
    let (sandbox, proxy) = sandbox_and_proxy().await;
    let cases = [
        (
            "520000011395200025009895",
            "500",
            StatusCode::BAD_GATEWAY,
            "upstream-unavailable",
        ),
        (
            "520000011395200025009918",
            "malformed-json",
            StatusCode::BAD_GATEWAY,
            "upstream-malformed",
        ),
        (
            "520000011395200025009925",
            "truncated",
            StatusCode::BAD_GATEWAY,
            "upstream-malformed",
        ),
        (
            "520000011395200025009932",
            "drop",
            StatusCode::BAD_GATEWAY,
            "upstream-unavailable",
        ),
        (
            "520000011395200025009949",
            "latency:3000",
            StatusCode::GATEWAY_TIMEOUT,
            "upstream-timeout",
        ),
        (
            "520000011395200025009956",
            "trickle:3000",
            StatusCode::GATEWAY_TIMEOUT,
            "upstream-timeout",
        ),
        // Last: a 503 with Retry-After holds the carrier's other requests back for its wait.
        (
            "520000011395200025009901",
            "503:30",
            StatusCode::BAD_GATEWAY,
            "upstream-unavailable",
        ),
    ];
    for (number, fault, _, _) in &cases {
        sandbox.arm_fault(number, fault).await;
    }
    let unknown = proxy
        .get("/carriers/inpost/v1/tracking/520000011395211111111111")
        .await;
    assert_eq!(
        unknown.problem_type(),
        "https://trackline.dev/problems/not-found"
    );
    for (number, fault, status, slug) in cases {
        let answer = proxy
            .get(&format!("/carriers/inpost/v1/tracking/{number}"))
            .await;
        assert_eq!(answer.status, status, "{fault}: {}", answer.body);
        assert_eq!(
            answer.problem_type(),
            format!("https://trackline.dev/problems/{slug}"),
            "{fault}"
        );
        assert_eq!(
            answer.header("content-type"),
            Some("application/problem+json")
        );
        assert_eq!(answer.json()["carrier"], "inpost", "{fault}");
    }
    let dropped_di = proxy
        .get("/carriers/di/ws/json/parcel/tracking/v-2/fetch/370724760010199992/EN/false")
        .await;
    assert_eq!(
        dropped_di.problem_type(),
        "https://trackline.dev/problems/upstream-unavailable"
    );
}

#[tokio::test]
async fn a_carrier_503_passes_its_retry_after_on() {
    let (_sandbox, proxy) = sandbox_and_proxy().await;
    // The built-in data set answers this number with 503 and Retry-After: 30.
    let answer = proxy
        .get("/carriers/inpost/v1/tracking/520000011395200000000503")
        .await;
    assert_eq!(answer.status, StatusCode::BAD_GATEWAY);
    assert_eq!(answer.header("retry-after"), Some("30"));
}

// ------------------------------------------------------------------------------------------
// Access keys.

#[tokio::test]
async fn an_unknown_or_revoked_key_is_refused_even_for_a_public_carrier() {
    let sandbox = Sandbox::start().await;
    let store: Arc<dyn proxy::store::Store> =
        Arc::new(proxy::store::SqliteStore::in_memory().unwrap());
    store.ensure_user("shop").await.unwrap();
    let key = store.create_key("shop", "shop-links").await.unwrap();
    extra_secrets().lock().unwrap().push(key.clone());
    let config = parse_config(&config_text(&sandbox.base));
    let proxy = Proxy::start_with_store(config, Arc::clone(&store)).await;
    let path = format!("/carriers/inpost/v1/tracking/{INPOST_NUMBER}");
    let origin = ("Origin", "https://shop.example");

    let wrong = proxy
        .get_with(
            &path,
            &[
                origin,
                ("X-Trackline-Key", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        wrong.problem_type(),
        "https://trackline.dev/problems/unauthorized"
    );
    // The widget must be able to read the problem, so CORS headers are on it too.
    assert_eq!(
        wrong.header("access-control-allow-origin"),
        Some("https://shop.example")
    );
    let accepted = proxy
        .get_with(&path, &[origin, ("X-Trackline-Key", &key)])
        .await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
    assert!(!accepted.body.contains(&key));

    store.revoke_key("shop-links").await.unwrap();
    let revoked = proxy
        .get_with(&path, &[origin, ("X-Trackline-Key", &key)])
        .await;
    assert_eq!(
        revoked.status,
        StatusCode::UNAUTHORIZED,
        "revocation needs no restart"
    );
    assert_eq!(sandbox.requests("inpost").await, 1);
}

// ------------------------------------------------------------------------------------------
// Front proxies, shedding, budgets and sizes.

#[tokio::test]
async fn forwarded_for_counts_only_when_the_peer_is_a_trusted_front_proxy() {
    let sandbox = Sandbox::start().await;
    let tight = config_text(&sandbox.base)
        .replace(
            "per_client_ip_per_minute = 6000",
            "per_client_ip_per_minute = 1",
        )
        .replace("per_client_ip_burst = 1000", "per_client_ip_burst = 1");
    let path = format!("/carriers/inpost/v1/tracking/{INPOST_NUMBER}");

    // Not trusted: a client cannot escape its limit by inventing addresses.
    let untrusted = Proxy::start(parse_config(&tight)).await;
    let first = untrusted
        .get_with(&path, &[("X-Forwarded-For", "198.51.100.1")])
        .await;
    assert_eq!(first.status, StatusCode::OK);
    let second = untrusted
        .get_with(&path, &[("X-Forwarded-For", "198.51.100.2")])
        .await;
    assert_eq!(second.status, StatusCode::TOO_MANY_REQUESTS);

    // Trusted (the test connects from 127.0.0.1): each forwarded client has its own budget.
    let trusted = Proxy::start(parse_config(
        &tight.replace("[server]", "[server]\ntrusted_proxies = [\"127.0.0.1\"]"),
    ))
    .await;
    let a = ("X-Forwarded-For", "198.51.100.1");
    let b = ("X-Forwarded-For", "203.0.113.7, 198.51.100.2");
    assert_eq!(trusted.get_with(&path, &[a]).await.status, StatusCode::OK);
    assert_eq!(
        trusted.get_with(&path, &[a]).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(trusted.get_with(&path, &[b]).await.status, StatusCode::OK);
}

#[tokio::test]
async fn requests_over_the_concurrency_limit_are_shed_with_503() {
    let sandbox = Sandbox::start().await;
    sandbox
        .arm_fault("520000011395200025009987", "latency:500")
        .await;
    let text =
        config_text(&sandbox.base).replace("[server]", "[server]\nmax_concurrent_requests = 1");
    let proxy = Arc::new(Proxy::start(parse_config(&text)).await);
    let slow = {
        let proxy = proxy.clone();
        tokio::spawn(async move {
            proxy
                .get("/carriers/inpost/v1/tracking/520000011395200025009987")
                .await
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    let shed = proxy
        .get(&format!("/carriers/inpost/v1/tracking/{INPOST_NUMBER}"))
        .await;
    assert_eq!(shed.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        shed.problem_type(),
        "https://trackline.dev/problems/overloaded"
    );
    assert_eq!(shed.header("retry-after"), Some("1"));
    assert_eq!(slow.await.unwrap().status, StatusCode::OK);
}

#[tokio::test]
async fn the_proxy_s_own_carrier_budget_stops_calls_before_the_carrier_quota() {
    let sandbox = Sandbox::start().await;
    // The whole budget open to one client: this is about the budget, not a client's share.
    let text = config_text(&sandbox.base).replacen(
        "requests_per_minute = 6000",
        "requests_per_minute = 2\nclient_share = 1.0",
        1,
    );
    let proxy = Proxy::start(parse_config(&text)).await;
    for number in ["520000011395200025009871", "520000011395200025009888"] {
        let answer = proxy
            .get(&format!("/carriers/inpost/v1/tracking/{number}"))
            .await;
        assert_eq!(answer.status, StatusCode::OK);
    }
    let over = proxy
        .get("/carriers/inpost/v1/tracking/520000011395200025009895")
        .await;
    assert_eq!(over.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(over.header("retry-after").is_some());
    assert_eq!(sandbox.requests("inpost").await, 2);
    // Cached answers are still served.
    let cached = proxy
        .get("/carriers/inpost/v1/tracking/520000011395200025009871")
        .await;
    assert_eq!(cached.status, StatusCode::OK);
}

#[tokio::test]
async fn an_answer_larger_than_the_limit_is_refused_not_truncated() {
    let upstream = Router::new().fallback(|| async {
        (
            [("content-type", "application/json")],
            format!("[\"{}\"]", "x".repeat(20_000)),
        )
    });
    let base = format!("http://{}", serve(upstream).await);
    let text = config_text(&base).replace("[server]", "[server]\nmax_response_bytes = 10000");
    let proxy = Proxy::start(parse_config(&text)).await;
    let answer = proxy
        .get(&format!("/carriers/inpost/v1/tracking/{INPOST_NUMBER}"))
        .await;
    assert_eq!(answer.status, StatusCode::BAD_GATEWAY);
    assert_eq!(
        answer.problem_type(),
        "https://trackline.dev/problems/upstream-malformed"
    );
    assert!(answer.body.len() < 1_000);
}

#[tokio::test]
async fn an_access_key_over_its_limit_gets_429_from_any_address() {
    let sandbox = Sandbox::start().await;
    let store: Arc<dyn proxy::store::Store> =
        Arc::new(proxy::store::SqliteStore::in_memory().unwrap());
    store.ensure_user("kiosk").await.unwrap();
    let key = store.create_key("kiosk", "kiosk").await.unwrap();
    extra_secrets().lock().unwrap().push(key.clone());
    let text = config_text(&sandbox.base)
        .replace(
            "[rate_limits]",
            "[rate_limits]\nper_access_key_per_minute = 2\nper_access_key_burst = 2",
        )
        .replace("[server]", "[server]\ntrusted_proxies = [\"127.0.0.1\"]");
    let proxy = Proxy::start_with_store(parse_config(&text), store).await;
    let path = format!("/carriers/inpost/v1/tracking/{INPOST_NUMBER}");
    for client in ["198.51.100.1", "198.51.100.2"] {
        let answer = proxy
            .get_with(
                &path,
                &[("X-Trackline-Key", &key), ("X-Forwarded-For", client)],
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK);
    }
    let limited = proxy
        .get_with(
            &path,
            &[
                ("X-Trackline-Key", &key),
                ("X-Forwarded-For", "198.51.100.3"),
            ],
        )
        .await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.header("retry-after").is_some());
}

// ------------------------------------------------------------------------------------------
// Operations and the demo.

#[tokio::test]
async fn health_and_metrics_are_served() {
    let (_sandbox, proxy) = sandbox_and_proxy().await;
    let health = proxy.get("/healthz").await;
    assert_eq!(health.status, StatusCode::OK);
    assert_eq!(health.json()["status"], "ok");
    proxy
        .get(&format!("/carriers/inpost/v1/tracking/{INPOST_NUMBER}"))
        .await;
    let metrics = proxy.get("/metrics").await;
    assert!(metrics
        .header("content-type")
        .unwrap()
        .starts_with("application/openmetrics-text"));
    assert!(
        metrics
            .body
            .contains("trackline_proxy_requests_total{carrier=\"inpost\",status=\"200\"} 1\n"),
        "{}",
        metrics.body
    );
    assert!(
        metrics
            .body
            .contains("trackline_proxy_upstream_latency_seconds_count{carrier=\"inpost\"} 1\n"),
        "{}",
        metrics.body
    );
}

#[tokio::test]
async fn the_demo_configuration_works_against_the_sandbox_without_edits() {
    capture_logs();
    let addr =
        serve(Router::new().nest("/sandbox", sandbox::app(SandboxConfig::builtin_in_memory())))
            .await;
    let proxy = Proxy::start(proxy::demo_config(&format!("http://{addr}/sandbox"))).await;
    // Di and TrackOnline keep the default access, `signed`: the demo's links are signed with
    // its fixed secret.
    let link = |query: &str| sandbox::demo_signed(query, sandbox::DEMO_LINK_EXPIRES_UNIX);
    let paths = [
        (
            format!("/carriers/inpost/v1/tracking/{INPOST_NUMBER}"),
            None,
        ),
        (
            format!("/carriers/di/ws/json/parcel/tracking/v-2/fetch/{DI_NUMBER}/EN/false"),
            Some(link(&format!("sscc={DI_NUMBER}"))),
        ),
        (
            "/carriers/trackonline/api/v1/uniqueitem?ItemNumber=CC000123".to_owned(),
            Some(link("tracking=CC000123")),
        ),
        ("/carriers/inpost/v1/statuses?lang=en_GB".to_owned(), None),
    ];
    for (path, link) in paths {
        let answer = match &link {
            Some(link) => proxy.get_with(&path, &[("X-Trackline-Link", link)]).await,
            None => proxy.get(&path).await,
        };
        assert_eq!(answer.status, StatusCode::OK, "{path}: {}", answer.body);
        if link.is_some() {
            let unsigned = proxy.get(&path).await;
            assert_eq!(
                unsigned.status,
                StatusCode::UNAUTHORIZED,
                "{path}: {}",
                unsigned.body
            );
        }
    }
    // The widget is served from the demo's own origin; a browser may send it.
    let same_origin = proxy
        .get_with(
            &format!("/carriers/inpost/v1/tracking/{INPOST_NUMBER}"),
            &[("Origin", &format!("http://{addr}"))],
        )
        .await;
    assert_eq!(same_origin.status, StatusCode::OK, "{}", same_origin.body);
    let partner = proxy.get("/carriers/by-partner/4711").await;
    assert_eq!(partner.json()["carrier"], "di");
}

#[tokio::test]
async fn a_stand_in_route_for_the_demo_router_merges_without_conflict() {
    // The demo merges the proxy's router into its own, which has a fallback of its own.
    let merged = Router::new()
        .route("/", get(|| async { "demo page" }))
        .merge(proxy::app(proxy::demo_config("http://127.0.0.1:9/sandbox")).await)
        .fallback(|| async { "static file" });
    let addr = serve(merged).await;
    let body = reqwest::get(format!("http://{addr}/healthz"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(body.contains("ok"));
}

// ------------------------------------------------------------------------------------------
// Answers ahead (`POST /answers`).

impl Proxy {
    async fn post_answers(&self, body: &str, origin: Option<&str>) -> Answer {
        let mut request = self
            .client
            .post(format!("http://{}/answers", self.addr))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body.to_owned());
        if let Some(origin) = origin {
            request = request.header("Origin", origin);
        }
        recorded(request.send().await.unwrap()).await
    }
}

fn form_page(page: &str) -> String {
    format!("page={}", trackline_core::carrier::percent_encode(page))
}

#[tokio::test]
async fn a_page_s_answers_come_ahead_as_each_of_the_widget_s_own_requests_would() {
    let (sandbox, proxy) = sandbox_and_proxy().await;
    let page = format!("https://shop.example/track?tracking={INPOST_NUMBER}");
    let ahead = proxy
        .post_answers(&form_page(&page), Some("https://shop.example"))
        .await;
    assert_eq!(ahead.status, StatusCode::OK, "{}", ahead.body);
    assert_eq!(
        ahead.header("access-control-allow-origin"),
        Some("https://shop.example")
    );
    assert_eq!(ahead.header("cache-control"), Some("no-store"));
    let answers = ahead.json()["answers"].as_array().cloned().unwrap();
    // The widget asks every carrier that may know a 24-digit number, and so does the page.
    let planned =
        trackline_core::reference::page::PageRequests::of_page(&page, None, None, &BTreeMap::new())
            .unwrap()
            .requests;
    assert_eq!(answers.len(), planned.len(), "{answers:?}");
    assert_eq!(sandbox.requests("inpost").await, 1);
    let reading = ("Accept", trackline_core::carrier::ACCEPT_READING);
    for answer in &answers {
        let url = answer["url"].as_str().unwrap();
        assert!(url.starts_with("/carriers/"), "{url}");
        // The widget's own request for the same URL: the same status, type and body.
        let own = proxy
            .get_with(url, &[reading, ("Origin", "https://shop.example")])
            .await;
        assert_eq!(answer["status"], own.status.as_u16(), "{url}");
        assert_eq!(
            answer["content_type"].as_str(),
            own.header("content-type"),
            "{url}"
        );
        assert_eq!(answer["body"].as_str(), Some(own.body.as_str()), "{url}");
    }
    let inpost = answers
        .iter()
        .find(|answer| answer["url"] == format!("/carriers/inpost/v1/tracking/{INPOST_NUMBER}"))
        .expect("InPost's answer");
    assert_eq!(inpost["status"], 200);
    assert_eq!(
        inpost["content_type"].as_str(),
        Some(trackline_core::carrier::READING_MEDIA_TYPE)
    );
    // Asked once ahead; the widget's own request came from the cache.
    assert_eq!(sandbox.requests("inpost").await, 1);
}

#[tokio::test]
async fn answers_are_compressed_as_the_client_accepts_and_vary_by_it_as_well() {
    let (_sandbox, proxy) = sandbox_and_proxy().await;
    let path = format!("/carriers/inpost/v1/tracking/{INPOST_NUMBER}");
    let fetch = |encoding: &'static str| {
        let request = proxy
            .client
            .get(format!("http://{}{path}", proxy.addr))
            .header("Accept", trackline_core::carrier::ACCEPT_READING)
            .header("Origin", "https://shop.example")
            .header("Accept-Encoding", encoding);
        async move {
            let response = request.send().await.unwrap();
            let headers = response.headers().clone();
            (headers, response.bytes().await.unwrap())
        }
    };
    let (plain_headers, plain) = fetch("identity").await;
    assert_eq!(plain_headers.get("content-encoding"), None);
    serde_json::from_slice::<Value>(&plain).expect("a reading");
    for encoding in ["br", "gzip"] {
        let (headers, body) = fetch(encoding).await;
        assert_eq!(
            headers
                .get("content-encoding")
                .and_then(|v| v.to_str().ok()),
            Some(encoding)
        );
        assert!(
            body.len() < plain.len(),
            "{encoding}: {} of {}",
            body.len(),
            plain.len()
        );
        let vary: Vec<&str> = headers
            .get_all("vary")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .collect();
        let vary = vary.join(",").to_ascii_lowercase();
        for name in ["origin", "x-trackline-key", "accept", "accept-encoding"] {
            assert!(
                vary.split(',').any(|v| v.trim() == name),
                "{encoding}: Vary {vary}"
            );
        }
    }
    // Answers ahead too: the page's readings together compress well.
    let response = proxy
        .client
        .post(format!("http://{}/answers", proxy.addr))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Origin", "https://shop.example")
        .header("Accept-Encoding", "br")
        .body(form_page(&format!(
            "https://shop.example/t?tracking={INPOST_NUMBER}"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response
            .headers()
            .get("content-encoding")
            .and_then(|v| v.to_str().ok()),
        Some("br")
    );
}

#[tokio::test]
async fn a_page_that_names_nothing_gets_no_answers_and_a_wrong_request_gets_a_problem() {
    let (sandbox, proxy) = sandbox_and_proxy().await;
    for page in [
        "https://shop.example/track",
        "https://shop.example/track?lang=de",
        "https://shop.example/track?order=4711",
        // A typo in the check digit: the widget shows what is wrong and asks no carrier.
        "https://shop.example/track?tracking=370724760010119755",
    ] {
        let ahead = proxy
            .post_answers(&form_page(page), Some("https://shop.example"))
            .await;
        assert_eq!(ahead.status, StatusCode::OK, "{page}: {}", ahead.body);
        assert_eq!(ahead.json()["answers"], serde_json::json!([]), "{page}");
    }
    let no_page = proxy
        .post_answers("lang=de", Some("https://shop.example"))
        .await;
    assert_eq!(no_page.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        no_page.problem_type(),
        "https://trackline.dev/problems/invalid-request"
    );
    assert!(no_page.json()["detail"].as_str().unwrap().contains("page"));
    let huge = proxy
        .post_answers(&"x".repeat(20_000), Some("https://shop.example"))
        .await;
    assert_eq!(huge.status, StatusCode::PAYLOAD_TOO_LARGE);
    let other_site = proxy
        .post_answers(
            &form_page(&format!("https://shop.example/t?tracking={INPOST_NUMBER}")),
            Some("https://elsewhere.example"),
        )
        .await;
    assert_eq!(
        other_site.problem_type(),
        "https://trackline.dev/problems/forbidden-origin"
    );
    let get = proxy.get("/answers").await;
    assert_eq!(get.status, StatusCode::METHOD_NOT_ALLOWED);
    for carrier in ["inpost", "di", "trackonline"] {
        assert_eq!(sandbox.requests(carrier).await, 0, "{carrier}");
    }
}

#[tokio::test]
async fn answers_ahead_spend_the_caller_s_own_limit() {
    let sandbox = Sandbox::start().await;
    let text = config_text(&sandbox.base)
        .replace("per_client_ip_burst = 1000", "per_client_ip_burst = 2")
        .replace(
            "per_client_ip_per_minute = 6000",
            "per_client_ip_per_minute = 2",
        );
    let proxy = Proxy::start(parse_config(&text)).await;
    let page = format!("https://shop.example/track?tracking={INPOST_NUMBER}");
    let ahead = proxy
        .post_answers(&form_page(&page), Some("https://shop.example"))
        .await;
    let statuses: Vec<u64> = ahead.json()["answers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|answer| answer["status"].as_u64().unwrap())
        .collect();
    // Four requests, a burst of two: the others are told to wait, as the widget's would be.
    assert_eq!(
        statuses.iter().filter(|s| **s == 429).count(),
        statuses.len() - 2,
        "{statuses:?}"
    );
    let own = proxy
        .get(&format!("/carriers/inpost/v1/tracking/{INPOST_NUMBER}"))
        .await;
    assert_eq!(own.status, StatusCode::TOO_MANY_REQUESTS);
}

// ------------------------------------------------------------------------------------------
// The scan.

#[tokio::test]
async fn no_secret_appears_in_any_response_or_log_line() {
    let (sandbox, proxy) = sandbox_and_proxy().await;
    // Exercise every path that touches a credential, including failures.
    sandbox.arm_fault("370724760010119778", "500").await;
    let paths = [
        format!("/carriers/di/ws/json/parcel/tracking/v-2/fetch/{DI_NUMBER}/EN/false"),
        "/carriers/di/ws/json/parcel/tracking/v-2/fetch/370724760010119778/EN/false".to_owned(),
        "/carriers/di/ws/json/parcel/tracking/v-2/fetch/370724760010199992/EN/false".to_owned(),
        "/carriers/trackonline/api/v1/uniqueitem?ItemNumber=CC-000123".to_owned(),
        "/carriers/trackonline/api/v1/iot/item/measurement?deviceId=00EDBED7".to_owned(),
        "/carriers/trackonline/api/v1/uniqueitem?ItemNumber=CC-000123&apikey=x".to_owned(),
    ];
    for path in &paths {
        proxy.get(path).await;
    }
    // A Di login that is refused, and a TrackOnline key that is refused.
    let wrong = config_text(&sandbox.base)
        .replace(DI_PASSWORD, "wrong-password-for-the-scan")
        .replace(TRACKONLINE_KEY, "wrong.trackonline.key-for-the-scan");
    let refused = Proxy::start(parse_config(&wrong)).await;
    let di = refused.get(&paths[0]).await;
    assert_eq!(
        di.problem_type(),
        "https://trackline.dev/problems/upstream-refused"
    );
    let trackonline = refused.get(&paths[3]).await;
    assert_eq!(
        trackonline.problem_type(),
        "https://trackline.dev/problems/upstream-refused"
    );
    proxy.get("/metrics").await;

    let mut secrets: Vec<String> = vec![
        DI_PASSWORD.into(),
        TRACKONLINE_KEY.into(),
        TRACKONLINE_SMALL_KEY.into(),
        "wrong-password-for-the-scan".into(),
        "wrong.trackonline.key-for-the-scan".into(),
    ];
    secrets.extend(extra_secrets().lock().unwrap().iter().cloned());
    let logs = String::from_utf8_lossy(&log_lines().lock().unwrap()).into_owned();
    let responses = seen_responses().lock().unwrap().clone();
    assert!(logs.contains("request"), "the log capture works");
    assert!(!responses.is_empty());
    for secret in &secrets {
        assert!(!logs.contains(secret.as_str()), "a log line holds {secret}");
        assert!(
            !responses.contains(secret.as_str()),
            "a response holds {secret}"
        );
    }
    // Di tokens are JWTs: base64url JSON, always starting with `eyJ`. (The sandbox logs the
    // first four characters, which are the same for every token.)
    assert!(!holds_jwt(&logs), "a log line holds a token");
    assert!(!holds_jwt(&responses), "a response holds a token");
    // Tracking numbers are masked in the proxy's own log lines.
    for line in logs
        .lines()
        .filter(|line| line.contains("trackline::proxy"))
    {
        assert!(!line.contains(DI_NUMBER), "unmasked number in: {line}");
    }
}

/// Whether `text` holds something shaped like a JWT: `eyJ`, a long base64url run, a dot.
fn holds_jwt(text: &str) -> bool {
    text.match_indices("eyJ").any(|(start, _)| {
        let rest = &text[start..];
        let run = rest
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_')
            .count();
        run >= 16 && rest.as_bytes().get(run) == Some(&b'.')
    })
}

#[test]
fn the_token_detector_finds_a_jwt_and_ignores_a_masked_prefix() {
    assert!(holds_jwt(
        "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"
    ));
    assert!(!holds_jwt("token=eyJh…(164 chars)"));
}

// ------------------------------------------------------------------------------------------
// One endpoint table: the proxy's allow-list, the sandbox's routes and core's request builders.

use trackline_core::carrier::endpoint::{self, Endpoint, ValueKind};
use trackline_core::carrier::Method;

/// A value the table accepts for a parameter, and that the sandbox's data set knows where it
/// matters (a reference it holds, so that found answers pass through too).
fn sample(endpoint: &Endpoint, kind: ValueKind) -> &'static str {
    match kind {
        ValueKind::Reference => match endpoint.carrier.as_str() {
            "inpost" => INPOST_NUMBER,
            "di" => DI_NUMBER,
            _ => "CC000123",
        },
        ValueKind::WrittenReference => "KD-REF-10001",
        ValueKind::Name => "KRA01M",
        ValueKind::OneOf(words) => words[words.len() - 1],
        ValueKind::Number => "1",
        ValueKind::Text => "2024-01-01",
    }
}

/// A request to `endpoint` as a client would build it from the table.
fn sample_path(endpoint: &Endpoint) -> String {
    let values: Vec<&str> = endpoint
        .path_parameters
        .iter()
        .map(|parameter| sample(endpoint, parameter.kind))
        .collect();
    let mut request = endpoint.request(&values);
    if let Some(parameter) = endpoint
        .query
        .iter()
        .find(|parameter| parameter.kind == ValueKind::Reference)
    {
        request = request.with_query(parameter.name, sample(endpoint, parameter.kind));
    }
    for parameter in endpoint.query {
        if let ValueKind::OneOf(words) = parameter.kind {
            request = request.with_query(parameter.name, words[0]);
        }
    }
    request.path_and_query()
}

#[test]
fn the_proxy_s_allow_list_is_the_table_s_get_endpoints() {
    let allowed: Vec<_> = proxy::routes::allow_list().map(|e| e.id).collect();
    let gets: Vec<_> = endpoint::ENDPOINTS
        .iter()
        .filter(|e| e.method == Method::Get)
        .map(|e| e.id)
        .collect();
    assert_eq!(allowed, gets);
    // And the router accepts exactly those: each GET endpoint's request is forwarded as the
    // client built it, each other endpoint's path is no route.
    let accept_all = |_: ValueKind, value: &str| Ok(value.to_owned());
    for endpoint in &endpoint::ENDPOINTS {
        let path = sample_path(endpoint);
        let (path_only, query) = match path.split_once('?') {
            Some((path, query)) => (path.to_owned(), Some(query.to_owned())),
            None => (path.clone(), None),
        };
        let routed = proxy::routes::parse(
            &format!("/carriers/{}{path_only}", endpoint.carrier),
            query.as_deref(),
            accept_all,
        );
        match (endpoint.method, routed) {
            (Method::Get, Ok(proxy::routes::ProxyRoute::Upstream(target))) => {
                assert_eq!(target.endpoint.id, endpoint.id);
                assert_eq!(target.path_and_query, path);
            }
            (Method::Post, Err(problem)) => {
                assert_eq!(
                    problem.kind,
                    proxy::problem::ProblemKind::NotFound,
                    "{path}"
                )
            }
            (method, other) => panic!("{method:?} {path}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn every_sandbox_route_is_an_endpoint_of_the_table_and_every_endpoint_a_sandbox_route() {
    let sandbox = Sandbox::start().await;
    let table: Vec<(Method, String)> = endpoint::ENDPOINTS
        .iter()
        .map(|e| (e.method, e.path.to_owned()))
        .collect();
    assert_eq!(sandbox::served_routes(), table);
    let client = reqwest::Client::new();
    for endpoint in &endpoint::ENDPOINTS {
        let url = format!("{}{}", sandbox.base, sample_path(endpoint));
        // The path is routed: the other method is refused with 405 in the carrier's format,
        // not answered by the fallback's 404.
        let other = match endpoint.method {
            Method::Get => client.post(&url),
            Method::Post => client.get(&url),
        };
        let answer = other
            .header("X-ApiKey", TRACKONLINE_KEY)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::METHOD_NOT_ALLOWED, "{url}");
        // One segment more is no route at all.
        let (path, query) = url.split_once('?').unwrap_or((&url, ""));
        let longer = client
            .get(format!("{path}/extra?{query}"))
            .header("X-ApiKey", TRACKONLINE_KEY)
            .send()
            .await
            .unwrap();
        assert_eq!(longer.status(), StatusCode::NOT_FOUND, "{path}/extra");
    }
}

#[tokio::test]
async fn the_proxy_forwards_every_get_endpoint_of_the_table_to_the_sandbox() {
    let (sandbox, proxy) = sandbox_and_proxy().await;
    for endpoint in proxy::routes::allow_list() {
        let path = format!("/carriers/{}{}", endpoint.carrier, sample_path(endpoint));
        let before = sandbox.requests(endpoint.carrier.as_str()).await;
        let answer = proxy.get(&path).await;
        assert!(
            [
                StatusCode::OK,
                StatusCode::NO_CONTENT,
                StatusCode::NOT_FOUND
            ]
            .contains(&answer.status),
            "{path}: {} {}",
            answer.status,
            answer.body
        );
        assert!(!answer.body.contains("no such"), "{path}: {}", answer.body);
        assert!(
            sandbox.requests(endpoint.carrier.as_str()).await > before,
            "{path} never reached the sandbox"
        );
    }
}

/// A carrier that answers every request with one fixed status, headers and body.
async fn fixed_carrier(
    status: u16,
    headers: &'static [(&'static str, String)],
    body: &'static [u8],
) -> String {
    let upstream = Router::new().fallback(move || async move {
        let mut response = axum::response::Response::new(axum::body::Body::from(body));
        *response.status_mut() = StatusCode::from_u16(status).unwrap();
        for (name, value) in headers {
            response.headers_mut().insert(*name, value.parse().unwrap());
        }
        response
    });
    format!("http://{}", serve(upstream).await)
}

#[tokio::test]
async fn a_body_core_accepts_passes_the_proxy_with_its_byte_order_mark_and_trailing_commas() {
    // InPost's own documentation shows trailing commas; some servers add a byte-order mark.
    const BODY: &[u8] = b"\xEF\xBB\xBF{\"tracking_number\": \"520000011395200025009871\", \"status\": \"delivered\", \"tracking_details\": [{\"status\": \"delivered\", \"datetime\": \"2024-06-01T10:00:00.000+02:00\",},],}";
    let base = fixed_carrier(200, &[], BODY).await;
    let proxy = Proxy::start(parse_config(&config_text(&base))).await;
    let answer = proxy
        .get(&format!("/carriers/inpost/v1/tracking/{INPOST_NUMBER}"))
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert!(answer.body.contains("delivered"), "{}", answer.body);
}

#[tokio::test]
async fn a_retry_after_written_as_an_http_date_is_passed_on_as_seconds() {
    let in_two_minutes = std::time::SystemTime::now() + std::time::Duration::from_secs(120);
    let headers: &'static [(&'static str, String)] = Box::leak(Box::new([(
        "retry-after",
        httpdate::fmt_http_date(in_two_minutes),
    )]));
    let base = fixed_carrier(429, headers, b"").await;
    let proxy = Proxy::start(parse_config(&config_text(&base))).await;
    let answer = proxy
        .get(&format!("/carriers/inpost/v1/tracking/{INPOST_NUMBER}"))
        .await;
    assert_eq!(
        answer.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        answer.body
    );
    let seconds: u64 = answer.header("retry-after").unwrap().parse().unwrap();
    assert!((100..=120).contains(&seconds), "{seconds}");
}
