//! The overview of a personal key's shipments (`?id=KEY` alone): the shipments registered to the
//! key's user, newest first, a page at a time, with a search over their references. Each row's
//! status is asked for the visible page only, a few at a time, through the same loaders (and so
//! the same carrier routes and core adapters) as a single shipment. Choosing a row opens its
//! details; "back" and the browser's back button return to the list as it was.

use leptos::prelude::*;
use send_wrapper::SendWrapper;
use trackline_core::carrier::di::Locale as DiLocale;
use trackline_core::overview::{OwnShipment, ShipmentsPage, ShipmentsQuery};
use trackline_core::status::Status;
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;

use crate::details::header::LastSeen;
use crate::details::{carrier_name, icons};
use crate::fetch::{self, Cancel, Credentials, Outcome, ProxyEndpoint};
use crate::format::{now_millis, relative_time};
use crate::i18n::{tr, tr_args, Locale};
use crate::loader::{self, count_down, FetchInputs, Loader, NextStep, Retries};
use crate::options::WidgetOptions;
use crate::parcels::Tracking;
use crate::states::{self, wait, LoadState, StateMessage};

/// At most this many shipments of a page ask their carriers at once.
pub const STATUSES_AT_ONCE: usize = 4;
/// How long typing pauses before the search is sent.
const SEARCH_PAUSE_MS: u64 = 300;
/// The `history.state` of the entry pushed when a shipment opens from the overview.
const DETAILS_HISTORY_STATE: &str = "trackline-overview-details";

/// What the overview asks with: the merchant's proxy, the key, and Di's language.
#[derive(Debug, Clone, PartialEq)]
pub struct OverviewInputs {
    pub proxy: ProxyEndpoint,
    pub key: String,
    pub di_locale: DiLocale,
}

impl OverviewInputs {
    /// The fetch inputs of some of the key's shipments: the key goes with every request, so the
    /// proxy answers them by the key's scope.
    fn fetch_inputs(&self, shipments: &[OwnShipment]) -> FetchInputs {
        FetchInputs {
            proxy: self.proxy.clone(),
            references: shipments.iter().map(|s| s.reference.clone()).collect(),
            carrier: None,
            credentials: Credentials {
                access_key: Some(self.key.clone()),
                link: None,
            },
            di_locale: self.di_locale,
        }
    }
}

/// Where the list is.
#[derive(Debug, Clone, PartialEq)]
enum Listing {
    Loading,
    Ready(ShipmentsPage),
    /// The list could not be read: the key is refused, the proxy is not Trackline's, …
    Failed(LoadState),
}

/// The overview's rules (style/overview.css, minified by `build.rs`): they come with this module,
/// not in the stylesheet every widget starts with.
const OVERVIEW_STYLE: &str = include_str!(concat!(env!("OUT_DIR"), "/overview.css"));

/// Pushes a history entry for an opened shipment, so that the browser's back button closes it.
/// The address stays as it is (without the key). False when the browser refuses.
fn push_details_entry() -> bool {
    web_sys::window()
        .and_then(|window| window.history().ok())
        .is_some_and(|history| {
            history
                .push_state(&DETAILS_HISTORY_STATE.into(), "")
                .is_ok()
        })
}

