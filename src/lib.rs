//! The Trackline widget: a `<trackline-widget>` custom element that renders, inside its own
//! shadow root, where a parcel is.
//!
//! The module split follows what changes together: `element` and `api` are the bridge to the host
//! page (custom element, auto-mount, `Trackline.mount`), `options` decides what to show from
//! attributes and the page URL, `loader` asks the carriers (through `fetch`) and retries, counts
//! down and refreshes, `parcels` and `states` render what the loaders expose, `events` tells the
//! host page.

pub mod api;
pub mod details;
mod eager;
mod element;
pub mod entry;
pub mod events;
pub mod fetch;
pub mod format;
pub mod i18n;
mod js_value;
pub mod later;
pub mod loader;
pub mod options;
pub mod overview;
pub mod parcels;
mod session_key;
pub mod states;

use leptos::prelude::*;
use send_wrapper::SendWrapper;
use web_sys::HtmlElement;

pub use options::WidgetOptions;

use crate::i18n::{tr, Locale};
#[cfg(trackline_split)]
use crate::later::ModuleUnavailable;
use crate::loader::FetchInputs;
use crate::options::{Resolved, Source, Theme};
use crate::overview::{Overview, OverviewInputs};
use crate::parcels::Tracking;
use crate::states::StatePart;

/// Defines `<trackline-widget>` as soon as the module is instantiated, so one script tag is all a
/// host page needs; the module that reads the answers is on its way before the first widget
/// mounts.
#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    element::prefetch_modules();
    #[cfg(target_arch = "wasm32")]
    i18n::read_own_texts();
    element::define();
}

/// What the card holds: decided by the references alone, apart from the cosmetic options, so
/// that a theme, tiles or refresh change re-renders what shows them and asks no carrier.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Content {
    /// The input is no usable reference; caught before any request.
    Invalid {
        number: String,
        suggestions: Vec<String>,
        /// The consumer may type another (the input did not come from the merchant).
        can_retype: bool,
    },
    /// No reference at all: the form.
    Entry,
    /// A personal key and no reference (`?id=KEY`): the key's shipments.
    Overview(OverviewInputs),
    Tracking(FetchInputs),
}

impl Content {
    pub(crate) fn of(resolved: &Resolved) -> Self {
        if let Some(problem) = &resolved.problem {
            Content::Invalid {
                number: resolved.input.clone().unwrap_or_default(),
                suggestions: problem.suggestions.clone(),
                can_retype: resolved.source != Source::Attribute,
            }
        } else if resolved.references.is_empty() {
            match &resolved.access_key {
                Some(key) if resolved.source == Source::Nothing => {
                    Content::Overview(OverviewInputs {
                        proxy: resolved.proxy.clone(),
                        key: key.clone(),
                        di_locale: trackline_core::carrier::di::Locale::for_language(
                            resolved.lang.as_deref(),
                        ),
                    })
                }
                _ => Content::Entry,
            }
        } else {
            Content::Tracking(FetchInputs::from_resolved(resolved))
        }
    }
}

