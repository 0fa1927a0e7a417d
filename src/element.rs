//! The bridge to the host page: the `<trackline-widget>` custom element.
//!
//! Each connected element gets an open shadow root holding the widget's own stylesheet and a
//! Leptos view. The shadow root keeps host-page CSS out and ours in. Leptos mounts into an
//! element, not a shadow root, hence the one wrapper `div` inside it.
//!
//! Unmounting gives back everything the mount created: the reactive owner (and with it the
//! loaders' requests, timers and listeners), the nodes in the shadow root, and the registry
//! entry that held the element.

use std::cell::RefCell;

use leptos::prelude::*;
use leptos::reactive::owner::Owner;
use wasm_bindgen::prelude::*;
use web_sys::{HtmlElement, ShadowRoot, ShadowRootInit, ShadowRootMode};

use crate::loader;
use crate::options::{Attributes, ATTRIBUTE_NAMES};
use crate::{TracklineWidget, WidgetOptions};

pub const TAG: &str = "trackline-widget";

/// The attribute on elements that shop systems keep (a `div`), whose `data-*` options mount a
/// widget without the custom tag.
pub const AUTO_MOUNT_ATTRIBUTE: &str = "data-trackline";

/// The widget's stylesheet, placed inside each shadow root: `style/*.css` joined and minified by
/// `build.rs`. A build of one module (development, tests) holds it. A release build's loader
/// (`js/trackline.js`) brings it instead, because it draws the loading placeholder with it while
/// the wasm downloads; the wasm takes the same text from there ([`set_widget_style`]).
#[cfg(not(trackline_split))]
const STYLE: &str = include_str!(concat!(env!("OUT_DIR"), "/widget.css"));

/// Puts the widget's stylesheet into `style`.
#[cfg(not(trackline_split))]
fn set_widget_style(style: &web_sys::Element) {
    style.set_text_content(Some(STYLE));
}

/// Puts the widget's stylesheet into `style`: the text the loader brought, which its placeholder
/// already used, so that the browser reads it once. Without the loader (the glue loaded on its
/// own), the widget has no style and says why.
#[cfg(trackline_split)]
fn set_widget_style(style: &web_sys::Element) {
    match from_loader("style") {
        Some(text) => style.set_text_content(Some(&text)),
        None => web_sys::console::error_1(
            &"Trackline: the widget's stylesheet comes with trackline.js; load that file, not trackline-widget.js"
                .into(),
        ),
    }
}

#[cfg(trackline_split)]
#[wasm_bindgen(inline_js = r#"
export function fromLoader(part) {
  const text = globalThis[Symbol.for("trackline.placeholder")]?.[part];
  return typeof text == "string" ? text : undefined;
}
"#)]
extern "C" {
    /// A text of the placeholder a release build's loader drew while the wasm downloaded
    /// (`js/trackline.js`, `PLACEHOLDER`): `style`, the widget's stylesheet; `parcel` and `form`,
    /// the outlines of a parcel and of the form (`src/states/*-outline.html`, as build.rs joins
    /// them). The loader carries them, so the wasm does not carry them again. `None` when the glue
    /// was loaded without the loader.
    #[wasm_bindgen(js_name = fromLoader)]
    pub(crate) fn from_loader(part: &str) -> Option<String>;
}

#[wasm_bindgen(inline_js = r#"
export function defineElement(tag, observed, connected, disconnected, changed) {
  // A host page may load the script twice (two snippets, or a cache-busting query): the element
  // is defined by whichever copy came first.
  if (customElements.get(tag)) return false;
  customElements.define(tag, class extends HTMLElement {
    static get observedAttributes() { return observed; }
    connectedCallback() { connected(this); }
    disconnectedCallback() { disconnected(this); }
    attributeChangedCallback(name, before, after) {
      if (before !== after) changed(this, name, after);
    }
  });
  return true;
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = defineElement)]
    fn define_element(
        tag: &str,
        observed: js_sys::Array,
        connected: &Closure<dyn Fn(HtmlElement)>,
        disconnected: &Closure<dyn Fn(HtmlElement)>,
        changed: &Closure<dyn Fn(HtmlElement, String, Option<String>)>,
    ) -> bool;
}

