//! The shapes of each identifier format, matched by hand over ASCII bytes.

use super::check_digit;
use super::country::is_postal_country;
use super::suggest::corrections;
use super::{Candidate, Carrier, CheckDigit, DetectMode, Format, S10Service, MAX_INPUT_LEN};

/// A GS1 application identifier written in front of a value: it decides the format outright.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ApplicationIdentifier {
    Sscc,
    Ginc,
    Gsin,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Normalized {
    pub(super) text: String,
    pub(super) application_identifier: Option<ApplicationIdentifier>,
}

/// Strips what people put between groups (spaces, dashes, dots) and reads a leading `(00)`,
/// `(401)` or `(402)`. `None` when the value cannot be any identifier.
pub(super) fn normalize(value: &str) -> Option<Normalized> {
    let value = value.trim();
    if value.is_empty() || value.len() > MAX_INPUT_LEN {
        return None;
    }
    let (application_identifier, rest) = match value.strip_prefix('(') {
        Some(after) => {
            let (ai, rest) = after.split_once(')')?;
            let ai = match ai.trim() {
                "00" => ApplicationIdentifier::Sscc,
                "401" => ApplicationIdentifier::Ginc,
                "402" => ApplicationIdentifier::Gsin,
                _ => return None,
            };
            (Some(ai), rest.trim())
        }
        None => (None, value),
    };
    if application_identifier == Some(ApplicationIdentifier::Ginc) {
        // A GINC is case-sensitive and may contain dashes and dots: keep it as written.
        return is_ginc(rest.as_bytes()).then(|| Normalized {
            text: rest.to_owned(),
            application_identifier,
        });
    }
    let mut text = String::with_capacity(rest.len());
    for character in rest.chars() {
        match character {
            ' ' | '\t' | '-' | '.' => {}
            'a'..='z' | 'A'..='Z' | '0'..='9' => text.push(character.to_ascii_uppercase()),
            _ => return None,
        }
    }
    (!text.is_empty()).then_some(Normalized {
        text,
        application_identifier,
    })
}

/// GINC: up to 30 characters of GS1's character set 82.
fn is_ginc(bytes: &[u8]) -> bool {
    !bytes.is_empty()
        && bytes.len() <= 30
        && bytes.iter().all(|&byte| {
            byte.is_ascii_alphanumeric()
                || matches!(
                    byte,
                    b'!' | b'"'
                        | b'%'
                        | b'&'
                        | b'\''
                        | b'('
                        | b')'
                        | b'*'
                        | b'+'
                        | b','
                        | b'-'
                        | b'.'
                        | b'/'
                        | b':'
                        | b';'
                        | b'<'
                        | b'='
                        | b'>'
                        | b'?'
                        | b'_'
                )
        })
}

pub(super) fn collect(normalized: &Normalized, mode: DetectMode, out: &mut Vec<Candidate>) {
    let text = normalized.text.as_bytes();
    let digits = text.iter().all(u8::is_ascii_digit);
    match normalized.application_identifier {
        Some(ApplicationIdentifier::Sscc) => {
            if digits && text.len() == 18 {
                sscc(text, 95, mode, out);
            }
        }
        Some(ApplicationIdentifier::Gsin) => {
            if digits && text.len() == 17 {
                gsin(text, 95, mode, out);
            }
        }
        Some(ApplicationIdentifier::Ginc) => {
            if mode != DetectMode::Strict {
                out.push(shape_only(None, Format::Ginc, text, 70));
            }
        }
        None => by_shape(text, digits, mode, out),
    }
}

