//! Browser tests of the parcel details, mounted directly with shipments that core normalized from
//! captured carrier answers (`crates/core/tests/fixtures`):
//! `cargo test -p trackline-widget --target wasm32-unknown-unknown --test browser_details`.
#![cfg(target_arch = "wasm32")]

use leptos::prelude::*;
use trackline_core::carrier::{normalize, CarrierResponse, Normalized, ResponseKind};
use trackline_core::model::{EstimatedDelivery, Shipment};
use trackline_core::status::Status;
use trackline_core::time::parse_with_offset;
use trackline_widget::details::ShipmentDetails;
use trackline_widget::i18n::{tr, Locale};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement};

wasm_bindgen_test_configure!(run_in_browser);

mod support;
use support::{document, sleep, until};

macro_rules! fixture {
    ($path:literal) => {
        include_bytes!(concat!("../crates/core/tests/fixtures/", $path, ".json"))
    };
}

fn shipment(kind: ResponseKind, body: &[u8]) -> Shipment {
    match normalize(kind, &CarrierResponse::new(200, body), None) {
        Ok(Normalized::Shipments(mut shipments)) => shipments.remove(0),
        other => panic!("not a shipment: {other:?}"),
    }
}

fn locker_ready() -> Shipment {
    shipment(
        ResponseKind::InpostTracking,
        fixture!("inpost/tracking/locker-ready-with-announced-flow"),
    )
}

/// A 1×1 grey PNG: a tile that always loads, without a tile server.
const TILE_DATA: &str = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNoAAAAggCBd81ytgAAAABJRU5ErkJggg==";
/// Nothing listens on the discard port: every tile fails.
const TILES_DOWN: &str = "http://127.0.0.1:9/{z}/{x}/{y}.png";

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
    fn all(&self, selector: &str) -> Vec<Element> {
        let list = self.root.query_selector_all(selector).unwrap();
        (0..list.length())
            .map(|i| list.item(i).unwrap().unchecked_into())
            .collect()
    }
    fn one(&self, selector: &str) -> Option<Element> {
        self.root.query_selector(selector).unwrap()
    }
    fn text(&self, selector: &str) -> String {
        self.one(selector)
            .and_then(|e| e.text_content())
            .unwrap_or_else(|| panic!("nothing matches {selector}"))
    }
    fn click(&self, selector: &str) {
        self.one(selector)
            .unwrap_or_else(|| panic!("nothing matches {selector}"))
            .unchecked_into::<HtmlElement>()
            .click();
    }
}

fn mount(shipment: Shipment, locale: Locale, tiles: &str) -> Mounted {
    mount_with_style(shipment, locale, tiles, "")
}

/// What a page does once the catalogs arrived from the `locales/` folder: these tests are about
/// the words, not about fetching them (tests/browser_locales.rs is).
fn install_every_catalog() {
    for locale in Locale::ALL {
        if !locale.is_built_in() {
            support::install(locale);
        }
    }
}

fn mount_with_style(shipment: Shipment, locale: Locale, tiles: &str, style: &str) -> Mounted {
    if !locale.is_built_in() {
        install_every_catalog();
    }
    let root: HtmlElement = document().create_element("div").unwrap().unchecked_into();
    root.set_attribute("style", style).unwrap();
    document()
        .body()
        .unwrap()
        .prepend_with_node_1(&root)
        .unwrap();
    let tiles = tiles.to_owned();
    let handle = leptos::mount::mount_to(root.clone(), move || {
        view! { <ShipmentDetails shipment=shipment.clone() locale tiles=tiles.clone() /> }
    });
    Mounted {
        root,
        _handle: Box::new(handle),
    }
}

