//! Dates, times, numbers and relative times in the consumer's language and time zone.
//!
//! The browser's `Intl` does the formatting and knows the consumer's zone, so the widget ships no
//! time-zone data and no locale tables. The few lines of JavaScript below are cheaper than the
//! equivalent web-sys and js-sys bindings; the decisions (which unit, which day) stay in Rust,
//! where native tests reach them.

use crate::i18n::Locale;

#[cfg(target_arch = "wasm32")]
mod js {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen(inline_js = r#"
const STYLES = {
  time: { hour: "2-digit", minute: "2-digit" },
  day: { weekday: "long", day: "numeric", month: "long" },
  full: { dateStyle: "full", timeStyle: "short" },
  range: { day: "numeric", month: "short" },
};
const RELATIVE = { numeric: "auto" };
// Making an Intl formatter costs far more than using one (it resolves the locale and its data),
// and a timeline asks for dozens: one per language and style, kept for the page's life.
const FORMATTERS = new Map();
function formatter(Kind, lang, style, options) {
  const key = `${Kind.name} ${lang} ${style}`;
  let made = FORMATTERS.get(key);
  if (!made) FORMATTERS.set(key, (made = new Kind(lang, options)));
  return made;
}
// Making a language's first formatter costs a phone tens of milliseconds: the ones the headline
// uses are made for the languages the loader (trackline.js) expects, in a task of their own while
// the wasm downloads, and kept like any other.
setTimeout(() => {
  for (const lang of globalThis[Symbol.for("trackline.intl-tags")] ?? []) {
    try {
      formatter(Intl.DateTimeFormat, lang, "full", STYLES.full);
      formatter(Intl.DateTimeFormat, lang, "day", STYLES.day);
      formatter(Intl.RelativeTimeFormat, lang, "auto", RELATIVE);
    } catch {
      // A tag Intl refuses: the widget says so when it formats, not here.
    }
  }
});
export function dateTime(lang, ms, style) {
  return formatter(Intl.DateTimeFormat, lang, style, STYLES[style]).format(new Date(ms));
}
export function dateRange(lang, from, to) {
  return formatter(Intl.DateTimeFormat, lang, "range", STYLES.range).formatRange(new Date(from), new Date(to));
}
export function relativeTime(lang, value, unit) {
  return formatter(Intl.RelativeTimeFormat, lang, "auto", RELATIVE).format(value, unit);
}
export function number(lang, value) {
  return formatter(Intl.NumberFormat, lang, "", undefined).format(value);
}
export function localDay(ms) {
  const d = new Date(ms);
  return Math.round(Date.UTC(d.getFullYear(), d.getMonth(), d.getDate()) / 864e5);
}
"#)]
    extern "C" {
        #[wasm_bindgen(js_name = dateTime)]
        pub fn date_time(lang: &str, ms: f64, style: &str) -> String;
        #[wasm_bindgen(js_name = dateRange)]
        pub fn date_range(lang: &str, from: f64, to: f64) -> String;
        #[wasm_bindgen(js_name = relativeTime)]
        pub fn relative_time(lang: &str, value: f64, unit: &str) -> String;
        pub fn number(lang: &str, value: f64) -> String;
        #[wasm_bindgen(js_name = localDay)]
        pub fn local_day(ms: f64) -> f64;
    }
}

/// Now, in milliseconds since the epoch.
pub fn now_millis() -> f64 {
    #[cfg(target_arch = "wasm32")]
    {
        js_sys::Date::now()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as f64)
            .unwrap_or_default()
    }
}

/// How a date and time is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateStyle {
    /// `14:05`
    Time,
    /// `Tuesday, 3 June`
    Day,
    /// `Tuesday, 3 June 2025 at 14:05`
    Full,
}

/// A moment in the consumer's zone and language.
pub fn date_time(locale: Locale, millis: f64, style: DateStyle) -> String {
    #[cfg(target_arch = "wasm32")]
    {
        let style = match style {
            DateStyle::Time => "time",
            DateStyle::Day => "day",
            DateStyle::Full => "full",
        };
        js::date_time(locale.intl_tag(), millis, style)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = (locale, style);
        format!("{millis}")
    }
}

