//! The views of one widget's references: the list or tabs of parcels, and the selected one's
//! details. The loaders (`crate::loader`) ask; these views only read what they expose, each
//! through a memo of exactly what it shows, so that one parcel's countdown rebuilds nothing of
//! another parcel's view.

use leptos::prelude::*;
use send_wrapper::SendWrapper;
use trackline_core::model::{Carrier, Shipment};
use web_sys::HtmlElement;

use crate::details::{carrier_name, ShipmentDetails};
use crate::events;
use crate::i18n::{tr, tr_args, Locale};
use crate::loader::{self, FetchInputs, Loader};
use crate::options::WidgetOptions;
use crate::states::{self, LoadState, StateMessage, StatePart};

pub use crate::loader::{combine, MAX_RETRIES};

/// One line of the parcel list: a found parcel, or a reference in another state. `origin` is
/// the number of the reference it came from.
#[derive(Debug, Clone, PartialEq)]
enum Entry {
    Parcel {
        origin: String,
        shipment: Box<Shipment>,
    },
    Reference {
        number: String,
        state: LoadState,
    },
}

impl Entry {
    fn key(&self) -> String {
        match self {
            Entry::Parcel { shipment, .. } => {
                format!("{}:{}", shipment.carrier.as_str(), shipment.tracking_number)
            }
            Entry::Reference { number, .. } => number.clone(),
        }
    }

    /// The seconds until a reference in a countdown asks again.
    fn seconds_left(&self) -> Option<u64> {
        match self {
            Entry::Reference {
                state:
                    LoadState::Retrying { seconds_left, .. } | LoadState::RateLimited { seconds_left },
                ..
            } => Some(*seconds_left),
            _ => None,
        }
    }

    /// The entry as its panel shows it: a countdown's seconds left out, since they tick in the
    /// countdown's own element ([`Entry::seconds_left`]), not in a panel built again each second.
    fn without_countdown(self) -> Entry {
        match self {
            Entry::Reference {
                number,
                state: LoadState::Retrying { attempt, .. },
            } => Entry::Reference {
                number,
                state: LoadState::Retrying {
                    attempt,
                    seconds_left: 0,
                },
            },
            Entry::Reference {
                number,
                state: LoadState::RateLimited { .. },
            } => Entry::Reference {
                number,
                state: LoadState::RateLimited { seconds_left: 0 },
            },
            entry => entry,
        }
    }

    fn origin(&self) -> &str {
        match self {
            Entry::Parcel { origin, .. } => origin,
            Entry::Reference { number, .. } => number,
        }
    }
}

/// What one tab shows; a tab is rebuilt only when this changes, never by a countdown tick.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Tab {
    key: String,
    origin: String,
    number: String,
    /// `data-state`: the parcel's status, or the reference's state.
    state_name: &'static str,
    /// The catalog key of the words under the number.
    status_key: String,
}

impl Tab {
    fn of(entry: &Entry) -> Self {
        let (number, state_name, status_key) = match entry {
            Entry::Parcel { shipment, .. } => (
                shipment.tracking_number.clone(),
                shipment.status.as_str(),
                format!("status.{}", shipment.status.as_str()),
            ),
            Entry::Reference { number, state } => {
                (number.clone(), state.name(), state.title_key().to_owned())
            }
        };
        Tab {
            key: entry.key(),
            origin: entry.origin().to_owned(),
            number,
            state_name,
            status_key,
        }
    }
}

/// Writes the consumer's carrier choice into the page URL, so that a reload or a shared link
/// keeps it, and re-resolves the options from it.
fn remember_carrier(options: WidgetOptions, carrier: Carrier) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let Ok(url) = web_sys::Url::new(&options.page_url.get_untracked()) else {
        return;
    };
    url.search_params().set("carrier", carrier.as_str());
    let href = url.href();
    if let Ok(history) = window.history() {
        // The access key stays out of the address bar.
        let visible = crate::options::without_key(&href);
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&visible));
    }
    options.page_url.set(href);
}

