//! Time as carriers write it, in chrono types: ISO-8601 with or without an offset and Di's
//! `yyyy-MM-dd HH:mm:ss`, read into a `DateTime<FixedOffset>` that says whether its offset came
//! from the carrier, was assumed from the carrier's zone, or is the zone's offset at a moment the
//! carrier gave in UTC.
//!
//! The zones are chrono-tz's, built with only the carriers' zones: `.cargo/config.toml` sets
//! `CHRONO_TZ_TIMEZONE_FILTER` for chrono-tz's `filter-by-regex` feature, so the rest of the
//! time-zone database stays out of the widget's wasm. Nothing here reads a clock: callers pass
//! the time they mean.

use std::fmt;

use chrono::format::{Parsed, StrftimeItems};
use chrono::{
    DateTime, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset, SecondsFormat,
    TimeDelta, TimeZone, Timelike,
};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A carrier's time zone.
pub type Zone = chrono_tz::Tz;

/// Norway, where Di's systems write `eventTime` without an offset.
pub const EUROPE_OSLO: Zone = chrono_tz::Europe::Oslo;
/// Poland, for InPost times that arrive without an offset.
pub const EUROPE_WARSAW: Zone = chrono_tz::Europe::Warsaw;
/// The Netherlands, where TrackOnline runs; used only when it sends a time without an offset.
pub const EUROPE_AMSTERDAM: Zone = chrono_tz::Europe::Amsterdam;

/// The zones this crate assumes, for reading a zone's name back.
const ZONES: [Zone; 3] = [EUROPE_OSLO, EUROPE_WARSAW, EUROPE_AMSTERDAM];

/// Where a timestamp's UTC offset came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OffsetSource {
    /// The carrier wrote the offset.
    Carrier,
    /// The carrier wrote local time only; the offset is the zone's at that time.
    AssumedZone(Zone),
    /// The carrier wrote the moment in UTC; it is shown at the offset its zone had at that
    /// moment, so that the clock time is the carrier's local one. Nothing is assumed: the
    /// moment is the carrier's and the offset follows from it.
    InZone(Zone),
}

/// A point in time as the carrier wrote it, with its UTC offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timestamp {
    /// The moment, at the offset the carrier wrote or the zone gave.
    pub at: DateTime<FixedOffset>,
    pub offset_source: OffsetSource,
}

/// Why a time could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    #[error("`{0}` is not a date and time of the form yyyy-MM-ddTHH:mm:ss")]
    Malformed(String),
    #[error("`{0}` has no UTC offset (expected +HH:mm, -HH:mm or Z at the end)")]
    NoOffset(String),
    #[error("`{0}` names a day or time that does not exist")]
    OutOfRange(String),
}

impl Timestamp {
    /// A moment the carrier wrote with its offset.
    pub fn given(at: DateTime<FixedOffset>) -> Self {
        Timestamp {
            at,
            offset_source: OffsetSource::Carrier,
        }
    }

    /// Seconds since the Unix epoch.
    pub fn unix_seconds(&self) -> i64 {
        self.at.timestamp()
    }

    /// Milliseconds since the Unix epoch, for ordering events.
    pub fn unix_millis(&self) -> i64 {
        self.at.timestamp_millis()
    }

    /// A wall time read in a zone because the carrier gave no offset. In the autumn hour that
    /// happens twice the first one (summer time) is chosen; a wall time in the spring gap, which
    /// no clock showed, is read with the offset in force before the gap (standard time).
    pub fn in_zone(local: NaiveDateTime, zone: Zone) -> Self {
        let offset = match zone.offset_from_local_datetime(&local) {
            LocalResult::Single(offset) => offset.fix(),
            LocalResult::Ambiguous(first, second) => {
                // The earlier instant is the one with the larger offset.
                if first.fix().local_minus_utc() >= second.fix().local_minus_utc() {
                    first.fix()
                } else {
                    second.fix()
                }
            }
            LocalResult::None => zone
                .offset_from_utc_datetime(&(local - TimeDelta::days(1)))
                .fix(),
        };
        Timestamp {
            at: at_offset(local, offset),
            offset_source: OffsetSource::AssumedZone(zone),
        }
    }

