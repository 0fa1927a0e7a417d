//! Which request answers which reference: from the typed references of a link and the carriers
//! a merchant configured, the carrier requests to make.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::carrier::di::{self, EventLogVersion, Locale};
use crate::carrier::trackonline::{self, ItemKey, MeasurementSubject, TransactionKey};
use crate::carrier::{inpost, CarrierRequest, ResponseKind};
use crate::model::Carrier;
use crate::reference::{PartnerRole, Reference};

/// The carriers a merchant uses and which partner ids (`vp`, `ep`, `ap`) belong to which.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoutingConfig {
    /// The carriers configured in the proxy; others are never asked.
    pub carriers: Vec<Carrier>,
    /// Partner id → carrier, for partner references.
    #[serde(default)]
    pub partners: BTreeMap<String, Carrier>,
    /// Language of Di's event descriptions.
    #[serde(default)]
    pub di_locale: Locale,
}

/// One request to make, and what its answer is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedRequest {
    pub carrier: Carrier,
    pub kind: ResponseKind,
    /// The reference this request answers.
    pub reference: Reference,
    pub request: CarrierRequest,
}

impl RoutingConfig {
    fn has(&self, carrier: Carrier) -> bool {
        self.carriers.contains(&carrier)
    }
}

/// InPost numbers are 24 digits; nothing else is worth asking InPost about.
fn looks_like_inpost(number: &str) -> bool {
    number.len() == 24 && number.bytes().all(|b| b.is_ascii_digit())
}

/// The requests that may answer each reference, in the order given, without duplicates.
pub fn plan(references: &[Reference], config: &RoutingConfig) -> Vec<PlannedRequest> {
    let mut planned: Vec<PlannedRequest> = Vec::new();
    for reference in references {
        for (carrier, kind, request) in requests_for(reference, config) {
            let duplicate = planned
                .iter()
                .any(|p| p.request == request && p.carrier == carrier);
            if config.has(carrier) && !duplicate {
                planned.push(PlannedRequest {
                    carrier,
                    kind,
                    reference: reference.clone(),
                    request,
                });
            }
        }
    }
    planned
}

fn tracking_requests(
    carrier: Carrier,
    number: &str,
    config: &RoutingConfig,
) -> Vec<(Carrier, ResponseKind, CarrierRequest)> {
    match carrier {
        Carrier::Inpost => vec![(
            carrier,
            ResponseKind::InpostTracking,
            inpost::tracking_request(number),
        )],
        Carrier::Di => vec![(
            carrier,
            ResponseKind::DiFetch,
            di::fetch_request(number, config.di_locale, false, EventLogVersion::V2),
        )],
        // A unique item (a load carrier) and the positions its tracker measured: the trail.
        Carrier::Trackonline => vec![
            (
                carrier,
                ResponseKind::TrackonlineUniqueItems,
                trackonline::unique_item_request(ItemKey::Number, number, 1),
            ),
            (
                carrier,
                ResponseKind::TrackonlineMeasurements,
                trackonline::measurements_request(
                    &MeasurementSubject::Item(number.to_owned()),
                    None,
                    None,
                ),
            ),
        ],
        // Carriers without an adapter cannot be asked.
        _ => Vec::new(),
    }
}

fn transaction(key: TransactionKey, number: &str) -> (Carrier, ResponseKind, CarrierRequest) {
    (
        Carrier::Trackonline,
        ResponseKind::TrackonlineTransactions,
        trackonline::transactions_request(key, number, None, 1),
    )
}

