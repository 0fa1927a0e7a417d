//! Carrier adapters in sans-IO style: each module builds request descriptions (what to send) and
//! parses a status code plus body (what came back) into the tracking model. Nothing here sends
//! anything; the proxy and the widget do the IO.

pub mod answer;
pub mod consumer_words;
pub mod di;
pub mod endpoint;
pub mod http;
mod id;
pub mod inpost;
pub mod json;
pub mod opening_hours;
pub mod reading;
mod response_kind;
pub mod retry_after;
mod status_doc;
pub mod trackonline;

pub use answer::{classify, AnswerState};
pub use endpoint::{Endpoint, EndpointId};
pub use http::CarrierResponse;
pub use id::Carrier;
pub use reading::{
    accepts_reading, is_reading_content_type, Reading, ACCEPT_READING, READING_MEDIA_TYPE,
};
pub use response_kind::{
    normalize, normalize_di, normalize_inpost, normalize_trackonline, Normalized, ResponseKind,
};
pub use status_doc::status_mapping_markdown;

use serde::{Deserialize, Serialize};

use crate::status::Status;

/// One row of a carrier's status table: its code, its own text, and the normalized status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusMapping {
    pub code: &'static str,
    pub text: &'static str,
    pub status: Status,
}

/// The HTTP method of a carrier request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    Get,
    Post,
}

/// The credential a request needs. Core never holds secrets: the proxy adds them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Auth {
    /// Public endpoint (InPost tracking).
    None,
    /// `Authorization: Bearer <token>` from Di's login.
    DiBearerToken,
    /// `X-ApiKey: <key>` (the header, never the `apikey` query: query strings end up in logs).
    TrackOnlineApiKey,
}

/// One request to a carrier, relative to the carrier's base URL. Its `Debug` leaves the body out
/// (a Di login body holds a password), so that logging a request never logs a secret.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CarrierRequest {
    pub method: Method,
    /// Path with every segment already percent-encoded, e.g. `/v1/tracking/6123…`.
    pub path: String,
    /// Query pairs, unencoded; a key may repeat (`ItemNumber=a&ItemNumber=b`).
    pub query: Vec<(String, String)>,
    /// Headers the carrier needs besides the credential.
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
    pub auth: Auth,
}

impl std::fmt::Debug for CarrierRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CarrierRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("headers", &self.headers)
            .field(
                "body",
                &self
                    .body
                    .as_ref()
                    .map(|body| format!("<{} bytes>", body.len())),
            )
            .field("auth", &self.auth)
            .finish()
    }
}

impl CarrierRequest {
    pub fn new(method: Method, path: impl Into<String>, auth: Auth) -> Self {
        CarrierRequest {
            method,
            path: path.into(),
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
            auth,
        }
    }

    pub fn with_query(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((key.into(), value.into()));
        self
    }

    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    pub fn with_body(mut self, body: impl Into<String>) -> Self {
        self.body = Some(body.into());
        self
    }

    /// The path and query as one string, percent-encoding the query values.
    pub fn path_and_query(&self) -> String {
        let mut out = self.path.clone();
        for (index, (key, value)) in self.query.iter().enumerate() {
            out.push(if index == 0 { '?' } else { '&' });
            out.push_str(&percent_encode(key));
            out.push('=');
            out.push_str(&percent_encode(value));
        }
        out
    }
}

/// Every byte but RFC 3986's unreserved characters (letters, digits, `-`, `.`, `_`, `~`).
const COMPONENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes everything but RFC 3986 unreserved characters, for a path segment or query
/// value.
pub fn percent_encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, COMPONENT).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_unreserved_characters_stay_unencoded() {
        assert_eq!(percent_encode("a-b.c_d~e"), "a-b.c_d~e");
        assert_eq!(percent_encode("a b/c?d&e=%"), "a%20b%2Fc%3Fd%26e%3D%25");
        assert_eq!(percent_encode("Gdańsk"), "Gda%C5%84sk");
    }
}
