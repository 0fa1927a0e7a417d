//! A JavaScript value by its kind, as the widget reads values it did not make: a page script's
//! options and the members of the proxy's parsed JSON documents.

use wasm_bindgen::JsValue;

/// What a value is, with its content where the widget uses it.
pub enum JsKind {
    /// `undefined` or `null`: not given.
    Absent,
    Text(String),
    Flag(bool),
    /// A number that is a whole number from −(2^53 − 1) to 2^53 − 1, exact in an `i64`.
    Whole(i64),
    /// Any other number: a fraction, one too large to be exact, `NaN`, an infinity.
    OtherNumber,
    List,
    Object,
    /// A function, a symbol, a big integer.
    Other,
}

impl JsKind {
    pub fn of(value: &JsValue) -> JsKind {
        if value.is_undefined() || value.is_null() {
            JsKind::Absent
        } else if let Some(text) = value.as_string() {
            JsKind::Text(text)
        } else if let Some(flag) = value.as_bool() {
            JsKind::Flag(flag)
        } else if let Some(number) = value.as_f64() {
            if js_sys::Number::is_safe_integer(value) {
                // Exact in an i64: formatting it as one keeps float formatting (14 KB of wasm)
                // out of the widget.
                JsKind::Whole(number as i64)
            } else {
                JsKind::OtherNumber
            }
        } else if js_sys::Array::is_array(value) {
            JsKind::List
        } else if value.is_object() {
            JsKind::Object
        } else {
            JsKind::Other
        }
    }
}

/// The member `name` of `value` by its kind; a getter that throws, or a value that is no object
/// (`null`), counts as [`JsKind::Other`].
pub fn member(value: &JsValue, name: &str) -> JsKind {
    js_sys::Reflect::get(value, &JsValue::from_str(name))
        .map_or(JsKind::Other, |value| JsKind::of(&value))
}
