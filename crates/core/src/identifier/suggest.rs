//! Corrections for a failing check digit: what the value most likely was meant to be.

/// How many corrections are worth showing a person.
pub const MAX_SUGGESTIONS: usize = 8;

/// Values one step from `text` whose check holds: first every swap of two neighbouring
/// characters inside `start..end` (the commonest typing slip), then `text` with its check
/// character replaced.
///
/// A changed data digit is not guessed: for every position there is a digit that would make the
/// check hold, so such guesses would list a dozen numbers and help nobody.
pub(crate) fn corrections(
    text: &[u8],
    start: usize,
    end: usize,
    algorithm: fn(&[u8]) -> Option<u8>,
) -> Vec<String> {
    let holds = |value: &[u8]| algorithm(&value[start..end - 1]) == Some(value[end - 1]);
    let mut suggestions: Vec<String> = Vec::new();
    // The corrected check digit always gets the last place: swaps fill the ones before it.
    let push = |value: &[u8], suggestions: &mut Vec<String>, limit: usize| {
        let value = String::from_utf8_lossy(value).into_owned();
        if suggestions.len() < limit && !suggestions.contains(&value) {
            suggestions.push(value);
        }
    };
    let mut candidate = text.to_vec();
    for index in start..end.saturating_sub(1) {
        let (left, right) = (candidate[index], candidate[index + 1]);
        // A digit swapped with a letter changes the shape (DPD's check letter moving into the
        // digits): that is no longer the same kind of number.
        if left == right || left.is_ascii_digit() != right.is_ascii_digit() {
            continue;
        }
        candidate.swap(index, index + 1);
        if holds(&candidate) {
            push(&candidate, &mut suggestions, MAX_SUGGESTIONS - 1);
        }
        candidate.swap(index, index + 1);
    }
    if let Some(expected) = algorithm(&text[start..end - 1]) {
        candidate[end - 1] = expected;
        push(&candidate, &mut suggestions, MAX_SUGGESTIONS);
    }
    suggestions
}
