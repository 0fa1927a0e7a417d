//! The catalogs of the languages that are not built in: fetched once per page from the
//! `locales/` folder beside the widget's files, on the first need of any widget, and kept for the
//! page's lifetime.
//!
//! A widget asks for the locale it wants with [`locale_to_show`], inside a memo: the answer is the
//! wanted locale once its catalog is here, and until then the locale it already showed (English at
//! first), so that no key and no half-translated view is ever shown. When a catalog arrives or
//! fails, one page-wide trigger re-runs those memos.
//!
//! The loader (`trackline.js`) starts fetching the catalog that the widgets on the page will pick
//! while the wasm is still on its way, and hands the pending responses over with the folder's URL
//! ([`use_started_fetches`]): a widget that wants one of those languages reads that response
//! instead of asking again, and any other language is fetched when a widget first needs it.

use std::cell::RefCell;
use std::sync::Mutex;

use leptos::prelude::{ArcTrigger, Notify, Track};

use super::{content_lines, entries, Locale};

/// What is known of one locale's catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Absent,
    Loading,
    Ready(&'static str),
    /// Reported once in the console; the page stays in English for this language.
    Failed,
}

/// One slot per locale, indexed by the locale's position in [`Locale::ALL`]. A `Mutex` rather
/// than a thread-local so that the native tests, which run on several threads, share it; in the
/// single-threaded wasm it never waits.
static SLOTS: Mutex<[Slot; Locale::ALL.len()]> = Mutex::new([Slot::Absent; Locale::ALL.len()]);

thread_local! {
    /// Notified whenever a catalog becomes ready or fails: the memos that chose a locale re-run.
    static CHANGED: ArcTrigger = ArcTrigger::new();
    /// Where the `locales/` folder is, as `trackline.js` tells it; `None` until then.
    static LOCALES_URL: RefCell<Option<String>> = const { RefCell::new(None) };
    /// The responses of the catalog fetches the loader started before the wasm ran, by locale,
    /// until a widget needs that language.
    static STARTED: RefCell<Vec<(Locale, js_sys::Promise)>> = const { RefCell::new(Vec::new()) };
}

/// Why a catalog could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogError {
    #[error("HTTP {status}")]
    Http { status: u16 },
    #[error("network error ({0})")]
    Network(String),
    #[error("line {line} is not a comment, a blank line or `key = text`: {text:?}")]
    Malformed { line: usize, text: String },
    #[error("it has no entries")]
    Empty,
    #[error("the {} words are built into the widget and cannot be replaced", .0.english_name())]
    BuiltIn(Locale),
}

/// A catalog that was asked for and could not be used, with where it was looked for: what the
/// merchant reads in the console.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("could not load the {} catalog from {url}: {cause}", .locale.english_name())]
pub struct CatalogLoadError {
    pub locale: Locale,
    pub url: String,
    pub cause: CatalogError,
}

fn index(locale: Locale) -> usize {
    locale as usize
}

fn slot(locale: Locale) -> Slot {
    SLOTS.lock().unwrap_or_else(|p| p.into_inner())[index(locale)]
}

fn set_slot(locale: Locale, slot: Slot) {
    SLOTS.lock().unwrap_or_else(|p| p.into_inner())[index(locale)] = slot;
}

/// Re-runs the memos that chose a locale: a catalog became ready, or will never be.
fn notify_widgets() {
    CHANGED.with(|changed| changed.notify());
}

/// The catalog of a locale that is not built in, once it is here.
pub(super) fn loaded(locale: Locale) -> Option<&'static str> {
    match slot(locale) {
        Slot::Ready(catalog) => Some(catalog),
        _ => None,
    }
}

/// Checks a catalog as strictly as the tests check the files on disk: every line a comment, a
/// blank or `key = text` with a key of lowercase letters, `_` and `.` and a text that is not
/// empty. A page that answers with an HTML error page fails on its first line.
pub(super) fn check(catalog: &str) -> Result<(), CatalogError> {
    for (line, text) in content_lines(catalog) {
        let well_formed = text.split_once('=').is_some_and(|(key, text)| {
            let key = key.trim();
            !key.is_empty()
                && key
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '_' || c == '.')
                && !text.trim().is_empty()
        });
        if !well_formed {
            return Err(CatalogError::Malformed {
                line,
                text: text.chars().take(80).collect(),
            });
        }
    }
    if entries(catalog).next().is_none() {
        return Err(CatalogError::Empty);
    }
    Ok(())
}

/// Makes `catalog` the words of `locale` for the rest of the page, after the same checks as a
/// fetched one, and re-words the widgets that wait for it. For pages and tests that bring their
/// catalogs themselves; a locale installed this way is never fetched.
pub fn install_catalog(locale: Locale, catalog: &str) -> Result<(), CatalogError> {
    if locale.is_built_in() {
        return Err(CatalogError::BuiltIn(locale));
    }
    // Editors on some systems start a UTF-8 file with a byte order mark.
    let catalog = catalog.strip_prefix('\u{feff}').unwrap_or(catalog);
    check(catalog)?;
    // Kept for the page's lifetime, as every catalog is: one allocation per language.
    let catalog: &'static str = Box::leak(catalog.to_owned().into_boxed_str());
    set_slot(locale, Slot::Ready(catalog));
    notify_widgets();
    Ok(())
}

