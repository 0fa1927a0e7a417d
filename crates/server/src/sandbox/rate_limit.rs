//! TrackOnline's call limits: per administration, per minute and per day, by licence tier.
//!
//! Windows are calendar minutes and UTC days of the sandbox clock, so `Retry-After` says how long
//! until the window that was exceeded ends.

use std::collections::HashMap;
use std::sync::Mutex;

use super::clock::Timestamp;

#[derive(Debug, Default)]
pub struct RateLimiter {
    windows: Mutex<HashMap<String, Windows>>,
}

#[derive(Debug, Default, Clone, Copy)]
struct Windows {
    minute: i64,
    minute_calls: u32,
    day: i64,
    day_calls: u32,
}

/// Over a limit: wait this many seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitExceeded {
    pub retry_after_seconds: i64,
    pub limit: u32,
    pub per: &'static str,
}

impl RateLimiter {
    /// Counts one call for `administration`, unless it is over a limit.
    pub fn check(
        &self,
        administration: &str,
        (per_minute, per_day): (u32, u32),
        now: Timestamp,
    ) -> Result<(), LimitExceeded> {
        let mut windows = self.windows.lock().expect("rate limiter lock");
        let entry = windows.entry(administration.to_owned()).or_default();
        let minute = now.0.div_euclid(60);
        let day = now.0.div_euclid(86_400);
        if entry.minute != minute {
            entry.minute = minute;
            entry.minute_calls = 0;
        }
        if entry.day != day {
            entry.day = day;
            entry.day_calls = 0;
        }
        if entry.day_calls >= per_day {
            return Err(LimitExceeded {
                retry_after_seconds: (day + 1) * 86_400 - now.0,
                limit: per_day,
                per: "day",
            });
        }
        if entry.minute_calls >= per_minute {
            return Err(LimitExceeded {
                retry_after_seconds: (minute + 1) * 60 - now.0,
                limit: per_minute,
                per: "minute",
            });
        }
        entry.minute_calls += 1;
        entry.day_calls += 1;
        Ok(())
    }

    pub fn reset(&self) {
        self.windows.lock().expect("rate limiter lock").clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_call_after_the_minute_limit_waits_for_the_next_minute() {
        let limiter = RateLimiter::default();
        let now = Timestamp(1_700_000_000); // 20 s into a minute
        for _ in 0..3 {
            limiter.check("shop", (3, 100), now).unwrap();
        }
        let exceeded = limiter.check("shop", (3, 100), now).unwrap_err();
        assert_eq!(exceeded.retry_after_seconds, 40);
        assert_eq!(exceeded.per, "minute");
        assert!(limiter
            .check("shop", (3, 100), Timestamp(now.0 + 39))
            .is_err());
        assert!(limiter
            .check("shop", (3, 100), Timestamp(now.0 + 40))
            .is_ok());
    }

    #[test]
    fn the_day_limit_holds_across_minutes() {
        let limiter = RateLimiter::default();
        let start = Timestamp(1_700_006_400); // midnight UTC
        for minute in 0..5 {
            limiter
                .check("shop", (60, 5), Timestamp(start.0 + minute * 60))
                .unwrap();
        }
        let exceeded = limiter
            .check("shop", (60, 5), Timestamp(start.0 + 3_600))
            .unwrap_err();
        assert_eq!(exceeded.per, "day");
        assert_eq!(exceeded.retry_after_seconds, 86_400 - 3_600);
    }

    #[test]
    fn administrations_have_separate_counts() {
        let limiter = RateLimiter::default();
        let now = Timestamp(1_700_000_000);
        limiter.check("a", (1, 10), now).unwrap();
        assert!(limiter.check("a", (1, 10), now).is_err());
        assert!(limiter.check("b", (1, 10), now).is_ok());
    }
}
