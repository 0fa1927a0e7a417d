//! Browser tests of a widget that holds still and lets go (against a stubbed network): another
//! parcel's countdown leaves the shown one untouched, cosmetic attributes ask no carrier, and
//! nothing is asked once the widget is unmounted.
//! `cargo test -p trackline-widget --target wasm32-unknown-unknown --test browser_steady`.
#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;
use std::rc::Rc;

use trackline_widget::fetch::{Network, RawResponse, StubFuture, StubRequest};
use trackline_widget::loader;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement};

wasm_bindgen_test_configure!(run_in_browser);

mod support;
use support::{document, in_shadow, sleep, until};

const INPOST: &str = "520000011395200025009871";

/// What the stub answers: a status, a content type and a body.
type Reply = (u16, &'static str, String);

/// An InPost parcel in `status` with six events: more than the timeline shows before "show all".
fn found_inpost(number: &str, status: &str) -> Reply {
    let events: Vec<String> = (10..16)
        .rev()
        .map(|day| {
            let status = if day == 15 { status } else { "confirmed" };
            format!(
                r#"{{"status":"{status}","datetime":"2026-11-{day}T07:49:12.000+01:00","agency":null}}"#
            )
        })
        .collect();
    (
        200,
        "application/json",
        format!(
            r#"{{"tracking_number":"{number}","service":"inpost_locker_standard","status":"{status}","tracking_details":[{}]}}"#,
            events.join(",")
        ),
    )
}

fn problem(status: u16, kind: &str, extra: &str) -> Reply {
    (
        status,
        "application/problem+json",
        format!(
            r#"{{"type":"https://trackline.dev/problems/{kind}","title":"t","status":{status}{extra}}}"#
        ),
    )
}

/// The URLs a stubbed network was asked for.
#[derive(Default)]
struct Seen {
    urls: Vec<String>,
}

/// A network answering by URL, with delays divided by 50; and what it sees.
fn stub(answer: impl Fn(&str) -> Reply + 'static) -> (Rc<RefCell<Seen>>, Network) {
    let seen = Rc::new(RefCell::new(Seen::default()));
    let record = seen.clone();
    let network = Network::stubbed(move |request: StubRequest| -> StubFuture {
        record.borrow_mut().urls.push(request.url.clone());
        let (status, content_type, body) = answer(&request.url);
        Box::pin(async move {
            Ok(RawResponse {
                status,
                content_type: Some(content_type.to_owned()),
                retry_after: None,
                body: body.into_bytes(),
            })
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
    until(selector, ms, || in_shadow(element, selector).is_some()).await;
    in_shadow(element, selector).unwrap()
}

#[wasm_bindgen_test]
async fn another_references_countdown_leaves_the_shown_parcel_untouched() {
    let limited = "520000011395200025009918";
    let (_seen, network) = stub(move |url| {
        if url.contains(limited) {
            problem(429, "rate-limited", r#","retry_after_seconds":30"#)
        } else {
            found_inpost(INPOST, "ready_to_pickup")
        }
    });
    let element = widget(
        &network,
        &[
            ("number", &format!("{INPOST} {limited}")),
            ("carrier", "inpost"),
        ],
    );
    let tab = wait_for(
        &element,
        "[data-testid=parcel-tab][data-state=rate_limited]",
        3_000,
    )
    .await;
    // The consumer opens the whole history.
    let toggle = wait_for(&element, "[data-testid=timeline-toggle]", 3_000).await;
    toggle.unchecked_ref::<HtmlElement>().click();
    let events = || support::all_in_shadow(&element, "[data-testid=event]").len();
    until("every event shown", 1_000, || events() == 6).await;
    let mut ticks: Vec<String> = Vec::new();
    until("three ticks of the other parcel's countdown", 6_000, || {
        if let Some(left) = tab.get_attribute("data-seconds-left") {
            if !ticks.contains(&left) {
                ticks.push(left);
            }
        }
        ticks.len() >= 4
    })
    .await;
    let expanded = in_shadow(&element, "[data-testid=timeline-toggle]")
        .and_then(|toggle| toggle.get_attribute("aria-expanded"));
    assert_eq!(
        (expanded.as_deref(), events()),
        (Some("true"), 6),
        "the other parcel's countdown folded the history up again"
    );
    element.remove();
}

#[wasm_bindgen_test]
async fn a_theme_tiles_or_refresh_change_asks_no_carrier() {
    let (seen, network) = stub(|_| found_inpost(INPOST, "ready_to_pickup"));
    let element = widget(&network, &[("number", INPOST), ("carrier", "inpost")]);
    wait_for(&element, "[data-testid=parcel]", 3_000).await;
    assert_eq!(seen.borrow().urls.len(), 1);
    element.set_attribute("theme", "dark").unwrap();
    element
        .set_attribute("tiles", "/tiles/{z}/{x}/{y}.png")
        .unwrap();
    element.set_attribute("refresh", "10m").unwrap();
    wait_for(&element, "[data-testid=widget][data-theme=dark]", 1_000).await;
    wait_for(&element, "[data-testid=parcel]", 1_000).await;
    sleep(50).await;
    assert_eq!(seen.borrow().urls.len(), 1, "{:?}", seen.borrow().urls);
    // The references are fetch inputs: changing them asks.
    element.set_attribute("carrier", "di").unwrap();
    until("a request for the new carrier", 1_000, || {
        seen.borrow().urls.len() == 2
    })
    .await;
    element.remove();
}

#[wasm_bindgen_test]
async fn nothing_is_asked_once_the_widget_is_unmounted() {
    // A refresh every 30 s (divided by 50: 600 ms): the loader waits in a timer when the
    // widget goes; nothing may be asked after it went.
    let (seen, network) = stub(|_| found_inpost(INPOST, "out_for_delivery"));
    let element = widget(
        &network,
        &[("number", INPOST), ("carrier", "inpost"), ("refresh", "30")],
    );
    wait_for(&element, "[data-testid=parcel]", 3_000).await;
    element.remove();
    let asked = seen.borrow().urls.len();
    sleep(1_500).await;
    assert_eq!(seen.borrow().urls.len(), asked, "asked after unmounting");
    assert!(in_shadow(&element, "[data-testid=widget]").is_none());
}
