//! Browser tests of the custom element and of the data flow (against a stubbed fetch layer), run
//! in headless Chromium by wasm-bindgen-test:
//! `cargo test -p trackline-widget --target wasm32-unknown-unknown --test browser`.
#![cfg(target_arch = "wasm32")]

use trackline_widget::fetch::{Network, RawResponse, StubFuture, StubRequest};
use trackline_widget::loader;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::HtmlElement;

wasm_bindgen_test_configure!(run_in_browser);

mod support;
use support::{document, in_shadow, sleep, text_in_shadow};

/// Every carrier answers "not found": the widget then shows the number in its not-found state.
fn not_found() -> Network {
    Network::stubbed(|_: StubRequest| -> StubFuture {
        Box::pin(async {
            Ok(RawResponse {
                status: 404,
                content_type: Some("application/problem+json".into()),
                retry_after: None,
                body: br#"{"type":"https://trackline.dev/problems/not-found","status":404}"#
                    .to_vec(),
            })
        })
    })
}

/// Connects `element` to the page, its widget asking through `network`.
fn connect(element: &HtmlElement, network: Network) {
    loader::with_network(network, || {
        document().body().unwrap().append_child(element).unwrap();
    });
}

/// The number the widget shows, once it shows one.
async fn number_shown(element: &HtmlElement) -> Option<String> {
    for _ in 0..100 {
        if let Some(text) = text_in_shadow(element, "[data-testid=state-number]") {
            return Some(text);
        }
        sleep(0).await;
    }
    None
}

fn widget_with_number(number: &str) -> HtmlElement {
    trackline_widget::start();
    let element: HtmlElement = document()
        .create_element("trackline-widget")
        .unwrap()
        .unchecked_into();
    element.set_attribute("number", number).unwrap();
    connect(&element, not_found());
    element
}

#[wasm_bindgen_test]
async fn the_number_attribute_renders_inside_an_open_shadow_root() {
    let element = widget_with_number("520000011395200025009871");
    assert_eq!(
        number_shown(&element).await.as_deref(),
        Some("520000011395200025009871")
    );
    // Nothing leaks into the light DOM.
    assert_eq!(element.children().length(), 0);
    element.remove();
}

#[wasm_bindgen_test]
async fn the_widget_brings_its_stylesheet_into_its_shadow_root() {
    let element = widget_with_number("1");
    let style = in_shadow(&element, "style").expect("a <style> in the shadow root");
    assert!(style.text_content().unwrap().contains(":host"));
    element.remove();
}

#[wasm_bindgen_test]
async fn changing_the_number_attribute_re_renders() {
    let element = widget_with_number("111");
    assert_eq!(number_shown(&element).await.as_deref(), Some("111"));
    element.set_attribute("number", "222").unwrap();
    sleep(0).await;
    assert_eq!(number_shown(&element).await.as_deref(), Some("222"));
    element.remove_attribute("number").unwrap();
    sleep(0).await;
    // The test page's URL has no ?tracking=: the consumer is asked for a number.
    assert!(in_shadow(&element, "[data-testid=no-reference]").is_some());
    element.remove();
}

#[wasm_bindgen_test]
async fn disconnecting_unmounts_and_reconnecting_mounts_again() {
    let element = widget_with_number("333");
    element.remove();
    sleep(0).await;
    assert!(
        in_shadow(&element, "[data-testid=widget]").is_none(),
        "unmounted on disconnect"
    );
    connect(&element, not_found());
    assert_eq!(number_shown(&element).await.as_deref(), Some("333"));
    element.remove();
}

#[wasm_bindgen_test]
async fn defining_the_element_twice_keeps_the_first_definition() {
    let registry = web_sys::window().unwrap().custom_elements();
    trackline_widget::start();
    let first = registry.get("trackline-widget");
    assert!(first.is_function(), "the element is defined");
    // What a second copy of the script does when it starts.
    trackline_widget::start();
    assert!(
        registry.get("trackline-widget") == first,
        "the first definition stays"
    );
    let element = widget_with_number("444");
    assert_eq!(number_shown(&element).await.as_deref(), Some("444"));
    element.remove();
}

/// The data flow against a stubbed fetch layer: option precedence, every state, cancellation
/// on disconnect, and the host-page events.
mod flow {
    use std::cell::RefCell;
    use std::rc::Rc;
    use trackline_core::carrier::{
        CarrierResponse, Reading, ResponseKind, ACCEPT_READING, READING_MEDIA_TYPE,
    };
    use trackline_widget::fetch::{FetchError, Network, RawResponse, StubFuture, StubRequest};
    use trackline_widget::loader;
    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsCast;
    use wasm_bindgen_test::*;
    use web_sys::{Element, HtmlElement};

    use crate::support::{all_in_shadow, document, in_shadow, install, sleep, until, window};

    const INPOST: &str = "520000011395200025009871";

    /// What the stub answers.
    #[derive(Clone)]
    enum Reply {
        Answer(u16, &'static str, String),
        /// Never answers; the request's signal is kept so that the test can see it aborted.
        Hang,
    }

    fn inpost_body(number: &str, status: &str) -> String {
        format!(
            r#"{{"tracking_number":"{number}","service":"inpost_locker_standard","status":"{status}","tracking_details":[{{"status":"{status}","datetime":"2026-11-21T07:49:12.000+01:00","agency":null}},{{"status":"confirmed","datetime":"2026-11-20T07:49:12.000+01:00","agency":null}}]}}"#
        )
    }

    fn problem(status: u16, kind: &str, extra: &str) -> Reply {
        Reply::Answer(
            status,
            "application/problem+json",
            format!(
                r#"{{"type":"https://trackline.dev/problems/{kind}","title":"t","status":{status}{extra}}}"#
            ),
        )
    }

    fn found_inpost(number: &str, status: &str) -> Reply {
        Reply::Answer(200, "application/json", inpost_body(number, status))
    }

    /// Everything the stub saw, and the signals of requests left hanging.
    #[derive(Default)]
    struct Seen {
        urls: Vec<String>,
        keys: Vec<Option<String>>,
        links: Vec<Option<String>>,
        accepts: Vec<Option<String>>,
        signals: Vec<web_sys::AbortSignal>,
    }

    /// A network answering by URL, with a 300 ms timeout and delays divided by 50; and what it
    /// sees.
    fn stub(answer: impl Fn(&str, usize) -> Reply + 'static) -> (Rc<RefCell<Seen>>, Network) {
        let seen = Rc::new(RefCell::new(Seen::default()));
        let record = seen.clone();
        let network = Network::stubbed(move |request: StubRequest| -> StubFuture {
            let count = record.borrow().urls.len();
            record.borrow_mut().urls.push(request.url.clone());
            record.borrow_mut().keys.push(request.access_key.clone());
            record.borrow_mut().links.push(request.link.clone());
            record.borrow_mut().accepts.push(request.accept.clone());
            let reply = answer(&request.url, count);
            let signal = request.signal.clone();
            record.borrow_mut().signals.push(signal.clone());
            Box::pin(async move {
                match reply {
                    Reply::Answer(status, content_type, body) => Ok(RawResponse {
                        status,
                        content_type: Some(content_type.to_owned()),
                        retry_after: None,
                        body: body.into_bytes(),
                    }),
                    Reply::Hang => {
                        // Resolves when aborted, as fetch rejects then.
                        let promise = js_sys::Promise::new(&mut |_, reject| {
                            signal
                                .add_event_listener_with_callback("abort", &reject)
                                .unwrap();
                        });
                        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
                        Err(FetchError::Aborted)
                    }
                }
            })
        })
        .with_timing(300, 50);
        (seen, network)
    }

