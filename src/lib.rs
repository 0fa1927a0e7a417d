//! The Trackline widget: a `<trackline-widget>` custom element that renders, inside its own
//! shadow root, where a parcel is.
//!
//! The module split follows what changes together: `element` is the bridge to the host page
//! (custom element, shadow DOM, mount registry), `options` decides what to show from attributes
//! and the page URL, and the components below render it.

pub mod details;
mod element;
mod format;
pub mod i18n;
pub mod options;

use leptos::prelude::*;

pub use options::WidgetOptions;

/// Defines `<trackline-widget>` as soon as the module is instantiated, so one script tag is all a
/// host page needs.
#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    element::define();
}

/// The whole widget for one element.
#[component]
pub fn TracklineWidget(options: WidgetOptions) -> impl IntoView {
    let number = move || options.tracking_number();
    view! {
        <section class="tl-card" part="card" data-testid="widget">
            {move || match number() {
                Some(number) => {
                    view! {
                        <p class="tl-label">"Tracking number"</p>
                        <p class="tl-number" data-testid="tracking-number">{number}</p>
                    }
                        .into_any()
                }
                None => {
                    view! {
                        <p class="tl-empty" data-testid="no-reference">
                            "This link carries no tracking number."
                        </p>
                    }
                        .into_any()
                }
            }}
        </section>
    }
}
