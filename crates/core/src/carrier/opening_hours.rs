//! Reading a pickup point's opening hours: `24/7`, `PN-PT 09:00-16:00, SB 10:00-14:00` (Polish,
//! English or Italian day abbreviations, groups apart by commas or only by spaces, a day's break
//! between two spans), or InPost's per-day `operating_hours_extended`. Anything else stays raw,
//! to be shown as the carrier wrote it.

use serde_json::Value;

use crate::model::{OpeningHours, OpeningPeriod, Weekday};

/// Reads opening hours text; never fails, falls back to [`OpeningHours::Raw`].
pub fn parse(raw: &str) -> OpeningHours {
    let raw_owned = raw.trim().to_owned();
    let folded = raw_owned.to_lowercase();
    if matches!(
        folded.as_str(),
        "24/7" | "24h" | "24/7/365" | "całodobowo" | "calodobowo" | "non-stop" | "nonstop"
    ) {
        return OpeningHours::AlwaysOpen { raw: raw_owned };
    }
    match weekly_periods(&folded) {
        Some(periods) if !periods.is_empty() => OpeningHours::Weekly {
            raw: raw_owned,
            periods,
        },
        _ => OpeningHours::Raw { raw: raw_owned },
    }
}

/// Reads days and their hours as points write them: a day or a range of days (`PN-PT`, `Mo`,
/// `Lun-Ven:`), then one or more spans of hours (`09:00-16:00`, or a day with a break written as
/// `9:00 - 13:00 - 15:30 - 19:00`), the groups apart by commas, semicolons, lines or only spaces
/// (`PN-PT 07:00-00:00 SB 07:00-00:00`). Days side by side share the hours after them
/// (`SB, ND 10:00-14:00`); a day marked closed has none. A span that closes at `00:00` closes at
/// midnight (`24:00`). `None` when any word is neither a day, a span of hours nor "closed".
fn weekly_periods(folded: &str) -> Option<Vec<OpeningPeriod>> {
    // Spaces around a dash belong to the range it makes: `9:00 - 13:00` is one span.
    let mut compact = String::with_capacity(folded.len());
    for word in folded.split_whitespace() {
        let joins = compact.ends_with(['-', '–']) || word.starts_with(['-', '–']);
        if !compact.is_empty() && !joins {
            compact.push(' ');
        }
        compact.push_str(word);
    }
    let mut periods = Vec::new();
    // The days the next hours belong to, and whether they have had hours (or "closed") yet.
    let mut days: Vec<Weekday> = Vec::new();
    let mut days_done = true;
    for token in compact
        .split([',', ';', ' '])
        .map(|token| token.trim_end_matches(':'))
        .filter(|token| !token.is_empty())
    {
        if let Some(more) = day_range(token) {
            if days_done {
                days.clear();
                days_done = false;
            }
            days.extend(more);
        } else if matches!(
            token,
            "closed" | "zamknięte" | "zamkniete" | "nieczynne" | "chiuso"
        ) {
            if days.is_empty() {
                return None;
            }
            days_done = true;
        } else {
            if days.is_empty() {
                return None;
            }
            let clocks = token
                .split(['-', '–'])
                .map(clock)
                .collect::<Option<Vec<String>>>()?;
            if clocks.len() % 2 != 0 {
                return None;
            }
            for span in clocks.chunks(2) {
                let closes = if span[1] == "00:00" {
                    "24:00"
                } else {
                    &span[1]
                };
                for day in &days {
                    periods.push(OpeningPeriod {
                        day: *day,
                        opens: span[0].clone(),
                        closes: closes.to_owned(),
                    });
                }
            }
            days_done = true;
        }
    }
    // Days named last without hours: not a timetable.
    if !days_done {
        return None;
    }
    crate::order::sort_by_key(&mut periods, |period| period.day as i64);
    Some(periods)
}

fn day_range(text: &str) -> Option<Vec<Weekday>> {
    match text.split_once(['-', '–']) {
        Some((first, last)) => {
            let (first, last) = (
                weekday(first.trim())? as usize,
                weekday(last.trim())? as usize,
            );
            // Ranges may wrap the week, e.g. `SB-PN`.
            let length = (last + 7 - first) % 7 + 1;
            Some(
                (0..length)
                    .map(|step| Weekday::ALL[(first + step) % 7])
                    .collect(),
            )
        }
        None => Some(vec![weekday(text)?]),
    }
}

