//! The three carriers the sandbox imitates (core's [`Carrier`]s with an adapter), and each one's
//! way of reporting an error.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

pub use trackline_core::carrier::Carrier;

/// Each carrier's way of reporting an error.
pub trait ErrorFormat {
    /// An error in the carrier's own format, with a code chosen from the status.
    fn error(self, status: StatusCode, message: &str) -> Response;
}

impl ErrorFormat for Carrier {
    fn error(self, status: StatusCode, message: &str) -> Response {
        match self {
            Carrier::Inpost => inpost_error(status, inpost_error_code(status), message),
            Carrier::Di => di_error(status, message, None),
            // TrackOnline's format is the problem document; carriers the sandbox does not
            // imitate never reach here, and get the same neutral document.
            _ => trackonline_problem(status, message),
        }
    }
}

/// A JSON body with the content type the carriers send.
pub fn json_response(status: StatusCode, body: &Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

fn inpost_error_code(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "invalid_parameter",
        404 => "resource_not_found",
        405 => "method_not_allowed",
        500 => "internal_server_error",
        503 => "service_unavailable",
        _ => "error",
    }
}

/// InPost: `{status, error, description, details}` (seed 003).
pub fn inpost_error(status: StatusCode, error: &str, description: &str) -> Response {
    json_response(
        status,
        &json!({
            "status": status.as_u16(),
            "error": error,
            "description": description,
            "details": null,
        }),
    )
}

/// The error texts of seed 002's and 004's tables.
fn di_error_text(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "Client or Validation Error",
        401 => "Authentication Failure",
        403 => "Access denied",
        405 => "Method not allowed",
        500 => "Unexpected Server Error",
        503 => "Service Unavailable",
        _ => "Client error",
    }
}

/// Di: the seeds name the status texts but cut the sample body, so the sandbox sends
/// `{status, error, message, errors?}` with the seed's text in `error`.
pub fn di_error(status: StatusCode, message: &str, errors: Option<Value>) -> Response {
    let mut body = json!({
        "status": status.as_u16(),
        "error": di_error_text(status),
        "message": message,
    });
    if let Some(errors) = errors {
        body["errors"] = errors;
    }
    json_response(status, &body)
}

/// TrackOnline is an ASP.NET service: errors are RFC 7807 problem documents.
pub fn trackonline_problem(status: StatusCode, detail: &str) -> Response {
    let (kind, title) = match status.as_u16() {
        400 => (
            "https://tools.ietf.org/html/rfc9110#section-15.5.1",
            "Bad Request",
        ),
        401 => (
            "https://tools.ietf.org/html/rfc9110#section-15.5.2",
            "Unauthorized",
        ),
        404 => (
            "https://tools.ietf.org/html/rfc9110#section-15.5.5",
            "Not Found",
        ),
        405 => (
            "https://tools.ietf.org/html/rfc9110#section-15.5.6",
            "Method Not Allowed",
        ),
        429 => (
            "https://tools.ietf.org/html/rfc6585#section-4",
            "Too Many Requests",
        ),
        503 => (
            "https://tools.ietf.org/html/rfc9110#section-15.6.4",
            "Service Unavailable",
        ),
        _ => (
            "https://tools.ietf.org/html/rfc9110#section-15.6.1",
            "Internal Server Error",
        ),
    };
    let mut response = json_response(
        status,
        &json!({ "type": kind, "title": title, "status": status.as_u16(), "detail": detail }),
    );
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json; charset=utf-8"),
    );
    response
}
