//! The small JS API: `Trackline.mount(element, options)` returns a handle with `refresh()` and
//! `unmount()`; `Trackline.autoMount()` mounts `[data-trackline]` elements (the loader calls it);
//! `setLocalesUrl(url)` says where the catalogs are (the loader calls it first).

use std::cell::RefCell;

use leptos::prelude::Update;
use wasm_bindgen::prelude::*;
use web_sys::HtmlElement;

use crate::element;
use crate::options::{Attributes, ATTRIBUTE_NAMES};

/// One widget mounted from script. It lets go of its element on `unmount()`, so that a page
/// that keeps the handle does not keep the element alive through it.
#[wasm_bindgen]
pub struct Handle {
    element: RefCell<Option<HtmlElement>>,
}

#[wasm_bindgen]
impl Handle {
    /// Asks the carriers again now.
    pub fn refresh(&self) {
        if let Some(target) = &*self.element.borrow() {
            element::with_options(target, |options| {
                options.reload.update(|n| *n += 1);
            });
        }
    }

    /// Removes the widget and cancels its requests; later calls do nothing.
    pub fn unmount(&self) {
        let target = self.element.borrow_mut().take();
        if let Some(target) = target {
            element::unmount(target);
        }
    }
}

/// The value of one option in a JS options object: `referenceKind` or `"reference-kind"`;
/// numbers (`refresh: 120`) are read as their text.
fn option(options: &JsValue, name: &str) -> Option<String> {
    let camel: String = name
        .split('-')
        .enumerate()
        .map(|(i, part)| {
            if i == 0 {
                part.to_owned()
            } else {
                part[..1].to_ascii_uppercase() + &part[1..]
            }
        })
        .collect();
    let read = |key: &str| {
        let value = js_sys::Reflect::get(options, &JsValue::from_str(key)).ok()?;
        value
            .as_string()
            // The browser writes the number: Rust's float formatting would add 14 KB of wasm.
            .or_else(|| {
                value
                    .dyn_ref::<js_sys::Number>()
                    .and_then(|n| n.to_string_with_radix(10).ok())
                    .map(String::from)
            })
            .or_else(|| value.as_bool().map(|b| b.to_string()))
    };
    read(&camel).or_else(|| read(name))
}

/// Mounts a widget into any element, with options given as an object
/// (`{proxy, carrier, number, referenceKind, lang, refresh, theme, tiles}`); options not given
/// are read from the page URL, then defaults, as for the custom element.
#[wasm_bindgen(js_name = mount)]
pub fn mount(target: HtmlElement, options: JsValue) -> Handle {
    let attributes = if options.is_object() {
        Attributes::read(|name| option(&options, name))
    } else {
        Attributes::default()
    };
    debug_assert_eq!(ATTRIBUTE_NAMES.len(), 8);
    element::mount(target.clone(), attributes);
    Handle {
        element: RefCell::new(Some(target)),
    }
}

#[wasm_bindgen(js_name = autoMount)]
pub fn auto_mount() {
    element::auto_mount();
}

/// Where the `locales/` folder of catalogs is: an absolute URL ending in `/`. The loader passes
/// the folder beside itself, wherever the merchant hosts it, before any catalog is fetched.
#[wasm_bindgen(js_name = setLocalesUrl)]
pub fn set_locales_url(url: String) {
    crate::i18n::set_locales_url(url);
}
