//! Loading apart from views: one loader per reference asks the carriers, retries, counts down,
//! waits for the connection, refreshes while the page is visible, and exposes where it is as a
//! read-only signal. Views read those signals; they never ask, wait or retry themselves. What
//! follows an ask that brought no answer is `retries`' policy, which the overview of a key's
//! shipments (`crate::overview`) follows as well.
//!
//! A loader lives as long as the reactive owner that started it: when the owner is disposed
//! (the element disconnects, `unmount()` is called, the references change, "try again"), every
//! request in flight is aborted, every timer cleared and every listener removed, so that the
//! task ends at once and nothing it held stays alive.

use leptos::prelude::*;
use send_wrapper::SendWrapper;
use trackline_core::carrier::di::Locale as DiLocale;
use trackline_core::model::{Carrier, Shipment};
use trackline_core::reference::Reference;
use trackline_core::routing::{plan, PlannedRequest, RoutingConfig};
use web_sys::{AbortController, AbortSignal};

use crate::fetch::{self, Cancel, Credentials, Network, Outcome, ProxyEndpoint};
use crate::options::Resolved;
use crate::states::{carrier_page, wait, LoadState};

mod retries;

pub use retries::MAX_RETRIES;
pub(crate) use retries::{count_down, report, retry_wait_secs, NextStep, Retries};

/// What decides which requests are made: a change here asks the carriers again; a change of
/// anything else (theme, tiles, refresh interval, a language that Di does not care about) does
/// not.
#[derive(Debug, Clone, PartialEq)]
pub struct FetchInputs {
    pub proxy: ProxyEndpoint,
    pub references: Vec<Reference>,
    /// The carrier named by the attribute or the link.
    pub carrier: Option<Carrier>,
    /// The key and the signed link sent with every carrier request.
    pub credentials: Credentials,
    pub di_locale: DiLocale,
}

impl FetchInputs {
    pub fn from_resolved(resolved: &Resolved) -> Self {
        FetchInputs {
            proxy: resolved.proxy.clone(),
            references: resolved.references.clone(),
            carrier: resolved.carrier,
            credentials: Credentials {
                access_key: resolved.access_key.clone(),
                link: resolved.link.clone(),
            },
            di_locale: DiLocale::for_language(resolved.lang.as_deref()),
        }
    }
}

/// The network of the widget being mounted: the one provided as context (browser tests), else
/// the browser's fetch.
pub fn network() -> Network {
    use_context::<SendWrapper<Network>>()
        .map(SendWrapper::take)
        .unwrap_or_default()
}

/// Provides `network` to every loader started below the current owner.
pub fn provide_network(network: Network) {
    provide_context(SendWrapper::new(network));
}

/// Runs `mount` (which mounts widgets: connects `<trackline-widget>` elements, calls
/// `Trackline.mount`) with `network` provided as context: the widgets mounted ask through it,
/// and keep it for as long as they stay mounted. Browser tests stub the network this way.
pub fn with_network<T>(network: Network, mount: impl FnOnce() -> T) -> T {
    let owner = Owner::new_root(None);
    owner.with(|| {
        provide_network(network);
        mount()
    })
}

/// One reference, as the views see it.
#[derive(Debug, Clone)]
pub struct Loader {
    /// The reference's number, as given.
    pub number: String,
    pub state: ReadSignal<LoadState>,
}

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
                    // Two answers about one shipment (a unique item and its measurements) are
                    // one parcel: the first keeps what it said and takes in the other's trail.
                    let known = found.iter_mut().find(|f| {
                        f.carrier == shipment.carrier
                            && f.tracking_number == shipment.tracking_number
                    });
                    match known {
                        Some(known) => known.absorb(shipment.clone()),
                        None => found.push(shipment.clone()),
                    }
                }
                continue;
            }
            Outcome::Misconfigured(_) => 8,
            Outcome::Offline => 7,
            Outcome::RateLimited { .. } => 6,
            Outcome::Transient { .. } => 5,
            Outcome::Denied(_) => 4,
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

/// The carriers of `shipments`, each once, in core's order of carriers (no sort: the list of
/// known carriers is already in that order).
pub(crate) fn carriers_of(shipments: &[Shipment]) -> Vec<Carrier> {
    Carrier::KNOWN
        .into_iter()
        .filter(|carrier| {
            shipments
                .iter()
                .any(|shipment| shipment.carrier == *carrier)
        })
        .collect()
}

/// Starts a loader for every reference of `inputs`, owned by the current reactive owner.
/// `refresh_secs` is read before each refresh, so that changing it asks no carrier.
pub fn start(inputs: &FetchInputs, refresh_secs: Signal<Option<u32>>) -> Vec<Loader> {
    start_gated(inputs, refresh_secs, None)
}

/// At most this many references ask at once through one [`Gate`].
pub type Gate = std::rc::Rc<async_lock::Semaphore>;

/// A gate that lets `at_once` references ask at a time.
pub fn gate(at_once: usize) -> Gate {
    std::rc::Rc::new(async_lock::Semaphore::new(at_once.max(1)))
}

