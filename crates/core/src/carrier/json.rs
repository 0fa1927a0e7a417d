//! Reading carrier JSON loosely: carriers add keys, send `null`, send numbers as strings and
//! strings as numbers, and the InPost documentation even shows trailing commas.
//!
//! Every body is parsed from its bytes by serde_json, into typed structs whose members go
//! through the lenient readers here ([`exact_text`], [`lenient_number`], [`lenient_list`]), or
//! into a `serde_json::Value` read through [`text`], [`number`] and [`list`]. Either way a new
//! key or a `null` never turns a good answer into an error.
//!
//! Numbers stay exact: a member read as text keeps the digits the carrier wrote (Di's
//! `trackingNumber` is a JSON whole number of up to 35 digits, which neither `u64` nor `f64`
//! holds), because the typed readers take the member's raw JSON text (serde_json's `RawValue`)
//! instead of a parsed number. Unknown members are skipped by serde_json without recursion;
//! parsing into a `Value` stops at serde_json's nesting limit of 128.
//!
//! A member named twice in one object counts once, with its last value, in every reader here
//! and at any depth, as a `serde_json::Value` (and so TrackOnline's reading) always had it: a
//! typed struct would refuse the whole object with serde's "duplicate field". Such a document is
//! rewritten once without the earlier occurrences ([`last_members_only`]) and read again.

use std::collections::BTreeMap;

use serde::de::{DeserializeOwned, Deserializer, Error as _};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

use crate::model::Carrier;
use crate::model::TrackingError;

/// Parses a body as JSON, forgiving a byte-order mark and commas before `}` or `]`.
pub fn parse_lenient(carrier: Carrier, body: &[u8]) -> Result<Value, TrackingError> {
    parse_typed(carrier, body)
}

/// Parses a body into any type, forgiving a byte-order mark and commas before `}` or `]` as
/// [`parse_lenient`] does.
pub fn parse_typed<T: DeserializeOwned>(carrier: Carrier, body: &[u8]) -> Result<T, TrackingError> {
    parse_bytes(body).map_err(|reason| not_json(carrier, &reason))
}

/// [`parse_typed`] with the parser's message as the error.
pub(crate) fn parse_bytes<T: DeserializeOwned>(body: &[u8]) -> Result<T, String> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    match from_json(body) {
        Ok(value) => Ok(value),
        Err(strict_error) => {
            from_json(&without_trailing_commas(body)).map_err(|_| strict_error.to_string())
        }
    }
}

/// Parses a member's raw JSON text. Through `from_slice`, like whole bodies, so that the widget
/// carries one instance of serde_json's parser, not one for bytes and one for text.
pub fn from_raw<T: DeserializeOwned>(raw: &str) -> serde_json::Result<T> {
    from_json(raw.as_bytes())
}

/// Strict JSON into `T`; when `T` refuses a member named twice in one object, the document is
/// read again with the last occurrence of each member only.
fn from_json<T: DeserializeOwned>(json: &[u8]) -> serde_json::Result<T> {
    match serde_json::from_slice(json) {
        Err(error) if names_a_member_twice(&error) => match last_members_only(json) {
            Some(rewritten) => serde_json::from_slice(&rewritten),
            None => Err(error),
        },
        read => read,
    }
}

/// Whether serde refused an object because it names a member twice (serde's own message for
/// `Error::duplicate_field`, which serde_json reports as a data error).
fn names_a_member_twice(error: &serde_json::Error) -> bool {
    error.is_data() && error.to_string().starts_with("duplicate field `")
}

/// Objects nested deeper than this are copied as written by [`last_members_only`]. Di's nested
/// answer, the deepest carriers send, puts an event type's members 7 levels down (list,
/// shipment, items, parcel, events, event, event type); each level reads its own text once more,
/// so the bound keeps the rewrite's stack and time linear in the body.
const MAX_REWRITE_DEPTH: usize = 32;

/// `json` with every object keeping only the last occurrence of each member name, at any depth
/// up to [`MAX_REWRITE_DEPTH`] levels; `None` when `json` is not JSON. serde_json reads the
/// structure: each object into a map of its members' raw texts (a later member replaces an
/// earlier one of the same name), each list into its elements' raw texts. Numbers, strings and
/// literals are copied byte for byte, so a 35-digit whole number keeps every digit; names are
/// written back by serde_json (an escaped name may come out spelled differently, never meaning
/// something else). Members come out in name order, which no reader of an object depends on.
pub(crate) fn last_members_only(json: &[u8]) -> Option<Vec<u8>> {
    let raw: &RawValue = serde_json::from_slice(json).ok()?;
    let mut out = String::with_capacity(json.len());
    write_last_members(raw, 0, &mut out)?;
    Some(out.into_bytes())
}

