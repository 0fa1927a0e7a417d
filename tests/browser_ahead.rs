//! Answers asked for ahead (src/fetch/ahead.rs), as the loader leaves them: taken once, only by
//! a request to the same URL with the same key and signed link as the page's address gives.
//! `cargo test -p trackline-widget --target wasm32-unknown-unknown --test browser_ahead`.
#![cfg(target_arch = "wasm32")]

use js_sys::{Array, Object, Promise, Reflect, Symbol};
use trackline_widget::fetch::ahead::take;
use trackline_widget::fetch::Credentials;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const KEY: &str = "AbCdEfGhIjKlMnOpQrStUvWxYz012345";
const PATH: &str = "/carriers/inpost/v1/tracking/520000011395200025009871";

fn set(object: &Object, name: &str, value: &JsValue) {
    Reflect::set(object, &JsValue::from_str(name), value).unwrap();
}

/// Leaves what the loader leaves: one request ahead for `page` at `base`, made `age_ms` ago,
/// whose proxy answered `PATH` with 200 and a body.
fn leave_answers(base: &str, page: &str, age_ms: f64) {
    let answer = Object::new();
    set(&answer, "url", &PATH.into());
    set(&answer, "status", &200.into());
    set(
        &answer,
        "content_type",
        &"application/vnd.trackline.reading+json".into(),
    );
    set(&answer, "retry_after", &JsValue::NULL);
    set(&answer, "body", &r#"{"shipments":[]}"#.into());
    let document = Object::new();
    set(&document, "answers", &Array::of1(&answer));
    let entry = Object::new();
    set(&entry, "base", &base.into());
    set(&entry, "page", &page.into());
    set(&entry, "at", &(js_sys::Date::now() - age_ms).floor().into());
    set(&entry, "answers", &Promise::resolve(&document));
    Reflect::set(
        &js_sys::global(),
        &Symbol::for_("trackline.answers"),
        &Array::of1(&entry),
    )
    .unwrap();
}

fn with_key(key: Option<&str>) -> Credentials {
    Credentials {
        access_key: key.map(str::to_owned),
        link: None,
    }
}

#[wasm_bindgen_test]
async fn an_answer_ahead_is_taken_once_by_the_same_url_with_the_same_credentials() {
    let page = format!("https://shop.example/track?tracking=520000011395200025009871&id={KEY}");
    leave_answers("https://proxy.example", &page, 0.0);
    let url = format!("https://proxy.example{PATH}");
    // Another URL, another proxy, or the page's key missing: not this answer.
    assert_eq!(
        take(
            "https://proxy.example",
            "https://proxy.example/carriers/di/x",
            &with_key(Some(KEY))
        )
        .await,
        None
    );
    assert_eq!(
        take(
            "https://other.example",
            &format!("https://other.example{PATH}"),
            &with_key(Some(KEY))
        )
        .await,
        None
    );
    assert_eq!(
        take("https://proxy.example", &url, &with_key(None)).await,
        None
    );
    assert_eq!(
        take(
            "https://proxy.example",
            &url,
            &with_key(Some("ZZCdEfGhIjKlMnOpQrStUvWxYz012345"))
        )
        .await,
        None
    );
    let taken = take("https://proxy.example", &url, &with_key(Some(KEY)))
        .await
        .expect("the answer ahead");
    assert_eq!(taken.status, 200);
    assert_eq!(taken.body, br#"{"shipments":[]}"#.to_vec());
    assert_eq!(
        taken.content_type.as_deref(),
        Some("application/vnd.trackline.reading+json")
    );
    // Once: a refresh asks the proxy again.
    assert_eq!(
        take("https://proxy.example", &url, &with_key(Some(KEY))).await,
        None
    );
}

#[wasm_bindgen_test]
async fn a_signed_link_must_be_the_one_of_the_page_and_an_old_answer_is_not_taken() {
    let query = "sscc=370724760010119754&exp=4102444800&sig=ab12";
    leave_answers("", &format!("https://shop.example/track?{query}"), 0.0);
    let signed = Credentials {
        access_key: None,
        link: Some(query.to_owned()),
    };
    assert_eq!(
        take("", PATH, &with_key(None)).await,
        None,
        "without the link"
    );
    assert!(take("", PATH, &signed).await.is_some());

    // Asked for two minutes ago: a widget mounted that late asks afresh.
    leave_answers(
        "",
        &format!("https://shop.example/track?{query}"),
        120_000.0,
    );
    assert_eq!(take("", PATH, &signed).await, None);
}
