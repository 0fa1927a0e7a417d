//! Joins the widget's stylesheets into one (the details' rules below the headline and the
//! overview's apart, each a stylesheet that comes with its code) and drops what only their authors need (comments,
//! indentation, spaces around punctuation), and does the same for the English catalog (comments,
//! blank lines, spaces around `=`): both ship inside the wasm, so every byte of them is downloaded
//! by every consumer. The other catalogs are fetched as translators wrote them.
//!
//! It also writes the table of which catalog serves which language tag (src/i18n/languages.rs,
//! the table the widget reads) as `catalogs.json`, for the loader: a release build puts it into
//! `trackline.js` (scripts/minify-release.mjs), which starts the consumer's catalog beside the wasm,
//! and core's names of the link's language parameter as `language-parameters.json`, by which the
//! loader finds the language a link asks for, the GS1 Digital Link path keys
//! (`digital-link-keys.json`) and where the tab keeps an access key (`session-key-item.json`), by
//! which it tells a page that names nothing, and the proxy's route of answers ahead
//! (`answers-route.json`), by which the loader asks for a page's answers before the wasm runs.
//! The loading placeholders' outlines (`parcel-outline.html`, `form-outline.html`) are joined
//! here for the wasm; a release build's loader draws them too, with the joined stylesheet, while
//! the wasm downloads.

use std::path::{Path, PathBuf};
use std::{env, fs};

/// The widget's table of languages; its lookup function is the widget's, not used here.
#[allow(dead_code)]
#[path = "src/i18n/languages.rs"]
mod languages;

/// Core's names of link parameters that the loader reads.
#[path = "crates/core/src/reference/parameter_names.rs"]
mod parameter_names;

/// Core's routes of the proxy that the loader asks.
#[path = "crates/core/src/proxy_routes.rs"]
mod proxy_routes;

/// Where the tab keeps an access key, which the loader looks for.
#[path = "src/session_key.rs"]
mod session_key;

/// Theme variables first, so that the rules after them can use them.
const SOURCES: [&str; 3] = ["style/theme.css", "style/widget.css", "style/details.css"];
/// Rules that come with the code of a module fetched later, each written on its own: the
/// timeline's, the pickup point's and the map's (shown by the details after the headline), and
/// the overview's of a key's shipments.
const LATER_SOURCES: [(&str, &str); 2] = [
    ("style/details-later.css", "details-later.css"),
    ("style/overview.css", "overview.css"),
];

/// The outlines of the loading placeholders, markup with no words: the parcel's and the form's.
const OUTLINES: [(&str, &str); 2] = [
    ("src/states/parcel-outline.html", "parcel-outline.html"),
    ("src/states/form-outline.html", "form-outline.html"),
];

fn main() {
    split_release_wasm();
    let mut joined = String::new();
    for source in SOURCES {
        println!("cargo:rerun-if-changed={source}");
        let text = fs::read_to_string(source)
            .unwrap_or_else(|error| panic!("cannot read the stylesheet {source}: {error}"));
        joined.push_str(&text);
        joined.push('\n');
    }
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    fs::write(out.join("widget.css"), minify(&joined)).expect("cannot write the joined stylesheet");
    // The rules that come with their code (details/mod.rs, overview.rs).
    for (source, written) in LATER_SOURCES {
        rewrite(&out, source, written, minify);
    }
    // The placeholders' outlines (src/states/mod.rs), which a release build's loader draws too.
    for (source, written) in OUTLINES {
        rewrite(&out, source, written, joined_markup);
    }

    let english = "locales/en.txt";
    println!("cargo:rerun-if-changed={english}");
    let text = fs::read_to_string(english)
        .unwrap_or_else(|error| panic!("cannot read the English catalog {english}: {error}"));
    fs::write(out.join("en.txt"), entries_only(&text)).expect("cannot write the English catalog");

    write_loader_table(&out);
}

/// The loader's tables of languages, JSON objects it reads as they are, keyed by every tag it
/// looks up (each language subtag, and the pseudo locale's whole tag, lowercase, as the widget
/// matches it in any case):
/// - `catalogs.json`: the catalog it fetches for the tag, `""` for a locale built into the wasm;
/// - `intl-tags.json`: the tag the tag's locale gives `Intl`, for the glue to make the headline's
///   date formatters while the wasm downloads;
/// - `right-to-left.json`, a list: the keys whose locale is written right to left, for the
///   direction of the placeholder the loader draws.
fn write_loader_table(out: &Path) {
    println!("cargo:rerun-if-changed=src/i18n/languages.rs");
    let catalog = |locale: &'static str| {
        if languages::BUILT_IN.contains(&locale) {
            ""
        } else {
            locale
        }
    };
    write_tag_table(out, "catalogs.json", catalog);
    write_tag_table(out, "intl-tags.json", languages::intl_tag);
    let right_to_left: Vec<String> = tag_keys()
        .filter(|(_, locale)| languages::dir(locale) == "rtl")
        .map(|(key, _)| key)
        .collect();
    write_json_list(out, "right-to-left.json", &right_to_left);

    println!("cargo:rerun-if-changed=crates/core/src/reference/parameter_names.rs");
    write_json_list(out, "language-parameters.json", &parameter_names::LANGUAGE);
    write_json_list(
        out,
        "digital-link-keys.json",
        &parameter_names::DIGITAL_LINK_KEYS,
    );
    println!("cargo:rerun-if-changed=src/session_key.rs");
    write_json(
        out,
        "session-key-item.json",
        &quoted(session_key::SESSION_KEY_ITEM),
    );
    println!("cargo:rerun-if-changed=crates/core/src/proxy_routes.rs");
    write_json(
        out,
        "answers-route.json",
        &quoted(proxy_routes::ANSWERS_ROUTE),
    );
}