fn by_shape(text: &[u8], digits: bool, mode: DetectMode, out: &mut Vec<Candidate>) {
    let pattern_only = mode != DetectMode::Strict;
    match (text.len(), digits) {
        (18, true) => sscc(text, 90, mode, out),
        (20, true) if text.starts_with(b"00") => {
            let strength = Strength::strong(92, 20);
            checked(
                Some(Carrier::DhlPaket),
                Format::DhlPaketSscc,
                text,
                2..,
                check_digit::gs1_mod10,
                strength,
                mode,
                out,
            );
            sscc(&text[2..], 85, mode, out);
        }
        (17, true) => gsin(text, 80, mode, out),
        (10 | 11, true) => {
            let strength = Strength::weak(45, 5);
            checked(
                Some(Carrier::DhlExpress),
                Format::DhlExpressWaybill,
                text,
                0..,
                check_digit::mod7,
                strength,
                mode,
                out,
            );
        }
        (12, true) => {
            let identcode = Strength::weak(60, 5);
            checked(
                Some(Carrier::DhlPaket),
                Format::DhlPaketIdentcode,
                text,
                0..,
                check_digit::dhl_identcode,
                identcode,
                mode,
                out,
            );
            let gls = Strength::weak(50, 5);
            checked(
                Some(Carrier::Gls),
                Format::GlsParcel,
                text,
                0..,
                check_digit::gls,
                gls,
                mode,
                out,
            );
        }
        (14, true) if pattern_only => {
            out.push(shape_only(Some(Carrier::Dpd), Format::DpdParcel, text, 40))
        }
        (15, _) if text[..14].iter().all(u8::is_ascii_digit) => {
            // A check letter is DPD's own; fifteen digits are a shape other carriers' numbers
            // have too (FedEx Ground's), which with a failing check are most likely one of those.
            let strength = if text[14].is_ascii_digit() {
                Strength::weak(90, 15)
            } else {
                Strength::strong(90, 15)
            };
            checked(
                Some(Carrier::Dpd),
                Format::DpdParcel,
                text,
                0..,
                check_digit::iso7064_mod37_36,
                strength,
                mode,
                out,
            );
        }
        (24, true) if pattern_only => out.push(shape_only(
            Some(Carrier::Inpost),
            Format::InPostParcel,
            text,
            70,
        )),
        // The label: destination postcode (7), parcel number (14), service (3) and country (3),
        // then the same ISO 7064 MOD 37,36 check character over those 27. The shape is read
        // from those 27 alone: the check character may be a letter or a digit, and a corrected
        // one must not change whether the value looks like a label.
        (28, _)
            if text[..27]
                .iter()
                .filter(|byte| byte.is_ascii_digit())
                .count()
                >= 14 =>
        {
            let strength = Strength::strong(85, 15);
            checked(
                Some(Carrier::Dpd),
                Format::DpdLabel,
                text,
                0..,
                check_digit::iso7064_mod37_36,
                strength,
                mode,
                out,
            );
        }
        (13, false) if !is_jjd(text) => upu_s10(text, mode, out),
        (18, false) if text.starts_with(b"1Z") => {
            let strength = Strength::strong(98, 20);
            checked(
                Some(Carrier::Ups),
                Format::Ups1z,
                text,
                2..,
                check_digit::ups,
                strength,
                mode,
                out,
            );
        }
        (length, false) if pattern_only && (13..=30).contains(&length) && is_jjd(text) => out.push(
            shape_only(Some(Carrier::DhlPaket), Format::DhlPaketJjd, text, 85),
        ),
        _ => {}
    }
}

/// `JJD` followed by 10 to 27 digits (DHL Paket's shipment numbers vary in length).
fn is_jjd(text: &[u8]) -> bool {
    text.starts_with(b"JJD") && text[3..].iter().all(u8::is_ascii_digit)
}

/// An 18-digit SSCC: the GS1 key itself, and Bring and Di when the company prefix after the
/// extension digit is Norway's 70.
fn sscc(text: &[u8], confidence: u8, mode: DetectMode, out: &mut Vec<Candidate>) {
    let strength = Strength::strong(confidence, 15);
    checked(
        None,
        Format::Sscc,
        text,
        0..,
        check_digit::gs1_mod10,
        strength,
        mode,
        out,
    );
    if &text[1..3] == b"70" {
        norwegian(Format::Sscc, text, mode, out);
    }
}

/// A 17-digit GSIN: the GS1 key, and Bring and Di when it starts with Norway's prefix 70.
fn gsin(text: &[u8], confidence: u8, mode: DetectMode, out: &mut Vec<Candidate>) {
    let strength = Strength::weak(confidence, 10);
    checked(
        None,
        Format::Gsin,
        text,
        0..,
        check_digit::gs1_mod10,
        strength,
        mode,
        out,
    );
    if text.starts_with(b"70") {
        norwegian(Format::Gsin, text, mode, out);
    }
}

fn norwegian(format: Format, text: &[u8], mode: DetectMode, out: &mut Vec<Candidate>) {
    let bring = Strength::weak(70, 10);
    checked(
        Some(Carrier::Bring),
        format,
        text,
        0..,
        check_digit::gs1_mod10,
        bring,
        mode,
        out,
    );
    let di = Strength::weak(60, 10);
    checked(
        Some(Carrier::Di),
        format,
        text,
        0..,
        check_digit::gs1_mod10,
        di,
        mode,
        out,
    );
}

