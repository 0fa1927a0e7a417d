//! Browser tests of the custom element, run in headless Chromium by wasm-bindgen-test:
//! `cargo test -p trackline-widget --target wasm32-unknown-unknown --test browser`.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement};

wasm_bindgen_test_configure!(run_in_browser);

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

/// Lets queued reactive effects and microtasks run.
async fn next_tick() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

/// Every carrier answers "not found": the widget then shows the number in its not-found state.
fn stub_not_found() {
    use std::rc::Rc;
    use trackline_widget::fetch::{self, RawResponse, StubFuture, StubRequest};
    fetch::set_stub(Some(Rc::new(|_: StubRequest| -> StubFuture {
        Box::pin(async {
            Ok(RawResponse {
                status: 404,
                content_type: Some("application/problem+json".into()),
                retry_after: None,
                body: br#"{"type":"https://trackline.dev/problems/not-found","status":404}"#
                    .to_vec(),
            })
        })
    })));
}

/// The number the widget shows, once it shows one.
async fn number_shown(element: &HtmlElement) -> Option<String> {
    for _ in 0..100 {
        if let Some(text) = text_in_shadow(element, "[data-testid=state-number]") {
            return Some(text);
        }
        next_tick().await;
    }
    None
}

fn widget_with_number(number: &str) -> HtmlElement {
    stub_not_found();
    trackline_widget::start();
    let element: HtmlElement = document()
        .create_element("trackline-widget")
        .unwrap()
        .unchecked_into();
    element.set_attribute("number", number).unwrap();
    document().body().unwrap().append_child(&element).unwrap();
    element
}

fn in_shadow(element: &HtmlElement, selector: &str) -> Option<Element> {
    element
        .shadow_root()
        .expect("an open shadow root")
        .query_selector(selector)
        .unwrap()
}

fn text_in_shadow(element: &HtmlElement, selector: &str) -> Option<String> {
    in_shadow(element, selector).and_then(|e| e.text_content())
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
    next_tick().await;
    assert_eq!(number_shown(&element).await.as_deref(), Some("222"));
    element.remove_attribute("number").unwrap();
    next_tick().await;
    // The test page's URL has no ?tracking=: the consumer is asked for a number.
    assert!(in_shadow(&element, "[data-testid=no-reference]").is_some());
    element.remove();
}

#[wasm_bindgen_test]
async fn disconnecting_unmounts_and_reconnecting_mounts_again() {
    let element = widget_with_number("333");
    element.remove();
    next_tick().await;
    assert!(
        in_shadow(&element, "[data-testid=widget]").is_none(),
        "unmounted on disconnect"
    );
    document().body().unwrap().append_child(&element).unwrap();
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
