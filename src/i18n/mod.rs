//! Languages: which one a widget speaks, and its words.
//!
//! Catalogs are plain `key = text` files under `locales/`, one per language, so that a translator
//! edits them without reading Rust. English is the reference and the fallback: it is built into
//! the wasm (without its comments, by `build.rs`). Every other catalog is fetched from the
//! `locales/` folder beside the widget's files the first time a widget needs it (see
//! [`catalogs`]), so a consumer downloads only their own language. Catalogs are read on lookup:
//! a linear scan of a few kilobytes costs less wasm than a parsed map, and lookups happen only
//! when a view renders. A key missing from a catalog falls back to English, and a test fails
//! when any catalog on disk lacks a key of English or has one English does not.

use std::borrow::Cow;

mod catalogs;
mod languages;
mod own_texts;

pub use catalogs::{
    install_catalog, is_settled, locale_to_show, set_locales_url, use_started_fetches,
    CatalogError, CatalogLoadError,
};
#[cfg(target_arch = "wasm32")]
pub use own_texts::read_from_page as read_own_texts;
pub use own_texts::{install_own_texts, OwnTextError};

/// A language the widget speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Locale {
    #[default]
    En,
    De,
    Nl,
    Pl,
    /// Norwegian Bokmål; `no` and `nn` readers get it too, as the closest written form.
    Nb,
    Fr,
    It,
    Es,
    /// European Portuguese (InPost's Portugal); `pt-BR` readers get it too.
    Pt,
    Sv,
    Da,
    Fi,
    /// Ukrainian: many of InPost's Polish consumers read it first.
    Uk,
    /// A test locale (Chromium's `ar-XB`): English words forced right to left, with the page
    /// direction `rtl`, to prove the layout mirrors before a real RTL language is added.
    PseudoRtl,
}

/// Right-to-left override and pop directional formatting: what makes the pseudo locale's
/// English words run right to left.
const RLO: char = '\u{202E}';
const PDF: char = '\u{202C}';

impl Locale {
    /// Every locale, the pseudo one last.
    pub const ALL: [Locale; 14] = [
        Locale::En,
        Locale::De,
        Locale::Nl,
        Locale::Pl,
        Locale::Nb,
        Locale::Fr,
        Locale::It,
        Locale::Es,
        Locale::Pt,
        Locale::Sv,
        Locale::Da,
        Locale::Fi,
        Locale::Uk,
        Locale::PseudoRtl,
    ];

