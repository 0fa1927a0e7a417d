//! The shared store: the access model in one Redis (standalone, or a primary with replicas; not
//! Redis Cluster, since the scripts touch keys they compute), so that every replica of a fleet
//! decides access from the same users, keys and shipments. Nothing is cached here: every call
//! asks Redis, so a key revoked through one replica is refused by every replica on its next
//! request.
//!
//! Calls go over the async client's connection manager (one multiplexed connection, made on the
//! first call, so the store opens while Redis is down), which reconnects by itself after Redis
//! restarts; a call that finds the connection closed is sent once more on the new one. Each
//! round trip is bounded by [`TIMEOUT`]: when Redis is unreachable or stops answering, every
//! call fails within it with [`StoreError::Redis`], and the proxy refuses keys (fails closed).
//!
//! Writes that SQLite does in a transaction are one Lua script here (atomic in Redis). Key
//! layout, every key under the prefix `trackline:` (`\x1f`, the unit separator, joins fields):
//!
//! | key | type | holds |
//! | --- | --- | --- |
//! | `users` | hash | user name → created (Unix seconds) |
//! | `user:{user}:partners` | set | the partner ids bound to the user |
//! | `user:{user}:keys` | set | the names of the user's keys |
//! | `keys` | hash | key name → `user\x1fcreated\x1fsha256 (hex)` |
//! | `key-hashes` | hash | SHA-256 of a key (hex) → key name (names and hashes are unique) |
//! | `user:{user}:shipments` | sorted set | `kind\x1fpartner\x1fnumber` → registration sequence |
//! | `user:{user}:shipment` | hash | `kind\x1fpartner\x1fnumber` → `added_unix reference-json` |
//! | `number:{number}` | set | `user\x1fkind\x1fpartner`: who registered this number |
//! | `partner:{partner}:shipments` | sorted set | `user\x1fkind\x1fpartner\x1fnumber` → sequence |
//! | `shipment-seq` | string | the last registration sequence (one counter for the fleet) |
//! | `markers` | hash | marker name → value |
//!
//! Newest first means the highest registration sequence first: the order SQLite's
//! `added_unix DESC, id DESC` gives while clocks move forward, without trusting the clocks of
//! several replicas to agree.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{
    Client, Cmd, FromRedisValue, Pipeline, RedisError, RedisResult, Script, ScriptInvocation,
};
use subtle::ConstantTimeEq;
use tokio::sync::OnceCell;
use trackline_core::reference::Reference;

use super::{
    check_name, check_partner, kind_of, partner_of, Added, KeyOwner, KeyRecord, RegisteredShipment,
    ShipmentPage, ShipmentsQuery, Store, StoreError, User, MAX_REFERENCES_PER_CALL,
};
use crate::proxy::keys;

/// How long one round trip to Redis (connecting included) may take before a call fails.
pub const TIMEOUT: Duration = Duration::from_secs(1);
const PREFIX: &str = "trackline:";
const SEPARATOR: char = '\x1f';

/// Adds references: ARGV = prefix, user, now, then kind, partner, number, json per reference.
/// Returns how many were new, or -1 when the user is unknown.
const ADD_SHIPMENTS: &str = r"
local p, user, now = ARGV[1], ARGV[2], ARGV[3]
if redis.call('HEXISTS', p .. 'users', user) == 0 then return -1 end
local added = 0
for i = 4, #ARGV, 4 do
  local kind, partner, number, json = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local id = kind .. '\31' .. partner .. '\31' .. number
  if redis.call('HSETNX', p .. 'user:' .. user .. ':shipment', id, now .. ' ' .. json) == 1 then
    local seq = redis.call('INCR', p .. 'shipment-seq')
    redis.call('ZADD', p .. 'user:' .. user .. ':shipments', seq, id)
    redis.call('SADD', p .. 'number:' .. number, user .. '\31' .. kind .. '\31' .. partner)
    if partner ~= '' then
      redis.call('ZADD', p .. 'partner:' .. partner .. ':shipments', seq, user .. '\31' .. id)
    end
    added = added + 1
  end
end
return added
";

