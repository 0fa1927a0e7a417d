//! The parameter names other tracking pages use, lists, hashes and GS1 forms.

use trackline_core::model::Carrier;
use trackline_core::reference::{
    parse, validate_value, validate_written_reference, PartnerRole, Reference, ReferenceError,
};

fn tracking(number: &str, carrier_hint: Option<&str>) -> Reference {
    Reference::TrackingNumber {
        number: number.into(),
        carrier_hint: carrier_hint.map(Into::into),
    }
}

fn sscc(number: &str) -> Reference {
    Reference::Sscc {
        number: number.into(),
    }
}

#[test]
fn shop_email_aliases_give_tracking_numbers_carrier_postcode_language_and_order() {
    let parsed = parse(
        "https://shop.example/track?tracking_number=1Z5R89390357567127&carrier=UPS&zip=%2080331&lang=de_DE&orderNo=A-1001&utm_source=mail",
    );
    assert_eq!(
        parsed.references,
        vec![
            tracking("1Z5R89390357567127", Some("ups")),
            Reference::OrderNumber {
                number: "A-1001".into()
            }
        ]
    );
    assert_eq!(parsed.carrier_hint.as_deref(), Some("ups"));
    assert_eq!(parsed.postcode.as_deref(), Some("80331"));
    assert_eq!(parsed.language.as_deref(), Some("de-DE"));
    assert!(parsed.access_key.is_none());
    assert!(parsed.is_clean(), "{:?}", parsed.errors);
}

#[test]
fn every_tracking_number_alias_is_recognized() {
    for name in [
        "tracking",
        "trackingNo",
        "tno",
        "tracking_number",
        "tracking_numbers",
        "tracking-numbers",
        "nums",
        "p",
        "n",
    ] {
        let parsed = parse(&format!("https://t.example/?{name}=RB123456785GB"));
        assert_eq!(
            parsed.references,
            vec![tracking("RB123456785GB", None)],
            "{name}"
        );
    }
}

#[test]
fn repeated_parameters_and_comma_or_space_separated_lists_give_several_references() {
    let parsed = parse("https://t.example/?nums=RB123456785GB,1Z5R89390357567127&tno=JJD0001234567890123+00340433836442636597");
    assert_eq!(
        parsed.references,
        vec![
            tracking("RB123456785GB", None),
            tracking("1Z5R89390357567127", None),
            tracking("JJD0001234567890123", None),
            tracking("00340433836442636597", None),
        ]
    );
}

#[test]
fn spaces_and_dashes_inside_a_number_are_dropped_and_letters_upper_cased() {
    let parsed = parse("https://t.example/?tracking=%201z%205r8-939-0357%205671%2027%20");
    assert_eq!(
        parsed.references,
        vec![tracking("1Z5R89390357567127", None)]
    );
}

#[test]
fn numbers_in_the_hash_count_too() {
    let parsed = parse("https://t.17track.example/en#nums=RB123456785GB,3318810025");
    assert_eq!(
        parsed.references,
        vec![
            tracking("RB123456785GB", None),
            tracking("3318810025", None)
        ]
    );
    let routed = parse("https://t.example/#/track?tracking=3318810025");
    assert_eq!(routed.references, vec![tracking("3318810025", None)]);
    let anchor = parse("https://t.example/page#top");
    assert!(anchor.references.is_empty() && anchor.is_clean());
}

#[test]
fn the_same_number_given_twice_is_one_reference() {
    let parsed = parse("https://t.example/?nums=3318810025&tracking=3318810025");
    assert_eq!(parsed.references, vec![tracking("3318810025", None)]);
}

#[test]
fn gs1_element_strings_give_typed_gs1_keys() {
    assert_eq!(
        parse("(00)106141411234567897").references,
        vec![sscc("106141411234567897")]
    );
    assert_eq!(
        parse("00106141411234567897").references,
        vec![sscc("106141411234567897")]
    );
    assert_eq!(
        parse("(00) 1061 4141 1234 5678 97").references,
        vec![sscc("106141411234567897")]
    );
    assert_eq!(
        parse("(402)70725380000051451").references,
        vec![Reference::Gsin {
            number: "70725380000051451".into()
        }]
    );
    assert_eq!(
        parse("(401)7072538ABC-42").references,
        vec![Reference::Ginc {
            number: "7072538ABC-42".into()
        }]
    );
    assert_eq!(
        parse("https://t.example/?tracking=(00)370724760010119754").references,
        vec![sscc("370724760010119754")]
    );
}

#[test]
fn a_gs1_digital_link_on_any_host_gives_its_sscc() {
    assert_eq!(
        parse("https://id.gs1.org/00/106141411234567897").references,
        vec![sscc("106141411234567897")]
    );
    assert_eq!(
        parse("https://scan.carrier.example/00/370724760010119754?linkType=tracking").references,
        vec![sscc("370724760010119754")]
    );
}

#[test]
fn an_unsupported_application_identifier_is_named() {
    let parsed = parse("(01)09506000134352");
    assert_eq!(
        parsed.errors,
        vec![ReferenceError::UnsupportedApplicationIdentifier {
            parameter: "input".into(),
            ai: "01".into()
        }]
    );
}

