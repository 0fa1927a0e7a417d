//! Reading carrier JSON loosely: carriers add keys, send `null`, send numbers as strings and
//! strings as numbers, and the InPost documentation even shows trailing commas. Adapters read
//! a `serde_json::Value` through these helpers instead of strict structs, so that a new key or
//! a `null` never turns a good answer into an error.

use serde_json::Value;

use crate::carrier::http::{CarrierResponse, JsonSource};
use crate::model::Carrier;
use crate::model::TrackingError;

/// Parses a body as JSON, forgiving a byte-order mark and commas before `}` or `]`.
pub fn parse_lenient(carrier: Carrier, body: &[u8]) -> Result<Value, TrackingError> {
    parse_bytes(body).map_err(|reason| not_json(carrier, &reason))
}

/// [`parse_lenient`] with the parser's message as the error.
pub(crate) fn parse_bytes(body: &[u8]) -> Result<Value, String> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    match serde_json::from_slice(body) {
        Ok(value) => Ok(value),
        Err(strict_error) => serde_json::from_slice(&without_trailing_commas(body))
            .map_err(|_| strict_error.to_string()),
    }
}

/// The body of an answer as JSON, from wherever the answer says it comes.
pub(crate) fn body(carrier: Carrier, response: &CarrierResponse) -> Result<Value, TrackingError> {
    match response.json {
        JsonSource::Parse(parse) => parse(response.body),
        JsonSource::Parsed(parsed) => parsed.clone(),
    }
    .map_err(|reason| not_json(carrier, &reason))
}

fn not_json(carrier: Carrier, reason: &str) -> TrackingError {
    TrackingError::MalformedResponse {
        carrier,
        reason: format!("not JSON: {reason}"),
    }
}

/// Drops every comma that is followed (after whitespace) by `}` or `]`, outside strings: the
/// repair [`parse_lenient`] tries when a body is not strict JSON, for callers with their own
/// parser.
pub fn without_trailing_commas(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let mut strings = StringTracker::default();
    for (index, &byte) in body.iter().enumerate() {
        if strings.outside(byte) && byte == b',' {
            let next = body[index + 1..].iter().find(|b| !b.is_ascii_whitespace());
            if matches!(next, Some(b'}') | Some(b']')) {
                continue;
            }
        }
        out.push(byte);
    }
    out
}

/// Follows a JSON text byte by byte and tells which bytes stand outside string literals, for
/// repairs that must never touch the inside of a string (an escaped quote does not end one).
#[derive(Debug, Default, Clone, Copy)]
pub struct StringTracker {
    in_string: bool,
    escaped: bool,
}

impl StringTracker {
    /// Takes the next byte; `true` when it is outside every string. The quotes themselves count
    /// as inside, so a caller looking for structure never mistakes them for it.
    pub fn outside(&mut self, byte: u8) -> bool {
        if self.in_string {
            if self.escaped {
                self.escaped = false;
            } else if byte == b'\\' {
                self.escaped = true;
            } else if byte == b'"' {
                self.in_string = false;
            }
            false
        } else if byte == b'"' {
            self.in_string = true;
            false
        } else {
            true
        }
    }
}

/// The value at a key of an object, `None` for absent, `null` and non-objects.
pub fn field<'a>(value: &'a Value, key: &str) -> Option<&'a Value> {
    match value.get(key) {
        None | Some(Value::Null) => None,
        Some(found) => Some(found),
    }
}

/// A field as trimmed text; numbers and booleans are written out, empty text is `None`.
pub fn text(value: &Value, key: &str) -> Option<String> {
    field(value, key).and_then(as_text)
}

/// A value as trimmed text, as [`text`].
pub fn as_text(value: &Value) -> Option<String> {
    let text = match value {
        Value::String(text) => text.trim().to_owned(),
        Value::Number(number) => number.to_string(),
        Value::Bool(flag) => flag.to_string(),
        _ => return None,
    };
    (!text.is_empty()).then_some(text)
}

/// The first of several keys that has text, for carriers whose field names are unconfirmed.
pub fn text_any(value: &Value, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|key| text(value, key))
}

/// A field as a number; numeric strings (`"59.91"`, `"59,91"`) count too.
pub fn number(value: &Value, key: &str) -> Option<f64> {
    match field(value, key)? {
        Value::Number(number) => number.as_f64(),
        Value::String(text) => parse_decimal(text.trim()),
        _ => None,
    }
}

/// A number written as `{}` writes an `f64` (`4.5`, `6`, `-0.25`), through the shortest
/// round-trip writer serde_json already carries: `f64`'s own `Display` would add 14 KB to the
/// widget's wasm. The two agree for every number whose decimal exponent is between -5 and 15;
/// outside that serde_json switches to exponent notation (`1e-7`).
pub fn decimal(number: f64) -> String {
    match serde_json::Number::from_f64(number) {
        Some(number) => {
            let text = number.to_string();
            match text.strip_suffix(".0") {
                Some(whole) => whole.to_owned(),
                None => text,
            }
        }
        None => String::new(),
    }
}

