//! ISO 3166-1 alpha-2 country codes: UPU S10 numbers end in the country of the postal operator
//! that issued them, and a code that names no country marks a number as made up.

/// Every assigned ISO 3166-1 alpha-2 code, sorted, two bytes each. A packed string keeps the
/// table a few hundred bytes in the widget's wasm.
const CODES: &[u8] = b"ADAEAFAGAIALAMAOAQARASATAUAWAXAZ\
BABBBDBEBFBGBHBIBJBLBMBNBOBQBRBSBTBVBWBYBZ\
CACCCDCFCGCHCICKCLCMCNCOCRCUCVCWCXCYCZ\
DEDJDKDMDODZ\
ECEEEGEHERESET\
FIFJFKFMFOFR\
GAGBGDGEGFGGGHGIGLGMGNGPGQGRGSGTGUGWGY\
HKHMHNHRHTHU\
IDIEILIMINIOIQIRISIT\
JEJMJOJP\
KEKGKHKIKMKNKPKRKWKYKZ\
LALBLCLILKLRLSLTLULVLY\
MAMCMDMEMFMGMHMKMLMMMNMOMPMQMRMSMTMUMVMWMXMYMZ\
NANCNENFNGNINLNONPNRNUNZ\
OM\
PAPEPFPGPHPKPLPMPNPRPSPTPWPY\
QA\
RERORSRURW\
SASBSCSDSESGSHSISJSKSLSMSNSOSRSSSTSVSXSYSZ\
TCTDTFTGTHTJTKTLTMTNTOTRTTTVTWTZ\
UAUGUMUSUYUZ\
VAVCVEVGVIVNVU\
WFWS\
YEYT\
ZAZMZW";

/// Assigned codes of places no postal operator issues numbers under: uninhabited (Antarctica,
/// Bouvet Island, Heard Island and McDonald Islands) or served under another country's code (the
/// United States Minor Outlying Islands, by USPS as `US`).
const NO_POSTAL_OPERATOR: [[u8; 2]; 4] = [*b"AQ", *b"BV", *b"HM", *b"UM"];

/// Whether an S10 number may end in `code`: an assigned ISO 3166-1 alpha-2 code of a place with
/// a postal operator of its own.
pub(crate) fn is_postal_country(code: [u8; 2]) -> bool {
    is_iso_country(code) && !NO_POSTAL_OPERATOR.contains(&code)
}

/// Whether `code` (two upper-case ASCII letters) is an assigned ISO 3166-1 alpha-2 code.
pub(crate) fn is_iso_country(code: [u8; 2]) -> bool {
    let (mut low, mut high) = (0, CODES.len() / 2);
    while low < high {
        let middle = (low + high) / 2;
        match [CODES[2 * middle], CODES[2 * middle + 1]].cmp(&code) {
            std::cmp::Ordering::Less => low = middle + 1,
            std::cmp::Ordering::Greater => high = middle,
            std::cmp::Ordering::Equal => return true,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_holds_every_assigned_code_once_and_in_order() {
        let codes: Vec<&[u8]> = CODES.chunks_exact(2).collect();
        assert_eq!(codes.len(), 249);
        assert!(codes.windows(2).all(|pair| pair[0] < pair[1]));
    }

    #[test]
    fn real_countries_are_known_and_made_up_ones_are_not() {
        assert!(is_iso_country(*b"GB"));
        assert!(is_iso_country(*b"NO"));
        assert!(is_iso_country(*b"ZW"));
        assert!(!is_iso_country(*b"UK"));
        assert!(!is_iso_country(*b"XX"));
        assert!(!is_iso_country(*b"AA"));
    }

    #[test]
    fn places_without_a_postal_operator_of_their_own_are_no_s10_country() {
        for code in NO_POSTAL_OPERATOR {
            assert!(is_iso_country(code), "{code:?} is an assigned code");
            assert!(!is_postal_country(code), "{code:?}");
        }
        assert!(is_postal_country(*b"GB"));
        assert!(is_postal_country(*b"NO"));
        assert!(!is_postal_country(*b"UK"));
    }
}
