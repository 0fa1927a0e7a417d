//! The merchant's proxy's own small JSON documents (its problem documents, the partner routing
//! answer), read with the browser's `JSON.parse`. The carriers' answers are core's to read, with
//! serde_json, in their readers' modules; the first load needs no JSON parser of its own for
//! these few members.

use wasm_bindgen::JsValue;

/// A JSON object from a response body.
pub struct Document(JsValue);

/// One member of a [`Document`].
pub enum Member {
    /// Not there, or `null`.
    Absent,
    Text(String),
    /// A whole number from 0 up to 2^53 − 1 (JSON numbers are doubles in the browser).
    Count(u64),
    /// Any other kind of value: a fraction, a negative number, a flag, a list, an object.
    Other,
}

impl Document {
    /// `None` when the body is not UTF-8, not JSON, or JSON of another kind than an object.
    pub fn parse(body: &[u8]) -> Option<Document> {
        let text = std::str::from_utf8(body).ok()?;
        let value = js_sys::JSON::parse(text).ok()?;
        (value.is_object() && !js_sys::Array::is_array(&value)).then_some(Document(value))
    }

    /// The member `name`; a getter that throws (none in a parsed document) counts as `Other`.
    pub fn member(&self, name: &str) -> Member {
        let Ok(value) = js_sys::Reflect::get(&self.0, &JsValue::from_str(name)) else {
            return Member::Other;
        };
        if value.is_undefined() || value.is_null() {
            Member::Absent
        } else if let Some(text) = value.as_string() {
            Member::Text(text)
        } else if let Some(number) = value.as_f64() {
            if js_sys::Number::is_safe_integer(&value) && number >= 0.0 {
                Member::Count(number as u64)
            } else {
                Member::Other
            }
        } else {
            Member::Other
        }
    }
}