/// Removes references: ARGV = prefix, user, then kind, partner, number per reference.
/// Returns how many were registered, or -1 when the user is unknown.
const REMOVE_SHIPMENTS: &str = r"
local p, user = ARGV[1], ARGV[2]
if redis.call('HEXISTS', p .. 'users', user) == 0 then return -1 end
local removed = 0
for i = 3, #ARGV, 3 do
  local kind, partner, number = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local id = kind .. '\31' .. partner .. '\31' .. number
  if redis.call('HDEL', p .. 'user:' .. user .. ':shipment', id) == 1 then
    redis.call('ZREM', p .. 'user:' .. user .. ':shipments', id)
    redis.call('SREM', p .. 'number:' .. number, user .. '\31' .. kind .. '\31' .. partner)
    if partner ~= '' then
      redis.call('ZREM', p .. 'partner:' .. partner .. ':shipments', user .. '\31' .. id)
    end
    removed = removed + 1
  end
end
return removed
";

/// Stores a key: ARGV = prefix, user, key name, record, hash (hex).
/// Returns 1, 0 when the name or hash is taken, or -1 when the user is unknown.
const INSERT_KEY: &str = r"
local p, user, name, record, hash = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
if redis.call('HEXISTS', p .. 'users', user) == 0 then return -1 end
if redis.call('HEXISTS', p .. 'keys', name) == 1 or redis.call('HEXISTS', p .. 'key-hashes', hash) == 1 then
  return 0
end
redis.call('HSET', p .. 'keys', name, record)
redis.call('HSET', p .. 'key-hashes', hash, name)
redis.call('SADD', p .. 'user:' .. user .. ':keys', name)
return 1
";

/// Revokes a key: ARGV = prefix, key name. Returns 1, or 0 when no key has that name.
const REVOKE_KEY: &str = r"
local p, name = ARGV[1], ARGV[2]
local record = redis.call('HGET', p .. 'keys', name)
if not record then return 0 end
local user, created, hash = string.match(record, '^([^\31]*)\31([^\31]*)\31([^\31]*)$')
redis.call('HDEL', p .. 'keys', name)
if hash then redis.call('HDEL', p .. 'key-hashes', hash) end
if user then redis.call('SREM', p .. 'user:' .. user .. ':keys', name) end
return 1
";

/// Finds a key by hash: ARGV = prefix, hash (hex). Returns { name, record } or nil.
const FIND_KEY: &str = r"
local p, hash = ARGV[1], ARGV[2]
local name = redis.call('HGET', p .. 'key-hashes', hash)
if not name then return false end
local record = redis.call('HGET', p .. 'keys', name)
if not record then return false end
return { name, record }
";

/// Binds (or unbinds) a partner: ARGV = prefix, user, partner, 1 to bind or 0 to unbind.
/// Returns whether the set changed, or -1 when the user is unknown.
const BIND_PARTNER: &str = r"
local p, user, partner, bind = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
if redis.call('HEXISTS', p .. 'users', user) == 0 then return -1 end
if bind == '1' then
  return redis.call('SADD', p .. 'user:' .. user .. ':partners', partner)
end
return redis.call('SREM', p .. 'user:' .. user .. ':partners', partner)
";

/// Whether any number is in the user's scope: ARGV = prefix, user, numbers...
const IN_SCOPE: &str = r"
local p, user = ARGV[1], ARGV[2]
local partners = {}
for _, partner in ipairs(redis.call('SMEMBERS', p .. 'user:' .. user .. ':partners')) do
  partners[partner] = true
end
for i = 3, #ARGV do
  for _, holder in ipairs(redis.call('SMEMBERS', p .. 'number:' .. ARGV[i])) do
    local owner, kind, partner = string.match(holder, '^([^\31]*)\31([^\31]*)\31([^\31]*)$')
    if owner == user or (partner ~= nil and partner ~= '' and partners[partner]) then
      return 1
    end
  end
end
return 0
";

/// The scripts, hashed once (Redis runs them by hash, loading them again after a restart).
struct Scripts {
    add_shipments: Script,
    remove_shipments: Script,
    insert_key: Script,
    revoke_key: Script,
    find_key: Script,
    bind_partner: Script,
    in_scope: Script,
}

