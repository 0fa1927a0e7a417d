//! What the real-answer tests share: an answer as a carrier publishes it, from
//! `tests/real_answers/<carrier>/`, read by core's adapter, and the views of a shipment they assert on.

use std::fs;
use std::path::Path;

use trackline_core::carrier::{normalize, CarrierResponse, Normalized, ResponseKind};
use trackline_core::model::{Shipment, TrackingError};
use trackline_core::status::Status;

/// The body of `fixture` among `carrier`'s real answers.
pub fn body(carrier: &str, fixture: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/real_answers")
        .join(carrier)
        .join(fixture);
    fs::read(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// `carrier`'s `fixture`, answered with `status`, as core's adapter for `kind` reads it.
pub fn read(
    kind: ResponseKind,
    carrier: &str,
    status: u16,
    fixture: &str,
    reference: Option<&str>,
) -> Result<Normalized, TrackingError> {
    normalize(
        kind,
        &CarrierResponse::new(status, &body(carrier, fixture)),
        reference,
    )
}

/// The one shipment of a read answer; panics, naming `fixture`, on anything else.
pub fn only_shipment(read: Result<Normalized, TrackingError>, fixture: &str) -> Shipment {
    match read {
        Ok(Normalized::Shipments(mut shipments)) if shipments.len() == 1 => shipments.remove(0),
        other => panic!("{fixture}: {other:?}"),
    }
}

/// Each event's carrier code with the status core gives it, newest first as the shipment has them.
pub fn statuses(shipment: &Shipment) -> Vec<(&str, Status)> {
    shipment
        .events
        .iter()
        .map(|event| (event.carrier_status.code.as_str(), event.status))
        .collect()
}
