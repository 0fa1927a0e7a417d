//! Cleaning one value: lenient about how people write it, strict about what it may contain.

use super::ReferenceError;
use crate::identifier;

/// The longest reference any carrier or conizi accepts.
pub const MAX_VALUE_LEN: usize = 35;

/// Below this length a space-separated token is a group of digits, not a number of its own.
const MIN_NUMBER_LEN: usize = 8;

/// Checks one value a proxy receives as a path parameter (a tracking number, an SSCC, a reference)
/// and returns it in the form to send on.
///
/// Surrounding spaces are dropped. When the value, without its inner spaces, dashes and dots, in
/// upper case, is an identifier whose check digit holds, the number as its carrier writes it is
/// returned (`1z 5r8 939 0357 5671 27` → `1Z5R89390357567127`, `(00) 1061…` → `1061…`); otherwise the value is a reference and
/// keeps its dashes, with runs of spaces shortened to one. Either way it may hold only letters,
/// digits, `-`, `_`, `.`, `/` and spaces, and at most 35 characters. The caller still has to
/// percent-encode it into a URL path.
pub fn validate_value(value: &str) -> Result<String, ReferenceError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(empty("value"));
    }
    // Compacted before any length check: a number padded with spaces must give the same answer
    // as the result does when it is validated again.
    let compact = compact_number(trimmed);
    let detection = identifier::detect(&compact, identifier::DetectMode::Strict);
    if let Some(best) = detection.candidates.into_iter().next() {
        return Ok(best.number);
    }
    clean_reference("value", trimmed)
}

/// Checks one value a proxy receives that the shipper wrote (a customer reference, a delivery
/// note's number) and returns it in the form to send on: as [`validate_value`] checks a value,
/// but never read as a carrier's number, so its case and its dashes and dots stay as written
/// (surrounding spaces are dropped and inner runs of them shortened to one).
pub fn validate_written_reference(value: &str) -> Result<String, ReferenceError> {
    clean_reference("value", value)
}

/// A free-text reference (customer reference, partner number, delivery note, order number):
/// trimmed, inner runs of white space shortened to one space, dashes kept.
pub(crate) fn clean_reference(parameter: &str, raw: &str) -> Result<String, ReferenceError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(empty(parameter));
    }
    check_characters(parameter, trimmed, is_reference_character)?;
    let mut cleaned = String::with_capacity(trimmed.len());
    for word in trimmed.split_whitespace() {
        if !cleaned.is_empty() {
            cleaned.push(' ');
        }
        cleaned.push_str(word);
    }
    check_length(parameter, &cleaned, MAX_VALUE_LEN)?;
    Ok(cleaned)
}

/// A carrier's number (tracking number, SSCC): spaces, dashes and dots between groups dropped
/// (`0034 0433-8364`, Deutsche Post's `12.34 5.678.901 6`), letters upper-cased, only ASCII
/// letters and digits left, as recognition reads a number.
pub(crate) fn clean_number(parameter: &str, raw: &str) -> Result<String, ReferenceError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(empty(parameter));
    }
    check_characters(parameter, trimmed, |character| {
        character.is_ascii_alphanumeric()
            || matches!(character, '-' | '.')
            || character.is_whitespace()
    })?;
    let compact = compact_number(trimmed);
    // Only dashes (`tracking=-`): nothing left of a number.
    if compact.is_empty() {
        return Err(empty(parameter));
    }
    check_length(parameter, &compact, MAX_VALUE_LEN)?;
    Ok(compact)
}

/// A carrier hint (`carrier=DHL`): a name rather than a number, its ASCII letters in lower case.
/// Every carrier's name is ASCII, and [`Carrier::from_name`](crate::model::Carrier::from_name)
/// folds the rest; Unicode's case tables would be part of every page for nothing.
pub(crate) fn clean_carrier_hint(parameter: &str, raw: &str) -> Result<String, ReferenceError> {
    let cleaned = clean_reference(parameter, raw)?;
    Ok(cleaned.to_ascii_lowercase())
}

/// A postcode: upper case, letters, digits, spaces and dashes, at most 10 characters.
pub(crate) fn clean_postcode(parameter: &str, raw: &str) -> Result<String, ReferenceError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(empty(parameter));
    }
    check_characters(parameter, trimmed, |character| {
        character.is_ascii_alphanumeric() || character == '-' || character == ' '
    })?;
    let cleaned = trimmed
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_uppercase();
    check_length(parameter, &cleaned, 10)?;
    Ok(cleaned)
}

/// A language tag (`de`, `de-DE`, `nb_NO` → `nb-NO`).
pub(crate) fn clean_language(parameter: &str, raw: &str) -> Result<String, ReferenceError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(empty(parameter));
    }
    check_characters(parameter, trimmed, |character| {
        character.is_ascii_alphanumeric() || character == '-' || character == '_'
    })?;
    check_length(parameter, trimmed, MAX_VALUE_LEN)?;
    Ok(trimmed.replace('_', "-"))
}

/// Splits a list value at commas and semicolons; blank items (`a,,b`, a trailing comma) are
/// sloppiness, not errors. An all-blank value is empty.
pub(crate) fn split_list(raw: &str) -> impl Iterator<Item = &str> {
    raw.split([',', ';']).filter(|item| !item.trim().is_empty())
}

/// Splits one list item of numbers at white space when every token is long enough to be a number
/// of its own (`JJD0001 … JJD0002 …`, `RB… (00)…`); otherwise the spaces group the digits of one
/// number (`0034 0433 8364 4263 6597`) and the item stays whole.
pub(crate) fn split_numbers(item: &str) -> Vec<&str> {
    // `(00) 1061 4141 …`: spaces inside a GS1 element string group its digits.
    if item.trim_start().starts_with('(') && !item.contains(" (") {
        return vec![item];
    }
    let tokens: Vec<&str> = item.split_whitespace().collect();
    if tokens.len() > 1
        && tokens
            .iter()
            .all(|token| token.chars().count() >= MIN_NUMBER_LEN)
    {
        tokens
    } else {
        vec![item]
    }
}

pub(crate) fn compact_number(value: &str) -> String {
    value
        .chars()
        .filter(|character| !matches!(character, '-' | '.') && !character.is_whitespace())
        .map(|character| character.to_ascii_uppercase())
        .collect()
}

/// Letters and digits of any script (references carry names such as `Müller-12`), and the
/// separators references use.
fn is_reference_character(character: char) -> bool {
    character.is_alphanumeric()
        || matches!(character, '-' | '_' | '.' | '/')
        || character.is_whitespace()
}

fn check_characters(
    parameter: &str,
    value: &str,
    allowed: impl Fn(char) -> bool,
) -> Result<(), ReferenceError> {
    match value
        .chars()
        .enumerate()
        .find(|(_, character)| !allowed(*character) || character.is_control())
    {
        Some((index, character)) => Err(ReferenceError::InvalidCharacter {
            parameter: parameter.to_owned(),
            character,
            position: index + 1,
        }),
        None => Ok(()),
    }
}

fn check_length(parameter: &str, value: &str, max: usize) -> Result<(), ReferenceError> {
    let length = value.chars().count();
    if length > max {
        return Err(ReferenceError::TooLong {
            parameter: parameter.to_owned(),
            length,
            max,
        });
    }
    Ok(())
}

fn empty(parameter: &str) -> ReferenceError {
    ReferenceError::Empty {
        parameter: parameter.to_owned(),
    }
}
