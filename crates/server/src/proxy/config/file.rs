//! The configuration file's shape, as TOML. Unknown keys are errors: a misspelt
//! `require_access_key` must not silently leave a site open.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;

use super::sites::WithoutOrigin;
use crate::proxy::access::AccessMode;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileConfig {
    #[serde(default)]
    pub(super) server: FileServer,
    #[serde(default)]
    pub(super) cors: FileCors,
    #[serde(default)]
    pub(super) sites: Vec<FileSite>,
    #[serde(default)]
    pub(super) access_keys: FileAccessKeys,
    #[serde(default)]
    pub(super) access: FileAccess,
    #[serde(default)]
    pub(super) rate_limits: FileRateLimits,
    #[serde(default)]
    pub(super) carriers: FileCarriers,
    #[serde(default)]
    pub(super) partners: BTreeMap<String, String>,
    #[serde(default)]
    pub(super) shared: FileShared,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileShared {
    pub(super) redis_url: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileServer {
    pub(super) listen: Option<String>,
    pub(super) max_concurrent_requests: Option<usize>,
    #[serde(default)]
    pub(super) trusted_proxies: Vec<String>,
    pub(super) requests_without_origin: Option<WithoutOrigin>,
    pub(super) connect_timeout_ms: Option<u64>,
    pub(super) timeout_ms: Option<u64>,
    pub(super) max_response_bytes: Option<usize>,
    pub(super) metrics: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileCors {
    #[serde(default)]
    pub(super) allow_any_origin: bool,
    pub(super) max_age_secs: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileSite {
    pub(super) name: String,
    pub(super) origins: Vec<String>,
    /// Earlier versions' per-site key requirement; refused with an explanation.
    pub(super) require_access_key: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileAccessKeys {
    pub(super) file: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileAccess {
    pub(super) database: Option<PathBuf>,
    pub(super) admin_token: Option<String>,
    pub(super) link_secret: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileRateLimits {
    pub(super) per_client_ip_per_minute: Option<u32>,
    pub(super) per_client_ip_burst: Option<u32>,
    pub(super) per_access_key_per_minute: Option<u32>,
    pub(super) per_access_key_burst: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileCarriers {
    pub(super) inpost: Option<FileCarrier>,
    pub(super) di: Option<FileCarrier>,
    pub(super) trackonline: Option<FileCarrier>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileCarrier {
    pub(super) base_url: Option<String>,
    pub(super) cache_ttl_secs: Option<u64>,
    pub(super) cache_max_bytes: Option<usize>,
    pub(super) requests_per_minute: Option<u32>,
    pub(super) client_share: Option<f64>,
    pub(super) max_concurrent_requests: Option<usize>,
    // Di
    pub(super) username: Option<String>,
    pub(super) password: Option<String>,
    pub(super) token_minutes: Option<u32>,
    // TrackOnline
    pub(super) api_key: Option<String>,
    pub(super) access: Option<AccessMode>,
}
