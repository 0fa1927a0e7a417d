//! Reading a pickup point's opening hours: `24/7`, `PN-PT 09:00-16:00, SB 10:00-14:00` (Polish
//! or English day abbreviations), or InPost's per-day `operating_hours_extended`. Anything else
//! stays raw, to be shown as the carrier wrote it.

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

fn weekly_periods(folded: &str) -> Option<Vec<OpeningPeriod>> {
    let mut periods = Vec::new();
    for segment in folded
        .split([',', ';', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let (days, times) = segment.rsplit_once(char::is_whitespace)?;
        let (opens, closes) = times.split_once(['-', '–'])?;
        let (opens, closes) = (clock(opens)?, clock(closes)?);
        for day in day_range(days.trim().trim_end_matches(':'))? {
            periods.push(OpeningPeriod {
                day,
                opens: opens.clone(),
                closes: closes.clone(),
            });
        }
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
        "pn" | "pon" | "mo" | "mon" | "monday" => Weekday::Monday,
        "wt" | "wto" | "tu" | "tue" | "tuesday" => Weekday::Tuesday,
        "śr" | "sr" | "śro" | "sro" | "we" | "wed" | "wednesday" => Weekday::Wednesday,
        "cz" | "czw" | "th" | "thu" | "thursday" => Weekday::Thursday,
        "pt" | "pią" | "pia" | "fr" | "fri" | "friday" => Weekday::Friday,
        "sb" | "so" | "sob" | "sa" | "sat" | "saturday" => Weekday::Saturday,
        "nd" | "ndz" | "nie" | "n" | "su" | "sun" | "sunday" => Weekday::Sunday,
        _ => return None,
    })
}

/// `9:00`, `09:00` or `0900` as `HH:mm`; `24:00` is allowed as a closing time.
fn clock(text: &str) -> Option<String> {
    let text = text.trim();
    let (hours, minutes) = text
        .split_once([':', '.'])
        .or_else(|| (text.len() == 4).then(|| text.split_at(2)))?;
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

    #[test]
    fn text_that_cannot_be_read_stays_raw() {
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
