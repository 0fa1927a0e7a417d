//! The sandbox's clock and the carriers' ways of writing time.
//!
//! Demo events are stored as offsets from "now" so that a demo always looks current. The clock can
//! be moved forward through the control endpoint, so that tests can expire a token or leave a rate
//! limit window without waiting for it.

use std::fmt;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer};
use trackline_core::time::{EUROPE_OSLO, EUROPE_WARSAW};

/// A point in time, in whole seconds since 1970-01-01T00:00:00Z.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

/// The system clock plus a shift that the control endpoint can move forward.
#[derive(Debug, Default)]
pub struct SandboxClock {
    shift_seconds: AtomicI64,
}

impl SandboxClock {
    pub fn now(&self) -> Timestamp {
        let system = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|elapsed| elapsed.as_secs() as i64)
            .unwrap_or(0);
        Timestamp(system + self.shift_seconds.load(Ordering::Relaxed))
    }

    /// The moment the dataset's relative times count from: [`SandboxClock::now`] to the whole
    /// minute. Answers to requests made together (TrackOnline's unique item and its measurement
    /// history, asked side by side) then agree on every time, as a carrier's stored times do,
    /// instead of a second apart when the two fall on either side of a second.
    pub fn data_now(&self) -> Timestamp {
        let now = self.now();
        Timestamp(now.0 - now.0.rem_euclid(60))
    }

    /// Moves the clock forward (or back, with a negative value); returns the new shift.
    pub fn advance(&self, seconds: i64) -> i64 {
        self.shift_seconds.fetch_add(seconds, Ordering::Relaxed) + seconds
    }

    pub fn shift_seconds(&self) -> i64 {
        self.shift_seconds.load(Ordering::Relaxed)
    }
}

/// A time relative to the moment of the request, written in the data file as `-26h`, `-2d3h`,
/// `-45m`, `+1d` or `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct RelativeTime {
    pub seconds: i64,
}

impl RelativeTime {
    pub fn at(self, now: Timestamp) -> Timestamp {
        Timestamp(now.0 + self.seconds)
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "`{text}` is not a relative time: write a sign and amounts with units d, h, m or s, \
     such as `-26h`, `-2d3h`, `+1d` or `now`"
)]
pub struct RelativeTimeError {
    pub text: String,
}

impl std::str::FromStr for RelativeTime {
    type Err = RelativeTimeError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let error = || RelativeTimeError {
            text: text.to_owned(),
        };
        let trimmed = text.trim();
        if trimmed == "now" {
            return Ok(RelativeTime { seconds: 0 });
        }
        let (sign, rest) = match trimmed.as_bytes().first() {
            Some(b'-') => (-1, &trimmed[1..]),
            Some(b'+') => (1, &trimmed[1..]),
            _ => return Err(error()),
        };
        if rest.is_empty() {
            return Err(error());
        }
        let mut total: i64 = 0;
        let mut amount: Option<i64> = None;
        for character in rest.chars() {
            if let Some(digit) = character.to_digit(10) {
                let so_far = amount.unwrap_or(0);
                amount = Some(
                    so_far
                        .checked_mul(10)
                        .and_then(|value| value.checked_add(i64::from(digit)))
                        .ok_or_else(error)?,
                );
                continue;
            }
            let unit = match character {
                'd' => 86_400,
                'h' => 3_600,
                'm' => 60,
                's' => 1,
                _ => return Err(error()),
            };
            let value = amount.take().ok_or_else(error)?;
            total = value
                .checked_mul(unit)
                .and_then(|seconds| total.checked_add(seconds))
                .ok_or_else(error)?;
        }
        if amount.is_some() {
            // A number without a unit: `-26` could mean hours or minutes, so it is refused.
            return Err(error());
        }
        Ok(RelativeTime {
            seconds: sign * total,
        })
    }
}

impl<'de> Deserialize<'de> for RelativeTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for RelativeTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.seconds == 0 {
            return f.write_str("now");
        }
        let sign = if self.seconds < 0 { '-' } else { '+' };
        write!(f, "{sign}{}s", self.seconds.unsigned_abs())
    }
}

/// The moment as chrono's UTC time.
fn utc(timestamp: Timestamp) -> DateTime<Utc> {
    DateTime::from_timestamp(timestamp.0, 0).unwrap_or_default()
}

/// InPost: ISO-8601 with milliseconds and the Polish offset, `2015-09-17T11:28:00.000+02:00`.
pub fn inpost_time(timestamp: Timestamp) -> String {
    utc(timestamp)
        .with_timezone(&EUROPE_WARSAW)
        .format("%Y-%m-%dT%H:%M:%S%.3f%:z")
        .to_string()
}