fn weekday(text: &str) -> Option<Weekday> {
    Some(match text.trim_end_matches('.') {
        "pn" | "pon" | "mo" | "mon" | "monday" | "lun" => Weekday::Monday,
        "wt" | "wto" | "tu" | "tue" | "tuesday" | "mar" => Weekday::Tuesday,
        "śr" | "sr" | "śro" | "sro" | "we" | "wed" | "wednesday" | "mer" => Weekday::Wednesday,
        "cz" | "czw" | "th" | "thu" | "thursday" | "gio" => Weekday::Thursday,
        "pt" | "pią" | "pia" | "fr" | "fri" | "friday" | "ven" => Weekday::Friday,
        "sb" | "sob" | "sa" | "sat" | "saturday" | "sab" => Weekday::Saturday,
        // `So` is German's Sunday (`Sonntag`); Polish writes Saturday `Sb` or `Sob`.
        "nd" | "ndz" | "nie" | "n" | "so" | "su" | "sun" | "sunday" | "dom" => Weekday::Sunday,
        _ => return None,
    })
}

/// `9:00`, `09:00`, `0900` or a whole hour (`9`) as `HH:mm`; `24:00` is allowed as a closing
/// time.
fn clock(text: &str) -> Option<String> {
    let text = text.trim();
    // Digits and a separator only: anything else is no time (and `split_at` below then cuts
    // between ASCII characters).
    if !text
        .bytes()
        .all(|b| b.is_ascii_digit() || b == b':' || b == b'.')
    {
        return None;
    }
    let (hours, minutes) = text
        .split_once([':', '.'])
        .or_else(|| (text.len() == 4).then(|| text.split_at(2)))
        .or_else(|| (1..=2).contains(&text.len()).then_some((text, "00")))?;
    let (hours, minutes): (u32, u32) = (hours.parse().ok()?, minutes.parse().ok()?);
    let valid = minutes < 60 && (hours < 24 || (hours == 24 && minutes == 0));
    valid.then(|| format!("{hours:02}:{minutes:02}"))
}

/// InPost `operating_hours_extended.customer`: `{"monday": [{"start": 480, "end": 1200}]}`,
/// with minutes after midnight or `HH:mm` text.
pub fn from_extended(raw: Option<String>, extended: &Value) -> Option<OpeningHours> {
    let customer = extended.get("customer").unwrap_or(extended);
    let names = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    let mut periods = Vec::new();
    for (day, name) in Weekday::ALL.into_iter().zip(names) {
        let Some(Value::Array(spans)) = customer.get(name) else {
            continue;
        };
        for span in spans {
            let opens = span.get("start").and_then(minutes_or_clock)?;
            let closes = span.get("end").and_then(minutes_or_clock)?;
            periods.push(OpeningPeriod { day, opens, closes });
        }
    }
    if periods.is_empty() {
        return None;
    }
    let raw = raw.unwrap_or_else(|| {
        periods
            .iter()
            .map(|p| format!("{:?} {}-{}", p.day, p.opens, p.closes))
            .collect::<Vec<_>>()
            .join(", ")
    });
    Some(OpeningHours::Weekly { raw, periods })
}

