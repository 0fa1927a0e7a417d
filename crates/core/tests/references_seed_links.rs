//! Every deep link of the conizi Track & Trace document, with its placeholders filled in the way
//! people fill them (stray spaces included), and the ways they get broken.

use trackline_core::reference::{parse, PartnerRole, Reference, ReferenceError};

const KEY: &str = "0123456789abcdefABCDEF0123456789";
const BASE: &str = "https://spedition-mueller.trackandtrace.conizi.io/Oms/Auth/LoginByKey";

fn link(query: &str) -> String {
    format!("{BASE}?id={KEY}{query}")
}

fn codes(errors: &[ReferenceError]) -> Vec<&'static str> {
    errors.iter().map(ReferenceError::code).collect()
}

#[test]
fn the_overview_link_carries_only_the_access_key() {
    let parsed = parse(&link(""));
    assert_eq!(
        parsed.access_key.as_ref().map(|key| key.expose()),
        Some(KEY)
    );
    assert!(parsed.references.is_empty());
    assert!(parsed.is_clean(), "{:?}", parsed.errors);
}

#[test]
fn the_customer_reference_link_gives_a_customer_reference() {
    let parsed = parse(&link("&cref=KD-2024-0815"));
    assert_eq!(
        parsed.references,
        vec![Reference::CustomerReference {
            number: "KD-2024-0815".into()
        }]
    );
    assert!(parsed.is_clean());
}

#[test]
fn the_shipping_partner_link_gives_a_partner_reference_despite_the_stray_space() {
    // The document writes `vpref=< VP Sendungsnummer>`: filled in, the space stays.
    let parsed = parse(&link("&vp=100234&vpref= VS-778899"));
    assert_eq!(
        parsed.references,
        vec![Reference::PartnerReference {
            role: PartnerRole::Shipping,
            partner_id: "100234".into(),
            number: "VS-778899".into(),
        }]
    );
    assert!(parsed.is_clean(), "{:?}", parsed.errors);
}

#[test]
fn the_receiving_partner_link_gives_a_receiving_partner_reference() {
    let parsed = parse(&link("&ep=200345&epref=EP%204711"));
    assert_eq!(
        parsed.references,
        vec![Reference::PartnerReference {
            role: PartnerRole::Receiving,
            partner_id: "200345".into(),
            number: "EP 4711".into(),
        }]
    );
    assert!(parsed.is_clean());
}

#[test]
fn the_sscc_link_gives_an_sscc() {
    let parsed = parse(&link("&sscc=370724760010119754"));
    assert_eq!(
        parsed.references,
        vec![Reference::Sscc {
            number: "370724760010119754".into()
        }]
    );
    assert!(parsed.is_clean());
}

#[test]
fn the_ordering_party_link_gives_a_pickup_order_of_the_ordering_partner() {
    // `id=<API Key>`: the placeholder has a space, and so do pasted keys.
    let parsed = parse(&format!("{BASE}?id= {KEY} &ap=300456&apref=AB-1001"));
    assert_eq!(
        parsed.access_key.as_ref().map(|key| key.expose()),
        Some(KEY)
    );
    assert_eq!(
        parsed.references,
        vec![Reference::PartnerReference {
            role: PartnerRole::Ordering,
            partner_id: "300456".into(),
            number: "AB-1001".into(),
        }]
    );
    assert!(parsed.is_clean());
}

#[test]
fn the_delivery_note_link_gives_a_delivery_note() {
    let parsed = parse(&format!("{BASE}?id={KEY}&refNo=LS-2024-00017"));
    assert_eq!(
        parsed.references,
        vec![Reference::DeliveryNote {
            number: "LS-2024-00017".into()
        }]
    );
    assert!(parsed.is_clean());
}

#[test]
fn parameter_names_match_in_any_case_and_values_are_percent_decoded() {
    let parsed = parse(&format!(
        "{BASE}?ID={KEY}&REFNO=%20LS%2D17%20&VpRef=4711&VP=12"
    ));
    assert_eq!(
        parsed.references,
        vec![
            Reference::DeliveryNote {
                number: "LS-17".into()
            },
            Reference::PartnerReference {
                role: PartnerRole::Shipping,
                partner_id: "12".into(),
                number: "4711".into()
            },
        ]
    );
    assert!(parsed.is_clean(), "{:?}", parsed.errors);
}

#[test]
fn a_link_copied_out_of_html_keeps_its_parameters() {
    let parsed = parse(&format!("{BASE}?id={KEY}&amp;cref=4711"));
    assert_eq!(
        parsed.references,
        vec![Reference::CustomerReference {
            number: "4711".into()
        }]
    );
    assert!(parsed.is_clean());
}

