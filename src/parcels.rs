//! Tracking the references of one widget: a loader per reference (ask, retry, count down,
//! refresh), and the list or tabs of parcels with the selected one's details.

use leptos::prelude::*;
use send_wrapper::SendWrapper;
use trackline_core::carrier::di::Locale as DiLocale;
use trackline_core::model::{Carrier, Shipment};
use trackline_core::reference::Reference;
use trackline_core::routing::{plan, PlannedRequest, RoutingConfig};
use web_sys::HtmlElement;

use crate::details::{carrier_name, ShipmentDetails};
use crate::events;
use crate::fetch::{self, Cancel, Outcome, ProxyEndpoint};
use crate::i18n::{tr, tr_args, Locale};
use crate::options::{Resolved, WidgetOptions};
use crate::states::{carrier_page, wait, LoadState, Skeleton, StateMessage};

/// Timeouts and server errors are retried this many times before the widget gives up.
pub const MAX_RETRIES: u32 = 4;
/// A `Retry-After` longer than this is not waited for on a 5xx: the consumer gets the button.
const MAX_RETRY_AFTER_SECS: u64 = 60;

/// Merges the answers of every carrier asked about one reference: a parcel found anywhere wins;
/// otherwise the most actionable failure.
pub fn combine(outcomes: Vec<Outcome>) -> Outcome {
    let mut found: Vec<Shipment> = Vec::new();
    let mut worst: Option<(u8, Outcome)> = None;
    for outcome in outcomes {
        let rank = match &outcome {
            Outcome::Cancelled => return Outcome::Cancelled,
            Outcome::Found(shipments) => {
                for shipment in shipments {
                    let known = found.iter().any(|f| {
                        f.carrier == shipment.carrier
                            && f.tracking_number == shipment.tracking_number
                    });
                    if !known {
                        found.push(shipment.clone());
                    }
                }
                continue;
            }
            Outcome::Misconfigured(_) => 7,
            Outcome::Offline => 6,
            Outcome::RateLimited { .. } => 5,
            Outcome::Transient { .. } => 4,
            Outcome::Malformed(_) => 3,
            Outcome::NotFound => 2,
            Outcome::Invalid(_) => 1,
        };
        if worst.as_ref().is_none_or(|(r, _)| rank > *r) {
            worst = Some((rank, outcome));
        }
    }
    if !found.is_empty() {
        return Outcome::Found(found);
    }
    worst.map_or(Outcome::NotFound, |(_, outcome)| outcome)
}

fn distinct_carriers(shipments: &[Shipment]) -> usize {
    let mut carriers: Vec<Carrier> = shipments.iter().map(|s| s.carrier).collect();
    carriers.sort_unstable();
    carriers.dedup();
    carriers.len()
}

/// Everything one reference's loader needs.
struct Job {
    endpoint: ProxyEndpoint,
    /// Read when a status change is announced, in the language shown then.
    locale: Signal<Locale>,
    requests: Vec<PlannedRequest>,
    number: String,
    /// The carrier was named (attribute, link or the consumer's choice): no picking.
    carrier_fixed: bool,
    access_key: Option<String>,
    refresh_secs: Option<u32>,
    state: RwSignal<LoadState>,
    announce: RwSignal<String>,
    cancel: Cancel,
    host: Option<HtmlElement>,
}

impl Job {
    async fn ask_all(&self) -> Outcome {
        let asks = self.requests.iter().map(|planned| {
            fetch::ask(
                &self.endpoint,
                planned,
                self.access_key.as_deref(),
                &self.cancel,
            )
        });
        combine(futures::future::join_all(asks).await)
    }

    fn error_event(&self, kind: &str, retry_in: Option<u64>) {
        if let Some(host) = &self.host {
            events::error(host, kind, Some(&self.number), retry_in);
        }
    }

    /// Counts down `seconds`, showing each second through `show`. False when cancelled.
    async fn count_down(&self, seconds: u64, show: impl Fn(u64) -> LoadState) -> bool {
        for left in (1..=seconds).rev() {
            self.state.set(show(left));
            wait::sleep(1_000).await;
            if self.cancel.is_cancelled() {
                return false;
            }
        }
        true
    }