    /// A `<trackline-widget>` with `attributes`, connected, asking through `network`.
    fn widget(network: &Network, attributes: &[(&str, &str)]) -> HtmlElement {
        trackline_widget::start();
        let element: HtmlElement = document()
            .create_element("trackline-widget")
            .unwrap()
            .unchecked_into();
        for (name, value) in attributes {
            element.set_attribute(name, value).unwrap();
        }
        loader::with_network(network.clone(), || {
            document().body().unwrap().append_child(&element).unwrap();
        });
        element
    }

    /// Waits up to `ms` for `selector` inside the shadow root.
    async fn wait_for(element: &HtmlElement, selector: &str, ms: i32) -> Element {
        let mut waited = 0;
        loop {
            if let Some(found) = in_shadow(element, selector) {
                return found;
            }
            assert!(waited < ms, "{selector} did not appear within {ms} ms");
            sleep(20).await;
            waited += 20;
        }
    }

    /// Sets the test page's URL (query and fragment) without reloading.
    fn set_page_query(query: &str) {
        let url = window().location().pathname().unwrap() + query;
        window()
            .history()
            .unwrap()
            .replace_state_with_url(&JsValue::NULL, "", Some(&url))
            .unwrap();
    }

    fn click(element: &Element) {
        element.unchecked_ref::<HtmlElement>().click();
    }

    /// Mounts a widget for the InPost locker parcel at the proxy `https://track.shop.example/`,
    /// whose InPost answers are `answer` (the other carriers find nothing), and checks the parcel
    /// it shows: ready for pickup, with its two events.
    async fn shows_the_ready_locker_parcel(answer: Reply) -> Rc<RefCell<Seen>> {
        let (seen, network) = stub(move |url, _| {
            if url.contains("/carriers/inpost/") {
                answer.clone()
            } else {
                problem(404, "not-found", "")
            }
        });
        let element = widget(
            &network,
            &[("number", INPOST), ("proxy", "https://track.shop.example/")],
        );
        let parcel = wait_for(&element, "[data-testid=parcel]", 3_000).await;
        assert_eq!(
            parcel.get_attribute("data-status").as_deref(),
            Some("ready_for_pickup")
        );
        assert_eq!(
            in_shadow(&element, "[data-testid=details-tracking-number]")
                .unwrap()
                .text_content()
                .as_deref(),
            Some(INPOST)
        );
        assert_eq!(all_in_shadow(&element, "[data-testid=event]").len(), 2);
        element.remove();
        seen
    }

    #[wasm_bindgen_test]
    async fn a_found_parcel_shows_its_status_and_events_asked_through_the_proxy_path() {
        let seen = shows_the_ready_locker_parcel(found_inpost(INPOST, "ready_to_pickup")).await;
        assert!(seen.borrow().urls.contains(&format!(
            "https://track.shop.example/carriers/inpost/v1/tracking/{INPOST}"
        )));
    }

    /// What the Trackline proxy sends for a carrier's 200 answer `body` when asked for core's
    /// reading.
    fn reading_of(kind: ResponseKind, body: &str, reference: &str) -> Reply {
        let response = CarrierResponse::new(200, body.as_bytes());
        let reading = Reading::of(kind, &response, Some(reference)).unwrap();
        let json = String::from_utf8(reading.to_json().unwrap()).unwrap();
        Reply::Answer(200, READING_MEDIA_TYPE, json)
    }