fn upu_s10(text: &[u8], mode: DetectMode, out: &mut Vec<Candidate>) {
    let shape = text[..2].iter().all(u8::is_ascii_uppercase)
        && text[2..11].iter().all(u8::is_ascii_digit)
        && text[11..].iter().all(u8::is_ascii_uppercase);
    if !shape {
        return;
    }
    let service = match text[0] {
        b'C' => Some(S10Service::Parcel),
        b'E' => Some(S10Service::Ems),
        b'H' => Some(S10Service::Ecommerce),
        b'L' => Some(S10Service::LetterPostTracked),
        b'M' => Some(S10Service::MBag),
        // International Business Reply: QA to QM only.
        b'Q' if text[1] <= b'M' => Some(S10Service::BusinessReply),
        b'R' => Some(S10Service::Registered),
        b'U' => Some(S10Service::LetterPost),
        b'V' => Some(S10Service::Insured),
        _ => None,
    };
    let real_country = is_postal_country([text[11], text[12]]);
    let strength = if service.is_some() && real_country {
        Strength::strong(95, 15)
    } else {
        // Right shape, but a service or country no operator issues: only eager mode lists it.
        Strength::eager_only(20, 5)
    };
    let start = out.len();
    checked(
        Some(Carrier::PostalOperator),
        Format::UpuS10,
        text,
        2..11,
        check_digit::upu_s10,
        strength,
        mode,
        out,
    );
    for candidate in &mut out[start..] {
        candidate.country = Some(String::from_utf8_lossy(&text[11..]).into_owned());
        candidate.service = service;
    }
}

/// How much a format's check digit is worth, and whether a failing one is still worth listing.
#[derive(Debug, Clone, Copy)]
struct Strength {
    valid: u8,
    invalid: u8,
    /// The lowest mode that lists the value when its check digit fails.
    invalid_from: DetectMode,
    /// The lowest mode that lists the value at all.
    listed_from: DetectMode,
}

impl Strength {
    /// A distinctive shape: a failing check digit is worth reporting with corrections.
    fn strong(valid: u8, invalid: u8) -> Self {
        Strength {
            valid,
            invalid,
            invalid_from: DetectMode::Standard,
            listed_from: DetectMode::Strict,
        }
    }

    /// A shape many numbers have: with a failing check digit it is most likely something else.
    fn weak(valid: u8, invalid: u8) -> Self {
        Strength {
            invalid_from: DetectMode::Eager,
            ..Strength::strong(valid, invalid)
        }
    }

    fn eager_only(valid: u8, invalid: u8) -> Self {
        Strength {
            listed_from: DetectMode::Eager,
            ..Strength::weak(valid, invalid)
        }
    }
}

fn mode_level(mode: DetectMode) -> u8 {
    match mode {
        DetectMode::Strict => 0,
        DetectMode::Standard => 1,
        DetectMode::Eager => 2,
    }
}

/// Pushes a candidate for a format with a check character.
///
/// `covered` are the positions the check covers, the check character last (S10's sits before the
/// country letters, DHL Paket's `00` is outside); `algorithm` gets the characters before it.
#[allow(clippy::too_many_arguments)]
fn checked(
    carrier: Option<Carrier>,
    format: Format,
    text: &[u8],
    covered: impl std::ops::RangeBounds<usize>,
    algorithm: fn(&[u8]) -> Option<u8>,
    strength: Strength,
    mode: DetectMode,
    out: &mut Vec<Candidate>,
) {
    if mode_level(mode) < mode_level(strength.listed_from) {
        return;
    }
    let start = match covered.start_bound() {
        std::ops::Bound::Included(&start) => start,
        _ => 0,
    };
    let end = match covered.end_bound() {
        std::ops::Bound::Excluded(&end) => end,
        _ => text.len(),
    };
    let covered = &text[start..end];
    let Some((&found, data)) = covered.split_last() else {
        return;
    };
    let Some(expected) = algorithm(data) else {
        return;
    };
    let (check_digit, confidence) = if expected == found {
        (CheckDigit::Valid, strength.valid)
    } else if mode_level(mode) >= mode_level(strength.invalid_from) {
        let check_digit = CheckDigit::Invalid {
            expected: char::from(expected),
            found: char::from(found),
        };
        (check_digit, strength.invalid)
    } else {
        return;
    };
    let suggestions = match check_digit {
        CheckDigit::Invalid { .. } => corrections(text, start, end, algorithm),
        _ => Vec::new(),
    };
    out.push(Candidate {
        carrier,
        format,
        number: String::from_utf8_lossy(text).into_owned(),
        check_digit,
        confidence,
        country: None,
        service: None,
        suggestions,
    });
}

fn shape_only(carrier: Option<Carrier>, format: Format, text: &[u8], confidence: u8) -> Candidate {
    Candidate {
        carrier,
        format,
        number: String::from_utf8_lossy(text).into_owned(),
        check_digit: CheckDigit::None,
        confidence,
        country: None,
        service: None,
        suggestions: Vec::new(),
    }
}
