//! Events for the host page: `trackline:loaded`, `trackline:status` and `trackline:error`,
//! dispatched on the widget's element as `CustomEvent`s that bubble and are composed (they cross
//! shadow roots). Their `detail` is documented in `docs/embedding.md`.

use serde::Serialize;
use trackline_core::model::Shipment;
use trackline_core::status::Status;
use web_sys::{CustomEvent, CustomEventInit, HtmlElement};

use crate::states::LoadState;

pub const LOADED: &str = "trackline:loaded";
pub const STATUS: &str = "trackline:status";
pub const ERROR: &str = "trackline:error";

/// One parcel as the host page reads it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ParcelDetail<'a> {
    carrier: &'a str,
    tracking_number: &'a str,
    status: &'a str,
}

impl<'a> ParcelDetail<'a> {
    fn of(shipment: &'a Shipment) -> Self {
        ParcelDetail {
            carrier: shipment.carrier.as_str(),
            tracking_number: &shipment.tracking_number,
            status: shipment.status.as_str(),
        }
    }
}

#[derive(Serialize)]
struct LoadedDetail<'a> {
    reference: &'a str,
    parcels: Vec<ParcelDetail<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StatusDetail<'a> {
    carrier: &'a str,
    tracking_number: &'a str,
    status: &'a str,
    previous_status: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ErrorDetail<'a> {
    kind: &'a str,
    reference: Option<&'a str>,
    retry_in_seconds: Option<u64>,
}

/// Dispatches `name` with `detail` written by serde-wasm-bindgen as a plain object, absent
/// values as `null` (the documented shape, which `undefined` would not be).
fn dispatch(host: &HtmlElement, name: &str, detail: &impl Serialize) {
    let serializer = serde_wasm_bindgen::Serializer::new().serialize_missing_as_null(true);
    let Ok(detail) = detail.serialize(&serializer) else {
        return;
    };
    let init = CustomEventInit::new();
    init.set_bubbles(true);
    init.set_composed(true);
    init.set_detail(&detail);
    if let Ok(event) = CustomEvent::new_with_event_init_dict(name, &init) {
        let _ = host.dispatch_event(&event);
    }
}

/// A reference's parcels are shown for the first time.
pub fn loaded(host: &HtmlElement, reference: &str, shipments: &[Shipment]) {
    let detail = LoadedDetail {
        reference,
        parcels: shipments.iter().map(ParcelDetail::of).collect(),
    };
    dispatch(host, LOADED, &detail);
}

/// A parcel's status is known for the first time, or changed on a refresh.
pub fn status(host: &HtmlElement, shipment: &Shipment, previous: Option<Status>) {
    let detail = StatusDetail {
        carrier: shipment.carrier.as_str(),
        tracking_number: &shipment.tracking_number,
        status: shipment.status.as_str(),
        previous_status: previous.map(Status::as_str),
    };
    dispatch(host, STATUS, &detail);
}

/// A reference ended in (or passes through) a state other than found. `kind` is the state's
/// name (`not_found`, `invalid`, `rate_limited`, `offline`, `retrying`, `failed`,
/// `misconfigured`, `malformed`); `retry_in` the seconds until the widget asks again, if it will.
pub fn error(host: &HtmlElement, kind: &str, reference: Option<&str>, retry_in: Option<u64>) {
    let detail = ErrorDetail {
        kind,
        reference,
        retry_in_seconds: retry_in,
    };
    dispatch(host, ERROR, &detail);
}

/// What the host page is told when a reference moves from one state to another.
#[derive(Debug, Clone, PartialEq)]
pub enum Notice {
    /// `trackline:loaded`: the reference's parcels are shown for the first time.
    Loaded(Vec<Shipment>),
    /// `trackline:status`: a parcel's status is known for the first time, or changed.
    Status {
        /// Boxed: a shipment is far larger than the other variants.
        shipment: Box<Shipment>,
        previous: Option<Status>,
    },
    /// `trackline:error` with the state's name and the seconds until the next attempt.
    Error {
        kind: &'static str,
        retry_in: Option<u64>,
    },
}