#[test]
fn an_unfilled_placeholder_is_an_invalid_character_in_its_parameter() {
    let parsed = parse(&format!("{BASE}?id={KEY}&cref=<Kundenreferenznummer>"));
    assert!(parsed.references.is_empty());
    assert_eq!(
        parsed.errors,
        vec![ReferenceError::InvalidCharacter {
            parameter: "cref".into(),
            character: '<',
            position: 1
        }]
    );
}

#[test]
fn a_shipping_partner_without_its_number_names_the_missing_vpref() {
    let parsed = parse(&link("&vp=100234"));
    assert_eq!(codes(&parsed.errors), ["missing_pair_half"]);
    let message = parsed.errors[0].to_string();
    assert!(
        message.contains("`vp`") && message.contains("`vpref`"),
        "{message}"
    );
}

#[test]
fn a_partner_number_without_its_partner_names_the_missing_id() {
    let parsed = parse(&link("&epref=4711"));
    assert!(parsed.references.is_empty());
    assert_eq!(
        parsed.errors,
        vec![ReferenceError::MissingPairHalf {
            present: "epref".into(),
            missing: "ep",
            role: trackline_core::reference::RoleName(PartnerRole::Receiving),
        }]
    );
}

#[test]
fn an_access_key_of_the_wrong_length_is_an_error_that_does_not_repeat_the_key() {
    let short = &KEY[..31];
    let parsed = parse(&format!("{BASE}?id={short}&cref=4711"));
    assert!(parsed.access_key.is_none());
    assert_eq!(
        parsed.errors,
        vec![ReferenceError::AccessKeyLength {
            parameter: "id".into(),
            length: 31
        }]
    );
    assert!(!parsed.errors[0].to_string().contains(short));
    assert_eq!(
        parsed.references,
        vec![Reference::CustomerReference {
            number: "4711".into()
        }]
    );
}

#[test]
fn an_unfilled_access_key_placeholder_is_reported() {
    let parsed = parse(&format!("{BASE}?id=<API Key>&cref=4711"));
    assert_eq!(codes(&parsed.errors), ["access_key_character"]);
}

#[test]
fn an_empty_value_is_reported_with_its_parameter() {
    let parsed = parse(&link("&cref=&sscc=370724760010119754"));
    assert_eq!(
        parsed.errors,
        vec![ReferenceError::Empty {
            parameter: "cref".into()
        }]
    );
    assert_eq!(parsed.references.len(), 1);
}

#[test]
fn a_value_longer_than_35_characters_is_reported_with_its_length() {
    let long = "A".repeat(36);
    let parsed = parse(&link(&format!("&refNo={long}")));
    assert_eq!(
        parsed.errors,
        vec![ReferenceError::TooLong {
            parameter: "refNo".into(),
            length: 36,
            max: 35
        }]
    );
}

#[test]
fn a_link_with_one_bad_reference_still_yields_its_good_ones() {
    let parsed = parse(&link("&cref=4711&sscc=370724760010119755&refNo=LS-1&vp=12"));
    assert_eq!(
        parsed.references,
        vec![
            Reference::CustomerReference {
                number: "4711".into()
            },
            Reference::DeliveryNote {
                number: "LS-1".into()
            },
        ]
    );
    assert_eq!(codes(&parsed.errors), ["check_digit", "missing_pair_half"]);
}

#[test]
fn an_sscc_with_a_wrong_check_digit_suggests_the_corrected_number() {
    let parsed = parse(&link("&sscc=370724760010119755"));
    let error = &parsed.errors[0];
    assert_eq!(error.parameter(), "sscc");
    assert_eq!(error.suggestions(), ["370724760010119754"]);
}

#[test]
fn the_access_key_is_masked_in_debug_display_and_json() {
    let parsed = parse(&link("&cref=4711"));
    let key = parsed.access_key.clone().expect("the key parses");
    assert_eq!(key.to_string(), "****6789");
    assert!(!format!("{parsed:?}").contains(KEY));
    let json = serde_json::to_string(&parsed).expect("serializes");
    assert!(!json.contains(KEY), "{json}");
    assert!(json.contains("\"access_key\":\"****6789\""), "{json}");
}

#[test]
fn references_never_contain_the_access_key() {
    let parsed = parse(&link("&cref=4711"));
    assert!(parsed
        .references
        .iter()
        .all(|reference| reference.number() != KEY));
}

#[test]
fn an_access_key_pasted_into_the_wrong_parameter_is_not_repeated_in_the_error() {
    // Found by fuzzing: a shape error once quoted the value it rejected.
    let parsed = parse(&link(&format!("&sscc={KEY}")));
    assert_eq!(codes(&parsed.errors), ["gs1_key_shape"]);
    assert!(!format!("{:?} {}", parsed.errors, parsed.errors[0]).contains(KEY));
}
