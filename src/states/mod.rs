//! The states a reference passes through, and what each tells the consumer, with a next step.
//!
//! A parcel found at once shows only the loading placeholder before its headline: the views of
//! the states an answer brings (a message with its next step, the choice between carriers), of
//! the form for a number and of an input no carrier could answer are fetched by a release build
//! when one is first shown ([`show`], the module `states`), and are not among what the first load
//! waits for. The states of the connection (offline, a retry's countdown, retries spent) are in
//! the first load: the network that failed would fail the fetch of their module too.

pub mod wait;

use leptos::prelude::*;
use trackline_core::model::{Carrier, Shipment};

use crate::details::tr_around;
use crate::entry::EntryForm;
use crate::fetch::Denial;
use crate::i18n::{tr, Locale};
#[cfg(trackline_split)]
use crate::later::{self, ModuleUnavailable};
use crate::options::WidgetOptions;
use crate::parcels::ChooseCarrier;
use crate::InvalidInput;

/// A state's view that a release build fetches when it is first shown, with what it is shown with.
#[derive(Clone)]
pub(crate) enum StatePart {
    /// A reference's state that an answer brought: its message and next step
    /// ([`state_message`]).
    Message(StateMessage),
    /// More than one carrier knows the number: the consumer picks.
    Choose {
        number: String,
        shipments: Vec<Shipment>,
        options: WidgetOptions,
        locale: Locale,
    },
    /// The input is no usable reference, with the form when the consumer may type another.
    Invalid {
        number: String,
        suggestions: Vec<String>,
        can_retype: bool,
        options: WidgetOptions,
        locale: Locale,
    },
    /// No reference at all: the form for a number.
    Entry {
        options: WidgetOptions,
        locale: Locale,
    },
}

#[cfg(trackline_split)]
impl StatePart {
    fn locale(&self) -> Locale {
        match self {
            StatePart::Message(StateMessage { locale, .. })
            | StatePart::Choose { locale, .. }
            | StatePart::Invalid { locale, .. }
            | StatePart::Entry { locale, .. } => *locale,
        }
    }
}

fn state_view(part: StatePart) -> AnyView {
    match part {
        StatePart::Message(message) => {
            let shown = answer_message(&message);
            message_view(message.state.name(), message.number, shown)
        }
        StatePart::Choose {
            number,
            shipments,
            options,
            locale,
        } => view! { <ChooseCarrier number shipments options locale /> }.into_any(),
        StatePart::Invalid {
            number,
            suggestions,
            can_retype,
            options,
            locale,
        } => view! {
            <InvalidInput number suggestions options locale />
            {can_retype.then(|| view! { <EntryForm options locale /> })}
        }
        .into_any(),
        StatePart::Entry { options, locale } => view! { <EntryForm options locale /> }.into_any(),
    }
}

/// The split point of a release build: the module `states`.
#[cfg(trackline_split)]
#[leptos::wasm_split::wasm_split(
    states,
    wasm_split_path = ::leptos::wasm_split,
    fallible,
    preload(prefetch_states)
)]
fn load_state(part: StatePart) -> Result<AnyView, ModuleUnavailable> {
    Ok(state_view(part))
}

/// Shows a state: in a split build once the module `states` is here, with `pending` until then
/// (the loading placeholder, where a reference's answer replaces it); in a build of one module
/// at once.
#[cfg(trackline_split)]
pub(crate) fn show(part: StatePart, pending: fn(Locale) -> AnyView) -> AnyView {
    let locale = Signal::stored(part.locale());
    later::when_loaded_or(locale, pending, move || load_state(part.clone())).into_any()
}

#[cfg(not(trackline_split))]
pub(crate) fn show(part: StatePart, _pending: fn(Locale) -> AnyView) -> AnyView {
    state_view(part)
}

/// Starts fetching the module `states` (a page whose widget shows the form or an input no
/// carrier could answer needs it before anything else); nothing in a build of one module.
pub(crate) fn prefetch() {
    #[cfg(trackline_split)]
    crate::eager::spawn(async {
        let _ = prefetch_states().await;
    });
}

/// A text with its `{n}` placeholder as a live countdown element, wherever the language puts it:
/// only the element changes as the seconds tick.
fn with_countdown(locale: Locale, key: &str, seconds: Signal<u64>) -> AnyView {
    let (before, after) = tr_around(locale, key, "n");
    view! {
        {before}
        <span data-testid="countdown" class="tl-countdown">{move || seconds.get()}</span>
        {after}
    }
    .into_any()
}