fn write_last_members(raw: &RawValue, depth: usize, out: &mut String) -> Option<()> {
    let text = raw.get();
    if depth >= MAX_REWRITE_DEPTH {
        out.push_str(text);
        return Some(());
    }
    match text.as_bytes().first() {
        Some(b'{') => {
            let members: BTreeMap<String, &RawValue> =
                serde_json::from_slice(text.as_bytes()).ok()?;
            out.push('{');
            for (index, (name, value)) in members.into_iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::to_string(&name).ok()?);
                out.push(':');
                write_last_members(value, depth + 1, out)?;
            }
            out.push('}');
        }
        Some(b'[') => {
            let elements: Vec<&RawValue> = serde_json::from_slice(text.as_bytes()).ok()?;
            out.push('[');
            for (index, element) in elements.into_iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_last_members(element, depth + 1, out)?;
            }
            out.push(']');
        }
        _ => out.push_str(text),
    }
    Some(())
}

/// The body of an answer as JSON.
pub(crate) fn body(carrier: Carrier, body: &[u8]) -> Result<Value, TrackingError> {
    parse_typed(carrier, body)
}

/// A member's raw JSON text as trimmed text: a string's content, a number's digits exactly as
/// written, `true`/`false`; `None` for `null`, empty text, objects and lists.
pub fn raw_text(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let text = match raw.as_bytes().first()? {
        b'"' => from_raw::<String>(raw).ok()?.trim().to_owned(),
        b'{' | b'[' | b'n' => return None,
        _ => raw.to_owned(),
    };
    (!text.is_empty()).then_some(text)
}

/// A member as text, exactly as written (see [`raw_text`]): for
/// `#[serde(default, deserialize_with = "json::exact_text")]` on an `Option<String>`. Never
/// fails on a value of another type. Needs serde_json's own deserializer (from bytes or text).
pub fn exact_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    let raw = <Box<RawValue>>::deserialize(deserializer)?;
    Ok(raw_text(raw.get()))
}

/// A member as a number, from a JSON number or a numeric string (`"59,91"` too); `None` for
/// anything else. For `#[serde(default, deserialize_with = "json::lenient_number")]`.
pub fn lenient_number<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<f64>, D::Error> {
    let raw = <Box<RawValue>>::deserialize(deserializer)?;
    Ok(raw_text(raw.get()).and_then(|text| number_text(&text)))
}

/// A member as a list of `T`: elements that are not a `T` are left out, a single object counts
/// as a list of one, anything else as an empty list. For
/// `#[serde(default, deserialize_with = "json::lenient_list")]`.
pub fn lenient_list<'de, D: Deserializer<'de>, T: DeserializeOwned>(
    deserializer: D,
) -> Result<Vec<T>, D::Error> {
    let raw = <Box<RawValue>>::deserialize(deserializer)?;
    Ok(list_of(raw.get()))
}

/// The elements of a raw JSON list that read as `T` (see [`lenient_list`]).
pub fn list_of<T: DeserializeOwned>(raw: &str) -> Vec<T> {
    match raw.trim_start().as_bytes().first() {
        Some(b'[') => from_raw::<Vec<Box<RawValue>>>(raw)
            .unwrap_or_default()
            .iter()
            .filter_map(|item| from_raw(item.get()).ok())
            .collect(),
        Some(b'{') => from_raw(raw).ok().into_iter().collect(),
        _ => Vec::new(),
    }
}

/// Text or a number exactly as written, for the elements of a [`lenient_list`]: an element
/// with no text (`null`, `""`, an object) is not one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExactText(pub String);

impl<'de> Deserialize<'de> for ExactText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        exact_text(deserializer)?
            .map(ExactText)
            .ok_or_else(|| D::Error::custom("expected text or a number"))
    }
}

fn not_json(carrier: Carrier, reason: &str) -> TrackingError {
    TrackingError::MalformedResponse {
        carrier,
        reason: format!("not JSON: {reason}"),
    }
}

/// Drops every comma that is followed (after whitespace) by `}` or `]`, outside strings: the
/// repair [`parse_lenient`] tries when a body is not strict JSON.
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
struct StringTracker {
    in_string: bool,
    escaped: bool,
}

