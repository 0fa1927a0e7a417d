//! The proxy's configuration: one TOML file, secrets overridable from the environment, checked
//! completely at start-up so that a mistake stops the proxy with the name of the key to fix
//! instead of surfacing as a leak or an outage later.

mod carriers;
mod file;
mod limits;
mod secrets;
mod shared;
mod sites;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::client_ip::IpNet;
use file::FileConfig;

pub use carriers::{
    carrier_from_path_segment, is_forbidden_upstream_ip, Carrier, CarrierConfig, Credentials,
    DEFAULT_CLIENT_SHARE,
};
pub use secrets::{
    Secret, ENV_ADMIN_TOKEN, ENV_DI_PASSWORD, ENV_DI_USERNAME, ENV_LINK_SECRET, ENV_REDIS_URL,
    ENV_TRACKONLINE_API_KEY,
};
pub use sites::{SiteConfig, WithoutOrigin};

#[derive(Debug, Clone)]
pub struct ProxyConfig {
    pub listen: SocketAddr,
    /// Requests handled at once; the rest are shed with 503 at once rather than queued.
    pub max_concurrent_requests: usize,
    pub trusted_proxies: Vec<IpNet>,
    pub without_origin: WithoutOrigin,
    pub connect_timeout: Duration,
    pub total_timeout: Duration,
    pub max_response_bytes: usize,
    pub expose_metrics: bool,
    pub sites: Vec<SiteConfig>,
    /// Answer CORS for every origin: only when the file asks for it in so many words.
    pub allow_any_origin: bool,
    pub cors_max_age: Duration,
    /// The key file of earlier versions, migrated into the access database once.
    pub access_keys_file: Option<PathBuf>,
    /// The access database (users, keys, scopes); `None` keeps it in memory.
    pub access_database: Option<PathBuf>,
    /// The Redis that a fleet of replicas shares the access model in (`shared.redis_url`);
    /// `None` keeps it in SQLite. A secret: it may hold a password.
    pub redis_url: Option<Secret>,
    /// The admin API's bearer token; without one the admin API is off.
    pub admin_token: Option<Secret>,
    /// The secret signed links are signed with; without one no signed link is accepted.
    pub link_secret: Option<Secret>,
    pub per_ip_per_minute: u32,
    pub per_ip_burst: u32,
    pub per_key_per_minute: u32,
    pub per_key_burst: u32,
    pub carriers: BTreeMap<Carrier, CarrierConfig>,
    /// conizi partner ids (`vp`, `ep`, `ap`) to the carrier that tracks their numbers.
    pub partners: BTreeMap<String, Carrier>,
}

/// Why the configuration cannot be used. Each names the key to fix.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the proxy configuration {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the proxy configuration is not valid TOML or has an unknown key: {0}")]
    Syntax(String),
    #[error("{key}: {problem}")]
    Invalid { key: String, problem: String },
    #[error(
        "{key} is missing: set it in the configuration file or in the environment variable {env}"
    )]
    MissingSecret { key: String, env: String },
    #[error("unsafe CORS configuration at {key}: {problem}")]
    UnsafeCors { key: String, problem: String },
}

pub(super) fn invalid(key: impl Into<String>, problem: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        key: key.into(),
        problem: problem.into(),
    }
}

