//! Di and Helthjem tracking answers shaped as they are published: the example answer and the
//! event catalogue of Helthjem's developer documentation (the successor of Di's Parcel Event
//! Log, same items and events), and Di's own Parcel Event Log v2 field table. Numbers, shops,
//! places and references in `tests/real_answers/di/` are made up; the shapes, codes and
//! translation keys are not.

mod support;

use support::{only_shipment, statuses};
use trackline_core::carrier::{normalize, CarrierResponse, Normalized, ResponseKind};
use trackline_core::model::{ReferenceKind, Shipment, TrackingError};
use trackline_core::status::Status;

fn body(fixture: &str) -> Vec<u8> {
    support::body("di", fixture)
}

fn read(status: u16, fixture: &str) -> Result<Normalized, TrackingError> {
    support::read(
        ResponseKind::DiFetch,
        "di",
        status,
        fixture,
        Some("70724769900112233"),
    )
}

fn shipment(fixture: &str) -> Shipment {
    only_shipment(read(200, fixture), fixture)
}

fn times(shipment: &Shipment) -> Vec<String> {
    shipment
        .events
        .iter()
        .map(|event| event.time.expect("every event has a time").to_string())
        .collect()
}

fn has_reference(shipment: &Shipment, kind: ReferenceKind, value: &str) -> bool {
    shipment
        .references
        .iter()
        .any(|r| r.kind == kind && r.value == value)
}

/// Helthjem's API reference answer: a shipment with its parcels as `items`, `eventTimeUtc` with
/// microseconds, `null` members, an event group named by its translation key.
#[test]
fn the_published_helthjem_answer_reads_with_its_shipment_number_and_utc_time() {
    let shipment = shipment("helthjem-reference-waiting-for-package.json");
    assert_eq!(shipment.tracking_number, "370724769900112240");
    assert!(has_reference(
        &shipment,
        ReferenceKind::ShipmentNumber,
        "70724769900112233"
    ));
    assert!(has_reference(
        &shipment,
        ReferenceKind::ReferenceNumber,
        "kunde-4711"
    ));
    assert_eq!(shipment.service.as_deref(), Some("helthjem"));
    assert_eq!(times(&shipment), ["2025-10-13T13:50:03.390+02:00"]);
    let event = &shipment.events[0];
    assert_eq!(event.carrier_status.code, "007");
    assert_eq!(event.status, Status::Unknown);
    assert!(event.notice.is_some(), "an address collector is a notice");
    assert_eq!(
        shipment
            .carrier_status
            .as_ref()
            .and_then(|s| s.text.as_deref()),
        Some("WAITING_FOR_PACKAGE")
    );
}

/// `WAITING_FOR_PACKAGE`: the shop has booked the transport, Helthjem waits for the parcel.
/// The only event is a message to the consignee, which never decides; the parcel's own status
/// still says where it is.
#[test]
fn a_parcel_helthjem_is_still_waiting_for_is_pre_transit() {
    let shipment = shipment("helthjem-reference-waiting-for-package.json");
    assert_eq!(shipment.status, Status::PreTransit);
}

/// Helthjem's event catalogue: 006 "parcel has arrived at local service point and is ready for
/// pick-up" (`…shipment.arrived.at.servicepoint`).
#[test]
fn a_parcel_arrived_at_its_service_point_is_ready_for_pickup_there() {
    let shipment = shipment("helthjem-pickup-parcel-at-service-point.json");
    assert_eq!(statuses(&shipment)[0], ("006", Status::ReadyForPickup));
    assert_eq!(shipment.status, Status::ReadyForPickup);
    let point = shipment.pickup_point.as_ref().expect("the service point");
    assert_eq!(point.id, "30694");
    assert_eq!(point.name.as_deref(), Some("Joker Eksempelgata"));
}

/// 104 "parcel is delivered to service point" (`…delivered.at.service.point`): the carrier
/// handed it to the shop that keeps it for the consignee. The consignee does not have it.
#[test]
fn a_parcel_handed_to_its_service_point_is_not_delivered_to_the_consignee() {
    let shipment = shipment("helthjem-pickup-parcel-dropped-at-service-point.json");
    assert_eq!(statuses(&shipment)[0], ("104", Status::ReadyForPickup));
    assert_eq!(shipment.status, Status::ReadyForPickup);
    assert!(!shipment.status.is_final());
}