    /// The same moment at the offset `zone` had then, for a carrier that writes UTC beside its
    /// local time: `2024-01-15T09:00:00Z` in Europe/Oslo is `2024-01-15T10:00:00+01:00`.
    pub fn shown_in_zone(self, zone: Zone) -> Self {
        let offset = zone.offset_from_utc_datetime(&self.at.naive_utc()).fix();
        Timestamp {
            at: self.at.with_timezone(&offset),
            offset_source: OffsetSource::InZone(zone),
        }
    }

    /// Whether the offset was assumed rather than given.
    pub fn offset_assumed(&self) -> bool {
        matches!(self.offset_source, OffsetSource::AssumedZone(_))
    }
}

fn at_offset(local: NaiveDateTime, offset: FixedOffset) -> DateTime<FixedOffset> {
    // A fixed offset maps every wall time to exactly one moment.
    offset
        .from_local_datetime(&local)
        .single()
        .unwrap_or_else(|| offset.from_utc_datetime(&local))
}

/// The UTC offset in force in `zone` at a moment (seconds since the Unix epoch), in seconds.
pub fn offset_at(zone: Zone, unix_seconds: i64) -> i32 {
    DateTime::from_timestamp(unix_seconds, 0).map_or(0, |utc| {
        zone.offset_from_utc_datetime(&utc.naive_utc())
            .fix()
            .local_minus_utc()
    })
}

/// `2017-08-22T13:55:13+02:00`, with milliseconds only when there are some.
impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // chrono's RFC 3339 writer, not a strftime pattern: the pattern's parser would be part
        // of every build that shows a time.
        let seconds = if self.at.nanosecond() == 0 {
            SecondsFormat::Secs
        } else {
            SecondsFormat::Millis
        };
        f.write_str(&self.at.to_rfc3339_opts(seconds, false))
    }
}

fn time_error(kind: chrono::format::ParseErrorKind, text: &str) -> TimeError {
    match kind {
        chrono::format::ParseErrorKind::OutOfRange | chrono::format::ParseErrorKind::Impossible => {
            TimeError::OutOfRange(text.to_owned())
        }
        _ => TimeError::Malformed(text.to_owned()),
    }
}

/// Reads `yyyy-MM-dd?HH:mm[:ss[.fff…]]` where `?` is `T` or a space; returns what follows.
/// Fractions are kept to the millisecond, as carriers mean them.
fn parse_civil(text: &str) -> Result<(NaiveDateTime, &str), TimeError> {
    let malformed = || TimeError::Malformed(text.to_owned());
    let separator = text.as_bytes().get(10).copied();
    if !matches!(separator, Some(b'T' | b't' | b' ')) || !text.is_char_boundary(11) {
        return Err(malformed());
    }
    let date = NaiveDate::parse_from_str(&text[..10], "%Y-%m-%d")
        .map_err(|error| time_error(error.kind(), text))?;
    let rest = &text[11..];
    let end = rest.find(['Z', 'z', '+', '-']).unwrap_or(rest.len());
    let (clock, offset) = (&rest[..end], &rest[end..]);
    let clock = clock.replacen(',', ".", 1);
    let time = NaiveTime::parse_from_str(&clock, "%H:%M:%S%.f")
        .or_else(|_| NaiveTime::parse_from_str(&clock, "%H:%M"))
        .map_err(|error| time_error(error.kind(), text))?;
    if time.nanosecond() >= 1_000_000_000 {
        // chrono reads `:60` as a leap second; no carrier means one.
        return Err(TimeError::OutOfRange(text.to_owned()));
    }
    let time = time
        .with_nanosecond(time.nanosecond() / 1_000_000 * 1_000_000)
        .unwrap_or(time);
    Ok((date.and_time(time), offset))
}