/// The access database's file name beside the configuration when `access.database` is not set.
pub const DEFAULT_ACCESS_DATABASE: &str = "trackline-access.sqlite";
impl ProxyConfig {
    /// Reads the file and the secret overrides from the process environment. A relative
    /// `access_keys.file` is taken relative to the configuration file's folder.
    pub fn load(path: &Path) -> Result<ProxyConfig, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        let mut config = ProxyConfig::parse(&text, &|name| std::env::var(name).ok())?;
        let folder = path.parent().unwrap_or(Path::new("."));
        if let Some(file) = &config.access_keys_file {
            if file.is_relative() {
                config.access_keys_file = Some(folder.join(file));
            }
        }
        let database = config
            .access_database
            .take()
            .unwrap_or_else(|| PathBuf::from(DEFAULT_ACCESS_DATABASE));
        config.access_database = Some(if database.is_relative() {
            folder.join(database)
        } else {
            database
        });
        Ok(config)
    }

    /// Parses and checks a configuration; `env` looks up secret overrides (tests pass a map).
    pub fn parse(
        text: &str,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<ProxyConfig, ConfigError> {
        let file: FileConfig =
            toml::from_str(text).map_err(|error| ConfigError::Syntax(error.to_string()))?;
        let server = limits::check_server(&file.server)?;
        let sites = sites::check_sites(file.sites)?;
        let without_origin = sites::check_without_origin(file.server.requests_without_origin)?;
        let access_keys_file = file.access_keys.file;
        let access_database = file.access.database;
        let admin_token = secrets::optional_secret(
            "access.admin_token",
            file.access.admin_token,
            ENV_ADMIN_TOKEN,
            env,
        )?;
        let redis_url = shared::redis_url(file.shared.redis_url, env)?;
        let link_secret = secrets::optional_secret(
            "access.link_secret",
            file.access.link_secret,
            ENV_LINK_SECRET,
            env,
        )?;
        let limits = limits::check_limits(file.rate_limits)?;
        let carriers = carriers::check_carriers(file.carriers, env)?;
        let partners = carriers::check_partners(file.partners, &carriers)?;

        Ok(ProxyConfig {
            listen: server.listen,
            max_concurrent_requests: server.max_concurrent_requests,
            trusted_proxies: server.trusted_proxies,
            without_origin,
            connect_timeout: server.connect_timeout,
            total_timeout: server.total_timeout,
            max_response_bytes: server.max_response_bytes,
            expose_metrics: file.server.metrics.unwrap_or(true),
            sites,
            allow_any_origin: file.cors.allow_any_origin,
            cors_max_age: Duration::from_secs(file.cors.max_age_secs.unwrap_or(600)),
            access_keys_file,
            access_database,
            redis_url,
            admin_token,
            link_secret,
            per_ip_per_minute: limits.per_ip_per_minute,
            per_ip_burst: limits.per_ip_burst,
            per_key_per_minute: limits.per_key_per_minute,
            per_key_burst: limits.per_key_burst,
            carriers,
            partners,
        })
    }

    /// Every secret in the configuration, for the tests' leak scans.
    pub fn secrets(&self) -> Vec<&str> {
        self.carriers
            .values()
            .flat_map(|carrier| match &carrier.credentials {
                Credentials::None => vec![],
                Credentials::DiLogin { password, .. } => vec![password.expose()],
                Credentials::ApiKey(key) => vec![key.expose()],
            })
            .chain(self.admin_token.iter().map(Secret::expose))
            .chain(self.link_secret.iter().map(Secret::expose))
            .chain(self.redis_url.iter().map(Secret::expose))
            .collect()
    }
}

fn positive<T: Default + PartialEq + Copy>(
    value: Option<T>,
    default: T,
    key: &str,
) -> Result<T, ConfigError> {
    match value {
        Some(value) if value == T::default() => Err(invalid(key, "must be greater than zero")),
        Some(value) => Ok(value),
        None => Ok(default),
    }
}

/// What the configuration tests of every concern share: parsing without an environment.
#[cfg(test)]
pub(crate) mod test_support {
    use super::{ConfigError, ProxyConfig};

    pub fn no_env(_: &str) -> Option<String> {
        None
    }

    pub fn parse(text: &str) -> Result<ProxyConfig, ConfigError> {
        ProxyConfig::parse(text, &no_env)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proxy::access::AccessMode;
    use crate::proxy::config::test_support::parse;

    #[test]
    fn a_minimal_file_gets_production_hosts_and_safe_defaults() {
        let config = parse("[carriers.inpost]\n").unwrap();
        let inpost = &config.carriers[&Carrier::Inpost];
        assert_eq!(
            Some(inpost.base_url.as_str()),
            Carrier::Inpost.production_base_url()
        );
        assert_eq!(config.listen.to_string(), "127.0.0.1:8787");
        assert!(!config.allow_any_origin);
        assert_eq!(config.without_origin, WithoutOrigin::Allow);
    }

    #[test]
    fn a_misspelt_key_is_named_in_the_error() {
        let error = parse("[carriers.inpost]\ncache_tll_secs = 5\n")
            .unwrap_err()
            .to_string();
        assert!(error.contains("cache_tll_secs"), "{error}");
    }

    #[test]
    fn the_documented_example_is_a_valid_configuration() {
        let text = include_str!("../../../../../examples/proxy.toml");
        let env = |name: &str| match name {
            ENV_DI_PASSWORD => Some("from-the-environment".to_owned()),
            ENV_TRACKONLINE_API_KEY => Some("also-from-the-environment".to_owned()),
            _ => None,
        };
        let config = ProxyConfig::parse(text, &env).unwrap();
        assert_eq!(config.carriers.len(), 3);
        assert_eq!(config.sites.len(), 2);
        assert_eq!(config.without_origin, WithoutOrigin::Allow);
        assert_eq!(config.carriers[&Carrier::Di].access, AccessMode::Signed);
        assert_eq!(
            config.carriers[&Carrier::Trackonline].access,
            AccessMode::Key
        );
        assert!(config.publicly_exposed().is_empty());
        assert_eq!(config.partners.get("4711"), Some(&Carrier::Di));
    }
}
