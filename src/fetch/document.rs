//! The merchant's proxy's own small JSON documents (its problem documents, the partner routing
//! answer), read with the browser's `JSON.parse`. The carriers' answers are core's to read, with
//! serde_json, in their readers' modules; the first load needs no JSON parser of its own for
//! these few members.

use wasm_bindgen::JsValue;

use crate::js_value::JsKind;

/// A JSON object from a response body.
pub struct Document(JsValue);

impl Document {
    /// `None` when the body is not UTF-8, not JSON, or JSON of another kind than an object.
    pub fn parse(body: &[u8]) -> Option<Document> {
        let text = std::str::from_utf8(body).ok()?;
        let value = js_sys::JSON::parse(text).ok()?;
        matches!(JsKind::of(&value), JsKind::Object).then_some(Document(value))
    }

    /// The member `name` by its kind; a getter that throws (none in a parsed document) counts as
    /// [`JsKind::Other`].
    pub fn member(&self, name: &str) -> JsKind {
        js_sys::Reflect::get(&self.0, &JsValue::from_str(name))
            .map_or(JsKind::Other, |value| JsKind::of(&value))
    }
}
