//! Percent-decoding of URL components, lenient the way pasted links need.

use std::borrow::Cow;

/// Decodes `%XX` escapes (and, in query strings, `+` as a space).
///
/// Links that went through a mail client or a redirect are often encoded twice (`%2520`), so a
/// second pass runs when the first one produced another valid escape. A `%` that starts no valid
/// escape is kept as it is, and bytes that are not UTF-8 become U+FFFD: the caller's character
/// check then names the problem instead of this function failing silently.
pub(crate) fn percent_decode(input: &str, plus_is_space: bool) -> Cow<'_, str> {
    let once = decode_once(input, plus_is_space);
    match once {
        Cow::Owned(decoded) if has_escape(&decoded) => {
            Cow::Owned(decode_once(&decoded, false).into_owned())
        }
        other => other,
    }
}

fn decode_once(input: &str, plus_is_space: bool) -> Cow<'_, str> {
    if !(input.contains('%') || plus_is_space && input.contains('+')) {
        return Cow::Borrowed(input);
    }
    let bytes = input.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'%' if index + 2 < bytes.len() => {
                match (hex_value(bytes[index + 1]), hex_value(bytes[index + 2])) {
                    (Some(high), Some(low)) => {
                        decoded.push(high << 4 | low);
                        index += 3;
                    }
                    _ => {
                        decoded.push(b'%');
                        index += 1;
                    }
                }
            }
            b'+' if plus_is_space => {
                decoded.push(b' ');
                index += 1;
            }
            byte => {
                decoded.push(byte);
                index += 1;
            }
        }
    }
    Cow::Owned(String::from_utf8_lossy(&decoded).into_owned())
}

fn has_escape(text: &str) -> bool {
    text.as_bytes().windows(3).any(|window| {
        window[0] == b'%' && hex_value(window[1]).is_some() && hex_value(window[2]).is_some()
    })
}

fn hex_value(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::percent_decode;

    #[test]
    fn escapes_and_plus_signs_are_decoded_in_query_values() {
        assert_eq!(percent_decode("%20VP%2D4711+x", true), " VP-4711 x");
        assert_eq!(percent_decode("a+b", false), "a+b");
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
