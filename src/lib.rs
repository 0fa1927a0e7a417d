//! The Trackline widget: a `<trackline-widget>` custom element that renders, inside its own
//! shadow root, where a parcel is.
//!
//! The module split follows what changes together: `element` and `api` are the bridge to the host
//! page (custom element, auto-mount, `Trackline.mount`), `options` decides what to show from
//! attributes and the page URL, `fetch` asks the carriers through the proxy, `parcels` and
//! `states` render what came back, `events` tells the host page.

pub mod api;
pub mod details;
mod element;
pub mod entry;
pub mod events;
pub mod fetch;
mod format;
pub mod i18n;
pub mod options;
pub mod parcels;
pub mod states;

use leptos::prelude::*;
use send_wrapper::SendWrapper;
use web_sys::HtmlElement;

pub use options::WidgetOptions;

use crate::entry::EntryForm;
use crate::i18n::{tr, Locale};
use crate::options::{Source, Theme};
use crate::parcels::Tracking;

/// Defines `<trackline-widget>` as soon as the module is instantiated, so one script tag is all a
/// host page needs.
#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    element::define();
}

/// The whole widget for one element. `host` receives the `trackline:*` events.
#[component]
pub fn TracklineWidget(
    options: WidgetOptions,
    #[prop(optional)] host: Option<SendWrapper<HtmlElement>>,
) -> impl IntoView {
    let resolved = Memo::new(move |_| options.resolve());
    let theme = move || match resolved.with(|r| r.theme) {
        Theme::Auto => "auto",
        Theme::Light => "light",
        Theme::Dark => "dark",
    };
    let wanted = Memo::new(move |_| resolved.with(|r| Locale::resolve(r.lang.as_deref())));
    // The language the words are in: the wanted one once its catalog is here, until then the one
    // shown so far. The card carries it (not the raw tag asked for), so that a screen reader
    // pronounces the words right and the pseudo locale mirrors the states as well.
    let locale =
        Memo::new(move |shown: Option<&Locale>| i18n::locale_to_show(wanted.get(), shown.copied()));
    let lang = move || locale.get().tag();
    let dir = move || locale.get().dir();
    let host = StoredValue::new(host);
    view! {
        <section class="tl-card" part="card" data-testid="widget" data-theme=theme lang=lang dir=dir>
            {move || {
                // Read so that `refresh()` and "try again" re-create the loaders.
                options.reload.get();
                let resolved = resolved.get();
                if let Some(problem) = resolved.problem.clone() {
                    let locale = locale.get();
                    if let Some(host) = host.get_value() {
                        events::error(&host, "invalid", None, None);
                    }
                    let can_retype = resolved.source != Source::Attribute;
                    let number = resolved.input.clone().unwrap_or_default();
                    view! {
                        <InvalidInput number suggestions=problem.suggestions options locale />
                        {can_retype.then(|| view! { <EntryForm options locale /> })}
                    }
                    .into_any()
                } else if resolved.references.is_empty() {
                    let locale = locale.get();
                    view! { <EntryForm options locale /> }.into_any()
                } else {
                    // A catalog that arrives once the carriers were asked re-words the views
                    // inside Tracking, without asking them again.
                    let locale = Signal::from(locale);
                    view! { <Tracking resolved options locale host=host.get_value() /> }.into_any()
                }
            }}
        </section>
    }
}

/// An input that no carrier could answer, caught before any request.
#[component]
fn InvalidInput(
    number: String,
    suggestions: Vec<String>,
    options: WidgetOptions,
    locale: Locale,
) -> impl IntoView {
    view! {
        <div class="tl-state" data-testid="state-invalid" data-state="invalid" role="status">
            <p class="tl-state-title" data-testid="state-title">{tr(locale, "state.invalid.title")}</p>
            <p class="tl-state-body">{tr(locale, "state.invalid.body")}</p>
            <p class="tl-number tl-number-small" data-testid="state-number">{number}</p>
            {suggestions.first().cloned().map(|suggestion| {
                let chosen = suggestion.clone();
                view! {
                    <p class="tl-suggestion">
                        {tr(locale, "state.invalid.suggestion")} " "
                        <button type="button" class="tl-link-button" data-testid="suggestion"
                            on:click=move |_| options.typed.set(Some(chosen.clone()))>
                            {suggestion}
                        </button>
                        "?"
                    </p>
                }
            })}
        </div>
    }
}