#[wasm_bindgen_test]
async fn the_header_shows_status_carrier_number_and_a_relative_last_update() {
    let view = mount(locker_ready(), Locale::En, TILE_DATA);
    assert_eq!(view.text("[data-testid=status-title]"), "Ready for pickup");
    assert_eq!(view.text("[data-testid=carrier]"), "InPost");
    assert_eq!(
        view.text("[data-testid=details-tracking-number]"),
        "620000000000000000000002"
    );
    let status = view.one("[data-testid=status]").unwrap();
    assert_eq!(status.get_attribute("aria-live").as_deref(), Some("polite"));
    // The fixture's last update is long past: a relative time in years, with the exact time
    // beside it for hover and focus.
    let relative = view.text("[data-testid=last-update-relative]");
    assert!(relative.ends_with("ago"), "{relative}");
    let time = view.one("[data-testid=last-update-relative]").unwrap();
    assert_eq!(time.get_attribute("tabindex").as_deref(), Some("0"));
    assert!(time.get_attribute("datetime").unwrap().starts_with("20"));
    assert!(!view.text("[data-testid=last-update-exact]").is_empty());
}

/// A day the way the consumer's browser writes it, independently of the widget's code.
fn browser_day(locale: &str, at: &str) -> String {
    let millis = parse_with_offset(at).unwrap().unix_millis() as f64;
    let options = js_sys::Object::new();
    for (key, value) in [("weekday", "long"), ("day", "numeric"), ("month", "long")] {
        js_sys::Reflect::set(&options, &key.into(), &value.into()).unwrap();
    }
    js_sys::Date::new(&millis.into())
        .to_locale_date_string(locale, &options)
        .into()
}

fn trackonline_transactions(body: &[u8]) -> Shipment {
    shipment(ResponseKind::TrackonlineTransactions, body)
}

#[wasm_bindgen_test]
async fn the_header_shows_an_expected_delivery_date_from_the_carrier() {
    let planned = trackonline_transactions(fixture!(
        "trackonline/transactions/planned-with-expected-delivery"
    ));
    let view = mount(planned, Locale::En, TILE_DATA);
    let line = view
        .one("[data-testid=estimated-delivery]")
        .expect("an estimate");
    assert_eq!(line.tag_name(), "P");
    let date = view.one("[data-testid=estimated-delivery-date]").unwrap();
    assert_eq!(date.tag_name(), "TIME");
    assert_eq!(
        date.get_attribute("datetime").as_deref(),
        Some("2024-11-22T00:00:00+01:00")
    );
    let day = browser_day("en", "2024-11-22T00:00:00+01:00");
    assert_eq!(
        view.text("[data-testid=estimated-delivery]"),
        format!("Estimated delivery: {day}")
    );
    // Beside the status, not inside the live region that announces status changes.
    assert!(view
        .one("[data-testid=status] [data-testid=estimated-delivery]")
        .is_none());
    assert!(view
        .one("header.tl-status > [data-testid=estimated-delivery]")
        .is_some());
}

#[wasm_bindgen_test]
async fn a_delivery_window_reads_as_one_span_of_days_in_each_language() {
    let mut window = trackonline_transactions(fixture!(
        "trackonline/transactions/open-movements-delivery-window"
    ));
    // Noon ends fall on the same days in every zone a test browser may run in.
    window.estimated_delivery = Some(EstimatedDelivery::window(
        parse_with_offset("2024-11-21T12:00:00Z").unwrap(),
        parse_with_offset("2024-11-23T12:00:00Z").unwrap(),
    ));
    let view = mount(window.clone(), Locale::En, TILE_DATA);
    let date = view.one("[data-testid=estimated-delivery-date]").unwrap();
    assert_eq!(
        date.get_attribute("data-earliest").as_deref(),
        Some("2024-11-21T12:00:00+00:00")
    );
    assert_eq!(
        date.get_attribute("data-latest").as_deref(),
        Some("2024-11-23T12:00:00+00:00")
    );
    let text = view.text("[data-testid=estimated-delivery]");
    assert!(text.starts_with("Estimated delivery: "), "{text}");
    let span = view.text("[data-testid=estimated-delivery-date]");
    // Intl writes the month once for both ends: "Nov 21 – 23".
    assert!(
        span.contains("21") && span.contains("23") && span.matches("Nov").count() == 1,
        "{span}"
    );
    drop(view);
    let view = mount(window, Locale::De, TILE_DATA);
    let text = view.text("[data-testid=estimated-delivery]");
    assert!(
        text.starts_with("Voraussichtliche Zustellung: ")
            && text.contains("21")
            && text.contains("23"),
        "{text}"
    );
}

