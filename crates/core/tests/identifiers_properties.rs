//! Properties over numbers the tests build themselves: valid ones are recognized, single-digit
//! changes are caught (within what each check-digit scheme can catch).

use proptest::prelude::*;
use trackline_core::identifier::{detect, CheckDigit, DetectMode, Format, MAX_SUGGESTIONS};
use trackline_core::reference::{parse, Reference};

/// GS1 mod 10, written out again here so that the test does not trust the code under test.
fn gs1_check(data: &[u8]) -> u8 {
    let sum: u32 = data
        .iter()
        .rev()
        .enumerate()
        .map(|(index, digit)| u32::from(*digit) * if index % 2 == 0 { 3 } else { 1 })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

/// The S10 weighted sum modulo 11, and the check digit it calls for.
fn s10_remainder(serial: &[u8]) -> u32 {
    const WEIGHTS: [u32; 8] = [8, 6, 4, 2, 3, 5, 9, 7];
    serial
        .iter()
        .zip(WEIGHTS)
        .map(|(digit, weight)| u32::from(*digit) * weight)
        .sum::<u32>()
        % 11
}

fn s10_check(serial: &[u8]) -> u8 {
    match 11 - s10_remainder(serial) {
        10 => 0,
        11 => 5,
        other => other as u8,
    }
}

fn digits_text(digits: &[u8]) -> String {
    digits
        .iter()
        .map(|digit| char::from(b'0' + digit))
        .collect()
}

fn sscc_digits() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(0u8..10, 17).prop_map(|mut data| {
        let check = gs1_check(&data);
        data.push(check);
        data
    })
}

const SERVICES: &[&str] = &["CP", "EA", "EE", "HB", "LX", "RB", "RR", "UA", "VV"];
const COUNTRIES: &[&str] = &["GB", "DE", "NO", "PL", "SE", "CN", "US", "FR", "NL", "CH"];

fn s10_parts() -> impl Strategy<Value = (&'static str, Vec<u8>, &'static str)> {
    (
        proptest::sample::select(SERVICES),
        proptest::collection::vec(0u8..10, 8),
        proptest::sample::select(COUNTRIES),
    )
}

fn s10_text(service: &str, serial: &[u8], check: u8, country: &str) -> String {
    format!("{service}{}{check}{country}", digits_text(serial))
}

fn has_valid(value: &str, format: Format) -> bool {
    detect(value, DetectMode::Strict)
        .candidates
        .iter()
        .any(|candidate| candidate.format == format && candidate.check_digit == CheckDigit::Valid)
}

proptest! {
    #[test]
    fn any_valid_sscc_is_recognized(digits in sscc_digits()) {
        let text = digits_text(&digits);
        prop_assert!(has_valid(&text, Format::Sscc));
        let element_string = format!("(00){text}");
        prop_assert!(has_valid(&element_string, Format::Sscc));
        let query = format!("sscc={text}");
        prop_assert_eq!(
            parse(&query).references, vec![Reference::Sscc { number: text.clone() }]);
    }

    #[test]
    fn any_single_digit_change_in_an_sscc_is_caught(
        digits in sscc_digits(),
        position in 0usize..18,
        shift in 1u8..10,
    ) {
        let mut changed = digits.clone();
        changed[position] = (changed[position] + shift) % 10;
        let text = digits_text(&changed);
        prop_assert!(!has_valid(&text, Format::Sscc));
        let listed = detect(&text, DetectMode::Standard);
        let sscc = listed.candidates.iter().find(|candidate| candidate.format == Format::Sscc);
        let invalid = matches!(
            sscc.map(|candidate| candidate.check_digit),
            Some(CheckDigit::Invalid { .. })
        );
        prop_assert!(invalid);
        let query = format!("sscc={text}");
        prop_assert!(!parse(&query).is_clean());
    }

    #[test]
    fn a_swap_of_neighbouring_sscc_digits_is_caught_unless_they_differ_by_five(
        digits in sscc_digits(),
        position in 0usize..17,
    ) {
        let (left, right) = (digits[position], digits[position + 1]);
        prop_assume!(left != right && left.abs_diff(right) != 5);
        let mut swapped = digits.clone();
        swapped.swap(position, position + 1);
        let text = digits_text(&swapped);
        prop_assert!(!has_valid(&text, Format::Sscc));
        let listed = detect(&text, DetectMode::Standard);
        let sscc = listed.candidates.iter().find(|candidate| candidate.format == Format::Sscc).expect("listed");
        // Other swaps may hold as well; the list is cut at MAX_SUGGESTIONS.
        prop_assert!(
            sscc.suggestions.contains(&digits_text(&digits))
                || sscc.suggestions.len() == MAX_SUGGESTIONS
        );
    }

    #[test]
    fn any_valid_s10_number_is_recognized((service, serial, country) in s10_parts()) {
        let text = s10_text(service, &serial, s10_check(&serial), country);
        prop_assert!(has_valid(&text, Format::UpuS10));
        prop_assert!(has_valid(&text.to_lowercase(), Format::UpuS10));
    }

    #[test]
    fn any_changed_s10_check_digit_is_caught((service, serial, country) in s10_parts(), shift in 1u8..10) {
        let wrong = (s10_check(&serial) + shift) % 10;
        let text = s10_text(service, &serial, wrong, country);
        prop_assert!(!has_valid(&text, Format::UpuS10));
        let listed = detect(&text, DetectMode::Standard);
        prop_assert_eq!(listed.candidates.len(), 1);
        let invalid = matches!(listed.candidates[0].check_digit, CheckDigit::Invalid { .. });
        prop_assert!(invalid);
    }

    /// S10 maps both remainders 0 and 6 to check digit 5: a changed serial digit that moves the
    /// remainder between those two is the one single-digit change the scheme cannot see.
    #[test]
    fn any_changed_s10_serial_digit_is_caught_unless_the_scheme_maps_both_to_five(
        (service, serial, country) in s10_parts(),
        position in 0usize..8,
        shift in 1u8..10,
    ) {
        let check = s10_check(&serial);
        let mut changed = serial.clone();
        changed[position] = (changed[position] + shift) % 10;
        let blind = {
            let mut remainders = [s10_remainder(&serial), s10_remainder(&changed)];
            remainders.sort_unstable();
            remainders == [0, 6]
        };
        let text = s10_text(service, &changed, check, country);
        prop_assert_eq!(has_valid(&text, Format::UpuS10), blind);
    }

    #[test]
    fn parsing_and_detecting_any_text_never_panics(text in "\\PC{0,80}") {
        let parsed = parse(&text);
        prop_assert!(parsed.references.iter().all(|reference| reference.number().chars().count() <= 35));
        let detection = detect(&text, DetectMode::Eager);
        prop_assert!(detection.candidates.len() <= 8);
    }
}

#[test]
fn the_s10_scheme_really_has_a_blind_spot_between_remainders_0_and_6() {
    // Serial 00000000 sums to 0 (check 5): some serial one digit away sums to 6 (check 5 too).
    let base = [0u8; 8];
    let blind = (0..8)
        .flat_map(|position| (1u8..10).map(move |digit| (position, digit)))
        .map(|(position, digit)| {
            let mut serial = base;
            serial[position] = digit;
            serial
        })
        .find(|serial| s10_remainder(serial) == 6)
        .expect("some single digit moves the sum from 0 to 6");
    assert_eq!(s10_check(&base), 5);
    let text = s10_text("RB", &blind, 5, "GB");
    assert!(
        has_valid(&text, Format::UpuS10),
        "{text}: the scheme accepts it"
    );
}