pub struct RedisStore {
    client: Client,
    /// Made by the first call, on the runtime that makes it (the manager's tasks run there).
    connection: OnceCell<ConnectionManager>,
    scripts: Scripts,
}

/// One round trip to Redis.
#[derive(Clone, Copy)]
enum Request<'a> {
    Command(&'a Cmd),
    Pipeline(&'a Pipeline),
    Script(&'a ScriptInvocation<'a>),
}

impl Request<'_> {
    /// Sends the request, and waits for its answer no longer than [`TIMEOUT`].
    async fn send<T: FromRedisValue>(self, connection: &mut ConnectionManager) -> RedisResult<T> {
        let answer = async {
            match self {
                Request::Command(command) => command.query_async(connection).await,
                Request::Pipeline(pipeline) => pipeline.query_async(connection).await,
                Request::Script(invocation) => invocation.invoke_async(connection).await,
            }
        };
        tokio::time::timeout(TIMEOUT, answer)
            .await
            .unwrap_or_else(|_| {
                Err(RedisError::from(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    "Redis did not answer in time",
                )))
            })
    }
}

/// Where a Redis URL points, for logs and errors: host, port and database, never a user name
/// or password.
pub fn describe(client: &Client) -> String {
    let info = client.get_connection_info();
    format!("{}/{}", info.addr(), info.redis_settings().db())
}

/// Checks a Redis URL without connecting; the error never repeats the URL (it may hold a
/// password).
pub fn check_url(url: &str) -> Result<Client, String> {
    if !["redis://", "redis+unix://", "unix://"]
        .iter()
        .any(|scheme| url.starts_with(scheme))
    {
        return Err(
            "use a URL such as redis://127.0.0.1:6379/0 (redis://, or unix:// for a socket)".into(),
        );
    }
    // The crate's URL errors are fixed sentences ("Missing hostname"), never the URL.
    Client::open(url).map_err(|error| format!("not a usable Redis URL: {error}"))
}

impl RedisStore {
    /// A store on the Redis at `url` (`redis://[:password@]host:port/db`). Connects lazily:
    /// the proxy starts while Redis is down and keys fail closed until it is back.
    pub fn open(url: &str) -> Result<RedisStore, StoreError> {
        let client = check_url(url).map_err(StoreError::RedisUrl)?;
        Ok(RedisStore {
            client,
            connection: OnceCell::new(),
            scripts: Scripts {
                add_shipments: Script::new(ADD_SHIPMENTS),
                remove_shipments: Script::new(REMOVE_SHIPMENTS),
                insert_key: Script::new(INSERT_KEY),
                revoke_key: Script::new(REVOKE_KEY),
                find_key: Script::new(FIND_KEY),
                bind_partner: Script::new(BIND_PARTNER),
                in_scope: Script::new(IN_SCOPE),
            },
        })
    }

    /// Host, port and database (for logs).
    pub fn describe(&self) -> String {
        describe(&self.client)
    }

    /// The connection manager; nothing connects before a request is sent on it.
    async fn connection(&self) -> RedisResult<ConnectionManager> {
        self.connection
            .get_or_try_init(|| async {
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(TIMEOUT))
                    .set_response_timeout(Some(TIMEOUT))
                    .set_number_of_retries(1)
                    .set_max_delay(Duration::from_millis(100));
                ConnectionManager::new_lazy_with_config(self.client.clone(), config)
            })
            .await
            .cloned()
    }

    /// Sends `request`. When the connection was closed (Redis restarted), the manager
    /// reconnects and the request is sent once more, on the new connection: it cannot have
    /// reached the Redis that closed the old one.
    async fn send<T: FromRedisValue>(&self, request: Request<'_>) -> Result<T, StoreError> {
        let mut connection = self.connection().await?;
        match request.send(&mut connection).await {
            Err(error) if error.is_connection_dropped() || error.is_connection_refusal() => {
                Ok(request.send(&mut connection).await?)
            }
            answer => Ok(answer?),
        }
    }

    async fn command<T: FromRedisValue>(&self, command: &Cmd) -> Result<T, StoreError> {
        self.send(Request::Command(command)).await
    }

    async fn pipeline<T: FromRedisValue>(&self, pipeline: &Pipeline) -> Result<T, StoreError> {
        self.send(Request::Pipeline(pipeline)).await
    }

    async fn script<T: FromRedisValue>(
        &self,
        invocation: &ScriptInvocation<'_>,
    ) -> Result<T, StoreError> {
        self.send(Request::Script(invocation)).await
    }

    fn key(name: &str) -> String {
        format!("{PREFIX}{name}")
    }

    fn user_key(user: &str, what: &str) -> String {
        format!("{PREFIX}user:{user}:{what}")
    }
}