#[wasm_bindgen_test]
async fn no_estimate_is_shown_without_one_or_once_the_parcel_is_delivered() {
    let view = mount(locker_ready(), Locale::En, TILE_DATA);
    assert!(view.one("[data-testid=estimated-delivery]").is_none());
    drop(view);
    let delivered = trackonline_transactions(fixture!(
        "trackonline/transactions/delivered-after-an-expected-delivery"
    ));
    let view = mount(delivered, Locale::En, TILE_DATA);
    assert!(view.one("[data-testid=estimated-delivery]").is_none());
    drop(view);
    // A shipment from elsewhere that still carries a date after it was returned.
    let mut returned = trackonline_transactions(fixture!(
        "trackonline/transactions/planned-with-expected-delivery"
    ));
    returned.status = Status::Returned;
    assert!(returned.estimated_delivery.is_some());
    let view = mount(returned, Locale::En, TILE_DATA);
    assert!(view.one("[data-testid=estimated-delivery]").is_none());
}

#[wasm_bindgen_test]
async fn the_copy_button_reports_what_happened() {
    let view = mount(locker_ready(), Locale::En, TILE_DATA);
    assert_eq!(view.text("[data-testid=copy-feedback]"), "");
    view.click("[data-testid=copy-number]");
    // Headless Chromium may refuse the clipboard; either way the consumer is told.
    until("copy feedback", 3_000, || {
        let text = view.text("[data-testid=copy-feedback]");
        text == "Copied" || text == "Could not copy"
    })
    .await;
}

#[wasm_bindgen_test]
async fn the_stepper_marks_passed_current_and_upcoming_steps() {
    let view = mount(locker_ready(), Locale::En, TILE_DATA);
    let states: Vec<String> = view
        .all("[data-testid=step]")
        .iter()
        .map(|s| s.get_attribute("data-state").unwrap())
        .collect();
    assert_eq!(
        states,
        ["passed", "passed", "passed", "passed", "current", "upcoming"]
    );
    let current = view.one("[aria-current=step]").unwrap();
    assert!(current
        .text_content()
        .unwrap()
        .starts_with("Ready for pickup"));
    assert!(view.one("[data-testid=progress][data-bent]").is_none());
}

#[wasm_bindgen_test]
async fn a_return_bends_the_stepper() {
    let returned = shipment(
        ResponseKind::InpostTracking,
        fixture!("inpost/tracking/courier-returned-to-sender"),
    );
    let view = mount(returned, Locale::En, TILE_DATA);
    assert!(view.one("[data-testid=progress][data-bent=true]").is_some());
    let detour = view.one("[data-testid=step][data-detour=true]").unwrap();
    assert_eq!(
        detour.get_attribute("data-state").as_deref(),
        Some("current")
    );
    assert!(detour.text_content().unwrap().starts_with("Returned"));
}