/// Where one reference is.
#[derive(Debug, Clone, PartialEq)]
pub enum LoadState {
    Loading,
    Found(Vec<Shipment>),
    /// More than one carrier knows the number: the consumer picks.
    Choose(Vec<Shipment>),
    NotFound {
        /// The carrier's own tracking page, where one is known.
        fallback: Option<String>,
    },
    /// The carrier or the proxy refused the reference as malformed.
    Invalid,
    RateLimited {
        seconds_left: u64,
    },
    Offline,
    Retrying {
        attempt: u32,
        seconds_left: u64,
    },
    /// Retries are spent.
    Failed,
    /// The proxy will not show the shipment to this link or key.
    Denied(Denial),
    Misconfigured,
    Malformed,
}

impl LoadState {
    /// The name used in `data-state` and in `trackline:error` events.
    pub fn name(&self) -> &'static str {
        match self {
            LoadState::Loading => "loading",
            LoadState::Found(_) => "found",
            LoadState::Choose(_) => "choose",
            LoadState::NotFound { .. } => "not_found",
            LoadState::Invalid => "invalid",
            LoadState::RateLimited { .. } => "rate_limited",
            LoadState::Offline => "offline",
            LoadState::Retrying { .. } => "retrying",
            LoadState::Failed => "failed",
            LoadState::Denied(Denial::LinkExpired) => "link_expired",
            LoadState::Denied(Denial::LinkInvalid) => "link_invalid",
            LoadState::Denied(Denial::SignatureRequired) => "signature_required",
            LoadState::Denied(Denial::KeyRefused) => "key_refused",
            LoadState::Misconfigured => "misconfigured",
            LoadState::Malformed => "malformed",
        }
    }

    /// The seconds a countdown state (a retry's, a rate limit's) has left; 0 for the others.
    pub fn seconds_left(&self) -> u64 {
        match self {
            LoadState::Retrying { seconds_left, .. } | LoadState::RateLimited { seconds_left } => {
                *seconds_left
            }
            _ => 0,
        }
    }

    /// The catalog key of the state's headline in words, for the tab of a reference that found
    /// no parcel (yet).
    pub fn title_key(&self) -> &'static str {
        match self {
            LoadState::Loading | LoadState::Found(_) => "state.loading",
            LoadState::Choose(_) => "state.choose.title",
            LoadState::NotFound { .. } => "state.not_found.title",
            LoadState::Invalid => "state.invalid.title",
            LoadState::RateLimited { .. } => "state.rate_limited.title",
            LoadState::Offline => "state.offline.title",
            LoadState::Retrying { .. } => "state.retrying.title",
            LoadState::Failed => "state.failed.title",
            LoadState::Denied(Denial::LinkExpired) => "state.link_expired.title",
            LoadState::Denied(Denial::LinkInvalid) => "state.link_invalid.title",
            LoadState::Denied(Denial::SignatureRequired) => "state.signature_required.title",
            LoadState::Denied(Denial::KeyRefused) => "state.key_refused.title",
            LoadState::Misconfigured => "state.misconfigured.title",
            LoadState::Malformed => "state.malformed.title",
        }
    }
}

/// The carrier's public tracking page for a number, where the carrier has one.
pub fn carrier_page(carrier: Carrier, number: &str) -> Option<String> {
    carrier.public_tracking_page(number)
}

/// The loading placeholder, as the view shown while a state's module is on its way.
pub(crate) fn skeleton(locale: Locale) -> AnyView {
    view! { <Skeleton locale /> }.into_any()
}

/// The same placeholder while a key's overview is on its way (its module, then its first page of
/// shipments), worded for a list: it keeps the place the loader kept, so that the page below
/// moves once, when the list is shown, not first up as the widget starts and then down again.
pub(crate) fn overview_skeleton(locale: Locale) -> AnyView {
    view! { <Skeleton locale label="overview.loading" /> }.into_any()
}

/// The placeholder of a widget that will show the form for a number, while the form's module is
/// on its way: the form's own lines with bars for their words ([`Outline::Form`]), so that the
/// form takes its place without moving the page. The loader keeps the same height before the
/// wasm runs on a page whose address names nothing to track (`js/trackline.js`).
pub(crate) fn form_skeleton(locale: Locale) -> AnyView {
    view! {
        <div class="tl-skeleton tl-skel-form" data-testid="state-loading" data-state="loading" aria-busy="true">
            <span class="tl-visually-hidden">{tr(locale, "state.no_reference.title")}</span>
            <div aria-hidden="true" inner_html=outline(Outline::Form)></div>
        </div>
    }
    .into_any()
}