/// Reads `+HH:mm`, `+HHmm`, `+HH` or `Z`, the whole of `rest`.
fn parse_offset(rest: &str, original: &str) -> Result<Option<FixedOffset>, TimeError> {
    if rest.is_empty() {
        return Ok(None);
    }
    if rest == "Z" || rest == "z" {
        return Ok(FixedOffset::east_opt(0));
    }
    let mut parsed = Parsed::new();
    chrono::format::parse(&mut parsed, rest, StrftimeItems::new("%#z"))
        .map_err(|error| time_error(error.kind(), original))?;
    parsed
        .to_fixed_offset()
        .map(Some)
        .map_err(|error| time_error(error.kind(), original))
}

/// Reads an ISO-8601 date-time that must carry its offset (InPost, Di Register Event).
pub fn parse_with_offset(text: &str) -> Result<Timestamp, TimeError> {
    let (local, rest) = parse_civil(text)?;
    match parse_offset(rest, text)? {
        Some(offset) => Ok(Timestamp::given(at_offset(local, offset))),
        None => Err(TimeError::NoOffset(text.to_owned())),
    }
}

/// Reads an ISO-8601 date-time, taking the offset from `zone` when the text has none.
pub fn parse_with_fallback_zone(text: &str, zone: Zone) -> Result<Timestamp, TimeError> {
    let (local, rest) = parse_civil(text)?;
    Ok(match parse_offset(rest, text)? {
        Some(offset) => Timestamp::given(at_offset(local, offset)),
        None => Timestamp::in_zone(local, zone),
    })
}

/// The JSON shape of a timestamp: `{"at": "2017-08-22T13:55:13+02:00", "offset": "carrier"}`,
/// `"offset": "assumed", "zone": "Europe/Oslo"` when the carrier gave local time only, or
/// `"offset": "zone", "zone": "Europe/Oslo"` when it gave UTC and the zone's offset at that moment
/// is shown.
#[derive(Serialize, Deserialize)]
struct TimestampJson {
    at: String,
    offset: OffsetKindJson,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    zone: Option<String>,
}

