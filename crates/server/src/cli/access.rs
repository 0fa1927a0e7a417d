//! `trackline users`, `trackline keys` and `trackline links`: the access database and signed
//! links from the command line. They work on the same store as the running proxy (its database
//! file, or the fleet's Redis when the configuration's `shared.redis_url` or
//! `TRACKLINE_REDIS_URL` names one), which sees every change on its next request.

use std::future::Future;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::proxy::config::{DEFAULT_ACCESS_DATABASE, ENV_LINK_SECRET, ENV_REDIS_URL};
use crate::proxy::signed;
use crate::proxy::store::{
    self, parse_reference, RedisStore, ShipmentsQuery, SqliteStore, Store, StoreError,
};

/// Where the access database is.
#[derive(Debug, clap::Args)]
pub struct DatabaseArgs {
    /// The proxy configuration; its `shared.redis_url` (or TRACKLINE_REDIS_URL) names the
    /// fleet's Redis, else its `access.database` (default: trackline-access.sqlite beside it)
    /// names the database; its `access_keys.file` is migrated once.
    #[arg(long, env = "TRACKLINE_PROXY_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    /// The database file itself, instead of reading it from the configuration.
    #[arg(long, env = "TRACKLINE_ACCESS_DATABASE", global = true)]
    pub database: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct UsersArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(subcommand)]
    pub action: UsersAction,
}

#[derive(Debug, clap::Subcommand)]
pub enum UsersAction {
    /// Create a user (nothing changes if it exists), optionally bound to partner ids.
    New {
        name: String,
        /// A conizi partner id (vp/ep/ap): the user sees every shipment registered with it.
        #[arg(long = "partner")]
        partners: Vec<String>,
    },
    /// List users with their partner ids and counts of keys and shipments.
    List,
    /// Bind a partner id to a user.
    Bind { name: String, partner: String },
    /// Remove a partner id from a user.
    Unbind { name: String, partner: String },
    /// Register shipments to a user, each written as in a link (`sscc=…`, `cref=…`,
    /// `vp=4711&vpref=…`, or a tracking number); `-` reads one a line from standard input.
    Ship {
        name: String,
        #[arg(required = true)]
        references: Vec<String>,
    },
    /// Remove shipments from a user (written as for `ship`).
    Unship {
        name: String,
        #[arg(required = true)]
        references: Vec<String>,
    },
    /// List a user's shipments, newest first.
    Shipments {
        name: String,
        #[arg(long, default_value_t = 1)]
        page: u32,
        #[arg(long, default_value_t = 20)]
        per_page: u32,
        /// Only references that contain this text.
        #[arg(long)]
        search: Option<String>,
    },
}

#[derive(Debug, clap::Args)]
pub struct KeysArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(subcommand)]
    pub action: KeysAction,
}

#[derive(Debug, clap::Subcommand)]
pub enum KeysAction {
    /// Create a key; it is printed once and only its hash is stored.
    New {
        /// The key's name (unique), used to list and revoke it.
        name: String,
        /// The user the key belongs to (created if missing); the key's name by default.
        #[arg(long)]
        user: Option<String>,
    },
    /// List key names, their users and creation times (never the keys).
    List {
        #[arg(long)]
        user: Option<String>,
    },
    /// Revoke a key by name; a running proxy refuses it on the next request.
    Revoke { name: String },
}

#[derive(Debug, clap::Args)]
pub struct LinksArgs {
    #[command(subcommand)]
    pub action: LinksAction,
}

#[derive(Debug, clap::Subcommand)]
pub enum LinksAction {
    /// Print a signed consumer link for references written as in a link (`cref=ORDER-88231`).
    Sign {
        /// The references: a link query such as `cref=ORDER-88231` or `vp=4711&vpref=…`.
        references: String,
        /// The page that embeds the widget; without it only the query is printed.
        #[arg(long)]
        base: Option<String>,
        /// How long the link works: seconds, or with a unit (`90m`, `48h`, `30d`).
        #[arg(long, default_value = "30d", conflicts_with = "expires_at")]
        expires_in: String,
        /// The expiry as Unix seconds, instead of --expires-in.
        #[arg(long)]
        expires_at: Option<i64>,
        /// The proxy configuration whose `access.link_secret` signs (TRACKLINE_LINK_SECRET wins).
        #[arg(long, env = "TRACKLINE_PROXY_CONFIG")]
        config: Option<PathBuf>,
    },
}

/// Reads only what these commands need from the configuration, so no carrier secret is needed.
fn config_value(config: &Path) -> Result<toml::Value, String> {
    let text = std::fs::read_to_string(config)
        .map_err(|error| format!("cannot read {}: {error}", config.display()))?;
    toml::from_str(&text).map_err(|error| format!("{}: {error}", config.display()))
}

