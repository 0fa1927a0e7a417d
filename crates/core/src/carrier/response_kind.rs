//! Which answer a captured body is, and one entry point that normalizes any of them: what the
//! CLI, the golden tests and the widget call when they hold a raw carrier response.

use serde::{Deserialize, Serialize};

use crate::carrier::http::CarrierResponse;
use crate::carrier::inpost::{self, ServiceHistory, StatusTitle};
use crate::carrier::{di, trackonline};
use crate::model::{Carrier, PickupPoint, Shipment, TrackingError};

/// The kinds of carrier answer the adapters read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResponseKind {
    InpostTracking,
    InpostStatuses,
    InpostPoint,
    InpostServiceHistory,
    DiFetch,
    DiFetchV1,
    TrackonlineUniqueItems,
    TrackonlineMeasurements,
    TrackonlineTransactions,
    TrackonlinePackagingLabels,
}

/// `(carrier, command-line name, kind)`; the first kind of each carrier is its default.
const KINDS: [(Carrier, &str, ResponseKind); 10] = [
    (Carrier::Inpost, "tracking", ResponseKind::InpostTracking),
    (Carrier::Inpost, "statuses", ResponseKind::InpostStatuses),
    (Carrier::Inpost, "point", ResponseKind::InpostPoint),
    (
        Carrier::Inpost,
        "service-history",
        ResponseKind::InpostServiceHistory,
    ),
    (Carrier::Di, "fetch", ResponseKind::DiFetch),
    (Carrier::Di, "fetch-v1", ResponseKind::DiFetchV1),
    (
        Carrier::Trackonline,
        "unique-items",
        ResponseKind::TrackonlineUniqueItems,
    ),
    (
        Carrier::Trackonline,
        "measurements",
        ResponseKind::TrackonlineMeasurements,
    ),
    (
        Carrier::Trackonline,
        "transactions",
        ResponseKind::TrackonlineTransactions,
    ),
    (
        Carrier::Trackonline,
        "packaging-labels",
        ResponseKind::TrackonlinePackagingLabels,
    ),
];

impl ResponseKind {
    /// The kind a carrier's answers are when nothing else is said.
    pub fn default_for(carrier: Carrier) -> ResponseKind {
        KINDS
            .iter()
            .find(|(c, _, _)| *c == carrier)
            .map(|(_, _, kind)| *kind)
            .unwrap_or(ResponseKind::InpostTracking)
    }

    /// Reads a command-line kind name for a carrier (`tracking`, `fetch-v1`, `transactions`, …).
    pub fn from_name(carrier: Carrier, name: &str) -> Option<ResponseKind> {
        let name = name.trim().to_ascii_lowercase().replace('_', "-");
        KINDS
            .iter()
            .find(|(c, n, _)| *c == carrier && *n == name)
            .map(|(_, _, kind)| *kind)
    }

    /// The command-line names of a carrier's kinds.
    pub fn names(carrier: Carrier) -> Vec<&'static str> {
        KINDS
            .iter()
            .filter(|(c, _, _)| *c == carrier)
            .map(|(_, name, _)| *name)
            .collect()
    }

    /// The command-line name of this kind.
    pub fn name(self) -> &'static str {
        KINDS
            .iter()
            .find(|(_, _, kind)| *kind == self)
            .map_or("", |(_, name, _)| *name)
    }

    pub fn carrier(self) -> Carrier {
        KINDS
            .iter()
            .find(|(_, _, kind)| *kind == self)
            .map_or(Carrier::Inpost, |(carrier, _, _)| *carrier)
    }
}

/// A normalized answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Normalized {
    Shipments(Vec<Shipment>),
    StatusTitles(Vec<StatusTitle>),
    PickupPoint(PickupPoint),
    ServiceHistory(ServiceHistory),
}

/// Normalizes any captured answer. `reference` is the number that was asked for; Di v1 and
/// TrackOnline transactions name their shipment after it.
pub fn normalize(
    kind: ResponseKind,
    response: &CarrierResponse,
    reference: Option<&str>,
) -> Result<Normalized, TrackingError> {
    Ok(match kind {
        ResponseKind::InpostTracking => {
            Normalized::Shipments(vec![inpost::parse_tracking(response)?])
        }
        ResponseKind::InpostStatuses => Normalized::StatusTitles(inpost::parse_statuses(response)?),
        ResponseKind::InpostPoint => Normalized::PickupPoint(inpost::parse_point(response)?),
        ResponseKind::InpostServiceHistory => {
            Normalized::ServiceHistory(inpost::parse_service_history(response)?)
        }
        ResponseKind::DiFetch => Normalized::Shipments(di::parse_fetch(response, reference)?),
        ResponseKind::DiFetchV1 => {
            Normalized::Shipments(vec![di::parse_fetch_v1(response, reference.unwrap_or(""))?])
        }
        ResponseKind::TrackonlineUniqueItems => {
            Normalized::Shipments(trackonline::parse_unique_items(response)?)
        }
        ResponseKind::TrackonlineMeasurements => {
            Normalized::Shipments(trackonline::parse_measurements(response)?)
        }
        ResponseKind::TrackonlineTransactions => Normalized::Shipments(
            trackonline::parse_transactions(response, reference)?
                .into_iter()
                .collect(),
        ),
        ResponseKind::TrackonlinePackagingLabels => {
            Normalized::Shipments(trackonline::parse_packaging_labels(response)?)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_a_name_that_reads_back() {
        for (carrier, name, kind) in KINDS {
            assert_eq!(ResponseKind::from_name(carrier, name), Some(kind));
            assert_eq!(kind.carrier(), carrier);
            assert_eq!(kind.name(), name);
        }
        assert_eq!(ResponseKind::from_name(Carrier::Di, "tracking"), None);
        assert_eq!(
            ResponseKind::default_for(Carrier::Di),
            ResponseKind::DiFetch
        );
    }
}