    /// The BCP 47 tag, for the `lang` attribute.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::De => "de",
            Locale::Nl => "nl",
            Locale::Pl => "pl",
            Locale::Nb => "nb",
            Locale::Fr => "fr",
            Locale::It => "it",
            Locale::Es => "es",
            Locale::Pt => "pt",
            Locale::Sv => "sv",
            Locale::Da => "da",
            Locale::Fi => "fi",
            Locale::Uk => "uk",
            Locale::PseudoRtl => "ar-XB",
        }
    }

    /// The tag given to `Intl` for dates, numbers and relative times (languages.rs's table,
    /// which the loader reads too).
    pub fn intl_tag(self) -> &'static str {
        languages::intl_tag(self.tag())
    }

    /// The writing direction, for the `dir` attribute (languages.rs's, which the loader reads
    /// too).
    pub fn dir(self) -> &'static str {
        languages::dir(self.tag())
    }

    /// The language's own name, for a language picker.
    pub fn native_name(self) -> &'static str {
        match self {
            Locale::En => "English",
            Locale::De => "Deutsch",
            Locale::Nl => "Nederlands",
            Locale::Pl => "Polski",
            Locale::Nb => "Norsk bokmål",
            Locale::Fr => "Français",
            Locale::It => "Italiano",
            Locale::Es => "Español",
            Locale::Pt => "Português",
            Locale::Sv => "Svenska",
            Locale::Da => "Dansk",
            Locale::Fi => "Suomi",
            Locale::Uk => "Українська",
            Locale::PseudoRtl => "Pseudo RTL",
        }
    }

    /// The language's name in English, for the merchant's console messages.
    pub fn english_name(self) -> &'static str {
        match self {
            Locale::En => "English",
            Locale::De => "German",
            Locale::Nl => "Dutch",
            Locale::Pl => "Polish",
            Locale::Nb => "Norwegian Bokmål",
            Locale::Fr => "French",
            Locale::It => "Italian",
            Locale::Es => "Spanish",
            Locale::Pt => "Portuguese",
            Locale::Sv => "Swedish",
            Locale::Da => "Danish",
            Locale::Fi => "Finnish",
            Locale::Uk => "Ukrainian",
            Locale::PseudoRtl => "pseudo right-to-left",
        }
    }

    /// Whether the locale's words are built into the wasm, so that it never waits for a catalog.
    pub fn is_built_in(self) -> bool {
        languages::BUILT_IN.contains(&self.tag())
    }

    /// The catalog of the locale's words, once it is available: always for the built-in ones,
    /// after it was loaded or installed for the others.
    fn catalog(self) -> Option<&'static str> {
        if self.is_built_in() {
            Some(ENGLISH)
        } else {
            catalogs::loaded(self)
        }
    }

    /// The locale of one language tag (`de-AT`, `nb_NO`, `PL`), by its language subtag; the
    /// pseudo locale only by its full tag. The subtags and their aliases are in [`languages`],
    /// which the loader's table is made from too.
    pub fn from_tag(tag: &str) -> Option<Locale> {
        let served_by = languages::locale_tag_of(tag)?;
        Locale::ALL
            .into_iter()
            .find(|locale| locale.tag() == served_by)
    }

    /// The first of `tags` the widget speaks.
    pub fn negotiate<'a>(tags: impl IntoIterator<Item = &'a str>) -> Option<Locale> {
        tags.into_iter().find_map(Locale::from_tag)
    }

    /// The widget's language: the explicit `lang` value (attribute or parameter) when the widget
    /// speaks it, then the browser's `navigator.languages` in order, then English.
    pub fn resolve(explicit: Option<&str>) -> Locale {
        explicit
            .and_then(Locale::from_tag)
            .or_else(|| {
                let preferred = navigator_languages();
                Locale::negotiate(preferred.iter().map(String::as_str))
            })
            .unwrap_or_default()
    }
}

/// `navigator.languages`, read through `Reflect` so that no web-sys feature is needed; empty
/// outside a browser.
fn navigator_languages() -> Vec<String> {
    #[cfg(target_arch = "wasm32")]
    {
        use wasm_bindgen::JsCast;
        let languages = js_sys::Reflect::get(&js_sys::global(), &"navigator".into())
            .and_then(|navigator| js_sys::Reflect::get(&navigator, &"languages".into()))
            .ok()
            .and_then(|value| value.dyn_into::<js_sys::Array>().ok());
        languages
            .map(|array| array.iter().filter_map(|tag| tag.as_string()).collect())
            .unwrap_or_default()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        Vec::new()
    }
}

/// The English catalog as `build.rs` leaves it: entries only, no comments or blank lines.
const ENGLISH: &str = include_str!(concat!(env!("OUT_DIR"), "/en.txt"));

/// The lines of a catalog that are not comments or blank, trimmed, with their line numbers
/// (from 1): what both the lookup and the check of a fetched catalog read.
fn content_lines(catalog: &str) -> impl Iterator<Item = (usize, &str)> {
    catalog
        .lines()
        .map(str::trim)
        .enumerate()
        .filter(|(_, line)| !line.is_empty() && !line.starts_with('#'))
        .map(|(index, line)| (index + 1, line))
}

/// The entries of a catalog, in file order: `(key, text)`.
fn entries(catalog: &str) -> impl Iterator<Item = (&str, &str)> {
    content_lines(catalog).filter_map(|(_, line)| {
        let (key, text) = line.split_once('=')?;
        Some((key.trim(), text.trim()))
    })
}

fn lookup<'a>(catalog: &'a str, key: &str) -> Option<&'a str> {
    entries(catalog)
        .find(|(k, _)| *k == key)
        .map(|(_, text)| text)
}

/// The text of `key` in `locale`: the page's own text when it has one, else the locale's
/// catalog's, English when the catalog lacks it, the key itself when English does too (a
/// visible, greppable mistake rather than an empty label).
pub fn tr(locale: Locale, key: &str) -> String {
    tr_args(locale, key, &[])
}

