//! The proxy's configuration: one TOML file, secrets overridable from the environment, checked
//! completely at start-up so that a mistake stops the proxy with the name of the key to fix
//! instead of surfacing as a leak or an outage later.

use std::collections::BTreeMap;
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use reqwest::Url;
use serde::Deserialize;

use trackline_core::carrier::di;

use super::access::AccessMode;
use super::client_ip::IpNet;

pub use trackline_core::carrier::Carrier;

/// A carrier the proxy can call, by its name in paths and configuration (`inpost`, `di`,
/// `trackonline`): only carriers with an adapter.
pub fn carrier_from_path_segment(segment: &str) -> Option<Carrier> {
    Carrier::WITH_ADAPTER
        .into_iter()
        .find(|carrier| carrier.as_str() == segment)
}

/// A credential. Its `Debug` output is redacted so that logging a configuration cannot leak it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
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

fn invalid(key: impl Into<String>, problem: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        key: key.into(),
        problem: problem.into(),
    }
}

// The file's shape. Unknown keys are errors: a misspelt `require_access_key` must not silently
// leave a site open.

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    #[serde(default)]
    server: FileServer,
    #[serde(default)]
    cors: FileCors,
    #[serde(default)]
    sites: Vec<FileSite>,
    #[serde(default)]
    access_keys: FileAccessKeys,
    #[serde(default)]
    access: FileAccess,
    #[serde(default)]
    rate_limits: FileRateLimits,
    #[serde(default)]
    carriers: FileCarriers,
    #[serde(default)]
    partners: BTreeMap<String, String>,
    #[serde(default)]
    shared: FileShared,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileShared {
    redis_url: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileServer {
    listen: Option<String>,
    max_concurrent_requests: Option<usize>,
    #[serde(default)]
    trusted_proxies: Vec<String>,
    requests_without_origin: Option<WithoutOrigin>,
    connect_timeout_ms: Option<u64>,
    timeout_ms: Option<u64>,
    max_response_bytes: Option<usize>,
    metrics: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileCors {
    #[serde(default)]
    allow_any_origin: bool,
    max_age_secs: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSite {
    name: String,
    origins: Vec<String>,
    /// Earlier versions' per-site key requirement; refused with an explanation.
    require_access_key: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileAccessKeys {
    file: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileAccess {
    database: Option<PathBuf>,
    admin_token: Option<String>,
    link_secret: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileRateLimits {
    per_client_ip_per_minute: Option<u32>,
    per_client_ip_burst: Option<u32>,
    per_access_key_per_minute: Option<u32>,
    per_access_key_burst: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileCarriers {
    inpost: Option<FileCarrier>,
    di: Option<FileCarrier>,
    trackonline: Option<FileCarrier>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileCarrier {
    base_url: Option<String>,
    cache_ttl_secs: Option<u64>,
    cache_max_bytes: Option<usize>,
    requests_per_minute: Option<u32>,
    client_share: Option<f64>,
    max_concurrent_requests: Option<usize>,
    // Di
    username: Option<String>,
    password: Option<String>,
    token_minutes: Option<u32>,
    // TrackOnline
    api_key: Option<String>,
    access: Option<AccessMode>,
}

/// The environment variables that override secrets in the file.
pub const ENV_DI_USERNAME: &str = "TRACKLINE_DI_USERNAME";
pub const ENV_DI_PASSWORD: &str = "TRACKLINE_DI_PASSWORD";
pub const ENV_TRACKONLINE_API_KEY: &str = "TRACKLINE_TRACKONLINE_API_KEY";
pub const ENV_ADMIN_TOKEN: &str = "TRACKLINE_ADMIN_TOKEN";
pub const ENV_LINK_SECRET: &str = "TRACKLINE_LINK_SECRET";
pub const ENV_REDIS_URL: &str = "TRACKLINE_REDIS_URL";
/// The access database's file name beside the configuration when `access.database` is not set.
pub const DEFAULT_ACCESS_DATABASE: &str = "trackline-access.sqlite";
/// The shortest admin token or link secret accepted: shorter ones can be guessed.
const MIN_SECRET_CHARS: usize = 16;

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
        let server = file.server;

        let listen = match server.listen.as_deref() {
            None => SocketAddr::from(([127, 0, 0, 1], 8787)),
            Some(text) => text.parse().map_err(|_| {
                invalid(
                    "server.listen",
                    format!("`{text}` is not an address such as 127.0.0.1:8787"),
                )
            })?,
        };
        let max_concurrent_requests = positive(
            server.max_concurrent_requests,
            256,
            "server.max_concurrent_requests",
        )?;
        let trusted_proxies = server
            .trusted_proxies
            .iter()
            .enumerate()
            .map(|(index, text)| {
                let key = format!("server.trusted_proxies[{index}]");
                let net: IpNet = text
                    .parse()
                    .map_err(|_| invalid(&key, format!("`{text}` is not an IP address or CIDR range")))?;
                if net.prefix_len() == 0 {
                    return Err(invalid(
                        &key,
                        "trusting every address lets any client choose the IP its rate limit is counted against",
                    ));
                }
                Ok(net)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let connect_timeout = Duration::from_millis(positive(
            server.connect_timeout_ms,
            2_000,
            "server.connect_timeout_ms",
        )?);
        let total_timeout =
            Duration::from_millis(positive(server.timeout_ms, 8_000, "server.timeout_ms")?);
        if connect_timeout > total_timeout {
            return Err(invalid(
                "server.connect_timeout_ms",
                "is longer than server.timeout_ms",
            ));
        }
        let max_response_bytes = positive(
            server.max_response_bytes,
            1 << 20,
            "server.max_response_bytes",
        )?;

        let sites = check_sites(file.sites)?;
        let without_origin = server
            .requests_without_origin
            .unwrap_or(WithoutOrigin::Allow);
        if without_origin == WithoutOrigin::RequireAccessKey {
            return Err(invalid(
                "server.requests_without_origin",
                "\"require_access_key\" is gone: whether a key is needed no longer depends on the Origin \
                 header, which any client sets freely. Use \"allow\" or \"refuse\" here, and set \
                 carriers.<carrier>.access = \"key\" (or \"signed\") for the carriers that need one",
            ));
        }
        let access_keys_file = file.access_keys.file;
        let access_database = file.access.database;
        let admin_token = optional_secret(
            "access.admin_token",
            file.access.admin_token,
            ENV_ADMIN_TOKEN,
            env,
        )?;
        let redis_url = redis_url(file.shared.redis_url, env)?;
        let link_secret = optional_secret(
            "access.link_secret",
            file.access.link_secret,
            ENV_LINK_SECRET,
            env,
        )?;

        let limits = file.rate_limits;
        let per_ip_per_minute = positive(
            limits.per_client_ip_per_minute,
            120,
            "rate_limits.per_client_ip_per_minute",
        )?;
        let per_ip_burst = positive(
            limits.per_client_ip_burst,
            30,
            "rate_limits.per_client_ip_burst",
        )?;
        let per_key_per_minute = positive(
            limits.per_access_key_per_minute,
            1_200,
            "rate_limits.per_access_key_per_minute",
        )?;
        let per_key_burst = positive(
            limits.per_access_key_burst,
            120,
            "rate_limits.per_access_key_burst",
        )?;

        let mut carriers = BTreeMap::new();
        let file_carriers = [
            (Carrier::Inpost, file.carriers.inpost),
            (Carrier::Di, file.carriers.di),
            (Carrier::Trackonline, file.carriers.trackonline),
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

        let mut partners = BTreeMap::new();
        for (partner_id, carrier_name) in file.partners {
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

        Ok(ProxyConfig {
            listen,
            max_concurrent_requests,
            trusted_proxies,
            without_origin,
            connect_timeout,
            total_timeout,
            max_response_bytes,
            expose_metrics: server.metrics.unwrap_or(true),
            sites,
            allow_any_origin: file.cors.allow_any_origin,
            cors_max_age: Duration::from_secs(file.cors.max_age_secs.unwrap_or(600)),
            access_keys_file,
            access_database,
            redis_url,
            admin_token,
            link_secret,
            per_ip_per_minute,
            per_ip_burst,
            per_key_per_minute,
            per_key_burst,
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

    /// The site whose origins include `origin`, if any.
    pub fn site_for_origin(&self, origin: &str) -> Option<&SiteConfig> {
        self.sites
            .iter()
            .find(|site| site.origins.iter().any(|allowed| allowed == origin))
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

fn check_sites(sites: Vec<FileSite>) -> Result<Vec<SiteConfig>, ConfigError> {
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
fn check_origin(key: &str, origin: &str) -> Result<String, ConfigError> {
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

/// The environment wins over the file, so the file can be committed without secrets.
fn secret_value(
    section: &str,
    name: &str,
    from_file: Option<String>,
    env_name: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<String, ConfigError> {
    let value = env(env_name)
        .filter(|value| !value.is_empty())
        .or(from_file.filter(|value| !value.is_empty()));
    value.ok_or_else(|| ConfigError::MissingSecret {
        key: format!("{section}.{name}"),
        env: env_name.to_owned(),
    })
}

/// An optional secret (admin token, link secret): the environment wins over the file; a short
/// one is refused.
fn optional_secret(
    key: &str,
    from_file: Option<String>,
    env_name: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<Secret>, ConfigError> {
    let value = env(env_name)
        .filter(|value| !value.is_empty())
        .or(from_file.filter(|value| !value.is_empty()));
    match value {
        Some(value) if value.chars().count() < MIN_SECRET_CHARS => Err(invalid(
            key,
            format!(
                "must have at least {MIN_SECRET_CHARS} characters (from the file or {env_name}); \
                 a shorter one can be guessed"
            ),
        )),
        Some(value) => Ok(Some(Secret::new(value))),
        None => Ok(None),
    }
}

/// `shared.redis_url`, or `TRACKLINE_REDIS_URL` (which wins), checked without connecting. The
/// error names the key and never repeats the URL, which may hold a password.
fn redis_url(
    from_file: Option<String>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<Secret>, ConfigError> {
    let value = env(ENV_REDIS_URL)
        .filter(|value| !value.is_empty())
        .or(from_file.filter(|value| !value.is_empty()));
    match value {
        Some(url) => {
            super::store::check_redis_url(&url).map_err(|problem| {
                invalid(
                    "shared.redis_url",
                    format!("{problem} (from the file or {ENV_REDIS_URL})"),
                )
            })?;
            Ok(Some(Secret::new(url)))
        }
        None => Ok(None),
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

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn parse(text: &str) -> Result<ProxyConfig, ConfigError> {
        ProxyConfig::parse(text, &no_env)
    }

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
    fn the_admin_token_and_link_secret_come_from_the_environment_and_must_be_long() {
        let env = |name: &str| match name {
            ENV_ADMIN_TOKEN => Some("admin-token-from-the-environment".to_owned()),
            ENV_LINK_SECRET => Some("short".to_owned()),
            _ => None,
        };
        let error = ProxyConfig::parse("[carriers.inpost]\n", &env)
            .unwrap_err()
            .to_string();
        assert!(error.contains("access.link_secret"), "{error}");
        let config = ProxyConfig::parse(
            "[carriers.inpost]\n[access]\nlink_secret = \"a-long-enough-link-secret\"\n",
            &|name| {
                (name == ENV_ADMIN_TOKEN).then(|| "admin-token-from-the-environment".to_owned())
            },
        )
        .unwrap();
        assert_eq!(
            config.admin_token.as_ref().map(Secret::expose),
            Some("admin-token-from-the-environment")
        );
        assert!(config.secrets().contains(&"a-long-enough-link-secret"));
        assert!(!format!("{config:?}").contains("a-long-enough-link-secret"));
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
    fn the_documented_example_is_a_valid_configuration() {
        let text = include_str!("../../../../examples/proxy.toml");
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

    #[test]
    fn trusting_every_address_as_a_front_proxy_is_refused() {
        let error = parse("[carriers.inpost]\n[server]\ntrusted_proxies = [\"0.0.0.0/0\"]\n")
            .unwrap_err()
            .to_string();
        assert!(error.contains("server.trusted_proxies[0]"), "{error}");
    }

    #[test]
    fn a_partner_routed_to_an_unconfigured_carrier_is_refused() {
        let error = parse("[carriers.inpost]\n[partners]\n\"4711\" = \"di\"\n")
            .unwrap_err()
            .to_string();
        assert!(error.contains("partners.4711"), "{error}");
    }

    #[test]
    fn a_redis_url_comes_from_the_file_or_the_environment_and_a_bad_one_names_the_key() {
        let config =
            parse("[carriers.inpost]\n[shared]\nredis_url = \"redis://127.0.0.1:6379/2\"\n")
                .unwrap();
        assert_eq!(
            config.redis_url.as_ref().map(Secret::expose),
            Some("redis://127.0.0.1:6379/2")
        );
        assert!(parse("[carriers.inpost]\n").unwrap().redis_url.is_none());
        let env = |name: &str| {
            (name == ENV_REDIS_URL).then(|| "redis://:fleet-password@10.0.0.5:6380/1".to_owned())
        };
        let config = ProxyConfig::parse(
            "[carriers.inpost]\n[shared]\nredis_url = \"redis://127.0.0.1:6379/0\"\n",
            &env,
        )
        .unwrap();
        assert!(config
            .secrets()
            .contains(&"redis://:fleet-password@10.0.0.5:6380/1"));
        assert!(!format!("{config:?}").contains("fleet-password"));
        for url in [
            "http://:fleet-password@10.0.0.5/0",
            "redis://:fleet-password@10.0.0.5:6380/notanumber",
            "redis://:fleet-password@",
        ] {
            let text = format!("[carriers.inpost]\n[shared]\nredis_url = \"{url}\"\n");
            let error = parse(&text).expect_err(url).to_string();
            assert!(error.contains("shared.redis_url"), "{url}: {error}");
            assert!(error.contains(ENV_REDIS_URL), "{url}: {error}");
            assert!(!error.contains("fleet-password"), "{url}: {error}");
        }
    }

    #[test]
    fn secrets_do_not_show_in_debug_output() {
        let config = ProxyConfig::parse(
            "[carriers.di]\nusername = \"shop\"\npassword = \"hunter2-di\"\n[carriers.trackonline]\napi_key = \"to-key-123\"\n",
            &no_env,
        )
        .unwrap();
        let debug = format!("{config:?}");
        assert!(
            !debug.contains("hunter2-di") && !debug.contains("to-key-123"),
            "{debug}"
        );
        assert_eq!(config.secrets().len(), 2);
    }
}