#[test]
fn a_bare_value_is_typed_by_its_form() {
    assert_eq!(
        parse("370724760010119754").references,
        vec![sscc("370724760010119754")]
    );
    assert_eq!(
        parse(" rb123456785gb ").references,
        vec![tracking("RB123456785GB", None)]
    );
    assert_eq!(
        parse("3318810025, 201298452277").references,
        vec![tracking("3318810025", None), tracking("201298452277", None)]
    );
}

#[test]
fn a_bare_query_string_is_read_as_parameters() {
    let parsed = parse("cref=4711&sscc=106141411234567897");
    assert_eq!(
        parsed.references,
        vec![
            Reference::CustomerReference {
                number: "4711".into()
            },
            sscc("106141411234567897")
        ]
    );
}

#[test]
fn an_sscc_parameter_reads_the_number_as_a_label_prints_it() {
    for link in [
        "https://t.example/?sscc=(00)106141411234567897",
        "https://t.example/?sscc=(00)%201%200614141%20123456789%207",
        "https://t.example/?sscc=%2800%29106141411234567897",
        "https://t.example/?sscc=00%20106141411234567897",
        "https://t.example/?sscc=1061.4141.1234.5678.97",
    ] {
        let parsed = parse(link);
        assert_eq!(
            parsed.references,
            vec![sscc("106141411234567897")],
            "{link}"
        );
        assert!(parsed.errors.is_empty(), "{link}: {:?}", parsed.errors);
    }
    let wrong = parse("https://t.example/?sscc=(00)106141411234567890");
    assert!(wrong.references.is_empty());
    assert!(
        matches!(&wrong.errors[..], [ReferenceError::CheckDigit { parameter, expected: '7', found: '0', .. }] if parameter == "sscc"),
        "{:?}",
        wrong.errors
    );
}

#[test]
fn a_number_grouped_with_dots_is_read_as_recognition_reads_it() {
    // Deutsche Post prints an Identcode as `12.34 5.678.901 6`.
    let parsed = parse("https://t.example/?tracking=12.34%205.678.901%206");
    assert_eq!(
        parsed.references,
        vec![Reference::TrackingNumber {
            number: "123456789016".into(),
            carrier_hint: None
        }]
    );
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    let bare = parse("12.34 5.678.901 6");
    assert_eq!(bare.references.len(), 1, "{:?}", bare.errors);
}

#[test]
fn an_sscc_parameter_accepts_the_ai_prefix_and_rejects_other_lengths() {
    let parsed =
        parse("https://t.example/?sscc=(00)106141411234567897&nve=0010%206141411234567897");
    assert_eq!(parsed.references, vec![sscc("106141411234567897")]);
    let short = parse("https://t.example/?sscc=1061414112345678");
    assert_eq!(
        short.errors,
        vec![ReferenceError::Gs1KeyShape {
            parameter: "sscc".into(),
            key: "SSCC",
            expected: 18,
            length: 16
        }]
    );
}

#[test]
fn several_partner_numbers_share_one_partner_or_pair_up_in_order() {
    let shared = parse("https://t.example/?vp=12&vpref=A1,A2");
    assert_eq!(
        shared.references,
        vec![
            Reference::PartnerReference {
                role: PartnerRole::Shipping,
                partner_id: "12".into(),
                number: "A1".into()
            },
            Reference::PartnerReference {
                role: PartnerRole::Shipping,
                partner_id: "12".into(),
                number: "A2".into()
            },
        ]
    );
    assert!(shared.is_clean());
    let paired = parse("https://t.example/?ep=1&epref=X&ep=2&epref=Y");
    let pairs: Vec<(&str, &str)> = paired
        .references
        .iter()
        .filter_map(|reference| match reference {
            Reference::PartnerReference {
                partner_id, number, ..
            } => Some((partner_id.as_str(), number.as_str())),
            _ => None,
        })
        .collect();
    assert_eq!(pairs, [("1", "X"), ("2", "Y")]);
    let mismatch = parse("https://t.example/?ap=1,2,3&apref=X,Y");
    assert_eq!(
        mismatch
            .errors
            .iter()
            .map(ReferenceError::code)
            .collect::<Vec<_>>(),
        ["pair_count_mismatch"]
    );
}

#[test]
fn a_single_valued_parameter_given_twice_with_different_values_is_a_conflict() {
    let parsed = parse("https://t.example/?carrier=dhl&carrier=ups&tno=3318810025");
    assert_eq!(
        parsed.errors,
        vec![ReferenceError::Conflicting {
            parameter: "carrier".into()
        }]
    );
    assert_eq!(parsed.carrier_hint.as_deref(), Some("dhl"));
}

#[test]
fn characters_no_identifier_can_contain_are_reported_with_their_position() {
    let parsed = parse("https://t.example/?tracking=3318\"810025");
    assert_eq!(
        parsed.errors,
        vec![ReferenceError::InvalidCharacter {
            parameter: "tracking".into(),
            character: '"',
            position: 5
        }]
    );
}