/// Reads a decimal number as carriers write them in strings: `59.91`, `59,91`, `-7`, `1e3`.
///
/// Not `str::parse::<f64>`: its correctly-rounded algorithm brings 10 KB of tables into the
/// widget's wasm. This is exact (the same `f64`) whenever the digits fit 2^53 and the power of
/// ten is at most 22, which covers coordinates and temperatures; longer inputs may differ in
/// the last bit. Infinity and NaN are not numbers a carrier means.
pub fn parse_decimal(text: &str) -> Option<f64> {
    let (negative, text) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let (mantissa_text, exponent) = match text.find(['e', 'E']) {
        Some(at) => (&text[..at], text[at + 1..].parse::<i32>().ok()?),
        None => (text, 0),
    };
    let (whole, fraction) = match mantissa_text.find(['.', ',']) {
        Some(at) => (&mantissa_text[..at], &mantissa_text[at + 1..]),
        None => (mantissa_text, ""),
    };
    if whole.is_empty() && fraction.is_empty() {
        return None;
    }
    let mut mantissa: u64 = 0;
    let mut scale = exponent;
    for (index, byte) in whole.bytes().chain(fraction.bytes()).enumerate() {
        if !byte.is_ascii_digit() {
            return None;
        }
        if index >= whole.len() {
            scale = scale.checked_sub(1)?;
        }
        match mantissa
            .checked_mul(10)
            .and_then(|m| m.checked_add(u64::from(byte - b'0')))
        {
            Some(next) => mantissa = next,
            // A digit beyond what u64 holds is dropped (it moves the value by less than its last
            // bit): the value is then ten times what the kept digits say.
            None => scale = scale.checked_add(1)?,
        }
    }
    // Integers up to 2^53 and powers of ten up to 10^22 are exact doubles, so one
    // multiplication or division rounds once: the correctly rounded result.
    let mut value = mantissa as f64;
    let mut remaining = scale;
    while remaining > 0 {
        let step = remaining.min(22);
        value *= 10f64.powi(step);
        remaining -= step;
    }
    while remaining < 0 {
        let step = (-remaining).min(22);
        value /= 10f64.powi(step);
        remaining += step;
    }
    Some(if negative { -value } else { value })
}

/// The first of several keys that holds a number.
pub fn number_any(value: &Value, keys: &[&str]) -> Option<f64> {
    keys.iter().find_map(|key| number(value, key))
}

/// A field as an integer; whole numbers written as strings count too.
pub fn integer(value: &Value, key: &str) -> Option<i64> {
    match field(value, key)? {
        Value::Number(number) => number.as_i64().or_else(|| {
            number
                .as_f64()
                .filter(|f| f.fract() == 0.0)
                .map(|f| f as i64)
        }),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

/// A field as a list; a single object where a list was expected counts as a list of one.
pub fn list<'a>(value: &'a Value, key: &str) -> Vec<&'a Value> {
    match field(value, key) {
        Some(Value::Array(items)) => items.iter().filter(|item| !item.is_null()).collect(),
        Some(single @ Value::Object(_)) => vec![single],
        _ => Vec::new(),
    }
}

/// The records of a list response: a bare array, or the array under a usual wrapper key.
pub fn records(value: &Value) -> Option<Vec<&Value>> {
    match value {
        Value::Array(items) => Some(items.iter().filter(|item| item.is_object()).collect()),
        Value::Object(_) => ["data", "items", "results", "value", "records"]
            .iter()
            .find_map(|key| match value.get(*key) {
                Some(Value::Array(items)) => {
                    Some(items.iter().filter(|item| item.is_object()).collect())
                }
                _ => None,
            }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_strings_read_as_the_standard_parser_reads_them() {
        for text in [
            "59.91",
            "-7",
            "0",
            "+3.5",
            "10.7522",
            "59.9139",
            "18.123456",
            "-0.25",
            "1e3",
            "2.5E-3",
            ".5",
            "5.",
            "123456789012345",
            "4.5",
            "1234567.891",
        ] {
            assert_eq!(parse_decimal(text), text.parse::<f64>().ok(), "{text}");
        }
        assert_eq!(parse_decimal("59,91"), Some(59.91));
        for junk in [
            "", "-", ".", "1.2.3", "abc", "1e", "inf", "NaN", "1 2", "--1",
        ] {
            assert_eq!(parse_decimal(junk), None, "{junk:?}");
        }
    }

    #[test]
    fn decimals_are_written_as_rust_writes_them() {
        for number in [
            4.5,
            6.0,
            -0.25,
            0.0,
            -0.0,
            12.345,
            1e-5,
            123_456_789.125,
            -40.1,
        ] {
            assert_eq!(decimal(number), number.to_string());
        }
    }

    #[test]
    fn trailing_commas_are_forgiven_but_not_inside_strings() {
        let value = parse_lenient(Carrier::Inpost, br#"{"a": ",}", "b": [1, 2,], }"#).unwrap();
        assert_eq!(value["a"], ",}");
        assert_eq!(value["b"], serde_json::json!([1, 2]));
    }

    #[test]
    fn a_missing_comma_is_still_malformed() {
        let error = parse_lenient(Carrier::Inpost, b"{\"size\": \"A\"\n\"x\": 1}").unwrap_err();
        assert!(matches!(error, TrackingError::MalformedResponse { .. }));
    }

    #[test]
    fn numbers_strings_and_nulls_are_read_loosely() {
        let value =
            serde_json::json!({"n": 370724760120000898u64, "s": " 59,5 ", "z": null, "e": ""});
        assert_eq!(text(&value, "n").as_deref(), Some("370724760120000898"));
        assert_eq!(number(&value, "s"), Some(59.5));
        assert_eq!(text(&value, "z"), None);
        assert_eq!(text(&value, "e"), None);
    }
}
