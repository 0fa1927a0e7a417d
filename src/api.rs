//! The small JS API: `Trackline.mount(element, options)` returns a handle with `refresh()` and
//! `unmount()`; `Trackline.autoMount()` mounts `[data-trackline]` elements (the loader calls it);
//! `setLocalesUrl(url, started)` says where the catalogs are and hands over the catalog fetches the
//! loader started beside the wasm (the loader calls it first).

use std::cell::RefCell;

use leptos::prelude::Update;
use wasm_bindgen::prelude::*;
use web_sys::HtmlElement;

use crate::element;
use crate::js_value::JsKind;
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

impl OptionValue {
    /// Reads one member's value; `None` when it is not given.
    fn read(value: &JsValue) -> Option<OptionValue> {
        Some(match JsKind::of(value) {
            JsKind::Absent => return None,
            JsKind::Text(text) => OptionValue::Text(text),
            JsKind::Flag(flag) => OptionValue::Text(flag.to_string()),
            JsKind::Whole(number) => OptionValue::Text(number.to_string()),
            JsKind::OtherNumber => {
                OptionValue::Unusable("a number with a fraction, where a whole number is expected")
            }
            JsKind::List => OptionValue::Unusable("a list, where text is expected"),
            JsKind::Object => OptionValue::Unusable("an object, where text is expected"),
            JsKind::Other => OptionValue::Unusable("neither text, a number nor true/false"),
        })
    }
}

/// The options object of `Trackline.mount`: each option by its camelCase name or by its
/// attribute name (`referenceKind` or `"reference-kind"`, the first when both are given).
/// Unknown members are ignored.
#[derive(Default)]
struct MountOptions {
    /// By attribute name, in the order of [`MountOptions::MEMBERS`].
    values: Vec<(&'static str, OptionValue)>,
}

impl MountOptions {
    /// Each option's attribute name and the names it is read by.
    const MEMBERS: [(&'static str, &'static [&'static str]); 8] = [
        ("proxy", &["proxy"]),
        ("carrier", &["carrier"]),
        ("number", &["number"]),
        ("reference-kind", &["referenceKind", "reference-kind"]),
        ("lang", &["lang"]),
        ("refresh", &["refresh"]),
        ("theme", &["theme"]),
        ("tiles", &["tiles"]),
    ];

    /// Reads the options from a script's object; a member whose getter throws makes the whole
    /// object unreadable.
    fn read(object: &JsValue) -> Result<MountOptions, JsValue> {
        let mut values = Vec::new();
        for (attribute, names) in Self::MEMBERS {
            for name in names {
                if let Some(value) =
                    OptionValue::read(&js_sys::Reflect::get(object, &(*name).into())?)
                {
                    values.push((attribute, value));
                    break;
                }
            }
        }
        Ok(MountOptions { values })
    }

    /// The option of one attribute name.
    fn get(&self, name: &str) -> Option<String> {
        let (_, value) = self
            .values
            .iter()
            .find(|(attribute, _)| *attribute == name)?;
        match value {
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

/// Reads `Trackline.mount`'s options. Options that are not an object, or an object that cannot
/// be read, are named on the console, and the widget mounts on the page URL and defaults alone,
/// as an element without attributes does.
fn mount_options(options: JsValue) -> MountOptions {
    if options.is_undefined() || options.is_null() {
        return MountOptions::default();
    }
    let read = if options.is_object() {
        MountOptions::read(&options).map_err(|error| {
            error.dyn_ref::<js_sys::Error>().map_or_else(
                || "a member cannot be read".to_owned(),
                |e| String::from(e.message()),
            )
        })
    } else {
        Err("it is not an object".to_owned())
    };
    read.unwrap_or_else(|why| {
        web_sys::console::error_1(
            &format!("Trackline.mount: the options object cannot be read: {why}").into(),
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
