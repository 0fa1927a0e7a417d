//! Browser tests of the catalogs fetched on demand, in a page of their own so that no catalog is
//! loaded before a test asks for it. The page's `fetch` is replaced for `/locales/` URLs only,
//! the way a server would answer them:
//! `cargo test -p trackline-widget --target wasm32-unknown-unknown --test browser_locales`.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;
use web_sys::HtmlElement;

wasm_bindgen_test_configure!(run_in_browser);

mod support;
use support::{catalog_on_disk, document, in_shadow, sleep, until};
use trackline_widget::i18n::Locale;

/// Where the tests say the catalogs are; nothing listens there, the stub answers first.
const LOCALES_URL: &str = "https://widget.example/trackline/locales/";

#[wasm_bindgen(inline_js = r#"
const requests = [];
const answers = new Map();
const gates = new Map();
const realFetch = globalThis.fetch;
globalThis.fetch = (input, init) => {
  const url = typeof input === "string" ? input : input.url;
  if (!url.includes("/locales/")) return realFetch(input, init);
  requests.push(url);
  const file = url.slice(url.lastIndexOf("/") + 1);
  return (gates.get(file)?.promise ?? Promise.resolve()).then(() => {
    const answer = answers.get(file);
    if (!answer) return new Response("", { status: 404 });
    if (answer.status === 0) throw new TypeError("Failed to fetch");
    return new Response(answer.body, {
      status: answer.status,
      headers: { "content-type": "text/plain; charset=utf-8" },
    });
  });
};
const errors = [];
const realError = console.error;
console.error = (...args) => {
  errors.push(args.join(" "));
  realError(...args);
};
export function answerCatalog(file, status, body) { answers.set(file, { status, body }); }
export function holdCatalog(file) {
  const gate = {};
  gate.promise = new Promise((resolve) => { gate.open = resolve; });
  gates.set(file, gate);
}
export function releaseCatalog(file) { gates.get(file).open(); }
export function requestsFor(file) { return requests.filter((url) => url.endsWith("/" + file)); }
export function consoleErrors() { return errors.slice(); }
export function startedCatalog(name, status, body) {
  const response = status === 0
    ? Promise.reject(new TypeError("Failed to fetch"))
    : Promise.resolve(new Response(body, { status }));
  response.catch(() => {});
  return { [name]: response };
}
"#)]
extern "C" {
    /// Answers `<base>/<file>` with `status` and `body`; status 0 is a network failure.
    #[wasm_bindgen(js_name = answerCatalog)]
    fn answer_catalog(file: &str, status: u16, body: &str);
    /// Keeps the answer for `file` back until [`release_catalog`]. Tests may run interleaved:
    /// each holds only its own language.
    #[wasm_bindgen(js_name = holdCatalog)]
    fn hold_catalog(file: &str);
    #[wasm_bindgen(js_name = releaseCatalog)]
    fn release_catalog(file: &str);
    /// The URLs fetched for one catalog file, in order.
    #[wasm_bindgen(js_name = requestsFor)]
    fn requests_for(file: &str) -> Vec<String>;
    #[wasm_bindgen(js_name = consoleErrors)]
    fn console_errors() -> Vec<String>;
    /// What the loader hands over for a catalog it started: `{ name: Promise<Response> }`, the
    /// response answered with `status` and `body`; status 0 is a network failure.
    #[wasm_bindgen(js_name = startedCatalog)]
    fn started_catalog(name: &str, status: u16, body: &str) -> js_sys::Object;
}

/// A widget without a reference (its form needs no carrier) in language `lang`.
fn widget(lang: &str) -> HtmlElement {
    trackline_widget::start();
    trackline_widget::i18n::set_locales_url(LOCALES_URL.to_owned());
    let element: HtmlElement = document()
        .create_element("trackline-widget")
        .unwrap()
        .unchecked_into();
    element.set_attribute("lang", lang).unwrap();
    document().body().unwrap().append_child(&element).unwrap();
    element
}

fn submit_text(element: &HtmlElement) -> String {
    in_shadow(element, "[data-testid=entry-submit]")
        .and_then(|button| button.text_content())
        .unwrap_or_default()
        .trim()
        .to_owned()
}

fn card_lang(element: &HtmlElement) -> Option<String> {
    in_shadow(element, "[data-testid=widget]")?.get_attribute("lang")
}

