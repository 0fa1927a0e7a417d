//! The worked examples of carriers.md and the standards, valid and with one digit changed.

use trackline_core::identifier::{detect, Carrier, CheckDigit, DetectMode, Format, S10Service};

/// The best candidate's carrier, format and check-digit status.
fn best(value: &str, mode: DetectMode) -> Option<(Option<Carrier>, Format, CheckDigit)> {
    detect(value, mode)
        .candidates
        .first()
        .map(|candidate| (candidate.carrier, candidate.format, candidate.check_digit))
}

fn formats(value: &str, mode: DetectMode) -> Vec<(Option<Carrier>, Format)> {
    detect(value, mode)
        .candidates
        .iter()
        .map(|candidate| (candidate.carrier, candidate.format))
        .collect()
}

#[test]
fn valid_worked_examples_are_recognized_with_a_holding_check_digit() {
    let table: &[(&str, Option<Carrier>, Format)] = &[
        ("106141411234567897", None, Format::Sscc),
        ("370724760010119754", None, Format::Sscc),
        ("70725380000051451", None, Format::Gsin),
        (
            "RB123456785GB",
            Some(Carrier::PostalOperator),
            Format::UpuS10,
        ),
        ("1Z5R89390357567127", Some(Carrier::Ups), Format::Ups1z),
        (
            "3318810025",
            Some(Carrier::DhlExpress),
            Format::DhlExpressWaybill,
        ),
        (
            "00340433836442636597",
            Some(Carrier::DhlPaket),
            Format::DhlPaketSscc,
        ),
        (
            "201298452277",
            Some(Carrier::DhlPaket),
            Format::DhlPaketIdentcode,
        ),
        ("09980000020033F", Some(Carrier::Dpd), Format::DpdParcel),
    ];
    for &(value, carrier, format) in table {
        assert_eq!(
            best(value, DetectMode::Strict),
            Some((carrier, format, CheckDigit::Valid)),
            "{value}"
        );
    }
}

#[test]
fn formats_without_a_check_digit_are_recognized_by_shape_outside_strict_mode() {
    let table: &[(&str, Carrier, Format)] = &[
        (
            "602677049101256024812345",
            Carrier::Inpost,
            Format::InPostParcel,
        ),
        (
            "JJD0001234567890123",
            Carrier::DhlPaket,
            Format::DhlPaketJjd,
        ),
        ("JJD1234567890123", Carrier::DhlPaket, Format::DhlPaketJjd),
        ("JJD1234567890", Carrier::DhlPaket, Format::DhlPaketJjd),
        ("09980000020033", Carrier::Dpd, Format::DpdParcel),
    ];
    for &(value, carrier, format) in table {
        assert_eq!(
            best(value, DetectMode::Standard),
            Some((Some(carrier), format, CheckDigit::None)),
            "{value}"
        );
        assert_eq!(best(value, DetectMode::Strict), None, "{value}");
    }
    assert_eq!(
        best("(401)7072538ABC-42", DetectMode::Standard),
        Some((None, Format::Ginc, CheckDigit::None))
    );
}

#[test]
fn one_changed_digit_is_reported_as_a_wrong_check_digit() {
    let table: &[(&str, Format, char, char)] = &[
        ("106141411234567896", Format::Sscc, '7', '6'),
        ("RB123456784GB", Format::UpuS10, '5', '4'),
        ("1Z5R89390357567128", Format::Ups1z, '7', '8'),
        ("00340433836442636598", Format::DhlPaketSscc, '7', '8'),
        ("09980000020033G", Format::DpdParcel, 'F', 'G'),
    ];
    for &(value, format, expected, found) in table {
        let detection = detect(value, DetectMode::Standard);
        let candidate = detection
            .candidates
            .iter()
            .find(|candidate| candidate.format == format)
            .unwrap_or_else(|| panic!("{value} is listed as {format}"));
        assert_eq!(
            candidate.check_digit,
            CheckDigit::Invalid { expected, found },
            "{value}"
        );
        assert!(!detection.is_recognized(), "{value}");
        assert!(
            detect(value, DetectMode::Strict).candidates.is_empty(),
            "{value}"
        );
    }
}

#[test]
fn weak_shapes_with_a_failing_check_digit_are_listed_only_in_eager_mode() {
    // DHL Express, an Identcode, and fifteen digits (FedEx Ground's `041441760228964`), which
    // DPD's check would otherwise have "corrected" to a DPD number ending in a letter.
    for value in ["3318810026", "201298452278", "041441760228964"] {
        assert!(
            detect(value, DetectMode::Standard).candidates.is_empty(),
            "{value}"
        );
        let eager = detect(value, DetectMode::Eager);
        assert!(!eager.candidates.is_empty(), "{value}");
        assert!(eager
            .candidates
            .iter()
            .all(|candidate| matches!(candidate.check_digit, CheckDigit::Invalid { .. })));
    }
}

