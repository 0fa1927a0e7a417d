//! Case folding for matching carrier texts against known words.

/// `text` in lower case for the letters carriers write in: ASCII, Latin-1 and Latin Extended-A
/// (Polish `Ł`, `Ś`, Norwegian `Æ`, `Ø`, `Å`, …); other characters are kept as they are. The
/// standard `to_lowercase` would compile the whole Unicode case table into the widget's wasm
/// for words that are only ever compared with these.
pub fn lower_latin(text: &str) -> String {
    text.chars().map(lower_latin_char).collect()
}

fn lower_latin_char(c: char) -> char {
    let code = c as u32;
    let lower = match code {
        0x41..=0x5A | 0xC0..=0xD6 | 0xD8..=0xDE => code + 0x20,
        // In Latin Extended-A the capital comes first in each pair, on even code points up to
        // U+0137 and from U+014A, on odd ones in between and from U+0179.
        // U+0130 (`İ`) lowers to two characters; U+0138 (`ĸ`) and U+0149 (`ŉ`) have no pair.
        0x100..=0x12F | 0x132..=0x137 | 0x14A..=0x177 if code.is_multiple_of(2) => code + 1,
        0x139..=0x148 | 0x179..=0x17E if !code.is_multiple_of(2) => code + 1,
        0x178 => 0xFF,
        _ => code,
    };
    char::from_u32(lower).unwrap_or(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_the_standard_lower_case_on_the_latin_letters() {
        for c in (0u32..0x180)
            .filter_map(char::from_u32)
            .filter(|&c| c != 'İ')
        {
            assert_eq!(
                lower_latin_char(c).to_string(),
                c.to_lowercase().to_string(),
                "{c:?}"
            );
        }
        assert_eq!(lower_latin("CAŁODOBOWO Śr ÆØÅ Ω"), "całodobowo śr æøå Ω");
    }
}
