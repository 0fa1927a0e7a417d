//! Di authentication: `POST /ws/json/auth/v-3/login/{minutesValid}` issues a token for configured
//! credentials, valid for 1 to 1440 minutes; the tracking endpoints require it as a bearer token.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;
use trackline_core::carrier::di::TOKEN_MINUTES;

use super::carrier::{di_error, json_response};
use super::clock::Timestamp;
use super::masking::mask;
use super::SandboxState;

#[derive(Debug, Default)]
pub struct TokenBook {
    issued: Mutex<HashMap<String, Grant>>,
}

#[derive(Debug, Clone)]
struct Grant {
    username: String,
    expires: Timestamp,
}

/// Why a request is not authenticated; each becomes a 401 with its own message.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BearerError {
    #[error("The Authorization header is missing. Log in at /ws/json/auth/v-3/login/{{minutes}} and send `Authorization: Bearer <token>`.")]
    Missing,
    #[error("The Authorization header is not a bearer token.")]
    NotBearer,
    #[error("The token is not known.")]
    Unknown,
    #[error("The token expired. Log in again for a new one.")]
    Expired,
}

impl TokenBook {
    fn issue(&self, username: &str, now: Timestamp, expires: Timestamp) -> String {
        let token = new_token(username, expires);
        let mut issued = self.issued.lock().expect("token book lock");
        // Clients that log in often would otherwise grow the book for as long as it runs.
        issued.retain(|_, grant| grant.expires > now);
        issued.insert(
            token.clone(),
            Grant {
                username: username.to_owned(),
                expires,
            },
        );
        token
    }

    /// The user a bearer token belongs to.
    pub fn check(&self, headers: &HeaderMap, now: Timestamp) -> Result<String, BearerError> {
        let value = headers
            .get(header::AUTHORIZATION)
            .ok_or(BearerError::Missing)?;
        let value = value.to_str().map_err(|_| BearerError::NotBearer)?;
        let (scheme, token) = value.trim().split_once(' ').ok_or(BearerError::NotBearer)?;
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err(BearerError::NotBearer);
        }
        let token = token.trim();
        let mut issued = self.issued.lock().expect("token book lock");
        let grant = issued.get(token).ok_or(BearerError::Unknown)?;
        if now >= grant.expires {
            issued.remove(token);
            return Err(BearerError::Expired);
        }
        Ok(grant.username.clone())
    }
}

/// A JWT-shaped token (header, claims with `exp`, random signature), as Di's are.
fn new_token(username: &str, expires: Timestamp) -> String {
    let header = base64url(br#"{"alg":"HS256","typ":"JWT"}"#);
    let claims = base64url(
        json!({ "sub": username, "exp": expires.0, "iss": "trackline-sandbox" })
            .to_string()
            .as_bytes(),
    );
    let mut signature = [0u8; 32];
    getrandom::getrandom(&mut signature).expect("the operating system provides random bytes");
    format!("{header}.{claims}.{}", base64url(&signature))
}

fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut encoded = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let value = chunk.iter().enumerate().fold(0u32, |value, (index, byte)| {
            value | u32::from(*byte) << (16 - 8 * index)
        });
        for index in 0..=chunk.len() {
            encoded.push(char::from(
                ALPHABET[(value >> (18 - 6 * index) & 63) as usize],
            ));
        }
    }
    encoded
}

#[derive(Debug, Deserialize)]
struct Credentials {
    username: String,
    password: String,
}

pub async fn login(
    State(state): State<Arc<SandboxState>>,
    Path(minutes): Path<String>,
    body: Bytes,
) -> Response {
    let minutes = match minutes.parse::<u32>() {
        Ok(minutes) if TOKEN_MINUTES.contains(&minutes) => i64::from(minutes),
        _ => {
            return di_error(
                StatusCode::BAD_REQUEST,
                &format!(
                    "minutesValid must be a whole number from {} to {}, not `{minutes}`.",
                    TOKEN_MINUTES.start(),
                    TOKEN_MINUTES.end()
                ),
                None,
            )
        }
    };
    let credentials: Credentials = match serde_json::from_slice(&body) {
        Ok(credentials) => credentials,
        Err(error) => {
            return di_error(
                StatusCode::BAD_REQUEST,
                &format!("The body must be {{\"username\": ..., \"password\": ...}}: {error}"),
                None,
            )
        }
    };
    let known =
        state.data.di.users.iter().any(|user| {
            user.username == credentials.username && user.password == credentials.password
        });
    if !known {
        tracing::info!(
            username = %credentials.username,
            "sandbox Di login refused: unknown username or wrong password"
        );
        return di_error(
            StatusCode::UNAUTHORIZED,
            "Unknown username or wrong password.",
            None,
        );
    }
    let now = state.clock.now();
    let token = state
        .tokens
        .issue(&credentials.username, now, Timestamp(now.0 + minutes * 60));
    tracing::info!(
        username = %credentials.username,
        token = %mask(&token),
        minutes,
        "sandbox Di token issued"
    );
    json_response(StatusCode::OK, &json!({ "token": token }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_matches_the_rfc_4648_examples_without_padding() {
        assert_eq!(base64url(b""), "");
        assert_eq!(base64url(b"f"), "Zg");
        assert_eq!(base64url(b"fo"), "Zm8");
        assert_eq!(base64url(b"foo"), "Zm9v");
        assert_eq!(base64url(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
    }

    #[test]
    fn a_token_is_accepted_until_it_expires() {
        let book = TokenBook::default();
        let token = book.issue("ws", Timestamp(0), Timestamp(1_000));
        let mut headers = HeaderMap::new();
        headers.insert(
            header::AUTHORIZATION,
            format!("Bearer {token}").parse().unwrap(),
        );
        assert_eq!(book.check(&headers, Timestamp(999)), Ok("ws".to_owned()));
        assert_eq!(
            book.check(&headers, Timestamp(1_000)),
            Err(BearerError::Expired)
        );
        assert_eq!(
            book.check(&headers, Timestamp(999)),
            Err(BearerError::Unknown)
        );
    }

    #[test]
    fn expired_tokens_are_forgotten_when_a_new_one_is_issued() {
        let book = TokenBook::default();
        book.issue("ws", Timestamp(0), Timestamp(10));
        book.issue("ws", Timestamp(20), Timestamp(30));
        assert_eq!(book.issued.lock().unwrap().len(), 1);
    }

    #[test]
    fn tokens_are_three_part_and_different_each_time() {
        let book = TokenBook::default();
        let first = book.issue("ws", Timestamp(0), Timestamp(1));
        let second = book.issue("ws", Timestamp(0), Timestamp(1));
        assert_eq!(first.split('.').count(), 3);
        assert_ne!(first, second);
    }
}
