//! Users, their access keys and what they may see: the access model's data. [`Store`] is the
//! interface the proxy and the CLI use; [`SqliteStore`] is the embedded implementation (one
//! file beside the proxy configuration); [`RedisStore`] is the shared one, for several replicas
//! (`[shared] redis_url`).
//!
//! A user has a name, any number of keys (only SHA-256 hashes are stored) and a scope: the
//! shipment references registered to the user, and the partner ids bound to the user. A partner
//! user sees every shipment that anyone registered with that partner's `vp`/`ep`/`ap` pair.

pub mod conformance;
pub(crate) mod redis;
mod sqlite;

use std::path::Path;

use async_trait::async_trait;
use serde::Serialize;
use trackline_core::reference::{self, Reference};

pub use self::redis::{check_url as check_redis_url, RedisStore, TIMEOUT as REDIS_TIMEOUT};
pub use sqlite::SqliteStore;

use super::keys::{self, KeyError};

/// The most references one call may add or remove.
pub const MAX_REFERENCES_PER_CALL: usize = 1_000;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the access database {path}: {source}")]
    Open {
        path: String,
        source: rusqlite::Error,
    },
    #[error("the access database failed: {0}")]
    Database(#[from] rusqlite::Error),
    #[error(
        "the access database has schema version {found}, newer than this Trackline knows ({known}); \
         run the newer Trackline or restore a backup"
    )]
    NewerSchema { found: i64, known: i64 },
    #[error("the shared access store (Redis) failed: {0}")]
    Redis(#[from] ::redis::RedisError),
    #[error("shared.redis_url: {0}")]
    RedisUrl(String),
    #[error("no user is named `{0}`")]
    UnknownUser(String),
    #[error("a key named `{0}` already exists; revoke it first or pick another name")]
    DuplicateKey(String),
    #[error("no key is named `{0}`")]
    UnknownKey(String),
    #[error("`{0}` is not a name: use 1 to 64 letters, digits, `.`, `-` or `_`")]
    InvalidName(String),
    #[error("`{0}` is not a partner id: use 1 to 35 letters, digits, `-` or `_`")]
    InvalidPartner(String),
    #[error("reference {index} (`{text}`): {problem}")]
    InvalidReference {
        index: usize,
        text: String,
        problem: String,
    },
    #[error("at most {MAX_REFERENCES_PER_CALL} references per call, not {0}")]
    TooManyReferences(usize),
    #[error(transparent)]
    Keys(#[from] KeyError),
    /// The call's task ended without an answer (it panicked, or the runtime is shutting down).
    #[error("the access database call did not finish: {0}")]
    Unfinished(#[source] tokio::task::JoinError),
}

/// A user as listed: never a key, only counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub name: String,
    pub created_unix: i64,
    pub partners: Vec<String>,
    pub keys: u64,
    pub shipments: u64,
}

/// A key as listed: its name and owner, never the key or its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyRecord {
    pub name: String,
    pub user: String,
    pub created_unix: i64,
}

/// Who a presented key belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyOwner {
    pub user: String,
    pub key: String,
}

/// One reference registered to a user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegisteredShipment {
    /// The reference as core types it, with its number normalized.
    pub reference: Reference,
    pub added_unix: i64,
}

/// A page of a user's shipments, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShipmentPage {
    pub shipments: Vec<RegisteredShipment>,
    pub total: u64,
    pub page: u32,
    pub per_page: u32,
}

/// Which of a user's shipments to list: the overview's query, as core defines it.
pub use trackline_core::overview::ShipmentsQuery;

/// What adding references changed: the call is idempotent, so repeats are counted apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Added {
    pub added: u64,
    pub already_registered: u64,
}

/// The access model's data, one async interface over SQLite and Redis: the proxy awaits it on
/// its own threads, and neither implementation blocks them (SQLite runs on tokio's blocking
/// threads; Redis is asked on the async client, each call bounded in time).
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Creates the user if missing; true when it was created.
    async fn ensure_user(&self, name: &str) -> Result<bool, StoreError>;
    async fn users(&self) -> Result<Vec<User>, StoreError>;
    async fn user(&self, name: &str) -> Result<User, StoreError>;
    /// Binds a partner id (conizi `vp`/`ep`/`ap`) to the user; true when it was new.
    async fn bind_partner(&self, user: &str, partner_id: &str) -> Result<bool, StoreError>;
    /// True when the binding existed.
    async fn unbind_partner(&self, user: &str, partner_id: &str) -> Result<bool, StoreError>;

    /// Creates a key named `key_name` for `user` and returns it; only its hash is stored.
    async fn create_key(&self, user: &str, key_name: &str) -> Result<String, StoreError> {
        let key = keys::generate_key()?;
        self.insert_key_hash(user, key_name, keys::hash_key(&key), now_unix())
            .await?;
        Ok(key)
    }
    /// Stores a key's hash (new keys, and keys migrated from the old key file).
    async fn insert_key_hash(
        &self,
        user: &str,
        key_name: &str,
        sha256: [u8; 32],
        created_unix: i64,
    ) -> Result<(), StoreError>;
    /// Every key, or one user's.
    async fn keys(&self, user: Option<&str>) -> Result<Vec<KeyRecord>, StoreError>;
    /// Revokes a key by name; the next request with it is refused.
    async fn revoke_key(&self, key_name: &str) -> Result<(), StoreError>;
    /// Whose key `presented` is, if it is a current key.
    async fn verify_key(&self, presented: &str) -> Result<Option<KeyOwner>, StoreError>;

    /// Registers references to the user. Idempotent.
    async fn add_shipments(
        &self,
        user: &str,
        references: &[Reference],
    ) -> Result<Added, StoreError>;
    /// Removes references from the user; returns how many were registered.
    async fn remove_shipments(
        &self,
        user: &str,
        references: &[Reference],
    ) -> Result<u64, StoreError>;
    async fn shipments(
        &self,
        user: &str,
        query: &ShipmentsQuery,
    ) -> Result<ShipmentPage, StoreError>;
    /// The shipments the user may see: registered to the user, or registered by anyone with a
    /// partner id bound to the user; each reference once, newest first.
    async fn visible_shipments(
        &self,
        user: &str,
        query: &ShipmentsQuery,
    ) -> Result<ShipmentPage, StoreError>;
    /// Whether any of `numbers` (normalized) is in the user's scope: registered to the user, or
    /// registered by anyone with a partner id bound to the user.
    async fn in_scope(&self, user: &str, numbers: &[String]) -> Result<bool, StoreError>;

    /// A one-time marker (such as "this key file was migrated"), and setting it.
    async fn marker(&self, name: &str) -> Result<Option<String>, StoreError>;
    async fn set_marker(&self, name: &str, value: &str) -> Result<(), StoreError>;
}

