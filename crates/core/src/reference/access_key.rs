//! The conizi `id` access key: a credential, kept apart from references and never shown whole.

use std::fmt;

use serde::{Serialize, Serializer};

use super::ReferenceError;

/// The length of a conizi access key.
pub const ACCESS_KEY_LEN: usize = 32;

/// A 32-character access key that authenticates a deep link.
///
/// `Debug`, `Display` and `Serialize` show only its last four characters, so that logging or
/// printing a parsed link never leaks it; [`AccessKey::expose`] is the one way to the full value.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct AccessKey(String);

impl AccessKey {
    /// Checks a raw `id` value (already percent-decoded): surrounding spaces are dropped, then it
    /// must be exactly 32 ASCII letters and digits.
    pub fn parse(parameter: &str, value: &str) -> Result<Self, ReferenceError> {
        let value = value.trim();
        if value.is_empty() {
            return Err(ReferenceError::Empty {
                parameter: parameter.to_owned(),
            });
        }
        if let Some(position) = value
            .chars()
            .position(|character| !character.is_ascii_alphanumeric())
        {
            return Err(ReferenceError::AccessKeyCharacter {
                parameter: parameter.to_owned(),
                position: position + 1,
            });
        }
        if value.len() != ACCESS_KEY_LEN {
            return Err(ReferenceError::AccessKeyLength {
                parameter: parameter.to_owned(),
                length: value.len(),
            });
        }
        Ok(AccessKey(value.to_owned()))
    }

    /// The full key, for the one place that sends it on (the proxy's upstream request).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `****` and the last four characters.
    pub fn masked(&self) -> String {
        let tail = &self.0[self.0.len().saturating_sub(4)..];
        format!("****{tail}")
    }
}

impl fmt::Debug for AccessKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "AccessKey({})", self.masked())
    }
}

impl fmt::Display for AccessKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.masked())
    }
}

impl Serialize for AccessKey {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.masked())
    }
}