/// [`start`], with the loaders asking only while they hold a place in `gate` (the overview
/// asks about a page of shipments a few at a time, not all at once).
pub fn start_gated(
    inputs: &FetchInputs,
    refresh_secs: Signal<Option<u32>>,
    gate: Option<Gate>,
) -> Vec<Loader> {
    let network = network();
    let config = RoutingConfig {
        carriers: inputs.proxy.carriers(),
        partners: Default::default(),
        di_locale: inputs.di_locale,
    };
    let mut loaders = Vec::new();
    let mut stops: Vec<(Cancel, AbortController)> = Vec::new();
    for reference in &inputs.references {
        let number = reference.number().to_owned();
        let requests = plan(std::slice::from_ref(reference), &config);
        if !requests.is_empty() {
            // The module that reads the answers leaves now, while the view is still being built.
            fetch::prefetch(inputs.proxy.is_trackline_proxy());
        }
        let state = RwSignal::new(LoadState::Loading);
        loaders.push(Loader {
            number: number.clone(),
            state: state.read_only(),
        });
        // A partner reference whose partner the widget does not know yet: the proxy says which
        // carrier tracks it, first thing in the loader.
        let partner = match reference {
            Reference::PartnerReference { partner_id, .. }
                if requests.is_empty() && inputs.proxy.is_trackline_proxy() =>
            {
                Some(partner_id.trim().to_owned())
            }
            _ => None,
        };
        if requests.is_empty() && partner.is_none() {
            // No configured carrier can answer this kind of reference: no request is made.
            state.set(LoadState::Invalid);
            continue;
        }
        let Ok(stop) = AbortController::new() else {
            continue;
        };
        let cancel = Cancel::default();
        stops.push((cancel.clone(), stop.clone()));
        let job = Job {
            endpoint: inputs.proxy.clone(),
            requests: std::cell::RefCell::new(requests),
            partner,
            reference: reference.clone(),
            config: config.clone(),
            number,
            carrier_fixed: inputs.carrier.is_some()
                || matches!(
                    reference,
                    Reference::TrackingNumber {
                        carrier_hint: Some(_),
                        ..
                    }
                ),
            credentials: inputs.credentials.clone(),
            refresh_secs,
            state,
            cancel,
            stop: stop.signal(),
            network: network.clone(),
            gate: gate.clone(),
        };
        // Its first requests leave now, while the view that shows them is still being built.
        crate::eager::spawn(job.run());
    }
    // Disposing of the owner stops every loader: requests in flight are aborted, and every wait
    // (timer, `online`, `visibilitychange`) ends at once with its listener removed.
    let stops = SendWrapper::new(stops);
    on_cleanup(move || {
        for (cancel, stop) in stops.iter() {
            cancel.cancel();
            stop.abort();
        }
    });
    loaders
}

/// Everything one reference's loader needs.
struct Job {
    endpoint: ProxyEndpoint,
    requests: std::cell::RefCell<Vec<PlannedRequest>>,
    /// The partner whose carrier the proxy has to name before anything can be asked.
    partner: Option<String>,
    reference: Reference,
    config: RoutingConfig,
    number: String,
    /// The carrier was named (attribute, link or the consumer's choice): no picking.
    carrier_fixed: bool,
    credentials: Credentials,
    refresh_secs: Signal<Option<u32>>,
    state: RwSignal<LoadState>,
    cancel: Cancel,
    /// Aborted when the owner is disposed: ends every wait.
    stop: AbortSignal,
    network: Network,
    /// Held while asking, when the loaders share one.
    gate: Option<Gate>,
}

impl Job {
    fn stopped(&self) -> bool {
        self.cancel.is_cancelled() || self.stop.aborted()
    }

    /// Sets the state, unless the owner is gone.
    fn show(&self, state: LoadState) {
        if !self.stopped() {
            self.state.try_set(state);
        }
    }

    async fn ask_all(&self) -> Outcome {
        let _place = match &self.gate {
            Some(gate) => Some(gate.acquire().await),
            None => None,
        };
        if self.stopped() {
            return Outcome::Cancelled;
        }
        let requests = self.requests.borrow().clone();
        // With each round's requests (the first round's left when they were planned; one that
        // failed to load is asked for again).
        fetch::prefetch(self.endpoint.is_trackline_proxy());
        let asks = requests.iter().map(|planned| {
            fetch::ask(
                &self.endpoint,
                planned,
                &self.credentials,
                &self.cancel,
                &self.network,
            )
        });
        combine(futures::future::join_all(asks).await)
    }

    /// Shows each second of `countdown`. False when stopped before it ended.
    async fn count_down(&self, countdown: retries::Countdown) -> bool {
        count_down(
            countdown,
            &self.stop,
            || self.stopped(),
            |left| self.show(countdown.state(left)),
        )
        .await
    }