fn beside(config: &Path, file: &str) -> PathBuf {
    let file = PathBuf::from(file);
    if file.is_relative() {
        config.parent().unwrap_or(Path::new(".")).join(file)
    } else {
        file
    }
}

/// Opens the store the arguments name, migrating the old key file once: the database file of
/// `--database`; else the fleet's Redis of `TRACKLINE_REDIS_URL` or the configuration's
/// `shared.redis_url`; else the configuration's database file.
pub async fn open(args: &DatabaseArgs) -> Result<Box<dyn Store>, String> {
    let from_env = std::env::var(ENV_REDIS_URL)
        .ok()
        .filter(|url| !url.is_empty());
    let (store, key_file): (Box<dyn Store>, _) = match (&args.database, &args.config) {
        (Some(path), _) => (
            Box::new(SqliteStore::open(path).map_err(|error| error.to_string())?),
            None,
        ),
        (None, config) => {
            let value = config.as_deref().map(config_value).transpose()?;
            let lookup = |section: &str, key: &str| {
                value
                    .as_ref()?
                    .get(section)
                    .and_then(|section| section.get(key))
                    .and_then(|value| value.as_str())
                    .map(str::to_owned)
            };
            let key_file = config
                .as_deref()
                .and_then(|config| lookup("access_keys", "file").map(|file| beside(config, &file)));
            match (from_env.or_else(|| lookup("shared", "redis_url")), config) {
                (Some(url), _) => {
                    let store = RedisStore::open(&url).map_err(|error| error.to_string())?;
                    eprintln!("Access store: Redis at {}.", store.describe());
                    (Box::new(store) as Box<dyn Store>, key_file)
                }
                (None, Some(config)) => {
                    let database = lookup("access", "database")
                        .unwrap_or_else(|| DEFAULT_ACCESS_DATABASE.to_owned());
                    let path = beside(config, &database);
                    let store = SqliteStore::open(&path).map_err(|error| error.to_string())?;
                    (Box::new(store) as Box<dyn Store>, key_file)
                }
                (None, None) => {
                    return Err(format!(
                        "name the access database with --database, the proxy configuration \
                         with --config, or the fleet's Redis with {ENV_REDIS_URL}"
                    ))
                }
            }
        }
    };
    if let Some(file) = key_file {
        store::migrate_key_file(store.as_ref(), &file)
            .await
            .map_err(|error| error.to_string())?;
    }
    Ok(store)
}

fn finish(command: &str, outcome: Result<(), String>) -> ExitCode {
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("trackline {command}: {message}");
            ExitCode::FAILURE
        }
    }
}

fn print_json(value: &impl serde::Serialize) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).unwrap_or_default()
    );
}

/// The references given, with `-` read as one a line from standard input.
fn references(given: &[String]) -> Result<Vec<trackline_core::reference::Reference>, String> {
    let mut texts = Vec::new();
    for text in given {
        if text == "-" {
            for line in std::io::stdin().lock().lines() {
                let line = line.map_err(|error| format!("standard input: {error}"))?;
                if !line.trim().is_empty() {
                    texts.push(line.trim().to_owned());
                }
            }
        } else {
            texts.push(text.clone());
        }
    }
    texts
        .iter()
        .enumerate()
        .map(|(index, text)| parse_reference(index, text).map_err(|error| error.to_string()))
        .collect()
}

/// Runs a command's store calls on a runtime of its own, on this thread, until they are done.
fn on_own_runtime(work: impl Future<Output = Result<(), String>>) -> Result<(), String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| format!("cannot start the async runtime: {error}"))?
        .block_on(work)
}

pub fn run_users(args: UsersArgs) -> ExitCode {
    let outcome = on_own_runtime(async move {
        let store = open(&args.database).await?;
        let fail = |error: StoreError| error.to_string();
        match args.action {
            UsersAction::New { name, partners } => {
                for partner in &partners {
                    store::check_partner(partner).map_err(fail)?;
                }
                let created = store.ensure_user(&name).await.map_err(fail)?;
                for partner in &partners {
                    store.bind_partner(&name, partner).await.map_err(fail)?;
                }
                eprintln!(
                    "User `{name}` {}.",
                    if created { "created" } else { "already exists" }
                );
                print_json(&store.user(&name).await.map_err(fail)?);
            }
            UsersAction::List => print_json(&store.users().await.map_err(fail)?),
            UsersAction::Bind { name, partner } => {
                store.bind_partner(&name, &partner).await.map_err(fail)?;
                print_json(&store.user(&name).await.map_err(fail)?);
            }
            UsersAction::Unbind { name, partner } => {
                store.unbind_partner(&name, &partner).await.map_err(fail)?;
                print_json(&store.user(&name).await.map_err(fail)?);
            }
            UsersAction::Ship {
                name,
                references: given,
            } => {
                let all = references(&given)?;
                // In calls of at most 1,000, as the admin API takes them.
                let (mut added, mut repeated) = (0, 0);
                for chunk in all.chunks(store::MAX_REFERENCES_PER_CALL) {
                    let result = store.add_shipments(&name, chunk).await.map_err(fail)?;
                    added += result.added;
                    repeated += result.already_registered;
                }
                eprintln!("{added} added, {repeated} already registered to `{name}`.");
            }
            UsersAction::Unship {
                name,
                references: given,
            } => {
                let all = references(&given)?;
                let mut removed = 0;
                for chunk in all.chunks(store::MAX_REFERENCES_PER_CALL) {
                    removed += store.remove_shipments(&name, chunk).await.map_err(fail)?;
                }
                eprintln!("{removed} removed from `{name}`.");
            }
            UsersAction::Shipments {
                name,
                page,
                per_page,
                search,
            } => {
                let query = ShipmentsQuery {
                    page,
                    per_page,
                    search,
                };
                print_json(&store.shipments(&name, &query).await.map_err(fail)?);
            }
        }
        Ok(())
    });
    finish("users", outcome)
}