#[wasm_bindgen_test]
async fn the_timeline_is_an_ordered_list_newest_first_that_collapses_long_histories() {
    let delivered = shipment(
        ResponseKind::InpostTracking,
        fixture!("inpost/tracking/locker-delivered-full-history"),
    );
    let total = delivered.events.len();
    assert!(total > 4);
    let view = mount(delivered, Locale::En, TILE_DATA);
    let timeline = view.one("[data-testid=timeline]").unwrap();
    assert_eq!(timeline.tag_name(), "OL");
    assert_eq!(view.all("[data-testid=event]").len(), 4);
    let toggle = view.one("[data-testid=timeline-toggle]").unwrap();
    assert_eq!(
        toggle.get_attribute("aria-expanded").as_deref(),
        Some("false")
    );
    assert_eq!(
        toggle.text_content().unwrap(),
        format!("Show all {total} events")
    );
    let first_shown = view.all("[data-testid=event]");
    view.click("[data-testid=timeline-toggle]");
    until("all events", 3_000, || {
        view.all("[data-testid=event]").len() == total
    })
    .await;
    // The events already shown stay the same elements: the list grows, it is not rebuilt.
    let all_shown = view.all("[data-testid=event]");
    for (before, after) in first_shown.iter().zip(&all_shown) {
        assert!(before.is_same_node(Some(after)), "an event was rebuilt");
    }
    let toggle = view.one("[data-testid=timeline-toggle]").unwrap();
    assert_eq!(
        toggle.get_attribute("aria-expanded").as_deref(),
        Some("true")
    );
    // Newest first: the datetime attributes descend.
    let times: Vec<String> = view
        .all(".tl-event-time")
        .iter()
        .filter_map(|t| t.get_attribute("datetime"))
        .collect();
    let millis: Vec<f64> = times.iter().map(|t| js_sys::Date::parse(t)).collect();
    assert!(millis.windows(2).all(|w| w[0] >= w[1]), "{times:?}");
    // Days group the events, each day an item of the outer ordered list.
    assert!(!view.all(".tl-day-title").is_empty());
    // "Show less" takes the older events away and keeps the first ones as they were.
    view.click("[data-testid=timeline-toggle]");
    until("the first events again", 3_000, || {
        view.all("[data-testid=event]").len() == 4
    })
    .await;
    for (before, after) in first_shown.iter().zip(&view.all("[data-testid=event]")) {
        assert!(before.is_same_node(Some(after)), "an event was rebuilt");
    }
}

#[wasm_bindgen_test]
async fn carrier_markup_is_shown_as_text_and_never_becomes_elements() {
    for (kind, body) in [
        (
            ResponseKind::InpostTracking,
            &fixture!("inpost/tracking/html-and-script-kept-as-plain-text")[..],
        ),
        (
            ResponseKind::DiFetch,
            &fixture!("di/fetch/html-and-script-kept-as-plain-text")[..],
        ),
    ] {
        let view = mount(shipment(kind, body), Locale::En, TILE_DATA);
        assert!(view.all("script").is_empty());
        assert!(view.all("b, i").is_empty());
        // The only images are map tiles, never one named by a carrier.
        assert!(view.all("img:not(.tl-tile)").is_empty());
        let text = view.root.text_content().unwrap();
        assert!(text.contains("<script>") || text.contains("<img"), "{text}");
    }
}

#[wasm_bindgen_test]
async fn the_pickup_card_has_the_place_in_words_hours_and_links() {
    let view = mount(locker_ready(), Locale::En, TILE_DATA);
    assert!(view.one("[data-testid=pickup]").is_some());
    assert!(!view.text("[data-testid=pickup-name]").is_empty());
    assert!(!view.text("[data-testid=pickup-address]").is_empty());
    let directions = view.one("[data-testid=directions-link]").unwrap();
    assert!(directions
        .get_attribute("href")
        .unwrap()
        .starts_with("https://www.openstreetmap.org/directions?to="));
    let map_link = view.one("[data-testid=map-link]").unwrap();
    assert!(map_link.get_attribute("href").unwrap().contains("mlat="));
    let state = view.text("[data-testid=opening-state]");
    let known = ["Open now", "Closed", "Open 24/7"];
    assert!(known.iter().any(|k| state.starts_with(k)), "{state}");
}

