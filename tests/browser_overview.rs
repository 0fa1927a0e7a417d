//! The overview of a personal key's shipments (`?id=KEY` alone), against a stubbed proxy, in
//! headless Chromium: `cargo test -p trackline-widget --target wasm32-unknown-unknown --test
//! browser_overview`.
#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use trackline_core::overview::{OwnShipment, ShipmentsPage};
use trackline_core::reference::Reference;
use trackline_widget::fetch::{Network, RawResponse, StubFuture, StubRequest};
use trackline_widget::loader;
use trackline_widget::options::SESSION_KEY_ITEM;
use trackline_widget::overview::STATUSES_AT_ONCE;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::HtmlElement;

wasm_bindgen_test_configure!(run_in_browser);

mod support;
use support::{all_in_shadow, document, in_shadow, sleep, text_in_shadow, until, window};

const KEY: &str = "OverviewKeyOwnsFortyFiveShipment";

/// What the stubbed proxy saw.
#[derive(Default)]
struct Log {
    /// The overview's queries, as sent.
    list_queries: Vec<String>,
    /// The key each overview request carried.
    list_keys: Vec<Option<String>>,
    /// The references the carriers were asked about, once each.
    asked: Vec<String>,
    /// How many times each reference was asked about.
    times: BTreeMap<String, u32>,
    in_flight: BTreeMap<String, u32>,
    /// The most references asked about at one moment.
    most_at_once: usize,
}

/// The customer references `KD-00001`…, newest first.
fn references(count: usize) -> Vec<String> {
    (1..=count).map(|i| format!("KD-{i:05}")).collect()
}

fn problem(status: u16, kind: &str) -> RawResponse {
    RawResponse {
        status,
        content_type: Some("application/problem+json".into()),
        retry_after: None,
        body: format!(r#"{{"type":"https://trackline.dev/problems/{kind}","status":{status}}}"#)
            .into_bytes(),
    }
}

/// A proxy whose key owns `shipments` (or is refused, when `refused`): the overview answers
/// pages of them, every carrier answers "not found" after a moment.
fn proxy(shipments: Vec<String>, refused: bool, log: Rc<RefCell<Log>>) -> Network {
    Network::stubbed(move |request: StubRequest| -> StubFuture {
        let log = Rc::clone(&log);
        let url = web_sys::Url::new_with_base(&request.url, "https://shop.example/").unwrap();
        if url.pathname() == trackline_core::overview::SHIPMENTS_ROUTE {
            log.borrow_mut().list_queries.push(url.search());
            log.borrow_mut().list_keys.push(request.access_key.clone());
            if refused || request.access_key.as_deref() != Some(KEY) {
                return Box::pin(async { Ok(problem(401, "unauthorized")) });
            }
            let params = url.search_params();
            let page: u32 = params.get("page").unwrap().parse().unwrap();
            let per_page: u32 = params.get("per_page").unwrap().parse().unwrap();
            let search = params.get("search").unwrap_or_default();
            let matching: Vec<&String> = shipments.iter().filter(|s| s.contains(&search)).collect();
            let start = ((page - 1) * per_page) as usize;
            let answer = ShipmentsPage {
                user: "anna".into(),
                shipments: matching
                    .iter()
                    .skip(start)
                    .take(per_page as usize)
                    .map(|number| OwnShipment {
                        reference: Reference::CustomerReference {
                            number: (*number).clone(),
                        },
                        carrier: None,
                        added_unix: 1_700_000_000,
                    })
                    .collect(),
                total: matching.len() as u64,
                page,
                per_page,
            };
            let body = serde_json::to_vec(&answer).unwrap();
            return Box::pin(async move {
                Ok(RawResponse {
                    status: 200,
                    content_type: Some("application/json".into()),
                    retry_after: None,
                    body,
                })
            });
        }
        let number = shipments
            .iter()
            .find(|number| request.url.contains(number.as_str()))
            .cloned()
            .unwrap_or_else(|| panic!("a request about no shipment of the key: {}", request.url));
        Box::pin(async move {
            {
                let mut log = log.borrow_mut();
                if !log.asked.contains(&number) {
                    log.asked.push(number.clone());
                }
                *log.times.entry(number.clone()).or_default() += 1;
                *log.in_flight.entry(number.clone()).or_default() += 1;
                log.most_at_once = log.most_at_once.max(log.in_flight.len());
            }
            sleep(20).await;
            {
                let mut log = log.borrow_mut();
                let left = log.in_flight.get_mut(&number).unwrap();
                *left -= 1;
                if *left == 0 {
                    log.in_flight.remove(&number);
                }
            }
            Ok(problem(404, "not-found"))
        })
    })
}

/// A widget on a page opened with `?id=KEY`, asking through `network`.
fn overview_widget(network: Network) -> HtmlElement {
    window()
        .history()
        .unwrap()
        .replace_state_with_url(
            &wasm_bindgen::JsValue::NULL,
            "",
            Some(&format!("?id={KEY}")),
        )
        .unwrap();
    trackline_widget::start();
    let element: HtmlElement = document()
        .create_element("trackline-widget")
        .unwrap()
        .unchecked_into();
    loader::with_network(network, || {
        document().body().unwrap().append_child(&element).unwrap();
    });
    element
}

/// Removes the widget and what the key left in the tab, for the next test.
fn clean_up(element: HtmlElement) {
    element.remove();
    if let Ok(Some(storage)) = window().session_storage() {
        storage.remove_item(SESSION_KEY_ITEM).unwrap();
    }
    let path = window().location().pathname().unwrap();
    window()
        .history()
        .unwrap()
        .replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&path))
        .unwrap();
}