/// 002 "we have received your parcel, and are getting ready to transport it in our network"
/// (`…shipment.received`): the carrier has the parcel. 001 (`…import.edi.information.received`)
/// is only the booking.
#[test]
fn a_parcel_the_carrier_has_received_is_in_transit_and_a_booking_is_pre_transit() {
    let shipment = shipment("helthjem-pickup-parcel-at-service-point.json");
    let all = statuses(&shipment);
    assert_eq!(all[3], ("002", Status::InTransit));
    assert_eq!(all[4], ("001", Status::PreTransit));
    assert_eq!(all[2], ("005", Status::InTransit));
}

/// Local Oslo time beside UTC on both sides of the spring change of 2025-03-30.
#[test]
fn helthjem_times_keep_the_utc_moment_across_the_spring_change() {
    let shipment = shipment("helthjem-pickup-parcel-at-service-point.json");
    assert_eq!(
        times(&shipment),
        [
            "2025-03-31T09:12:44.120+02:00",
            "2025-03-31T09:10:02.004+02:00",
            "2025-03-30T22:40:10+02:00",
            "2025-03-30T01:30:00+01:00",
            "2025-03-29T14:02:31.770+01:00",
        ]
    );
}

/// Di's Event Log v2 as its field table describes it: a flat list of parcels, the tracking
/// number a JSON whole number, local time only, additional info as an object.
#[test]
fn a_di_parcel_delivered_after_a_failed_attempt_is_delivered() {
    let shipment = shipment("di-event-log-v2-delivered-after-failed-attempt.json");
    assert_eq!(shipment.tracking_number, "370724760120009912");
    assert_eq!(
        statuses(&shipment),
        [
            ("013", Status::Delivered),
            ("057", Status::FailedAttempt),
            ("004", Status::InTransit),
        ]
    );
    assert_eq!(shipment.status, Status::Delivered);
    assert_eq!(
        times(&shipment),
        [
            "2024-10-29T18:05:40+01:00",
            "2024-10-28T18:20:00+01:00",
            // The autumn hour that happens twice: the first (summer time) is taken.
            "2024-10-27T02:30:00+02:00",
        ]
    );
    assert!(shipment
        .events
        .iter()
        .all(|e| e.time.is_some_and(|t| t.offset_assumed())));
    assert_eq!(
        shipment.events[1].detail.as_deref(),
        Some("Mottaker er bortreist eller henter ikke sendingen")
    );
}

/// Helthjem's error body is `{code, message}`.
#[test]
fn helthjem_errors_name_the_reason_helthjem_gives() {
    match read(404, "helthjem-error-not-found.json") {
        Err(TrackingError::NotFound { message, .. }) => assert_eq!(
            message.as_deref(),
            Some("No shipment found for identifier 70724769900999999")
        ),
        other => panic!("{other:?}"),
    }
    match read(400, "helthjem-error-bad-request.json") {
        Err(TrackingError::InvalidReference { reason, .. }) => {
            assert_eq!(reason, "Invalid identifier")
        }
        other => panic!("{other:?}"),
    }
}

/// Helthjem's schema types `additionalInfo` as "any additional text": a bare text of words is
/// shown with its event, while a bare code (a number, or one word) is still an additional info's.
#[test]
fn additional_info_written_as_bare_text_is_shown_with_its_event() {
    let with_info = |info: &str| {
        let body = String::from_utf8(body("helthjem-reference-waiting-for-package.json"))
            .unwrap()
            .replace(
                "\"additionalInfo\": null",
                &format!("\"additionalInfo\": {info}"),
            );
        let read = normalize(
            ResponseKind::DiFetch,
            &CarrierResponse::new(200, body.as_bytes()),
            None,
        );
        only_shipment(read, info).events.remove(0)
    };
    let text = with_info("\"Leveres i postkassen\"");
    assert_eq!(text.detail.as_deref(), Some("Leveres i postkassen"));
    assert_eq!(text.carrier_status.code, "007");

    let code = with_info("\"004\"");
    assert_eq!(code.detail, None);
    let number = with_info("4");
    assert_eq!(number.detail, None);
    let word = with_info("\"A01\"");
    assert_eq!(word.detail, None);
    assert_eq!(word.carrier_status.origin_code.as_deref(), Some("A01"));
}