#[test]
fn a_wrong_check_digit_is_reported_with_the_corrected_number() {
    let detection = detect("370724760010119755", DetectMode::Standard);
    let sscc = &detection.candidates[0];
    assert_eq!(sscc.suggestions, ["370724760010119754"]);
}

#[test]
fn a_swap_of_neighbouring_digits_is_suggested_before_a_new_check_digit() {
    // 1061414112345678 97 with "56" typed as "65".
    let detection = detect("106141411234657897", DetectMode::Standard);
    let sscc = detection
        .candidates
        .iter()
        .find(|candidate| candidate.format == Format::Sscc)
        .expect("listed as SSCC");
    assert!(
        sscc.suggestions.contains(&"106141411234567897".to_owned()),
        "{:?}",
        sscc.suggestions
    );
    // Another swap may happen to hold as well; the new check digit comes after every swap.
    assert_eq!(
        sscc.suggestions.last().map(String::as_str),
        Some("106141411234657895")
    );
}

#[test]
fn a_transposed_s10_number_is_corrected() {
    let detection = detect("RB123456758GB", DetectMode::Standard);
    let s10 = &detection.candidates[0];
    assert!(
        s10.suggestions.contains(&"RB123456785GB".to_owned()),
        "{:?}",
        s10.suggestions
    );
}

#[test]
fn an_s10_number_names_its_service_family_and_country() {
    let detection = detect("ee 123 456 785 no", DetectMode::Standard);
    assert_eq!(detection.normalized, "EE123456785NO");
    let s10 = &detection.candidates[0];
    assert_eq!(s10.service, Some(S10Service::Ems));
    assert_eq!(s10.country.as_deref(), Some("NO"));
}

#[test]
fn an_s10_number_of_no_real_country_or_service_is_listed_only_in_eager_mode() {
    // No country, a code no operator issues under (Antarctica, the US Minor Outlying Islands),
    // no service, a business reply letter past QM.
    for value in [
        "RB123456785XX",
        "RB123456785UK",
        "RB123456785AQ",
        "RB123456785UM",
        "ZZ123456785GB",
        "QZ123456785GB",
    ] {
        assert!(
            detect(value, DetectMode::Standard).candidates.is_empty(),
            "{value}"
        );
        assert_eq!(
            formats(value, DetectMode::Eager),
            [(Some(Carrier::PostalOperator), Format::UpuS10)],
            "{value}"
        );
    }
}

#[test]
fn a_norwegian_sscc_lists_the_gs1_key_bring_and_di_in_ranked_order() {
    assert_eq!(
        formats("370724760010119754", DetectMode::Strict),
        [
            (None, Format::Sscc),
            (Some(Carrier::Bring), Format::Sscc),
            (Some(Carrier::Di), Format::Sscc)
        ]
    );
    assert_eq!(
        formats("70725380000051451", DetectMode::Strict),
        [
            (None, Format::Gsin),
            (Some(Carrier::Bring), Format::Gsin),
            (Some(Carrier::Di), Format::Gsin)
        ]
    );
    // Not under prefix 70: no Norwegian carrier.
    assert_eq!(
        formats("106141411234567897", DetectMode::Strict),
        [(None, Format::Sscc)]
    );
}

#[test]
fn twelve_digits_can_be_an_identcode_and_a_gls_number_at_once() {
    // Valid under both algorithms: both are listed, the better-known format first.
    let both = (0..10_000_000_000u64)
        .step_by(7919)
        .map(|serial| format!("{serial:011}"))
        .find_map(|data| {
            let value = (0..10)
                .map(|check| format!("{data}{check}"))
                .find(|value| {
                    best(value, DetectMode::Strict).map(|(_, format, _)| format)
                        == Some(Format::DhlPaketIdentcode)
                })?;
            (formats(&value, DetectMode::Strict).len() == 2).then_some(value)
        })
        .expect("some 12-digit value is valid under both");
    assert_eq!(
        formats(&both, DetectMode::Strict),
        [
            (Some(Carrier::DhlPaket), Format::DhlPaketIdentcode),
            (Some(Carrier::Gls), Format::GlsParcel)
        ]
    );
}

#[test]
fn candidates_come_ranked_by_check_digit_status_then_confidence() {
    let rank = |status: CheckDigit| match status {
        CheckDigit::Valid => 2,
        CheckDigit::None => 1,
        CheckDigit::Invalid { .. } => 0,
    };
    for value in [
        "00340433836442636597",
        "201298452277",
        "370724760010119754",
        "370724760010119755",
    ] {
        let detection = detect(value, DetectMode::Eager);
        assert!(detection.candidates.len() >= 2, "{value}");
        for pair in detection.candidates.windows(2) {
            assert!(
                (rank(pair[0].check_digit), pair[0].confidence)
                    >= (rank(pair[1].check_digit), pair[1].confidence),
                "{value}: {pair:?}"
            );
        }
    }
    // A valid Identcode comes before the same digits read as a GLS number with a failing check.
    let identcode = detect("123456789016", DetectMode::Eager);
    assert_eq!(identcode.candidates[0].check_digit, CheckDigit::Valid);
    assert!(matches!(
        identcode.candidates[1].check_digit,
        CheckDigit::Invalid { .. }
    ));
}

