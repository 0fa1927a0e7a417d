//! Reading JSON bodies with the browser's own parser.
//!
//! Measured on the release wasm (wasm-opt -Oz, gzip -9, wasm + JS glue, same code otherwise):
//! serde_json parsing the bodies 277.1 + 9.5 = 286.6 KB; `JSON.parse` read through
//! serde-wasm-bindgen (core's `normalize_from`, generic over any serde deserializer)
//! 271.8 + 10.1 = 281.9 KB; `JSON.parse` turned into a `Value` here (core's `normalize_value`)
//! 266.6 + 9.6 = 276.2 KB. The smallest is kept. Nothing else in the widget parses JSON, so
//! serde_json's parser is not in the wasm; its `Value` is, as the adapters read that.

use std::borrow::Cow;

use serde_json::{Number, Value};
use trackline_core::carrier::json::StringTracker;
use wasm_bindgen::{JsCast, JsValue};

/// Parses a body as JSON with `JSON.parse`, forgiving what core's own parser forgives: a
/// byte-order mark and commas before `}` or `]`. The error is the browser's message.
pub fn parse(body: &[u8]) -> Result<JsValue, String> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let body = quote_long_integers(body);
    js_sys::JSON::parse(&String::from_utf8_lossy(&body)).or_else(|strict| {
        let repaired = trackline_core::carrier::json::without_trailing_commas(&body);
        js_sys::JSON::parse(&String::from_utf8_lossy(&repaired)).map_err(|_| message(strict))
    })
}

/// The value `JSON.parse` returned, as the `Value` core's adapters read. Integers a double holds
/// exactly become integers, as serde_json reads them.
pub fn to_value(json: &JsValue) -> Value {
    if let Some(flag) = json.as_bool() {
        Value::Bool(flag)
    } else if let Some(number) = json.as_f64() {
        const EXACT: f64 = 9_007_199_254_740_992.0;
        if number.fract() == 0.0 && number.abs() <= EXACT {
            if number >= 0.0 {
                Value::from(number as u64)
            } else {
                Value::from(number as i64)
            }
        } else {
            Number::from_f64(number).map_or(Value::Null, Value::Number)
        }
    } else if let Some(text) = json.as_string() {
        Value::String(text)
    } else if let Some(items) = json.dyn_ref::<js_sys::Array>() {
        Value::Array(items.iter().map(|item| to_value(&item)).collect())
    } else if let Some(object) = json.dyn_ref::<js_sys::Object>() {
        // Inserted one by one: collecting would sort the entries first, one more sort in the wasm.
        let mut map = serde_json::Map::new();
        for entry in js_sys::Object::entries(object).iter() {
            let pair: js_sys::Array = entry.unchecked_into();
            map.insert(
                pair.get(0).as_string().unwrap_or_default(),
                to_value(&pair.get(1)),
            );
        }
        Value::Object(map)
    } else {
        Value::Null
    }
}

fn message(error: JsValue) -> String {
    error
        .dyn_ref::<js_sys::Error>()
        .map(|error| String::from(error.message()))
        .unwrap_or_else(|| "not JSON".to_owned())
}

/// Integers of more than this many digits may not fit a double exactly.
const EXACT_DIGITS: usize = 15;

/// `JSON.parse` reads every number as a double, exact for integers only up to 2^53: an
/// 18-digit tracking number sent as a number would come back rounded. Such integers become
/// strings first; core reads numbers and numeric strings alike.
fn quote_long_integers(body: &[u8]) -> Cow<'_, [u8]> {
    let mut out: Option<Vec<u8>> = None;
    let mut strings = StringTracker::default();
    let mut index = 0;
    while index < body.len() {
        let byte = body[index];
        if strings.outside(byte) && (byte == b'-' || byte.is_ascii_digit()) {
            let end = body[index..]
                .iter()
                .position(|b| !matches!(b, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
                .map_or(body.len(), |length| index + length);
            let token = &body[index..end];
            let digits = token.strip_prefix(b"-").unwrap_or(token);
            if digits.len() > EXACT_DIGITS && digits.iter().all(u8::is_ascii_digit) {
                let out = out.get_or_insert_with(|| body[..index].to_vec());
                out.push(b'"');
                out.extend_from_slice(token);
                out.push(b'"');
            } else if let Some(out) = &mut out {
                out.extend_from_slice(token);
            }
            index = end;
            continue;
        }
        if let Some(out) = &mut out {
            out.push(byte);
        }
        index += 1;
    }
    out.map_or(Cow::Borrowed(body), Cow::Owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_integers_a_double_may_round_are_quoted() {
        let body = br#"{"n": 370724760120000898, "m": -1234567890123456, "s": "12345678901234567", "f": 1.5e3, "small": [42, -7]}"#;
        assert_eq!(
            std::str::from_utf8(&quote_long_integers(body)).unwrap(),
            r#"{"n": "370724760120000898", "m": "-1234567890123456", "s": "12345678901234567", "f": 1.5e3, "small": [42, -7]}"#
        );
        let plain = br#"{"a": [1, 2.25, "x\"123456789012345678"]}"#;
        assert!(matches!(quote_long_integers(plain), Cow::Borrowed(_)));
    }
}