/// A sorted set's members with their scores (registration sequences).
type Scored = Vec<(String, f64)>;

fn check_count(references: &[Reference]) -> Result<(), StoreError> {
    if references.len() > MAX_REFERENCES_PER_CALL {
        Err(StoreError::TooManyReferences(references.len()))
    } else {
        Ok(())
    }
}

/// A script's answer of -1 means the user does not exist.
fn known_user(answer: i64, user: &str) -> Result<i64, StoreError> {
    if answer < 0 {
        Err(StoreError::UnknownUser(user.to_owned()))
    } else {
        Ok(answer)
    }
}

/// The number in an identity (its last field).
fn number_of(identity: &str) -> &str {
    identity.rsplit(SEPARATOR).next().unwrap_or_default()
}

/// Substring search without ASCII case, `%` and `_` literal: SQLite's `LIKE '%…%'` as the
/// embedded store runs it.
fn matches_search(number: &str, search: Option<&str>) -> bool {
    search.is_none_or(|search| number.to_ascii_lowercase().contains(search))
}

/// `added_unix reference-json`, as the add script writes it.
fn registration(stored: &str) -> Option<(i64, &str)> {
    let (added, json) = stored.split_once(' ')?;
    Some((added.parse().ok()?, json))
}

fn shipment(added_unix: i64, json: &str) -> Option<RegisteredShipment> {
    serde_json::from_str(json)
        .ok()
        .map(|reference| RegisteredShipment {
            reference,
            added_unix,
        })
}

fn page_range(total: usize, page: u32, per_page: u32) -> std::ops::Range<usize> {
    let start = (page as usize - 1)
        .saturating_mul(per_page as usize)
        .min(total);
    start..start.saturating_add(per_page as usize).min(total)
}

#[async_trait]
impl Store for RedisStore {
    async fn ensure_user(&self, name: &str) -> Result<bool, StoreError> {
        check_name(name)?;
        let now = super::now_unix();
        self.command(
            redis::cmd("HSETNX")
                .arg(Self::key("users"))
                .arg(name)
                .arg(now),
        )
        .await
    }

    async fn users(&self) -> Result<Vec<User>, StoreError> {
        let mut names: Vec<String> = self
            .command(redis::cmd("HKEYS").arg(Self::key("users")))
            .await?;
        names.sort();
        let mut users = Vec::with_capacity(names.len());
        for name in &names {
            users.push(self.user(name).await?);
        }
        Ok(users)
    }

    async fn user(&self, name: &str) -> Result<User, StoreError> {
        let (created, mut partners, keys, shipments): (Option<i64>, Vec<String>, u64, u64) = self
            .pipeline(
                redis::pipe()
                    .atomic()
                    .cmd("HGET")
                    .arg(Self::key("users"))
                    .arg(name)
                    .cmd("SMEMBERS")
                    .arg(Self::user_key(name, "partners"))
                    .cmd("SCARD")
                    .arg(Self::user_key(name, "keys"))
                    .cmd("HLEN")
                    .arg(Self::user_key(name, "shipment")),
            )
            .await?;
        let created_unix = created.ok_or_else(|| StoreError::UnknownUser(name.to_owned()))?;
        partners.sort();
        Ok(User {
            name: name.to_owned(),
            created_unix,
            partners,
            keys,
            shipments,
        })
    }