#[wasm_bindgen_test]
async fn the_map_loads_tiles_once_visible_and_moves_with_the_keyboard_and_zoom_buttons() {
    // Below the fold, the map asks for no tile.
    web_sys::window().unwrap().scroll_to_with_x_and_y(0.0, 0.0);
    let view = mount_with_style(locker_ready(), Locale::En, TILE_DATA, "margin-top: 3000px");
    sleep(300).await;
    assert!(view.all("[data-testid=tile]").is_empty());
    let map = view.one("[data-testid=map]").unwrap();
    map.scroll_into_view();
    until("tiles", 3_000, || {
        !view.all("[data-testid=tile]").is_empty()
    })
    .await;
    assert_eq!(view.all("[data-testid=marker][data-primary]").len(), 1);
    assert!(map
        .get_attribute("aria-label")
        .unwrap()
        .starts_with("Map: "));
    let marker_style = || {
        view.one("[data-testid=marker][data-primary]")
            .unwrap()
            .get_attribute("style")
            .unwrap()
    };
    let before = marker_style();
    let key = web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &{
        let init = web_sys::KeyboardEventInit::new();
        init.set_key("ArrowRight");
        init.set_bubbles(true);
        init.set_cancelable(true);
        init
    })
    .unwrap();
    map.dispatch_event(&key).unwrap();
    assert!(key.default_prevented());
    until("the arrow key to pan the map", 3_000, || {
        marker_style() != before
    })
    .await;
    let after = marker_style();

    view.click("[data-testid=zoom-out]");
    until("zoom out", 3_000, || marker_style() != after).await;
}

#[wasm_bindgen_test]
async fn when_tiles_fail_no_broken_image_stays_and_the_links_still_work() {
    let view = mount(locker_ready(), Locale::En, TILES_DOWN);
    view.one("[data-testid=map]").unwrap().scroll_into_view();
    until("the map to give up", 3_000, || {
        view.one("[data-testid=map-unavailable]").is_some()
    })
    .await;
    assert!(view.all("[data-testid=tile]").is_empty());
    assert_eq!(
        view.one("[data-testid=map]")
            .unwrap()
            .get_attribute("data-tiles")
            .as_deref(),
        Some("failed")
    );
    assert!(view.one("[data-testid=directions-link]").is_some());
    assert!(view.one("[data-testid=map-link]").is_some());
}

#[wasm_bindgen_test]
async fn below_the_events_a_parcel_links_to_its_carriers_own_page_where_the_carrier_has_one() {
    let view = mount(locker_ready(), Locale::Pl, TILE_DATA);
    let link = view.one("[data-testid=carrier-page]").unwrap();
    assert_eq!(
        link.get_attribute("href").as_deref(),
        Some("https://inpost.pl/sledzenie-przesylek?number=620000000000000000000002")
    );
    assert_eq!(link.get_attribute("target").as_deref(), Some("_blank"));
    assert_eq!(
        link.text_content().unwrap(),
        "Zobacz na stronie przewoźnika"
    );
    // It closes the timeline's section.
    assert!(view
        .one(".tl-timeline [data-testid=carrier-page]")
        .is_some());

    // Di has no public page for a number: no link.
    let item = shipment(
        ResponseKind::DiFetch,
        fixture!("di/fetch/html-and-script-kept-as-plain-text"),
    );
    let view = mount(item, Locale::En, TILE_DATA);
    assert!(view.one("[data-testid=timeline]").is_some());
    assert!(view.one("[data-testid=carrier-page]").is_none());
}

#[wasm_bindgen_test]
async fn with_tiles_off_no_map_is_drawn_and_the_place_keeps_its_links() {
    let view = mount(locker_ready(), Locale::En, "off");
    assert!(view.one("[data-testid=pickup]").is_some());
    assert!(view.one("[data-testid=map]").is_none());
    assert!(view.all("img").is_empty());
    assert!(view.one("[data-testid=directions-link]").is_some());
    assert!(view.one("[data-testid=map-link]").is_some());
    assert!(view.one("[data-testid=opening-state]").is_some());

    let item = shipment(
        ResponseKind::TrackonlineUniqueItems,
        fixture!("trackonline/unique-items/item-with-last-known-position"),
    );
    let view = mount(item, Locale::En, " OFF ");
    assert!(view.one("[data-testid=position]").is_some());
    assert!(view.one("[data-testid=map]").is_none());
    assert!(view.one("[data-testid=map-link]").is_some());
}

