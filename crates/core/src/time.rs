//! Civil time: ISO-8601 parsing, the EU summer-time rule, and timestamps that say whether their
//! offset came from the carrier or was assumed.
//!
//! Hand-rolled rather than a date crate: the carriers use three shapes (ISO-8601 with offset,
//! ISO-8601 without one, and Di's `yyyy-MM-dd HH:mm:ss`), and the only zone rule needed is the
//! EU one (CET/CEST). `time`/`chrono` would add tens of kilobytes to the widget's wasm and
//! `chrono-tz` a whole tz database, for what fits in this file.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A wall-clock date and time without any zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CivilDateTime {
    pub year: i32,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
    pub millisecond: u16,
}

/// A zone that follows the EU summer-time rule: standard time `standard_offset_minutes`, one
/// hour more from 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of
/// October. Every carrier here sits in such a zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EuZone {
    pub name: &'static str,
    pub standard_offset_minutes: i32,
}

/// Norway, where Di's systems write `eventTime` without an offset.
pub const EUROPE_OSLO: EuZone = EuZone {
    name: "Europe/Oslo",
    standard_offset_minutes: 60,
};
/// Poland, for InPost times that arrive without an offset.
pub const EUROPE_WARSAW: EuZone = EuZone {
    name: "Europe/Warsaw",
    standard_offset_minutes: 60,
};
/// The Netherlands, where TrackOnline runs; used only when it sends a time without an offset.
pub const EUROPE_AMSTERDAM: EuZone = EuZone {
    name: "Europe/Amsterdam",
    standard_offset_minutes: 60,
};

/// Where a timestamp's UTC offset came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OffsetSource {
    /// The carrier wrote the offset.
    Carrier,
    /// The carrier wrote local time only; the offset is the named zone's at that time.
    AssumedZone(&'static str),
}

/// A point in time as the carrier wrote it, with its UTC offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timestamp {
    pub local: CivilDateTime,
    pub offset_minutes: i32,
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

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(year: i32, month: u8, day: u8) -> i64 {
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i32, u8, u8) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let month = (if mp < 10 { mp + 3 } else { mp - 9 }) as u8;
    let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
    (year, month, day)
}

fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 31,
    }
}

/// The day of the month of the last Sunday of `month`.
fn last_sunday(year: i32, month: u8) -> u8 {
    let last = days_in_month(year, month);
    // 1970-01-01 was a Thursday: weekday 0 = Sunday after shifting by 4.
    let weekday = (days_from_civil(year, month, last) + 4).rem_euclid(7) as u8;
    last - weekday
}

impl CivilDateTime {
    fn checked(self, original: &str) -> Result<Self, TimeError> {
        let valid = (1..=12).contains(&self.month)
            && self.day >= 1
            && self.day <= days_in_month(self.year, self.month)
            && self.hour < 24
            && self.minute < 60
            && self.second < 60;
        if valid {
            Ok(self)
        } else {
            Err(TimeError::OutOfRange(original.to_owned()))
        }
    }

    /// Seconds since the Unix epoch if this wall time were UTC.
    pub fn seconds_as_if_utc(&self) -> i64 {
        days_from_civil(self.year, self.month, self.day) * 86_400
            + i64::from(self.hour) * 3600
            + i64::from(self.minute) * 60
            + i64::from(self.second)
    }

    fn from_seconds(seconds: i64, millisecond: u16) -> Self {
        let (year, month, day) = civil_from_days(seconds.div_euclid(86_400));
        let rest = seconds.rem_euclid(86_400);
        CivilDateTime {
            year,
            month,
            day,
            hour: (rest / 3600) as u8,
            minute: (rest % 3600 / 60) as u8,
            second: (rest % 60) as u8,
            millisecond,
        }
    }
}

impl fmt::Display for CivilDateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )?;
        if self.millisecond != 0 {
            write!(f, ".{:03}", self.millisecond)?;
        }
        Ok(())
    }
}

impl EuZone {
    /// The offset in force at a UTC instant.
    pub fn offset_at_utc(&self, utc_seconds: i64) -> i32 {
        let year = CivilDateTime::from_seconds(utc_seconds, 0).year;
        let switch = |month| days_from_civil(year, month, last_sunday(year, month)) * 86_400 + 3600;
        if utc_seconds >= switch(3) && utc_seconds < switch(10) {
            self.standard_offset_minutes + 60
        } else {
            self.standard_offset_minutes
        }
    }

