//! Signed consumer links: a shop that mails a tracking link to a consumer without an account
//! signs the link's parameters with the proxy's link secret. The link carries the references,
//! `exp` (expiry, Unix seconds) and `sig` (HMAC-SHA256, lower-case hex). The widget sends the
//! link's query (without `id`) to the proxy in the `X-Trackline-Link` header; the proxy checks the
//! signature and the expiry, and then serves the references the link names.
//!
//! The string to sign (see docs/access.md, which has test vectors):
//!
//! ```text
//! trackline-link-v1\n
//! name=value\n        one line per query parameter except `sig` and `id`, `exp` included,
//! ...                 names and values percent-decoded, sorted by name, then by value
//! ```

use hmac::{Hmac, Mac};
use sha2::Sha256;
use trackline_core::reference;

use super::store::normalize_number;

/// The request header that carries a signed link's query string.
pub const LINK_HEADER: &str = "x-trackline-link";
/// The first line of every string to sign; a new format gets a new version.
pub const VERSION_LINE: &str = "trackline-link-v1";
/// The longest query the header may hold.
const MAX_LINK_BYTES: usize = 2048;

type HmacSha256 = Hmac<Sha256>;

/// Why a link is not accepted. Each is its own problem type, so the widget can tell the consumer
/// what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// Unreadable, or `exp` or `sig` missing or malformed.
    #[error("the link is not a signed Trackline link: {0}")]
    Malformed(String),
    /// The signature does not match the parameters: changed, or signed with another secret.
    #[error("the link's signature does not match its parameters")]
    Tampered,
    #[error("the link expired at {expired_unix} (Unix time)")]
    Expired { expired_unix: i64 },
}

/// A link whose signature and expiry hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedLink {
    pub expires_unix: i64,
    /// The references' numbers, normalized as the proxy compares them.
    pub numbers: Vec<String>,
}

/// The query's parameters, decoded.
fn pairs(query: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(query.trim_start_matches('?').as_bytes())
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect()
}

/// The string to sign for these parameters: every one except `sig` and `id`, sorted.
pub fn canonical_string(parameters: &[(String, String)]) -> String {
    let mut lines: Vec<(&str, &str)> = parameters
        .iter()
        .filter(|(name, _)| name != "sig" && name != "id")
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    lines.sort();
    let mut text = String::from(VERSION_LINE);
    text.push('\n');
    for (name, value) in lines {
        text.push_str(name);
        text.push('=');
        text.push_str(value);
        text.push('\n');
    }
    text
}

fn mac(secret: &[u8]) -> HmacSha256 {
    HmacSha256::new_from_slice(secret).expect("HMAC takes keys of any length")
}