pub fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::SystemTime::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs() as i64)
        .unwrap_or(0)
}

pub fn check_name(name: &str) -> Result<(), StoreError> {
    let valid = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
    if valid {
        Ok(())
    } else {
        Err(StoreError::InvalidName(name.to_owned()))
    }
}

pub fn check_partner(partner_id: &str) -> Result<(), StoreError> {
    let valid = !partner_id.is_empty()
        && partner_id.len() <= 35
        && partner_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'));
    if valid {
        Ok(())
    } else {
        Err(StoreError::InvalidPartner(partner_id.to_owned()))
    }
}

/// A reference's number in the one form the proxy compares: core's normalization of a value
/// (the same the proxy applies to a requested value before any carrier call).
pub fn normalize_number(number: &str) -> Result<String, String> {
    reference::validate_value(number).map_err(|error| error.to_string())
}

/// Reads one reference written as in a link (`sscc=…`, `cref=…`, `vp=4711&vpref=…`, or a bare
/// tracking number) with core's link parser, and normalizes its number.
pub fn parse_reference(index: usize, text: &str) -> Result<Reference, StoreError> {
    let invalid = |problem: String| StoreError::InvalidReference {
        index,
        text: text.chars().take(80).collect(),
        problem,
    };
    let link = reference::parse(text);
    if let Some(error) = link.errors.first() {
        return Err(invalid(error.to_string()));
    }
    if link.access_key.is_some() {
        return Err(invalid(
            "an access key (`id`) is not a shipment reference".into(),
        ));
    }
    let mut references = link.references.into_iter();
    let (Some(reference), None) = (references.next(), references.next()) else {
        return Err(invalid(
            "write exactly one reference, such as `sscc=…`, `cref=…` or `vp=4711&vpref=…`".into(),
        ));
    };
    normalize_reference(reference).map_err(invalid)
}

/// The reference with its number (and partner id) in the proxy's compared form.
pub fn normalize_reference(mut reference: Reference) -> Result<Reference, String> {
    let normalized = normalize_number(reference.number())?;
    match &mut reference {
        Reference::TrackingNumber { number, .. }
        | Reference::CustomerReference { number }
        | Reference::Sscc { number }
        | Reference::DeliveryNote { number }
        | Reference::OrderNumber { number }
        | Reference::Gsin { number }
        | Reference::Ginc { number } => *number = normalized,
        Reference::PartnerReference {
            partner_id, number, ..
        } => {
            check_partner(partner_id).map_err(|error| error.to_string())?;
            *number = normalized;
        }
    }
    Ok(reference)
}

/// The partner id of a partner reference, empty for every other kind.
pub fn partner_of(reference: &Reference) -> &str {
    match reference {
        Reference::PartnerReference { partner_id, .. } => partner_id,
        _ => "",
    }
}

/// The kind's name as core serializes it (`tracking_number`, `sscc`, ...).
pub fn kind_of(reference: &Reference) -> String {
    serde_json::to_value(reference)
        .ok()
        .and_then(|value| {
            value
                .get("kind")
                .and_then(|kind| kind.as_str().map(str::to_owned))
        })
        .unwrap_or_default()
}

/// The marker that records the old key file's migration.
const KEY_FILE_MARKER: &str = "key_file_migrated";

/// Moves the keys of the old key file (`access_keys.file`) into the store, once: each key
/// becomes a user of the key's name with that key. The file is left in place and no longer read.
pub async fn migrate_key_file(store: &dyn Store, path: &Path) -> Result<usize, StoreError> {
    // The file first: a store that is unreachable (a shared Redis down) must not stop a start-up
    // that has nothing to migrate.
    if !path.exists() || store.marker(KEY_FILE_MARKER).await?.is_some() {
        return Ok(0);
    }
    let keys = keys::list_keys(path)?;
    for key in &keys {
        let Some(hash) = keys::hash_from_hex(&key.sha256) else {
            continue;
        };
        check_name(&key.name)?;
        store.ensure_user(&key.name).await?;
        match store
            .insert_key_hash(&key.name, &key.name, hash, key.created_unix as i64)
            .await
        {
            Ok(()) | Err(StoreError::DuplicateKey(_)) => {}
            Err(error) => return Err(error),
        }
    }
    store
        .set_marker(KEY_FILE_MARKER, &path.display().to_string())
        .await?;
    tracing::info!(
        keys = keys.len(),
        file = %path.display(),
        "migrated the access key file into the access database, once: each key is now a user \
         of its name; register their shipments (trackline users ship) and delete the file"
    );
    Ok(keys.len())
}