impl StringTracker {
    /// Takes the next byte; `true` when it is outside every string. The quotes themselves count
    /// as inside, so a caller looking for structure never mistakes them for it.
    fn outside(&mut self, byte: u8) -> bool {
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
        Value::String(text) => number_text(text.trim()),
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

/// Reads a decimal number as carriers write them in strings: `59.91`, `59,91`, `-7`, `1e3`,
/// with `str::parse` (correctly rounded, and quick for any exponent). Infinity and NaN are not
/// numbers a carrier means.
pub fn number_text(text: &str) -> Option<f64> {
    let text = text.trim();
    // `str::parse` also reads `inf` and `NaN`; a carrier's number starts with a sign, a digit or
    // a point.
    if !text.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | ',')) {
        return None;
    }
    let parsed = if text.contains(',') {
        text.replacen(',', ".", 1).parse::<f64>()
    } else {
        text.parse::<f64>()
    };
    parsed.ok().filter(|value| value.is_finite())
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
            assert_eq!(number_text(text), text.parse::<f64>().ok(), "{text}");
        }
        assert_eq!(number_text("59,91"), Some(59.91));
        for junk in [
            "",
            "-",
            ".",
            "1.2.3",
            "abc",
            "1e",
            "inf",
            "NaN",
            "+inf",
            "-infinity",
            "1 2",
            "--1",
            "1e400",
        ] {
            assert_eq!(number_text(junk), None, "{junk:?}");
        }
    }

    #[test]
    fn extreme_exponents_neither_panic_nor_take_long() {
        // The hand-written reader this replaced overflowed on the first in debug builds and
        // looped for seconds on the others.
        assert_eq!(number_text("1e-2147483648"), Some(0.0));
        assert_eq!(number_text("-1e-2147483649"), Some(-0.0));
        assert_eq!(number_text("1e2147483647"), None);
        assert_eq!(number_text("0e999999999999999999"), Some(0.0));
        assert_eq!(number_text("59,91e-99999999"), Some(0.0));
    }

    #[test]
    fn typed_members_keep_every_digit_and_tolerate_any_type() {
        #[derive(serde::Deserialize)]
        struct Parcel {
            #[serde(default, deserialize_with = "exact_text")]
            number: Option<String>,
            #[serde(default, deserialize_with = "lenient_number")]
            lat: Option<f64>,
            #[serde(default, deserialize_with = "lenient_list")]
            linked: Vec<ExactText>,
        }
        let parcel: Parcel = parse_typed(
            Carrier::Di,
            br#"{"number": 37072476001011975437072476001011975, "lat": "59,91", "linked": [1, null, "", {"a": 1}, " B2 ", 123456789012345678901234567890]}"#,
        )
        .unwrap();
        assert_eq!(
            parcel.number.as_deref(),
            Some("37072476001011975437072476001011975")
        );
        assert_eq!(parcel.lat, Some(59.91));
        let linked: Vec<&str> = parcel.linked.iter().map(|n| n.0.as_str()).collect();
        assert_eq!(linked, ["1", "B2", "123456789012345678901234567890"]);
        let odd: Parcel = parse_typed(
            Carrier::Di,
            br#"{"number": {"x": []}, "lat": [1], "linked": {"a": 1}}"#,
        )
        .unwrap();
        assert_eq!((odd.number, odd.lat, odd.linked.len()), (None, None, 0));
    }

    #[test]
    fn unknown_members_nest_deeper_than_any_parser_stack_without_harm() {
        #[derive(serde::Deserialize)]
        struct Parcel {
            #[serde(default, deserialize_with = "exact_text")]
            number: Option<String>,
        }
        let depth = 100_000;
        let body = format!(
            r#"{{"unknown": {}{}, "number": 42}}"#,
            "[".repeat(depth),
            "]".repeat(depth)
        );
        let parcel: Parcel = parse_typed(Carrier::Di, body.as_bytes()).unwrap();
        assert_eq!(parcel.number.as_deref(), Some("42"));
        // Into a `Value` the same nesting stops at serde_json's limit instead of the stack.
        assert!(parse_lenient(Carrier::Di, body.as_bytes()).is_err());
    }

    #[test]
    fn a_rewrite_keeps_each_members_last_value_and_every_scalar_byte_for_byte() {
        let rewritten = last_members_only(
            br#" {"b": 1.50e3, "a": {"x": 1, "x": [ 12345678901234567890123456789012345 , "\u00e9\"", null, true ]}, "b": -0.0} "#,
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(rewritten).unwrap(),
            r#"{"a":{"x":[12345678901234567890123456789012345,"\u00e9\"",null,true]},"b":-0.0}"#
        );
        assert_eq!(last_members_only(br#"{"a": 1, "a": }"#), None);
    }

    #[test]
    fn a_typed_read_takes_the_last_of_a_repeated_member_at_any_depth() {
        #[derive(serde::Deserialize)]
        struct Parcel {
            #[serde(default, deserialize_with = "exact_text")]
            number: Option<String>,
            #[serde(default)]
            inner: Option<Box<Parcel>>,
        }
        let parcel: Parcel = parse_typed(
            Carrier::Inpost,
            br#"{"number": 1, "inner": {"number": "a", "number": "b"}, "number": 2}"#,
        )
        .unwrap();
        assert_eq!(parcel.number.as_deref(), Some("2"));
        assert_eq!(parcel.inner.unwrap().number.as_deref(), Some("b"));
        // A member read later from its raw text gets the same treatment.
        let inner: Parcel = from_raw(r#"{"number": 3, "number": 4}"#).unwrap();
        assert_eq!(inner.number.as_deref(), Some("4"));
    }

    #[test]
    fn a_repeated_member_beside_one_nested_deeper_than_any_stack_still_reads() {
        #[derive(serde::Deserialize)]
        struct Parcel {
            #[serde(default, deserialize_with = "exact_text")]
            number: Option<String>,
        }
        let depth = 100_000;
        let body = format!(
            r#"{{"number": 1, "unknown": {}{}, "number": 42}}"#,
            "[".repeat(depth),
            "]".repeat(depth)
        );
        let parcel: Parcel = parse_typed(Carrier::Di, body.as_bytes()).unwrap();
        assert_eq!(parcel.number.as_deref(), Some("42"));
        // Below the rewrite's depth the nesting is copied as written.
        let rewritten = last_members_only(body.as_bytes()).unwrap();
        assert_eq!(rewritten.len(), body.len() - r#""number": 1, "#.len() - 3);
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