/// Tells the widget where the `locales/` folder of catalogs is (an absolute URL ending in `/`).
/// `trackline.js` passes the folder beside itself; without it, `locales/` is looked for relative
/// to the page.
pub fn set_locales_url(url: String) {
    LOCALES_URL.with_borrow_mut(|known| *known = Some(url));
}

/// Takes over the catalog fetches the loader started beside the wasm: `started` maps a catalog's
/// name (`pl`, as in `locales/pl.txt`) to the promise of its `fetch` response. A widget that
/// needs one of those languages reads that response instead of fetching the file again, with the
/// same checks and the same fallback when it fails. Names of no fetched catalog are ignored.
pub fn use_started_fetches(started: &js_sys::Object) {
    use wasm_bindgen::JsCast;
    for entry in js_sys::Object::entries(started).iter() {
        let pair: js_sys::Array = entry.unchecked_into();
        let (Some(name), Ok(response)) = (
            pair.get(0).as_string(),
            pair.get(1).dyn_into::<js_sys::Promise>(),
        ) else {
            continue;
        };
        let Some(locale) = Locale::from_tag(&name).filter(|locale| !locale.is_built_in()) else {
            continue;
        };
        STARTED.with_borrow_mut(|started| {
            started.retain(|(known, _)| *known != locale);
            started.push((locale, response));
        });
    }
}

/// The response the loader started for `locale`; taken once, by the one load of that catalog.
fn take_started(locale: Locale) -> Option<js_sys::Promise> {
    STARTED.with_borrow_mut(|started| {
        let at = started.iter().position(|(known, _)| *known == locale)?;
        Some(started.swap_remove(at).1)
    })
}

fn catalog_url(locale: Locale) -> String {
    let base = LOCALES_URL
        .with_borrow(Clone::clone)
        .unwrap_or_else(|| "locales/".to_owned());
    format!("{base}{}.txt", locale.tag())
}

/// The locale a widget shows when it wants `wanted` and showed `shown` so far: `wanted` once its
/// catalog is here (the first call starts loading it), the locale already shown while it loads,
/// and English when it cannot be loaded. Reactive: call it inside a memo, which re-runs when the
/// catalog arrives.
pub fn locale_to_show(wanted: Locale, shown: Option<Locale>) -> Locale {
    if wanted.is_built_in() {
        return wanted;
    }
    CHANGED.with(|changed| changed.track());
    match slot(wanted) {
        Slot::Ready(_) => wanted,
        Slot::Failed => Locale::En,
        Slot::Loading => shown.unwrap_or_default(),
        Slot::Absent => {
            // Not notified: nothing changes for the widgets until the catalog is here.
            set_slot(wanted, Slot::Loading);
            leptos::task::spawn_local(load(wanted));
            shown.unwrap_or_default()
        }
    }
}

/// Whether the words of `wanted` are settled: built in, here, or failed to load (then the widget
/// stays in English). Read inside a reactive scope, it re-runs when a catalog arrives or fails.
pub fn is_settled(wanted: Locale) -> bool {
    if wanted.is_built_in() {
        return true;
    }
    CHANGED.with(|changed| changed.track());
    matches!(slot(wanted), Slot::Ready(_) | Slot::Failed)
}

async fn load(locale: Locale) {
    // The widgets already on the page mount while the wasm starts, before `trackline.js` has
    // said where the catalogs are; it does so right after, in the same task, so waiting for the
    // next task is enough.
    crate::states::wait::sleep(0).await;
    let url = catalog_url(locale);
    let fetched = match take_started(locale) {
        Some(response) => started_text(response).await,
        None => fetch_text(&url).await,
    };
    let result = fetched.and_then(|text| install_catalog(locale, &text));
    if let Err(cause) = result {
        set_slot(locale, Slot::Failed);
        notify_widgets();
        let error = CatalogLoadError { locale, url, cause };
        web_sys::console::error_1(&format!("Trackline: {error}").into());
    }
}

async fn fetch_text(url: &str) -> Result<String, CatalogError> {
    let response = gloo_net::http::Request::get(url)
        .send()
        .await
        .map_err(network)?;
    response_text(response).await
}

/// The text of a fetch the loader started: a rejected promise is the network error that
/// [`fetch_text`] reports for its own request (`TypeError: Failed to fetch`).
async fn started_text(response: js_sys::Promise) -> Result<String, CatalogError> {
    use wasm_bindgen::JsCast;
    let settled = wasm_bindgen_futures::JsFuture::from(response).await;
    let response = settled
        .and_then(|value| value.dyn_into::<web_sys::Response>())
        .map_err(|error| {
            CatalogError::Network(match error.dyn_ref::<js_sys::Error>() {
                Some(error) => String::from(error.to_string()),
                None => format!("{error:?}"),
            })
        })?;
    response_text(response.into()).await
}

fn network(error: gloo_net::Error) -> CatalogError {
    CatalogError::Network(error.to_string())
}

async fn response_text(response: gloo_net::http::Response) -> Result<String, CatalogError> {
    if !response.ok() {
        return Err(CatalogError::Http {
            status: response.status(),
        });
    }
    // `text()` decodes UTF-8 whatever charset the server names.
    response.text().await.map_err(network)
}
