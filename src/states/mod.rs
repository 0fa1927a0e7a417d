//! The states a reference passes through, and what each tells the consumer, with a next step.

pub mod texts;
pub mod wait;

use leptos::prelude::*;
use trackline_core::model::{Carrier, Shipment};

use texts::text;

/// A text with its `{n}` placeholder as a live countdown element.
fn with_countdown(key: &str, seconds: u64) -> AnyView {
    let full = text(key);
    let (before, after) = full.split_once("{n}").unwrap_or((full, ""));
    view! {
        {before.to_owned()}
        <span data-testid="countdown" class="tl-countdown">{seconds}</span>
        {after.to_owned()}
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
            LoadState::Misconfigured => "misconfigured",
            LoadState::Malformed => "malformed",
        }
    }
}

/// The carrier's public tracking page for a number, where the carrier has one.
pub fn carrier_page(carrier: Carrier, number: &str) -> Option<String> {
    match carrier {
        Carrier::Inpost => Some(format!(
            "https://inpost.pl/sledzenie-przesylek?number={}",
            trackline_core::carrier::percent_encode(number)
        )),
        Carrier::Di | Carrier::Trackonline => None,
    }
}

/// A placeholder with the found view's outline, so that the answer causes no layout jump.
#[component]
pub fn Skeleton() -> impl IntoView {
    view! {
        <div class="tl-state tl-skeleton" data-testid="state-loading" data-state="loading" aria-busy="true">
            <span class="tl-visually-hidden">{text("state.loading")}</span>
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
    /// Asks again at once (the "try again" buttons).
    retry: Callback<()>,
) -> impl IntoView {
    let name = state.name();
    let (title, body, action): (String, AnyView, AnyView) = match state {
        LoadState::NotFound { fallback } => (
            text("state.not_found.title").into(),
            text("state.not_found.body").into_any(),
            view! {
                {fallback.map(|href| view! {
                    <a class="tl-link" data-testid="fallback-link" href=href target="_blank" rel="noopener noreferrer">
                        {text("state.not_found.fallback")}
                    </a>
                })}
                <button class="tl-button" type="button" data-testid="retry" on:click=move |_| retry.run(())>
                    {text("state.not_found.action")}
                </button>
            }
            .into_any(),
        ),
        LoadState::Invalid => (
            text("state.invalid.title").into(),
            text("state.invalid.body").into_any(),
            ().into_any(),
        ),
        LoadState::RateLimited { seconds_left } => (
            text("state.rate_limited.title").into(),
            with_countdown("state.rate_limited.body", seconds_left),
            ().into_any(),
        ),
        LoadState::Offline => (
            text("state.offline.title").into(),
            text("state.offline.body").into_any(),
            ().into_any(),
        ),
        LoadState::Retrying { seconds_left, .. } => (
            text("state.retrying.title").into(),
            with_countdown("state.retrying.body", seconds_left),
            ().into_any(),
        ),
        LoadState::Failed => (
            text("state.failed.title").into(),
            text("state.failed.body").into_any(),
            view! {
                <button class="tl-button" type="button" data-testid="retry" on:click=move |_| retry.run(())>
                    {text("state.failed.action")}
                </button>
            }
            .into_any(),
        ),
        LoadState::Misconfigured => (
            text("state.misconfigured.title").into(),
            text("state.misconfigured.body").into_any(),
            ().into_any(),
        ),
        LoadState::Malformed => (
            text("state.malformed.title").into(),
            text("state.malformed.body").into_any(),
            view! {
                <button class="tl-button" type="button" data-testid="retry" on:click=move |_| retry.run(())>
                    {text("state.malformed.action")}
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
            <p class="tl-number tl-number-small" data-testid="state-number">{number}</p>
            <div class="tl-actions">{action}</div>
        </div>
    }
}