/// The signature of a query (without `sig`), as lower-case hex.
pub fn signature(secret: &[u8], query: &str) -> String {
    let mut mac = mac(secret);
    mac.update(canonical_string(&pairs(query)).as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// The query with `exp` and `sig` appended: what `trackline links sign` prints after the page's
/// address. `references` is a link query such as `cref=ORDER-88231` or `vp=4711&vpref=…`.
pub fn sign_query(secret: &[u8], references: &str, expires_unix: i64) -> String {
    let references = references.trim_start_matches('?');
    let unsigned = if references.is_empty() {
        format!("exp={expires_unix}")
    } else {
        format!("{references}&exp={expires_unix}")
    };
    let sig = signature(secret, &unsigned);
    format!("{unsigned}&sig={sig}")
}

/// Checks a signed query (as the widget sends it in [`LINK_HEADER`]) at `now_unix`.
pub fn verify(secret: &[u8], query: &str, now_unix: i64) -> Result<VerifiedLink, LinkError> {
    if query.len() > MAX_LINK_BYTES {
        return Err(LinkError::Malformed(format!(
            "longer than {MAX_LINK_BYTES} bytes"
        )));
    }
    let parameters = pairs(query);
    let single = |name: &str| -> Result<&str, LinkError> {
        let mut values = parameters
            .iter()
            .filter(|(candidate, _)| candidate == name)
            .map(|(_, value)| value.as_str());
        match (values.next(), values.next()) {
            (Some(value), None) => Ok(value),
            (None, _) => Err(LinkError::Malformed(format!("it has no `{name}`"))),
            (Some(_), Some(_)) => Err(LinkError::Malformed(format!("`{name}` appears twice"))),
        }
    };
    let sig = single("sig")?;
    let expires_unix: i64 = single("exp")?
        .parse()
        .map_err(|_| LinkError::Malformed("`exp` is not a whole number of seconds".into()))?;
    let Some(sig) = super::keys::hash_from_hex(&sig.to_ascii_lowercase()) else {
        return Err(LinkError::Malformed("`sig` is not 64 hex digits".into()));
    };
    let mut mac = mac(secret);
    mac.update(canonical_string(&parameters).as_bytes());
    // Constant time: the comparison's timing says nothing about how close a forgery was.
    mac.verify_slice(&sig).map_err(|_| LinkError::Tampered)?;
    if now_unix >= expires_unix {
        return Err(LinkError::Expired {
            expired_unix: expires_unix,
        });
    }
    let references: Vec<String> = parameters
        .iter()
        .filter(|(name, _)| !matches!(name.as_str(), "sig" | "exp" | "id"))
        .map(|(name, value)| {
            url::form_urlencoded::Serializer::new(String::new())
                .append_pair(name, value)
                .finish()
        })
        .collect();
    let link = reference::parse(&references.join("&"));
    let numbers = link
        .references
        .iter()
        .filter_map(|reference| normalize_number(reference.number()).ok())
        .collect();
    Ok(VerifiedLink {
        expires_unix,
        numbers,
    })
}

/// The test vectors of docs/access.md: (secret, references, `exp`, `sig`). The signing snippets
/// there must print these signatures; the tests check both.
pub const TEST_VECTORS: [(&str, &str, i64, &str); 2] = [
    (
        "trackline-docs-secret",
        "cref=ORDER-88231",
        4102444800,
        "8fb1d985d9e2256a5b55cea9de3313f81dac4b8eef85e6778859a1fc85a0dbae",
    ),
    (
        "trackline-docs-secret",
        "vp=4711&vpref=370724760010119754",
        4102444800,
        "eb59afa7bc58abffd4e452bf644f9e80314356f0d39081dfebc8a81dbd01c66f",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_canonical_string_sorts_and_leaves_out_sig_and_id() {
        let parameters = pairs("vpref=1&vp=4711&exp=9&id=SECRETKEY&sig=ab");
        assert_eq!(
            canonical_string(&parameters),
            "trackline-link-v1\nexp=9\nvp=4711\nvpref=1\n"
        );
    }

    #[test]
    fn a_signed_query_verifies_until_it_expires() {
        for (secret, references, expires, sig) in TEST_VECTORS {
            let signed = sign_query(secret.as_bytes(), references, expires);
            assert_eq!(signed, format!("{references}&exp={expires}&sig={sig}"));
            let link = verify(secret.as_bytes(), &signed, expires - 1).unwrap();
            assert!(!link.numbers.is_empty());
            assert_eq!(
                verify(secret.as_bytes(), &signed, expires),
                Err(LinkError::Expired {
                    expired_unix: expires
                })
            );
        }
    }

    #[test]
    fn a_changed_parameter_or_another_secret_is_tampering() {
        let signed = sign_query(b"secret", "cref=ORDER-88231", 2_000_000_000);
        let changed = signed.replace("88231", "88232");
        assert_eq!(verify(b"secret", &changed, 0), Err(LinkError::Tampered));
        assert_eq!(verify(b"other", &signed, 0), Err(LinkError::Tampered));
        let later = signed.replace("exp=2000000000", "exp=2100000000");
        assert_eq!(verify(b"secret", &later, 0), Err(LinkError::Tampered));
        assert!(matches!(
            verify(b"secret", "cref=ORDER-88231&exp=1", 0),
            Err(LinkError::Malformed(_))
        ));
    }

    #[test]
    fn an_access_key_in_the_link_is_not_signed_and_changes_nothing() {
        let signed = sign_query(b"secret", "cref=ORDER-88231", 2_000_000_000);
        let with_key = format!("id=ABCDEFGHIJKLMNOPQRSTUVWXYZ012345&{signed}");
        assert!(verify(b"secret", &with_key, 0).is_ok());
    }
}
