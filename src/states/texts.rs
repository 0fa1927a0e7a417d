//! The English texts of the widget's states, in one place, keyed as the catalog
//! (`locales/en.txt`, `key = text`) keys them, so that they move there in one step. Status names
//! come from the catalog already (`crate::i18n`).

/// The English text for `key`; an unknown key is shown as itself, so a missing text is visible.
pub fn text(key: &str) -> &str {
    match key {
        "state.loading" => "Looking up your parcel…",
        "state.no_reference.title" => "Track a parcel",
        "state.no_reference.body" => "This link carries no tracking number. Type or paste one, or the whole link from your e-mail.",
        "state.no_reference.label" => "Tracking number or link",
        "state.no_reference.submit" => "Track",
        "state.no_reference.recognized" => "Looks like:",
        "state.no_reference.unknown_shape" => "Not a format we recognize yet; you can still try it.",
        "state.no_reference.suggestion" => "Did you mean",
        "state.invalid.title" => "This number cannot be right",
        "state.invalid.body" => "Please check the number in your e-mail: a digit may be mistyped.",
        "state.invalid.suggestion" => "Did you mean",
        "state.choose.title" => "Which carrier sent your parcel?",
        "state.choose.body" => "More than one carrier knows this number. Pick the one named in your e-mail.",
        "state.not_found.title" => "No parcel found yet",
        "state.not_found.body" => "The carrier does not know this number yet. Parcels often appear a few hours after the shop sends them.",
        "state.not_found.fallback" => "Look it up on the carrier's own page",
        "state.not_found.action" => "Try again",
        "state.rate_limited.title" => "Many people are tracking right now",
        "state.rate_limited.body" => "We will try again in {n} s.",
        "state.offline.title" => "You are offline",
        "state.offline.body" => "We will look again as soon as your connection is back.",
        "state.retrying.title" => "The carrier is not answering",
        "state.retrying.body" => "Trying again in {n} s.",
        "state.failed.title" => "The carrier is not answering",
        "state.failed.body" => "Please try again in a few minutes.",
        "state.failed.action" => "Try again",
        "state.misconfigured.title" => "Tracking is not available here",
        "state.misconfigured.body" => "The shop has to fix its tracking set-up. Please contact the shop.",
        "state.malformed.title" => "The carrier's answer could not be read",
        "state.malformed.body" => "Please try again later, or contact the shop.",
        "state.malformed.action" => "Try again",
        "parcel.linked" => "Also tracked as",
        "parcels.label" => "Your parcels",
        "announce.status" => "Parcel {number}: {status}",
        other => other,
    }
}

/// `text(key)` with `{name}` placeholders filled.
pub fn text_with(key: &str, values: &[(&str, &str)]) -> String {
    let mut out = text(key).to_owned();
    for (name, value) in values {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled() {
        assert_eq!(
            text_with("state.rate_limited.body", &[("n", "12")]),
            "We will try again in 12 s."
        );
    }
}