/// Di: Norwegian wall-clock time without an offset, `2017-08-22 13:55:13`.
pub fn di_time(timestamp: Timestamp) -> String {
    utc(timestamp)
        .with_timezone(&EUROPE_OSLO)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// TrackOnline: UTC with milliseconds, `2020-01-01T00:00:00.000Z`, as in the seed's examples.
pub fn trackonline_time(timestamp: Timestamp) -> String {
    utc(timestamp).format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// ISO-8601 in UTC with an explicit offset, `2022-08-04T11:51:00+00:00`, as Register Event asks.
pub fn iso8601_utc(timestamp: Timestamp) -> String {
    utc(timestamp).format("%Y-%m-%dT%H:%M:%S+00:00").to_string()
}

/// Reads an ISO-8601 date-time that carries `Z` or an offset (Register Event's `eventTime`,
/// TrackOnline's date filters). `None` when it is not one.
pub fn parse_iso8601(text: &str) -> Option<Timestamp> {
    trackline_core::time::parse_with_offset(text.trim())
        .ok()
        .map(|parsed| Timestamp(parsed.unix_seconds()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> Timestamp {
        parse_iso8601(text).expect("a valid test time")
    }

    #[test]
    fn the_datasets_now_is_the_clocks_now_to_the_whole_minute_and_moves_with_its_shift() {
        let clock = SandboxClock::default();
        clock.advance(-7);
        let before = clock.now();
        let data_now = clock.data_now();
        let after = clock.now();
        assert_eq!(data_now.0.rem_euclid(60), 0);
        assert!(
            data_now <= after && data_now.0 > before.0 - 60,
            "{data_now:?} for {before:?}"
        );
        clock.advance(3_600);
        let later = clock.data_now();
        assert_eq!(later.0.rem_euclid(60), 0);
        assert!(
            later.0 - data_now.0 >= 3_600,
            "{later:?} after {data_now:?}"
        );
    }

    #[test]
    fn relative_times_combine_units_and_keep_their_sign() {
        assert_eq!("-26h".parse::<RelativeTime>().unwrap().seconds, -26 * 3_600);
        assert_eq!(
            "-2d3h15m".parse::<RelativeTime>().unwrap().seconds,
            -(2 * 86_400 + 3 * 3_600 + 15 * 60)
        );
        assert_eq!("+1d".parse::<RelativeTime>().unwrap().seconds, 86_400);
        assert_eq!("now".parse::<RelativeTime>().unwrap().seconds, 0);
    }

    #[test]
    fn a_relative_time_without_sign_or_unit_is_refused() {
        for text in ["26h", "-26", "-", "-h", "-2x", ""] {
            assert!(text.parse::<RelativeTime>().is_err(), "{text} was accepted");
        }
    }

    #[test]
    fn summer_and_winter_give_oslo_its_two_offsets() {
        assert_eq!(di_time(utc("2017-08-22T11:55:13Z")), "2017-08-22 13:55:13");
        assert_eq!(di_time(utc("2024-01-15T08:00:00Z")), "2024-01-15 09:00:00");
    }

    #[test]
    fn di_times_follow_the_summer_time_switch_at_one_utc() {
        // 2026: summer time starts on 29 March.
        assert_eq!(di_time(utc("2026-03-29T00:59:59Z")), "2026-03-29 01:59:59");
        assert_eq!(di_time(utc("2026-03-29T01:00:00Z")), "2026-03-29 03:00:00");
    }

    #[test]
    fn inpost_times_carry_milliseconds_and_the_polish_offset() {
        assert_eq!(
            inpost_time(utc("2015-09-17T09:28:00Z")),
            "2015-09-17T11:28:00.000+02:00"
        );
    }

    #[test]
    fn trackonline_times_are_utc_with_milliseconds() {
        assert_eq!(
            trackonline_time(utc("2020-01-01T00:00:00+01:00")),
            "2019-12-31T23:00:00.000Z"
        );
    }

    #[test]
    fn iso_times_with_offsets_fractions_or_z_are_read() {
        assert_eq!(
            utc("2022-08-04T12:51:00+01:00"),
            utc("2022-08-04T11:51:00.000Z")
        );
        assert_eq!(
            utc("2021-01-01T00:00:00.0000000+00:00"),
            utc("2021-01-01T00:00:00Z")
        );
        assert!(parse_iso8601("2022-02-30T00:00:00Z").is_none());
        assert!(parse_iso8601("2022-08-04 12:51").is_none());
        assert!(parse_iso8601("2022-08-04T12:51:00").is_none());
    }
}