/// The key's shipments, or one of them opened.
#[component]
pub fn Overview(
    inputs: OverviewInputs,
    #[prop(into)] refresh_secs: Signal<Option<u32>>,
    #[prop(into)] tiles: Signal<Option<String>>,
    options: WidgetOptions,
    locale: Signal<Locale>,
    host: Option<SendWrapper<HtmlElement>>,
) -> impl IntoView {
    let query = RwSignal::new(ShipmentsQuery::default());
    let asked = RwSignal::new(0_u32);
    let listing = RwSignal::new(Listing::Loading);
    let busy = RwSignal::new(false);
    let inputs = StoredValue::new(inputs);
    let network = StoredValue::new_local(loader::network());
    let in_flight = StoredValue::new_local(None::<Cancel>);
    // The seconds until the list is asked for again, while a countdown state shows.
    let seconds_left = RwSignal::new(0_u64);

    // The page asked for: a new page or search cancels the one still in flight, and its wait.
    // An answer that did not come is asked for again as a shipment's is: after the proxy's
    // rate limit, after a timeout or a server error (a few times, backing off), once the
    // browser is back online.
    Effect::new(move |_| {
        let query = query.get();
        asked.track();
        if let Some(previous) = in_flight.get_value() {
            previous.cancel();
        }
        let cancel = Cancel::default();
        in_flight.set_value(Some(cancel.clone()));
        busy.set(true);
        let inputs = inputs.get_value();
        let network = network.get_value();
        leptos::task::spawn_local(async move {
            let stop = cancel.signal();
            let mut retries = Retries::default();
            loop {
                let answer =
                    fetch::own_shipments(&inputs.proxy, &inputs.key, &query, &cancel, &network)
                        .await;
                if cancel.is_cancelled() {
                    return;
                }
                busy.try_set(false);
                let failure = match answer {
                    Ok(page) => {
                        listing.try_set(Listing::Ready(page));
                        return;
                    }
                    Err(Outcome::Cancelled) => return,
                    // No answer a list can bring: asking again would bring it again, and a
                    // reference's words ("not a valid number") would not fit.
                    Err(Outcome::Invalid(_) | Outcome::NotFound | Outcome::Found(_)) => {
                        listing.try_set(Listing::Failed(LoadState::Failed));
                        return;
                    }
                    Err(outcome) => outcome,
                };
                loader::report("the overview", &failure);
                let next = retries.after(&failure, |attempt, retry_after| {
                    loader::retry_wait_secs(attempt, retry_after, &network)
                });
                match next {
                    NextStep::AskAgainIn(countdown) => {
                        seconds_left.try_set(countdown.seconds);
                        listing.try_set(Listing::Failed(countdown.state(countdown.seconds)));
                        // Each second ticks in the countdown's own element, not in a new panel.
                        let stopped = || cancel.is_cancelled();
                        if !count_down(countdown, &stop, stopped, |left| {
                            seconds_left.try_set(left);
                        })
                        .await
                        {
                            return;
                        }
                    }
                    NextStep::AskWhenOnline => {
                        listing.try_set(Listing::Failed(LoadState::Offline));
                        wait::online(&stop).await;
                        if cancel.is_cancelled() {
                            return;
                        }
                    }
                    NextStep::Stop(state) => {
                        listing.try_set(Listing::Failed(state));
                        return;
                    }
                }
                busy.try_set(true);
            }
        });
    });
    on_cleanup(move || {
        if let Some(Some(cancel)) = in_flight.try_get_value() {
            cancel.cancel();
        }
    });

    // The shipment opened from the list (its row's index on the page), and whether the browser
    // holds a history entry for it.
    let opened = RwSignal::new(None::<(usize, OwnShipment)>);
    let pushed = StoredValue::new(false);
    let list = NodeRef::<leptos::html::Div>::new();
    let close = move || {
        let Some((index, _)) = opened.get_untracked() else {
            return;
        };
        opened.set(None);
        pushed.set_value(false);
        // Back where it was: the row that was opened has the focus (and is scrolled to).
        request_animation_frame(move || {
            let row = list.get_untracked().and_then(|list| {
                list.query_selector(&format!("[data-index=\"{index}\"]"))
                    .ok()
                    .flatten()
            });
            if let Some(row) = row.and_then(|row| row.dyn_into::<HtmlElement>().ok()) {
                let _ = row.focus();
            }
        });
    };
    let popstate = window_event_listener(leptos::ev::popstate, move |_| close());
    let popstate = SendWrapper::new(popstate);
    on_cleanup(move || popstate.take().remove());
    let open = Callback::new(move |chosen: (usize, OwnShipment)| {
        pushed.set_value(push_details_entry());
        opened.set(Some(chosen));
    });
    let back = move |_| {
        if pushed.get_value() {
            // The browser's back: its popstate closes the details, and the history stays true.
            if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
                if history.back().is_ok() {
                    return;
                }
            }
        }
        close();
    };

    // The search is sent once typing pauses; a new search starts on page 1.
    let draft = RwSignal::new(String::new());
    let typed = StoredValue::new(0_u64);
    let on_search = move |ev: leptos::ev::Event| {
        let value = event_target_value(&ev);
        draft.set(value);
        let mark = typed.get_value().wrapping_add(1);
        typed.set_value(mark);
        set_timeout(
            move || {
                if typed.try_get_value() == Some(mark) {
                    search_now(query, draft.get_untracked());
                }
            },
            std::time::Duration::from_millis(SEARCH_PAUSE_MS),
        );
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        typed.update_value(|mark| *mark = mark.wrapping_add(1));
        search_now(query, draft.get_untracked());
    };

    let retry = Callback::new(move |()| asked.update(|n| *n += 1));
    // Relative times ("2 hours ago") stay true while the list is open.
    let now = RwSignal::new(now_millis());
    if let Ok(handle) = set_interval_with_handle(
        move || now.set(now_millis()),
        std::time::Duration::from_secs(30),
    ) {
        on_cleanup(move || handle.clear());
    }

    let content = move || {
        let locale = locale.get();
        match listing.get() {
            Listing::Loading => loading_note(locale).into_any(),
            // The note stays until the state's view is here (crate::states::show).
            Listing::Failed(state) => states::state_message(
                StateMessage {
                    seconds_left: seconds_left.into(),
                    state,
                    number: String::new(),
                    locale,
                    retry,
                },
                |locale| loading_note(locale).into_any(),
            ),
            Listing::Ready(page) => {
                let inputs = inputs.get_value();
                view! { <OverviewPage page inputs query locale now open /> }.into_any()
            }
        }
    };

    // The details' own "try again" asks again about the opened shipment only: the list stays
    // where it was.
    let details_options = WidgetOptions {
        reload: RwSignal::new(0),
        ..options
    };
    let details = move || {
        let (_, shipment) = opened.get()?;
        let inputs = inputs
            .get_value()
            .fetch_inputs(std::slice::from_ref(&shipment));
        let host = host.clone();
        Some(view! {
            <div class="tl-overview-details" data-testid="overview-details">
                <button type="button" class="tl-link-button tl-back" data-testid="overview-back" on:click=back>
                    {move || tr(locale.get(), "overview.back")}
                </button>
                {move || {
                    details_options.reload.track();
                    let inputs = inputs.clone();
                    view! {
                        <Tracking inputs refresh_secs tiles options=details_options locale wanted=locale host=host.clone() />
                    }
                }}
            </div>
        })
    };

    // Until the first page is here, the placeholder keeps the widget's place (its module's
    // placeholder showed it already): the list below is built, but hidden.
    let first_page_pending = move || listing.with(|listing| matches!(listing, Listing::Loading));
    view! {
        <div class="tl-overview" data-testid="overview">
            <style>{OVERVIEW_STYLE}</style>
            {move || first_page_pending().then(|| states::overview_skeleton(locale.get()))}
            <div
                class="tl-overview-list"
                node_ref=list
                hidden=move || first_page_pending() || opened.with(Option::is_some)
            >
                <h2 class="tl-overview-title">{move || tr(locale.get(), "overview.title")}</h2>
                <form class="tl-overview-search" role="search" on:submit=on_submit>
                    <label class="tl-label" for="tl-overview-search">
                        {move || tr(locale.get(), "overview.search")}
                    </label>
                    <input
                        id="tl-overview-search"
                        class="tl-input"
                        data-testid="overview-search"
                        type="search"
                        autocomplete="off"
                        spellcheck="false"
                        prop:value=move || draft.get()
                        on:input=on_search
                    />
                </form>
                <div class="tl-overview-content" aria-busy=move || busy.get().to_string()>
                    {content}
                </div>
            </div>
            {details}
        </div>
    }
}