/// [`tr`] with `{name}` placeholders filled from `args`.
pub fn tr_args(locale: Locale, key: &str, args: &[(&str, &str)]) -> String {
    // The page's own texts first (own_texts.rs), then the language's catalog, then English.
    let text = own_texts::own(locale)
        .and_then(|own| lookup(own, key))
        .or_else(|| locale.catalog().and_then(|catalog| lookup(catalog, key)))
        .or_else(|| lookup(ENGLISH, key))
        .unwrap_or(key);
    let mut text = Cow::Borrowed(text);
    for (name, value) in args {
        let placeholder = format!("{{{name}}}");
        if text.contains(&placeholder) {
            text = Cow::Owned(text.replace(&placeholder, value));
        }
    }
    match locale {
        Locale::PseudoRtl => format!("{RLO}{text}{PDF}"),
        _ => text.into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// The catalog file of a locale, as a translator left it (comments included); the pseudo
    /// locale reads English's.
    fn on_disk(locale: Locale) -> &'static str {
        match locale {
            Locale::En | Locale::PseudoRtl => include_str!("../../locales/en.txt"),
            Locale::De => include_str!("../../locales/de.txt"),
            Locale::Nl => include_str!("../../locales/nl.txt"),
            Locale::Pl => include_str!("../../locales/pl.txt"),
            Locale::Nb => include_str!("../../locales/nb.txt"),
            Locale::Fr => include_str!("../../locales/fr.txt"),
            Locale::It => include_str!("../../locales/it.txt"),
            Locale::Es => include_str!("../../locales/es.txt"),
            Locale::Pt => include_str!("../../locales/pt.txt"),
            Locale::Sv => include_str!("../../locales/sv.txt"),
            Locale::Da => include_str!("../../locales/da.txt"),
            Locale::Fi => include_str!("../../locales/fi.txt"),
            Locale::Uk => include_str!("../../locales/uk.txt"),
        }
    }

    /// What a page does once the catalogs arrive. The store is shared by the test threads, and
    /// installing a catalog again replaces it with the same words.
    fn install_from_disk(locales: &[Locale]) {
        for &locale in locales {
            install_catalog(locale, on_disk(locale)).expect("the catalog on disk is well formed");
        }
    }

    fn keys(locale: Locale) -> Vec<&'static str> {
        entries(on_disk(locale)).map(|(key, _)| key).collect()
    }

    fn placeholders(text: &str) -> BTreeSet<&str> {
        text.split('{')
            .skip(1)
            .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
            .collect()
    }

    #[test]
    fn every_catalog_has_every_english_key_and_no_other() {
        let english: BTreeSet<_> = keys(Locale::En).into_iter().collect();
        for locale in Locale::ALL {
            let theirs: BTreeSet<_> = keys(locale).into_iter().collect();
            let missing: Vec<_> = english.difference(&theirs).collect();
            let extra: Vec<_> = theirs.difference(&english).collect();
            assert!(missing.is_empty(), "{}: missing {missing:?}", locale.tag());
            assert!(extra.is_empty(), "{}: unknown keys {extra:?}", locale.tag());
        }
    }

    #[test]
    fn no_catalog_repeats_a_key_or_leaves_a_text_empty() {
        for locale in Locale::ALL {
            let mut seen = BTreeSet::new();
            for (key, text) in entries(on_disk(locale)) {
                assert!(seen.insert(key), "{}: {key} twice", locale.tag());
                assert!(!text.is_empty(), "{}: {key} is empty", locale.tag());
            }
        }
    }

    #[test]
    fn every_line_of_a_catalog_is_a_comment_a_blank_or_an_entry() {
        for locale in Locale::ALL {
            for (number, line) in on_disk(locale).lines().enumerate() {
                let line = line.trim();
                let fine = line.is_empty()
                    || line.starts_with('#')
                    || line.split_once('=').is_some_and(|(key, _)| {
                        let key = key.trim();
                        !key.is_empty()
                            && key
                                .chars()
                                .all(|c| c.is_ascii_lowercase() || c == '_' || c == '.')
                    });
                assert!(fine, "{} line {}: {line}", locale.tag(), number + 1);
            }
        }
    }

    #[test]
    fn translations_keep_the_placeholders_of_english() {
        for locale in Locale::ALL {
            for (key, text) in entries(on_disk(locale)) {
                let english = lookup(on_disk(Locale::En), key).unwrap_or_default();
                assert_eq!(
                    placeholders(text),
                    placeholders(english),
                    "{}: {key}",
                    locale.tag()
                );
            }
        }
    }

    #[test]
    fn every_normalized_status_and_step_has_words_in_every_language() {
        use trackline_core::status::Status;
        for locale in Locale::ALL {
            for status in Status::ALL {
                let key = format!("status.{}", status.as_str());
                assert!(
                    lookup(on_disk(locale), &key).is_some(),
                    "{}: {key}",
                    locale.tag()
                );
            }
        }
    }

    #[test]
    fn placeholders_are_filled_and_a_missing_key_shows_itself() {
        install_from_disk(&[Locale::De]);
        assert_eq!(
            tr_args(Locale::De, "pickup.open_now", &[("time", "16:00")]),
            "Jetzt geöffnet, schließt um 16:00"
        );
        assert_eq!(tr(Locale::Pl, "no.such.key"), "no.such.key");
    }

    #[test]
    fn the_pseudo_rtl_locale_speaks_english_right_to_left() {
        let text = tr(Locale::PseudoRtl, "status.delivered");
        assert_eq!(text, "\u{202E}Delivered\u{202C}");
        assert_eq!(Locale::PseudoRtl.dir(), "rtl");
        assert_eq!(Locale::PseudoRtl.intl_tag(), "en");
    }

    #[test]
    fn the_explicit_language_wins_then_the_browser_order_then_english() {
        assert_eq!(Locale::resolve(Some("de-AT")), Locale::De);
        assert_eq!(Locale::resolve(Some("xx")), Locale::En);
        assert_eq!(Locale::resolve(None), Locale::En);
        assert_eq!(
            Locale::negotiate(["ja-JP", "nn-NO", "de"]),
            Some(Locale::Nb)
        );
        assert_eq!(Locale::negotiate(["ja", "ko"]), None);
        assert_eq!(Locale::from_tag("ar-xb"), Some(Locale::PseudoRtl));
        assert_eq!(Locale::from_tag("ar"), None);
    }

    #[test]
    fn the_carriers_languages_are_found_whatever_the_region_or_case() {
        let cases = [
            ("fr-BE", Locale::Fr),
            ("fr_CH", Locale::Fr),
            ("FR", Locale::Fr),
            ("it-IT", Locale::It),
            ("it-ch", Locale::It),
            ("es-ES", Locale::Es),
            ("es-419", Locale::Es),
            ("pt-BR", Locale::Pt),
            ("pt-PT", Locale::Pt),
            ("PT_pt", Locale::Pt),
            ("sv-FI", Locale::Sv),
            ("sv-SE", Locale::Sv),
            ("da-DK", Locale::Da),
            ("DA", Locale::Da),
            ("fi-FI", Locale::Fi),
            (" fi ", Locale::Fi),
            ("nl-BE", Locale::Nl),
            ("de-CH", Locale::De),
            ("en-GB", Locale::En),
        ];
        for (tag, locale) in cases {
            assert_eq!(Locale::from_tag(tag), Some(locale), "{tag}");
        }
        // Unknown languages and near-misses that only share a prefix are not guessed at.
        for tag in ["fy", "fil", "ptx", "sq-AL", "", "-"] {
            assert_eq!(Locale::from_tag(tag), None, "{tag:?}");
        }
    }

    /// The loader's table as `build.rs` wrote it for the release build's `trackline.js`.
    fn loader_table() -> serde_json::Map<String, serde_json::Value> {
        let json = include_str!(concat!(env!("OUT_DIR"), "/catalogs.json"));
        serde_json::from_str(json).expect("build.rs writes a JSON object")
    }

    /// What the loader does with a tag (js/trackline.js, `keyOf`, then `CATALOGS[key]`): the
    /// whole tag, trimmed and lowercase, else its language subtag; a catalog name, `""` for a
    /// built-in locale.
    fn loader_catalog_of(
        table: &serde_json::Map<String, serde_json::Value>,
        tag: &str,
    ) -> Option<String> {
        let tag = tag.trim().to_lowercase();
        let language = tag.split(['-', '_']).next().unwrap_or_default();
        table
            .get(&tag)
            .or_else(|| table.get(language))
            .map(|catalog| catalog.as_str().expect("catalogs are strings").to_owned())
    }

    #[test]
    fn the_loader_fetches_for_every_tag_the_catalog_the_widget_then_wants() {
        let table = loader_table();
        // Every tag of the table, with regions and in other cases, and tags no locale serves.
        let mut tags: Vec<String> = Vec::new();
        for tag in table.keys() {
            tags.extend([
                tag.clone(),
                tag.to_uppercase(),
                format!(" {tag}-AT "),
                format!("{tag}_419"),
            ]);
        }
        tags.extend(
            [
                "ar", "ar-XB", "AR_XB", "fy", "fil", "ptx", "sq-AL", "", "-", "x-nb",
            ]
            .map(String::from),
        );
        for tag in &tags {
            let wanted = Locale::from_tag(tag).map(|locale| match locale.is_built_in() {
                true => String::new(),
                false => locale.tag().to_owned(),
            });
            assert_eq!(loader_catalog_of(&table, tag), wanted, "{tag:?}");
        }
        // Every locale is reachable by its own tag, the aliases of Bokmål included.
        for locale in Locale::ALL {
            assert!(
                loader_catalog_of(&table, locale.tag()).is_some(),
                "{}",
                locale.tag()
            );
        }
        for alias in ["no", "nn", "no-NO", "nn_NO"] {
            assert_eq!(loader_catalog_of(&table, alias).as_deref(), Some("nb"));
        }
        assert_eq!(loader_catalog_of(&table, "en-GB").as_deref(), Some(""));
        assert_eq!(loader_catalog_of(&table, "ar-xb").as_deref(), Some(""));
    }

    #[test]
    fn the_loader_draws_right_to_left_for_the_tags_whose_locale_is_written_so() {
        let json = include_str!(concat!(env!("OUT_DIR"), "/right-to-left.json"));
        let listed: Vec<String> = serde_json::from_str(json).expect("build.rs writes a JSON list");
        for key in loader_table().keys() {
            let locale = Locale::from_tag(key).expect("the widget speaks every key of the table");
            assert_eq!(listed.contains(key), locale.dir() == "rtl", "{key}");
        }
        assert_eq!(listed, ["ar-xb"]);
    }

    #[test]
    fn an_unknown_first_preference_falls_to_the_next_then_english() {
        assert_eq!(
            Locale::negotiate(["ja-JP", "sv-FI", "fi-FI"]),
            Some(Locale::Sv)
        );
        assert_eq!(Locale::negotiate(["tlh", "pt-BR", "es"]), Some(Locale::Pt));
        assert_eq!(Locale::negotiate(["xx-YY", "zz"]), None);
        assert_eq!(Locale::resolve(Some("da-DK")), Locale::Da);
        assert_eq!(Locale::resolve(Some("klingon")), Locale::En);
    }

    #[test]
    fn every_locale_round_trips_through_its_tag_and_has_its_own_catalog() {
        let mut tags = BTreeSet::new();
        let mut names = BTreeSet::new();
        for locale in Locale::ALL {
            assert_eq!(Locale::from_tag(locale.tag()), Some(locale));
            assert!(tags.insert(locale.tag()), "{} twice", locale.tag());
            assert!(names.insert(locale.native_name()));
            let first = on_disk(locale).lines().next().unwrap_or_default();
            let name = locale.native_name().to_lowercase();
            assert!(
                first.to_lowercase().contains(&name) || locale == Locale::PseudoRtl,
                "{}: the catalog's first line names another language: {first}",
                locale.tag()
            );
        }
    }

    #[test]
    fn every_real_language_translates_every_state_text() {
        // A key copied over in English would pass the completeness test; the consumer would
        // still read English. Short words that happen to be spelled alike are allowed.
        let allowed_alike = ["step.exception", "map.attribution"];
        for locale in Locale::ALL {
            if matches!(locale, Locale::En | Locale::PseudoRtl) {
                continue;
            }
            for (key, text) in entries(on_disk(locale)) {
                let english = lookup(on_disk(Locale::En), key).unwrap_or_default();
                if (key.starts_with("state.") || key.starts_with("parcel"))
                    && !allowed_alike.contains(&key)
                {
                    assert_ne!(text, english, "{}: {key} is still English", locale.tag());
                }
            }
        }
    }

    #[test]
    fn state_texts_follow_the_locale_and_the_pseudo_locale_mirrors_them() {
        install_from_disk(&[Locale::De, Locale::Fr, Locale::Fi]);
        assert_eq!(
            tr(Locale::De, "state.not_found.title"),
            "Noch keine Sendung gefunden"
        );
        assert_eq!(
            tr_args(Locale::Fr, "state.rate_limited.body", &[("n", "12")]),
            "Nouvel essai dans 12 s."
        );
        assert_eq!(
            tr_args(
                Locale::Fi,
                "announce.status",
                &[("number", "123"), ("status", "Toimitettu")]
            ),
            "Paketti 123: Toimitettu"
        );
        assert_eq!(
            tr(Locale::PseudoRtl, "state.offline.title"),
            "\u{202E}You are offline\u{202C}"
        );
    }

    #[test]
    fn the_built_in_english_has_exactly_the_entries_of_the_file() {
        let built_in: Vec<_> = entries(ENGLISH).collect();
        let file: Vec<_> = entries(on_disk(Locale::En)).collect();
        assert_eq!(built_in, file);
        assert!(!ENGLISH.contains('#'), "comments are left out of the wasm");
        assert!(ENGLISH.len() < on_disk(Locale::En).len());
    }

    #[test]
    fn every_catalog_on_disk_passes_the_checks_of_a_fetched_one() {
        for locale in Locale::ALL {
            assert_eq!(catalogs::check(on_disk(locale)), Ok(()), "{}", locale.tag());
        }
    }

    #[test]
    fn a_malformed_or_empty_catalog_is_refused_with_the_line_at_fault() {
        let html = "<!doctype html>\n<title>Not found</title>";
        assert_eq!(
            catalogs::check(html),
            Err(CatalogError::Malformed {
                line: 1,
                text: "<!doctype html>".into()
            })
        );
        let cases = [
            (
                "# words\nstatus.delivered = Geliefert\nStatus.Unknown = ?",
                3,
            ),
            ("status.delivered =   ", 1),
            (" = Geliefert", 1),
            ("status.delivered Geliefert", 1),
        ];
        for (catalog, line) in cases {
            assert!(
                matches!(catalogs::check(catalog), Err(CatalogError::Malformed { line: l, .. }) if l == line),
                "{catalog:?}"
            );
        }
        assert_eq!(
            catalogs::check("# only a comment\n\n"),
            Err(CatalogError::Empty)
        );
        assert_eq!(catalogs::check(""), Err(CatalogError::Empty));
    }

    #[test]
    fn installing_refuses_a_bad_catalog_and_the_built_in_ones() {
        assert!(matches!(
            install_catalog(Locale::Nl, "<html>"),
            Err(CatalogError::Malformed { line: 1, .. })
        ));
        assert_eq!(
            install_catalog(Locale::En, on_disk(Locale::En)),
            Err(CatalogError::BuiltIn(Locale::En))
        );
        assert_eq!(
            install_catalog(Locale::PseudoRtl, on_disk(Locale::En)),
            Err(CatalogError::BuiltIn(Locale::PseudoRtl))
        );
        // A byte order mark from a text editor is not part of the first line.
        let with_mark = format!("\u{feff}{}", on_disk(Locale::It));
        assert_eq!(install_catalog(Locale::It, &with_mark), Ok(()));
        assert_eq!(tr(Locale::It, "status.delivered"), "Consegnato");
    }

    #[test]
    fn a_locale_is_shown_once_its_catalog_is_here() {
        install_from_disk(&[Locale::Es]);
        assert_eq!(locale_to_show(Locale::Es, None), Locale::Es);
        assert_eq!(locale_to_show(Locale::Es, Some(Locale::En)), Locale::Es);
        assert_eq!(
            locale_to_show(Locale::PseudoRtl, Some(Locale::Es)),
            Locale::PseudoRtl
        );
        assert_eq!(locale_to_show(Locale::En, Some(Locale::Es)), Locale::En);
    }

    #[test]
    fn the_console_message_names_the_language_the_url_and_the_cause() {
        let error = CatalogLoadError {
            locale: Locale::De,
            url: "https://shop.example/trackline/locales/de.txt".into(),
            cause: CatalogError::Http { status: 404 },
        };
        assert_eq!(
            error.to_string(),
            "could not load the German catalog from https://shop.example/trackline/locales/de.txt: HTTP 404"
        );
    }
}