fn minutes_or_clock(value: &Value) -> Option<String> {
    match value {
        Value::Number(number) => {
            let minutes = number.as_u64().filter(|m| *m <= 24 * 60)?;
            Some(format!("{:02}:{:02}", minutes / 60, minutes % 60))
        }
        Value::String(text) => clock(text),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn period(day: Weekday, opens: &str, closes: &str) -> OpeningPeriod {
        OpeningPeriod {
            day,
            opens: opens.into(),
            closes: closes.into(),
        }
    }

    #[test]
    fn round_the_clock_is_recognized() {
        assert_eq!(
            parse(" 24/7 "),
            OpeningHours::AlwaysOpen { raw: "24/7".into() }
        );
    }

    #[test]
    fn polish_day_ranges_become_one_period_per_day() {
        let OpeningHours::Weekly { periods, raw } = parse("PN-PT 09:00-16:00, SB 10:00-14:00")
        else {
            panic!("not read as weekly hours");
        };
        assert_eq!(raw, "PN-PT 09:00-16:00, SB 10:00-14:00");
        assert_eq!(periods.len(), 6);
        assert_eq!(periods[0], period(Weekday::Monday, "09:00", "16:00"));
        assert_eq!(periods[5], period(Weekday::Saturday, "10:00", "14:00"));
    }

    fn periods(raw: &str) -> Vec<OpeningPeriod> {
        match parse(raw) {
            OpeningHours::Weekly { periods, raw: kept } => {
                assert_eq!(kept, raw.trim());
                periods
            }
            other => panic!("{raw:?} not read as weekly hours: {other:?}"),
        }
    }

    #[test]
    fn groups_apart_by_spaces_alone_are_read_and_a_span_closing_at_00_00_closes_at_midnight() {
        // As InPost's service points write them.
        let read = periods("PN-PT 07:00-00:00 SB 07:00-00:00 ND 07:00-00:00");
        assert_eq!(read.len(), 7);
        assert_eq!(read[0], period(Weekday::Monday, "07:00", "24:00"));
        assert_eq!(read[6], period(Weekday::Sunday, "07:00", "24:00"));
    }

    #[test]
    fn a_day_with_a_break_has_two_spans() {
        let read = periods("Lun-Ven: 9:00 - 13:00 - 15:30 - 19:00 Sab: 9:00 - 12:00");
        assert_eq!(read.len(), 11);
        assert_eq!(
            read[..2],
            [
                period(Weekday::Monday, "09:00", "13:00"),
                period(Weekday::Monday, "15:30", "19:00")
            ]
        );
        assert_eq!(read[10], period(Weekday::Saturday, "09:00", "12:00"));
        assert_eq!(
            periods("Mo 08:00-12:00, 13:00-17:00"),
            [
                period(Weekday::Monday, "08:00", "12:00"),
                period(Weekday::Monday, "13:00", "17:00")
            ]
        );
    }

    #[test]
    fn days_side_by_side_share_their_hours_and_a_closed_day_has_none() {
        assert_eq!(
            periods("SB, ND 10:00-14:00"),
            [
                period(Weekday::Saturday, "10:00", "14:00"),
                period(Weekday::Sunday, "10:00", "14:00")
            ]
        );
        let read = periods("Pn - Pt 9-17, Sb nieczynne");
        assert_eq!(read.len(), 5);
        assert_eq!(read[4], period(Weekday::Friday, "09:00", "17:00"));
    }

    #[test]
    fn words_that_are_no_time_stay_raw_and_never_panic() {
        // Four bytes whose second character is two bytes long: no time, and no cut inside it.
        for raw in [
            "Mo-Fr 9-18 für Firmen",
            "PN-PT 8-20 wóz",
            "Ma-Fr 9-17 lør",
            "Mo €1",
        ] {
            assert_eq!(parse(raw), OpeningHours::Raw { raw: raw.into() }, "{raw}");
        }
    }

    #[test]
    fn german_sunday_is_sunday() {
        assert_eq!(
            periods("Mo-Fr 8-18, Sa 9-14, So 10-12")[5..],
            [
                period(Weekday::Saturday, "09:00", "14:00"),
                period(Weekday::Sunday, "10:00", "12:00")
            ]
        );
    }

    #[test]
    fn text_that_cannot_be_read_stays_raw() {
        for raw in [
            "PN-PT",
            "09:00-16:00",
            "PN-PT 09:00-16:00-18:00",
            "PN-PT 09:00-16:00 SB",
            "nieczynne",
            "PN-PT 09:00-16:00 ask at the desk",
        ] {
            assert_eq!(parse(raw), OpeningHours::Raw { raw: raw.into() }, "{raw}");
        }
        assert_eq!(
            parse("ask the shop"),
            OpeningHours::Raw {
                raw: "ask the shop".into()
            }
        );
        assert_eq!(
            parse("PN-PT 25:00-16:00"),
            OpeningHours::Raw {
                raw: "PN-PT 25:00-16:00".into()
            }
        );
    }

    #[test]
    fn extended_hours_in_minutes_are_read() {
        let extended = serde_json::json!({"customer": {"monday": [{"start": 480, "end": 1200}], "sunday": []}});
        let Some(OpeningHours::Weekly { periods, .. }) = from_extended(None, &extended) else {
            panic!("extended hours not read");
        };
        assert_eq!(periods, vec![period(Weekday::Monday, "08:00", "20:00")]);
    }
}
