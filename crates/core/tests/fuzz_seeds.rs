//! The adapters' fuzz targets start from seeds in `fuzz/seeds/<target>/`: a selector byte, a
//! `Retry-After` line, then a body. Every adapter's seeds include Di's flat and nested answers;
//! this checks that those seeds still are answers the Di adapter reads, so that the fuzzers
//! start from inside both shapes rather than from bytes that fail at the first brace.

use std::fs;
use std::path::Path;

use trackline_core::carrier::{di, CarrierResponse};

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