/// Sends the search: page 1 of the references that contain it.
fn search_now(query: RwSignal<ShipmentsQuery>, search: String) {
    let search = Some(search.trim().to_owned()).filter(|s| !s.is_empty());
    if query.with_untracked(|q| q.search == search) {
        return;
    }
    query.update(|q| {
        q.search = search;
        q.page = 1;
    });
}

/// One page of the list: a row per shipment, whose statuses load a few at a time, and the
/// pager. Made anew for every page, so that leaving a page stops asking about it.
#[component]
fn OverviewPage(
    page: ShipmentsPage,
    inputs: OverviewInputs,
    query: RwSignal<ShipmentsQuery>,
    locale: Locale,
    now: RwSignal<f64>,
    open: Callback<(usize, OwnShipment)>,
) -> impl IntoView {
    if page.shipments.is_empty() {
        let text = match query.with_untracked(|q| q.search.clone()) {
            Some(search) => tr_args(locale, "overview.no_match", &[("search", &search)]),
            None => tr(locale, "overview.empty"),
        };
        return view! {
            <p class="tl-overview-note" data-testid="overview-empty">{text}</p>
        }
        .into_any();
    }
    let loaders = loader::start_gated(
        &inputs.fetch_inputs(&page.shipments),
        Signal::stored(None),
        Some(loader::gate(STATUSES_AT_ONCE)),
    );
    let pages = page.pages();
    let current = page.page;
    let rows = page
        .shipments
        .into_iter()
        .zip(loaders)
        .enumerate()
        .map(|(index, (shipment, loader))| {
            view! { <OverviewRow index shipment loader locale now open /> }
        })
        .collect_view();
    let go = move |to: u32| query.update(|q| q.page = to);
    view! {
        <ul class="tl-overview-rows" data-testid="overview-rows" data-total=page.total>
            {rows}
        </ul>
        {(pages > 1).then(|| view! {
            <nav class="tl-pager" aria-label=tr(locale, "overview.pages")>
                <button type="button" class="tl-button" data-testid="overview-previous"
                    disabled={current <= 1} on:click=move |_| go(current - 1)>
                    {tr(locale, "overview.previous")}
                </button>
                <span class="tl-pager-where" data-testid="overview-page" aria-live="polite">
                    {tr_args(locale, "overview.page", &[
                        ("page", &current.to_string()),
                        ("pages", &pages.to_string()),
                    ])}
                </span>
                <button type="button" class="tl-button" data-testid="overview-next"
                    disabled={current >= pages} on:click=move |_| go(current + 1)>
                    {tr(locale, "overview.next")}
                </button>
            </nav>
        })}
    }
    .into_any()
}

