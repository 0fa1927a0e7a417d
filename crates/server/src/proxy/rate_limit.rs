//! Rate limits: per client, per access key, per carrier budget and per client's share of a
//! carrier's budget. Each is a GCRA, kept by `governor` in the process, or, for a fleet
//! (`[shared] redis_url`), by one Redis script that every replica calls, so that the configured
//! figures hold for the whole fleet ([`SharedLimit`]). Clients are counted per address, IPv6
//! clients per /64 (one subscriber's network), so that a client cannot walk its own /64 to escape
//! the limit.

use std::hash::Hash;
use std::net::{IpAddr, Ipv6Addr};
use std::num::NonZeroU32;
use std::time::Duration;

use std::sync::Arc;

use governor::clock::{Clock, DefaultClock};
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter as Governor};

use super::fleet::Fleet;

/// What a limit counts against: the address of an IPv4 client, the /64 of an IPv6 client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClientKey(IpAddr);

impl std::fmt::Display for ClientKey {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(formatter)
    }
}

impl ClientKey {
    pub fn of(ip: IpAddr) -> Self {
        match ip {
            IpAddr::V4(_) => ClientKey(ip),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => ClientKey(IpAddr::V4(v4)),
                None => {
                    let network = u128::from(v6) & (u128::MAX << 64);
                    ClientKey(IpAddr::V6(Ipv6Addr::from(network)))
                }
            },
        }
    }
}

/// A limit some state store keeps: the process's [`RateLimiter`], or one shared by replicas.
pub trait Limit<K>: Send + Sync {
    /// Takes one request's worth, or says how long until one is available.
    fn check(&self, key: &K) -> Result<(), Duration>;
}

pub struct RateLimiter<K: Hash + Eq + Clone> {
    limiter: Governor<K, DefaultKeyedStateStore<K>, DefaultClock>,
    clock: DefaultClock,
}

impl<K: Hash + Eq + Clone> RateLimiter<K> {
    /// `per_minute` is the sustained rate; `burst` how many may come at once after a pause.
    pub fn new(per_minute: u32, burst: u32) -> Self {
        let per_minute = NonZeroU32::new(per_minute.max(1)).expect("at least one");
        let burst = NonZeroU32::new(burst.max(1)).expect("at least one");
        let quota = Quota::per_minute(per_minute).allow_burst(burst);
        let clock = DefaultClock::default();
        RateLimiter {
            limiter: Governor::dashmap_with_clock(quota, clock.clone()),
            clock,
        }
    }

    /// Forgets clients whose allowance is whole again: they carry no state worth keeping.
    pub fn forget_idle(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
    }

    pub fn tracked(&self) -> usize {
        self.limiter.len()
    }
}

impl<K: Hash + Eq + Clone + Send + Sync> Limit<K> for RateLimiter<K> {
    fn check(&self, key: &K) -> Result<(), Duration> {
        self.limiter
            .check_key(key)
            .map_err(|not_until| not_until.wait_time_from(self.clock.now()))
    }
}

/// A limit that holds for the whole fleet when it shares a Redis, and for this process
/// otherwise, or while Redis does not answer (counted as a fallback by [`Fleet`]).
pub struct SharedLimit<K: Hash + Eq + Clone> {
    /// The limit's name in Redis (`client`, `key`, `quota:di`, `share:di`).
    scope: String,
    per_minute: u32,
    burst: u32,
    local: Arc<RateLimiter<K>>,
    fleet: Option<Arc<Fleet>>,
}

impl<K> SharedLimit<K>
where
    K: Hash + Eq + Clone + Send + Sync + std::fmt::Display + 'static,
{
    pub fn new(
        scope: impl Into<String>,
        per_minute: u32,
        burst: u32,
        fleet: Option<Arc<Fleet>>,
    ) -> Self {
        let local = Arc::new(RateLimiter::new(per_minute, burst));
        forget_idle_periodically(&local);
        SharedLimit {
            scope: scope.into(),
            per_minute,
            burst,
            local,
            fleet,
        }
    }

    /// Takes one request's worth for `key`, or says how long until one is available.
    pub async fn check(&self, key: &K) -> Result<(), Duration> {
        if let Some(fleet) = &self.fleet {
            let subject = key.to_string();
            // Boxed: a round trip to Redis is a large future, which the local check (every
            // request of a proxy without a fleet) should not carry.
            if let Ok(verdict) =
                Box::pin(fleet.check_limit(&self.scope, &subject, self.per_minute, self.burst))
                    .await
            {
                return verdict;
            }
        }
        self.local.check(key)
    }
}

/// The subject of a limit that has one per process (a carrier's budget).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Whole;

impl std::fmt::Display for Whole {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("all")
    }
}

/// Drops idle clients from `limiter` once a minute for as long as it exists (not on the
/// request path: no request pays for a scan). Outside a runtime nothing is started.
pub fn forget_idle_periodically<K>(limiter: &std::sync::Arc<RateLimiter<K>>)
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
{
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return;
    };
    let limiter = std::sync::Arc::downgrade(limiter);
    runtime.spawn(async move {
        let mut every_minute = tokio::time::interval(Duration::from_secs(60));
        every_minute.tick().await;
        loop {
            every_minute.tick().await;
            let Some(limiter) = limiter.upgrade() else {
                return;
            };
            limiter.forget_idle();
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_is_allowed_then_the_client_waits_for_the_refill() {
        let limiter = RateLimiter::new(60, 3);
        for _ in 0..3 {
            assert!(limiter.check(&"ip").is_ok());
        }
        let wait = limiter.check(&"ip").unwrap_err();
        assert!(
            wait > Duration::from_millis(500) && wait <= Duration::from_secs(1),
            "{wait:?}"
        );
    }

    #[test]
    fn clients_are_limited_separately() {
        let limiter = RateLimiter::new(60, 1);
        assert!(limiter.check(&"a").is_ok());
        assert!(limiter.check(&"a").is_err());
        assert!(limiter.check(&"b").is_ok());
    }

    #[test]
    fn idle_clients_are_forgotten() {
        // 6000 a minute: a client's single request is forgotten after 10 ms.
        let limiter = RateLimiter::new(6000, 1);
        for client in 0..100 {
            limiter.check(&client).unwrap();
        }
        assert_eq!(limiter.tracked(), 100);
        while limiter.tracked() > 0 {
            std::thread::yield_now();
            limiter.forget_idle();
        }
    }

    #[test]
    fn ipv6_clients_are_counted_per_64_and_ipv4_per_address() {
        let key = |text: &str| ClientKey::of(text.parse().unwrap());
        assert_eq!(key("2001:db8:1:2::1"), key("2001:db8:1:2:ffff::9"));
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
        assert_ne!(key("192.0.2.1"), key("192.0.2.2"));
        assert_eq!(key("::ffff:192.0.2.1"), key("192.0.2.1"));
    }
}
