//! Which catalog serves which language tag: the one table both the widget and the loader read.
//!
//! The widget reads it in [`Locale::from_tag`](super::Locale::from_tag). `build.rs` compiles this
//! file too (it depends on nothing) and writes the table as JSON for the loader (`catalogs.json`): a release build
//! puts it into `trackline.js` (scripts/minify-release.mjs), which fetches the catalog of the
//! language the widgets on the page will pick beside the wasm, before the wasm runs.

/// Each language subtag the widget speaks (lowercase, the part of a tag before `-` or `_`) and the
/// tag of the locale that serves it, which is also its catalog's name (`locales/<tag>.txt`).
pub const SUBTAGS: [(&str, &str); 15] = [
    ("en", "en"),
    ("de", "de"),
    ("nl", "nl"),
    ("pl", "pl"),
    // Norwegian Bokmål is the closest written form for `no` and Nynorsk readers.
    ("nb", "nb"),
    ("no", "nb"),
    ("nn", "nb"),
    ("fr", "fr"),
    ("it", "it"),
    ("es", "es"),
    ("pt", "pt"),
    ("sv", "sv"),
    ("da", "da"),
    ("fi", "fi"),
    ("uk", "uk"),
];

/// The pseudo right-to-left locale's tag, matched whole and in any case (not by its subtag).
pub const PSEUDO_RTL_TAG: &str = "ar-XB";

/// The locales whose words are built into the wasm (the pseudo locale uses English's): nothing is
/// fetched for them.
pub const BUILT_IN: [&str; 2] = ["en", PSEUDO_RTL_TAG];

/// The tag given to `Intl` for the dates, numbers and relative times of the locale tagged
/// `locale_tag` (a tag of [`SUBTAGS`]' second column, or [`PSEUDO_RTL_TAG`]): the pseudo locale's
/// words are English, so its dates are too; bare `pt` would format as Brazil does, while the
/// catalog is written for Portugal.
pub fn intl_tag(locale_tag: &'static str) -> &'static str {
    match locale_tag {
        PSEUDO_RTL_TAG => "en",
        "pt" => "pt-PT",
        other => other,
    }
}

/// The writing direction of the locale tagged `locale_tag`, for the `dir` attribute: the pseudo
/// locale's is right to left, every language's the widget speaks today left to right. The loader
/// reads it too, to draw its placeholder the way the widget will (`right-to-left.json`, build.rs).
pub fn dir(locale_tag: &'static str) -> &'static str {
    match locale_tag {
        PSEUDO_RTL_TAG => "rtl",
        _ => "ltr",
    }
}

/// The tag of the locale that serves `tag` (`de-AT`, `nb_NO`, ` PL `, `ar-xb`), or `None` when the
/// widget does not speak it.
pub fn locale_tag_of(tag: &str) -> Option<&'static str> {
    let tag = tag.trim();
    if tag.eq_ignore_ascii_case(PSEUDO_RTL_TAG) {
        return Some(PSEUDO_RTL_TAG);
    }
    let language = tag.split(['-', '_']).next()?.to_ascii_lowercase();
    SUBTAGS
        .iter()
        .find(|(subtag, _)| *subtag == language)
        .map(|(_, locale)| *locale)
}
