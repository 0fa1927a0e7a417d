//! `[carriers.*]` and `[partners]`: where each carrier is, how the proxy authenticates to it, its
//! budget, cache and access mode; and which carrier tracks a partner's numbers.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::Duration;

use reqwest::Url;
use trackline_core::carrier::di;

use super::file::{FileCarrier, FileCarriers};
use super::secrets::{
    secret_value, Secret, ENV_DI_PASSWORD, ENV_DI_USERNAME, ENV_TRACKONLINE_API_KEY,
};
use super::{invalid, positive, ConfigError, ProxyConfig};
use crate::proxy::access::AccessMode;

pub use trackline_core::carrier::Carrier;

/// A carrier the proxy can call, by its name in paths and configuration (`inpost`, `di`,
/// `trackonline`): only carriers with an adapter.
pub fn carrier_from_path_segment(segment: &str) -> Option<Carrier> {
    Carrier::WITH_ADAPTER
        .into_iter()
        .find(|carrier| carrier.as_str() == segment)
}

/// How the proxy authenticates to a carrier.
#[derive(Debug, Clone)]
pub enum Credentials {
    /// InPost tracking needs no token.
    None,
    /// Di: log in with these, keep the token, send it as a bearer token.
    DiLogin {
        username: String,
        password: Secret,
        /// How long a token is requested for (Di allows 1 to 1440 minutes).
        token_minutes: u32,
    },
    /// TrackOnline: the key goes in the `X-ApiKey` header.
    ApiKey(Secret),
}

#[derive(Debug, Clone)]
pub struct CarrierConfig {
    pub carrier: Carrier,
    /// Without a trailing slash; paths are appended to it.
    pub base_url: String,
    /// Zero disables the cache for this carrier.
    pub cache_ttl: Duration,
    pub cache_max_bytes: usize,
    /// Upstream calls per minute across all clients: protects the merchant's carrier quota.
    pub requests_per_minute: u32,
    /// The share of `requests_per_minute` one client (an address, or an IPv6 /64) may spend,
    /// so that no single client drains the budget for everybody.
    pub client_share: f64,
    pub max_concurrent_requests: usize,
    pub credentials: Credentials,
    /// Who may read this carrier's shipments.
    pub access: AccessMode,
    /// Whether the file set `access` (a private carrier is only public when it says so).
    pub access_explicit: bool,
}

impl ProxyConfig {
    /// Carriers whose merchant-private data the file exposes to anyone (`access = "public"` on
    /// Di or TrackOnline). Only possible when the file says so; the proxy says so loudly.
    pub fn publicly_exposed(&self) -> Vec<Carrier> {
        self.carriers
            .values()
            .filter(|carrier| {
                carrier.access == AccessMode::Public
                    && AccessMode::is_private_carrier(carrier.carrier)
            })
            .map(|carrier| carrier.carrier)
            .collect()
    }
}

/// The configured carriers, each checked; at least one.
pub(super) fn check_carriers(
    file: FileCarriers,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<BTreeMap<Carrier, CarrierConfig>, ConfigError> {
    let mut carriers = BTreeMap::new();
    let file_carriers = [
        (Carrier::Inpost, file.inpost),
        (Carrier::Di, file.di),
        (Carrier::Trackonline, file.trackonline),
    ];
    for (id, carrier) in file_carriers {
        if let Some(carrier) = carrier {
            carriers.insert(id, check_carrier(id, carrier, env)?);
        }
    }
    if carriers.is_empty() {
        return Err(invalid(
            "carriers",
            "no carrier is configured; add at least [carriers.inpost], [carriers.di] or [carriers.trackonline]",
        ));
    }
    Ok(carriers)
}

/// `[partners]`: partner ids to carriers, each a configured one.
pub(super) fn check_partners(
    file: BTreeMap<String, String>,
    carriers: &BTreeMap<Carrier, CarrierConfig>,
) -> Result<BTreeMap<String, Carrier>, ConfigError> {
    let mut partners = BTreeMap::new();
    for (partner_id, carrier_name) in file {
        let key = format!("partners.{partner_id}");
        if partner_id.is_empty()
            || partner_id.len() > 35
            || !partner_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(invalid(
                &key,
                "a partner id has 1 to 35 letters, digits, `-` or `_`",
            ));
        }
        let carrier = carrier_from_path_segment(&carrier_name).ok_or_else(|| {
            invalid(
                &key,
                format!("`{carrier_name}` is not a carrier (inpost, di, trackonline)"),
            )
        })?;
        if !carriers.contains_key(&carrier) {
            return Err(invalid(
                &key,
                format!("routes to {carrier}, which has no [carriers.{carrier}] section"),
            ));
        }
        partners.insert(partner_id, carrier);
    }
    Ok(partners)
}