fn rows(element: &HtmlElement) -> Vec<String> {
    all_in_shadow(element, "[data-testid=overview-row]")
        .iter()
        .map(|row| row.get_attribute("data-reference").unwrap())
        .collect()
}

fn click(element: &HtmlElement, selector: &str) {
    in_shadow(element, selector)
        .unwrap_or_else(|| panic!("no {selector}"))
        .unchecked_into::<HtmlElement>()
        .click();
}

async fn every_row_settled(element: &HtmlElement) {
    until("every row's status", 5_000, || {
        let rows = all_in_shadow(element, "[data-testid=overview-row]");
        !rows.is_empty()
            && rows
                .iter()
                .all(|row| row.get_attribute("data-state").as_deref() != Some("loading"))
    })
    .await;
}

#[wasm_bindgen_test]
async fn the_overview_lists_a_page_of_the_key_s_shipments_and_asks_only_their_statuses_a_few_at_a_time(
) {
    let log = Rc::new(RefCell::new(Log::default()));
    let element = overview_widget(proxy(references(45), false, Rc::clone(&log)));
    until("the list", 5_000, || rows(&element).len() == 20).await;
    assert_eq!(rows(&element), references(20));
    assert_eq!(
        text_in_shadow(&element, "[data-testid=overview-page]").as_deref(),
        Some("Page 1 of 3")
    );
    every_row_settled(&element).await;
    let log = log.borrow();
    assert_eq!(log.list_keys, vec![Some(KEY.to_owned())]);
    assert_eq!(log.list_queries, vec!["?page=1&per_page=20".to_owned()]);
    // The visible page only, each once, and never more than a few at a time.
    let mut asked = log.asked.clone();
    asked.sort();
    assert_eq!(asked, references(20));
    assert!(
        log.most_at_once <= STATUSES_AT_ONCE && log.most_at_once > 1,
        "{} references were asked about at once",
        log.most_at_once
    );
    // The key is out of the address bar.
    assert!(!window().location().href().unwrap().contains(KEY));
    drop(log);
    clean_up(element);
}

#[wasm_bindgen_test]
async fn the_pager_and_the_search_ask_the_proxy_for_what_they_show() {
    let log = Rc::new(RefCell::new(Log::default()));
    let element = overview_widget(proxy(references(45), false, Rc::clone(&log)));
    until("the list", 5_000, || rows(&element).len() == 20).await;
    assert!(in_shadow(&element, "[data-testid=overview-previous][disabled]").is_some());
    click(&element, "[data-testid=overview-next]");
    until("page 2", 5_000, || {
        rows(&element).first().map(String::as_str) == Some("KD-00021")
    })
    .await;
    click(&element, "[data-testid=overview-next]");
    until("page 3", 5_000, || rows(&element).len() == 5).await;
    assert_eq!(
        text_in_shadow(&element, "[data-testid=overview-page]").as_deref(),
        Some("Page 3 of 3")
    );
    assert!(in_shadow(&element, "[data-testid=overview-next][disabled]").is_some());

    let search: HtmlElement = in_shadow(&element, "[data-testid=overview-search]")
        .unwrap()
        .unchecked_into();
    let input: web_sys::HtmlInputElement = search.clone().unchecked_into();
    input.set_value("0004");
    input
        .dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
    until("the search's matches", 5_000, || rows(&element).len() == 7).await;
    assert_eq!(
        rows(&element),
        ["KD-00004", "KD-00040", "KD-00041", "KD-00042", "KD-00043", "KD-00044", "KD-00045"]
    );
    assert!(
        in_shadow(&element, "[data-testid=overview-page]").is_none(),
        "one page, no pager"
    );
    assert_eq!(
        log.borrow().list_queries.last().map(String::as_str),
        Some("?page=1&per_page=20&search=0004")
    );

    input.set_value("no such number");
    input
        .dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
    until("no match", 5_000, || {
        in_shadow(&element, "[data-testid=overview-empty]").is_some()
    })
    .await;
    assert!(text_in_shadow(&element, "[data-testid=overview-empty]")
        .unwrap()
        .contains("no such number"));
    clean_up(element);
}

