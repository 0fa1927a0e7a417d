//! Load figures for the proxy: requests per second and p50/p99 latency for cached hits, uncached
//! forwards and the sandbox called directly, in one run on the same machine. Everything runs in
//! this process on loopback (sandbox, proxy and load generator share the cores), so the figures
//! compare the three modes rather than promise a production throughput.
//!
//! Run with `scripts/bench-proxy [--requests N] [--concurrency C]`.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use trackline::proxy::{self, ProxyConfig};
use trackline::sandbox::{self, SandboxConfig};

const KNOWN_NUMBER: &str = "520000011395200025009871";

struct Settings {
    requests: usize,
    concurrency: usize,
}

fn settings() -> Settings {
    let mut settings = Settings {
        requests: 5_000,
        concurrency: 32,
    };
    let args: Vec<String> = std::env::args().collect();
    let mut index = 1;
    while index < args.len() {
        let value = args.get(index + 1).and_then(|value| value.parse().ok());
        match (args[index].as_str(), value) {
            ("--requests", Some(value)) => settings.requests = value,
            ("--concurrency", Some(value)) => settings.concurrency = value,
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

fn proxy_config(sandbox: &str, cache_ttl_secs: u64) -> ProxyConfig {
    let text = format!(
        "[server]\nmax_concurrent_requests = 4096\n\
         [rate_limits]\nper_client_ip_per_minute = 100000000\nper_client_ip_burst = 100000000\n\
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
async fn load(base: &str, path: fn(usize) -> String, settings: &Settings) -> Figures {
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
                let ok = match client
                    .get(format!("{base}{}", path(index as usize)))
                    .send()
                    .await
                {
                    Ok(response) => {
                        let status = response.status();
                        response.bytes().await.is_ok()
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
            serve(proxy::app(proxy_config(&sandbox, 3600))).await
        );
        let uncached = format!(
            "http://{}",
            serve(proxy::app(proxy_config(&sandbox, 0))).await
        );
        // Warm the cache and the connection pools.
        let warm = Settings {
            requests: 64,
            concurrency: 8,
        };
        load(&cached, cached_path, &warm).await;
        load(&uncached, forwarded_path, &warm).await;
        load(&sandbox, direct_path, &warm).await;

        println!(
            "trackline proxy benchmark: {} requests per mode, {} concurrent, loopback, one process",
            settings.requests, settings.concurrency
        );
        print(
            "proxy, cached hit",
            &load(&cached, cached_path, &settings).await,
        );
        print(
            "proxy, uncached forward",
            &load(&uncached, forwarded_path, &settings).await,
        );
        print(
            "sandbox, called directly",
            &load(&sandbox, direct_path, &settings).await,
        );
    });
}