fn check_carrier(
    id: Carrier,
    carrier: FileCarrier,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<CarrierConfig, ConfigError> {
    let section = format!("carriers.{id}");
    let base_key = format!("{section}.base_url");
    let base_url = carrier
        .base_url
        .or_else(|| id.production_base_url().map(str::to_owned))
        .ok_or_else(|| invalid(&base_key, format!("{id} has no adapter")))?;
    let parsed = Url::parse(&base_url)
        .map_err(|_| invalid(&base_key, format!("`{base_url}` is not a URL")))?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(invalid(
            &base_key,
            "must not contain a user name or password; use the credential keys",
        ));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(invalid(&base_key, "must not contain a query or fragment"));
    }
    let forbidden = match parsed.host() {
        Some(url::Host::Ipv4(ip)) => is_forbidden_upstream_ip(ip.into()),
        Some(url::Host::Ipv6(ip)) => is_forbidden_upstream_ip(ip.into()),
        _ => false,
    };
    if forbidden {
        return Err(invalid(
            &base_key,
            "points at a link-local or unspecified address (such as a cloud metadata service)",
        ));
    }
    let loopback = match parsed.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name == "localhost",
        None => return Err(invalid(&base_key, "has no host")),
    };
    match parsed.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => {
            return Err(invalid(
                &base_key,
                "plain http is only allowed to a loopback address (a local sandbox); credentials would travel in clear text",
            ))
        }
        other => return Err(invalid(&base_key, format!("scheme `{other}` is not http or https"))),
    }

    let credentials = match id {
        Carrier::Inpost => {
            refuse_key(&section, "username", carrier.username.is_some())?;
            refuse_key(&section, "password", carrier.password.is_some())?;
            refuse_key(&section, "api_key", carrier.api_key.is_some())?;
            refuse_key(&section, "token_minutes", carrier.token_minutes.is_some())?;
            Credentials::None
        }
        Carrier::Di => {
            refuse_key(&section, "api_key", carrier.api_key.is_some())?;
            let username =
                secret_value(&section, "username", carrier.username, ENV_DI_USERNAME, env)?;
            let password =
                secret_value(&section, "password", carrier.password, ENV_DI_PASSWORD, env)?;
            let token_minutes = carrier.token_minutes.unwrap_or(di::DEFAULT_TOKEN_MINUTES);
            if !di::TOKEN_MINUTES.contains(&token_minutes) {
                return Err(invalid(
                    format!("{section}.token_minutes"),
                    format!(
                        "Di tokens last {} to {} minutes",
                        di::TOKEN_MINUTES.start(),
                        di::TOKEN_MINUTES.end()
                    ),
                ));
            }
            Credentials::DiLogin {
                username,
                password: Secret::new(password),
                token_minutes,
            }
        }
        Carrier::Trackonline => {
            refuse_key(&section, "username", carrier.username.is_some())?;
            refuse_key(&section, "password", carrier.password.is_some())?;
            refuse_key(&section, "token_minutes", carrier.token_minutes.is_some())?;
            let key = secret_value(
                &section,
                "api_key",
                carrier.api_key,
                ENV_TRACKONLINE_API_KEY,
                env,
            )?;
            Credentials::ApiKey(Secret::new(key))
        }
        other => return Err(invalid(&section, format!("{other} has no adapter"))),
    };

    let client_share = carrier.client_share.unwrap_or(DEFAULT_CLIENT_SHARE);
    if !(client_share > 0.0 && client_share <= 1.0) {
        return Err(invalid(
            format!("{section}.client_share"),
            "the share of the budget one client may spend is above 0 and at most 1 (e.g. 0.5)",
        ));
    }
    let access_explicit = carrier.access.is_some();
    let access = carrier.access.unwrap_or(AccessMode::default_for(id));
    Ok(CarrierConfig {
        access,
        access_explicit,
        carrier: id,
        base_url: base_url.trim_end_matches('/').to_owned(),
        cache_ttl: Duration::from_secs(carrier.cache_ttl_secs.unwrap_or(60)),
        cache_max_bytes: positive(
            carrier.cache_max_bytes,
            8 << 20,
            &format!("{section}.cache_max_bytes"),
        )?,
        requests_per_minute: positive(
            carrier.requests_per_minute,
            id.default_requests_per_minute().unwrap_or(60),
            &format!("{section}.requests_per_minute"),
        )?,
        client_share,
        max_concurrent_requests: positive(
            carrier.max_concurrent_requests,
            32,
            &format!("{section}.max_concurrent_requests"),
        )?,
        credentials,
    })
}