#[wasm_bindgen_test]
async fn a_shipment_opens_from_the_list_and_back_returns_to_the_list_where_it_was() {
    let log = Rc::new(RefCell::new(Log::default()));
    let element = overview_widget(proxy(references(45), false, Rc::clone(&log)));
    until("the list", 5_000, || rows(&element).len() == 20).await;
    click(&element, "[data-testid=overview-next]");
    until("page 2", 5_000, || {
        rows(&element).first().map(String::as_str) == Some("KD-00021")
    })
    .await;
    every_row_settled(&element).await;

    click(&element, "[data-testid=overview-row][data-index=\"3\"]");
    until("the shipment's details", 5_000, || {
        in_shadow(
            &element,
            "[data-testid=overview-details] [data-testid=state-not-found]",
        )
        .is_some()
    })
    .await;
    assert_eq!(
        text_in_shadow(
            &element,
            "[data-testid=overview-details] [data-testid=state-number]"
        )
        .as_deref(),
        Some("KD-00024")
    );
    let list = in_shadow(&element, ".tl-overview-list").unwrap();
    assert!(list.has_attribute("hidden"), "the list steps aside");
    // "Try again" in the details asks about that shipment again, and leaves the list alone.
    let asked_before = log.borrow().asked.len();
    let times = |log: &Rc<RefCell<Log>>| log.borrow().times.get("KD-00024").copied().unwrap_or(0);
    let before = times(&log);
    click(
        &element,
        "[data-testid=overview-details] [data-testid=retry]",
    );
    until("the shipment asked again", 5_000, || {
        times(&log) > before
            && in_shadow(
                &element,
                "[data-testid=overview-details] [data-testid=state-not-found]",
            )
            .is_some()
    })
    .await;
    assert_eq!(
        log.borrow().list_queries.len(),
        2,
        "the list was not asked again"
    );
    assert!(list.is_connected() && list.has_attribute("hidden"));
    assert_eq!(
        log.borrow().asked.len(),
        asked_before,
        "asked about no new number"
    );

    click(&element, "[data-testid=overview-back]");
    until("the list again", 5_000, || {
        in_shadow(&element, "[data-testid=overview-details]").is_none()
    })
    .await;
    assert!(!list.has_attribute("hidden"));
    assert_eq!(rows(&element).first().map(String::as_str), Some("KD-00021"));
    until("the opened row has the focus", 2_000, || {
        element
            .shadow_root()
            .unwrap()
            .active_element()
            .and_then(|active| active.get_attribute("data-reference"))
            .as_deref()
            == Some("KD-00024")
    })
    .await;
    // The list as it was: no new request for the page.
    assert_eq!(log.borrow().list_queries.len(), 2);

    // The browser's back button does the same.
    click(&element, "[data-testid=overview-row][data-index=\"0\"]");
    until("the details", 5_000, || {
        in_shadow(&element, "[data-testid=overview-details]").is_some()
    })
    .await;
    window().history().unwrap().back().unwrap();
    until("the list after the browser's back", 5_000, || {
        in_shadow(&element, "[data-testid=overview-details]").is_none()
    })
    .await;
    assert_eq!(rows(&element).first().map(String::as_str), Some("KD-00021"));
    sleep(0).await;
    clean_up(element);
}

#[wasm_bindgen_test]
async fn a_key_without_shipments_sees_the_empty_text_and_a_refused_key_its_own_state() {
    let log = Rc::new(RefCell::new(Log::default()));
    let element = overview_widget(proxy(Vec::new(), false, Rc::clone(&log)));
    until("the empty text", 5_000, || {
        in_shadow(&element, "[data-testid=overview-empty]").is_some()
    })
    .await;
    assert!(in_shadow(&element, "[data-testid=overview-rows]").is_none());
    assert!(in_shadow(&element, "[data-state=failed]").is_none());
    clean_up(element);

    let element = overview_widget(proxy(
        references(3),
        true,
        Rc::new(RefCell::new(Log::default())),
    ));
    until("the refused key's state", 5_000, || {
        in_shadow(&element, "[data-testid=state-key-refused]").is_some()
    })
    .await;
    assert!(in_shadow(&element, "[data-testid=overview-rows]").is_none());
    clean_up(element);
}