    async fn bind_partner(&self, user: &str, partner_id: &str) -> Result<bool, StoreError> {
        check_partner(partner_id)?;
        let mut invocation = self.scripts.bind_partner.prepare_invoke();
        invocation.arg(PREFIX).arg(user).arg(partner_id).arg(1);
        let answer = self.script(&invocation).await?;
        Ok(known_user(answer, user)? == 1)
    }

    async fn unbind_partner(&self, user: &str, partner_id: &str) -> Result<bool, StoreError> {
        let mut invocation = self.scripts.bind_partner.prepare_invoke();
        invocation.arg(PREFIX).arg(user).arg(partner_id).arg(0);
        let answer = self.script(&invocation).await?;
        Ok(known_user(answer, user)? == 1)
    }

    async fn insert_key_hash(
        &self,
        user: &str,
        key_name: &str,
        sha256: [u8; 32],
        created_unix: i64,
    ) -> Result<(), StoreError> {
        check_name(key_name)?;
        let hash = keys::to_hex(&sha256);
        let record = format!("{user}{SEPARATOR}{created_unix}{SEPARATOR}{hash}");
        let mut invocation = self.scripts.insert_key.prepare_invoke();
        invocation
            .arg(PREFIX)
            .arg(user)
            .arg(key_name)
            .arg(&record)
            .arg(&hash);
        let answer = self.script(&invocation).await?;
        match known_user(answer, user)? {
            0 => Err(StoreError::DuplicateKey(key_name.to_owned())),
            _ => Ok(()),
        }
    }

    async fn keys(&self, user: Option<&str>) -> Result<Vec<KeyRecord>, StoreError> {
        let (known, records): (bool, BTreeMap<String, String>) = self
            .pipeline(
                redis::pipe()
                    .atomic()
                    .cmd("HEXISTS")
                    .arg(Self::key("users"))
                    .arg(user.unwrap_or_default())
                    .cmd("HGETALL")
                    .arg(Self::key("keys")),
            )
            .await?;
        if let Some(user) = user.filter(|_| !known) {
            return Err(StoreError::UnknownUser(user.to_owned()));
        }
        Ok(records
            .into_iter()
            .filter_map(|(name, record)| {
                let mut fields = record.split(SEPARATOR);
                let owner = fields.next()?.to_owned();
                let created_unix = fields.next()?.parse().ok()?;
                Some(KeyRecord {
                    name,
                    user: owner,
                    created_unix,
                })
            })
            .filter(|record| user.is_none_or(|user| record.user == user))
            .collect())
    }

    async fn revoke_key(&self, key_name: &str) -> Result<(), StoreError> {
        let mut invocation = self.scripts.revoke_key.prepare_invoke();
        invocation.arg(PREFIX).arg(key_name);
        let revoked: i64 = self.script(&invocation).await?;
        if revoked == 0 {
            return Err(StoreError::UnknownKey(key_name.to_owned()));
        }
        Ok(())
    }

    /// The hash is looked up by index, and the stored hash is then compared in constant time,
    /// as the embedded store does.
    async fn verify_key(&self, presented: &str) -> Result<Option<KeyOwner>, StoreError> {
        let presented = keys::to_hex(&keys::hash_key(presented));
        let mut invocation = self.scripts.find_key.prepare_invoke();
        invocation.arg(PREFIX).arg(&presented);
        let found: Option<(String, String)> = self.script(&invocation).await?;
        Ok(found.and_then(|(key, record)| {
            let mut fields = record.split(SEPARATOR);
            let user = fields.next()?.to_owned();
            let stored = fields.nth(1)?;
            bool::from(stored.as_bytes().ct_eq(presented.as_bytes()))
                .then_some(KeyOwner { user, key })
        }))
    }

    async fn add_shipments(
        &self,
        user: &str,
        references: &[Reference],
    ) -> Result<Added, StoreError> {
        check_count(references)?;
        let now = super::now_unix();
        let mut invocation = self.scripts.add_shipments.prepare_invoke();
        invocation.arg(PREFIX).arg(user).arg(now);
        for reference in references {
            invocation
                .arg(kind_of(reference))
                .arg(partner_of(reference))
                .arg(reference.number())
                .arg(serde_json::to_string(reference).unwrap_or_default());
        }
        let added = self.script(&invocation).await?;
        let added = known_user(added, user)? as u64;
        Ok(Added {
            added,
            already_registered: references.len() as u64 - added,
        })
    }