/// `text` as a JSON string: the loader's names and paths have no quote or backslash to escape.
fn quoted(text: &str) -> String {
    assert!(!text.contains(['"', '\\']), "{text}: a character to escape");
    format!("\"{text}\"")
}

/// Writes `name` for the loader: `texts` as a JSON list of strings.
fn write_json_list(out: &Path, name: &str, texts: &[impl AsRef<str>]) {
    let quoted: Vec<String> = texts.iter().map(|text| quoted(text.as_ref())).collect();
    write_json(out, name, &format!("[{}]", quoted.join(",")));
}

fn write_json(out: &Path, name: &str, json: &str) {
    fs::write(out.join(name), format!("{json}\n"))
        .unwrap_or_else(|error| panic!("cannot write the loader's {name}: {error}"));
}

/// Writes `name`: each tag the loader looks up and `value` of the tag of its locale.
fn write_tag_table(out: &Path, name: &str, value: impl Fn(&'static str) -> &'static str) {
    let entries: Vec<String> = tag_keys()
        .map(|(key, locale)| format!("\"{key}\":\"{}\"", value(locale)))
        .collect();
    write_json(out, name, &format!("{{{}}}", entries.join(",")));
}

/// The keys of the loader's tables (each language subtag, and the pseudo locale's whole tag,
/// lowercase), each with the tag of the locale that serves it.
fn tag_keys() -> impl Iterator<Item = (String, &'static str)> {
    let whole = [(languages::PSEUDO_RTL_TAG, languages::PSEUDO_RTL_TAG)];
    languages::SUBTAGS
        .into_iter()
        .chain(whole)
        .map(|(tag, locale)| (tag.to_ascii_lowercase(), locale))
}

/// A release build of the widget's wasm is split after linking (scripts/split-release.mjs):
/// `trackline_split` turns on the split points (the details below the headline, the overview,
/// the readers of the carriers' answers, the views of the states an answer brings and of the form),
/// and the linker keeps the relocations the splitter needs to move functions into the modules
/// fetched later. Development builds, tests and `trunk serve` stay one module.
fn split_release_wasm() {
    println!("cargo:rustc-check-cfg=cfg(trackline_split)");
    let wasm = env::var("CARGO_CFG_TARGET_ARCH").is_ok_and(|arch| arch == "wasm32");
    let release = env::var("PROFILE").is_ok_and(|profile| profile == "release");
    if wasm && release {
        println!("cargo:rustc-cfg=trackline_split");
        println!("cargo:rustc-cdylib-link-arg=--emit-relocs");
    }
}

/// Writes `written` into `out`: `source`, read and passed through `shrink`.
fn rewrite(out: &Path, source: &str, written: &str, shrink: fn(&str) -> String) {
    println!("cargo:rerun-if-changed={source}");
    let text =
        fs::read_to_string(source).unwrap_or_else(|error| panic!("cannot read {source}: {error}"));
    fs::write(out.join(written), shrink(&text))
        .unwrap_or_else(|error| panic!("cannot write {written}: {error}"));
}

/// An outline as the widget inserts it: its comments dropped, each line trimmed and the lines
/// joined. An outline has no words, so no space between its tags means anything.
fn joined_markup(markup: &str) -> String {
    let mut rest = markup;
    let mut kept = String::with_capacity(markup.len());
    while let Some(start) = rest.find("<!--") {
        kept.push_str(&rest[..start]);
        let end = rest[start..]
            .find("-->")
            .unwrap_or_else(|| panic!("an outline's comment is not closed"));
        rest = &rest[start + end + 3..];
    }
    kept.push_str(rest);
    kept.lines().map(str::trim).collect()
}

/// The `key=text` lines of a catalog, one a line. Lines that are neither comments nor entries are
/// kept as they are, for the catalog tests to find.
fn entries_only(catalog: &str) -> String {
    let mut out = String::with_capacity(catalog.len());
    for line in catalog.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match line.split_once('=') {
            Some((key, text)) => {
                out.push_str(key.trim());
                out.push('=');
                out.push_str(text.trim());
            }
            None => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

/// Characters around which whitespace never matters. Not `:` before it (`a :hover` is not
/// `a:hover`), nor `+`/`-` (`calc()` needs their spaces).
fn tight_before(c: char) -> bool {
    matches!(c, '{' | '}' | ';' | ',' | '>' | ')')
}
fn tight_after(c: char) -> bool {
    matches!(c, '{' | '}' | ';' | ',' | '>' | '(' | ':')
}

fn minify(css: &str) -> String {
    let mut out = String::with_capacity(css.len());
    let mut chars = css.chars().peekable();
    let mut pending_space = false;
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut previous = '\0';
                for inner in chars.by_ref() {
                    if previous == '*' && inner == '/' {
                        break;
                    }
                    previous = inner;
                }
                pending_space = true;
            }
            c if c.is_whitespace() => pending_space = true,
            '"' | '\'' => {
                push_space(&mut out, &mut pending_space, c);
                out.push(c);
                // Strings are copied as they are, escapes included.
                let mut escaped = false;
                for inner in chars.by_ref() {
                    out.push(inner);
                    if escaped {
                        escaped = false;
                    } else if inner == '\\' {
                        escaped = true;
                    } else if inner == c {
                        break;
                    }
                }
            }
            '}' => {
                if out.ends_with(';') {
                    out.pop();
                }
                pending_space = false;
                out.push(c);
            }
            c => {
                push_space(&mut out, &mut pending_space, c);
                out.push(c);
            }
        }
    }
    out
}

fn push_space(out: &mut String, pending: &mut bool, next: char) {
    if *pending && !out.is_empty() && !tight_before(next) && !out.ends_with(tight_after) {
        out.push(' ');
    }
    *pending = false;
}