/// The placeholders' outlines (`src/states/*-outline.html`, where each is described): markup
/// with no words, as build.rs joins it, one string rather than a view built node by node (a
/// view's code for each element weighs more in the first load than its markup).
#[derive(Clone, Copy)]
enum Outline {
    /// A parcel's ([`Skeleton`]).
    Parcel,
    /// The form's ([`form_skeleton`]).
    Form,
}

/// An outline as a build of one module (development, tests) holds it.
#[cfg(not(trackline_split))]
fn outline(outline: Outline) -> &'static str {
    match outline {
        Outline::Parcel => include_str!(concat!(env!("OUT_DIR"), "/parcel-outline.html")),
        Outline::Form => include_str!(concat!(env!("OUT_DIR"), "/form-outline.html")),
    }
}

/// An outline in a release build: the loader's, which drew the same while the wasm downloaded
/// and carries it for both ([`crate::element::from_loader`]); nothing without the loader, which
/// the widget's missing stylesheet already reports in the console.
#[cfg(trackline_split)]
fn outline(outline: Outline) -> String {
    let part = match outline {
        Outline::Parcel => "parcel",
        Outline::Form => "form",
    };
    crate::element::from_loader(part).unwrap_or_default()
}

/// A placeholder with the outline of what a parcel shows: the status header (icon and title,
/// the explanation, the last update, carrier and number with its copy button) and the stepper,
/// built from their own classes, and the timeline's first events. The answer replacing it moves
/// the host page as little as it can at any width: the stepper stands upright in a narrow widget
/// and is a row from 520px, like the real one, and on a phone the placeholder reaches past the
/// screen, where what changes below is not seen. The space a page keeps for the widget before it
/// starts (the loader's rule, `js/trackline.js`) is this placeholder's height.
#[component]
pub fn Skeleton(
    locale: Locale,
    /// The catalog key of the words a screen reader reads.
    #[prop(default = "state.loading")]
    label: &'static str,
) -> impl IntoView {
    view! {
        <div class="tl-details tl-skeleton" data-testid="state-loading" data-state="loading" aria-busy="true">
            <span class="tl-visually-hidden">{tr(locale, label)}</span>
            <div class="tl-skel-outline" aria-hidden="true" inner_html=outline(Outline::Parcel)></div>
        </div>
    }
}

/// What a state tells the consumer: a title, a body and a next step.
struct Message {
    title: String,
    body: AnyView,
    action: AnyView,
}

/// A "try again" button with the words of `key`.
fn retry_button(locale: Locale, key: &str, retry: Callback<()>) -> AnyView {
    view! {
        <button class="tl-button" type="button" data-testid="retry" on:click=move |_| retry.run(())>
            {tr(locale, key)}
        </button>
    }
    .into_any()
}

/// The message of a state of the connection: offline, a retry's countdown, retries spent. These
/// are in the first load, since they are shown when the network is what failed, and with it
/// the fetch of any module.
fn connection_message(message: &StateMessage) -> Option<Message> {
    let StateMessage {
        locale,
        retry,
        seconds_left,
        ..
    } = *message;
    Some(match message.state {
        LoadState::Offline => Message {
            title: tr(locale, "state.offline.title"),
            body: tr(locale, "state.offline.body").into_any(),
            action: ().into_any(),
        },
        LoadState::Retrying { .. } => Message {
            title: tr(locale, "state.retrying.title"),
            body: with_countdown(locale, "state.retrying.body", seconds_left),
            action: ().into_any(),
        },
        LoadState::Failed => Message {
            title: tr(locale, "state.failed.title"),
            body: tr(locale, "state.failed.body").into_any(),
            action: retry_button(locale, "state.failed.action", retry),
        },
        _ => return None,
    })
}

