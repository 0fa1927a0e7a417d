//! Which query parameters carry what: conizi's names and the aliases shop e-mails already use.

use super::parameter_names::LANGUAGE;
use super::PartnerRole;

/// What a query parameter carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ParameterKind {
    AccessKey,
    CustomerReference,
    PartnerId(PartnerRole),
    PartnerNumber(PartnerRole),
    Sscc,
    DeliveryNote,
    TrackingNumber,
    CarrierHint,
    OrderNumber,
    Postcode,
    Language,
}

/// Classifies a parameter name. Names match without regard to case, `_` or `-`
/// (`refNo` = `REFNO`, `tracking_numbers` = `tracking-numbers` = `trackingNumbers`), and an
/// `amp;` left over from a link copied out of HTML (`&amp;cref=`) is ignored.
pub(crate) fn classify(name: &str) -> Option<ParameterKind> {
    let name = name.trim();
    let name = match name.get(..4) {
        Some(prefix) if prefix.eq_ignore_ascii_case("amp;") => &name[4..],
        _ => name,
    };
    if name.len() > 24 {
        return None;
    }
    let mut canonical = [0u8; 24];
    let mut length = 0;
    for byte in name.bytes() {
        if byte == b'_' || byte == b'-' {
            continue;
        }
        canonical[length] = byte.to_ascii_lowercase();
        length += 1;
    }
    use ParameterKind::*;
    use PartnerRole::*;
    Some(match &canonical[..length] {
        b"id" => AccessKey,
        b"cref" => CustomerReference,
        b"vp" => PartnerId(Shipping),
        b"vpref" => PartnerNumber(Shipping),
        b"ep" => PartnerId(Receiving),
        b"epref" => PartnerNumber(Receiving),
        b"ap" => PartnerId(Ordering),
        b"apref" => PartnerNumber(Ordering),
        b"sscc" | b"nve" => Sscc,
        b"refno" => DeliveryNote,
        b"tracking" | b"trackingno" | b"tno" | b"trackingnumber" | b"trackingnumbers" | b"nums"
        | b"p" | b"n" => TrackingNumber,
        b"carrier" | b"courier" | b"c" => CarrierHint,
        b"order" | b"orderno" | b"ordernumber" => OrderNumber,
        b"zip" | b"postcode" | b"postalcode" | b"dzip" => Postcode,
        name if LANGUAGE.iter().any(|language| language.as_bytes() == name) => Language,
        _ => return None,
    })
}

/// The canonical name of a partner role's parameters, for messages about the missing half.
pub(crate) fn partner_parameter_names(role: PartnerRole) -> (&'static str, &'static str) {
    match role {
        PartnerRole::Shipping => ("vp", "vpref"),
        PartnerRole::Receiving => ("ep", "epref"),
        PartnerRole::Ordering => ("ap", "apref"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_whatever_their_case_and_separators() {
        assert_eq!(classify("refNo"), Some(ParameterKind::DeliveryNote));
        assert_eq!(classify("REFNO"), Some(ParameterKind::DeliveryNote));
        assert_eq!(
            classify("tracking-numbers"),
            Some(ParameterKind::TrackingNumber)
        );
        assert_eq!(
            classify("Tracking_Number"),
            Some(ParameterKind::TrackingNumber)
        );
        assert_eq!(
            classify("amp;VPref"),
            Some(ParameterKind::PartnerNumber(PartnerRole::Shipping))
        );
        assert_eq!(classify("Loc-Ale"), Some(ParameterKind::Language));
        for name in LANGUAGE {
            assert_eq!(classify(name), Some(ParameterKind::Language));
        }
        assert_eq!(classify("utm_source"), None);
        assert_eq!(classify("a_name_much_longer_than_any_parameter"), None);
    }
}
