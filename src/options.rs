//! What one widget shows, resolved from its attributes first and the page URL second.

use leptos::prelude::*;

/// The options of one mounted widget. Attribute values are signals, so that changing an attribute
/// re-renders only what depends on it.
#[derive(Debug, Clone, Copy)]
pub struct WidgetOptions {
    /// The `number` attribute.
    pub number: RwSignal<Option<String>>,
    /// The page's query string and fragment, as the widget saw them when mounted.
    pub page_url: RwSignal<String>,
}

impl WidgetOptions {
    pub fn new(number: Option<String>, page_url: String) -> Self {
        Self {
            number: RwSignal::new(number),
            page_url: RwSignal::new(page_url),
        }
    }

    /// The tracking number to show: the element's `number` attribute wins over the link's
    /// `?tracking=`, because a merchant who sets it means it.
    pub fn tracking_number(&self) -> Option<String> {
        non_blank(self.number.get()).or_else(|| tracking_from_url(&self.page_url.get()))
    }
}

fn non_blank(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// The `tracking` query parameter of a page URL, decoded.
pub fn tracking_from_url(url: &str) -> Option<String> {
    let query = url.split_once('?').map(|(_, rest)| rest)?;
    let query = query.split('#').next().unwrap_or_default();
    query.split('&').find_map(|pair| {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        if name.eq_ignore_ascii_case("tracking") {
            non_blank(Some(percent_decode(value)))
        } else {
            None
        }
    })
}

/// Decodes `%XX` escapes and `+` as form encoding does. Invalid escapes are kept as written.
fn percent_decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(hi), Some(lo)) => {
                    out.push(hi << 4 | lo);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(byte: u8) -> Option<u8> {
    (byte as char).to_digit(16).map(|d| d as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tracking_parameter_is_read_and_decoded() {
        assert_eq!(
            tracking_from_url("https://shop.example/track?x=1&tracking=%20AB%2012+34#top"),
            Some("AB 12 34".to_owned())
        );
    }

    #[test]
    fn a_link_without_a_tracking_parameter_gives_none() {
        assert_eq!(
            tracking_from_url("https://shop.example/track?order=5"),
            None
        );
        assert_eq!(
            tracking_from_url("https://shop.example/track?tracking="),
            None
        );
        assert_eq!(
            tracking_from_url("https://shop.example/track#tracking=5"),
            None
        );
    }

    #[test]
    fn a_broken_escape_is_kept_rather_than_dropped() {
        assert_eq!(tracking_from_url("/t?tracking=5%2"), Some("5%2".to_owned()));
        assert_eq!(
            tracking_from_url("/t?tracking=5%zz"),
            Some("5%zz".to_owned())
        );
    }
}