    #[wasm_bindgen_test]
    async fn the_proxy_is_asked_for_core_s_reading_which_shows_the_parcel_as_the_carrier_s_answer_does(
    ) {
        let body = inpost_body(INPOST, "ready_to_pickup");
        let seen =
            shows_the_ready_locker_parcel(reading_of(ResponseKind::InpostTracking, &body, INPOST))
                .await;
        let accepts = seen.borrow().accepts.clone();
        assert!(!accepts.is_empty());
        assert!(
            accepts
                .iter()
                .all(|accept| accept.as_deref() == Some(ACCEPT_READING)),
            "{accepts:?}"
        );

        // A reading without shipments, or one that says the carrier has no such parcel, is the
        // not-found state; one that cannot be read is the unreadable answer's.
        for reading in [
            r#"{"shipments":[]}"#,
            r#"{"error":{"error":"not_found","carrier":"inpost","reference":null,"message":null}}"#,
        ] {
            let (_seen, network) =
                stub(move |_, _| Reply::Answer(200, READING_MEDIA_TYPE, reading.into()));
            let element = widget(&network, &[("number", INPOST), ("carrier", "inpost")]);
            wait_for(&element, "[data-testid=state-not-found]", 2_000).await;
            element.remove();
        }
        let (_seen, network) =
            stub(|_, _| Reply::Answer(200, READING_MEDIA_TYPE, r#"{"shipments":[{"#.into()));
        let element = widget(&network, &[("number", INPOST), ("carrier", "inpost")]);
        wait_for(&element, "[data-testid=state-malformed]", 2_000).await;
        element.remove();
    }

    /// Core's golden readings of real carrier answers (`crates/core/tests/fixtures`): shipments
    /// (35-digit numbers, coordinates, offsets kept, delivery days and windows, pickup points with
    /// hours, HTML kept as text) and errors of every kind but a refusal, with their retry time.
    const GOLDEN_READINGS: &[&str] = &[
        include_str!("../crates/core/tests/fixtures/di/fetch/nested-two-parcels-whole-number-of-35-digits.expected.json"),
        include_str!("../crates/core/tests/fixtures/di/fetch/home-delivery-delivered-summer-time.expected.json"),
        include_str!("../crates/core/tests/fixtures/di/fetch/html-and-script-kept-as-plain-text.expected.json"),
        include_str!("../crates/core/tests/fixtures/di/fetch/linked-parcels-merged-ready-for-pickup.expected.json"),
        include_str!("../crates/core/tests/fixtures/di/fetch/failed-attempt-key-missing.expected.json"),
        include_str!("../crates/core/tests/fixtures/inpost/tracking/locker-delivered-full-history.expected.json"),
        include_str!("../crates/core/tests/fixtures/inpost/tracking/locker-ready-with-announced-flow.expected.json"),
        include_str!("../crates/core/tests/fixtures/inpost/tracking/error-429-rate-limited.expected.json"),
        include_str!("../crates/core/tests/fixtures/inpost/tracking/error-404-resource-not-found.expected.json"),
        include_str!("../crates/core/tests/fixtures/trackonline/transactions/open-movements-delivery-window.expected.json"),
        include_str!("../crates/core/tests/fixtures/trackonline/transactions/lost-and-rejected.expected.json"),
        include_str!("../crates/core/tests/fixtures/trackonline/measurements/iot-position-history.expected.json"),
        include_str!("../crates/core/tests/fixtures/trackonline/packaging-labels/sscc-label-with-items.expected.json"),
        include_str!("../crates/core/tests/fixtures/trackonline/transactions/planned-with-expected-delivery.expected.json"),
        include_str!("../crates/core/tests/fixtures/trackonline/transactions/error-400-bad-filter.expected.json"),
        include_str!("../crates/core/tests/fixtures/inpost/tracking/error-503-html-body.expected.json"),
        include_str!("../crates/core/tests/fixtures/inpost/tracking/error-200-truncated-body.expected.json"),
        include_str!("../crates/core/tests/fixtures/di/fetch/error-401-unauthorized.expected.json"),
    ];

    /// Readings with the members no golden answer has: a pickup point with a picture, a notice
    /// over a channel of the carrier's own, a wait until a date and the longest wait, a refusal.
    fn readings_of_every_other_member() -> Vec<String> {
        use trackline_core::carrier::retry_after::{parse_retry_after, MAX_DELAY_SECONDS};
        use trackline_core::model::{Carrier, Notice, RetryAfter, TrackingError};
        let mut readings = Vec::new();
        let mut shipments: serde_json::Value = serde_json::from_str(GOLDEN_READINGS[6]).unwrap();
        let shipment = &mut shipments["shipments"][0];
        let point: serde_json::Value = serde_json::from_str(include_str!(
            "../crates/core/tests/fixtures/inpost/point/point-with-extended-hours-and-image.expected.json"
        ))
        .unwrap();
        shipment["pickup_point"] = point["pickup_point"].clone();
        assert!(shipment["pickup_point"]["image_url"].is_string());
        shipment["events"][0]["notice"] = serde_json::to_value(Notice::by(Some("Pigeon"))).unwrap();
        assert_eq!(shipment["events"][0]["notice"]["carrier_channel"], "Pigeon");
        readings.push(shipments.to_string());
        for error in [
            TrackingError::RateLimited {
                carrier: Carrier::Di,
                retry_after: parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT"),
            },
            TrackingError::RateLimited {
                carrier: Carrier::Inpost,
                retry_after: Some(RetryAfter::Seconds(MAX_DELAY_SECONDS)),
            },
            TrackingError::Rejected {
                carrier: Carrier::Trackonline,
                status: 422,
                message: Some("Ungültig «42»".into()),
            },
        ] {
            let json = Reading::Error(error).to_json().unwrap();
            readings.push(String::from_utf8(json).unwrap());
        }
        readings
    }

    #[wasm_bindgen_test]
    fn the_widget_reads_every_golden_reading_as_the_proxy_wrote_it() {
        use trackline_widget::fetch::reading_from_body;
        let golden = GOLDEN_READINGS.iter().map(|golden| {
            // A golden error is the error itself; a reading wraps it.
            if golden.trim_start().starts_with(
                r#"{
  "shipments""#,
            ) {
                golden.to_string()
            } else {
                format!(r#"{{"error":{golden}}}"#)
            }
        });
        for body in golden.chain(readings_of_every_other_member()) {
            let written = Reading::from_json(body.as_bytes()).expect("a golden reading");
            assert_eq!(
                reading_from_body(body.as_bytes()).as_ref(),
                Ok(&written),
                "{body}"
            );
            // And what the proxy sends (compact JSON) reads the same.
            let sent = written.to_json().unwrap();
            assert_eq!(reading_from_body(&sent).as_ref(), Ok(&written));
        }
    }

    #[wasm_bindgen_test]
    fn a_body_that_is_not_a_reading_is_refused_with_what_is_wrong_with_it() {
        use trackline_widget::fetch::reading_from_body;
        let refused = |body: &[u8]| reading_from_body(body).unwrap_err();
        assert!(
            refused(b"\xff{}").starts_with("not UTF-8"),
            "{}",
            refused(b"\xff{}")
        );
        assert!(refused(br#"{"shipments":[{"#).starts_with("not JSON: "));
        let wrong_member = refused(br#"{"shipments":[{"carrier":"dhl"}]}"#);
        assert!(
            wrong_member.starts_with("not a reading: "),
            "{wrong_member}"
        );
        assert!(wrong_member.contains("dhl"), "{wrong_member}");
        assert!(refused(br#"{"parcels":[]}"#).starts_with("not a reading: "));
    }

    #[wasm_bindgen_test]
    fn a_number_where_a_reading_has_text_is_named_with_its_value_when_whole() {
        use trackline_widget::fetch::reading_from_body;
        // serde-wasm-bindgen is patched (vendor/serde-wasm-bindgen/PATCHED.md) so that its
        // messages never format a float: a whole number keeps its digits, another is "number".
        let whole = reading_from_body(br#"{"shipments":[{"carrier":3}]}"#).unwrap_err();
        assert!(
            whole.contains("invalid type: number `3`, expected"),
            "{whole}"
        );
        let fraction = reading_from_body(br#"{"shipments":[{"carrier":2.5}]}"#).unwrap_err();
        assert!(
            fraction.contains("invalid type: number, expected"),
            "{fraction}"
        );
    }

    #[wasm_bindgen_test]
    async fn a_generic_cors_proxy_is_not_asked_for_a_reading_and_a_reading_from_it_is_not_trusted()
    {
        let (seen, network) = stub(|_, _| {
            reading_of(
                ResponseKind::InpostTracking,
                &inpost_body(INPOST, "ready_to_pickup"),
                INPOST,
            )
        });
        let element = widget(
            &network,
            &[
                ("number", INPOST),
                ("carrier", "inpost"),
                ("proxy", "https://cors.example/?url={url}"),
            ],
        );
        wait_for(&element, "[data-testid=state-malformed]", 2_000).await;
        assert!(!seen.borrow().urls.is_empty());
        let accepts = seen.borrow().accepts.clone();
        assert!(accepts.iter().all(Option::is_none), "{accepts:?}");
        element.remove();
    }

    #[wasm_bindgen_test]
    async fn the_attribute_wins_over_the_page_url_which_wins_over_defaults() {
        set_page_query(&format!("?tracking={INPOST}&carrier=inpost"));
        let (seen, network) = stub(|_, _| found_inpost(INPOST, "in_transit"));
        // From the URL: the carrier hint narrows the request to InPost, at the default proxy.
        let from_url = widget(&network, &[]);
        wait_for(&from_url, "[data-testid=parcel]", 3_000).await;
        assert_eq!(
            seen.borrow().urls,
            vec![format!("/carriers/inpost/v1/tracking/{INPOST}")]
        );
        from_url.remove();
        // The attribute's number and carrier win over the URL's.
        let (seen, network) = stub(|_, _| problem(404, "not-found", ""));
        let from_attribute = widget(
            &network,
            &[("number", "370724760010119754"), ("carrier", "di")],
        );
        wait_for(&from_attribute, "[data-testid=state-not-found]", 3_000).await;
        let urls = seen.borrow().urls.clone();
        assert_eq!(urls.len(), 1, "{urls:?}");
        assert!(urls[0]
            .starts_with("/carriers/di/ws/json/parcel/tracking/v-2/fetch/370724760010119754/"));
        from_attribute.remove();
        set_page_query("");
    }

    #[wasm_bindgen_test]
    async fn while_waiting_a_skeleton_holds_the_place_of_the_answer() {
        let (_seen, network) = stub(|_, _| Reply::Hang);
        let network = network.with_timing(60_000, 1);
        let element = widget(&network, &[("number", INPOST), ("carrier", "inpost")]);
        let skeleton = wait_for(&element, "[data-testid=state-loading]", 1_000).await;
        assert_eq!(skeleton.get_attribute("aria-busy").as_deref(), Some("true"));
        element.remove();
    }

    #[wasm_bindgen_test]
    async fn disconnecting_the_element_aborts_its_requests() {
        let (seen, network) = stub(|_, _| Reply::Hang);
        let network = network.with_timing(60_000, 1);
        let element = widget(&network, &[("number", INPOST)]);
        wait_for(&element, "[data-testid=state-loading]", 1_000).await;
        sleep(20).await;
        assert!(!seen.borrow().signals.is_empty());
        assert!(seen.borrow().signals.iter().all(|s| !s.aborted()));
        element.remove();
        sleep(20).await;
        assert!(seen.borrow().signals.iter().all(|s| s.aborted()));
    }

    #[wasm_bindgen_test]
    async fn changing_the_reference_aborts_the_requests_for_the_old_one() {
        let (seen, network) = stub(|url, _| {
            if url.contains("111111111111111111111111") {
                Reply::Hang
            } else {
                found_inpost(INPOST, "delivered")
            }
        });
        let network = network.with_timing(60_000, 1);
        let element = widget(
            &network,
            &[
                ("number", "111111111111111111111111"),
                ("carrier", "inpost"),
            ],
        );
        wait_for(&element, "[data-testid=state-loading]", 1_000).await;
        sleep(20).await;
        let first = seen.borrow().signals[0].clone();
        element.set_attribute("number", INPOST).unwrap();
        wait_for(&element, "[data-testid=parcel]", 3_000).await;
        assert!(first.aborted());
        element.remove();
    }

    #[wasm_bindgen_test]
    async fn without_a_reference_a_form_recognizes_what_is_typed_and_suggests_a_check_digit() {
        let (seen, network) = stub(|_, _| problem(404, "not-found", ""));
        let element = widget(&network, &[]);
        let input: web_sys::HtmlInputElement =
            wait_for(&element, "[data-testid=entry-input]", 1_000)
                .await
                .unchecked_into();
        input.set_value("370724760010119755");
        input
            .dispatch_event(&web_sys::Event::new("input").unwrap())
            .unwrap();
        sleep(20).await;
        let suggestion = wait_for(&element, "[data-testid=suggestion]", 1_000).await;
        assert_eq!(
            suggestion.text_content().as_deref(),
            Some("370724760010119754")
        );
        assert!(!all_in_shadow(&element, "[data-testid=candidate]").is_empty());
        click(&suggestion);
        sleep(20).await;
        assert_eq!(input.value(), "370724760010119754");
        click(&in_shadow(&element, "[data-testid=entry-submit]").unwrap());
        wait_for(&element, "[data-testid=state-not-found]", 3_000).await;
        assert!(seen
            .borrow()
            .urls
            .iter()
            .any(|u| u.contains("370724760010119754")));
        element.remove();
    }

    #[wasm_bindgen_test]
    async fn an_invalid_number_is_caught_before_any_request() {
        let (seen, network) = stub(|_, _| found_inpost(INPOST, "delivered"));
        let element = widget(&network, &[("number", "370724760010119755")]);
        let invalid = wait_for(&element, "[data-testid=state-invalid]", 1_000).await;
        assert!(invalid
            .text_content()
            .unwrap()
            .contains("370724760010119754"));
        sleep(50).await;
        assert!(seen.borrow().urls.is_empty(), "no request leaves the page");
        element.remove();
    }

    #[wasm_bindgen_test]
    async fn two_carriers_that_know_the_number_let_the_consumer_pick_and_the_url_remembers() {
        set_page_query(&format!("?tracking={INPOST}"));
        let di_body = format!(
            r#"[{{"trackingNumber":"{INPOST}","events":[{{"eventTime":"2026-11-21 10:49:12","eventType":{{"apiKey":"013","i18nKey":"x.delivered"}},"eventGroup":{{"id":4}}}}]}}]"#
        );
        let (seen, network) = stub(move |url, _| {
            if url.contains("/carriers/inpost/") {
                found_inpost(INPOST, "in_transit")
            } else if url.contains("/carriers/di/") {
                Reply::Answer(200, "application/json", di_body.clone())
            } else {
                problem(404, "not-found", "")
            }
        });
        let element = widget(&network, &[]);
        wait_for(&element, "[data-testid=state-choose]", 3_000).await;
        let choices = all_in_shadow(&element, "[data-testid=carrier-choice]");
        assert_eq!(choices.len(), 2);
        let inpost = choices
            .iter()
            .find(|c| c.get_attribute("data-carrier").as_deref() == Some("inpost"))
            .unwrap();
        seen.borrow_mut().urls.clear();
        click(inpost);
        let parcel = wait_for(&element, "[data-testid=parcel]", 3_000).await;
        assert_eq!(
            parcel.get_attribute("data-carrier").as_deref(),
            Some("inpost")
        );
        assert!(window()
            .location()
            .search()
            .unwrap()
            .contains("carrier=inpost"));
        assert!(seen
            .borrow()
            .urls
            .iter()
            .all(|u| u.contains("/carriers/inpost/")));
        element.remove();
        set_page_query("");
    }

    #[wasm_bindgen_test]
    async fn not_found_links_to_the_carriers_own_page_where_one_is_known() {
        let (_seen, network) = stub(|_, _| problem(404, "not-found", ""));
        let element = widget(&network, &[("number", INPOST)]);
        wait_for(&element, "[data-testid=state-not-found]", 3_000).await;
        let link = in_shadow(&element, "[data-testid=fallback-link]").expect("a fallback link");
        assert!(link.get_attribute("href").unwrap().contains(INPOST));
        assert!(link
            .get_attribute("href")
            .unwrap()
            .starts_with("https://inpost.pl/"));
        element.remove();
    }

    fn text_of(element: &HtmlElement, selector: &str) -> String {
        in_shadow(element, selector)
            .and_then(|found| found.text_content())
            .unwrap_or_default()
            .trim()
            .to_owned()
    }

    #[wasm_bindgen_test]
    async fn a_consumer_state_speaks_the_widgets_language_and_follows_a_switch() {
        use trackline_widget::i18n::{tr, Locale};
        install(Locale::De);
        install(Locale::Fr);
        let (_seen, network) = stub(|_, _| problem(404, "not-found", ""));
        let element = widget(&network, &[("number", INPOST), ("lang", "de-AT")]);
        wait_for(&element, "[data-testid=state-not-found]", 3_000).await;
        assert_eq!(
            text_of(&element, "[data-testid=state-title]"),
            "Noch keine Sendung gefunden"
        );
        let card = in_shadow(&element, "[data-testid=widget]").unwrap();
        assert_eq!(card.get_attribute("lang").as_deref(), Some("de"));
        assert_eq!(card.get_attribute("dir").as_deref(), Some("ltr"));
        assert_eq!(
            text_of(&element, "[data-testid=retry]"),
            tr(Locale::De, "state.not_found.action")
        );
        assert_eq!(
            text_of(&element, "[data-testid=fallback-link]"),
            tr(Locale::De, "state.not_found.fallback")
        );
        element.set_attribute("lang", "fr-BE").unwrap();
        let french = tr(Locale::Fr, "state.not_found.title");
        for _ in 0..150 {
            if text_of(&element, "[data-testid=state-title]") == french {
                break;
            }
            sleep(20).await;
        }
        assert_eq!(text_of(&element, "[data-testid=state-title]"), french);
        assert_eq!(text_of(&element, "[data-testid=retry]"), "Réessayer");
        element.remove();
    }

    #[wasm_bindgen_test]
    async fn the_form_without_a_reference_is_in_german_and_mirrored_in_the_pseudo_locale() {
        use trackline_widget::i18n::{tr, Locale};
        install(Locale::De);
        let (_seen, network) = stub(|_, _| problem(404, "not-found", ""));
        let element = widget(&network, &[("lang", "de")]);
        let form = wait_for(&element, "[data-testid=no-reference]", 1_000).await;
        let words = form.text_content().unwrap();
        for key in [
            "state.no_reference.title",
            "state.no_reference.body",
            "state.no_reference.label",
            "state.no_reference.submit",
        ] {
            assert!(words.contains(&tr(Locale::De, key)), "{key} in {words}");
        }
        assert_eq!(text_of(&element, "[data-testid=entry-submit]"), "Verfolgen");
        assert!(!words.contains("Track a parcel"), "{words}");
        element.set_attribute("lang", "ar-XB").unwrap();
        sleep(20).await;
        assert_eq!(
            text_of(&element, "[data-testid=entry-submit]"),
            "\u{202E}Track\u{202C}"
        );
        let card = in_shadow(&element, "[data-testid=widget]").unwrap();
        assert_eq!(card.get_attribute("dir").as_deref(), Some("rtl"));
        element.remove();
    }

    #[wasm_bindgen_test]
    async fn a_countdown_sits_where_the_language_puts_it() {
        use trackline_widget::i18n::{tr_args, Locale};
        install(Locale::Fi);
        let (_seen, network) = stub(|_, count| {
            if count == 0 {
                problem(429, "rate-limited", r#","retry_after_seconds":2"#)
            } else {
                found_inpost(INPOST, "in_transit")
            }
        });
        let element = widget(
            &network,
            &[("number", INPOST), ("carrier", "inpost"), ("lang", "fi")],
        );
        let state = wait_for(&element, "[data-testid=state-rate-limited]", 2_000).await;
        let body = state
            .query_selector(".tl-state-body")
            .unwrap()
            .unwrap()
            .text_content()
            .unwrap();
        assert_eq!(
            body,
            tr_args(Locale::Fi, "state.rate_limited.body", &[("n", "2")])
        );
        assert!(body.starts_with("Yritämme uudelleen 2"), "{body}");
        element.remove();
    }

    #[wasm_bindgen_test]
    async fn rate_limiting_counts_down_from_retry_after_then_asks_again() {
        let (seen, network) = stub(|_, count| {
            if count == 0 {
                problem(429, "rate-limited", r#","retry_after_seconds":2"#)
            } else {
                found_inpost(INPOST, "in_transit")
            }
        });
        let element = widget(&network, &[("number", INPOST), ("carrier", "inpost")]);
        wait_for(&element, "[data-testid=state-rate-limited]", 2_000).await;
        let countdown = in_shadow(&element, "[data-testid=countdown]").unwrap();
        assert_eq!(countdown.text_content().as_deref(), Some("2"));
        wait_for(&element, "[data-testid=parcel]", 4_000).await;
        assert_eq!(seen.borrow().urls.len(), 2);
        element.remove();
    }

    #[wasm_bindgen_test]
    async fn a_server_error_is_retried_with_backoff_until_it_recovers() {
        let (seen, network) = stub(|_, count| {
            if count < 2 {
                problem(502, "upstream-unavailable", "")
            } else {
                found_inpost(INPOST, "in_transit")
            }
        });
        let element = widget(&network, &[("number", INPOST), ("carrier", "inpost")]);
        wait_for(&element, "[data-testid=state-retrying]", 2_000).await;
        wait_for(&element, "[data-testid=parcel]", 6_000).await;
        assert_eq!(seen.borrow().urls.len(), 3);
        element.remove();
    }

    #[wasm_bindgen_test]
    async fn timeouts_are_retried_up_to_the_limit_then_the_consumer_gets_a_button() {
        let limit = trackline_widget::parcels::MAX_RETRIES as usize + 1;
        // Every attempt of the first round hangs; the next round is answered.
        let (seen, network) = stub(move |_, count| {
            if count < limit {
                Reply::Hang
            } else {
                found_inpost(INPOST, "in_transit")
            }
        });
        let element = widget(&network, &[("number", INPOST), ("carrier", "inpost")]);
        wait_for(&element, "[data-testid=state-retrying]", 2_000).await;
        wait_for(&element, "[data-testid=state-failed]", 12_000).await;
        assert_eq!(seen.borrow().urls.len(), limit);
        // "Try again" starts over.
        click(&in_shadow(&element, "[data-testid=retry]").unwrap());
        wait_for(&element, "[data-testid=parcel]", 3_000).await;
        assert_eq!(seen.borrow().urls.len(), limit + 1);
        element.remove();
    }

    fn set_online(online: bool) {
        let navigator = window().navigator();
        let descriptor = js_sys::Object::new();
        js_sys::Reflect::set(
            &descriptor,
            &"get".into(),
            &js_sys::Function::new_no_args(&format!("return {online};")),
        )
        .unwrap();
        js_sys::Reflect::set(&descriptor, &"configurable".into(), &true.into()).unwrap();
        js_sys::Object::define_property(&navigator, &"onLine".into(), &descriptor);
    }

    #[wasm_bindgen_test]
    async fn offline_waits_for_the_connection_and_then_asks() {
        let (seen, network) = stub(|_, _| found_inpost(INPOST, "in_transit"));
        set_online(false);
        let element = widget(&network, &[("number", INPOST), ("carrier", "inpost")]);
        wait_for(&element, "[data-testid=state-offline]", 1_000).await;
        assert!(seen.borrow().urls.is_empty());
        set_online(true);
        window()
            .dispatch_event(&web_sys::Event::new("online").unwrap())
            .unwrap();
        wait_for(&element, "[data-testid=parcel]", 2_000).await;
        assert_eq!(seen.borrow().urls.len(), 1);
        element.remove();
    }

    #[wasm_bindgen_test]
    async fn a_misconfigured_proxy_gets_a_short_text_and_the_cause_in_the_console() {
        let errors = js_sys::Array::new();
        let console = js_sys::Reflect::get(&window(), &"console".into()).unwrap();
        let saved = js_sys::Reflect::get(&console, &"error".into()).unwrap();
        let collect = {
            let errors = errors.clone();
            Closure::<dyn Fn(JsValue)>::new(move |message: JsValue| {
                errors.push(&message);
            })
        };
        js_sys::Reflect::set(&console, &"error".into(), collect.as_ref()).unwrap();

        let (_seen, network) =
            stub(|_, _| Reply::Answer(404, "text/html", "<h1>Not Found</h1>".into()));
        let element = widget(&network, &[("number", INPOST), ("carrier", "inpost")]);
        let state = wait_for(&element, "[data-testid=state-misconfigured]", 2_000).await;
        js_sys::Reflect::set(&console, &"error".into(), &saved).unwrap();
        assert!(state.text_content().unwrap().contains("contact the shop"));
        let logged: Vec<String> = errors.iter().filter_map(|e| e.as_string()).collect();
        assert!(
            logged
                .iter()
                .any(|l| l.contains("HTTP 404") && l.contains("proxy")),
            "{logged:?}"
        );
        element.remove();

        let (_seen, network) = stub(|_, _| {
            problem(
                403,
                "forbidden-origin",
                r#","detail":"origin not configured""#,
            )
        });
        let element = widget(&network, &[("number", INPOST), ("carrier", "inpost")]);
        wait_for(&element, "[data-testid=state-misconfigured]", 2_000).await;
        element.remove();
    }

    #[wasm_bindgen_test]
    async fn an_unreadable_carrier_answer_is_its_own_state() {
        let (_seen, network) =
            stub(|_, _| Reply::Answer(200, "application/json", "{\"tracking_number\":".into()));
        let element = widget(&network, &[("number", INPOST), ("carrier", "inpost")]);
        wait_for(&element, "[data-testid=state-malformed]", 2_000).await;
        element.remove();
    }

    #[wasm_bindgen_test]
    async fn several_references_show_as_tabs_each_with_its_own_status() {
        let second = "520000011395200025009918";
        let (_seen, network) = stub(move |url, _| {
            if url.contains(second) {
                found_inpost(second, "delivered")
            } else {
                found_inpost(INPOST, "ready_to_pickup")
            }
        });
        let element = widget(
            &network,
            &[
                ("number", &format!("{INPOST} {second}")),
                ("carrier", "inpost"),
            ],
        );
        wait_for(&element, "[data-testid=parcel-tabs]", 3_000).await;
        sleep(100).await;
        let tabs = all_in_shadow(&element, "[data-testid=parcel-tab]");
        assert_eq!(tabs.len(), 2);
        assert_eq!(
            tabs[0].get_attribute("data-state").as_deref(),
            Some("ready_for_pickup")
        );
        assert_eq!(
            tabs[1].get_attribute("data-state").as_deref(),
            Some("delivered")
        );
        click(&tabs[1]);
        sleep(20).await;
        let parcel = in_shadow(&element, "[data-testid=parcel]").unwrap();
        assert_eq!(
            parcel.get_attribute("data-status").as_deref(),
            Some("delivered")
        );
        element.remove();
    }

    #[wasm_bindgen_test]
    async fn the_links_access_key_goes_to_the_proxy_as_a_header() {
        set_page_query(&format!(
            "?tracking={INPOST}&carrier=inpost&id=AbCdEfGhIjKlMnOpQrStUvWxYz012345"
        ));
        let (seen, network) = stub(|_, _| found_inpost(INPOST, "in_transit"));
        let element = widget(&network, &[]);
        wait_for(&element, "[data-testid=parcel]", 3_000).await;
        assert_eq!(
            seen.borrow().keys,
            vec![Some("AbCdEfGhIjKlMnOpQrStUvWxYz012345".to_owned())]
        );
        element.remove();

        // The key has left the address bar, and the tab still has it: a widget mounted later
        // (or after a reload) sends it.
        let href = window().location().href().unwrap();
        assert!(!href.contains("id="), "{href}");
        assert!(href.contains(&format!("tracking={INPOST}")), "{href}");
        let storage = window().session_storage().unwrap().unwrap();
        assert_eq!(
            storage
                .get_item(trackline_widget::options::SESSION_KEY_ITEM)
                .unwrap()
                .as_deref(),
            Some("AbCdEfGhIjKlMnOpQrStUvWxYz012345")
        );
        let (seen, network) = stub(|_, _| found_inpost(INPOST, "in_transit"));
        let element = widget(&network, &[]);
        wait_for(&element, "[data-testid=parcel]", 3_000).await;
        assert_eq!(
            seen.borrow().keys,
            vec![Some("AbCdEfGhIjKlMnOpQrStUvWxYz012345".to_owned())]
        );
        assert!(!window().location().href().unwrap().contains("id="));
        element.remove();
        storage
            .remove_item(trackline_widget::options::SESSION_KEY_ITEM)
            .unwrap();
        set_page_query("");
    }

    #[wasm_bindgen_test]
    async fn the_signed_link_goes_to_the_proxy_without_the_key_and_refusals_have_their_own_states()
    {
        set_page_query(&format!(
            "?tracking={INPOST}&carrier=inpost&id=AbCdEfGhIjKlMnOpQrStUvWxYz012345&exp=4102444800&sig=00ff"
        ));
        let (seen, network) = stub(|_, _| found_inpost(INPOST, "in_transit"));
        let element = widget(&network, &[]);
        wait_for(&element, "[data-testid=parcel]", 3_000).await;
        assert_eq!(
            seen.borrow().links,
            vec![Some(format!(
                "tracking={INPOST}&carrier=inpost&exp=4102444800&sig=00ff"
            ))]
        );
        element.remove();

        for (status, kind, state, words) in [
            (
                403,
                "link-expired",
                "state-link-expired",
                "ask the shop for a new one",
            ),
            (403, "link-invalid", "state-link-invalid", "not valid"),
            (401, "unauthorized", "state-key-refused", "no longer valid"),
        ] {
            let (_seen, network) = stub(move |_, _| problem(status, kind, ""));
            let element = widget(&network, &[]);
            let shown = wait_for(&element, &format!("[data-testid={state}]"), 3_000).await;
            assert!(
                shown.text_content().unwrap().contains(words),
                "{kind}: {:?}",
                shown.text_content()
            );
            element.remove();
        }
        set_page_query("");

        // A typed number of a protected carrier: no link goes with it, and the answer says where
        // to look instead of "not found".
        let (seen, network) = stub(|_, _| problem(401, "signature-required", ""));
        let element = widget(&network, &[("number", INPOST), ("carrier", "inpost")]);
        let shown = wait_for(&element, "[data-testid=state-signature-required]", 3_000).await;
        assert!(shown
            .text_content()
            .unwrap()
            .contains("Open the link from your e-mail"));
        assert_eq!(seen.borrow().links, vec![None]);
        element.remove();
    }

    #[wasm_bindgen_test]
    async fn a_partner_link_asks_the_proxy_for_the_partners_carrier_then_the_carrier() {
        set_page_query(&format!("?vp=4711&vpref={INPOST}"));
        let (seen, network) = stub(|url, _| {
            if url.ends_with("/carriers/by-partner/4711") {
                Reply::Answer(
                    200,
                    "application/json",
                    r#"{"partner_id":"4711","carrier":"inpost"}"#.into(),
                )
            } else {
                found_inpost(INPOST, "in_transit")
            }
        });
        let element = widget(&network, &[]);
        wait_for(&element, "[data-testid=parcel]", 3_000).await;
        let urls = seen.borrow().urls.clone();
        assert_eq!(urls.len(), 2, "{urls:?}");
        assert!(urls[0].ends_with("/carriers/by-partner/4711"), "{urls:?}");
        assert!(
            urls[1].contains(&format!("/carriers/inpost/v1/tracking/{INPOST}")),
            "{urls:?}"
        );
        element.remove();

        // A partner no carrier is configured for: nothing can be found, and nothing else is asked.
        set_page_query(&format!("?vp=9999&vpref={INPOST}"));
        let (seen, network) = stub(|_, _| problem(404, "not-found", ""));
        let element = widget(&network, &[]);
        wait_for(&element, "[data-testid=state-not-found]", 3_000).await;
        assert_eq!(seen.borrow().urls.len(), 1);
        element.remove();
        set_page_query("");
    }

    #[wasm_bindgen_test]
    async fn the_host_page_hears_loaded_status_and_error_events_through_the_shadow_boundary() {
        let heard = js_sys::Array::new();
        let listener = {
            let heard = heard.clone();
            Closure::<dyn Fn(web_sys::CustomEvent)>::new(move |event: web_sys::CustomEvent| {
                let entry = js_sys::Array::of3(
                    &event.type_().into(),
                    &event.detail(),
                    &JsValue::from_bool(event.bubbles() && event.composed()),
                );
                heard.push(&entry);
            })
        };
        for name in ["trackline:loaded", "trackline:status", "trackline:error"] {
            document()
                .add_event_listener_with_callback(name, listener.as_ref().unchecked_ref())
                .unwrap();
        }
        let (_seen, network) = stub(|url, _| {
            if url.contains(INPOST) {
                found_inpost(INPOST, "ready_to_pickup")
            } else {
                problem(404, "not-found", "")
            }
        });
        let found = widget(&network, &[("number", INPOST), ("carrier", "inpost")]);
        wait_for(&found, "[data-testid=parcel]", 3_000).await;
        let missing = widget(
            &network,
            &[
                ("number", "520000011395200099999999"),
                ("carrier", "inpost"),
            ],
        );
        wait_for(&missing, "[data-testid=state-not-found]", 3_000).await;
        // Told from effects once the views show: loaded and status for one, error for the other.
        until("the three events", 3_000, || heard.length() >= 3).await;
        for name in ["trackline:loaded", "trackline:status", "trackline:error"] {
            document()
                .remove_event_listener_with_callback(name, listener.as_ref().unchecked_ref())
                .unwrap();
        }
        let get = |value: &JsValue, key: &str| js_sys::Reflect::get(value, &key.into()).unwrap();
        let events: Vec<(String, JsValue, bool)> = heard
            .iter()
            .map(|entry| {
                let entry: js_sys::Array = entry.unchecked_into();
                (
                    entry.get(0).as_string().unwrap(),
                    entry.get(1),
                    entry.get(2).as_bool().unwrap(),
                )
            })
            .collect();
        assert!(
            events.iter().all(|(_, _, crosses)| *crosses),
            "bubbles and composed"
        );
        let loaded = events
            .iter()
            .find(|(n, _, _)| n == "trackline:loaded")
            .expect("loaded");
        assert_eq!(
            get(&loaded.1, "reference").as_string().as_deref(),
            Some(INPOST)
        );
        let parcels: js_sys::Array = get(&loaded.1, "parcels").unchecked_into();
        assert_eq!(
            get(&parcels.get(0), "status").as_string().as_deref(),
            Some("ready_for_pickup")
        );
        let status = events
            .iter()
            .find(|(n, _, _)| n == "trackline:status")
            .expect("status");
        assert_eq!(
            get(&status.1, "carrier").as_string().as_deref(),
            Some("inpost")
        );
        assert!(get(&status.1, "previousStatus").is_null());
        let error = events
            .iter()
            .find(|(n, _, _)| n == "trackline:error")
            .expect("error");
        assert_eq!(
            get(&error.1, "kind").as_string().as_deref(),
            Some("not_found")
        );
        assert_eq!(
            get(&error.1, "reference").as_string().as_deref(),
            Some("520000011395200099999999")
        );
        found.remove();
        missing.remove();
    }

    #[wasm_bindgen_test]
    async fn trackline_mount_mounts_any_element_and_its_handle_refreshes_and_unmounts() {
        let (seen, network) = stub(|_, _| found_inpost(INPOST, "in_transit"));
        let target: HtmlElement = document().create_element("div").unwrap().unchecked_into();
        document().body().unwrap().append_child(&target).unwrap();
        let options = js_sys::Object::new();
        js_sys::Reflect::set(&options, &"number".into(), &INPOST.into()).unwrap();
        js_sys::Reflect::set(&options, &"carrier".into(), &"inpost".into()).unwrap();
        js_sys::Reflect::set(&options, &"refresh".into(), &JsValue::from_f64(120.0)).unwrap();
        let handle = loader::with_network(network, || {
            trackline_widget::api::mount(target.clone(), options.into())
        });
        wait_for(&target, "[data-testid=parcel]", 3_000).await;
        assert_eq!(seen.borrow().urls.len(), 1);
        handle.refresh();
        sleep(100).await;
        wait_for(&target, "[data-testid=parcel]", 3_000).await;
        assert_eq!(seen.borrow().urls.len(), 2);
        handle.unmount();
        assert!(in_shadow(&target, "[data-testid=widget]").is_none());
        target.remove();
    }

    #[wasm_bindgen_test]
    async fn trackline_mount_reads_attribute_names_and_leaves_out_only_an_unusable_option() {
        let (seen, network) = stub(|_, _| problem(404, "not-found", ""));
        let target: HtmlElement = document().create_element("div").unwrap().unchecked_into();
        document().body().unwrap().append_child(&target).unwrap();
        let options = js_sys::Object::new();
        js_sys::Reflect::set(&options, &"number".into(), &"KD-REF-10001".into()).unwrap();
        // The attribute's own name works as well as `referenceKind`.
        js_sys::Reflect::set(&options, &"reference-kind".into(), &"cref".into()).unwrap();
        // A fraction is no refresh interval: it alone is left out, the rest still applies.
        js_sys::Reflect::set(&options, &"refresh".into(), &JsValue::from_f64(1.5)).unwrap();
        js_sys::Reflect::set(&options, &"theme".into(), &js_sys::Object::new()).unwrap();
        let handle = loader::with_network(network, || {
            trackline_widget::api::mount(target.clone(), options.into())
        });
        wait_for(&target, "[data-testid=state-not-found]", 3_000).await;
        let urls = seen.borrow().urls.clone();
        assert_eq!(urls.len(), 1);
        assert!(
            urls[0].starts_with("/carriers/trackonline/api/v1/transaction?")
                && urls[0].contains("ReferenceNumber=KD-REF-10001"),
            "{urls:?}"
        );
        handle.unmount();
        target.remove();
    }

    #[wasm_bindgen_test]
    async fn trackline_mount_with_options_it_cannot_read_mounts_on_the_page_url_and_defaults() {
        // A getter that throws: no member can be trusted, so none is used.
        let throwing = js_sys::Object::new();
        let descriptor = js_sys::Object::new();
        js_sys::Reflect::set(
            &descriptor,
            &"get".into(),
            &js_sys::Function::new_no_args("throw new Error('not now')"),
        )
        .unwrap();
        js_sys::Object::define_property(&throwing, &"number".into(), &descriptor);
        for options in [JsValue::from_str(INPOST), throwing.into()] {
            let target: HtmlElement = document().create_element("div").unwrap().unchecked_into();
            document().body().unwrap().append_child(&target).unwrap();
            let handle = trackline_widget::api::mount(target.clone(), options);
            wait_for(&target, "[data-testid=no-reference]", 3_000).await;
            handle.unmount();
            target.remove();
        }
    }

    #[wasm_bindgen_test]
    async fn elements_with_data_trackline_are_mounted_with_their_data_options() {
        let (seen, network) = stub(|_, _| problem(404, "not-found", ""));
        let target: HtmlElement = document().create_element("div").unwrap().unchecked_into();
        target.set_attribute("data-trackline", "").unwrap();
        target.set_attribute("data-number", "KD-REF-10001").unwrap();
        target.set_attribute("data-reference-kind", "cref").unwrap();
        document().body().unwrap().append_child(&target).unwrap();
        loader::with_network(network, trackline_widget::api::auto_mount);
        wait_for(&target, "[data-testid=state-not-found]", 3_000).await;
        let urls = seen.borrow().urls.clone();
        assert_eq!(urls.len(), 1);
        assert!(
            urls[0].starts_with("/carriers/trackonline/api/v1/transaction?")
                && urls[0].contains("ReferenceNumber=KD-REF-10001"),
            "{urls:?}"
        );
        target.remove();
    }

    #[wasm_bindgen_test]
    async fn a_refresh_announces_a_changed_status_and_stops_once_delivered() {
        let heard = js_sys::Array::new();
        let listener = {
            let heard = heard.clone();
            Closure::<dyn Fn(web_sys::CustomEvent)>::new(move |event: web_sys::CustomEvent| {
                heard.push(&event.detail());
            })
        };
        document()
            .add_event_listener_with_callback("trackline:status", listener.as_ref().unchecked_ref())
            .unwrap();
        // 30 s divided by 50: a refresh every 600 ms.
        let (seen, network) = stub(|_, count| {
            if count == 0 {
                found_inpost(INPOST, "out_for_delivery")
            } else {
                found_inpost(INPOST, "delivered")
            }
        });
        let element = widget(
            &network,
            &[("number", INPOST), ("carrier", "inpost"), ("refresh", "30")],
        );
        wait_for(
            &element,
            "[data-testid=parcel][data-status=out_for_delivery]",
            3_000,
        )
        .await;
        wait_for(
            &element,
            "[data-testid=parcel][data-status=delivered]",
            3_000,
        )
        .await;
        let announced = in_shadow(&element, "[data-testid=announcer]")
            .unwrap()
            .text_content()
            .unwrap();
        assert!(announced.contains("Delivered"), "{announced}");
        let changed = heard
            .iter()
            .find(|detail| {
                js_sys::Reflect::get(detail, &"previousStatus".into())
                    .unwrap()
                    .as_string()
                    .is_some()
            })
            .expect("a status event with the previous status");
        assert_eq!(
            js_sys::Reflect::get(&changed, &"previousStatus".into())
                .unwrap()
                .as_string()
                .as_deref(),
            Some("out_for_delivery")
        );
        // Delivered is final: no further refresh.
        sleep(1_500).await;
        assert_eq!(seen.borrow().urls.len(), 2);
        document()
            .remove_event_listener_with_callback(
                "trackline:status",
                listener.as_ref().unchecked_ref(),
            )
            .unwrap();
        element.remove();
    }

    fn set_hidden(hidden: bool) {
        let descriptor = js_sys::Object::new();
        js_sys::Reflect::set(
            &descriptor,
            &"get".into(),
            &js_sys::Function::new_no_args(&format!("return {hidden};")),
        )
        .unwrap();
        js_sys::Reflect::set(&descriptor, &"configurable".into(), &true.into()).unwrap();
        js_sys::Object::define_property(&document(), &"hidden".into(), &descriptor);
        document()
            .dispatch_event(&web_sys::Event::new("visibilitychange").unwrap())
            .unwrap();
    }

    #[wasm_bindgen_test]
    async fn refreshing_pauses_while_the_page_is_hidden() {
        // 30 s divided by 50: a refresh every 600 ms while visible.
        let (seen, network) = stub(|_, _| found_inpost(INPOST, "out_for_delivery"));
        let element = widget(
            &network,
            &[("number", INPOST), ("carrier", "inpost"), ("refresh", "30")],
        );
        wait_for(&element, "[data-testid=parcel]", 3_000).await;
        set_hidden(true);
        sleep(1_500).await;
        assert_eq!(seen.borrow().urls.len(), 1, "no refresh while hidden");
        set_hidden(false);
        sleep(300).await;
        assert!(
            seen.borrow().urls.len() >= 2,
            "refreshed once visible again"
        );
        element.remove();
    }
}