pub fn run_keys(args: KeysArgs) -> ExitCode {
    let outcome = on_own_runtime(async move {
        let store = open(&args.database).await?;
        let fail = |error: StoreError| error.to_string();
        match args.action {
            KeysAction::New { name, user } => {
                let user = user.unwrap_or_else(|| name.clone());
                store.ensure_user(&user).await.map_err(fail)?;
                let key = store.create_key(&user, &name).await.map_err(fail)?;
                println!("{key}");
                eprintln!(
                    "Key `{name}` of user `{user}` created. It is shown only now: put it in the links' `id` parameter."
                );
            }
            KeysAction::List { user } => {
                for key in store.keys(user.as_deref()).await.map_err(fail)? {
                    println!(
                        "{}\tuser={}\tcreated_unix={}",
                        key.name, key.user, key.created_unix
                    );
                }
            }
            KeysAction::Revoke { name } => {
                store.revoke_key(&name).await.map_err(fail)?;
                eprintln!("Key `{name}` revoked.");
            }
        }
        Ok(())
    });
    finish("keys", outcome)
}

/// `30d`, `48h`, `90m`, `600s` or `600`, in seconds.
fn duration_seconds(text: &str) -> Result<i64, String> {
    let text = text.trim();
    let (digits, unit) = match text.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((index, _)) => text.split_at(index),
        None => (text, "s"),
    };
    let amount: i64 = digits
        .parse()
        .map_err(|_| format!("`{text}` is not a duration such as 30d, 48h, 90m or 600"))?;
    let factor = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        _ => return Err(format!("`{text}`: the unit must be s, m, h or d")),
    };
    Ok(amount * factor)
}

fn link_secret(config: Option<&Path>) -> Result<String, String> {
    if let Some(secret) = std::env::var(ENV_LINK_SECRET)
        .ok()
        .filter(|secret| !secret.is_empty())
    {
        return Ok(secret);
    }
    let Some(config) = config else {
        return Err(format!(
            "no link secret: set {ENV_LINK_SECRET}, or name the configuration with --config"
        ));
    };
    config_value(config)?
        .get("access")
        .and_then(|access| access.get("link_secret"))
        .and_then(|secret| secret.as_str())
        .map(str::to_owned)
        .ok_or_else(|| {
            format!(
                "{} has no access.link_secret and {ENV_LINK_SECRET} is not set",
                config.display()
            )
        })
}

pub fn run_links(args: LinksArgs) -> ExitCode {
    let outcome = (|| {
        let LinksAction::Sign {
            references,
            base,
            expires_in,
            expires_at,
            config,
        } = args.action;
        let secret = link_secret(config.as_deref())?;
        let references = references.trim_start_matches('?');
        let parsed = trackline_core::reference::parse(references);
        if let Some(error) = parsed.errors.first() {
            return Err(error.to_string());
        }
        if parsed.references.is_empty() {
            return Err("the link names no reference: write e.g. cref=ORDER-88231".into());
        }
        if parsed.access_key.is_some() {
            return Err("leave the access key (`id`) out of a signed link".into());
        }
        let expires = match expires_at {
            Some(at) => at,
            None => store::now_unix() + duration_seconds(&expires_in)?,
        };
        let query = signed::sign_query(secret.as_bytes(), references, expires);
        match base {
            Some(base) => {
                let separator = if base.contains('?') { '&' } else { '?' };
                println!("{base}{separator}{query}");
            }
            None => println!("?{query}"),
        }
        Ok(())
    })();
    finish("links", outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_take_a_unit_or_plain_seconds() {
        assert_eq!(duration_seconds("30d").unwrap(), 30 * 86_400);
        assert_eq!(duration_seconds("90m").unwrap(), 5_400);
        assert_eq!(duration_seconds("600").unwrap(), 600);
        assert!(duration_seconds("3w").is_err());
    }
}