/// One client may spend half a carrier's budget unless the file says otherwise.
pub const DEFAULT_CLIENT_SHARE: f64 = 0.5;

fn refuse_key(section: &str, name: &str, present: bool) -> Result<(), ConfigError> {
    if present {
        Err(invalid(
            format!("{section}.{name}"),
            "this carrier takes no such credential",
        ))
    } else {
        Ok(())
    }
}

/// Whether an address is one the proxy must never be pointed at by a redirect or a
/// configuration mistake: link-local (cloud metadata services) and unspecified addresses.
pub fn is_forbidden_upstream_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(ip) => ip.is_link_local() || ip.is_unspecified() || ip.is_broadcast(),
        IpAddr::V6(ip) => ip.is_unspecified() || (ip.segments()[0] & 0xffc0) == 0xfe80,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proxy::config::test_support::parse;

    #[test]
    fn a_missing_di_password_names_the_key_and_the_environment_variable() {
        let error = parse("[carriers.di]\nusername = \"shop\"\n")
            .unwrap_err()
            .to_string();
        assert!(error.contains("carriers.di.password"), "{error}");
        assert!(error.contains(ENV_DI_PASSWORD), "{error}");
    }

    #[test]
    fn the_environment_overrides_secrets_in_the_file() {
        let env = |name: &str| (name == ENV_TRACKONLINE_API_KEY).then(|| "from-env".to_owned());
        let config =
            ProxyConfig::parse("[carriers.trackonline]\napi_key = \"from-file\"\n", &env).unwrap();
        match &config.carriers[&Carrier::Trackonline].credentials {
            Credentials::ApiKey(key) => assert_eq!(key.expose(), "from-env"),
            other => panic!("unexpected credentials {other:?}"),
        }
    }

    #[test]
    fn private_carriers_need_a_signature_by_default_and_are_public_only_when_the_file_says_so() {
        let base = "[carriers.inpost]\n[carriers.trackonline]\napi_key = \"k\"\n";
        let config = parse(base).unwrap();
        assert_eq!(config.carriers[&Carrier::Inpost].access, AccessMode::Public);
        assert_eq!(
            config.carriers[&Carrier::Trackonline].access,
            AccessMode::Signed
        );
        assert!(config.publicly_exposed().is_empty());
        let open = parse(&format!("{base}access = \"public\"\n")).unwrap();
        assert_eq!(open.publicly_exposed(), [Carrier::Trackonline]);
        assert!(parse(&format!("{base}access = \"open\"\n")).is_err());
    }

    #[test]
    fn plain_http_to_a_carrier_is_only_allowed_on_loopback() {
        let error = parse("[carriers.inpost]\nbase_url = \"http://tracking.example\"\n")
            .unwrap_err()
            .to_string();
        assert!(error.contains("carriers.inpost.base_url"), "{error}");
        assert!(parse("[carriers.inpost]\nbase_url = \"http://127.0.0.1:9/sandbox/\"\n").is_ok());
    }

    #[test]
    fn a_carrier_at_a_metadata_address_is_refused() {
        let error = parse("[carriers.inpost]\nbase_url = \"https://169.254.169.254\"\n")
            .unwrap_err()
            .to_string();
        assert!(error.contains("carriers.inpost.base_url"), "{error}");
    }

    #[test]
    fn a_partner_routed_to_an_unconfigured_carrier_is_refused() {
        let error = parse("[carriers.inpost]\n[partners]\n\"4711\" = \"di\"\n")
            .unwrap_err()
            .to_string();
        assert!(error.contains("partners.4711"), "{error}");
    }
}