    /// The offset of a wall time in this zone. In the autumn hour that happens twice the first
    /// one (summer time) is chosen; a wall time in the spring gap, which no clock showed, is
    /// read with the standard offset, i.e. as the summer time one hour later.
    pub fn offset_for_local(&self, local: &CivilDateTime) -> i32 {
        let as_utc = local.seconds_as_if_utc();
        let summer = self.standard_offset_minutes + 60;
        if self.offset_at_utc(as_utc - i64::from(summer) * 60) == summer {
            summer
        } else {
            self.standard_offset_minutes
        }
    }
}

impl Timestamp {
    /// Seconds since the Unix epoch.
    pub fn unix_seconds(&self) -> i64 {
        self.local.seconds_as_if_utc() - i64::from(self.offset_minutes) * 60
    }

    /// Milliseconds since the Unix epoch, for ordering events.
    pub fn unix_millis(&self) -> i64 {
        self.unix_seconds() * 1000 + i64::from(self.local.millisecond)
    }

    /// A wall time read in an EU zone because the carrier gave no offset.
    pub fn in_zone(local: CivilDateTime, zone: EuZone) -> Self {
        Timestamp {
            local,
            offset_minutes: zone.offset_for_local(&local),
            offset_source: OffsetSource::AssumedZone(zone.name),
        }
    }

    /// Whether the offset was assumed rather than given.
    pub fn offset_assumed(&self) -> bool {
        matches!(self.offset_source, OffsetSource::AssumedZone(_))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.local)?;
        let sign = if self.offset_minutes < 0 { '-' } else { '+' };
        let abs = self.offset_minutes.abs();
        write!(f, "{sign}{:02}:{:02}", abs / 60, abs % 60)
    }
}

struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn digits(&mut self, count: usize) -> Option<u32> {
        let slice = self.bytes.get(self.at..self.at + count)?;
        if !slice.iter().all(u8::is_ascii_digit) {
            return None;
        }
        self.at += count;
        Some(slice.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0')))
    }

    fn eat(&mut self, byte: u8) -> bool {
        if self.bytes.get(self.at) == Some(&byte) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }
}

/// Reads `yyyy-MM-dd?HH:mm[:ss[.fff…]]` where `?` is `T` or a space; returns what follows.
fn parse_civil(text: &str) -> Result<(CivilDateTime, &str), TimeError> {
    let malformed = || TimeError::Malformed(text.to_owned());
    let mut c = Cursor {
        bytes: text.as_bytes(),
        at: 0,
    };
    let year = c.digits(4).ok_or_else(malformed)?;
    let field = |c: &mut Cursor, sep: u8| {
        if c.eat(sep) {
            c.digits(2).ok_or_else(malformed)
        } else {
            Err(malformed())
        }
    };
    let month = field(&mut c, b'-')?;
    let day = field(&mut c, b'-')?;
    if !(c.eat(b'T') || c.eat(b't') || c.eat(b' ')) {
        return Err(malformed());
    }
    let hour = c.digits(2).ok_or_else(malformed)?;
    let minute = field(&mut c, b':')?;
    let second = if c.peek() == Some(b':') {
        field(&mut c, b':')?
    } else {
        0
    };
    let mut millisecond = 0;
    if c.eat(b'.') || c.eat(b',') {
        let start = c.at;
        while c.peek().is_some_and(|b| b.is_ascii_digit()) {
            c.at += 1;
        }
        let fraction = &text[start..c.at];
        if fraction.is_empty() {
            return Err(malformed());
        }
        millisecond = fraction
            .bytes()
            .chain(std::iter::repeat(b'0'))
            .take(3)
            .fold(0u16, |n, d| n * 10 + u16::from(d - b'0'));
    }
    let civil = CivilDateTime {
        year: year as i32,
        month: month as u8,
        day: day as u8,
        hour: hour as u8,
        minute: minute as u8,
        second: second as u8,
        millisecond,
    }
    .checked(text)?;
    Ok((civil, &text[c.at..]))
}

/// Reads `+HH:mm`, `+HHmm`, `+HH` or `Z`, the whole of `rest`.
fn parse_offset(rest: &str, original: &str) -> Result<Option<i32>, TimeError> {
    if rest.is_empty() {
        return Ok(None);
    }
    if rest == "Z" || rest == "z" {
        return Ok(Some(0));
    }
    let malformed = || TimeError::Malformed(original.to_owned());
    let sign = match rest.as_bytes()[0] {
        b'+' => 1,
        b'-' => -1,
        _ => return Err(malformed()),
    };
    let mut c = Cursor {
        bytes: rest.as_bytes(),
        at: 1,
    };
    let hours = c.digits(2).ok_or_else(malformed)?;
    c.eat(b':');
    let minutes = if c.at < rest.len() {
        c.digits(2).ok_or_else(malformed)?
    } else {
        0
    };
    if c.at != rest.len() || hours > 18 || minutes > 59 {
        return Err(malformed());
    }
    Ok(Some(sign * (hours as i32 * 60 + minutes as i32)))
}

