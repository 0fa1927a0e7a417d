//! `[[sites]]` and `[cors]`: the merchant's sites and their origins, checked to be exactly what
//! browsers send, and what happens to requests without `Origin`.

use std::collections::BTreeMap;

use reqwest::Url;
use serde::Deserialize;

use super::file::FileSite;
use super::{invalid, ConfigError, ProxyConfig};

/// What happens to requests that carry no `Origin` header (same-origin pages, servers, curl).
/// This is CORS policy only: what a request may read is decided by its key or signed link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WithoutOrigin {
    Allow,
    /// Earlier versions' way of requiring keys; refused with an explanation.
    RequireAccessKey,
    Refuse,
}

/// A merchant site: the origins its pages are served from (CORS).
#[derive(Debug, Clone)]
pub struct SiteConfig {
    pub name: String,
    pub origins: Vec<String>,
}

impl ProxyConfig {
    /// The site whose origins include `origin`, if any.
    pub fn site_for_origin(&self, origin: &str) -> Option<&SiteConfig> {
        self.sites
            .iter()
            .find(|site| site.origins.iter().any(|allowed| allowed == origin))
    }
}

pub(super) fn check_sites(sites: Vec<FileSite>) -> Result<Vec<SiteConfig>, ConfigError> {
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    let mut checked = Vec::with_capacity(sites.len());
    for (index, site) in sites.into_iter().enumerate() {
        if site.name.trim().is_empty() {
            return Err(invalid(
                format!("sites[{index}].name"),
                "a site needs a name",
            ));
        }
        if site.origins.is_empty() {
            return Err(invalid(
                format!("sites[{index}].origins"),
                "a site needs at least one origin",
            ));
        }
        let mut origins = Vec::with_capacity(site.origins.len());
        for (position, origin) in site.origins.iter().enumerate() {
            let key = format!("sites[{index}].origins[{position}]");
            let origin = check_origin(&key, origin)?;
            if let Some(other) = seen.insert(origin.clone(), site.name.clone()) {
                return Err(invalid(
                    &key,
                    format!("{origin} is already listed for site `{other}`"),
                ));
            }
            origins.push(origin);
        }
        if site.require_access_key.is_some() {
            return Err(invalid(
                format!("sites[{index}].require_access_key"),
                "is gone: whether a key is needed no longer depends on the Origin header, which any \
                 client sets freely. Remove it, and set carriers.<carrier>.access = \"key\" (or \
                 \"signed\") for the carriers whose shipments need a key; see docs/access.md",
            ));
        }
        checked.push(SiteConfig {
            name: site.name,
            origins,
        });
    }
    Ok(checked)
}

/// An origin is exactly what browsers send: scheme, host and optional port, nothing else.
/// Anything looser is refused here, because a pattern that matches more than the merchant meant
/// turns the proxy into an open relay for other sites.
pub(super) fn check_origin(key: &str, origin: &str) -> Result<String, ConfigError> {
    let unsafe_cors = |problem: String| ConfigError::UnsafeCors {
        key: key.to_owned(),
        problem,
    };
    if origin == "*" || origin.contains('*') {
        return Err(unsafe_cors(format!(
            "`{origin}` is a wildcard; list exact origins, or set cors.allow_any_origin = true to allow every site"
        )));
    }
    if origin.eq_ignore_ascii_case("null") {
        return Err(unsafe_cors(
            "`null` is the origin of sandboxed frames and local files, which any page can produce"
                .into(),
        ));
    }
    let url = Url::parse(origin).map_err(|_| {
        invalid(
            key,
            format!("`{origin}` is not an origin such as https://shop.example"),
        )
    })?;
    let well_formed = matches!(url.scheme(), "https" | "http")
        && url.host_str().is_some()
        && url.username().is_empty()
        && url.password().is_none()
        && url.query().is_none()
        && url.fragment().is_none()
        && url.path() == "/"
        && !origin.ends_with('/');
    if !well_formed {
        return Err(invalid(
            key,
            format!("`{origin}` is not an origin: use scheme://host[:port] with no path, slash, user or query"),
        ));
    }
    // Browsers send the serialized origin: lower-case host, no default port.
    let serialized = url.origin().ascii_serialization();
    if serialized != origin {
        return Err(invalid(
            key,
            format!("write `{origin}` as the browser sends it: `{serialized}`"),
        ));
    }
    Ok(serialized)
}

/// `server.requests_without_origin`: the earlier `require_access_key` is refused with what
/// replaces it.
pub(super) fn check_without_origin(
    without_origin: Option<WithoutOrigin>,
) -> Result<WithoutOrigin, ConfigError> {
    let without_origin = without_origin.unwrap_or(WithoutOrigin::Allow);
    if without_origin == WithoutOrigin::RequireAccessKey {
        return Err(invalid(
            "server.requests_without_origin",
            "\"require_access_key\" is gone: whether a key is needed no longer depends on the Origin \
             header, which any client sets freely. Use \"allow\" or \"refuse\" here, and set \
             carriers.<carrier>.access = \"key\" (or \"signed\") for the carriers that need one",
        ));
    }
    Ok(without_origin)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proxy::config::test_support::parse;

    #[test]
    fn a_wildcard_origin_is_refused_unless_any_origin_is_asked_for() {
        let error = parse("[carriers.inpost]\n[[sites]]\nname = \"shop\"\norigins = [\"*\"]\n")
            .unwrap_err();
        assert!(
            matches!(error, ConfigError::UnsafeCors { ref key, .. } if key == "sites[0].origins[0]"),
            "{error}"
        );
        let config = parse("[carriers.inpost]\n[cors]\nallow_any_origin = true\n").unwrap();
        assert!(config.allow_any_origin);
    }

    #[test]
    fn origins_with_paths_or_wildcard_subdomains_or_null_are_refused() {
        for origin in [
            "https://shop.example/",
            "https://shop.example/path",
            "https://*.shop.example",
            "null",
            "shop.example",
            "https://user@shop.example",
            "HTTPS://Shop.Example",
        ] {
            let text = format!(
                "[carriers.inpost]\n[[sites]]\nname = \"shop\"\norigins = [\"{origin}\"]\n"
            );
            let error = parse(&text).expect_err(origin).to_string();
            assert!(error.contains("sites[0].origins[0]"), "{origin}: {error}");
        }
    }

    #[test]
    fn the_old_origin_based_key_requirement_is_refused_with_what_replaces_it() {
        let text = "[carriers.inpost]\n[[sites]]\nname = \"shop\"\norigins = [\"https://shop.example\"]\nrequire_access_key = true\n";
        let error = parse(text).unwrap_err().to_string();
        assert!(error.contains("sites[0].require_access_key"), "{error}");
        assert!(error.contains("access = \"key\""), "{error}");
        let text =
            "[carriers.inpost]\n[server]\nrequests_without_origin = \"require_access_key\"\n";
        let error = parse(text).unwrap_err().to_string();
        assert!(error.contains("server.requests_without_origin"), "{error}");
    }
}
