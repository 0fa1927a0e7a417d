//! The shop's own words: a page replaces any of the widget's texts in a language, English
//! included, without rebuilding the widget, with an element beside the snippet in the catalogs'
//! own format:
//!
//! ```html
//! <script type="text/plain" data-trackline-texts lang="en">
//! state.not_found.body = Your parcel appears here once we have handed it over.
//! </script>
//! ```
//!
//! They are read once, when the widget's module starts (before any widget is mounted), and win
//! over the language's catalog. Each entry must name a key of the catalogs and keep the
//! `{placeholders}` of its English text; a line that does not, or is no `key = text` at all, is
//! left out and named in the console, and the rest are used.

use std::sync::Mutex;

use super::{content_lines, lookup, Locale, ENGLISH};

/// The page's own texts per locale, indexed as [`Locale::ALL`]: the entries kept, newest first.
static OWN: Mutex<[Option<&'static str>; Locale::ALL.len()]> =
    Mutex::new([None; Locale::ALL.len()]);

/// Why one of the page's own texts is left out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OwnTextError {
    #[error("line {line} is not `key = text`")]
    Malformed { line: usize },
    #[error("`{0}` is not a key of the widget's catalogs (see locales/en.txt)")]
    UnknownKey(String),
    #[error("`{key}` must keep the placeholders of its English text ({english:?})")]
    Placeholders { key: String, english: String },
}

/// The page's own texts of `locale`, once installed.
pub(super) fn own(locale: Locale) -> Option<&'static str> {
    OWN.lock().unwrap_or_else(|p| p.into_inner())[locale as usize]
}

/// The `{name}` placeholders of a text, in order, repeats included.
fn placeholders(text: &str) -> impl Iterator<Item = &str> {
    text.split('{')
        .skip(1)
        .filter_map(|part| part.split_once('}').map(|(name, _)| name))
}

/// Whether `text` has exactly the placeholders of `english`, in any order.
fn same_placeholders(english: &str, text: &str) -> bool {
    placeholders(english).all(|name| placeholders(text).any(|other| other == name))
        && placeholders(text).all(|name| placeholders(english).any(|other| other == name))
}

/// Makes the entries of `texts` (the catalogs' `key = text` lines; comments and blank lines are
/// skipped) the words of `locale` for the rest of the page, over its catalog and over earlier
/// own texts. Returns the lines left out, with why; the others are used.
pub fn install_own_texts(locale: Locale, texts: &str) -> Vec<OwnTextError> {
    let texts = texts.strip_prefix('\u{feff}').unwrap_or(texts);
    let mut kept = String::new();
    let mut left_out = Vec::new();
    for (line, content) in content_lines(texts) {
        let entry = content
            .split_once('=')
            .map(|(key, text)| (key.trim(), text.trim()))
            .filter(|(key, text)| !key.is_empty() && !text.is_empty());
        let Some((key, text)) = entry else {
            left_out.push(OwnTextError::Malformed { line });
            continue;
        };
        match lookup(ENGLISH, key) {
            None => left_out.push(OwnTextError::UnknownKey(key.to_owned())),
            Some(english) if !same_placeholders(english, text) => {
                left_out.push(OwnTextError::Placeholders {
                    key: key.to_owned(),
                    english: english.to_owned(),
                });
            }
            Some(_) => {
                // Newest first: a later entry of the same key wins the lookup.
                kept.insert_str(0, &format!("{key} = {text}\n"));
            }
        }
    }
    let mut own = OWN.lock().unwrap_or_else(|p| p.into_inner());
    let slot = &mut own[locale as usize];
    if !kept.is_empty() {
        kept.push_str(slot.unwrap_or_default());
        // Kept for the page's lifetime, as the catalogs are.
        *slot = Some(Box::leak(kept.into_boxed_str()));
    }
    left_out
}

/// Reads the page's `<script type="text/plain" data-trackline-texts lang="…">` elements and
/// installs their texts, naming in the console what cannot be used.
#[cfg(target_arch = "wasm32")]
pub fn read_from_page() {
    let Some(document) = web_sys::window().and_then(|window| window.document()) else {
        return;
    };
    let Ok(elements) = document.query_selector_all("script[data-trackline-texts]") else {
        return;
    };
    for index in 0..elements.length() {
        let Some(element) = elements
            .item(index)
            .and_then(|node| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(node).ok())
        else {
            continue;
        };
        let warn = |message: String| web_sys::console::warn_1(&message.into());
        let lang = element.get_attribute("lang").unwrap_or_default();
        let Some(locale) = Locale::from_tag(&lang) else {
            warn(format!(
                "Trackline: the texts of a data-trackline-texts element are not used: its lang \
                 {lang:?} is none of the widget's languages"
            ));
            continue;
        };
        let texts = element.text_content().unwrap_or_default();
        for error in install_own_texts(locale, &texts) {
            warn(format!(
                "Trackline: one of the page's {} texts is not used: {error}",
                locale.english_name()
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_compared_as_sets() {
        assert!(same_placeholders(
            "Page {page} of {pages}",
            "{pages}: page {page}"
        ));
        assert!(!same_placeholders("Page {page} of {pages}", "Page {page}"));
        assert!(!same_placeholders("Copied", "Copied {number}"));
        assert!(same_placeholders("Copied", "Done"));
    }
}