/// The message of a state that an answer brought (in the module `states` of a release build).
fn answer_message(message: &StateMessage) -> Message {
    let StateMessage {
        ref state,
        locale,
        retry,
        seconds_left,
        ..
    } = *message;
    let text = |title: &str, body: &str| Message {
        title: tr(locale, title),
        body: tr(locale, body).into_any(),
        action: ().into_any(),
    };
    match state {
        LoadState::NotFound { fallback } => Message {
            title: tr(locale, "state.not_found.title"),
            body: tr(locale, "state.not_found.body").into_any(),
            action: view! {
                {fallback.clone().map(|href| view! {
                    <a class="tl-link" data-testid="fallback-link" href=href target="_blank" rel="noopener noreferrer">
                        {tr(locale, "state.not_found.fallback")}
                    </a>
                })}
                {retry_button(locale, "state.not_found.action", retry)}
            }
            .into_any(),
        },
        LoadState::Invalid => text("state.invalid.title", "state.invalid.body"),
        LoadState::RateLimited { .. } => Message {
            title: tr(locale, "state.rate_limited.title"),
            body: with_countdown(locale, "state.rate_limited.body", seconds_left),
            action: ().into_any(),
        },
        LoadState::Denied(_) => {
            let title_key = state.title_key();
            text(title_key, &title_key.replace(".title", ".body"))
        }
        LoadState::Misconfigured => text("state.misconfigured.title", "state.misconfigured.body"),
        LoadState::Malformed => Message {
            action: retry_button(locale, "state.malformed.action", retry),
            ..text("state.malformed.title", "state.malformed.body")
        },
        _ => connection_message(message).unwrap_or_else(|| Message {
            title: String::new(),
            body: ().into_any(),
            action: ().into_any(),
        }),
    }
}

/// A state's message with the reference's number and the next step.
fn message_view(name: &'static str, number: String, message: Message) -> AnyView {
    let Message {
        title,
        body,
        action,
    } = message;
    view! {
        <div class="tl-state" data-testid=format!("state-{}", name.replace('_', "-")) data-state=name role="status">
            <p class="tl-state-title" data-testid="state-title">{title}</p>
            <p class="tl-state-body">{body}</p>
            {(!number.is_empty()).then(|| view! {
                <p class="tl-number tl-number-small" data-testid="state-number">{number}</p>
            })}
            <div class="tl-actions">{action}</div>
        </div>
    }
    .into_any()
}

/// A reference's state other than loading, found and choose, with what its message needs.
#[derive(Clone)]
pub(crate) struct StateMessage {
    pub state: LoadState,
    /// The reference's number, shown under the message (none in the overview).
    pub number: String,
    /// The seconds a countdown shows; they tick here, not in `state`, so that the message is not
    /// built again each second.
    pub seconds_left: Signal<u64>,
    pub locale: Locale,
    /// Asks again at once (the "try again" buttons).
    pub retry: Callback<()>,
}

/// The title, body and next step of a state: the states of the connection at once, the others
/// through [`show`], with `pending` until their module is here.
pub(crate) fn state_message(message: StateMessage, pending: fn(Locale) -> AnyView) -> AnyView {
    match connection_message(&message) {
        Some(shown) => message_view(message.state.name(), message.number, shown),
        None => show(StatePart::Message(message), pending),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_placeholder_shows_as_many_events_as_the_timeline_shows_at_first() {
        assert_eq!(
            outline(Outline::Parcel).matches("tl-skel-event").count(),
            crate::details::COLLAPSED_EVENTS
        );
    }

    #[test]
    fn every_state_headline_used_in_a_tab_is_in_the_catalog() {
        let states = [
            LoadState::Loading,
            LoadState::Choose(Vec::new()),
            LoadState::NotFound { fallback: None },
            LoadState::Invalid,
            LoadState::RateLimited { seconds_left: 1 },
            LoadState::Offline,
            LoadState::Retrying {
                attempt: 1,
                seconds_left: 1,
            },
            LoadState::Failed,
            LoadState::Denied(Denial::LinkExpired),
            LoadState::Denied(Denial::LinkInvalid),
            LoadState::Denied(Denial::SignatureRequired),
            LoadState::Denied(Denial::KeyRefused),
            LoadState::Misconfigured,
            LoadState::Malformed,
        ];
        crate::i18n::install_catalog(Locale::De, include_str!("../../locales/de.txt"))
            .expect("the German catalog is well formed");
        for state in states {
            let key = state.title_key();
            assert_ne!(tr(Locale::En, key), key, "{} has no words", state.name());
            assert_ne!(
                tr(Locale::De, key),
                tr(Locale::En, key),
                "{} is not translated",
                state.name()
            );
        }
    }
}
