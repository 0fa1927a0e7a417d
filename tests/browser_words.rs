//! Browser tests of the words a consumer reads about a carrier's status: the explanation under
//! the headline, and carrier texts in another language only where they add something:
//! `cargo test -p trackline-widget --target wasm32-unknown-unknown --test browser_words`.
#![cfg(target_arch = "wasm32")]

use leptos::prelude::*;
use trackline_core::carrier::{normalize, CarrierResponse, Normalized, ResponseKind};
use trackline_core::model::Shipment;
use trackline_widget::details::ShipmentDetails;
use trackline_widget::i18n::{tr, Locale};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::HtmlElement;

wasm_bindgen_test_configure!(run_in_browser);

mod support;
use support::document;

fn locker_ready() -> Shipment {
    let body = include_bytes!(
        "../crates/core/tests/fixtures/inpost/tracking/locker-ready-with-announced-flow.json"
    );
    match normalize(
        ResponseKind::InpostTracking,
        &CarrierResponse::new(200, body),
        None,
    ) {
        Ok(Normalized::Shipments(mut shipments)) => shipments.remove(0),
        other => panic!("not a shipment: {other:?}"),
    }
}

struct Mounted {
    root: HtmlElement,
    _handle: Box<dyn std::any::Any>,
}

impl Drop for Mounted {
    fn drop(&mut self) {
        self.root.remove();
    }
}

impl Mounted {
    fn texts(&self, selector: &str) -> Vec<String> {
        let list = self.root.query_selector_all(selector).unwrap();
        (0..list.length())
            .filter_map(|i| list.item(i).and_then(|n| n.text_content()))
            .collect()
    }
}

fn mount(shipment: Shipment, locale: Locale) -> Mounted {
    if !locale.is_built_in() {
        support::install(locale);
    }
    let root: HtmlElement = document().create_element("div").unwrap().unchecked_into();
    document()
        .body()
        .unwrap()
        .prepend_with_node_1(&root)
        .unwrap();
    let handle = leptos::mount::mount_to(root.clone(), move || {
        view! { <ShipmentDetails shipment=shipment.clone() locale tiles="" /> }
    });
    Mounted {
        root,
        _handle: Box::new(handle),
    }
}

const POLISH_PICKUP: &str = "Umieszczona w Paczkomacie (odbiorczym)";

#[wasm_bindgen_test]
async fn an_english_reader_of_an_inpost_parcel_reads_an_explanation_and_no_polish() {
    let shipment = locker_ready();
    // The adapter keeps InPost's Polish words; only the view leaves them out.
    assert!(shipment
        .events
        .iter()
        .any(|e| e.carrier_status.text.as_deref() == Some(POLISH_PICKUP)));
    let view = mount(shipment, Locale::En);
    assert_eq!(
        view.texts("[data-testid=status-explanation]"),
        ["Use the pickup code from your SMS or the InPost app."]
    );
    let under_headlines = view.texts("[data-testid=event-text]");
    assert!(
        under_headlines.iter().all(|t| !t.contains("Paczkomat")),
        "{under_headlines:?}"
    );
    assert!(!view.root.text_content().unwrap().contains(POLISH_PICKUP));
}

#[wasm_bindgen_test]
async fn a_polish_reader_of_an_inpost_parcel_reads_inposts_own_words_and_the_explanation_in_polish()
{
    let view = mount(locker_ready(), Locale::Pl);
    assert_eq!(
        view.texts("[data-testid=status-explanation]"),
        [tr(Locale::Pl, "explain.ready_for_pickup.inpost")]
    );
    assert_eq!(
        view.texts("[data-testid=status-explanation]"),
        ["Użyj kodu odbioru z SMS-a lub z aplikacji InPost."]
    );
    assert!(
        view.texts("[data-testid=event-text]")
            .iter()
            .any(|t| t == POLISH_PICKUP),
        "{:?}",
        view.texts("[data-testid=event-text]")
    );
}

#[wasm_bindgen_test]
async fn every_status_has_an_explanation_in_every_language() {
    use trackline_core::status::Status;
    for locale in Locale::ALL {
        if !locale.is_built_in() {
            support::install(locale);
        }
        for status in Status::ALL {
            let key = format!("explain.{status}");
            let words = tr(locale, &key);
            assert!(!words.is_empty() && words != key, "{} {key}", locale.tag());
            if locale != Locale::En {
                assert_ne!(words, tr(Locale::En, &key), "{} {key}", locale.tag());
            }
        }
    }
}
