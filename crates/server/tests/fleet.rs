//! A fleet: three proxy replicas sharing one `redis-server`, behind `nginx` running the
//! configuration merchants are given (`examples/fleet/nginx.conf`, only its addresses replaced),
//! in front of the sandbox carriers. Every server is Debian's package (installed by
//! `scripts/setup`) or the proxy itself, on free loopback ports, stopped when the test ends.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};
use trackline::proxy::{self, ProxyConfig};
use trackline::sandbox::{self, SandboxConfig};

mod loopback;
mod redis_server;
use loopback::{di_path, serve, Answer};
use redis_server::RedisServer;

const ADMIN_TOKEN: &str = "test-admin-token-0123456789";
const DI_PASSWORD: &str = "sandbox-only-password";
const INPOST_NUMBER: &str = "520000011395200025009871";
const DI_NUMBERS: [&str; 2] = ["370724760010119754", "370724760010119778"];
const REPLICAS: usize = 3;

/// Polls `condition` until it holds; the test's own timeout ends a wait that never does.
async fn until<F, Fut>(mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    while !condition().await {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free loopback port")
        .port()
}

/// `nginx` with the merchants' configuration, its listen address and replica lines replaced.
struct Nginx {
    addr: SocketAddr,
    folder: PathBuf,
    binary: &'static str,
    process: Child,
}

impl Nginx {
    fn start(replicas: &[SocketAddr]) -> Nginx {
        let example = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../examples/fleet/nginx.conf"
        );
        let text = std::fs::read_to_string(example).expect("examples/fleet/nginx.conf");
        let port = free_port();
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        // The example's replica lines are replaced by one line per replica of this fleet.
        let mut servers_written = false;
        let mut lines = Vec::new();
        for line in text.lines() {
            let trimmed = line.trim_start();
            if trimmed.starts_with("server 127.0.0.1:") {
                if !servers_written {
                    for replica in replicas {
                        lines.push(format!("    server {replica} max_fails=1 fail_timeout=5s;"));
                    }
                    servers_written = true;
                }
            } else if trimmed.starts_with("listen 127.0.0.1:") {
                lines.push(format!("    listen {addr};"));
            } else {
                lines.push(line.to_owned());
            }
        }
        assert!(servers_written, "the example lists its replicas");
        let folder =
            std::env::temp_dir().join(format!("trackline-nginx-{}-{port}", std::process::id()));
        let _ = std::fs::remove_dir_all(&folder);
        std::fs::create_dir_all(&folder).unwrap();
        // nginx's workers may run as another user than the test: they write here.
        for name in ["body", "proxy"] {
            let dir = folder.join(name);
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::set_permissions(&dir, std::os::unix::fs::PermissionsExt::from_mode(0o777))
                .unwrap();
        }
        std::fs::write(folder.join("trackline.conf"), lines.join("\n")).unwrap();
        let folder_text = folder.display();
        std::fs::write(
            folder.join("nginx.conf"),
            format!(
                "pid {folder_text}/nginx.pid;\n\
                 error_log {folder_text}/error.log warn;\n\
                 worker_processes 1;\n\
                 events {{ worker_connections 512; }}\n\
                 http {{\n\
                 access_log off;\n\
                 client_body_temp_path {folder_text}/body;\n\
                 proxy_temp_path {folder_text}/proxy;\n\
                 include {folder_text}/trackline.conf;\n\
                 }}\n"
            ),
        )
        .unwrap();
        let binary = ["/usr/sbin/nginx", "/usr/bin/nginx"]
            .into_iter()
            .find(|path| std::path::Path::new(path).exists())
            .unwrap_or("nginx");
        let process = Command::new(binary)
            .arg("-p")
            .arg(&folder)
            .arg("-e")
            .arg(folder.join("error.log"))
            .arg("-c")
            .arg(folder.join("nginx.conf"))
            .args(["-g", "daemon off;"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("nginx runs (scripts/setup installs Debian's nginx)");
        Nginx {
            addr,
            folder,
            binary,
            process,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Waits until nginx passes requests on to the replicas.
    async fn ready(&mut self) {
        let client = reqwest::Client::new();
        let url = self.url("/healthz");
        loop {
            if let Ok(response) = client.get(&url).send().await {
                if response.status() == StatusCode::OK {
                    return;
                }
            }
            if let Some(status) = self.process.try_wait().unwrap() {
                let log =
                    std::fs::read_to_string(self.folder.join("error.log")).unwrap_or_default();
                panic!("nginx exited with {status} before serving: {log}");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // `nginx -s stop` (SIGTERM to the master, which stops its workers): killing the master
        // alone would leave its workers running, orphaned.
        let stopped = Command::new(self.binary)
            .arg("-p")
            .arg(&self.folder)
            .arg("-e")
            .arg(self.folder.join("error.log"))
            .arg("-c")
            .arg(self.folder.join("nginx.conf"))
            .args(["-s", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        if !stopped {
            let _ = self.process.kill();
        }
        let _ = self.process.wait();
        let _ = std::fs::remove_dir_all(&self.folder);
    }
}

/// What a fleet's replicas are configured with, besides the addresses.
struct Settings {
    per_client: (u32, u32),
    trackonline_per_minute: u32,
    di_password: &'static str,
    di_access: &'static str,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            per_client: (60_000, 10_000),
            trackonline_per_minute: 6000,
            di_password: DI_PASSWORD,
            di_access: "key",
        }
    }
}

struct Fleet {
    redis: RedisServer,
    sandbox: String,
    replicas: Vec<String>,
    nginx: Nginx,
    client: reqwest::Client,
}

async fn answer(request: reqwest::RequestBuilder) -> Answer {
    let response = request.send().await.expect("the fleet answers");
    Answer::read(response).await
}

impl Fleet {
    async fn start(settings: Settings) -> Fleet {
        let redis = RedisServer::start();
        let sandbox = serve(sandbox::app(SandboxConfig::builtin_in_memory())).await;
        let sandbox = format!("http://{sandbox}");
        let mut addrs = Vec::new();
        for _ in 0..REPLICAS {
            let text = format!(
                r#"
[server]
timeout_ms = 3000
trusted_proxies = ["127.0.0.1"]

[rate_limits]
per_client_ip_per_minute = {per_minute}
per_client_ip_burst = {burst}

[access]
admin_token = "{ADMIN_TOKEN}"

[shared]
redis_url = "{redis}"

[carriers.inpost]
base_url = "{sandbox}"
cache_ttl_secs = 60

[carriers.di]
base_url = "{sandbox}"
username = "wssandbox"
password = "{di_password}"
access = "{di_access}"

[carriers.trackonline]
base_url = "{sandbox}"
api_key = "sandbox.trackonline.demo-key"
requests_per_minute = {trackonline}
client_share = 1.0
access = "public"
"#,
                per_minute = settings.per_client.0,
                burst = settings.per_client.1,
                redis = redis.url(),
                di_password = settings.di_password,
                di_access = settings.di_access,
                trackonline = settings.trackonline_per_minute,
            );
            let config = ProxyConfig::parse(&text, &|_| None).unwrap();
            addrs.push(serve(proxy::try_app(config).await.unwrap()).await);
        }
        let mut nginx = Nginx::start(&addrs);
        nginx.ready().await;
        Fleet {
            redis,
            sandbox,
            replicas: addrs.iter().map(|addr| format!("http://{addr}")).collect(),
            nginx,
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap(),
        }
    }

    async fn get(&self, path: &str) -> Answer {
        answer(self.client.get(self.nginx.url(path))).await
    }

    async fn get_keyed(&self, path: &str, key: &str) -> Answer {
        answer(
            self.client
                .get(self.nginx.url(path))
                .header("X-Trackline-Key", key),
        )
        .await
    }

    /// How many requests the sandbox had for `carrier`.
    async fn carrier_requests(&self, carrier: &str) -> u64 {
        let stats: Value = self
            .client
            .get(format!("{}/_sandbox/stats", self.sandbox))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        stats["requests"][carrier].as_u64().unwrap()
    }

    /// The sum of one counter over every replica's `/metrics`.
    async fn counted(&self, line_start: &str) -> u64 {
        let mut sum = 0;
        for replica in &self.replicas {
            let text = self
                .client
                .get(format!("{replica}/metrics"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            sum += text
                .lines()
                .filter_map(|line| line.strip_prefix(line_start))
                .map(|value| value.trim().parse::<f64>().unwrap() as u64)
                .sum::<u64>();
        }
        sum
    }

    /// Through nginx's admin route: user `anna`, a Di parcel in her scope, and her key.
    async fn anna_with_a_key(&self) -> String {
        let admin = |path: &str, body: Value| {
            self.client
                .post(self.nginx.url(path))
                .bearer_auth(ADMIN_TOKEN)
                .json(&body)
        };
        let created = answer(admin("/admin/v1/users", json!({ "name": "anna" }))).await;
        assert!(created.status.is_success(), "{}", created.body);
        let added = answer(admin(
            "/admin/v1/users/anna/shipments",
            json!({ "references": [format!("sscc={}", DI_NUMBERS[0])] }),
        ))
        .await;
        assert_eq!(added.json(), json!({ "added": 1, "already_registered": 0 }));
        let key = answer(admin(
            "/admin/v1/users/anna/keys",
            json!({ "name": "anna-phone" }),
        ))
        .await;
        assert_eq!(key.status, StatusCode::CREATED, "{}", key.body);
        key.json()["key"].as_str().unwrap().to_owned()
    }
}

fn inpost_path(number: &str) -> String {
    format!("/carriers/inpost/v1/tracking/{number}")
}

fn trackonline_path(reference: &str) -> String {
    format!("/carriers/trackonline/api/v1/transaction?ReferenceNumber={reference}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_requests_for_one_uncached_reference_over_three_replicas_reach_the_carrier_once() {
    let fleet = Fleet::start(Settings::default()).await;
    let path = inpost_path(INPOST_NUMBER);
    let requests = (0..50).map(|_| fleet.get(&path));
    let answers = futures_util::future::join_all(requests).await;
    for answer in &answers {
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        assert_eq!(answer.body, answers[0].body);
    }
    assert_eq!(fleet.carrier_requests("inpost").await, 1);
    let misses = answers
        .iter()
        .filter(|answer| answer.header("x-trackline-cache") == Some("miss"))
        .count();
    assert_eq!(misses, 1, "exactly one replica called the carrier");
    // Every replica answered some of them (nginx balanced them).
    assert_eq!(
        fleet
            .counted("trackline_proxy_requests_total{carrier=\"inpost\",status=\"200\"}")
            .await,
        50
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_replica_sends_core_s_reading_of_an_answer_one_of_them_fetched() {
    use trackline_core::carrier::{
        normalize, CarrierResponse, Normalized, Reading, ResponseKind, ACCEPT_READING,
        READING_MEDIA_TYPE,
    };
    let fleet = Fleet::start(Settings::default()).await;
    let path = inpost_path(INPOST_NUMBER);
    let ask = |replica: &String, accept: &str| {
        answer(
            fleet
                .client
                .get(format!("{replica}{path}"))
                .header("Accept", accept),
        )
    };
    let bytes = ask(&fleet.replicas[0], "application/json").await;
    assert_eq!(bytes.header("x-trackline-cache"), Some("miss"));
    let Ok(Normalized::Shipments(shipments)) = normalize(
        ResponseKind::InpostTracking,
        &CarrierResponse::new(200, bytes.body.as_bytes()),
        Some(INPOST_NUMBER),
    ) else {
        panic!("InPost's answer reads as shipments: {}", bytes.body);
    };
    // The others take the answer from the fleet's cache in Redis and read it themselves.
    for replica in &fleet.replicas[1..] {
        let reading = ask(replica, ACCEPT_READING).await;
        assert_eq!(reading.header("x-trackline-cache"), Some("shared"));
        assert_eq!(reading.header("content-type"), Some(READING_MEDIA_TYPE));
        assert_eq!(
            Reading::from_json(reading.body.as_bytes()).unwrap(),
            Reading::Shipments(shipments.clone())
        );
    }
    assert_eq!(fleet.carrier_requests("inpost").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trackonline_budget_of_ten_a_minute_holds_for_the_whole_fleet() {
    // Ten calls a minute with a burst of five, for the fleet: each replica on its own would
    // allow fifteen between them at once.
    let fleet = Fleet::start(Settings {
        trackonline_per_minute: 10,
        ..Settings::default()
    })
    .await;
    let mut passed = 0;
    let mut refused = 0;
    for reference in 1..=12 {
        let answer = fleet
            .get(&trackonline_path(&format!("R-{reference}")))
            .await;
        if answer.status == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(answer.problem(), "rate-limited", "{}", answer.body);
            assert!(answer.json()["detail"].as_str().unwrap().contains("budget"));
            assert!(answer.header("retry-after").is_some());
            refused += 1;
        } else {
            passed += 1;
        }
    }
    let calls = fleet.carrier_requests("trackonline").await;
    assert_eq!(calls, passed);
    // The burst, and at most one more if the test straddled a refill (one every six seconds).
    assert!(
        (5..=6).contains(&calls),
        "{calls} calls reached TrackOnline"
    );
    assert_eq!(refused, 12 - passed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_revoked_through_one_replica_is_refused_by_every_replica_on_its_next_request() {
    let fleet = Fleet::start(Settings::default()).await;
    let key = fleet.anna_with_a_key().await;
    for _ in 0..REPLICAS {
        let works = fleet.get_keyed(&di_path(DI_NUMBERS[0]), &key).await;
        assert_eq!(works.status, StatusCode::OK, "{}", works.body);
    }
    let revoked = answer(
        fleet
            .client
            .delete(format!("{}/admin/v1/keys/anna-phone", fleet.replicas[0]))
            .bearer_auth(ADMIN_TOKEN),
    )
    .await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT, "{}", revoked.body);
    // Not a moment later, on every replica: none of them keeps a verdict.
    for replica in &fleet.replicas {
        let refused = answer(
            fleet
                .client
                .get(format!("{replica}{}", di_path(DI_NUMBERS[0])))
                .header("X-Trackline-Key", &key),
        )
        .await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{}", refused.body);
        assert_eq!(refused.problem(), "unauthorized");
    }
    for _ in 0..REPLICAS {
        let refused = fleet.get_keyed(&di_path(DI_NUMBERS[0]), &key).await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{}", refused.body);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_di_login_serves_the_whole_fleet() {
    let fleet = Fleet::start(Settings {
        di_access: "public",
        ..Settings::default()
    })
    .await;
    for replica in &fleet.replicas {
        for number in DI_NUMBERS {
            let answer = answer(fleet.client.get(format!("{replica}{}", di_path(number)))).await;
            assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        }
    }
    assert_eq!(fleet.counted("trackline_proxy_di_logins_total").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_di_login_backs_off_the_whole_fleet() {
    let fleet = Fleet::start(Settings {
        di_access: "public",
        di_password: "not-the-password",
        ..Settings::default()
    })
    .await;
    for replica in &fleet.replicas {
        for number in DI_NUMBERS {
            let answer = answer(fleet.client.get(format!("{replica}{}", di_path(number)))).await;
            assert_eq!(answer.status, StatusCode::BAD_GATEWAY, "{}", answer.body);
            assert_eq!(answer.problem(), "upstream-refused");
            let wait: u64 = answer.header("retry-after").unwrap().parse().unwrap();
            assert!((1..=5).contains(&wait), "{wait}");
        }
    }
    assert_eq!(fleet.counted("trackline_proxy_di_logins_total").await, 1);
    assert_eq!(fleet.carrier_requests("di").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_client_limits_count_the_address_nginx_forwards_not_nginx_s() {
    // Three requests at once, then one a minute, for each client across the fleet.
    let fleet = Fleet::start(Settings {
        per_client: (1, 3),
        ..Settings::default()
    })
    .await;
    let from = |address: &str| {
        reqwest::Client::builder()
            .local_address(address.parse::<IpAddr>().unwrap())
            .build()
            .unwrap()
    };
    let first = from("127.0.0.2");
    let path = inpost_path(INPOST_NUMBER);
    for _ in 0..3 {
        let passed = answer(first.get(fleet.nginx.url(&path))).await;
        assert_eq!(passed.status, StatusCode::OK, "{}", passed.body);
    }
    // A header the client writes itself does not make it someone else.
    let refused = answer(
        first
            .get(fleet.nginx.url(&path))
            .header("X-Forwarded-For", "198.51.100.7"),
    )
    .await;
    assert_eq!(
        refused.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        refused.body
    );
    assert_eq!(refused.problem(), "rate-limited");
    // nginx's own address is not what was counted: another client is served.
    let second = from("127.0.0.3");
    let served = answer(second.get(fleet.nginx.url(&path))).await;
    assert_eq!(served.status, StatusCode::OK, "{}", served.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_redis_stopped_keys_fail_closed_answers_keep_coming_and_the_fleet_recovers_with_nothing_lost(
) {
    let mut fleet = Fleet::start(Settings {
        per_client: (60, 20),
        ..Settings::default()
    })
    .await;
    let key = fleet.anna_with_a_key().await;
    let keyed = di_path(DI_NUMBERS[0]);
    assert_eq!(fleet.get_keyed(&keyed, &key).await.status, StatusCode::OK);
    let inpost = inpost_path(INPOST_NUMBER);
    assert_eq!(fleet.get(&inpost).await.status, StatusCode::OK);

    fleet.redis.stop();
    for _ in 0..REPLICAS {
        let refused = fleet.get_keyed(&keyed, &key).await;
        assert_eq!(
            refused.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{}",
            refused.body
        );
        assert_eq!(refused.problem(), "access-unavailable");
    }
    // The public carrier keeps answering on every replica, from its own cache or the carrier,
    // with its own limits: each replica still counts its clients.
    for _ in 0..REPLICAS {
        let served = fleet.get(&inpost).await;
        assert_eq!(served.status, StatusCode::OK, "{}", served.body);
    }
    assert!(
        fleet
            .counted("trackline_proxy_shared_fallbacks_total{state=\"limits\"}")
            .await
            >= 1
    );
    for replica in &fleet.replicas {
        let ready = answer(fleet.client.get(format!("{replica}/readyz"))).await;
        assert_eq!(
            ready.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{}",
            ready.body
        );
        assert_eq!(ready.json()["checks"]["shared_redis"], "unreachable");
    }

    // Redis comes back from its append-only file; the replicas reconnect by themselves.
    fleet.redis.restart();
    until(|| async {
        let mut all = true;
        for replica in &fleet.replicas {
            let works = answer(
                fleet
                    .client
                    .get(format!("{replica}{keyed}"))
                    .header("X-Trackline-Key", &key),
            )
            .await;
            all &= works.status == StatusCode::OK;
        }
        all
    })
    .await;
    // Ready again means the shared state is in use again, not only the access model.
    until(|| async {
        let mut all = true;
        for replica in &fleet.replicas {
            let ready = answer(fleet.client.get(format!("{replica}/readyz"))).await;
            all &= ready.status == StatusCode::OK;
        }
        all
    })
    .await;
    // Nothing written before the outage is lost: the user, her key and her shipment.
    let shipments = answer(
        fleet
            .client
            .get(fleet.nginx.url("/admin/v1/users/anna/shipments"))
            .bearer_auth(ADMIN_TOKEN),
    )
    .await;
    assert_eq!(shipments.status, StatusCode::OK, "{}", shipments.body);
    assert!(shipments.body.contains(DI_NUMBERS[0]), "{}", shipments.body);
    // And the shared cache works again: an answer stored by one replica serves the others.
    let stored_before = fleet.carrier_requests("inpost").await;
    let fresh = inpost_path("520000011395200025009888");
    let answers = futures_util::future::join_all((0..6).map(|_| fleet.get(&fresh))).await;
    for answer in &answers {
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    }
    assert_eq!(fleet.carrier_requests("inpost").await, stored_before + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_carrier_s_retry_after_seen_by_one_replica_holds_back_every_replica() {
    let fleet = Fleet::start(Settings::default()).await;
    // The built-in data set answers this number with 503 and Retry-After: 30.
    let unavailable = answer(fleet.client.get(format!(
        "{}{}",
        fleet.replicas[0],
        inpost_path("520000011395200000000503")
    )))
    .await;
    assert_eq!(
        unavailable.status,
        StatusCode::BAD_GATEWAY,
        "{}",
        unavailable.body
    );
    assert_eq!(unavailable.header("retry-after"), Some("30"));
    assert_eq!(fleet.carrier_requests("inpost").await, 1);
    // The other replicas do not ask InPost about any parcel while it said it is away.
    for replica in &fleet.replicas[1..] {
        let held_back = answer(
            fleet
                .client
                .get(format!("{replica}{}", inpost_path(INPOST_NUMBER))),
        )
        .await;
        assert_eq!(
            held_back.status,
            StatusCode::BAD_GATEWAY,
            "{}",
            held_back.body
        );
        assert_eq!(held_back.problem(), "upstream-unavailable");
        let wait: u64 = held_back.header("retry-after").unwrap().parse().unwrap();
        assert!((1..=30).contains(&wait), "{wait}");
    }
    assert_eq!(fleet.carrier_requests("inpost").await, 1);
}