/// One mounted widget. Dropping `_view` unmounts it and disposes of its reactive graph; `_root`
/// (dropped after it) is the owner above it, a root of its own, so that whoever called `mount`
/// (a host script, a test) can never dispose of the widget but by unmounting it.
struct Mounted {
    element: HtmlElement,
    options: WidgetOptions,
    _view: Box<dyn std::any::Any>,
    _root: Owner,
}

thread_local! {
    static MOUNTED: RefCell<Vec<Mounted>> = const { RefCell::new(Vec::new()) };
}

/// Defines the custom element, unless another copy of the script already did.
pub fn define() {
    let observed: js_sys::Array = ATTRIBUTE_NAMES
        .iter()
        .map(|name| JsValue::from_str(name))
        .collect();
    let connected = Closure::<dyn Fn(HtmlElement)>::new(|element: HtmlElement| {
        let attributes = attributes_of(&element);
        mount(element, attributes);
    });
    let disconnected = Closure::<dyn Fn(HtmlElement)>::new(unmount);
    let changed = Closure::<dyn Fn(HtmlElement, String, Option<String>)>::new(attribute_changed);
    define_element(TAG, observed, &connected, &disconnected, &changed);
    // The element class calls these for as long as the page lives.
    connected.forget();
    disconnected.forget();
    changed.forget();
}

/// Starts fetching the module that reads the carriers' answers as soon as this module runs, when
/// a widget on the page will ask about a parcel: mounting one and reading its options take a slow
/// phone a few hundred milliseconds, which the download then fills. Its first answer comes as a
/// reading from the Trackline proxy, or, when every such widget names a generic CORS proxy, as
/// the carrier's bytes. A widget with nothing to ask (the form for a number, a number that is no
/// reference) fetches the module of those views instead ([`crate::states`]), and no reader until
/// the consumer gives it a reference. Each loader still asks for the module its requests need
/// once they are planned ([`crate::fetch::prefetch`]), which costs nothing when it is on its way
/// already.
pub fn prefetch_modules() {
    // A second copy of the script on the page: the first one's widgets are mounted already.
    let defined = window().custom_elements().get(TAG);
    if !defined.is_undefined() {
        return;
    }
    let page_url = crate::options::read_page_url();
    // None without a widget that asks; true when any of them asks the Trackline proxy.
    let mut readings: Option<bool> = None;
    let mut states = false;
    for element in elements(&format!("{TAG}, [{AUTO_MOUNT_ATTRIBUTE}]")) {
        // What the widget will show, decided as it will decide it.
        let resolved = crate::options::resolve(&attributes_of(&element), &page_url, None);
        match crate::Content::of(&resolved) {
            crate::Content::Tracking(_) | crate::Content::Overview(_) => {
                readings = Some(readings.unwrap_or(false) || resolved.proxy.is_trackline_proxy());
            }
            crate::Content::Entry | crate::Content::Invalid { .. } => states = true,
        }
    }
    if readings.is_none() && !states {
        return;
    }
    // No widget is mounted yet, and mounting is what sets the executor up.
    let _ = any_spawner::Executor::init_wasm_bindgen();
    if let Some(readings) = readings {
        crate::fetch::prefetch(readings);
    }
    if states {
        crate::states::prefetch();
    }
}

/// Mounts every `[data-trackline]` element not mounted yet, with its `data-*` options.
pub fn auto_mount() {
    for element in elements(&format!("[{AUTO_MOUNT_ATTRIBUTE}]")) {
        // A shadow root means another copy of the script (or this one) mounted it already.
        if is_mounted(&element)
            || element.shadow_root().is_some()
            || element.tag_name().eq_ignore_ascii_case(TAG)
        {
            continue;
        }
        let attributes = attributes_of(&element);
        mount(element, attributes);
    }
}

