//! GS1 keys in links: element strings (`(00)…`, `(401)…`, `(402)…`, `00` + 18 digits) and GS1
//! Digital Link paths (`/00/<sscc>` on any host).

use super::parameter_names::{GINC_AI, GSIN_AI, SSCC_AI};
use super::percent_decode;
use super::{Reference, ReferenceError};
use crate::identifier::{corrections, gs1_mod10};

/// Reads a GS1 element string: one or more `(AI)value` pairs. `None` when `text` does not start
/// with `(`.
pub(crate) fn element_string(
    parameter: &str,
    text: &str,
) -> Option<Vec<Result<Reference, ReferenceError>>> {
    let mut rest = text.trim().strip_prefix('(')?;
    let mut found = Vec::new();
    loop {
        let Some((ai, after)) = rest.split_once(')') else {
            found.push(Err(ReferenceError::InvalidCharacter {
                parameter: parameter.to_owned(),
                character: '(',
                position: 1,
            }));
            return Some(found);
        };
        let (value, next) = match after.find('(') {
            Some(end) if ai.trim() != "401" => (&after[..end], Some(&after[end + 1..])),
            _ => (after, None),
        };
        let value: String = value
            .chars()
            .filter(|character| !character.is_whitespace())
            .collect();
        found.push(match ai.trim() {
            "00" => sscc(parameter, &value),
            "401" => ginc(parameter, &value),
            "402" => gsin(parameter, &value),
            other => Err(ReferenceError::UnsupportedApplicationIdentifier {
                parameter: parameter.to_owned(),
                ai: other.chars().take(8).collect(),
            }),
        });
        match next {
            Some(next) => rest = next,
            None => return Some(found),
        }
    }
}

/// `00` + 18 digits without brackets: the SSCC inside, if `compact` has that shape.
pub(crate) fn unbracketed_sscc(compact: &str) -> Option<&str> {
    let digits = compact.strip_prefix("00")?;
    (digits.len() == 18 && digits.bytes().all(|byte| byte.is_ascii_digit())).then_some(digits)
}

/// Reads GS1 Digital Link keys from a URL path: a segment `00` followed by 18 digits, `402`
/// followed by 17 digits, or `401` followed by a GINC. Other paths give nothing.
pub(crate) fn digital_link(path: &str) -> Vec<Result<Reference, ReferenceError>> {
    let segments: Vec<&str> = path.split('/').collect();
    let mut found = Vec::new();
    for pair in segments.windows(2) {
        let value = percent_decode(pair[1], false);
        let value = value.trim();
        let all_digits = value.bytes().all(|byte| byte.is_ascii_digit());
        match pair[0] {
            SSCC_AI if all_digits && value.len() == 18 => found.push(sscc("path", value)),
            GSIN_AI if all_digits && value.len() == 17 => found.push(gsin("path", value)),
            GINC_AI if !value.is_empty() => found.push(ginc("path", value)),
            _ => {}
        }
    }
    found
}

pub(crate) fn sscc(parameter: &str, digits: &str) -> Result<Reference, ReferenceError> {
    checked_key(parameter, digits, "SSCC", 18).map(|number| Reference::Sscc { number })
}

pub(crate) fn gsin(parameter: &str, digits: &str) -> Result<Reference, ReferenceError> {
    checked_key(parameter, digits, "GSIN", 17).map(|number| Reference::Gsin { number })
}

/// A GINC: up to 30 characters of GS1's character set 82 (here: letters, digits and the
/// punctuation references use).
pub(crate) fn ginc(parameter: &str, value: &str) -> Result<Reference, ReferenceError> {
    if value.is_empty() {
        return Err(ReferenceError::Empty {
            parameter: parameter.to_owned(),
        });
    }
    if let Some((index, character)) = value.chars().enumerate().find(|(_, character)| {
        !(character.is_ascii_alphanumeric() || matches!(character, '-' | '.' | '/' | '_'))
    }) {
        return Err(ReferenceError::InvalidCharacter {
            parameter: parameter.to_owned(),
            character,
            position: index + 1,
        });
    }
    if value.len() > 30 {
        return Err(ReferenceError::TooLong {
            parameter: parameter.to_owned(),
            length: value.len(),
            max: 30,
        });
    }
    Ok(Reference::Ginc {
        number: value.to_owned(),
    })
}

/// A GS1 key of `length` digits whose mod 10 check digit must hold.
fn checked_key(
    parameter: &str,
    digits: &str,
    key: &'static str,
    length: usize,
) -> Result<String, ReferenceError> {
    if digits.len() != length || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(ReferenceError::Gs1KeyShape {
            parameter: parameter.to_owned(),
            key,
            expected: length,
            length: digits.chars().count(),
        });
    }
    let bytes = digits.as_bytes();
    let expected = gs1_mod10(&bytes[..length - 1]).unwrap_or(b'0');
    let found = bytes[length - 1];
    if expected != found {
        return Err(ReferenceError::CheckDigit {
            parameter: parameter.to_owned(),
            key,
            number: digits.to_owned(),
            expected: char::from(expected),
            found: char::from(found),
            suggestions: corrections(bytes, 0, length, gs1_mod10),
        });
    }
    Ok(digits.to_owned())
}
