//! Counters, gauges and the upstream latency histogram, on `prometheus-client`, rendered in the
//! OpenMetrics text format. The figures are per replica: a load balancer in front of several
//! proxies means summing them.

use std::sync::atomic::AtomicU64;
use std::time::Duration;

use std::fmt::Write;

use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue, LabelValueEncoder};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

const LATENCY_BUCKETS: [f64; 10] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];

/// The content type of [`Metrics::render`].
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Why a request was refused by a limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LimitScope {
    ClientIp,
    AccessKey,
    /// The carrier budget the proxy keeps for the merchant.
    CarrierQuota,
    /// One client's share of a carrier budget.
    ClientShare,
    /// The carrier answered 429 (or 503 with `Retry-After`) and the proxy waits it out.
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
            LimitScope::ClientShare => "client_share",
            LimitScope::CarrierBackoff => "carrier_backoff",
            LimitScope::Concurrency => "concurrency",
        }
    }
}

impl EncodeLabelValue for LimitScope {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
        encoder.write_str(self.label())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct RequestLabels {
    carrier: &'static str,
    status: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct CarrierLabels {
    carrier: &'static str,
}

/// `carrier` and `type` (a problem type's slug).
type ErrorLabels = [(&'static str, &'static str); 2];

/// `state`: which shared state a replica used its own copy of ([`super::fleet::SharedState`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct SharedStateLabels {
    pub state: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct ScopeLabels {
    scope: LimitScope,
}

fn latency_histogram() -> Histogram {
    Histogram::new(LATENCY_BUCKETS)
}

pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    cache_hits: Family<CarrierLabels, Counter>,
    coalesced: Family<CarrierLabels, Counter>,
    upstream_requests: Family<CarrierLabels, Counter>,
    upstream_errors: Family<ErrorLabels, Counter>,
    rate_limited: Family<ScopeLabels, Counter>,
    di_logins: Counter,
    upstream_latency: Family<CarrierLabels, Histogram, fn() -> Histogram>,
    upstream_loading: Family<CarrierLabels, Gauge<i64, std::sync::atomic::AtomicI64>>,
    shared_fallbacks: Family<SharedStateLabels, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::default();
        let requests = Family::default();
        let cache_hits = Family::default();
        let coalesced = Family::default();
        let upstream_requests = Family::default();
        let upstream_errors = Family::default();
        let rate_limited = Family::default();
        let di_logins: Counter<u64, AtomicU64> = Counter::default();
        let upstream_latency =
            Family::<CarrierLabels, Histogram, fn() -> Histogram>::new_with_constructor(
                latency_histogram,
            );
        let upstream_loading = Family::default();
        let shared_fallbacks = Family::default();
        registry.register(
            "trackline_proxy_requests",
            "Requests answered, by carrier (or none) and HTTP status",
            requests.clone(),
        );
        registry.register(
            "trackline_proxy_cache_hits",
            "Requests answered from the response cache",
            cache_hits.clone(),
        );
        registry.register(
            "trackline_proxy_coalesced",
            "Requests that shared an identical in-flight upstream call",
            coalesced.clone(),
        );
        registry.register(
            "trackline_proxy_upstream_requests",
            "Calls made to carriers",
            upstream_requests.clone(),
        );
        registry.register(
            "trackline_proxy_upstream_errors",
            "Upstream calls that failed, by problem type",
            upstream_errors.clone(),
        );
        registry.register(
            "trackline_proxy_rate_limited",
            "Requests refused by a limit, by scope",
            rate_limited.clone(),
        );
        registry.register(
            "trackline_proxy_di_logins",
            "Logins to Di made to obtain a token",
            di_logins.clone(),
        );
        registry.register_with_unit(
            "trackline_proxy_upstream_latency",
            "Time to a complete upstream answer",
            prometheus_client::registry::Unit::Seconds,
            upstream_latency.clone(),
        );
        registry.register(
            "trackline_proxy_upstream_loading",
            "Upstream loads in flight now (shared by identical requests)",
            upstream_loading.clone(),
        );
        registry.register(
            "trackline_proxy_shared_fallbacks",
            "Requests that used this replica's own cache, limits, back-off or Di token because the fleet's Redis did not answer",
            shared_fallbacks.clone(),
        );
        Metrics {
            shared_fallbacks,
            registry,
            requests,
            cache_hits,
            coalesced,
            upstream_requests,
            upstream_errors,
            rate_limited,
            di_logins,
            upstream_latency,
            upstream_loading,
        }
    }
}

impl Metrics {
    pub fn request(&self, carrier: Option<&'static str>, status: u16) {
        self.requests
            .get_or_create(&RequestLabels {
                carrier: carrier.unwrap_or("none"),
                status,
            })
            .inc();
    }

    pub fn cache_hit(&self, carrier: &'static str) {
        self.cache_hits
            .get_or_create(&CarrierLabels { carrier })
            .inc();
    }

    pub fn coalesced(&self, carrier: &'static str) {
        self.coalesced
            .get_or_create(&CarrierLabels { carrier })
            .inc();
    }

    pub fn upstream_call(&self, carrier: &'static str, latency: Duration) {
        self.upstream_requests
            .get_or_create(&CarrierLabels { carrier })
            .inc();
        self.upstream_latency
            .get_or_create(&CarrierLabels { carrier })
            .observe(latency.as_secs_f64());
    }

    pub fn upstream_error(&self, carrier: &'static str, problem_slug: &'static str) {
        self.upstream_errors
            .get_or_create(&[("carrier", carrier), ("type", problem_slug)])
            .inc();
    }

    pub fn rate_limited(&self, scope: LimitScope) {
        self.rate_limited
            .get_or_create(&ScopeLabels { scope })
            .inc();
    }

    pub fn di_login(&self) {
        self.di_logins.inc();
    }

    /// Sets how many upstream loads of `carrier` are running now.
    pub fn upstream_loading(&self, carrier: &'static str, loading: usize) {
        self.upstream_loading
            .get_or_create(&CarrierLabels { carrier })
            .set(i64::try_from(loading).unwrap_or(i64::MAX));
    }

    /// The counter of fallbacks from the fleet's shared state, for [`super::fleet::Fleet`].
    pub fn shared_fallbacks(&self) -> Family<SharedStateLabels, Counter> {
        self.shared_fallbacks.clone()
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry)
            .expect("writing to a String cannot fail");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_and_the_histogram_render_in_the_openmetrics_text_format() {
        let metrics = Metrics::default();
        metrics.request(Some("inpost"), 200);
        metrics.request(Some("inpost"), 200);
        metrics.cache_hit("inpost");
        metrics.rate_limited(LimitScope::ClientIp);
        metrics.upstream_call("di", Duration::from_millis(30));
        let text = metrics.render();
        for line in [
            "trackline_proxy_requests_total{carrier=\"inpost\",status=\"200\"} 2\n",
            "trackline_proxy_cache_hits_total{carrier=\"inpost\"} 1\n",
            "trackline_proxy_rate_limited_total{scope=\"client_ip\"} 1\n",
            "trackline_proxy_upstream_latency_seconds_bucket{le=\"0.025\",carrier=\"di\"} 0\n",
            "trackline_proxy_upstream_latency_seconds_bucket{le=\"0.05\",carrier=\"di\"} 1\n",
            "trackline_proxy_upstream_latency_seconds_count{carrier=\"di\"} 1\n",
            "# EOF\n",
        ] {
            assert!(text.contains(line), "{line} in\n{text}");
        }
    }
}
