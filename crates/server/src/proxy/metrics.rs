//! Counters and the upstream latency histogram, rendered in the Prometheus text format. The
//! figures are per replica: a load balancer in front of several proxies means summing them.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

const LATENCY_BUCKETS: [f64; 10] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];

#[derive(Default)]
struct Histogram {
    counts: [u64; LATENCY_BUCKETS.len()],
    sum: f64,
    count: u64,
}

#[derive(Default)]
struct Figures {
    /// (metric name, rendered labels) to value.
    counters: BTreeMap<(&'static str, String), u64>,
    latency: BTreeMap<&'static str, Histogram>,
}

#[derive(Default)]
pub struct Metrics {
    figures: Mutex<Figures>,
}

/// Why a request was refused by a limit.
#[derive(Debug, Clone, Copy)]
pub enum LimitScope {
    ClientIp,
    AccessKey,
    /// The carrier quota the proxy keeps for the merchant.
    CarrierQuota,
    /// The carrier answered 429 and the proxy is waiting out its `Retry-After`.
    CarrierBackoff,
    /// Too many requests in flight: shed.
    Concurrency,
}

impl LimitScope {
    fn label(self) -> &'static str {
        match self {
            LimitScope::ClientIp => "client_ip",
            LimitScope::AccessKey => "access_key",
            LimitScope::CarrierQuota => "carrier_quota",
            LimitScope::CarrierBackoff => "carrier_backoff",
            LimitScope::Concurrency => "concurrency",
        }
    }
}

const HELP: [(&str, &str); 7] = [
    (
        "trackline_proxy_requests_total",
        "Requests answered, by carrier (or none) and HTTP status.",
    ),
    (
        "trackline_proxy_cache_hits_total",
        "Requests answered from the response cache.",
    ),
    (
        "trackline_proxy_coalesced_total",
        "Requests that shared an identical in-flight upstream call.",
    ),
    (
        "trackline_proxy_upstream_requests_total",
        "Calls made to carriers.",
    ),
    (
        "trackline_proxy_upstream_errors_total",
        "Upstream calls that failed, by problem type.",
    ),
    (
        "trackline_proxy_rate_limited_total",
        "Requests refused by a limit, by scope.",
    ),
    (
        "trackline_proxy_di_logins_total",
        "Logins to Di made to obtain a token.",
    ),
];

impl Metrics {
    fn add(&self, name: &'static str, labels: String) {
        let mut figures = self
            .figures
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *figures.counters.entry((name, labels)).or_default() += 1;
    }

    pub fn request(&self, carrier: Option<&str>, status: u16) {
        self.add(
            "trackline_proxy_requests_total",
            format!(
                "carrier=\"{}\",status=\"{status}\"",
                carrier.unwrap_or("none")
            ),
        );
    }

    pub fn cache_hit(&self, carrier: &str) {
        self.add(
            "trackline_proxy_cache_hits_total",
            format!("carrier=\"{carrier}\""),
        );
    }

    pub fn coalesced(&self, carrier: &str) {
        self.add(
            "trackline_proxy_coalesced_total",
            format!("carrier=\"{carrier}\""),
        );
    }

    pub fn upstream_call(&self, carrier: &'static str, latency: Duration) {
        self.add(
            "trackline_proxy_upstream_requests_total",
            format!("carrier=\"{carrier}\""),
        );
        let seconds = latency.as_secs_f64();
        let mut figures = self
            .figures
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let histogram = figures.latency.entry(carrier).or_default();
        for (count, bound) in histogram.counts.iter_mut().zip(LATENCY_BUCKETS) {
            if seconds <= bound {
                *count += 1;
            }
        }
        histogram.sum += seconds;
        histogram.count += 1;
    }

    pub fn upstream_error(&self, carrier: &str, problem_slug: &str) {
        self.add(
            "trackline_proxy_upstream_errors_total",
            format!("carrier=\"{carrier}\",type=\"{problem_slug}\""),
        );
    }

    pub fn rate_limited(&self, scope: LimitScope) {
        self.add(
            "trackline_proxy_rate_limited_total",
            format!("scope=\"{}\"", scope.label()),
        );
    }

    pub fn di_login(&self) {
        self.add("trackline_proxy_di_logins_total", String::new());
    }

    pub fn render(&self) -> String {
        let figures = self
            .figures
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut out = String::new();
        for (name, help) in HELP {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
            for ((_, labels), value) in figures
                .counters
                .range((name, String::new())..)
                .take_while(|((n, _), _)| *n == name)
            {
                if labels.is_empty() {
                    let _ = writeln!(out, "{name} {value}");
                } else {
                    let _ = writeln!(out, "{name}{{{labels}}} {value}");
                }
            }
        }
        let name = "trackline_proxy_upstream_latency_seconds";
        let _ = writeln!(
            out,
            "# HELP {name} Time to a complete upstream answer.\n# TYPE {name} histogram"
        );
        for (carrier, histogram) in &figures.latency {
            for (count, bound) in histogram.counts.iter().zip(LATENCY_BUCKETS) {
                let _ = writeln!(
                    out,
                    "{name}_bucket{{carrier=\"{carrier}\",le=\"{bound}\"}} {count}"
                );
            }
            let _ = writeln!(
                out,
                "{name}_bucket{{carrier=\"{carrier}\",le=\"+Inf\"}} {}",
                histogram.count
            );
            let _ = writeln!(out, "{name}_sum{{carrier=\"{carrier}\"}} {}", histogram.sum);
            let _ = writeln!(
                out,
                "{name}_count{{carrier=\"{carrier}\"}} {}",
                histogram.count
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_and_the_histogram_render_in_prometheus_text_format() {
        let metrics = Metrics::default();
        metrics.request(Some("inpost"), 200);
        metrics.request(Some("inpost"), 200);
        metrics.cache_hit("inpost");
        metrics.rate_limited(LimitScope::ClientIp);
        metrics.upstream_call("di", Duration::from_millis(30));
        let text = metrics.render();
        assert!(
            text.contains("trackline_proxy_requests_total{carrier=\"inpost\",status=\"200\"} 2\n"),
            "{text}"
        );
        assert!(
            text.contains("trackline_proxy_cache_hits_total{carrier=\"inpost\"} 1\n"),
            "{text}"
        );
        assert!(
            text.contains("trackline_proxy_rate_limited_total{scope=\"client_ip\"} 1\n"),
            "{text}"
        );
        assert!(
            text.contains(
                "trackline_proxy_upstream_latency_seconds_bucket{carrier=\"di\",le=\"0.025\"} 0\n"
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "trackline_proxy_upstream_latency_seconds_bucket{carrier=\"di\",le=\"0.05\"} 1\n"
            ),
            "{text}"
        );
        assert!(
            text.contains("trackline_proxy_upstream_latency_seconds_count{carrier=\"di\"} 1\n"),
            "{text}"
        );
    }
}
