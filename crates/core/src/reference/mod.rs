//! Shipment references: the values a consumer's link carries, typed by what they mean.

mod access_key;
mod error;
mod gs1;
mod link;
pub mod page;
mod parameter;
pub mod parameter_names;
mod value;

use serde::{Deserialize, Serialize};

pub use access_key::{AccessKey, ACCESS_KEY_LEN};
pub use error::{ReferenceError, RoleName};
pub use link::{parse, ParsedLink, MAX_LINK_LEN};
pub use value::{validate_value, validate_written_reference, MAX_VALUE_LEN};

/// The role a partner plays in a shipment (conizi `vp`, `ep`, `ap`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartnerRole {
    /// `vp`/`vpref`: the shipping partner (Versandpartner).
    Shipping,
    /// `ep`/`epref`: the receiving partner (Empfangspartner).
    Receiving,
    /// `ap`/`apref`: the ordering party (auftraggebender Partner); the number is a pickup order.
    Ordering,
}

/// One reference a shipment is known by.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reference {
    /// A carrier's tracking number (`tracking`, `tno`, `nums`, ...), with the carrier the link named, if any.
    TrackingNumber {
        number: String,
        carrier_hint: Option<String>,
    },
    /// `cref`: the customer's own reference number.
    CustomerReference { number: String },
    /// `vp`+`vpref`, `ep`+`epref`, `ap`+`apref`: a partner's own shipment number.
    PartnerReference {
        role: PartnerRole,
        partner_id: String,
        number: String,
    },
    /// `sscc`, `(00)...`, GS1 Digital Link: an 18-digit Serial Shipping Container Code.
    Sscc { number: String },
    /// `refNo`: a delivery note number (Lieferscheinnummer).
    DeliveryNote { number: String },
    /// `order`, `orderNo`, ...: the shop's order number.
    OrderNumber { number: String },
    /// `(402)…`, Digital Link `/402/…`: a 17-digit Global Shipment Identification Number.
    Gsin { number: String },
    /// `(401)…`, Digital Link `/401/…`: a Global Identification Number for Consignment.
    Ginc { number: String },
}

impl Reference {
    /// The number itself, whatever kind of reference it is.
    pub fn number(&self) -> &str {
        match self {
            Reference::TrackingNumber { number, .. }
            | Reference::CustomerReference { number }
            | Reference::PartnerReference { number, .. }
            | Reference::Sscc { number }
            | Reference::DeliveryNote { number }
            | Reference::OrderNumber { number }
            | Reference::Gsin { number }
            | Reference::Ginc { number } => number,
        }
    }
}

/// Decodes `%XX` escapes (and, in query strings, `+` as a space) with the `percent-encoding`
/// crate, lenient the way pasted links need.
///
/// Links that went through a mail client or a redirect are often encoded twice (`%2520`), so a
/// second pass runs when the first one produced another valid escape. A `%` that starts no valid
/// escape is kept as it is, and bytes that are not UTF-8 become U+FFFD: the caller's character
/// check then names the problem instead of this function failing silently.
pub(crate) fn percent_decode(input: &str, plus_is_space: bool) -> std::borrow::Cow<'_, str> {
    use std::borrow::Cow;
    let spaced = match plus_is_space && input.contains('+') {
        true => Cow::Owned(input.replace('+', " ")),
        false => Cow::Borrowed(input),
    };
    let once: Cow<'_, str> = match percent_encoding::percent_decode_str(&spaced).decode_utf8_lossy()
    {
        Cow::Borrowed(_) => spaced,
        Cow::Owned(decoded) => Cow::Owned(decoded),
    };
    match once {
        Cow::Owned(decoded) if has_escape(&decoded) => Cow::Owned(
            percent_encoding::percent_decode_str(&decoded)
                .decode_utf8_lossy()
                .into_owned(),
        ),
        other => other,
    }
}

/// Whether `text` holds a `%XX` escape that would decode.
fn has_escape(text: &str) -> bool {
    text.as_bytes().windows(3).any(|window| {
        window[0] == b'%' && window[1].is_ascii_hexdigit() && window[2].is_ascii_hexdigit()
    })
}

#[cfg(test)]
mod decoding_tests {
    use super::percent_decode;

    #[test]
    fn escapes_and_plus_signs_are_decoded_in_query_values() {
        assert_eq!(percent_decode("%20VP%2D4711+x", true), " VP-4711 x");
        assert_eq!(percent_decode("a+b", false), "a+b");
        assert_eq!(percent_decode("a%2Bb", true), "a+b");
    }

    #[test]
    fn a_link_encoded_twice_is_decoded_twice() {
        assert_eq!(percent_decode("%2520123", true), " 123");
    }

    #[test]
    fn a_stray_percent_sign_is_kept_as_written() {
        assert_eq!(percent_decode("100%", true), "100%");
        assert_eq!(percent_decode("%zz1", true), "%zz1");
        assert_eq!(percent_decode("%4", true), "%4");
    }

    #[test]
    fn bytes_that_are_not_utf8_become_replacement_characters() {
        assert_eq!(percent_decode("%FF", true), "\u{FFFD}");
        assert_eq!(percent_decode("M%C3%BCller", true), "Müller");
    }
}