/// Tells the host page, and the screen reader, how each reference moves: from effects, after
/// rendering, never from inside it.
fn tell_host(
    loaders: &[Loader],
    host: Option<SendWrapper<HtmlElement>>,
    locale: Signal<Locale>,
    announce: RwSignal<String>,
) {
    for loader in loaders {
        let Loader { number, state } = loader.clone();
        let host = host.clone();
        Effect::new(move |previous: Option<LoadState>| {
            let current = state.get();
            for notice in events::notices(previous.as_ref(), &current) {
                if let events::Notice::Status {
                    shipment,
                    previous: Some(_),
                } = &notice
                {
                    let locale = locale.get_untracked();
                    announce.set(tr_args(
                        locale,
                        "announce.status",
                        &[
                            ("number", &shipment.tracking_number),
                            (
                                "status",
                                &tr(locale, &format!("status.{}", shipment.status.as_str())),
                            ),
                        ],
                    ));
                }
                if let Some(host) = &host {
                    events::dispatch_notice(host, &number, &notice);
                }
            }
            current
        });
    }
}

/// How long a parcel waits for the catalog of the consumer's language before it is shown in
/// English.
const WORDS_WAIT_MS: u64 = 3_000;

/// Every reference of the fetch inputs, tracked. `inputs` is a plain value: new inputs mount
/// this view (and its loaders) again; `tiles` and `refresh_secs` are signals, so that changing
/// them asks no carrier.
#[component]
pub fn Tracking(
    inputs: FetchInputs,
    #[prop(into)] refresh_secs: Signal<Option<u32>>,
    #[prop(into)] tiles: Signal<Option<String>>,
    options: WidgetOptions,
    locale: Signal<Locale>,
    /// The language the consumer asked for; `locale` is the one shown so far.
    wanted: Signal<Locale>,
    host: Option<SendWrapper<HtmlElement>>,
) -> impl IntoView {
    let loaders = loader::start(&inputs, refresh_secs);
    // A parcel is shown in the consumer's language: while its catalog is still on its way, the
    // placeholder stays, even once an answer is here (answers asked for ahead can come before the
    // catalog does). A catalog that fails, or takes longer than WORDS_WAIT_MS, leaves English.
    let waited = RwSignal::new(false);
    if let Ok(handle) = set_timeout_with_handle(
        move || waited.set(true),
        std::time::Duration::from_millis(WORDS_WAIT_MS),
    ) {
        on_cleanup(move || handle.clear());
    }
    // Once shown, a parcel stays: a later language switch re-words it when its catalog is here.
    let words_ready = Memo::new(move |shown: Option<&bool>| {
        shown == Some(&true) || waited.get() || crate::i18n::is_settled(wanted.get())
    });
    let announce = RwSignal::new(String::new());
    tell_host(&loaders, host, locale, announce);

    let loaders = StoredValue::new(loaders);
    let entries = Memo::new(move |_| {
        loaders.with_value(|loaders| {
            let mut entries = Vec::new();
            for Loader { number, state } in loaders {
                match state.get() {
                    LoadState::Found(shipments) => {
                        entries.extend(shipments.into_iter().map(|shipment| Entry::Parcel {
                            origin: number.clone(),
                            shipment: Box::new(shipment),
                        }))
                    }
                    state => entries.push(Entry::Reference {
                        number: number.clone(),
                        state,
                    }),
                }
            }
            entries
        })
    });
    // The consumer's choice, by key and by the reference it came from: when a reference's
    // answer replaces its line, the choice stays with that reference.
    let chosen = RwSignal::new(None::<(String, String)>);
    let selected_key = Memo::new(move |_| {
        entries.with(|entries| {
            let chosen = chosen.get();
            let found = chosen.as_ref().and_then(|(key, origin)| {
                entries
                    .iter()
                    .find(|e| &e.key() == key)
                    .or_else(|| entries.iter().find(|e| e.origin() == origin))
            });
            found.or(entries.first()).map(Entry::key)
        })
    });
    // Exactly what the panel shows: another parcel's countdown leaves it untouched, and its own
    // ticks in `seconds_left`, without building the panel again.
    let selected = Memo::new(move |_| {
        let key = selected_key.get()?;
        entries.with(|entries| entries.iter().find(|e| e.key() == key).cloned())
    });
    let shown = Memo::new(move |_| selected.get().map(Entry::without_countdown));
    let seconds_left = Signal::from(Memo::new(move |_| {
        selected.with(|entry| entry.as_ref().and_then(Entry::seconds_left).unwrap_or(0))
    }));
    let tabs =
        Memo::new(move |_| entries.with(|entries| entries.iter().map(Tab::of).collect::<Vec<_>>()));
    let retry = Callback::new(move |()| options.reload.update(|n| *n += 1));

    let tab_list = move || {
        (tabs.with(Vec::len) > 1 && words_ready.get()).then(|| {
            view! {
                <div class="tl-tabs" role="tablist" aria-label=move || tr(locale.get(), "parcels.label") data-testid="parcel-tabs">
                    <For each=move || tabs.get() key=Tab::clone let:tab>
                        {
                            let Tab { key, origin, number, state_name, status_key } = tab;
                            let is_selected = {
                                let key = key.clone();
                                move || selected_key.with(|k| k.as_deref() == Some(key.as_str()))
                            };
                            // A countdown ticks in an attribute of its tab, not in a new tab.
                            let seconds_left = {
                                let key = key.clone();
                                move || {
                                    entries.with(|entries| {
                                        entries
                                            .iter()
                                            .find(|e| e.key() == key)
                                            .and_then(Entry::seconds_left)
                                    })
                                }
                            };
                            view! {
                                <button
                                    type="button"
                                    role="tab"
                                    class="tl-tab"
                                    data-testid="parcel-tab"
                                    data-key=key.clone()
                                    data-state=state_name
                                    data-seconds-left=seconds_left
                                    aria-selected=move || is_selected().to_string()
                                    on:click=move |_| chosen.set(Some((key.clone(), origin.clone())))
                                >
                                    <span class="tl-tab-number">{number}</span>
                                    <span class="tl-tab-status">{move || tr(locale.get(), &status_key)}</span>
                                </button>
                            }
                        }
                    </For>
                </div>
            }
        })
    };

    let panel = move || {
        let locale = locale.get();
        if !words_ready.get() {
            return states::skeleton(locale);
        }
        let Some(entry) = shown.get() else {
            return ().into_any();
        };
        match entry {
            Entry::Parcel { shipment, .. } => {
                let tiles = tiles.get();
                view! { <ShipmentView shipment=*shipment locale tiles /> }.into_any()
            }
            Entry::Reference {
                state: LoadState::Loading,
                ..
            } => states::skeleton(locale),
            // The placeholder stays until the state's view is here (a release build fetches
            // it when a state is first shown: crate::states::show).
            Entry::Reference {
                number,
                state: LoadState::Choose(shipments),
            } => states::show(
                StatePart::Choose {
                    number,
                    shipments,
                    options,
                    locale,
                },
                states::skeleton,
            ),
            Entry::Reference { number, state } => states::state_message(
                StateMessage {
                    state,
                    number,
                    seconds_left,
                    locale,
                    retry,
                },
                states::skeleton,
            ),
        }
    };

    view! {
        <div class="tl-tracking" data-testid="tracking">
            <p class="tl-visually-hidden" aria-live="polite" data-testid="announcer">{move || announce.get()}</p>
            {tab_list}
            <div class="tl-panel" role="tabpanel">{panel}</div>
        </div>
    }
}

