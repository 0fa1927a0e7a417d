//! The Di adapter and the Register Event validation never panic, whatever bytes, status and
//! Retry-After arrive. Its seeds (`fuzz/seeds/adapter_di/`) are Event Log v2's flat list of
//! parcels, the nested list of shipments with their `items`, and v1's events; the first byte
//! picks the kind and the status (0: fetch, 200), the first line is the Retry-After header.
#![no_main]

use libfuzzer_sys::fuzz_target;
use trackline_core::carrier::di::validate_register_event;
use trackline_core::carrier::{normalize, CarrierResponse, ResponseKind};

const KINDS: [ResponseKind; 2] = [ResponseKind::DiFetch, ResponseKind::DiFetchV1];
const STATUSES: [u16; 12] = [200, 202, 204, 400, 401, 403, 404, 410, 429, 500, 503, 418];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let kind = KINDS[usize::from(selector) % KINDS.len()];
    let status = STATUSES[usize::from(selector / 16) % STATUSES.len()];
    // The first line of the rest is the Retry-After header, the remainder the body.
    let split = rest.iter().position(|b| *b == b'\n').unwrap_or(0);
    let retry_after = std::str::from_utf8(&rest[..split]).ok();
    let body = &rest[split.min(rest.len())..];
    let response = CarrierResponse::new(status, body).with_retry_after(retry_after);
    let _ = normalize(kind, &response, retry_after);
    let _ = validate_register_event(data);
});
