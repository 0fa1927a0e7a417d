//! Load figures for the proxy: requests per second and p50/p99 latency for cached hits, cached
//! hits asked for as the widget asks (core's reading of the answer, by `Accept`), cached hits of
//! a fleet replica on Redis, uncached forwards, cors-anywhere (npm, pinned in
//! package.json) forwarding to the same upstream, and the sandbox called directly, in one run on
//! the same machine. The sandbox, the proxies and the load generator run in this process on
//! loopback, with redis-server and node beside it (all share the cores), so the figures compare
//! the modes rather than promise a production throughput. A mode whose server is missing
//! (`scripts/setup` installs them) is reported as such and the others still run.
//!
//! The load comes from `wrk` (Debian's package) when it is installed: `--seconds` per mode, with
//! `--concurrency` connections on two threads, the figures it prints. Without it (or with
//! `--generator reqwest`), from a reqwest client in this process: `--requests` per mode, with
//! `--concurrency` workers; that client is then the ceiling of every row.
//!
//! Run with `scripts/bench-proxy [--seconds S] [--requests N] [--concurrency C] [--generator wrk|reqwest]`.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use trackline::proxy::{self, ProxyConfig};
use trackline::sandbox::{self, SandboxConfig};
use trackline_core::carrier::{is_reading_content_type, ACCEPT_READING};

/// The allocator of the `trackline` binary (see its `main.rs`), so that the figures are the
/// shipped proxy's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const KNOWN_NUMBER: &str = "520000011395200025009871";

struct Settings {
    requests: usize,
    concurrency: usize,
    seconds: u64,
    wrk: bool,
}

fn wrk_installed() -> bool {
    std::process::Command::new("wrk")
        .arg("--version")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok()
}

fn settings() -> Settings {
    let mut settings = Settings {
        requests: 5_000,
        concurrency: 32,
        seconds: 5,
        wrk: wrk_installed(),
    };
    let args: Vec<String> = std::env::args().collect();
    let mut index = 1;
    while index < args.len() {
        let text = args.get(index + 1).map(String::as_str);
        let value = text.and_then(|value| value.parse().ok());
        match (args[index].as_str(), value) {
            ("--requests", Some(value)) => settings.requests = value,
            ("--concurrency", Some(value)) => settings.concurrency = value,
            ("--seconds", Some(value)) => settings.seconds = value as u64,
            ("--generator", _) if text == Some("reqwest") => settings.wrk = false,
            ("--generator", _) if text == Some("wrk") => settings.wrk = true,
            // `cargo bench` passes `--bench`; anything else is ignored likewise.
            _ => {
                index += 1;
                continue;
            }
        }
        index += 2;
    }
    settings.concurrency = settings.concurrency.clamp(1, settings.requests.max(1));
    settings
}

async fn serve(router: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("bound address");
    tokio::spawn(async move {
        let _ = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await;
    });
    addr
}

fn proxy_config(sandbox: &str, cache_ttl_secs: u64, redis_url: Option<&str>) -> ProxyConfig {
    let shared = redis_url
        .map(|url| format!("[shared]\nredis_url = \"{url}\"\n"))
        .unwrap_or_default();
    let text = format!(
        "[server]\nmax_concurrent_requests = 4096\n\
         [rate_limits]\nper_client_ip_per_minute = 100000000\nper_client_ip_burst = 100000000\n\
         {shared}\
         [carriers.inpost]\nbase_url = \"{sandbox}\"\ncache_ttl_secs = {cache_ttl_secs}\n\
         requests_per_minute = 100000000\nmax_concurrent_requests = 4096\n"
    );
    ProxyConfig::parse(&text, &|_| None).expect("the benchmark configuration is valid")
}

struct Figures {
    requests_per_second: f64,
    p50: Duration,
    p99: Duration,
    failures: u64,
}

