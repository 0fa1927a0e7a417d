//! What the browser test files share: the page, waiting, the widget's shadow root, and the
//! catalogs on disk. Each test file is its own crate and uses only part of it.
#![allow(dead_code)]

use trackline_widget::i18n::{install_catalog, Locale};
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};

pub fn window() -> web_sys::Window {
    web_sys::window().unwrap()
}

pub fn document() -> web_sys::Document {
    window().document().unwrap()
}

/// Resolves after `ms` milliseconds; 0 lets queued reactive effects and microtasks run.
pub async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        window()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

/// Waits up to `ms` for `done`, and fails the test naming `what` when it never is.
pub async fn until(what: &str, ms: i32, mut done: impl FnMut() -> bool) {
    let mut waited = 0;
    while !done() {
        assert!(waited < ms, "{what} did not happen within {ms} ms");
        sleep(10).await;
        waited += 10;
    }
}

pub fn in_shadow(element: &HtmlElement, selector: &str) -> Option<Element> {
    element
        .shadow_root()
        .expect("an open shadow root")
        .query_selector(selector)
        .unwrap()
}

pub fn all_in_shadow(element: &HtmlElement, selector: &str) -> Vec<Element> {
    let list = element
        .shadow_root()
        .expect("an open shadow root")
        .query_selector_all(selector)
        .unwrap();
    (0..list.length())
        .filter_map(|i| list.item(i)?.dyn_into::<Element>().ok())
        .collect()
}

pub fn text_in_shadow(element: &HtmlElement, selector: &str) -> Option<String> {
    in_shadow(element, selector).and_then(|e| e.text_content())
}

/// The catalog file of a language that is fetched on demand, as a translator left it.
pub fn catalog_on_disk(locale: Locale) -> &'static str {
    match locale {
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
        Locale::En | Locale::PseudoRtl => panic!("{locale:?} is built in, not fetched"),
    }
}

/// What a page does once a catalog arrived from the `locales/` folder, for tests about the
/// words rather than about fetching them (tests/browser_locales.rs is about that).
pub fn install(locale: Locale) {
    install_catalog(locale, catalog_on_disk(locale)).expect("the catalog on disk is well formed");
}
