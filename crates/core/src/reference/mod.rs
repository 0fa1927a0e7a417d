//! Shipment references: the values a consumer's link carries, typed by what they mean.

mod access_key;
mod error;
mod gs1;
mod link;
mod parameter;
mod value;

use serde::{Deserialize, Serialize};

pub use access_key::{AccessKey, ACCESS_KEY_LEN};
pub use error::{ReferenceError, RoleName};
pub use link::{parse, ParsedLink, MAX_LINK_LEN};
pub use value::{validate_value, MAX_VALUE_LEN};

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