/// The page's HTML elements that match `selector`.
fn elements(selector: &str) -> Vec<HtmlElement> {
    let Ok(found) = document().query_selector_all(selector) else {
        return Vec::new();
    };
    (0..found.length())
        .filter_map(|index| found.item(index)?.dyn_into::<HtmlElement>().ok())
        .collect()
}

/// A widget element's options: `<trackline-widget>`'s attributes, a `[data-trackline]` element's
/// `data-*` ones.
fn attributes_of(element: &HtmlElement) -> Attributes {
    if element.tag_name().eq_ignore_ascii_case(TAG) {
        Attributes::read(|name| element.get_attribute(name))
    } else {
        Attributes::read(|name| element.get_attribute(&format!("data-{name}")))
    }
}

pub fn is_mounted(element: &HtmlElement) -> bool {
    MOUNTED.with_borrow(|mounted| mounted.iter().any(|m| &m.element == element))
}

/// Runs `change` on a mounted element's options; false when it is not mounted.
pub fn with_options(element: &HtmlElement, change: impl FnOnce(WidgetOptions)) -> bool {
    let options = MOUNTED.with_borrow(|mounted| {
        mounted
            .iter()
            .find(|m| &m.element == element)
            .map(|m| m.options)
    });
    options.map(change).is_some()
}

/// Mounts a widget into `element`'s shadow root, replacing any widget already there. Its
/// loaders use the [`crate::fetch::Network`] provided as context where the mount happens (browser tests
/// provide a stub), else the browser's fetch.
pub fn mount(element: HtmlElement, attributes: Attributes) {
    let network = loader::network();
    // A move within the page disconnects and connects again: start from a clean slate.
    unmount(element.clone());
    let Some(root) = shadow_root(&element) else {
        return;
    };
    root.set_inner_html("");

    let document = leptos::prelude::document();
    let style = document.create_element("style").expect("create <style>");
    set_widget_style(&style);
    let container: HtmlElement = document
        .create_element("div")
        .expect("create <div>")
        .unchecked_into();
    container.set_class_name("tl-root");
    let _ = container.set_attribute("part", "root");
    let _ = root.append_child(&style);
    let _ = root.append_child(&container);

    let page_url = crate::options::read_page_url();
    let host = send_wrapper::SendWrapper::new(element.clone());
    let root_owner = Owner::new_root(None);
    // The options' signals belong to the widget's root, whoever calls: they go when it goes.
    let options = root_owner.with(|| WidgetOptions::new(attributes, page_url));
    let view = root_owner.with(|| {
        leptos::mount::mount_to(container, move || {
            loader::provide_network(network);
            view! { <TracklineWidget options host=host /> }
        })
    });
    MOUNTED.with_borrow_mut(|mounted| {
        mounted.push(Mounted {
            element,
            options,
            _view: Box::new(view),
            _root: root_owner,
        })
    });
}

/// Unmounts the widget in `element`, if any: its reactive owner is disposed (which stops its
/// loaders) and its shadow root emptied.
pub fn unmount(element: HtmlElement) {
    let removed = MOUNTED.with_borrow_mut(|mounted| {
        let index = mounted.iter().position(|m| m.element == element)?;
        Some(mounted.swap_remove(index))
    });
    // Dropped outside the borrow: unmounting runs cleanups that may touch the registry.
    if removed.is_some() {
        drop(removed);
        if let Some(root) = element.shadow_root() {
            root.set_inner_html("");
        }
    }
}

fn attribute_changed(element: HtmlElement, name: String, value: Option<String>) {
    // Attributes set before the element is connected are read at mount time.
    with_options(&element, |options| {
        if options
            .attributes
            .with_untracked(|a| a.clone())
            .set(&name, value.clone())
        {
            options.attributes.update(|attributes| {
                attributes.set(&name, value);
            });
        }
    });
}

fn shadow_root(element: &HtmlElement) -> Option<ShadowRoot> {
    element.shadow_root().or_else(|| {
        element
            .attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open))
            .ok()
    })
}
