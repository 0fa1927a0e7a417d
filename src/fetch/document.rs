//! The merchant's proxy's own small JSON documents (its problem documents, the partner routing
//! answer), read with the browser's `JSON.parse`, as are its readings of the carriers' answers
//! (`reader::reading_from_body`). The carriers' own answers are core's to read, with serde_json,
//! in their readers' module; the first load needs no JSON parser of its own.

use wasm_bindgen::{JsCast, JsValue};

use crate::js_value::JsKind;

/// A JSON object from a response body.
pub struct Document(JsValue);

impl Document {
    /// `None` when the body is not UTF-8, not JSON, or JSON of another kind than an object.
    pub fn parse(body: &[u8]) -> Option<Document> {
        let value = parse_json(body).ok()?;
        matches!(JsKind::of(&value), JsKind::Object).then_some(Document(value))
    }

    /// The member `name` by its kind; a getter that throws (none in a parsed document) counts as
    /// [`JsKind::Other`].
    pub fn member(&self, name: &str) -> JsKind {
        crate::js_value::member(&self.0, name)
    }
}

/// A response body read with the browser's `JSON.parse`; the error says why it cannot be: not
/// UTF-8, or not JSON (in the browser's words).
pub fn parse_json(body: &[u8]) -> Result<JsValue, String> {
    let text = std::str::from_utf8(body).map_err(|error| format!("not UTF-8: {error}"))?;
    js_sys::JSON::parse(text).map_err(|thrown| {
        let message = thrown
            .dyn_ref::<js_sys::Error>()
            .and_then(|error| error.message().as_string())
            .unwrap_or_else(|| "the browser's parser refused it".to_owned());
        format!("not JSON: {message}")
    })
}
