//! InPost tracking answers shaped as ShipX sends them, read with InPost's own meaning of each
//! status (its `/v1/statuses` descriptions and its help pages). Tracking numbers, points and
//! addresses in `tests/real_answers/inpost/` are made up; the shapes are not.

mod support;

use support::{only_shipment, statuses};
use trackline_core::carrier::ResponseKind;
use trackline_core::model::{Shipment, Step, StepState};
use trackline_core::status::Status;

fn shipment(fixture: &str) -> Shipment {
    let read = support::read(ResponseKind::InpostTracking, "inpost", 200, fixture, None);
    only_shipment(read, fixture)
}

fn state_of(shipment: &Shipment, step: Step) -> Option<StepState> {
    shipment
        .expected_flow
        .iter()
        .find(|expected| expected.step == step)
        .map(|expected| expected.state)
}

/// Storage in a service point when the locker was full: once the day to collect it there is
/// over, the parcel waits for the courier who takes it on to the locker the consumer chose.
#[test]
fn a_parcel_not_collected_from_service_point_storage_is_still_on_its_way_to_its_locker() {
    let shipment = shipment("service-point-storage-pickup-time-expired.json");
    assert_eq!(shipment.status, Status::InTransit);
    assert_eq!(
        statuses(&shipment)[..2],
        [
            ("stack_parcel_pickup_time_expired", Status::InTransit),
            ("stack_in_customer_service_point", Status::ReadyForPickup),
        ]
    );
    assert_eq!(
        shipment.pickup_point.as_ref().map(|p| p.id.as_str()),
        Some("LOD14M")
    );
}

/// The same for storage in a temporary locker.
#[test]
fn a_parcel_not_collected_from_a_temporary_locker_is_still_on_its_way_to_its_locker() {
    let shipment = shipment("temporary-locker-storage-pickup-time-expired.json");
    assert_eq!(shipment.status, Status::InTransit);
    assert_eq!(
        statuses(&shipment)[0],
        (
            "stack_parcel_in_box_machine_pickup_time_expired",
            Status::InTransit
        )
    );
}

/// `return_pickup_confirmation_to_sender`: the parcel was received, and the signed return
/// receipt went back to the sender. Nothing of the parcel goes back.
#[test]
fn a_return_receipt_sent_to_the_sender_leaves_the_parcel_delivered() {
    let shipment = shipment("courier-return-receipt-sent-to-sender.json");
    assert_eq!(shipment.status, Status::Delivered);
    assert_eq!(
        statuses(&shipment)[..2],
        [
            ("return_pickup_confirmation_to_sender", Status::Delivered),
            ("delivered", Status::Delivered),
        ]
    );
    assert_eq!(state_of(&shipment, Step::ReturnedToSender), None);
}

/// `stored_by_sender` ("Umieszczona w Paczkomacie Nadawczym"), the older name of
/// `dispatched_by_sender`: the sender put the parcel in a locker, InPost has it.
#[test]
fn a_parcel_stored_by_its_sender_in_a_locker_has_been_handed_over() {
    let shipment = shipment("locker-stored-by-sender.json");
    assert_eq!(shipment.status, Status::InTransit);
    assert_eq!(
        statuses(&shipment),
        [
            ("stored_by_sender", Status::InTransit),
            ("confirmed", Status::PreTransit),
        ]
    );
    assert_eq!(
        state_of(&shipment, Step::HandedOver),
        Some(StepState::Current)
    );
    assert_eq!(
        state_of(&shipment, Step::Registered),
        Some(StepState::Passed)
    );
}
