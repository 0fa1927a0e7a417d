//! Identifier recognition: which carriers and formats a value could be, whether its check digit
//! holds, and how sure that is.
//!
//! Numbers are not globally unique: one string can be a valid SSCC and a Bring shipment at once,
//! or a 12-digit value a DHL Identcode and a GLS parcel number. [`detect`] therefore returns every
//! plausible candidate, ranked, and never a single guess. It is hand-written byte matching (no
//! regex engine) so that the widget can call it on every keystroke.

mod check_digit;
mod country;
mod formats;
mod suggest;

use std::fmt;

use serde::Serialize;

pub(crate) use check_digit::gs1_mod10;
pub(crate) use suggest::corrections;
pub use suggest::MAX_SUGGESTIONS;

/// Who issues numbers of a format: the one carrier type, which knows more carriers than those
/// Trackline has adapters for.
pub use crate::carrier::Carrier;

/// The longest value [`detect`] looks at; anything longer is no identifier and is rejected before
/// any work is done.
pub const MAX_INPUT_LEN: usize = 64;

/// How much evidence a candidate needs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DetectMode {
    /// Only candidates whose check digit holds: for routing without asking the user.
    Strict,
    /// Valid check digits, distinctive shapes without a check digit (InPost, `JJD`), and
    /// distinctive shapes whose check digit fails (reported with suggested corrections).
    #[default]
    Standard,
    /// Everything a value could be, including weak shapes (10-digit DHL Express, 12-digit
    /// Identcode/GLS) whose check digit fails and S10 numbers with an unknown service or country.
    Eager,
}

/// The shape of an identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// Serial Shipping Container Code, GS1 AI 00: 18 digits, GS1 mod 10.
    Sscc,
    /// Global Shipment Identification Number, GS1 AI 402: 17 digits, GS1 mod 10.
    Gsin,
    /// Global Identification Number for Consignment, GS1 AI 401: up to 30 characters, no check.
    Ginc,
    /// UPU S10: 2 letters, 8 digits, check digit, ISO country.
    UpuS10,
    /// UPS: `1Z` + 16 characters.
    Ups1z,
    /// DHL Express waybill: 10 or 11 digits, serial mod 7.
    DhlExpressWaybill,
    /// DHL Paket: 20 digits, `00` + SSCC.
    DhlPaketSscc,
    /// DHL Paket Identcode: 12 digits, weights 4 and 9.
    DhlPaketIdentcode,
    /// DHL Paket `JJD` + digits, no check digit.
    DhlPaketJjd,
    /// DPD parcel number: 14 digits, optionally followed by its ISO 7064 MOD 37,36 check character.
    DpdParcel,
    /// DPD 28-character label number: postcode, parcel number, service and country (27
    /// characters) and their ISO 7064 MOD 37,36 check character.
    DpdLabel,
    /// GLS parcel number: 11 digits and a check digit.
    GlsParcel,
    /// InPost: 24 digits, no check digit.
    InPostParcel,
}

impl Format {
    /// The name used in JSON and on the command line.
    pub fn id(self) -> &'static str {
        match self {
            Format::Sscc => "sscc",
            Format::Gsin => "gsin",
            Format::Ginc => "ginc",
            Format::UpuS10 => "upu_s10",
            Format::Ups1z => "ups1z",
            Format::DhlExpressWaybill => "dhl_express_waybill",
            Format::DhlPaketSscc => "dhl_paket_sscc",
            Format::DhlPaketIdentcode => "dhl_paket_identcode",
            Format::DhlPaketJjd => "dhl_paket_jjd",
            Format::DpdParcel => "dpd_parcel",
            Format::DpdLabel => "dpd_label",
            Format::GlsParcel => "gls_parcel",
            Format::InPostParcel => "inpost_parcel",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.id())
    }
}

/// What the check digit of a candidate says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum CheckDigit {
    /// The check digit holds.
    Valid,
    /// The check digit fails: `found` is written where `expected` belongs.
    Invalid { expected: char, found: char },
    /// The format has no check digit (or this value is written without it): shape only.
    None,
}

impl CheckDigit {
    /// Valid outranks shape-only, which outranks invalid.
    fn rank(self) -> u8 {
        match self {
            CheckDigit::Valid => 2,
            CheckDigit::None => 1,
            CheckDigit::Invalid { .. } => 0,
        }
    }
}

/// The S10 service indicator's family (its first letter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum S10Service {
    /// `C`: parcels.
    Parcel,
    /// `E`: EMS.
    Ems,
    /// `H`: e-commerce items.
    Ecommerce,
    /// `L`: letter post, tracked.
    LetterPostTracked,
    /// `M`: M bags.
    MBag,
    /// `Q`: International Business Reply Service.
    BusinessReply,
    /// `R`: registered.
    Registered,
    /// `U`: other letter post items.
    LetterPost,
    /// `V`: insured.
    Insured,
}

/// One way to read a value.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Candidate {
    /// Who issues it; `None` for GS1 keys that any carrier may use.
    pub carrier: Option<Carrier>,
    pub format: Format,
    /// The value as this carrier writes it (compact, upper case, without GS1 brackets).
    pub number: String,
    pub check_digit: CheckDigit,
    /// 0–100: how likely this reading is. Candidates come sorted: check-digit status first, then
    /// confidence.
    pub confidence: u8,
    /// UPU S10: the issuing operator's ISO 3166-1 country.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// UPU S10: the service indicator's family.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<S10Service>,
    /// For a failing check digit: numbers one swap of neighbours or one changed check digit away
    /// that would be valid, most likely first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suggestions: Vec<String>,
}

/// Everything [`detect`] found for one value.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Detection {
    /// The value with spaces and dashes removed and letters upper-cased.
    pub normalized: String,
    pub candidates: Vec<Candidate>,
}

impl Detection {
    /// Whether some candidate's check digit holds or its format has none: the value is usable.
    pub fn is_recognized(&self) -> bool {
        self.candidates
            .iter()
            .any(|candidate| !matches!(candidate.check_digit, CheckDigit::Invalid { .. }))
    }

    /// The best candidate, if any.
    pub fn best(&self) -> Option<&Candidate> {
        self.candidates.first()
    }
}

/// Recognizes `value`: every carrier and format it could be, best first.
///
/// Spaces, dashes and dots between groups of characters are ignored and letters are upper-cased;
/// GS1 element strings (`(00)…`, `(401)…`, `(402)…`) are read by their application identifier.
pub fn detect(value: &str, mode: DetectMode) -> Detection {
    let mut candidates = Vec::new();
    let normalized = formats::normalize(value);
    if let Some(normalized) = &normalized {
        formats::collect(normalized, mode, &mut candidates);
    }
    // Best first: a holding check digit, then confidence.
    crate::order::sort_by_key(&mut candidates, |c| {
        !(i64::from(c.check_digit.rank()) << 8 | i64::from(c.confidence))
    });
    Detection {
        normalized: normalized.map(|n| n.text).unwrap_or_default(),
        candidates,
    }
}

/// Whether `value` is, in strict mode, some identifier with a holding check digit.
pub fn has_valid_check_digit(value: &str) -> bool {
    !detect(value, DetectMode::Strict).candidates.is_empty()
}
