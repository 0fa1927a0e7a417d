//! The adapters' fuzz targets start from seeds in `fuzz/seeds/<target>/`: a selector byte, a
//! `Retry-After` line, then a body. Every adapter's seeds include Di's flat and nested answers;
//! this checks that those seeds still are answers the Di adapter reads, so that the fuzzers
//! start from inside both shapes rather than from bytes that fail at the first brace, and that
//! the seeds repeating a member inside one record read with its last value.

use std::fs;
use std::path::Path;

use trackline_core::carrier::{di, inpost, CarrierResponse};
use trackline_core::status::Status;

fn seed_body(path: &Path) -> Vec<u8> {
    let bytes = fs::read(path).unwrap();
    let rest = &bytes[1..];
    let split = rest.iter().position(|b| *b == b'\n').unwrap();
    rest[split + 1..].to_vec()
}

#[test]
fn every_adapter_fuzz_target_is_seeded_with_di_flat_and_nested_answers_that_read() {
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds");
    for target in ["adapter_di", "adapter_inpost", "adapter_trackonline"] {
        for (name, nested) in [
            ("di_flat", false),
            ("di_nested", true),
            ("di_nested_35_digits", true),
        ] {
            let body = seed_body(&seeds.join(target).join(name));
            let shipments = di::parse_fetch(&CarrierResponse::new(200, &body), None)
                .unwrap_or_else(|error| panic!("{target}/{name}: {error}"));
            assert!(!shipments.is_empty(), "{target}/{name} has no parcel");
            let has_shipment_number = shipments[0]
                .references
                .iter()
                .any(|r| r.value.starts_with("(401)"));
            assert_eq!(has_shipment_number, nested, "{target}/{name}");
        }
    }
}

#[test]
fn the_repeated_member_seeds_read_with_each_members_last_value() {
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds");
    let body = seed_body(&seeds.join("adapter_di/di_nested_repeated_members"));
    let shipments = di::parse_fetch(&CarrierResponse::new(200, &body), None).unwrap();
    assert_eq!(shipments.len(), 1);
    assert_eq!(
        shipments[0].tracking_number,
        "37072476001011979237072476001011979"
    );
    assert_eq!(shipments[0].events[0].carrier_status.code, "013");
    assert_eq!(
        shipments[0].events[0].detail.as_deref(),
        Some("left at the door")
    );

    let body = seed_body(&seeds.join("adapter_inpost/inpost_repeated_members"));
    let shipment = inpost::parse_tracking(&CarrierResponse::new(200, &body)).unwrap();
    assert_eq!(shipment.status, Status::OutForDelivery);
}