/// Two days as one span in the consumer's zone and language: "21–23 Nov", "30 Nov – 2 Dec", or
/// one date when both fall on the same day. Intl shares what the ends have in common, which no
/// catalog pattern could do for every language.
pub fn date_range(locale: Locale, from_millis: f64, to_millis: f64) -> String {
    #[cfg(target_arch = "wasm32")]
    {
        js::date_range(locale.intl_tag(), from_millis, to_millis)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = locale;
        format!("{from_millis}–{to_millis}")
    }
}

/// A number with the language's grouping and decimal signs.
pub fn number(locale: Locale, value: f64) -> String {
    #[cfg(target_arch = "wasm32")]
    {
        js::number(locale.intl_tag(), value)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = locale;
        format!("{value}")
    }
}

/// The unit and signed amount a relative time is said in: the largest unit that fits, so that
/// three hours ago reads "3 hours ago" rather than "180 minutes ago".
pub fn relative_unit(millis: f64, now: f64) -> (f64, &'static str) {
    const DAY: f64 = 86_400.0;
    // (unit, its length in seconds, used while the distance is shorter than this)
    const UNITS: [(&str, f64, f64); 6] = [
        ("minute", 60.0, 3600.0),
        ("hour", 3600.0, DAY),
        ("day", DAY, 7.0 * DAY),
        ("week", 7.0 * DAY, 30.0 * DAY),
        ("month", 30.0 * DAY, 365.0 * DAY),
        ("year", 365.0 * DAY, f64::INFINITY),
    ];
    let seconds = (millis - now) / 1000.0;
    if seconds.abs() < 60.0 {
        // Under a minute reads as "now": seconds are noise for a parcel.
        return (0.0, "second");
    }
    let (unit, length, _) = UNITS
        .into_iter()
        .find(|(_, _, below)| seconds.abs() < *below)
        .unwrap_or(UNITS[5]);
    // `+ 0.0` turns a rounded -0 into 0, which Intl would write as "0 minutes ago".
    ((seconds / length).round() + 0.0, unit)
}

/// "2 hours ago", "in 3 days", "now", in the consumer's language.
pub fn relative_time(locale: Locale, millis: f64, now: f64) -> String {
    let (value, unit) = relative_unit(millis, now);
    #[cfg(target_arch = "wasm32")]
    {
        js::relative_time(locale.intl_tag(), value, unit)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = locale;
        format!("{value} {unit}")
    }
}

/// The consumer's calendar day of a moment, as days since 1970-01-01 in their zone: events are
/// grouped by the day the consumer lived them, not the carrier's.
pub fn local_day(millis: f64) -> i64 {
    #[cfg(target_arch = "wasm32")]
    {
        js::local_day(millis) as i64
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        (millis / 86_400_000.0).floor() as i64
    }
}

/// The heading of a day in the timeline: "today", "yesterday", else the weekday and date.
pub fn day_heading(locale: Locale, millis: f64, now: f64) -> String {
    let days_ago = local_day(now) - local_day(millis);
    if (0..=1).contains(&days_ago) {
        #[cfg(target_arch = "wasm32")]
        {
            // Intl writes "today" in lower case; `.tl-day-title::first-letter` capitalizes it
            // (Rust's Unicode case tables would cost kilobytes of wasm).
            return js::relative_time(locale.intl_tag(), -(days_ago as f64), "day");
        }
    }
    date_time(locale, millis, DateStyle::Day)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: f64 = 60_000.0;
    const HOUR: f64 = 60.0 * MINUTE;
    const DAY: f64 = 24.0 * HOUR;

    #[test]
    fn a_relative_time_uses_the_largest_unit_that_fits() {
        let now = 1_750_000_000_000.0;
        assert_eq!(relative_unit(now - 20_000.0, now), (0.0, "second"));
        assert_eq!(relative_unit(now - 5.0 * MINUTE, now), (-5.0, "minute"));
        assert_eq!(
            relative_unit(now - 2.0 * HOUR - 10.0 * MINUTE, now),
            (-2.0, "hour")
        );
        assert_eq!(relative_unit(now - 3.0 * DAY, now), (-3.0, "day"));
        assert_eq!(relative_unit(now + 2.0 * DAY, now), (2.0, "day"));
        assert_eq!(relative_unit(now - 15.0 * DAY, now), (-2.0, "week"));
        assert_eq!(relative_unit(now - 90.0 * DAY, now), (-3.0, "month"));
        assert_eq!(relative_unit(now - 800.0 * DAY, now), (-2.0, "year"));
    }
}
