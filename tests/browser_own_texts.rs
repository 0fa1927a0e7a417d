//! Browser tests of the page's own texts (`<script type="text/plain" data-trackline-texts>`), in a
//! page of their own, since the texts they install stay for the page's lifetime:
//! `cargo test -p trackline-widget --target wasm32-unknown-unknown --test browser_own_texts`.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;
use web_sys::HtmlElement;

wasm_bindgen_test_configure!(run_in_browser);

mod support;
use support::{document, in_shadow, until};
use trackline_widget::i18n::{tr, tr_args, Locale};

#[wasm_bindgen(inline_js = r#"
const warnings = [];
const realWarn = console.warn;
console.warn = (...args) => {
  warnings.push(args.join(" "));
  realWarn(...args);
};
export function consoleWarnings() { return warnings.slice(); }
"#)]
extern "C" {
    #[wasm_bindgen(js_name = consoleWarnings)]
    fn console_warnings() -> Vec<String>;
}

fn add_texts(lang: &str, texts: &str) {
    let script = document().create_element("script").unwrap();
    script.set_attribute("type", "text/plain").unwrap();
    script.set_attribute("data-trackline-texts", "").unwrap();
    script.set_attribute("lang", lang).unwrap();
    script.set_text_content(Some(texts));
    document().head().unwrap().append_child(&script).unwrap();
}

fn text(element: &HtmlElement, selector: &str) -> String {
    in_shadow(element, selector)
        .and_then(|node| node.text_content())
        .unwrap_or_default()
        .trim()
        .to_owned()
}

#[wasm_bindgen_test]
async fn the_pages_own_texts_replace_the_widgets_and_those_that_cannot_be_used_are_named() {
    add_texts(
        "en",
        "# The shop's words\n\
         state.no_reference.title = Where is my order?\n\
         state.no_reference.submit = Find it\n\
         no.such.key = Nothing\n\
         overview.page = Page {page}\n\
         overview.previous = Back\n\
         just words, no key\n\
         overview.next = Onwards\n",
    );
    add_texts("en-GB", "overview.previous = Earlier\n");
    add_texts("xx", "state.no_reference.title = Never\n");
    add_texts("de", "<p>not a catalog</p>\n");
    // The module's start reads them, before any widget is mounted.
    trackline_widget::start();
    let element: HtmlElement = document()
        .create_element("trackline-widget")
        .unwrap()
        .unchecked_into();
    element.set_attribute("lang", "en").unwrap();
    document().body().unwrap().append_child(&element).unwrap();
    until("the form", 5_000, || {
        in_shadow(&element, "[data-testid=no-reference]").is_some()
    })
    .await;
    assert_eq!(text(&element, ".tl-state-title"), "Where is my order?");
    assert_eq!(text(&element, "[data-testid=entry-submit]"), "Find it");
    // A later element's text of the same key wins; a text that drops a placeholder is not used.
    assert_eq!(tr(Locale::En, "overview.previous"), "Earlier");
    // A line that is no entry leaves the others of its element in use.
    assert_eq!(tr(Locale::En, "overview.next"), "Onwards");
    assert_eq!(
        tr_args(
            Locale::En,
            "overview.page",
            &[("page", "1"), ("pages", "2")]
        ),
        "Page 1 of 2"
    );
    // Other languages keep their words.
    assert_ne!(
        tr(Locale::PseudoRtl, "state.no_reference.title"),
        "Where is my order?"
    );

    let warnings = console_warnings().join("\n");
    assert!(
        warnings.contains("`no.such.key` is not a key"),
        "{warnings}"
    );
    assert!(
        warnings.contains("`overview.page` must keep the placeholders"),
        "{warnings}"
    );
    assert!(
        warnings.contains("\"xx\" is none of the widget's languages"),
        "{warnings}"
    );
    assert!(
        warnings.contains("one of the page's German texts is not used: line 1 is not `key = text`"),
        "{warnings}"
    );
    element.remove();
}