#[component]
pub(crate) fn ChooseCarrier(
    number: String,
    shipments: Vec<Shipment>,
    options: WidgetOptions,
    locale: Locale,
) -> impl IntoView {
    let carriers = loader::carriers_of(&shipments);
    view! {
        <div class="tl-state" data-testid="state-choose" data-state="choose">
            <p class="tl-state-title">{tr(locale, "state.choose.title")}</p>
            <p class="tl-state-body">{tr(locale, "state.choose.body")}</p>
            <p class="tl-number tl-number-small">{number}</p>
            <div class="tl-actions">
                {carriers
                    .into_iter()
                    .map(|carrier| view! {
                        <button
                            type="button"
                            class="tl-button"
                            data-testid="carrier-choice"
                            data-carrier=carrier.as_str()
                            on:click=move |_| remember_carrier(options, carrier)
                        >
                            {carrier_name(carrier)}
                        </button>
                    })
                    .collect_view()}
            </div>
        </div>
    }
}

/// The selected parcel: the details view, with the numbers linked to it (core merges a Di
/// parcel and the parcels linked to it into one shipment, so that a consumer holding either
/// number recognizes it).
#[component]
pub fn ShipmentView(shipment: Shipment, locale: Locale, tiles: Option<String>) -> impl IntoView {
    let carrier = shipment.carrier.as_str();
    let status = shipment.status.as_str();
    let linked = shipment.linked_parcels.join(", ");
    view! {
        <div class="tl-parcel" data-testid="parcel" data-carrier=carrier data-status=status>
            <ShipmentDetails shipment=shipment locale=locale tiles=tiles />
            {(!linked.is_empty()).then(|| view! {
                <p class="tl-label" data-testid="linked-parcels">
                    {tr(locale, "parcel.linked")} " " {linked}
                </p>
            })}
        </div>
    }
}