    /// Learns the partner's carrier from the proxy and plans the requests, once. False when no
    /// carrier tracks the partner's numbers.
    async fn route_partner(&self) -> Result<bool, Outcome> {
        let Some(partner_id) = &self.partner else {
            return Ok(true);
        };
        if !self.requests.borrow().is_empty() {
            return Ok(true);
        }
        let carrier = fetch::partner_carrier(
            &self.endpoint,
            partner_id,
            &self.credentials,
            &self.cancel,
            &self.network,
        )
        .await?;
        let Some(carrier) = carrier else {
            return Ok(false);
        };
        let mut config = self.config.clone();
        config.partners.insert(partner_id.clone(), carrier);
        let requests = plan(std::slice::from_ref(&self.reference), &config);
        let planned = !requests.is_empty();
        *self.requests.borrow_mut() = requests;
        Ok(planned)
    }

    async fn run(self) {
        let mut retries = Retries::default();
        loop {
            if self.stopped() {
                return;
            }
            if !wait::is_online() {
                self.show(LoadState::Offline);
                wait::online(&self.stop).await;
                continue;
            }
            let outcome = match self.route_partner().await {
                Ok(true) => self.ask_all().await,
                Ok(false) => Outcome::NotFound,
                Err(outcome) => outcome,
            };
            match outcome {
                Outcome::Cancelled => return,
                _ if self.stopped() => return,
                Outcome::Found(shipments) => {
                    if !self.carrier_fixed && carriers_of(&shipments).len() > 1 {
                        self.show(LoadState::Choose(shipments));
                        return;
                    }
                    self.show(LoadState::Found(shipments));
                    self.refresh().await;
                    return;
                }
                Outcome::NotFound => {
                    let fallback = self
                        .requests
                        .borrow()
                        .iter()
                        .find_map(|planned| carrier_page(planned.carrier, &self.number));
                    self.show(LoadState::NotFound { fallback });
                    return;
                }
                failure => {
                    report("the tracking request", &failure);
                    let next = retries.after(&failure, |attempt, retry_after| {
                        retry_wait_secs(attempt, retry_after, &self.network)
                    });
                    match next {
                        NextStep::AskAgainIn(countdown) => {
                            if !self.count_down(countdown).await {
                                return;
                            }
                        }
                        NextStep::AskWhenOnline => {
                            self.show(LoadState::Offline);
                            wait::online(&self.stop).await;
                        }
                        NextStep::Stop(state) => {
                            self.show(state);
                            return;
                        }
                    }
                }
            }
        }
    }

    /// Asks again every `refresh_secs` while the page is visible, until every parcel is final.
    /// A failed refresh keeps what is shown: the next one may succeed. The interval is read
    /// before each wait, so that changing it takes effect without asking at once.
    async fn refresh(&self) {
        loop {
            let Some(interval) = self.refresh_secs.try_get_untracked().flatten() else {
                return;
            };
            let finished = match self.state.try_get_untracked() {
                Some(LoadState::Found(shipments)) => shipments.iter().all(|s| s.status.is_final()),
                _ => true,
            };
            if finished {
                return;
            }
            wait::sleep_or_stop(
                interval.saturating_mul(1_000) / self.network.delay_divisor,
                &self.stop,
            )
            .await;
            wait::visible(&self.stop).await;
            if self.stopped() {
                return;
            }
            let Outcome::Found(fresh) = self.ask_all().await else {
                continue;
            };
            self.show(LoadState::Found(fresh));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipment(carrier: Carrier, number: &str) -> Shipment {
        Shipment::new(carrier, number)
    }

    #[test]
    fn the_carriers_of_parcels_are_each_named_once_in_core_s_order() {
        let shipments = [
            shipment(Carrier::Trackonline, "1"),
            shipment(Carrier::Inpost, "2"),
            shipment(Carrier::Trackonline, "3"),
            shipment(Carrier::Di, "4"),
        ];
        assert_eq!(
            carriers_of(&shipments),
            [Carrier::Inpost, Carrier::Di, Carrier::Trackonline]
        );
        assert_eq!(carriers_of(&shipments[..1]), [Carrier::Trackonline]);
        assert!(carriers_of(&[]).is_empty());
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

    #[test]
    fn only_what_decides_the_requests_is_a_fetch_input() {
        let attributes = |pairs: &[(&str, &str)]| {
            let mut attributes = crate::options::Attributes::default();
            for (name, value) in pairs {
                attributes.set(name, Some((*value).to_owned()));
            }
            attributes
        };
        let inputs = |pairs: &[(&str, &str)]| {
            FetchInputs::from_resolved(&crate::options::resolve(
                &attributes(pairs),
                "https://shop.example/t?tracking=520000011395200025009871",
                None,
            ))
        };
        let plain = inputs(&[]);
        assert_eq!(plain, inputs(&[("theme", "dark")]));
        assert_eq!(plain, inputs(&[("tiles", "/tiles/{z}/{x}/{y}.png")]));
        assert_eq!(plain, inputs(&[("refresh", "off")]));
        assert_eq!(plain, inputs(&[("lang", "de")]));
        assert_ne!(
            plain,
            inputs(&[("lang", "nb")]),
            "Di words its events in Norwegian"
        );
        assert_ne!(plain, inputs(&[("proxy", "https://track.shop.example")]));
        assert_ne!(plain, inputs(&[("carrier", "inpost")]));
    }
}
