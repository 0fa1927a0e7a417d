//! A JSON object that names a member twice is still JSON, and every adapter reads it the same
//! way: the last occurrence counts, at any depth, and numbers keep every digit. A typed struct
//! alone would refuse the object with serde's "duplicate field" and lose the whole answer.

use trackline_core::carrier::{di, inpost, trackonline, CarrierResponse};
use trackline_core::status::Status;

fn di_shipments(body: &str) -> Vec<trackline_core::model::Shipment> {
    di::parse_fetch(&CarrierResponse::new(200, body.as_bytes()), None)
        .unwrap_or_else(|error| panic!("{error}: {body}"))
}

#[test]
fn an_inpost_parcel_that_names_its_status_twice_is_read_with_the_last_one() {
    let body = br#"{
        "tracking_number": "620000000000000000000003",
        "status": "created",
        "service": "inpost_courier_standard",
        "tracking_details": [
            {"status": "created", "origin_status": "UTW", "datetime": "2024-11-03T10:00:00.000+01:00"},
            {"status": "created", "status": "out_for_delivery_to_address", "origin_status": "WDR",
             "datetime": "2024-11-04T08:00:00.000+01:00"}
        ],
        "status": "out_for_delivery_to_address",
        "updated_at": "2024-11-04T08:00:00.000+01:00"
    }"#;
    let shipment = inpost::parse_tracking(&CarrierResponse::new(200, body)).unwrap();
    assert_eq!(shipment.tracking_number, "620000000000000000000003");
    assert_eq!(shipment.status, Status::OutForDelivery);
    assert_eq!(shipment.events.len(), 2);
    assert_eq!(
        shipment.events[0].carrier_status.code,
        "out_for_delivery_to_address"
    );
    assert_eq!(shipment.events[0].status, Status::OutForDelivery);
}

#[test]
fn a_di_event_that_names_its_event_type_twice_is_read_with_the_last_one() {
    let body = r#"[{"trackingNumber": "370724760010119815", "parcelStatus": "Levert", "events": [
        {"eventTime": "2024-03-05 12:00:00",
         "eventType": {"apiKey": "005", "description": "In transit"},
         "eventGroup": {"id": 2},
         "eventType": {"apiKey": "013", "description": "Delivered"},
         "message": "first", "message": "left at the door"},
        {"eventTime": "2024-03-04 10:00:00", "eventType": {"apiKey": "100", "apiKey": "001"},
         "eventGroup": {"id": 1}}
    ]}]"#;
    let shipments = di_shipments(body);
    assert_eq!(shipments.len(), 1);
    let events = &shipments[0].events;
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].carrier_status.code, "013");
    assert_eq!(events[0].carrier_status.text.as_deref(), Some("Delivered"));
    assert_eq!(events[0].detail.as_deref(), Some("left at the door"));
    assert_eq!(events[1].carrier_status.code, "001");
    assert_eq!(shipments[0].status, Status::Delivered);
}

#[test]
fn a_nested_di_shipment_item_that_names_its_status_twice_is_read_with_the_last_one() {
    let body = r#"[{"shipmentNumber": "(401)70712190172720699", "shopId": "812", "shopId": 813,
        "items": [{"trackingNumber": "370724760010119808", "parcelStatus": "Under transport",
            "events": [{"eventTimeUtc": "2026-01-14T08:30:00Z", "eventType": {"apiKey": "005"},
                "eventGroup": {"id": 2}}],
            "parcelStatus": "Levert"}]}]"#;
    let shipments = di_shipments(body);
    assert_eq!(shipments.len(), 1);
    assert_eq!(shipments[0].tracking_number, "370724760010119808");
    assert_eq!(
        shipments[0]
            .carrier_status
            .as_ref()
            .and_then(|s| s.text.as_deref()),
        Some("Levert")
    );
    assert!(shipments[0]
        .references
        .iter()
        .any(|r| r.value == "(401)70712190172720699"));
    assert_eq!(shipments[0].events.len(), 1);
}

#[test]
fn a_35_digit_tracking_number_named_twice_keeps_the_last_one_digit_for_digit() {
    let first = "12345678901234567890123456789012345";
    let last = "37072476001011979237072476001011979";
    let flat =
        format!(r#"[{{"trackingNumber": {first}, "events": [], "trackingNumber": {last}}}]"#);
    let nested = format!(
        r#"[{{"shipmentNumber": "S1", "items": [{{"trackingNumber": {first},
            "trackingNumber": {last}, "events": [{{"eventTimeUtc": "2026-01-14T08:30:00Z",
            "eventType": {{"apiKey": "005"}}, "eventGroup": {{"id": 2}}}}]}}]}}]"#
    );
    for body in [flat, nested] {
        let numbers: Vec<String> = di_shipments(&body)
            .into_iter()
            .map(|s| s.tracking_number)
            .collect();
        assert_eq!(numbers, vec![last.to_owned()], "{body}");
    }
}

#[test]
fn a_repeated_member_with_trailing_commas_and_a_byte_order_mark_still_reads() {
    let body =
        "\u{feff}{\"tracking_number\": \"620000000000000000000003\", \"status\": \"created\",
        \"tracking_details\": [], \"status\": \"delivered\",}";
    let shipment = inpost::parse_tracking(&CarrierResponse::new(200, body.as_bytes())).unwrap();
    assert_eq!(shipment.status, Status::Delivered);
}

#[test]
fn trackonline_keeps_the_last_occurrence_too() {
    let label = br#"{"number": "PL1", "type": 1, "isEnabled": true, "isEnabled": false}"#;
    let labels = trackonline::parse_packaging_labels(&CarrierResponse::new(200, label)).unwrap();
    assert_eq!(
        labels[0].carrier_status.as_ref().map(|s| s.code.as_str()),
        Some("inactive")
    );
}

#[test]
fn malformed_json_stays_malformed_even_with_a_repeated_member() {
    let body = br#"{"tracking_number": "1", "status": "created", "status": }"#;
    assert!(inpost::parse_tracking(&CarrierResponse::new(200, body)).is_err());
}