fn requests_for(
    reference: &Reference,
    config: &RoutingConfig,
) -> Vec<(Carrier, ResponseKind, CarrierRequest)> {
    match reference {
        Reference::TrackingNumber {
            number,
            carrier_hint,
        } => {
            let hinted = carrier_hint
                .as_deref()
                .and_then(Carrier::from_name)
                .filter(|c| config.has(*c));
            match hinted {
                Some(carrier) => tracking_requests(carrier, number, config),
                None => {
                    let mut requests = Vec::new();
                    if looks_like_inpost(number) {
                        requests.extend(tracking_requests(Carrier::Inpost, number, config));
                    }
                    requests.extend(tracking_requests(Carrier::Di, number, config));
                    requests.extend(tracking_requests(Carrier::Trackonline, number, config));
                    requests
                }
            }
        }
        Reference::Sscc { number } => vec![
            (
                Carrier::Di,
                ResponseKind::DiFetch,
                di::fetch_request(number, config.di_locale, false, EventLogVersion::V2),
            ),
            (
                Carrier::Trackonline,
                ResponseKind::TrackonlinePackagingLabels,
                trackonline::packaging_labels_request(number, 1),
            ),
        ],
        // Di fetches by shipment number too; its shipment numbers are GINCs (`(401)…`), and
        // Norwegian GSINs (`(402)…`) name shipments of the same network.
        Reference::Ginc { number } | Reference::Gsin { number } => vec![(
            Carrier::Di,
            ResponseKind::DiFetch,
            di::fetch_request(number, config.di_locale, false, EventLogVersion::V2),
        )],
        Reference::CustomerReference { number } => {
            vec![transaction(TransactionKey::ReferenceNumber, number)]
        }
        Reference::DeliveryNote { number } => {
            vec![transaction(TransactionKey::DocumentNumber, number)]
        }
        Reference::PartnerReference {
            role,
            partner_id,
            number,
        } => {
            let Some(carrier) = config.partners.get(partner_id.trim()).copied() else {
                return Vec::new();
            };
            match (carrier, role) {
                // A partner's own number is a TrackOnline transaction's reference number; an
                // ordering party's number is its pickup order, which is one as well.
                (
                    Carrier::Trackonline,
                    PartnerRole::Shipping | PartnerRole::Receiving | PartnerRole::Ordering,
                ) => {
                    vec![transaction(TransactionKey::ReferenceNumber, number)]
                }
                (carrier, _) => tracking_requests(carrier, number, config),
            }
        }
        // Order numbers are the shop's, and no carrier here can look them up.
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(carriers: &[Carrier]) -> RoutingConfig {
        RoutingConfig {
            carriers: carriers.to_vec(),
            partners: BTreeMap::new(),
            di_locale: Locale::English,
        }
    }

    fn kinds(planned: &[PlannedRequest]) -> Vec<ResponseKind> {
        planned.iter().map(|p| p.kind).collect()
    }

    #[test]
    fn a_24_digit_number_asks_inpost_and_di_but_only_configured_carriers() {
        let number = Reference::TrackingNumber {
            number: "612345678901234567890123".into(),
            carrier_hint: None,
        };
        let all = plan(
            std::slice::from_ref(&number),
            &config(&[Carrier::Inpost, Carrier::Di]),
        );
        assert_eq!(
            kinds(&all),
            vec![ResponseKind::InpostTracking, ResponseKind::DiFetch]
        );
        let only_di = plan(&[number], &config(&[Carrier::Di]));
        assert_eq!(kinds(&only_di), vec![ResponseKind::DiFetch]);
    }

    #[test]
    fn a_carrier_hint_narrows_the_search_to_that_carrier() {
        let hinted = Reference::TrackingNumber {
            number: "370724760120000898".into(),
            carrier_hint: Some("DI".into()),
        };
        let planned = plan(&[hinted], &config(&Carrier::WITH_ADAPTER));
        assert_eq!(kinds(&planned), vec![ResponseKind::DiFetch]);
    }

    #[test]
    fn an_sscc_asks_di_and_trackonline_packaging_labels() {
        let sscc = Reference::Sscc {
            number: "370724760010119754".into(),
        };
        let planned = plan(&[sscc], &config(&Carrier::WITH_ADAPTER));
        assert_eq!(
            kinds(&planned),
            vec![
                ResponseKind::DiFetch,
                ResponseKind::TrackonlinePackagingLabels
            ]
        );
    }

    #[test]
    fn references_and_delivery_notes_are_trackonline_transactions() {
        let planned = plan(
            &[
                Reference::CustomerReference {
                    number: "PO-77".into(),
                },
                Reference::DeliveryNote {
                    number: "LS-9".into(),
                },
            ],
            &config(&Carrier::WITH_ADAPTER),
        );
        assert_eq!(planned.len(), 2);
        assert!(planned[0]
            .request
            .query
            .contains(&("ReferenceNumber".into(), "PO-77".into())));
        assert!(planned[1]
            .request
            .query
            .contains(&("DocumentNumber".into(), "LS-9".into())));
    }

    #[test]
    fn partner_ids_map_to_carriers_through_configuration() {
        let mut with_partners = config(&Carrier::WITH_ADAPTER);
        with_partners.partners.insert("4711".into(), Carrier::Di);
        with_partners
            .partners
            .insert("0815".into(), Carrier::Trackonline);
        let references = [
            Reference::PartnerReference {
                role: PartnerRole::Shipping,
                partner_id: "4711".into(),
                number: "7070".into(),
            },
            Reference::PartnerReference {
                role: PartnerRole::Ordering,
                partner_id: "0815".into(),
                number: "A-1".into(),
            },
            Reference::PartnerReference {
                role: PartnerRole::Receiving,
                partner_id: "9999".into(),
                number: "x".into(),
            },
        ];
        let planned = plan(&references, &with_partners);
        assert_eq!(
            kinds(&planned),
            vec![ResponseKind::DiFetch, ResponseKind::TrackonlineTransactions]
        );
    }

    #[test]
    fn shipment_identifiers_ask_di() {
        let planned = plan(
            &[
                Reference::Ginc {
                    number: "70712190172720651".into(),
                },
                Reference::OrderNumber {
                    number: "SHOP-1".into(),
                },
            ],
            &config(&Carrier::WITH_ADAPTER),
        );
        assert_eq!(kinds(&planned), vec![ResponseKind::DiFetch]);
        assert!(planned[0]
            .request
            .path
            .contains("/fetch/70712190172720651/"));
    }

    #[test]
    fn the_same_request_is_planned_once() {
        let number = Reference::TrackingNumber {
            number: "370724760120000898".into(),
            carrier_hint: None,
        };
        let sscc = Reference::Sscc {
            number: "370724760120000898".into(),
        };
        let planned = plan(&[number, sscc], &config(&[Carrier::Di]));
        assert_eq!(planned.len(), 1);
    }
}
