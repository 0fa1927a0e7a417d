//! The states a reference passes through, and what each tells the consumer, with a next step.

pub mod wait;

use leptos::prelude::*;
use trackline_core::model::{Carrier, Shipment};

use crate::details::tr_around;
use crate::fetch::Denial;
use crate::i18n::{tr, Locale};

/// A text with its `{n}` placeholder as a live countdown element, wherever the language puts it.
fn with_countdown(locale: Locale, key: &str, seconds: u64) -> AnyView {
    let (before, after) = tr_around(locale, key, "n");
    view! {
        {before}
        <span data-testid="countdown" class="tl-countdown">{seconds}</span>
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

/// A placeholder with the found view's outline, so that the answer causes no layout jump.
#[component]
pub fn Skeleton(locale: Locale) -> impl IntoView {
    view! {
        <div class="tl-state tl-skeleton" data-testid="state-loading" data-state="loading" aria-busy="true">
            <span class="tl-visually-hidden">{tr(locale, "state.loading")}</span>
            <div class="tl-skel tl-skel-title"></div>
            <div class="tl-skel tl-skel-line"></div>
            <div class="tl-skel tl-skel-line tl-skel-short"></div>
            <div class="tl-skel tl-skel-steps"></div>
            <div class="tl-skel tl-skel-block"></div>
            <div class="tl-skel tl-skel-line"></div>
            <div class="tl-skel tl-skel-line tl-skel-short"></div>
            <div class="tl-skel tl-skel-line"></div>
        </div>
    }
}

/// The title, body and next step of every state except loading, found and choose.
#[component]
pub fn StateMessage(
    state: LoadState,
    number: String,
    locale: Locale,
    /// Asks again at once (the "try again" buttons).
    retry: Callback<()>,
) -> impl IntoView {
    let name = state.name();
    let (title, body, action): (String, AnyView, AnyView) = match state {
        LoadState::NotFound { fallback } => (
            tr(locale, "state.not_found.title"),
            tr(locale, "state.not_found.body").into_any(),
            view! {
                {fallback.map(|href| view! {
                    <a class="tl-link" data-testid="fallback-link" href=href target="_blank" rel="noopener noreferrer">
                        {tr(locale, "state.not_found.fallback")}
                    </a>
                })}
                <button class="tl-button" type="button" data-testid="retry" on:click=move |_| retry.run(())>
                    {tr(locale, "state.not_found.action")}
                </button>
            }
            .into_any(),
        ),
        LoadState::Invalid => (
            tr(locale, "state.invalid.title"),
            tr(locale, "state.invalid.body").into_any(),
            ().into_any(),
        ),
        LoadState::RateLimited { seconds_left } => (
            tr(locale, "state.rate_limited.title"),
            with_countdown(locale, "state.rate_limited.body", seconds_left),
            ().into_any(),
        ),
        LoadState::Offline => (
            tr(locale, "state.offline.title"),
            tr(locale, "state.offline.body").into_any(),
            ().into_any(),
        ),
        LoadState::Retrying { seconds_left, .. } => (
            tr(locale, "state.retrying.title"),
            with_countdown(locale, "state.retrying.body", seconds_left),
            ().into_any(),
        ),
        LoadState::Failed => (
            tr(locale, "state.failed.title"),
            tr(locale, "state.failed.body").into_any(),
            view! {
                <button class="tl-button" type="button" data-testid="retry" on:click=move |_| retry.run(())>
                    {tr(locale, "state.failed.action")}
                </button>
            }
            .into_any(),
        ),
        LoadState::Denied(_) => {
            let title_key = state.title_key();
            let body_key = title_key.replace(".title", ".body");
            (
                tr(locale, title_key),
                tr(locale, &body_key).into_any(),
                ().into_any(),
            )
        }
        LoadState::Misconfigured => (
            tr(locale, "state.misconfigured.title"),
            tr(locale, "state.misconfigured.body").into_any(),
            ().into_any(),
        ),
        LoadState::Malformed => (
            tr(locale, "state.malformed.title"),
            tr(locale, "state.malformed.body").into_any(),
            view! {
                <button class="tl-button" type="button" data-testid="retry" on:click=move |_| retry.run(())>
                    {tr(locale, "state.malformed.action")}
                </button>
            }
            .into_any(),
        ),
        LoadState::Loading | LoadState::Found(_) | LoadState::Choose(_) => {
            (String::new(), ().into_any(), ().into_any())
        }
    };
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
}

#[cfg(test)]
mod tests {
    use super::*;

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