/// The notices of one reference's move from `previous` (`None`: just started) to `current`.
/// A countdown tick is no news; a new countdown (another attempt, another rate limit) is.
pub fn notices(previous: Option<&LoadState>, current: &LoadState) -> Vec<Notice> {
    let error = |retry_in| Notice::Error {
        kind: current.name(),
        retry_in,
    };
    match (previous, current) {
        (_, LoadState::Loading | LoadState::Choose(_)) => Vec::new(),
        (Some(LoadState::Found(before)), LoadState::Found(now)) => now
            .iter()
            .filter_map(|shipment| {
                // The last of duplicates wins, as it would in a map.
                let previous = before
                    .iter()
                    .rfind(|s| {
                        s.carrier == shipment.carrier
                            && s.tracking_number == shipment.tracking_number
                    })
                    .map(|s| s.status)?;
                (previous != shipment.status).then(|| Notice::Status {
                    shipment: Box::new(shipment.clone()),
                    previous: Some(previous),
                })
            })
            .collect(),
        (_, LoadState::Found(now)) => std::iter::once(Notice::Loaded(now.clone()))
            .chain(now.iter().map(|shipment| Notice::Status {
                shipment: Box::new(shipment.clone()),
                previous: None,
            }))
            .collect(),
        (
            Some(LoadState::Retrying {
                attempt: before, ..
            }),
            LoadState::Retrying { attempt, .. },
        ) if before == attempt => Vec::new(),
        (_, LoadState::Retrying { seconds_left, .. }) => vec![error(Some(*seconds_left))],
        (
            Some(LoadState::RateLimited {
                seconds_left: before,
            }),
            LoadState::RateLimited { seconds_left },
        ) if seconds_left < before => Vec::new(),
        (_, LoadState::RateLimited { seconds_left }) => vec![error(Some(*seconds_left))],
        (Some(before), now) if before.name() == now.name() => Vec::new(),
        _ => vec![error(None)],
    }
}

/// Tells the host page `notice` about `reference`.
pub fn dispatch_notice(host: &HtmlElement, reference: &str, notice: &Notice) {
    match notice {
        Notice::Loaded(shipments) => loaded(host, reference, shipments),
        Notice::Status { shipment, previous } => status(host, shipment, *previous),
        Notice::Error { kind, retry_in } => error(host, kind, Some(reference), *retry_in),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use trackline_core::model::Carrier;

    fn parcel(status: Status) -> Shipment {
        let mut shipment = Shipment::new(Carrier::Inpost, "520000011395200025009871");
        shipment.status = status;
        shipment
    }

    fn kinds(notices: &[Notice]) -> Vec<String> {
        notices
            .iter()
            .map(|n| match n {
                Notice::Loaded(_) => "loaded".to_owned(),
                Notice::Status { previous, .. } => format!("status from {previous:?}"),
                Notice::Error { kind, retry_in } => format!("{kind} {retry_in:?}"),
            })
            .collect()
    }

    #[test]
    fn a_first_answer_is_loaded_with_each_parcels_status() {
        let found = LoadState::Found(vec![parcel(Status::InTransit)]);
        assert_eq!(
            kinds(&notices(Some(&LoadState::Loading), &found)),
            ["loaded", "status from None"]
        );
        assert_eq!(
            kinds(&notices(None, &found)),
            ["loaded", "status from None"]
        );
    }

    #[test]
    fn a_refresh_tells_only_of_changed_statuses() {
        let before = LoadState::Found(vec![parcel(Status::OutForDelivery)]);
        assert!(notices(Some(&before), &before.clone()).is_empty());
        let after = LoadState::Found(vec![parcel(Status::Delivered)]);
        assert_eq!(
            notices(Some(&before), &after),
            vec![Notice::Status {
                shipment: Box::new(parcel(Status::Delivered)),
                previous: Some(Status::OutForDelivery)
            }]
        );
    }

    #[test]
    fn a_countdown_is_told_once_when_it_starts_not_at_every_tick() {
        let retrying = |attempt, seconds_left| LoadState::Retrying {
            attempt,
            seconds_left,
        };
        assert_eq!(
            kinds(&notices(Some(&LoadState::Loading), &retrying(1, 3))),
            ["retrying Some(3)"]
        );
        assert!(notices(Some(&retrying(1, 3)), &retrying(1, 2)).is_empty());
        assert_eq!(
            kinds(&notices(Some(&retrying(1, 1)), &retrying(2, 4))),
            ["retrying Some(4)"]
        );
        let limited = |seconds_left| LoadState::RateLimited { seconds_left };
        assert!(notices(Some(&limited(5)), &limited(4)).is_empty());
        assert_eq!(
            kinds(&notices(Some(&limited(1)), &limited(30))),
            ["rate_limited Some(30)"]
        );
    }

    #[test]
    fn an_end_state_is_told_once() {
        let not_found = LoadState::NotFound { fallback: None };
        assert_eq!(
            kinds(&notices(Some(&LoadState::Loading), &not_found)),
            ["not_found None"]
        );
        assert!(notices(Some(&not_found), &not_found).is_empty());
        assert_eq!(kinds(&notices(None, &LoadState::Invalid)), ["invalid None"]);
        assert!(notices(None, &LoadState::Loading).is_empty());
    }
}