    async fn remove_shipments(
        &self,
        user: &str,
        references: &[Reference],
    ) -> Result<u64, StoreError> {
        check_count(references)?;
        let mut invocation = self.scripts.remove_shipments.prepare_invoke();
        invocation.arg(PREFIX).arg(user);
        for reference in references {
            invocation
                .arg(kind_of(reference))
                .arg(partner_of(reference))
                .arg(reference.number());
        }
        let removed = self.script(&invocation).await?;
        Ok(known_user(removed, user)? as u64)
    }

    async fn shipments(
        &self,
        user: &str,
        query: &ShipmentsQuery,
    ) -> Result<ShipmentPage, StoreError> {
        let page = query.page.max(1);
        let per_page = query.per_page.clamp(1, 1_000);
        let search = query.search.as_deref().map(str::to_ascii_lowercase);
        let (known, identities): (bool, Vec<String>) = self
            .pipeline(
                redis::pipe()
                    .atomic()
                    .cmd("HEXISTS")
                    .arg(Self::key("users"))
                    .arg(user)
                    .cmd("ZREVRANGE")
                    .arg(Self::user_key(user, "shipments"))
                    .arg(0)
                    .arg(-1),
            )
            .await?;
        if !known {
            return Err(StoreError::UnknownUser(user.to_owned()));
        }
        let identities: Vec<String> = identities
            .into_iter()
            .filter(|identity| matches_search(number_of(identity), search.as_deref()))
            .collect();
        let total = identities.len();
        let wanted = &identities[page_range(total, page, per_page)];
        let stored: Vec<Option<String>> = if wanted.is_empty() {
            Vec::new()
        } else {
            self.command(
                redis::cmd("HMGET")
                    .arg(Self::user_key(user, "shipment"))
                    .arg(wanted),
            )
            .await?
        };
        let shipments = stored
            .iter()
            .flatten()
            .filter_map(|stored| registration(stored))
            .filter_map(|(added_unix, json)| shipment(added_unix, json))
            .collect();
        Ok(ShipmentPage {
            shipments,
            total: total as u64,
            page,
            per_page,
        })
    }