#[wasm_bindgen_test]
async fn a_catalog_loaded_on_demand_switches_the_visible_text_once_it_arrives() {
    answer_catalog("sv.txt", 200, catalog_on_disk(Locale::Sv));
    hold_catalog("sv.txt");
    let element = widget("sv-FI");
    // While the Swedish words are on their way, the widget speaks English, never keys.
    sleep(50).await;
    assert_eq!(submit_text(&element), "Track");
    assert_eq!(card_lang(&element).as_deref(), Some("en"));
    assert_eq!(
        requests_for("sv.txt"),
        vec![format!("{LOCALES_URL}sv.txt")],
        "fetched from the folder the loader named"
    );
    release_catalog("sv.txt");
    until("the switch to Swedish", 2_000, || {
        card_lang(&element).as_deref() == Some("sv")
    })
    .await;
    let swedish = trackline_widget::i18n::tr(Locale::Sv, "state.no_reference.submit");
    assert_ne!(swedish, "Track");
    assert_eq!(submit_text(&element), swedish);
    let about_swedish = |e: &String| e.contains("Swedish");
    assert!(
        !console_errors().iter().any(about_swedish),
        "{:?}",
        console_errors()
    );
    element.remove();
}

#[wasm_bindgen_test]
async fn many_widgets_on_a_page_fetch_a_language_once() {
    answer_catalog("nl.txt", 200, catalog_on_disk(Locale::Nl));
    hold_catalog("nl.txt");
    let widgets: Vec<_> = ["nl", "nl-BE", "nl"].into_iter().map(widget).collect();
    sleep(30).await;
    release_catalog("nl.txt");
    for element in &widgets {
        until("the switch to Dutch", 2_000, || {
            card_lang(element).as_deref() == Some("nl")
        })
        .await;
    }
    // One mounted later, and a language switch back and forth, use the catalog already here.
    let later = widget("nl");
    assert_eq!(
        card_lang(&later).as_deref(),
        Some("nl"),
        "no wait for a loaded catalog"
    );
    widgets[0].set_attribute("lang", "en").unwrap();
    sleep(20).await;
    widgets[0].set_attribute("lang", "nl").unwrap();
    sleep(20).await;
    assert_eq!(card_lang(&widgets[0]).as_deref(), Some("nl"));
    assert_eq!(requests_for("nl.txt").len(), 1);
    for element in widgets.iter().chain([&later]) {
        element.remove();
    }
}

#[wasm_bindgen_test]
async fn a_missing_catalog_keeps_english_and_says_why_once() {
    // Nothing answers da.txt: the stub's 404.
    let first = widget("da");
    let message =
        format!("Trackline: could not load the Danish catalog from {LOCALES_URL}da.txt: HTTP 404");
    until("the console message", 2_000, || {
        console_errors().contains(&message)
    })
    .await;
    assert_eq!(card_lang(&first).as_deref(), Some("en"));
    assert_eq!(submit_text(&first), "Track");
    let second = widget("da-DK");
    sleep(50).await;
    assert_eq!(card_lang(&second).as_deref(), Some("en"));
    assert_eq!(
        requests_for("da.txt").len(),
        1,
        "a failed language is not asked again"
    );
    let said = console_errors().iter().filter(|e| **e == message).count();
    assert_eq!(said, 1, "{:?}", console_errors());
    first.remove();
    second.remove();
}

#[wasm_bindgen_test]
async fn an_html_page_or_a_network_failure_instead_of_a_catalog_keeps_english() {
    answer_catalog("pl.txt", 200, "<!doctype html>\n<title>Shop</title>");
    answer_catalog("fi.txt", 0, "");
    let polish = widget("pl");
    let finnish = widget("fi");
    until("both console messages", 2_000, || {
        let errors = console_errors();
        errors.iter().any(|e| {
            e.starts_with(&format!("Trackline: could not load the Polish catalog from {LOCALES_URL}pl.txt: line 1 "))
        }) && errors.iter().any(|e| {
            e.starts_with(&format!("Trackline: could not load the Finnish catalog from {LOCALES_URL}fi.txt: network error"))
        })
    })
    .await;
    for element in [&polish, &finnish] {
        assert_eq!(card_lang(element).as_deref(), Some("en"));
        assert_eq!(submit_text(element), "Track");
    }
    polish.remove();
    finnish.remove();
}