#[wasm_bindgen_test]
async fn a_last_known_position_gets_a_map_without_a_pickup_point() {
    let item = shipment(
        ResponseKind::TrackonlineUniqueItems,
        fixture!("trackonline/unique-items/item-with-last-known-position"),
    );
    let view = mount(item, Locale::En, TILE_DATA);
    assert!(view.one("[data-testid=pickup]").is_none());
    assert!(view.one("[data-testid=position]").is_some());
    view.one("[data-testid=map]").unwrap().scroll_into_view();
    until("tiles", 3_000, || {
        !view.all("[data-testid=tile]").is_empty()
    })
    .await;
    assert!(view.one("[data-testid=marker][data-primary]").is_some());
}

#[wasm_bindgen_test]
async fn every_language_changes_every_word_and_sets_lang_and_dir() {
    let delivered = shipment(
        ResponseKind::InpostTracking,
        fixture!("inpost/tracking/locker-delivered-full-history"),
    );
    let words = |locale: Locale| {
        let view = mount(delivered.clone(), locale, TILE_DATA);
        let details = view.one("[data-testid=details]").unwrap();
        assert_eq!(details.get_attribute("lang").as_deref(), Some(locale.tag()));
        assert_eq!(details.get_attribute("dir").as_deref(), Some(locale.dir()));
        [
            "[data-testid=status-title]",
            ".tl-fact dt",
            "[data-testid=copy-number]",
            "[data-testid=step]",
            ".tl-section-title",
            ".tl-event-title",
            "[data-testid=timeline-toggle]",
            "[data-testid=directions-link]",
            "[data-testid=map-link]",
        ]
        .map(|selector| view.text(selector))
    };
    let english = words(Locale::En);
    assert_eq!(english[0], tr(Locale::En, "status.delivered"));
    for other in Locale::ALL.into_iter().filter(|l| *l != Locale::En) {
        let translated = words(other);
        for (before, after) in english.iter().zip(&translated) {
            assert_ne!(before, after, "{} left {before:?} as it was", other.tag());
        }
        assert_eq!(translated[0], tr(other, "status.delivered"));
    }
}

/// A part of the widget that a release build fetches as its own module (the details below the
/// headline, the overview) and that fails to load the first time: the line that says so, with a
/// button that loads it again; no dead widget, and the failure is not remembered.
#[wasm_bindgen_test]
async fn a_part_that_fails_to_load_shows_a_line_whose_button_loads_it_again() {
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::Arc;
    use trackline_widget::later::{when_loaded, ModuleUnavailable};

    let root: HtmlElement = document().create_element("div").unwrap().unchecked_into();
    document().body().unwrap().append_child(&root).unwrap();
    let attempts = Arc::new(AtomicU32::new(0));
    let counted = Arc::clone(&attempts);
    let _handle = leptos::mount::mount_to(root.clone(), move || {
        let counted = Arc::clone(&counted);
        when_loaded(Signal::stored(Locale::En), move || {
            let attempt = counted.fetch_add(1, Ordering::SeqCst) + 1;
            async move {
                if attempt == 1 {
                    Err(ModuleUnavailable)
                } else {
                    Ok(view! { <p data-testid="loaded-part">"the part"</p> }.into_any())
                }
            }
        })
    });
    let find = |selector: &str| root.query_selector(selector).unwrap();
    until("the line after the failed load", 2_000, || {
        find("[data-testid=later-retry]").is_some()
    })
    .await;
    assert_eq!(
        find("[data-testid=later-unavailable]")
            .unwrap()
            .text_content()
            .unwrap(),
        format!(
            "{} {}",
            tr(Locale::En, "later.unavailable"),
            tr(Locale::En, "later.retry")
        )
    );
    assert!(find("[data-testid=loaded-part]").is_none());

    find("[data-testid=later-retry]")
        .unwrap()
        .unchecked_into::<HtmlElement>()
        .click();
    until("the part after the retry", 2_000, || {
        find("[data-testid=loaded-part]").is_some()
    })
    .await;
    assert!(find("[data-testid=later-unavailable]").is_none());
    assert_eq!(attempts.load(Ordering::SeqCst), 2);
    root.remove();
}