/// What one row shows of its loader: exactly that, so that a countdown elsewhere rebuilds it not.
#[derive(Debug, Clone, PartialEq)]
struct RowStatus {
    /// `data-state`: the parcel's status, or the reference's state.
    name: &'static str,
    status: Option<Status>,
    words_key: String,
    carrier: Option<&'static str>,
    /// The carrier's last word, in milliseconds since the epoch.
    updated: Option<f64>,
    /// For a thing with positions rather than a status (a load carrier): where it was last seen,
    /// said instead of "Status unknown", as its details lead with it.
    seen_at: Option<String>,
}

impl RowStatus {
    fn of(state: &LoadState) -> Self {
        match state {
            LoadState::Found(shipments) if !shipments.is_empty() => {
                let shipment = &shipments[0];
                let seen = LastSeen::of(shipment);
                RowStatus {
                    name: shipment.status.as_str(),
                    status: Some(shipment.status),
                    words_key: format!("status.{}", shipment.status.as_str()),
                    carrier: Some(carrier_name(shipment.carrier)),
                    updated: seen
                        .as_ref()
                        .map(|seen| seen.time)
                        .or(shipment.last_update)
                        .or_else(|| shipment.events.iter().find_map(|e| e.time))
                        .map(|t| t.unix_millis() as f64),
                    seen_at: seen.and_then(|seen| seen.place),
                }
            }
            state => RowStatus {
                name: state.name(),
                status: None,
                words_key: state.title_key().to_owned(),
                carrier: None,
                updated: None,
                seen_at: None,
            },
        }
    }
}

#[component]
fn OverviewRow(
    index: usize,
    shipment: OwnShipment,
    loader: Loader,
    locale: Locale,
    now: RwSignal<f64>,
    open: Callback<(usize, OwnShipment)>,
) -> impl IntoView {
    let state = loader.state;
    let row = Memo::new(move |_| state.with(RowStatus::of));
    let number = shipment.reference.number().to_owned();
    let reference = number.clone();
    let known_carrier = shipment.carrier.map(carrier_name);
    let chosen = shipment.clone();
    view! {
        <li class="tl-overview-item">
            <button
                type="button"
                class="tl-overview-row"
                data-testid="overview-row"
                data-index=index
                data-reference=reference
                data-state=move || row.with(|r| r.name)
                data-status=move || row.with(|r| r.status.map(Status::as_str))
                on:click=move |_| open.run((index, chosen.clone()))
            >
                <span class="tl-status-icon tl-row-icon" aria-hidden="true">
                    <svg viewBox="0 0 24 24" width="20" height="20" focusable="false">
                        <path d=move || icons::status_path(row.with(|r| r.status).unwrap_or(Status::Unknown)) />
                    </svg>
                </span>
                <span class="tl-row-main">
                    <span class="tl-row-number" data-testid="overview-number">{number}</span>
                    <span class="tl-row-carrier" data-testid="overview-carrier">
                        {move || row.with(|r| r.carrier).or(known_carrier).unwrap_or_default()}
                    </span>
                </span>
                <span class="tl-row-side">
                    <span class="tl-row-status" data-testid="overview-status">
                        {move || row.with(|r| match &r.seen_at {
                            Some(place) => tr_args(locale, "overview.last_seen_at", &[("place", place)]),
                            None => tr(locale, &r.words_key),
                        })}
                    </span>
                    <span class="tl-row-updated" data-testid="overview-updated">
                        {move || row.with(|r| r.updated).map(|millis| relative_time(locale, millis, now.get()))}
                    </span>
                </span>
            </button>
        </li>
    }
}

/// The line the overview shows while its first page is on its way.
fn loading_note(locale: Locale) -> impl IntoView {
    view! {
        <p class="tl-overview-note" data-testid="overview-loading" aria-busy="true">
            {tr(locale, "overview.loading")}
        </p>
    }
}