#[wasm_bindgen_test]
async fn a_language_switch_keeps_the_words_shown_until_the_next_catalog_is_here() {
    answer_catalog("it.txt", 200, catalog_on_disk(Locale::It));
    answer_catalog("es.txt", 200, catalog_on_disk(Locale::Es));
    let element = widget("it");
    until("the switch to Italian", 2_000, || {
        card_lang(&element).as_deref() == Some("it")
    })
    .await;
    let italian = submit_text(&element);
    hold_catalog("es.txt");
    element.set_attribute("lang", "es").unwrap();
    sleep(50).await;
    assert_eq!(card_lang(&element).as_deref(), Some("it"));
    assert_eq!(submit_text(&element), italian);
    release_catalog("es.txt");
    until("the switch to Spanish", 2_000, || {
        card_lang(&element).as_deref() == Some("es")
    })
    .await;
    assert_ne!(submit_text(&element), italian);
    element.remove();
}

/// A widget in `lang` tracking an InPost number that every carrier request answers as not
/// found; the returned cell counts those requests.
fn not_found_widget(lang: &str) -> (HtmlElement, std::rc::Rc<std::cell::Cell<u32>>) {
    use trackline_widget::fetch::{Network, RawResponse, StubFuture, StubRequest};
    let asked = std::rc::Rc::new(std::cell::Cell::new(0));
    let count = asked.clone();
    let network = Network::stubbed(move |_: StubRequest| -> StubFuture {
        count.set(count.get() + 1);
        Box::pin(async {
            Ok(RawResponse {
                status: 404,
                content_type: Some("application/problem+json".into()),
                retry_after: None,
                body: br#"{"type":"https://trackline.dev/problems/not-found","status":404}"#
                    .to_vec(),
            })
        })
    });
    let element = trackline_widget::loader::with_network(network, || widget(lang));
    element
        .set_attribute("number", "520000011395200025009871")
        .unwrap();
    (element, asked)
}

fn not_found_title(element: &HtmlElement) -> Option<String> {
    in_shadow(
        element,
        "[data-testid=state-not-found] [data-testid=state-title]",
    )
    .and_then(|title| title.text_content())
}

#[wasm_bindgen_test]
async fn an_answer_that_comes_before_its_catalog_waits_for_it_and_is_shown_in_its_language() {
    use trackline_widget::i18n::tr;

    answer_catalog("pt.txt", 200, catalog_on_disk(Locale::Pt));
    hold_catalog("pt.txt");
    let (element, asked) = not_found_widget("pt-BR");
    until("the carriers' answer", 2_000, || asked.get() > 0).await;
    // The answer is here, the Portuguese words are not: the placeholder stays, and no English.
    sleep(100).await;
    assert_eq!(not_found_title(&element), None);
    assert!(in_shadow(&element, "[data-testid=state-loading]").is_some());
    let asked_before = asked.get();
    release_catalog("pt.txt");
    until("the answer in Portuguese", 2_000, || {
        not_found_title(&element).is_some()
    })
    .await;
    assert_eq!(card_lang(&element).as_deref(), Some("pt"));
    assert_eq!(
        not_found_title(&element).unwrap(),
        tr(Locale::Pt, "state.not_found.title")
    );
    sleep(50).await;
    assert_eq!(
        asked.get(),
        asked_before,
        "the carriers were not asked again"
    );
    element.remove();
}

#[wasm_bindgen_test]
async fn an_answer_once_shown_stays_while_the_next_language_s_catalog_is_on_its_way() {
    use trackline_widget::i18n::tr;

    let (element, asked) = not_found_widget("en");
    until("the answer in English", 2_000, || {
        not_found_title(&element).is_some()
    })
    .await;
    let asked_before = asked.get();
    answer_catalog("de.txt", 200, catalog_on_disk(Locale::De));
    hold_catalog("de.txt");
    element.set_attribute("lang", "de").unwrap();
    // The German words are not here yet: the answer stays as it was shown, in English, and the
    // placeholder does not come back.
    until("the German catalog asked for", 2_000, || {
        !requests_for("de.txt").is_empty()
    })
    .await;
    sleep(100).await;
    assert_eq!(
        not_found_title(&element).as_deref(),
        Some(tr(Locale::En, "state.not_found.title").as_str())
    );
    assert!(in_shadow(&element, "[data-testid=state-loading]").is_none());
    release_catalog("de.txt");
    until("the switch to German", 2_000, || {
        card_lang(&element).as_deref() == Some("de")
    })
    .await;
    assert_eq!(
        not_found_title(&element).unwrap(),
        tr(Locale::De, "state.not_found.title")
    );
    assert_eq!(
        asked.get(),
        asked_before,
        "the carriers were not asked again"
    );
    element.remove();
}