    fn show_found(&self, shipments: Vec<Shipment>) {
        if !self.carrier_fixed && distinct_carriers(&shipments) > 1 {
            self.state.set(LoadState::Choose(shipments));
            return;
        }
        if let Some(host) = &self.host {
            events::loaded(host, &self.number, &shipments);
            for shipment in &shipments {
                events::status(host, shipment, None);
            }
        }
        self.state.set(LoadState::Found(shipments));
    }

    async fn run(self) {
        let mut attempt = 0;
        loop {
            if self.cancel.is_cancelled() {
                return;
            }
            if !wait::is_online() {
                self.state.set(LoadState::Offline);
                self.error_event("offline", None);
                wait::online().await;
                continue;
            }
            match self.ask_all().await {
                Outcome::Cancelled => return,
                _ if self.cancel.is_cancelled() => return,
                Outcome::Found(shipments) => {
                    let refresh = self.carrier_fixed || distinct_carriers(&shipments) == 1;
                    self.show_found(shipments);
                    if refresh {
                        self.refresh().await;
                    }
                    return;
                }
                Outcome::NotFound => {
                    let fallback = self
                        .requests
                        .iter()
                        .find_map(|planned| carrier_page(planned.carrier, &self.number));
                    self.state.set(LoadState::NotFound { fallback });
                    self.error_event("not_found", None);
                    return;
                }
                Outcome::Invalid(detail) => {
                    web_sys::console::warn_1(&format!("Trackline: {detail}").into());
                    self.state.set(LoadState::Invalid);
                    self.error_event("invalid", None);
                    return;
                }
                Outcome::RateLimited { retry_after_secs } => {
                    let seconds = retry_after_secs.max(1);
                    self.error_event("rate_limited", Some(seconds));
                    if !self
                        .count_down(seconds, |seconds_left| LoadState::RateLimited {
                            seconds_left,
                        })
                        .await
                    {
                        return;
                    }
                }
                Outcome::Offline => {
                    self.state.set(LoadState::Offline);
                    self.error_event("offline", None);
                    wait::online().await;
                }
                Outcome::Transient {
                    retry_after_secs,
                    detail,
                } => {
                    attempt += 1;
                    web_sys::console::warn_1(
                        &format!("Trackline: attempt {attempt} failed: {detail}").into(),
                    );
                    if attempt > MAX_RETRIES {
                        self.state.set(LoadState::Failed);
                        self.error_event("failed", None);
                        return;
                    }
                    let backoff = u64::from(wait::backoff_ms(attempt, js_sys::Math::random()));
                    let wait_ms = retry_after_secs
                        .map(|s| s.min(MAX_RETRY_AFTER_SECS) * 1_000)
                        .unwrap_or(0)
                        .max(backoff);
                    let wait_ms = wait_ms / u64::from(fetch::delay_divisor());
                    let seconds = wait_ms.div_ceil(1_000).max(1);
                    self.error_event("retrying", Some(seconds));
                    if !self
                        .count_down(seconds, |seconds_left| LoadState::Retrying {
                            attempt,
                            seconds_left,
                        })
                        .await
                    {
                        return;
                    }
                }
                Outcome::Misconfigured(cause) => {
                    // The consumer cannot fix this; the merchant reads the console.
                    web_sys::console::error_1(&format!("Trackline: {cause}").into());
                    self.state.set(LoadState::Misconfigured);
                    self.error_event("misconfigured", None);
                    return;
                }
                Outcome::Malformed(detail) => {
                    web_sys::console::error_1(
                        &format!("Trackline: unreadable carrier answer: {detail}").into(),
                    );
                    self.state.set(LoadState::Malformed);
                    self.error_event("malformed", None);
                    return;
                }
            }
        }
    }