#[test]
fn values_that_are_no_identifier_give_no_candidate() {
    for value in [
        "",
        "   ",
        "hello world",
        "12345",
        "1Z5R8939035756712$",
        &"9".repeat(65),
    ] {
        let detection = detect(value, DetectMode::Eager);
        assert!(
            detection.candidates.is_empty(),
            "{value}: {:?}",
            detection.candidates
        );
        assert!(!detection.is_recognized());
    }
}

#[test]
fn grouping_characters_and_lower_case_are_normalized() {
    assert_eq!(
        best("1z 5r8-939.0357 5671 27", DetectMode::Strict),
        Some((Some(Carrier::Ups), Format::Ups1z, CheckDigit::Valid))
    );
    assert_eq!(
        best("(00) 3707 2476 0010 1197 54", DetectMode::Strict),
        Some((None, Format::Sscc, CheckDigit::Valid))
    );
}

#[test]
fn a_dpd_number_whose_check_character_is_a_digit_is_recognized() {
    assert_eq!(
        best("221522232232627", DetectMode::Strict),
        Some((Some(Carrier::Dpd), Format::DpdParcel, CheckDigit::Valid))
    );
    // Found by fuzzing: the suggestion for a wrong check letter is the valid all-digit number.
    let detection = detect("22152223223262i", DetectMode::Standard);
    assert_eq!(detection.candidates[0].suggestions, ["221522232232627"]);
}

#[test]
fn a_dpd_label_s_check_character_is_verified_like_the_parcel_number_s() {
    // Postcode 0070374, parcel 01505005080007, service 327, country 276, check character V.
    let label = "007037401505005080007327276V";
    assert_eq!(
        best(label, DetectMode::Strict),
        Some((Some(Carrier::Dpd), Format::DpdLabel, CheckDigit::Valid))
    );
    assert_eq!(
        best("0070 3740 1505 0050 8000 7327 276v", DetectMode::Strict),
        Some((Some(Carrier::Dpd), Format::DpdLabel, CheckDigit::Valid))
    );
}

#[test]
fn a_mistyped_dpd_label_fails_its_check_and_is_suggested_corrected() {
    // One digit of the parcel number mistyped (…80007 → …80008).
    let mistyped = "007037401505005080008327276V";
    assert_eq!(best(mistyped, DetectMode::Strict), None);
    let detection = detect(mistyped, DetectMode::Standard);
    let label = detection
        .candidates
        .iter()
        .find(|candidate| candidate.format == Format::DpdLabel)
        .expect("a label-shaped value is still listed as a label");
    assert!(
        matches!(label.check_digit, CheckDigit::Invalid { found: 'V', .. }),
        "{:?}",
        label.check_digit
    );
    // Two neighbours swapped: the swap back is the first suggestion.
    let swapped = "007037401505005080070327276V";
    let detection = detect(swapped, DetectMode::Standard);
    let label = detection
        .candidates
        .iter()
        .find(|candidate| candidate.format == Format::DpdLabel)
        .unwrap();
    assert_eq!(
        label.suggestions.first().map(String::as_str),
        Some("007037401505005080007327276V")
    );
}

#[test]
fn a_dpd_label_s_shape_is_read_before_its_check_character() {
    // 13 digits before the check position and a digit there: not a label, since a corrected
    // check character (here `M`) would make the same value stop looking like one (found by
    // fuzzing: the suggestion was no valid number of its format).
    let value = "1Z45Z1455900z02uLuuuuuuuuu40";
    let detection = detect(value, DetectMode::Eager);
    assert!(detection
        .candidates
        .iter()
        .all(|candidate| candidate.format != Format::DpdLabel));
    for candidate in &detection.candidates {
        for suggestion in &candidate.suggestions {
            let corrected = detect(suggestion, DetectMode::Eager);
            assert!(
                corrected.candidates.iter().any(|other| {
                    other.format == candidate.format && other.check_digit == CheckDigit::Valid
                }),
                "{suggestion} suggested for {value} is no valid {:?}",
                candidate.format
            );
        }
    }
    // A label whose check character is a letter, mistyped there, is corrected to that letter.
    let detection = detect("007037401505005080007327276A", DetectMode::Standard);
    let label = detection
        .candidates
        .iter()
        .find(|candidate| candidate.format == Format::DpdLabel)
        .expect("listed as a label");
    assert_eq!(
        label.suggestions.last().map(String::as_str),
        Some("007037401505005080007327276V")
    );
}