    async fn visible_shipments(
        &self,
        user: &str,
        query: &ShipmentsQuery,
    ) -> Result<ShipmentPage, StoreError> {
        let partners: Vec<String> = self
            .command(redis::cmd("SMEMBERS").arg(Self::user_key(user, "partners")))
            .await?;
        if partners.is_empty() {
            return self.shipments(user, query).await;
        }
        let page = query.page.max(1);
        let per_page = query.per_page.clamp(1, 1_000);
        let search = query.search.as_deref().map(str::to_ascii_lowercase);
        let (known, own): (bool, Scored) = self
            .pipeline(
                redis::pipe()
                    .atomic()
                    .cmd("HEXISTS")
                    .arg(Self::key("users"))
                    .arg(user)
                    .cmd("ZRANGE")
                    .arg(Self::user_key(user, "shipments"))
                    .arg(0)
                    .arg(-1)
                    .arg("WITHSCORES"),
            )
            .await?;
        let mut partnered = redis::pipe();
        partnered.atomic();
        for partner in &partners {
            partnered
                .cmd("ZRANGE")
                .arg(Self::key(&format!("partner:{partner}:shipments")))
                .arg(0)
                .arg(-1)
                .arg("WITHSCORES");
        }
        let partnered: Vec<Scored> = self.pipeline(&partnered).await?;
        if !known {
            return Err(StoreError::UnknownUser(user.to_owned()));
        }
        // One entry per reference, however many registered it: who registered it, and the
        // newest registration's sequence.
        let mut visible: BTreeMap<String, (u64, Vec<(String, String)>)> = BTreeMap::new();
        let registrations = own
            .into_iter()
            .map(|(identity, seq)| (user.to_owned(), identity, seq))
            .chain(partnered.into_iter().flatten().filter_map(|(member, seq)| {
                let (owner, identity) = member.split_once(SEPARATOR)?;
                Some((owner.to_owned(), identity.to_owned(), seq))
            }));
        for (owner, identity, seq) in registrations {
            if !matches_search(number_of(&identity), search.as_deref()) {
                continue;
            }
            let entry = visible.entry(identity.clone()).or_default();
            entry.0 = entry.0.max(seq as u64);
            if !entry.1.contains(&(owner.clone(), identity.clone())) {
                entry.1.push((owner, identity));
            }
        }
        let mut ordered: Vec<(u64, Vec<(String, String)>)> = visible.into_values().collect();
        ordered.sort_by_key(|(newest, _)| std::cmp::Reverse(*newest));
        let total = ordered.len();
        let wanted = &ordered[page_range(total, page, per_page)];
        let stored: Vec<Vec<Option<String>>> = if wanted.is_empty() {
            Vec::new()
        } else {
            let mut pipe = redis::pipe();
            pipe.atomic();
            for (_, registrations) in wanted {
                for (owner, identity) in registrations {
                    pipe.cmd("HMGET")
                        .arg(Self::user_key(owner, "shipment"))
                        .arg(identity);
                }
            }
            self.pipeline(&pipe).await?
        };
        // Its newest time and its greatest reference, as the embedded store's `MAX` gives.
        let mut stored = stored.into_iter().flatten();
        let mut shipments = Vec::with_capacity(wanted.len());
        for (_, registrations) in wanted {
            let mut newest: Option<(i64, String)> = None;
            for _ in registrations {
                let Some(Some(text)) = stored.next() else {
                    continue;
                };
                if let Some((added, json)) = registration(&text) {
                    let (best_added, best_json) = newest.get_or_insert((added, json.to_owned()));
                    *best_added = (*best_added).max(added);
                    if json > best_json.as_str() {
                        *best_json = json.to_owned();
                    }
                }
            }
            if let Some(found) = newest.and_then(|(added, json)| shipment(added, &json)) {
                shipments.push(found);
            }
        }
        Ok(ShipmentPage {
            shipments,
            total: total as u64,
            page,
            per_page,
        })
    }

    async fn in_scope(&self, user: &str, numbers: &[String]) -> Result<bool, StoreError> {
        if numbers.is_empty() {
            return Ok(false);
        }
        let mut invocation = self.scripts.in_scope.prepare_invoke();
        invocation.arg(PREFIX).arg(user);
        for number in numbers {
            invocation.arg(number);
        }
        let found: i64 = self.script(&invocation).await?;
        Ok(found == 1)
    }

    async fn marker(&self, name: &str) -> Result<Option<String>, StoreError> {
        self.command(redis::cmd("HGET").arg(Self::key("markers")).arg(name))
            .await
    }

    async fn set_marker(&self, name: &str, value: &str) -> Result<(), StoreError> {
        self.command(
            redis::cmd("HSET")
                .arg(Self::key("markers"))
                .arg(name)
                .arg(value),
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_redis_url_is_described_by_host_port_and_database_without_its_password() {
        let client = check_url("redis://fleet:s3cret-pass@10.0.0.5:6380/3").unwrap();
        assert_eq!(describe(&client), "10.0.0.5:6380/3");
        for url in ["http://10.0.0.5/0", "redis://:s3cret-pass@10.0.0.5/db9"] {
            let error = check_url(url).expect_err(url);
            assert!(!error.contains("s3cret-pass"), "{error}");
        }
    }

    #[tokio::test]
    async fn an_unreachable_redis_fails_every_call_with_a_store_error() {
        // A port nothing listens on: bound, then released.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .unwrap()
            .port();
        let store = RedisStore::open(&format!("redis://127.0.0.1:{port}/0")).unwrap();
        assert!(matches!(
            store.verify_key("AAAA").await,
            Err(StoreError::Redis(_))
        ));
        assert!(matches!(
            store.ensure_user("anna").await,
            Err(StoreError::Redis(_))
        ));
        assert!(matches!(
            store.marker("readiness").await,
            Err(StoreError::Redis(_))
        ));
    }
}
