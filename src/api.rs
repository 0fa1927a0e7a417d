//! The small JS API: `Trackline.mount(element, options)` returns a handle with `refresh()` and
//! `unmount()`; `Trackline.autoMount()` mounts `[data-trackline]` elements (the loader calls it);
//! `setLocalesUrl(url, started)` says where the catalogs are and hands over the catalog fetches the
//! loader started beside the wasm (the loader calls it first).

use std::cell::RefCell;
use std::fmt;

use leptos::prelude::Update;
use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;
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

/// One option's value as a page script writes it: text, a whole number (`refresh: 120`) or a
/// flag, read as text; anything else is kept as the reason it cannot be used, so that one bad
/// option is named and left out without losing the others. `null` and `undefined` mean "not
/// given".
enum OptionValue {
    Text(String),
    Unusable(&'static str),
}

impl<'de> Deserialize<'de> for OptionValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Text;
        impl<'de> Visitor<'de> for Text {
            type Value = OptionValue;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("text, a whole number or true/false")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<OptionValue, E> {
                Ok(OptionValue::Text(text.to_owned()))
            }
            fn visit_u64<E: de::Error>(self, number: u64) -> Result<OptionValue, E> {
                Ok(OptionValue::Text(number.to_string()))
            }
            fn visit_i64<E: de::Error>(self, number: i64) -> Result<OptionValue, E> {
                Ok(OptionValue::Text(number.to_string()))
            }
            // Named without formatting the number: float formatting would add 14 KB of wasm.
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<OptionValue, E> {
                Ok(OptionValue::Unusable(
                    "a number with a fraction, where a whole number is expected",
                ))
            }
            fn visit_bool<E: de::Error>(self, flag: bool) -> Result<OptionValue, E> {
                Ok(OptionValue::Text(flag.to_string()))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<OptionValue, A::Error> {
                while seq.next_element::<de::IgnoredAny>()?.is_some() {}
                Ok(OptionValue::Unusable("a list, where text is expected"))
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<OptionValue, A::Error> {
                while map
                    .next_entry::<de::IgnoredAny, de::IgnoredAny>()?
                    .is_some()
                {}
                Ok(OptionValue::Unusable("an object, where text is expected"))
            }
        }
        deserializer.deserialize_any(Text)
    }
}

/// The options object of `Trackline.mount`: each option by its camelCase name or by its
/// attribute name (`referenceKind` or `"reference-kind"`). Unknown members are ignored.
#[derive(Default, Deserialize)]
#[serde(default)]
struct MountOptions {
    proxy: Option<OptionValue>,
    carrier: Option<OptionValue>,
    number: Option<OptionValue>,
    #[serde(rename = "referenceKind", alias = "reference-kind")]
    reference_kind: Option<OptionValue>,
    lang: Option<OptionValue>,
    refresh: Option<OptionValue>,
    theme: Option<OptionValue>,
    tiles: Option<OptionValue>,
}

impl MountOptions {
    /// The option of one attribute name.
    fn get(&self, name: &str) -> Option<String> {
        let value = match name {
            "proxy" => &self.proxy,
            "carrier" => &self.carrier,
            "number" => &self.number,
            "reference-kind" => &self.reference_kind,
            "lang" => &self.lang,
            "refresh" => &self.refresh,
            "theme" => &self.theme,
            "tiles" => &self.tiles,
            _ => return None,
        };
        match value.as_ref()? {
            OptionValue::Text(text) => Some(text.clone()),
            OptionValue::Unusable(why) => {
                web_sys::console::error_1(
                    &format!("Trackline.mount: the option `{name}` is {why}; it is left out")
                        .into(),
                );
                None
            }
        }
    }
}

/// Reads `Trackline.mount`'s options with serde-wasm-bindgen. An object that cannot be read is
/// named on the console with what is wrong in it, and the widget mounts on the page URL and
/// defaults alone, as an element without attributes does.
fn mount_options(options: JsValue) -> MountOptions {
    if options.is_undefined() || options.is_null() {
        return MountOptions::default();
    }
    serde_wasm_bindgen::from_value(options).unwrap_or_else(|error| {
        web_sys::console::error_1(
            &format!("Trackline.mount: the options object cannot be read: {error}").into(),
        );
        MountOptions::default()
    })
}

/// Mounts a widget into any element, with options given as an object
/// (`{proxy, carrier, number, referenceKind, lang, refresh, theme, tiles}`); options not given
/// are read from the page URL, then defaults, as for the custom element.
#[wasm_bindgen(js_name = mount)]
pub fn mount(target: HtmlElement, options: JsValue) -> Handle {
    let options = mount_options(options);
    let attributes = Attributes::read(|name| options.get(name));
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
/// the folder beside itself, wherever the merchant hosts it, before any catalog is fetched, and
/// with it (`started`, optional) the fetches of catalogs it started while the wasm loaded:
/// `{ pl: fetch(".../locales/pl.txt") }`. A widget reads those responses instead of asking again.
#[wasm_bindgen(js_name = setLocalesUrl)]
pub fn set_locales_url(url: String, started: Option<js_sys::Object>) {
    crate::i18n::set_locales_url(url);
    if let Some(started) = started {
        crate::i18n::use_started_fetches(&started);
    }
}
