//! What can be wrong with a reference, named by the parameter that carried it.

use serde::ser::{Serialize, SerializeMap, Serializer};

use super::PartnerRole;

/// One problem with one parameter of a link (or with a bare value, whose parameter is `input`,
/// or the URL path, `path`).
///
/// The access key's value never appears in an error: only its length or a position does.
#[derive(Debug, Clone, PartialEq, Eq, Hash, thiserror::Error)]
pub enum ReferenceError {
    #[error("`{parameter}` is empty")]
    Empty { parameter: String },
    #[error("`{parameter}` is {length} characters long; at most {max} are allowed")]
    TooLong {
        parameter: String,
        length: usize,
        max: usize,
    },
    #[error("`{parameter}` contains {character:?} (character {position}), which no reference can contain")]
    InvalidCharacter {
        parameter: String,
        character: char,
        /// 1-based, counted in characters of the decoded value.
        position: usize,
    },
    #[error("`{present}` is given without `{missing}`: a {role} partner reference needs the partner id and the partner's number")]
    MissingPairHalf {
        /// The parameter that is there, as written.
        present: String,
        /// The canonical name of the one that is missing.
        missing: &'static str,
        role: RoleName,
    },
    #[error("`{id_parameter}` has {ids} values but `{number_parameter}` has {numbers}: give one partner id, or one per number")]
    PairCountMismatch {
        id_parameter: String,
        ids: usize,
        number_parameter: String,
        numbers: usize,
    },
    #[error("`{parameter}`: an access key has 32 characters, this one has {length}")]
    AccessKeyLength { parameter: String, length: usize },
    #[error("`{parameter}`: an access key consists of letters and digits; character {position} is neither")]
    AccessKeyCharacter { parameter: String, position: usize },
    #[error("`{parameter}` is given more than once with different values")]
    Conflicting { parameter: String },
    #[error("`{parameter}`: {key} has {expected} digits; this value has {length} characters, or not only digits")]
    Gs1KeyShape {
        parameter: String,
        key: &'static str,
        expected: usize,
        /// In characters. The value itself is not repeated: whatever was pasted there (even a
        /// credential) stays out of messages and logs.
        length: usize,
    },
    #[error("`{parameter}`: the check digit of {key} {number} is {found}, it should be {expected}{}", suggestion_text(.suggestions))]
    CheckDigit {
        parameter: String,
        key: &'static str,
        number: String,
        expected: char,
        found: char,
        /// The numbers most likely meant: swaps of neighbours that hold, then the corrected check
        /// digit.
        suggestions: Vec<String>,
    },
    #[error("`{parameter}`: GS1 application identifier ({ai}) is not a shipment reference; (00), (401) and (402) are")]
    UnsupportedApplicationIdentifier { parameter: String, ai: String },
}

fn suggestion_text(suggestions: &[String]) -> String {
    if suggestions.is_empty() {
        String::new()
    } else {
        format!(" (did you mean {}?)", suggestions.join(" or "))
    }
}

/// A partner role as the error message words it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RoleName(pub PartnerRole);

impl std::fmt::Display for RoleName {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(match self.0 {
            PartnerRole::Shipping => "shipping",
            PartnerRole::Receiving => "receiving",
            PartnerRole::Ordering => "ordering",
        })
    }
}

impl ReferenceError {
    /// A stable, machine-readable name of the problem.
    pub fn code(&self) -> &'static str {
        match self {
            ReferenceError::Empty { .. } => "empty",
            ReferenceError::TooLong { .. } => "too_long",
            ReferenceError::InvalidCharacter { .. } => "invalid_character",
            ReferenceError::MissingPairHalf { .. } => "missing_pair_half",
            ReferenceError::PairCountMismatch { .. } => "pair_count_mismatch",
            ReferenceError::AccessKeyLength { .. } => "access_key_length",
            ReferenceError::AccessKeyCharacter { .. } => "access_key_character",
            ReferenceError::Conflicting { .. } => "conflicting",
            ReferenceError::Gs1KeyShape { .. } => "gs1_key_shape",
            ReferenceError::CheckDigit { .. } => "check_digit",
            ReferenceError::UnsupportedApplicationIdentifier { .. } => {
                "unsupported_application_identifier"
            }
        }
    }

    /// The parameter the problem is in, as the link wrote it (for a missing half: the one there).
    pub fn parameter(&self) -> &str {
        match self {
            ReferenceError::Empty { parameter }
            | ReferenceError::TooLong { parameter, .. }
            | ReferenceError::InvalidCharacter { parameter, .. }
            | ReferenceError::AccessKeyLength { parameter, .. }
            | ReferenceError::AccessKeyCharacter { parameter, .. }
            | ReferenceError::Conflicting { parameter }
            | ReferenceError::Gs1KeyShape { parameter, .. }
            | ReferenceError::CheckDigit { parameter, .. }
            | ReferenceError::UnsupportedApplicationIdentifier { parameter, .. } => parameter,
            ReferenceError::MissingPairHalf { present, .. } => present,
            ReferenceError::PairCountMismatch {
                number_parameter, ..
            } => number_parameter,
        }
    }

    /// The corrected numbers, most likely first, where the problem is a check digit.
    pub fn suggestions(&self) -> &[String] {
        match self {
            ReferenceError::CheckDigit { suggestions, .. } => suggestions,
            _ => &[],
        }
    }
}

/// `{"code", "parameter", "message", "suggestions"?}`: what a caller shows or matches on.
impl Serialize for ReferenceError {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let suggestions = self.suggestions();
        let mut map = serializer.serialize_map(Some(3 + usize::from(!suggestions.is_empty())))?;
        map.serialize_entry("code", self.code())?;
        map.serialize_entry("parameter", self.parameter())?;
        map.serialize_entry("message", &self.to_string())?;
        if !suggestions.is_empty() {
            map.serialize_entry("suggestions", suggestions)?;
        }
        map.end()
    }
}