#[wasm_bindgen_test]
async fn an_answer_whose_catalog_does_not_come_is_shown_in_english_after_a_wait() {
    use trackline_widget::i18n::tr;

    answer_catalog("uk.txt", 200, catalog_on_disk(Locale::Uk));
    hold_catalog("uk.txt");
    let (element, asked) = not_found_widget("uk");
    until("the carriers' answer", 2_000, || asked.get() > 0).await;
    // Three seconds (parcels::WORDS_WAIT_MS), then English rather than nothing.
    until("the answer in English", 5_000, || {
        not_found_title(&element).is_some()
    })
    .await;
    assert_eq!(card_lang(&element).as_deref(), Some("en"));
    assert_eq!(
        not_found_title(&element).unwrap(),
        tr(Locale::En, "state.not_found.title")
    );
    release_catalog("uk.txt");
    until("the switch to Ukrainian", 2_000, || {
        card_lang(&element).as_deref() == Some("uk")
    })
    .await;
    assert_eq!(
        not_found_title(&element).unwrap(),
        tr(Locale::Uk, "state.not_found.title")
    );
    element.remove();
}

#[wasm_bindgen_test]
async fn a_catalog_the_loader_started_is_read_from_its_response_and_not_fetched_again() {
    trackline_widget::i18n::use_started_fetches(&started_catalog(
        "fr",
        200,
        catalog_on_disk(Locale::Fr),
    ));
    let element = widget("fr-BE");
    until("the switch to French", 2_000, || {
        card_lang(&element).as_deref() == Some("fr")
    })
    .await;
    let french = trackline_widget::i18n::tr(Locale::Fr, "state.no_reference.submit");
    assert_ne!(french, "Track");
    assert_eq!(submit_text(&element), french);
    assert_eq!(requests_for("fr.txt"), Vec::<String>::new());
    element.remove();
}

#[wasm_bindgen_test]
async fn a_catalog_the_loader_could_not_fetch_keeps_english_as_a_failed_fetch_does() {
    trackline_widget::i18n::use_started_fetches(&started_catalog("nb", 0, ""));
    let element = widget("nn-NO");
    let expected = format!(
        "Trackline: could not load the Norwegian Bokmål catalog from {LOCALES_URL}nb.txt: network error (TypeError: Failed to fetch)"
    );
    until("the console message", 2_000, || {
        console_errors().contains(&expected)
    })
    .await;
    assert_eq!(card_lang(&element).as_deref(), Some("en"));
    assert_eq!(submit_text(&element), "Track");
    // Reported once, and not asked for again.
    assert_eq!(requests_for("nb.txt"), Vec::<String>::new());
    assert_eq!(
        console_errors().iter().filter(|e| **e == expected).count(),
        1
    );
    element.remove();
}

#[wasm_bindgen_test]
fn dates_are_written_in_the_language_and_style_asked_for_whatever_was_asked_before() {
    use trackline_widget::format::{date_time, DateStyle};
    // 1 June 2024, 10:00 UTC: the same day in any time zone a test browser runs in.
    let millis = 1_717_236_000_000.0;
    let german = date_time(Locale::De, millis, DateStyle::Day);
    let english = date_time(Locale::En, millis, DateStyle::Day);
    assert!(german.contains("Juni"), "{german}");
    assert!(english.contains("June"), "{english}");
    assert_eq!(date_time(Locale::De, millis, DateStyle::Day), german);
    let german_full = date_time(Locale::De, millis, DateStyle::Full);
    assert!(german_full.contains("2024"), "{german_full}");
    assert!(!date_time(Locale::De, millis, DateStyle::Time).contains("Juni"));
}