#[derive(Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "snake_case")]
enum OffsetKindJson {
    Carrier,
    Assumed,
    Zone,
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (offset, zone) = match self.offset_source {
            OffsetSource::Carrier => (OffsetKindJson::Carrier, None),
            OffsetSource::AssumedZone(zone) => {
                (OffsetKindJson::Assumed, Some(zone.name().to_owned()))
            }
            OffsetSource::InZone(zone) => (OffsetKindJson::Zone, Some(zone.name().to_owned())),
        };
        TimestampJson {
            at: self.to_string(),
            offset,
            zone,
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let json = TimestampJson::deserialize(deserializer)?;
        // `at` is what `Display` writes, RFC 3339: read back with chrono's reader of it, not with
        // the carriers' permissive one (a module that reads only this JSON stays small).
        let at = DateTime::parse_from_rfc3339(&json.at)
            .ok()
            .filter(|at| at.nanosecond() < 1_000_000_000)
            .ok_or_else(|| {
                serde::de::Error::custom(format_args!(
                    "`{}` is not a date and time of the form yyyy-MM-ddTHH:mm:ss+HH:mm",
                    json.at
                ))
            })?;
        let mut timestamp = Timestamp::given(at);
        // Only the zones this crate knows can come back; others keep their own offset.
        let zone = || {
            ZONES
                .into_iter()
                .find(|zone| Some(zone.name()) == json.zone.as_deref())
                .unwrap_or(EUROPE_OSLO)
        };
        match json.offset {
            OffsetKindJson::Carrier => {}
            OffsetKindJson::Assumed => timestamp.offset_source = OffsetSource::AssumedZone(zone()),
            OffsetKindJson::Zone => timestamp.offset_source = OffsetSource::InZone(zone()),
        }
        Ok(timestamp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oslo(text: &str) -> String {
        let (local, _) = parse_civil(text).unwrap();
        Timestamp::in_zone(local, EUROPE_OSLO).to_string()
    }

    #[test]
    fn oslo_is_on_summer_time_from_the_last_sunday_of_march() {
        assert_eq!(oslo("2024-03-31 01:59:59"), "2024-03-31T01:59:59+01:00");
        assert_eq!(oslo("2024-03-31 03:00:00"), "2024-03-31T03:00:00+02:00");
    }

    #[test]
    fn a_wall_time_in_the_spring_gap_is_read_with_standard_time() {
        assert_eq!(oslo("2024-03-31 02:30:00"), "2024-03-31T02:30:00+01:00");
    }

    #[test]
    fn the_repeated_autumn_hour_is_read_as_summer_time_and_after_it_as_winter_time() {
        assert_eq!(oslo("2024-10-27 02:30:00"), "2024-10-27T02:30:00+02:00");
        assert_eq!(oslo("2024-10-27 03:00:00"), "2024-10-27T03:00:00+01:00");
        assert_eq!(oslo("2024-10-26 12:00:00"), "2024-10-26T12:00:00+02:00");
    }

    #[test]
    fn every_hour_of_two_years_reads_back_to_its_own_offset_except_the_repeated_one() {
        let start = NaiveDate::from_ymd_opt(2023, 1, 1)
            .unwrap()
            .and_hms_opt(0, 30, 0)
            .unwrap();
        for hour in 0..(2 * 366 * 24) {
            let utc = start + TimeDelta::hours(hour);
            let offset = EUROPE_OSLO.offset_from_utc_datetime(&utc).fix();
            let local = utc + TimeDelta::seconds(i64::from(offset.local_minus_utc()));
            let read = Timestamp::in_zone(local, EUROPE_OSLO)
                .at
                .offset()
                .local_minus_utc();
            let repeated = matches!(
                EUROPE_OSLO.offset_from_local_datetime(&local),
                LocalResult::Ambiguous(..)
            );
            if repeated {
                assert_eq!(read, 7200, "{local}: the first of the two is chosen");
            } else {
                assert_eq!(read, offset.local_minus_utc(), "{local}");
            }
        }
    }

    #[test]
    fn offsets_are_read_in_every_iso_form() {
        let offset = |text: &str| {
            parse_with_offset(text)
                .unwrap()
                .at
                .offset()
                .local_minus_utc()
        };
        assert_eq!(offset("2015-09-17T11:28:00.000+02:00"), 7200);
        assert_eq!(offset("2021-01-01T00:00:00.0000000+00:00"), 0);
        assert_eq!(offset("2020-01-01T00:00:00.000Z"), 0);
        assert_eq!(offset("2020-01-01T00:00:00-0330"), -210 * 60);
        let fraction = parse_with_offset("2020-01-01T00:00:00.125+01").unwrap();
        assert_eq!(fraction.at.timestamp_subsec_millis(), 125);
        assert_eq!(fraction.to_string(), "2020-01-01T00:00:00.125+01:00");
        let comma = parse_with_offset("2020-01-01T00:00:00,1256789Z").unwrap();
        assert_eq!(comma.to_string(), "2020-01-01T00:00:00.125+00:00");
    }

    #[test]
    fn a_time_without_offset_is_refused_where_one_is_required() {
        assert_eq!(
            parse_with_offset("2022-08-04T12:51:00"),
            Err(TimeError::NoOffset("2022-08-04T12:51:00".into()))
        );
    }

    #[test]
    fn impossible_dates_and_garbage_are_refused() {
        assert!(matches!(
            parse_with_offset("2023-02-29T00:00:00Z"),
            Err(TimeError::OutOfRange(_))
        ));
        assert!(matches!(
            parse_with_offset("2023-02-28T24:00:00Z"),
            Err(TimeError::OutOfRange(_))
        ));
        assert!(parse_with_offset("2023-02-28T23:59:60Z").is_err());
        assert!(parse_with_offset("2023-02-28T10:00:00+2").is_err());
        assert!(parse_with_offset("yesterday").is_err());
        assert!(parse_with_offset("2023-02-28T10:00:00+02:00x").is_err());
        assert!(parse_with_offset("2023-02-28Ä10:00:00Z").is_err());
    }

    #[test]
    fn unix_time_accounts_for_the_offset() {
        let a = parse_with_offset("2015-09-17T11:28:00+02:00").unwrap();
        let b = parse_with_offset("2015-09-17T09:28:00Z").unwrap();
        assert_eq!(a.unix_seconds(), b.unix_seconds());
        assert_eq!(b.unix_seconds(), 1_442_482_080);
    }

    #[test]
    fn timestamps_serialize_with_the_origin_of_their_offset() {
        let given = parse_with_offset("2015-09-17T11:28:00.000+02:00").unwrap();
        assert_eq!(
            serde_json::to_string(&given).unwrap(),
            r#"{"at":"2015-09-17T11:28:00+02:00","offset":"carrier"}"#
        );
        let assumed = parse_with_fallback_zone("2017-08-22 13:55:13", EUROPE_OSLO).unwrap();
        let json = serde_json::to_string(&assumed).unwrap();
        assert_eq!(
            json,
            r#"{"at":"2017-08-22T13:55:13+02:00","offset":"assumed","zone":"Europe/Oslo"}"#
        );
        assert_eq!(serde_json::from_str::<Timestamp>(&json).unwrap(), assumed);
        let warsaw = parse_with_fallback_zone("2017-01-22 13:55:13", EUROPE_WARSAW).unwrap();
        let json = serde_json::to_string(&warsaw).unwrap();
        assert_eq!(serde_json::from_str::<Timestamp>(&json).unwrap(), warsaw);
        let shown = parse_with_offset("2024-07-01T10:00:00Z")
            .unwrap()
            .shown_in_zone(EUROPE_OSLO);
        let json = serde_json::to_string(&shown).unwrap();
        assert_eq!(
            json,
            r#"{"at":"2024-07-01T12:00:00+02:00","offset":"zone","zone":"Europe/Oslo"}"#
        );
        assert_eq!(serde_json::from_str::<Timestamp>(&json).unwrap(), shown);
    }

    #[test]
    fn a_timestamp_reads_back_what_it_writes_to_the_millisecond_and_refuses_other_forms() {
        let exact = parse_with_offset("2026-11-21T07:49:12.345-03:30").unwrap();
        let json = serde_json::to_string(&exact).unwrap();
        assert_eq!(
            json,
            r#"{"at":"2026-11-21T07:49:12.345-03:30","offset":"carrier"}"#
        );
        assert_eq!(serde_json::from_str::<Timestamp>(&json).unwrap(), exact);
        for at in [
            "2026-11-21 07:49:12",
            "2026-11-21T07:49:12",
            "2026-11-21T07:49:60+01:00",
            "2026-02-30T07:49:12+01:00",
            "yesterday",
        ] {
            let json = format!(r#"{{"at":"{at}","offset":"carrier"}}"#);
            let error = serde_json::from_str::<Timestamp>(&json).unwrap_err();
            assert!(error.to_string().contains(at), "{at}: {error}");
        }
    }

    #[test]
    fn a_utc_moment_shown_in_a_zone_keeps_the_moment_and_takes_the_zones_offset_then() {
        for (utc, shown) in [
            ("2024-01-15T09:00:00Z", "2024-01-15T10:00:00+01:00"),
            ("2024-07-15T09:00:00Z", "2024-07-15T11:00:00+02:00"),
            // The last moment of summer time and the first of winter time, one hour apart in
            // UTC, show the same repeated wall hour at their own offsets.
            ("2024-10-27T00:59:59Z", "2024-10-27T02:59:59+02:00"),
            ("2024-10-27T01:00:00Z", "2024-10-27T02:00:00+01:00"),
            ("2024-03-31T01:00:00Z", "2024-03-31T03:00:00+02:00"),
        ] {
            let given = parse_with_offset(utc).unwrap();
            let in_oslo = given.shown_in_zone(EUROPE_OSLO);
            assert_eq!(in_oslo.to_string(), shown, "{utc}");
            assert_eq!(in_oslo.unix_millis(), given.unix_millis(), "{utc}");
            assert_eq!(in_oslo.offset_source, OffsetSource::InZone(EUROPE_OSLO));
            assert!(!in_oslo.offset_assumed());
        }
    }
}
