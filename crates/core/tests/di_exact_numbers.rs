//! Di documents `trackingNumber` as a JSON whole number of up to 35 digits: far more than a
//! `u64` (20 digits) or an `f64` (exact to 2^53, 16 digits) holds. Every such number must come
//! out of the adapter digit for digit, in the flat answer and in the nested one.

use proptest::prelude::*;
use trackline_core::carrier::{di, CarrierResponse};

fn flat(number: &str) -> String {
    format!(
        r#"[{{"trackingNumber": {number}, "linkedParcelNumbers": [{number}], "events": [
            {{"eventTime": "2026-03-04 10:00:00", "eventType": {{"apiKey": "005"}}, "eventGroup": {{"id": 2}}}}]}}]"#
    )
}

fn nested(number: &str) -> String {
    format!(
        r#"[{{"shipmentNumber": {number}, "shopId": 1, "properties": {{}}, "items": [{{"trackingNumber": {number}, "events": [
            {{"eventTimeUtc": "2026-03-04T09:00:00Z", "eventType": {{"apiKey": "005"}}, "eventGroup": {{"id": 2}}}}]}}]}}]"#
    )
}

fn tracking_numbers(body: &str) -> Vec<String> {
    di::parse_fetch(&CarrierResponse::new(200, body.as_bytes()), None)
        .unwrap()
        .into_iter()
        .map(|shipment| shipment.tracking_number)
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn every_whole_number_of_up_to_35_digits_comes_out_exact(
        first in 1u8..=9,
        rest in proptest::collection::vec(0u8..=9, 0..=34),
    ) {
        let number: String = std::iter::once(first)
            .chain(rest)
            .map(|digit| char::from(b'0' + digit))
            .collect();
        prop_assert_eq!(tracking_numbers(&flat(&number)), vec![number.clone()]);
        prop_assert_eq!(tracking_numbers(&nested(&number)), vec![number.clone()]);
    }
}

#[test]
fn the_longest_and_the_shortest_numbers_and_zero_come_out_exact() {
    for number in [
        "0",
        "7",
        "99999999999999999999999999999999999",
        "10000000000000000000000000000000001",
        "18446744073709551616",
        "9007199254740993",
    ] {
        assert_eq!(tracking_numbers(&flat(number)), vec![number.to_owned()]);
        assert_eq!(tracking_numbers(&nested(number)), vec![number.to_owned()]);
    }
}
