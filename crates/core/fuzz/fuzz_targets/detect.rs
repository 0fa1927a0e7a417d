//! `identifier::detect` never panics, ranks its candidates, and every suggested correction is
//! itself a valid number of the same format.
#![no_main]

use libfuzzer_sys::fuzz_target;
use trackline_core::identifier::{detect, CheckDigit, DetectMode};

fn rank(check_digit: CheckDigit) -> u8 {
    match check_digit {
        CheckDigit::Valid => 2,
        CheckDigit::None => 1,
        CheckDigit::Invalid { .. } => 0,
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(value) = std::str::from_utf8(data) else {
        return;
    };
    let strict = detect(value, DetectMode::Strict);
    let standard = detect(value, DetectMode::Standard);
    let eager = detect(value, DetectMode::Eager);
    assert!(strict
        .candidates
        .iter()
        .all(|candidate| candidate.check_digit == CheckDigit::Valid));
    assert!(strict.candidates.len() <= standard.candidates.len());
    assert!(standard.candidates.len() <= eager.candidates.len());
    for pair in eager.candidates.windows(2) {
        assert!(
            (rank(pair[0].check_digit), pair[0].confidence)
                >= (rank(pair[1].check_digit), pair[1].confidence)
        );
    }
    for candidate in &eager.candidates {
        assert!(candidate.confidence <= 100);
        for suggestion in &candidate.suggestions {
            let corrected = detect(suggestion, DetectMode::Eager);
            assert!(
                corrected
                    .candidates
                    .iter()
                    .any(|other| other.format == candidate.format
                        && other.check_digit == CheckDigit::Valid),
                "{suggestion} suggested for {value:?} is no valid {}",
                candidate.format
            );
        }
    }
});
