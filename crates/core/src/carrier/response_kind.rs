//! Which answer a captured body is, and one entry point that normalizes any of them: what the
//! CLI, the golden tests, the proxy and the widget call with a carrier's status and bytes.

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
    use ResponseKind::*;
    match kind {
        InpostTracking | InpostStatuses | InpostPoint | InpostServiceHistory => {
            normalize_inpost(kind, response)
        }
        DiFetch | DiFetchV1 => normalize_di(kind, response, reference),
        TrackonlineUniqueItems
        | TrackonlineMeasurements
        | TrackonlineTransactions
        | TrackonlinePackagingLabels => normalize_trackonline(kind, response, reference),
    }
}

/// [`normalize`] for InPost's kinds only: what reaches one carrier's adapter and nothing of the
/// others, so that a caller can keep each carrier's reading apart (the widget fetches only the
/// one its parcel needs). Another carrier's kind is an error that names it.
pub fn normalize_inpost(
    kind: ResponseKind,
    response: &CarrierResponse,
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
        other => return Err(not_an_answer_of(Carrier::Inpost, other)),
    })
}

/// [`normalize`] for Di's kinds only (see [`normalize_inpost`]).
pub fn normalize_di(
    kind: ResponseKind,
    response: &CarrierResponse,
    reference: Option<&str>,
) -> Result<Normalized, TrackingError> {
    Ok(match kind {
        ResponseKind::DiFetch => Normalized::Shipments(di::parse_fetch(response, reference)?),
        ResponseKind::DiFetchV1 => {
            Normalized::Shipments(vec![di::parse_fetch_v1(response, reference.unwrap_or(""))?])
        }
        other => return Err(not_an_answer_of(Carrier::Di, other)),
    })
}

/// [`normalize`] for TrackOnline's kinds only (see [`normalize_inpost`]).
pub fn normalize_trackonline(
    kind: ResponseKind,
    response: &CarrierResponse,
    reference: Option<&str>,
) -> Result<Normalized, TrackingError> {
    Ok(match kind {
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
        other => return Err(not_an_answer_of(Carrier::Trackonline, other)),
    })
}

/// A kind handed to another carrier's reader: the answer is not one that reader knows.
fn not_an_answer_of(carrier: Carrier, kind: ResponseKind) -> TrackingError {
    TrackingError::MalformedResponse {
        carrier,
        reason: format!(
            "the {} answer `{}` is not one of {}'s",
            kind.carrier().display_name(),
            kind.name(),
            carrier.display_name()
        ),
    }
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

    #[test]
    fn each_carriers_reader_reads_its_own_kinds_and_names_another_carriers_kind() {
        let body = br#"{"tracking_number":"6123","status":"delivered","tracking_details":[]}"#;
        let response = CarrierResponse::new(200, body);
        for (carrier, _, kind) in KINDS {
            let readers = [
                (Carrier::Inpost, normalize_inpost(kind, &response)),
                (Carrier::Di, normalize_di(kind, &response, Some("6123"))),
                (
                    Carrier::Trackonline,
                    normalize_trackonline(kind, &response, Some("6123")),
                ),
            ];
            for (reader, read) in readers {
                let foreign = matches!(
                    &read,
                    Err(TrackingError::MalformedResponse { reason, .. })
                        if reason.contains("is not one of")
                );
                assert_eq!(
                    foreign,
                    reader != carrier,
                    "{kind:?} read as {reader}: {read:?}"
                );
                if reader == carrier {
                    assert_eq!(read, normalize(kind, &response, Some("6123")));
                }
            }
        }
        assert_eq!(
            normalize_di(ResponseKind::InpostTracking, &response, None)
                .unwrap_err()
                .to_string(),
            "di sent a response that cannot be read: the InPost answer `tracking` is not one of Distribution Innovation's"
        );
    }

    const SEEDS: [&str; 6] = [
        r#"{"tracking_number":"6123","status":"delivered","tracking_details":[{"status":"ready_to_pickup","datetime":"2015-09-17T11:28:00.000+02:00","agency":"K"}],"expected_flow":["delivered"],"custom_attributes":{"target_machine_detail":{"name":"A","opening_hours":"PN-PT 09:00-16:00","location":{"latitude":50.2,"longitude":18.9},"operating_hours_extended":{"customer":{"monday":[{"start":60,"end":120}]}}}}}"#,
        r#"{"href":"x","items":[{"name":"created","title":"Created"}],"service_history":{"last_service":"a","updated_at":"2017-10-27T12:39:02.125+02:00"}}"#,
        r#"[{"trackingNumber":1,"linkedParcelNumbers":["2"],"events":[{"eventTime":"2024-10-27 02:30:00","eventType":{"apiKey":"013","i18nKey":"x.delivered"},"eventGroup":{"id":4},"lat":59.9,"lon":10.7}]},{"trackingNumber":"2","linkedParcelNumbers":["1"],"events":[]}]"#,
        r#"[{"number":"1","lastKnownPosition":{"latitude":52,"longitude":5},"lastKnownLocation":{"gps":{"latitude":1,"longitude":2}},"lastSeen":"2024-07-01T09:00:00","deviceIds":{"deviceId":"d"}}]"#,
        r#"{"data":[{"statusCode":35,"typeCode":30,"fromLocation":{"name":"a"},"toLocation":{"name":"b"},"dateTransaction":"2021-01-01T00:00:00.0000000+00:00","deviceId":"d","measuredOn":"2024-06-30T21:15:00Z","latitude":1,"longitude":2}]}"#,
        r#"[{"number":"PL1","type":1,"createdOn":"2024-04-01T10:00:00+02:00","packagingSerializedItems":[{"item":{"number":"U"}}]}]"#,
    ];

    /// A small deterministic generator, so that the test needs no dependency and never flakes.
    struct XorShift(u64);

    impl XorShift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
    }

    #[test]
    fn mutated_and_random_answers_never_make_an_adapter_panic() {
        let kinds = KINDS.map(|(_, _, kind)| kind);
        let statuses = [200, 202, 204, 400, 401, 404, 410, 429, 500, 418];
        let mut random = XorShift(0x9E37_79B9_7F4A_7C15);
        for round in 0..3000 {
            let mut body = SEEDS[round % SEEDS.len()].as_bytes().to_vec();
            for _ in 0..(random.next() % 4) {
                let at = (random.next() as usize) % body.len().max(1);
                match random.next() % 4 {
                    0 => body.truncate(at),
                    1 if !body.is_empty() => {
                        let last = body.len() - 1;
                        body[at.min(last)] = random.next() as u8;
                    }
                    2 => {
                        let alphabet = b"{}[],:\"0123456789-T+Z";
                        body.insert(
                            at.min(body.len()),
                            alphabet[(random.next() as usize) % alphabet.len()],
                        );
                    }
                    _ => body.extend((0..8).map(|_| random.next() as u8)),
                }
            }
            let kind = kinds[(random.next() as usize) % kinds.len()];
            let status = statuses[(random.next() as usize) % statuses.len()];
            let retry_after = ["5", "Sun, 06 Nov 1994 08:49:37 GMT", "\u{0}99", ""][round % 4];
            let response = CarrierResponse::new(status, &body).with_retry_after(Some(retry_after));
            let _ = normalize(kind, &response, Some("ref"));
            let _ = crate::carrier::di::validate_register_event(&body);
        }
    }
}
