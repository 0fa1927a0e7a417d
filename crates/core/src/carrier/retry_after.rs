//! `Retry-After` (RFC 9110, section 10.2.3), read once for the adapters, the proxy and the
//! widget: delay seconds, or an HTTP date in any of its three forms (IMF-fixdate
//! `Sun, 06 Nov 1994 08:49:37 GMT`, the obsolete RFC 850 `Sunday, 06-Nov-94 08:49:37 GMT` and
//! asctime `Sun Nov  6 08:49:37 1994`), read by the `httpdate` crate.

use std::time::{Duration, UNIX_EPOCH};

use chrono::DateTime;

use crate::model::RetryAfter;
use crate::time::Timestamp;

/// The longest wait read from delay seconds, about 136 years: a larger number means as much to a
/// consumer, and every reader of a wait holds it exactly (a JavaScript number, which the widget
/// reads a proxy's reading into, holds whole numbers up to 2^53 only).
pub const MAX_DELAY_SECONDS: u64 = u32::MAX as u64;

/// Reads a `Retry-After` header value; `None` when it is neither seconds nor an HTTP date.
/// Delay seconds above [`MAX_DELAY_SECONDS`], however many digits, are read as that.
pub fn parse_retry_after(header: &str) -> Option<RetryAfter> {
    let header = header.trim();
    if !header.is_empty() && header.bytes().all(|byte| byte.is_ascii_digit()) {
        let seconds = header.parse::<u64>().unwrap_or(u64::MAX);
        return Some(RetryAfter::Seconds(seconds.min(MAX_DELAY_SECONDS)));
    }
    let at = httpdate::parse_http_date(header).ok()?;
    let unix_seconds = match at.duration_since(UNIX_EPOCH) {
        Ok(since) => i64::try_from(since.as_secs()).ok()?,
        Err(before) => -i64::try_from(before.duration().as_secs()).ok()?,
    };
    // HTTP dates are GMT: the sender wrote the offset.
    let at = DateTime::from_timestamp(unix_seconds, 0)?.fixed_offset();
    Some(RetryAfter::At(Timestamp::given(at)))
}

impl RetryAfter {
    /// How long to wait from `now_unix_seconds` (the caller's clock: core reads none). A date
    /// in the past means no wait.
    pub fn wait_from(&self, now_unix_seconds: i64) -> Duration {
        match self {
            RetryAfter::Seconds(seconds) => Duration::from_secs(*seconds),
            RetryAfter::At(at) => {
                Duration::from_secs(at.unix_seconds().saturating_sub(now_unix_seconds).max(0) as u64)
            }
        }
    }
}

/// The wait a `Retry-After` header asks for, from `now_unix_seconds`; `None` when the header
/// is absent or unreadable.
pub fn retry_after_wait(header: Option<&str>, now_unix_seconds: i64) -> Option<Duration> {
    Some(parse_retry_after(header?)?.wait_from(now_unix_seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOV_6_1994_08_49_37: i64 = 784_111_777;

    #[test]
    fn delay_seconds_are_read_as_seconds() {
        assert_eq!(parse_retry_after(" 30 "), Some(RetryAfter::Seconds(30)));
        assert_eq!(parse_retry_after("0"), Some(RetryAfter::Seconds(0)));
        assert_eq!(parse_retry_after("-5"), None);
        assert_eq!(parse_retry_after("+5"), None);
        assert_eq!(
            parse_retry_after("4294967296"),
            Some(RetryAfter::Seconds(MAX_DELAY_SECONDS))
        );
        assert_eq!(
            parse_retry_after("99999999999999999999999"),
            Some(RetryAfter::Seconds(MAX_DELAY_SECONDS))
        );
        assert_eq!(
            parse_retry_after("4294967295"),
            Some(RetryAfter::Seconds(4_294_967_295))
        );
        assert_eq!(parse_retry_after("soon"), None);
        assert_eq!(parse_retry_after(""), None);
    }

    #[test]
    fn all_three_http_date_forms_name_the_same_instant() {
        for header in [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
        ] {
            let Some(RetryAfter::At(at)) = parse_retry_after(header) else {
                panic!("{header} was not read as a date");
            };
            assert_eq!(at.unix_seconds(), NOV_6_1994_08_49_37, "{header}");
            assert_eq!(at.to_string(), "1994-11-06T08:49:37+00:00", "{header}");
        }
    }

    #[test]
    fn an_impossible_date_is_no_retry_after() {
        assert_eq!(parse_retry_after("Sun, 31 Feb 1994 08:49:37 GMT"), None);
        assert_eq!(parse_retry_after("Sun, 06 Nov 1994 25:49:37 GMT"), None);
    }

    #[test]
    fn the_wait_is_counted_from_the_caller_s_clock_and_never_negative() {
        let date = Some("Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(
            retry_after_wait(date, NOV_6_1994_08_49_37 - 90),
            Some(Duration::from_secs(90))
        );
        assert_eq!(
            retry_after_wait(date, NOV_6_1994_08_49_37 + 90),
            Some(Duration::ZERO)
        );
        assert_eq!(
            retry_after_wait(Some("12"), 0),
            Some(Duration::from_secs(12))
        );
        assert_eq!(retry_after_wait(None, 0), None);
    }
}