/// Sends `settings.requests` GETs with `settings.concurrency` workers; `path` makes the i-th path.
/// With `accept`, each asks for core's reading, and an answer that is not one counts as failed.
async fn load(
    base: &str,
    path: fn(usize) -> String,
    accept: Option<&'static str>,
    settings: &Settings,
) -> Figures {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(settings.concurrency)
        .build()
        .expect("HTTP client");
    let next = Arc::new(AtomicU64::new(0));
    let failures = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..settings.concurrency {
        let (client, next, failures, base) = (
            client.clone(),
            next.clone(),
            failures.clone(),
            base.to_owned(),
        );
        let total = settings.requests as u64;
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                if index >= total {
                    break latencies;
                }
                let sent = Instant::now();
                let mut request = client.get(format!("{base}{}", path(index as usize)));
                if let Some(accept) = accept {
                    request = request.header(reqwest::header::ACCEPT, accept);
                }
                let ok = match request.send().await {
                    Ok(response) => {
                        let status = response.status();
                        let reading = accept.is_none() || is_reading(&response);
                        response.bytes().await.is_ok()
                            && reading
                            && (status.is_success() || status.as_u16() == 404)
                    }
                    Err(_) => false,
                };
                latencies.push(sent.elapsed());
                if !ok {
                    failures.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    let mut latencies = Vec::with_capacity(settings.requests);
    for worker in workers {
        latencies.extend(worker.await.expect("worker"));
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let percentile =
        |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
    Figures {
        requests_per_second: latencies.len() as f64 / elapsed.as_secs_f64(),
        p50: percentile(0.50),
        p99: percentile(0.99),
        failures: failures.load(Ordering::Relaxed),
    }
}

/// Whether `response` carries core's reading of the carrier's answer.
fn is_reading(response: &reqwest::Response) -> bool {
    response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(is_reading_content_type)
}

/// A different unknown InPost number per request (outside the sandbox's fault numbers): every
/// one is a real upstream call, answered 404.
fn unique_number(index: usize) -> String {
    format!("520999990000{index:012}")
}

fn cached_path(_: usize) -> String {
    format!("/carriers/inpost/v1/tracking/{KNOWN_NUMBER}")
}

fn forwarded_path(index: usize) -> String {
    format!("/carriers/inpost/v1/tracking/{}", unique_number(index))
}

fn direct_path(index: usize) -> String {
    format!("/v1/tracking/{}", unique_number(index))
}

/// A server the benchmark started beside it, stopped when dropped.
struct Beside(std::process::Child);

impl Drop for Beside {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("a free loopback port")
}

/// A `redis-server` without persistence on a free port, answering PING; its URL.
fn start_redis() -> Result<(Beside, String), String> {
    use std::process::{Command, Stdio};
    let port = free_port();
    let child = Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|error| format!("redis-server cannot start ({error}); run scripts/setup"))?;
    let redis = Beside(child);
    let url = format!("redis://127.0.0.1:{port}/0");
    let client = redis::Client::open(url.as_str()).map_err(|error| error.to_string())?;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let answered = client
            .get_connection_with_timeout(Duration::from_millis(200))
            .and_then(|mut connection| redis::cmd("PING").query::<String>(&mut connection));
        if answered.is_ok() {
            return Ok((redis, url));
        }
        if Instant::now() > deadline {
            return Err("redis-server did not answer PING".into());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// cors-anywhere under node, on a free port; its base URL.
fn start_cors_anywhere() -> Result<(Beside, String), String> {
    use std::io::BufRead;
    use std::process::{Command, Stdio};
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/cors-anywhere.cjs");
    let mut child = Command::new("node")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| format!("node cannot start ({error}); run scripts/setup"))?;
    let stdout = child.stdout.take().expect("piped stdout");
    let mut first = String::new();
    let read = std::io::BufReader::new(stdout).read_line(&mut first);
    let beside = Beside(child);
    match (read, first.trim().strip_prefix("listening ")) {
        (Ok(_), Some(port)) => Ok((beside, format!("http://127.0.0.1:{port}"))),
        _ => Err("cors-anywhere did not start: run scripts/setup (npm ci installs it)".into()),
    }
}

/// What wrk asks for in one mode: one path, or a prefix completed by a number per request.
#[derive(Clone, Copy)]
enum Paths {
    Fixed(fn(usize) -> String),
    Unique(&'static str),
}

/// Runs wrk against `base` for `settings.seconds` and reads its figures; with `accept`, every
/// request carries that `Accept`.
async fn wrk(base: &str, paths: Paths, accept: Option<&str>, settings: &Settings) -> Figures {
    let (path, unique) = match paths {
        Paths::Fixed(path) => (path(0), "0"),
        Paths::Unique(prefix) => (prefix.to_owned(), "1"),
    };
    // cors-anywhere's base carries the upstream in its path: wrk takes host and port from the URL
    // and asks for what the script says.
    let url = reqwest::Url::parse(base).expect("a base URL");
    let origin = format!("{}://{}", url.scheme(), url.authority());
    let path = format!("{}{path}", url.path().trim_end_matches('/'));
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/wrk-paths.lua");
    let mut command = std::process::Command::new("wrk");
    command
        .args(["-t", "2", "-c", &settings.concurrency.to_string()])
        .args([
            "-d",
            &format!("{}s", settings.seconds),
            "--latency",
            "-s",
            script,
        ])
        .args(accept.map(|accept| format!("--header=Accept: {accept}")))
        .arg(&origin)
        .env("TRACKLINE_BENCH_PATH", path)
        .env("TRACKLINE_BENCH_UNIQUE", unique);
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .expect("wrk's task")
        .expect("wrk runs");
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let (mut figures, not_success) =
        read_wrk(&text).unwrap_or_else(|| panic!("wrk printed no figures:\n{text}"));
    // A fixed path is a parcel the sandbox knows: anything but 200 failed. A unique number is
    // answered 404, which wrk counts among its non-2xx answers.
    if matches!(paths, Paths::Fixed(_)) {
        figures.failures += not_success;
    }
    figures
}

/// Requests per second, p50 and p99 from wrk's `--latency` output, socket errors as failures, and
/// the count of answers that were not 2xx or 3xx.
fn read_wrk(text: &str) -> Option<(Figures, u64)> {
    let duration = |value: &str| -> Option<Duration> {
        let split = value.find(|c: char| c.is_ascii_alphabetic())?;
        let (number, unit) = value.split_at(split);
        let number: f64 = number.parse().ok()?;
        let seconds = match unit {
            "us" => number / 1e6,
            "ms" => number / 1e3,
            "s" => number,
            "m" => number * 60.0,
            _ => return None,
        };
        Some(Duration::from_secs_f64(seconds))
    };
    let mut figures = Figures {
        requests_per_second: 0.0,
        p50: Duration::ZERO,
        p99: Duration::ZERO,
        failures: 0,
    };
    let mut found = 0;
    let mut not_success = 0;
    for line in text.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        match fields.as_slice() {
            ["50%", value] => {
                figures.p50 = duration(value)?;
                found += 1;
            }
            ["99%", value] => {
                figures.p99 = duration(value)?;
                found += 1;
            }
            ["Requests/sec:", value] => {
                figures.requests_per_second = value.parse().ok()?;
                found += 1;
            }
            ["Non-2xx", "or", "3xx", "responses:", value] => {
                not_success = value.parse().ok()?;
            }
            ["Socket", "errors:", rest @ ..] => {
                figures.failures += rest
                    .iter()
                    .filter_map(|field| field.trim_end_matches(',').parse::<u64>().ok())
                    .sum::<u64>();
            }
            _ => {}
        }
    }
    (found == 3).then_some((figures, not_success))
}

/// One mode's figures, from wrk or from the in-process client.
async fn measure(
    base: &str,
    paths: Paths,
    in_process: fn(usize) -> String,
    accept: Option<&'static str>,
    settings: &Settings,
) -> Figures {
    if settings.wrk {
        wrk(base, paths, accept, settings).await
    } else {
        load(base, in_process, accept, settings).await
    }
}

fn print(name: &str, figures: &Figures) {
    println!(
        "{name:<28} {:>10.0} req/s   p50 {:>8.2} ms   p99 {:>8.2} ms   failures {}",
        figures.requests_per_second,
        figures.p50.as_secs_f64() * 1000.0,
        figures.p99.as_secs_f64() * 1000.0,
        figures.failures
    );
}

fn main() {
    let settings = settings();
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    runtime.block_on(async {
        let sandbox = format!(
            "http://{}",
            serve(sandbox::app(SandboxConfig::builtin_in_memory())).await
        );
        let cached = format!(
            "http://{}",
            serve(proxy::app(proxy_config(&sandbox, 3600, None)).await).await
        );
        let uncached = format!(
            "http://{}",
            serve(proxy::app(proxy_config(&sandbox, 0, None)).await).await
        );
        let redis = start_redis();
        let fleet = match &redis {
            Ok((_, url)) => Some(format!(
                "http://{}",
                serve(proxy::app(proxy_config(&sandbox, 3600, Some(url))).await).await
            )),
            Err(_) => None,
        };
        let cors_anywhere = start_cors_anywhere();
        // cors-anywhere takes the upstream URL as its path.
        let through_cors_anywhere = cors_anywhere
            .as_ref()
            .ok()
            .map(|(_, base)| format!("{base}/{sandbox}"));
        // Warm the caches and the connection pools.
        let warm = Settings {
            requests: 64,
            concurrency: 8,
            seconds: 1,
            wrk: false,
        };
        load(&cached, cached_path, None, &warm).await;
        // Also proves that the proxy answers the widget's `Accept` with readings (wrk cannot say).
        let readings = load(&cached, cached_path, Some(ACCEPT_READING), &warm).await;
        assert_eq!(readings.failures, 0, "the cached parcel is answered as a reading");
        load(&uncached, forwarded_path, None, &warm).await;
        load(&sandbox, direct_path, None, &warm).await;
        if let Some(fleet) = &fleet {
            load(fleet, cached_path, None, &warm).await;
        }
        if let Some(base) = &through_cors_anywhere {
            load(base, direct_path, None, &warm).await;
        }

        if settings.wrk {
            println!(
                "trackline proxy benchmark: wrk, {} s per mode, {} connections, loopback",
                settings.seconds, settings.concurrency
            );
        } else {
            println!(
                "trackline proxy benchmark: {} requests per mode, {} concurrent, in-process client, loopback",
                settings.requests, settings.concurrency
            );
        }
        let cached_paths = Paths::Fixed(cached_path);
        let forwarded_paths = Paths::Unique("/carriers/inpost/v1/tracking/520999990000");
        let direct_paths = Paths::Unique("/v1/tracking/520999990000");
        let hits = measure(&cached, cached_paths, cached_path, None, &settings).await;
        print("proxy, cached hit", &hits);
        print(
            "proxy, cached hit, reading",
            &measure(
                &cached,
                cached_paths,
                cached_path,
                Some(ACCEPT_READING),
                &settings,
            )
            .await,
        );
        match (&fleet, &redis) {
            (Some(fleet), _) => print(
                "proxy, cached hit, on Redis",
                &measure(fleet, cached_paths, cached_path, None, &settings).await,
            ),
            (None, Err(error)) => {
                println!("{:<28} not measured: {error}", "proxy, cached hit, on Redis")
            }
            (None, Ok(_)) => unreachable!("a fleet replica runs whenever Redis does"),
        }
        print(
            "proxy, uncached forward",
            &measure(&uncached, forwarded_paths, forwarded_path, None, &settings).await,
        );
        match &through_cors_anywhere {
            Some(base) => {
                let figures = measure(base, direct_paths, direct_path, None, &settings).await;
                print("cors-anywhere 0.4.4", &figures);
                println!(
                    "cached hits against cors-anywhere: {:.1}x the requests per second, {:.2}x the p99",
                    hits.requests_per_second / figures.requests_per_second,
                    hits.p99.as_secs_f64() / figures.p99.as_secs_f64()
                );
            }
            None => println!(
                "{:<28} not measured: {}",
                "cors-anywhere 0.4.4",
                cors_anywhere.as_ref().err().map_or("", String::as_str)
            ),
        }
        print(
            "sandbox, called directly",
            &measure(&sandbox, direct_paths, direct_path, None, &settings).await,
        );
    });
}