#[test]
fn an_empty_input_is_an_error() {
    assert_eq!(
        parse("   ").errors,
        vec![ReferenceError::Empty {
            parameter: "input".into()
        }]
    );
}

#[test]
fn validate_value_compacts_identifiers_and_keeps_references_as_written() {
    assert_eq!(
        validate_value(" 1z 5r8 939 0357 5671 27 ").as_deref(),
        Ok("1Z5R89390357567127")
    );
    assert_eq!(
        validate_value("3707 2476 0010 1197 54").as_deref(),
        Ok("370724760010119754")
    );
    assert_eq!(
        validate_value("  KD-2024   0815 ").as_deref(),
        Ok("KD-2024 0815")
    );
    assert_eq!(validate_value("Müller/12").as_deref(), Ok("Müller/12"));
    assert_eq!(
        validate_value("(00)1061.4141.1234.5678.97").as_deref(),
        Ok("106141411234567897")
    );
}

#[test]
fn validate_written_reference_keeps_a_shipper_s_reference_as_written() {
    // A valid UPU number in lower case: as a carrier's number it is upper-cased, as a reference
    // the shipper wrote it stays as it is.
    assert_eq!(
        validate_value("rb123456785gb").as_deref(),
        Ok("RB123456785GB")
    );
    assert_eq!(
        validate_written_reference(" rb123456785gb ").as_deref(),
        Ok("rb123456785gb")
    );
    assert_eq!(
        validate_written_reference("  KD-2024   0815 ").as_deref(),
        Ok("KD-2024 0815")
    );
    assert_eq!(
        validate_written_reference("(00)1061.4141.1234.5678.97").map_err(|error| error.code()),
        Err("invalid_character")
    );
    assert_eq!(
        validate_written_reference(&"a".repeat(36)).map_err(|error| error.code()),
        Err("too_long")
    );
    assert_eq!(
        validate_written_reference(" "),
        Err(ReferenceError::Empty {
            parameter: "value".into()
        })
    );
}

#[test]
fn validate_value_rejects_empty_long_and_unsafe_values() {
    assert_eq!(
        validate_value(" "),
        Err(ReferenceError::Empty {
            parameter: "value".into()
        })
    );
    assert_eq!(
        validate_value(&"9".repeat(36)).map_err(|error| error.code()),
        Err("too_long")
    );
    assert_eq!(
        validate_value("a?b").map_err(|error| error.code()),
        Err("invalid_character")
    );
    assert_eq!(
        validate_value("a%2Fb").map_err(|error| error.code()),
        Err("invalid_character")
    );
}

#[test]
fn errors_serialize_with_code_parameter_message_and_suggestion() {
    let parsed = parse("https://t.example/?sscc=370724760010119755");
    let json = serde_json::to_value(&parsed.errors[0]).expect("serializes");
    assert_eq!(json["code"], "check_digit");
    assert_eq!(json["parameter"], "sscc");
    assert_eq!(
        json["suggestions"],
        serde_json::json!(["370724760010119754"])
    );
    assert!(json["message"]
        .as_str()
        .is_some_and(|message| message.contains("should be 4")));
}

#[test]
fn a_number_of_nothing_but_dashes_is_empty() {
    // Found by fuzzing: `-` once became an empty tracking number.
    assert_eq!(
        parse("-").errors,
        vec![ReferenceError::Empty {
            parameter: "input".into()
        }]
    );
    assert_eq!(
        parse("https://t.example/?tno=--").errors,
        vec![ReferenceError::Empty {
            parameter: "tno".into()
        }]
    );
}

#[test]
fn a_space_separated_list_may_mix_numbers_and_element_strings() {
    assert_eq!(
        parse("RB123456785GB (00)106141411234567897").references,
        vec![tracking("RB123456785GB", None), sscc("106141411234567897")]
    );
    assert_eq!(
        parse("https://t.example/?nums=RB123456785GB+(00)106141411234567897").references,
        vec![tracking("RB123456785GB", None), sscc("106141411234567897")]
    );
}

#[test]
fn validate_value_gives_the_same_answer_for_its_own_result() {
    // Found by fuzzing: dashes and many spaces around a valid SSCC gave a reference whose
    // second validation compacted it.
    let padded = format!("--{}106141411234567897{}", " ".repeat(60), " ".repeat(10));
    let once = validate_value(&padded).expect("valid");
    assert_eq!(once, "106141411234567897");
    assert_eq!(validate_value(&once).as_deref(), Ok(once.as_str()));
}

#[test]
fn a_carrier_hint_is_lower_cased_in_ascii_and_still_names_its_carrier() {
    // No carrier's name has other letters: they are kept as written, and name no carrier.
    let parsed = parse("https://t.example/?carrier=PO%C5%A0TA&tno=3318810025");
    assert_eq!(parsed.carrier_hint.as_deref(), Some("poŠta"));
    assert_eq!(
        parsed.carrier_hint.as_deref().and_then(Carrier::from_name),
        None
    );
    let parsed = parse("https://t.example/?carrier=InPost&tno=520000011395200025009871");
    assert_eq!(
        parsed.carrier_hint.as_deref().and_then(Carrier::from_name),
        Some(Carrier::Inpost)
    );
}
