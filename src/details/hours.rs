//! "Open now, closes at 16:00": a pickup point's opening state, computed in the browser from its
//! weekly hours and the clock, in the point's own zone (the hours are its wall times).

use trackline_core::model::{Carrier, OpeningHours, OpeningPeriod, Weekday};
use trackline_core::time::{offset_at, Zone, EUROPE_AMSTERDAM};

/// Whether a point is open at a moment, and when that changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpeningState {
    AlwaysOpen,
    /// Open; closes at this `HH:mm` today.
    OpenUntil(String),
    /// Closed; opens later today at this time.
    OpensToday(String),
    /// Closed; opens on another day.
    OpensOn(Weekday, String),
    /// Closed all week, or hours the widget cannot read.
    Closed,
}

/// The zone of a carrier's points, as core knows it. Only carriers without an adapter, whose
/// parcels the widget never shows, have none; Central European time stands in for them.
pub fn point_zone(carrier: Carrier) -> Zone {
    carrier.home_zone().unwrap_or(EUROPE_AMSTERDAM)
}

/// Minutes after midnight of `HH:mm`.
fn minutes(time: &str) -> Option<u32> {
    let (hours, minutes) = time.split_once(':')?;
    Some(hours.trim().parse::<u32>().ok()? * 60 + minutes.trim().parse::<u32>().ok()?)
}

/// The opening state at `utc_millis`, or `None` for hours kept as raw text.
pub fn opening_state(hours: &OpeningHours, utc_millis: i64, zone: Zone) -> Option<OpeningState> {
    let periods = match hours {
        OpeningHours::AlwaysOpen { .. } => return Some(OpeningState::AlwaysOpen),
        OpeningHours::Weekly { periods, .. } => periods,
        OpeningHours::Raw { .. } => return None,
    };
    let utc_seconds = utc_millis.div_euclid(1000);
    let local_seconds = utc_seconds + i64::from(offset_at(zone, utc_seconds));
    let days = local_seconds.div_euclid(86_400);
    let now = (local_seconds.rem_euclid(86_400) / 60) as u32;
    // 1970-01-01 was a Thursday, index 3 counting from Monday.
    let today = (days + 3).rem_euclid(7) as usize;
    let on = |day: usize| -> Vec<&OpeningPeriod> {
        let mut list: Vec<&OpeningPeriod> = periods
            .iter()
            .filter(|p| p.day == Weekday::ALL[day % 7])
            .collect();
        // Periods without a readable opening time first, as `None` sorts before `Some`.
        trackline_core::order::sort_by_key(&mut list, |p| minutes(&p.opens).map_or(-1, i64::from));
        list
    };
    for period in on(today) {
        let (Some(opens), Some(closes)) = (minutes(&period.opens), minutes(&period.closes)) else {
            continue;
        };
        // A period that closes at or before it opens runs past midnight.
        let closes_after_midnight = closes <= opens;
        if now >= opens && (now < closes || closes_after_midnight) {
            return Some(OpeningState::OpenUntil(period.closes.clone()));
        }
        if now < opens {
            return Some(OpeningState::OpensToday(period.opens.clone()));
        }
    }
    (1..=7)
        .find_map(|ahead| {
            on(today + ahead)
                .first()
                .map(|p| OpeningState::OpensOn(Weekday::ALL[(today + ahead) % 7], p.opens.clone()))
        })
        .or(Some(OpeningState::Closed))
}

pub fn weekday_key(day: Weekday) -> &'static str {
    match day {
        Weekday::Monday => "day.monday",
        Weekday::Tuesday => "day.tuesday",
        Weekday::Wednesday => "day.wednesday",
        Weekday::Thursday => "day.thursday",
        Weekday::Friday => "day.friday",
        Weekday::Saturday => "day.saturday",
        Weekday::Sunday => "day.sunday",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use trackline_core::time::{EUROPE_OSLO, EUROPE_WARSAW};

    fn weekdays_9_to_16_saturday_10_to_14() -> OpeningHours {
        let mut periods: Vec<OpeningPeriod> = Weekday::ALL[..5]
            .iter()
            .map(|&day| OpeningPeriod {
                day,
                opens: "09:00".into(),
                closes: "16:00".into(),
            })
            .collect();
        periods.push(OpeningPeriod {
            day: Weekday::Saturday,
            opens: "10:00".into(),
            closes: "14:00".into(),
        });
        OpeningHours::Weekly {
            raw: "PN-PT 09:00-16:00, SB 10:00-14:00".into(),
            periods,
        }
    }

    /// Milliseconds of a UTC date and time.
    fn utc(year: i32, month: u8, day: u8, hour: i64, minute: i64) -> i64 {
        trackline_core::time::parse_with_offset(&format!(
            "{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:00Z"
        ))
        .unwrap()
        .unix_millis()
    }

    #[test]
    fn a_point_is_open_until_its_closing_time_in_its_own_zone() {
        let hours = weekdays_9_to_16_saturday_10_to_14();
        // Wednesday 2025-06-11 12:00 UTC is 14:00 in Warsaw (summer time).
        assert_eq!(
            opening_state(&hours, utc(2025, 6, 11, 12, 0), EUROPE_WARSAW),
            Some(OpeningState::OpenUntil("16:00".into()))
        );
        // 14:30 UTC is 16:30 in Warsaw: closed, opens Thursday.
        assert_eq!(
            opening_state(&hours, utc(2025, 6, 11, 14, 30), EUROPE_WARSAW),
            Some(OpeningState::OpensOn(Weekday::Thursday, "09:00".into()))
        );
        // 06:30 UTC is 08:30 in Warsaw: opens today.
        assert_eq!(
            opening_state(&hours, utc(2025, 6, 11, 6, 30), EUROPE_WARSAW),
            Some(OpeningState::OpensToday("09:00".into()))
        );
    }

    #[test]
    fn after_saturday_closing_the_next_opening_is_monday() {
        let hours = weekdays_9_to_16_saturday_10_to_14();
        // Saturday 2025-01-11 15:00 UTC is 16:00 in Warsaw (winter time).
        assert_eq!(
            opening_state(&hours, utc(2025, 1, 11, 15, 0), EUROPE_WARSAW),
            Some(OpeningState::OpensOn(Weekday::Monday, "09:00".into()))
        );
    }

    #[test]
    fn always_open_and_unreadable_hours_are_told_apart() {
        let always = OpeningHours::AlwaysOpen { raw: "24/7".into() };
        let raw = OpeningHours::Raw {
            raw: "ask in the shop".into(),
        };
        assert_eq!(
            opening_state(&always, 0, EUROPE_OSLO),
            Some(OpeningState::AlwaysOpen)
        );
        assert_eq!(opening_state(&raw, 0, EUROPE_OSLO), None);
    }
}