/// Reads an ISO-8601 date-time that must carry its offset (InPost, Di Register Event).
pub fn parse_with_offset(text: &str) -> Result<Timestamp, TimeError> {
    let (local, rest) = parse_civil(text)?;
    match parse_offset(rest, text)? {
        Some(offset_minutes) => Ok(Timestamp {
            local,
            offset_minutes,
            offset_source: OffsetSource::Carrier,
        }),
        None => Err(TimeError::NoOffset(text.to_owned())),
    }
}

/// Reads an ISO-8601 date-time, taking the offset from `zone` when the text has none.
pub fn parse_with_fallback_zone(text: &str, zone: EuZone) -> Result<Timestamp, TimeError> {
    let (local, rest) = parse_civil(text)?;
    Ok(match parse_offset(rest, text)? {
        Some(offset_minutes) => Timestamp {
            local,
            offset_minutes,
            offset_source: OffsetSource::Carrier,
        },
        None => Timestamp::in_zone(local, zone),
    })
}

/// The JSON shape of a timestamp: `{"at": "2017-08-22T13:55:13+02:00", "offset": "carrier"}`, or
/// `"offset": "assumed", "zone": "Europe/Oslo"` when the carrier gave local time only.
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
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (offset, zone) = match self.offset_source {
            OffsetSource::Carrier => (OffsetKindJson::Carrier, None),
            OffsetSource::AssumedZone(zone) => (OffsetKindJson::Assumed, Some(zone.to_owned())),
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
        let mut timestamp = parse_with_offset(&json.at).map_err(serde::de::Error::custom)?;
        if json.offset == OffsetKindJson::Assumed {
            // Only the zones this crate assumes can come back; others keep their name's offset.
            timestamp.offset_source = OffsetSource::AssumedZone(match json.zone.as_deref() {
                Some("Europe/Amsterdam") => EUROPE_AMSTERDAM.name,
                Some("Europe/Warsaw") => EUROPE_WARSAW.name,
                _ => EUROPE_OSLO.name,
            });
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
        let start = days_from_civil(2023, 1, 1) * 86_400;
        for hour in 0..(2 * 366 * 24) {
            let utc = start + hour * 3600 + 1800;
            let offset = EUROPE_OSLO.offset_at_utc(utc);
            let local = CivilDateTime::from_seconds(utc + i64::from(offset) * 60, 0);
            let read = EUROPE_OSLO.offset_for_local(&local);
            let repeated_hour = offset == 60
                && local.month == 10
                && local.day == last_sunday(local.year, 10)
                && local.hour == 2;
            if repeated_hour {
                assert_eq!(read, 120, "{local}: the first of the two is chosen");
            } else {
                assert_eq!(read, offset, "{local}");
            }
        }
    }

    #[test]
    fn last_sundays_are_found_across_years() {
        assert_eq!(last_sunday(2023, 3), 26);
        assert_eq!(last_sunday(2023, 10), 29);
        assert_eq!(last_sunday(2022, 10), 30);
        assert_eq!(last_sunday(2020, 3), 29);
    }

    #[test]
    fn offsets_are_read_in_every_iso_form() {
        let t = parse_with_offset("2015-09-17T11:28:00.000+02:00").unwrap();
        assert_eq!(t.offset_minutes, 120);
        assert_eq!(
            parse_with_offset("2021-01-01T00:00:00.0000000+00:00")
                .unwrap()
                .offset_minutes,
            0
        );
        assert_eq!(
            parse_with_offset("2020-01-01T00:00:00.000Z")
                .unwrap()
                .offset_minutes,
            0
        );
        assert_eq!(
            parse_with_offset("2020-01-01T00:00:00-0330")
                .unwrap()
                .offset_minutes,
            -210
        );
        assert_eq!(
            parse_with_offset("2020-01-01T00:00:00.125+01")
                .unwrap()
                .local
                .millisecond,
            125
        );
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
        assert!(parse_with_offset("2023-02-28T10:00:00+2").is_err());
        assert!(parse_with_offset("yesterday").is_err());
        assert!(parse_with_offset("2023-02-28T10:00:00+02:00x").is_err());
    }

    #[test]
    fn unix_time_accounts_for_the_offset() {
        let a = parse_with_offset("2015-09-17T11:28:00+02:00").unwrap();
        let b = parse_with_offset("2015-09-17T09:28:00Z").unwrap();
        assert_eq!(a.unix_seconds(), b.unix_seconds());
        assert_eq!(b.unix_seconds(), 1_442_482_080);
    }

    #[test]
    fn civil_days_round_trip() {
        for days in [-800_000, -1, 0, 1, 19_000, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
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
    }
}