    /// Asks again every `refresh_secs` while the page is visible, until every parcel is final.
    /// A failed refresh keeps what is shown: the next one may succeed.
    async fn refresh(&self) {
        let Some(interval) = self.refresh_secs else {
            return;
        };
        loop {
            let current = match self.state.get_untracked() {
                LoadState::Found(shipments) => shipments,
                _ => return,
            };
            if current.iter().all(|s| s.status.is_final()) {
                return;
            }
            wait::sleep(interval.saturating_mul(1_000) / fetch::delay_divisor()).await;
            if self.cancel.is_cancelled() {
                return;
            }
            wait::visible().await;
            if self.cancel.is_cancelled() {
                return;
            }
            let Outcome::Found(fresh) = self.ask_all().await else {
                continue;
            };
            if self.cancel.is_cancelled() {
                return;
            }
            for shipment in &fresh {
                // A linear search of a handful of parcels: a map collected here would add a
                // sort to the wasm. The last of duplicates wins, as it would in a map.
                let previous = current
                    .iter()
                    .rfind(|s| {
                        s.carrier == shipment.carrier
                            && s.tracking_number == shipment.tracking_number
                    })
                    .map(|s| s.status);
                if previous.is_some_and(|p| p != shipment.status) {
                    let locale = self.locale.try_get_untracked().unwrap_or_default();
                    self.announce.set(tr_args(
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
                    if let Some(host) = &self.host {
                        events::status(host, shipment, previous);
                    }
                }
            }
            self.state.set(LoadState::Found(fresh));
        }
    }
}

/// One line of the parcel list: a found parcel, or a reference in another state.
#[derive(Debug, Clone, PartialEq)]
enum Entry {
    Parcel(Box<Shipment>),
    Reference { number: String, state: LoadState },
}

impl Entry {
    fn key(&self) -> String {
        match self {
            Entry::Parcel(s) => format!("{}:{}", s.carrier.as_str(), s.tracking_number),
            Entry::Reference { number, .. } => number.clone(),
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
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&href));
    }
    options.page_url.set(href);
}

/// Every reference of the resolved options, tracked.
#[component]
pub fn Tracking(
    resolved: Resolved,
    options: WidgetOptions,
    locale: Signal<Locale>,
    host: Option<SendWrapper<HtmlElement>>,
) -> impl IntoView {
    let config = RoutingConfig {
        carriers: resolved.proxy.carriers(),
        partners: Default::default(),
        di_locale: DiLocale::for_language(resolved.lang.as_deref()),
    };
    let tiles = resolved.tiles.clone();
    let announce = RwSignal::new(String::new());
    let mut loaders: Vec<(String, RwSignal<LoadState>)> = Vec::new();
    let mut cancels: Vec<Cancel> = Vec::new();
    for reference in &resolved.references {
        let number = reference.number().to_owned();
        let requests = plan(std::slice::from_ref(reference), &config);
        let state = RwSignal::new(LoadState::Loading);
        loaders.push((number.clone(), state));
        if requests.is_empty() {
            // No configured carrier can answer this kind of reference: no request is made.
            state.set(LoadState::Invalid);
            if let Some(host) = &host {
                events::error(host, "invalid", Some(&number), None);
            }
            continue;
        }
        let carrier_fixed = resolved.carrier.is_some()
            || matches!(
                reference,
                Reference::TrackingNumber {
                    carrier_hint: Some(_),
                    ..
                }
            );
        let cancel = Cancel::default();
        cancels.push(cancel.clone());
        let job = Job {
            endpoint: resolved.proxy.clone(),
            locale,
            requests,
            number,
            carrier_fixed,
            access_key: resolved.access_key.clone(),
            refresh_secs: resolved.refresh_secs,
            state,
            announce,
            cancel,
            host: host.as_ref().map(|h| (**h).clone()),
        };
        leptos::task::spawn_local(job.run());
    }
    // Disconnecting the element or changing the reference disposes of this view: every request
    // in flight is aborted, and the loaders stop at their next step.
    let cancels = SendWrapper::new(cancels);
    on_cleanup(move || cancels.iter().for_each(Cancel::cancel));

    let loaders = StoredValue::new(loaders);
    let entries = Memo::new(move |_| {
        loaders.with_value(|loaders| {
            let mut entries = Vec::new();
            for (number, state) in loaders {
                match state.get() {
                    LoadState::Found(shipments) => {
                        entries.extend(shipments.into_iter().map(|s| Entry::Parcel(Box::new(s))))
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
    let selected = RwSignal::new(0usize);
    let retry = Callback::new(move |()| options.reload.update(|n| *n += 1));

    let tabs = move || {
        let locale = locale.get();
        let entries = entries.get();
        (entries.len() > 1).then(|| {
            let current = selected.get().min(entries.len() - 1);
            view! {
                <div class="tl-tabs" role="tablist" aria-label=tr(locale, "parcels.label") data-testid="parcel-tabs">
                    {entries
                        .into_iter()
                        .enumerate()
                        .map(|(index, entry)| {
                            let (number, status) = match &entry {
                                Entry::Parcel(s) => (s.tracking_number.clone(), tr(locale, &format!("status.{}", s.status.as_str()))),
                                Entry::Reference { number, state } => (number.clone(), tr(locale, state.title_key())),
                            };
                            let state_name = match &entry {
                                Entry::Parcel(s) => s.status.as_str(),
                                Entry::Reference { state, .. } => state.name(),
                            };
                            view! {
                                <button
                                    type="button"
                                    role="tab"
                                    class="tl-tab"
                                    data-testid="parcel-tab"
                                    data-key=entry.key()
                                    data-state=state_name
                                    aria-selected=(index == current).to_string()
                                    on:click=move |_| selected.set(index)
                                >
                                    <span class="tl-tab-number">{number}</span>
                                    <span class="tl-tab-status">{status}</span>
                                </button>
                            }
                        })
                        .collect_view()}
                </div>
            }
        })
    };

    let panel = move || {
        let locale = locale.get();
        let entries = entries.get();
        let Some(entry) = entries
            .get(selected.get().min(entries.len().saturating_sub(1)))
            .cloned()
        else {
            return ().into_any();
        };
        match entry {
            Entry::Parcel(shipment) => {
                view! { <ShipmentView shipment=*shipment locale tiles=tiles.clone() /> }.into_any()
            }
            Entry::Reference {
                state: LoadState::Loading,
                ..
            } => view! { <Skeleton locale /> }.into_any(),
            Entry::Reference {
                number,
                state: LoadState::Choose(shipments),
            } => view! { <ChooseCarrier number shipments options locale /> }.into_any(),
            Entry::Reference { number, state } => {
                view! { <StateMessage state number locale retry /> }.into_any()
            }
        }
    };

    view! {
        <div class="tl-tracking" data-testid="tracking">
            <p class="tl-visually-hidden" aria-live="polite" data-testid="announcer">{move || announce.get()}</p>
            {tabs}
            <div class="tl-panel" role="tabpanel">{panel}</div>
        </div>
    }
}

#[component]
fn ChooseCarrier(
    number: String,
    shipments: Vec<Shipment>,
    options: WidgetOptions,
    locale: Locale,
) -> impl IntoView {
    let mut carriers: Vec<Carrier> = shipments.iter().map(|s| s.carrier).collect();
    carriers.sort_unstable();
    carriers.dedup();
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

#[cfg(test)]
mod tests {
    use super::*;

    fn shipment(carrier: Carrier, number: &str) -> Shipment {
        Shipment::new(carrier, number)
    }

    #[test]
    fn a_parcel_found_by_any_carrier_wins_over_the_others_failures() {
        let combined = combine(vec![
            Outcome::NotFound,
            Outcome::Found(vec![shipment(Carrier::Di, "1")]),
            Outcome::Transient {
                retry_after_secs: None,
                detail: String::new(),
            },
        ]);
        assert_eq!(combined, Outcome::Found(vec![shipment(Carrier::Di, "1")]));
    }

    #[test]
    fn without_a_parcel_the_most_actionable_failure_is_kept() {
        let transient = Outcome::Transient {
            retry_after_secs: Some(5),
            detail: "HTTP 503".into(),
        };
        assert_eq!(
            combine(vec![
                Outcome::NotFound,
                transient.clone(),
                Outcome::NotFound
            ]),
            transient
        );
        assert_eq!(
            combine(vec![Outcome::Invalid("x".into()), Outcome::NotFound]),
            Outcome::NotFound
        );
        assert_eq!(
            combine(vec![
                Outcome::RateLimited {
                    retry_after_secs: 3
                },
                Outcome::Misconfigured("401".into())
            ]),
            Outcome::Misconfigured("401".into())
        );
    }

    #[test]
    fn the_same_parcel_from_two_requests_is_listed_once() {
        let combined = combine(vec![
            Outcome::Found(vec![shipment(Carrier::Di, "1"), shipment(Carrier::Di, "2")]),
            Outcome::Found(vec![shipment(Carrier::Di, "2")]),
        ]);
        let Outcome::Found(list) = combined else {
            panic!("found")
        };
        assert_eq!(list.len(), 2);
    }
}