/// The whole widget for one element. `host` receives the `trackline:*` events.
#[component]
pub fn TracklineWidget(
    options: WidgetOptions,
    #[prop(optional)] host: Option<SendWrapper<HtmlElement>>,
) -> impl IntoView {
    let resolved = Memo::new(move |_| options.resolve());
    // One memo per thing shown, so that each changes only what depends on it.
    let content = Memo::new(move |_| resolved.with(Content::of));
    let theme = Memo::new(move |_| resolved.with(|r| r.theme));
    let tiles = Memo::new(move |_| resolved.with(|r| r.tiles.clone()));
    let refresh_secs = Memo::new(move |_| resolved.with(|r| r.refresh_secs));
    let wanted = Memo::new(move |_| resolved.with(|r| Locale::resolve(r.lang.as_deref())));
    // The language the words are in: the wanted one once its catalog is here, until then the one
    // shown so far. The card carries it (not the raw tag asked for), so that a screen reader
    // pronounces the words right and the pseudo locale mirrors the states as well.
    let locale =
        Memo::new(move |shown: Option<&Locale>| i18n::locale_to_show(wanted.get(), shown.copied()));
    let theme = move || match theme.get() {
        Theme::Auto => "auto",
        Theme::Light => "light",
        Theme::Dark => "dark",
    };
    let lang = move || locale.get().tag();
    let dir = move || locale.get().dir();
    // An input caught before any request is told to the host page after it is shown.
    if let Some(host) = host.clone() {
        Effect::new(move |_| {
            options.reload.track();
            if content.with(|c| matches!(c, Content::Invalid { .. })) {
                events::error(&host, "invalid", None, None);
            }
        });
    }
    view! {
        <section class="tl-card" part="card" data-testid="widget" data-theme=theme lang=lang dir=dir>
            {move || {
                // Read so that `refresh()` and "try again" re-create the loaders.
                options.reload.track();
                match content.get() {
                    // A release build fetches the form's and this message's code when they are
                    // first shown (crate::states::show), with the states an answer brings: a
                    // parcel found at once never needs it.
                    Content::Invalid { number, suggestions, can_retype } => {
                        let locale = locale.get();
                        states::show(
                            StatePart::Invalid {
                                number,
                                suggestions,
                                can_retype,
                                options,
                                locale,
                            },
                            states::skeleton,
                        )
                    }
                    Content::Entry => {
                        let locale = locale.get();
                        states::show(
                            StatePart::Entry { options, locale },
                            states::form_skeleton,
                        )
                    }
                    Content::Overview(inputs) => {
                        // A release build fetches the overview's code once it is asked for:
                        // parcel pages never need it.
                        overview(OverviewPart {
                            inputs,
                            refresh_secs: refresh_secs.into(),
                            tiles: tiles.into(),
                            options,
                            locale: locale.into(),
                            host: host.clone(),
                        })
                    }
                    Content::Tracking(inputs) => {
                        // A catalog that arrives once the carriers were asked re-words the views
                        // inside Tracking, without asking them again.
                        let locale = Signal::from(locale);
                        let wanted = Signal::from(wanted);
                        view! {
                            <Tracking inputs refresh_secs tiles options locale wanted host=host.clone() />
                        }
                        .into_any()
                    }
                }
            }}
        </section>
    }
}

/// What the overview of a key's shipments is mounted with.
#[derive(Clone)]
struct OverviewPart {
    inputs: OverviewInputs,
    refresh_secs: Signal<Option<u32>>,
    tiles: Signal<Option<String>>,
    options: WidgetOptions,
    locale: Signal<Locale>,
    host: Option<SendWrapper<HtmlElement>>,
}

fn overview_view(part: OverviewPart) -> AnyView {
    let OverviewPart {
        inputs,
        refresh_secs,
        tiles,
        options,
        locale,
        host,
    } = part;
    view! { <Overview inputs refresh_secs tiles options locale host /> }.into_any()
}

/// The overview's split point of a release build (crate::later).
#[cfg(trackline_split)]
#[leptos::wasm_split::wasm_split(overview, wasm_split_path = ::leptos::wasm_split, fallible)]
fn load_overview(part: OverviewPart) -> Result<AnyView, ModuleUnavailable> {
    Ok(overview_view(part))
}

/// The overview: in a split build once its module is here, in a build of one module at once.
#[cfg(trackline_split)]
fn overview(part: OverviewPart) -> AnyView {
    let locale = part.locale;
    later::when_loaded_or(locale, states::overview_skeleton, move || {
        load_overview(part.clone())
    })
    .into_any()
}

#[cfg(not(trackline_split))]
fn overview(part: OverviewPart) -> AnyView {
    overview_view(part)
}

/// An input that no carrier could answer, caught before any request.
#[component]
pub(crate) fn InvalidInput(
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
