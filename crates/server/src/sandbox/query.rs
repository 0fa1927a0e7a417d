//! Query strings as the carriers read them: repeated names (`Carriers=001&Carriers=002`),
//! names matched without regard to case (TrackOnline is ASP.NET), `+` and `%XX` decoded.

/// Name–value pairs in order, names as sent.
#[derive(Debug, Clone, Default)]
pub struct QueryPairs(Vec<(String, String)>);

impl QueryPairs {
    pub fn parse(query: Option<&str>) -> QueryPairs {
        let pairs = query
            .unwrap_or("")
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| match pair.split_once('=') {
                Some((name, value)) => (percent_decode(name), percent_decode(value)),
                None => (percent_decode(pair), String::new()),
            })
            .collect();
        QueryPairs(pairs)
    }

    /// Every value of `name`, any case.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
            .collect()
    }

    /// The first value of `name`, any case.
    pub fn first(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    pub fn values(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(_, value)| value.as_str())
    }
}

/// Decodes `+` as a space and `%XX` escapes (with the `percent-encoding` crate); a `%` that
/// starts no escape is kept, bytes that are not UTF-8 become U+FFFD.
pub fn percent_decode(text: &str) -> String {
    let spaced = text.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_names_are_kept_and_case_is_ignored() {
        let query = QueryPairs::parse(Some("Carriers=001&carriers=002&page=1&apikey=a%2Eb"));
        assert_eq!(query.all("CARRIERS"), vec!["001", "002"]);
        assert_eq!(query.first("Page"), Some("1"));
        assert_eq!(query.first("apikey"), Some("a.b"));
        assert_eq!(query.first("missing"), None);
    }

    #[test]
    fn percent_escapes_and_plus_are_decoded_and_a_stray_percent_is_kept() {
        assert_eq!(
            percent_decode("%2800%29370724760010119754"),
            "(00)370724760010119754"
        );
        assert_eq!(percent_decode("a+b"), "a b");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
        assert_eq!(percent_decode("a%2Bb"), "a+b");
    }
}
