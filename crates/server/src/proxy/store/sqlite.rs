//! The embedded store: one SQLite file (SQLite compiled in), versioned with `user_version`.
//! Every call reads the file, so a key revoked by `trackline keys revoke` in another process is
//! refused on the next request, without a restart.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use subtle::ConstantTimeEq;
use trackline_core::reference::Reference;

use super::{
    check_name, check_partner, kind_of, partner_of, Added, KeyOwner, KeyRecord, RegisteredShipment,
    ShipmentPage, ShipmentsQuery, Store, StoreError, User, MAX_REFERENCES_PER_CALL,
};
use crate::proxy::keys;

/// The schema, one entry per version; `user_version` says how many have run. Append only.
const MIGRATIONS: &[&str] = &[
    // 1: users, keys, shipments, partner bindings, markers.
    "CREATE TABLE users (
         id INTEGER PRIMARY KEY,
         name TEXT NOT NULL UNIQUE,
         created_unix INTEGER NOT NULL
     );
     CREATE TABLE keys (
         id INTEGER PRIMARY KEY,
         user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
         name TEXT NOT NULL UNIQUE,
         sha256 BLOB NOT NULL UNIQUE,
         created_unix INTEGER NOT NULL
     );
     CREATE TABLE shipments (
         id INTEGER PRIMARY KEY,
         user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
         kind TEXT NOT NULL,
         partner_id TEXT NOT NULL,
         number TEXT NOT NULL,
         reference TEXT NOT NULL,
         added_unix INTEGER NOT NULL,
         UNIQUE (user_id, kind, partner_id, number)
     );
     CREATE INDEX shipments_by_number ON shipments (number, partner_id);
     CREATE TABLE partners (
         user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
         partner_id TEXT NOT NULL,
         PRIMARY KEY (user_id, partner_id)
     );
     CREATE TABLE markers (
         name TEXT PRIMARY KEY,
         value TEXT NOT NULL
     );",
];

/// One connection, shared by the calls (SQLite serializes them anyway) and used on tokio's
/// blocking threads, never on the async ones.
pub struct SqliteStore {
    connection: Arc<Mutex<Connection>>,
}

impl SqliteStore {
    /// Opens (or creates) the database file and brings its schema up to date.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        let open_error = |source| StoreError::Open {
            path: path.display().to_string(),
            source,
        };
        if let Some(folder) = path
            .parent()
            .filter(|folder| !folder.as_os_str().is_empty())
        {
            let _ = std::fs::create_dir_all(folder);
        }
        let connection = Connection::open(path).map_err(open_error)?;
        connection
            .busy_timeout(Duration::from_secs(5))
            .map_err(open_error)?;
        // Readers (other proxies, the CLI) never wait for a writer.
        write_ahead_log(&connection).map_err(open_error)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
        }
        SqliteStore::prepare(connection)
    }

    /// A database in memory: tests, and proxies that are configured without a file.
    pub fn in_memory() -> Result<SqliteStore, StoreError> {
        SqliteStore::prepare(Connection::open_in_memory()?)
    }

    fn prepare(mut connection: Connection) -> Result<SqliteStore, StoreError> {
        connection.pragma_update(None, "foreign_keys", "ON")?;
        migrate(&mut connection)?;
        Ok(SqliteStore {
            connection: Arc::new(Mutex::new(connection)),
        })
    }

    /// Runs `work` on the connection on tokio's blocking threads (rusqlite blocks on the file).
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let connection = Arc::clone(&self.connection);
        tokio::task::spawn_blocking(move || {
            let mut connection = connection
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            work(&mut connection)
        })
        .await
        .map_err(StoreError::Unfinished)?
    }
}

/// Switches the database to write-ahead logging. While other connections open the same new file
/// (two demos, the CLI beside the proxy), SQLite may answer the switch "busy" at once, without
/// waiting its busy timeout: it is asked again, for as long as that timeout.
fn write_ahead_log(connection: &Connection) -> rusqlite::Result<()> {
    let started = std::time::Instant::now();
    loop {
        match connection.pragma_update(None, "journal_mode", "WAL") {
            Err(rusqlite::Error::SqliteFailure(error, _))
                if error.code == rusqlite::ErrorCode::DatabaseBusy
                    && started.elapsed() < Duration::from_secs(5) =>
            {
                std::thread::sleep(Duration::from_millis(10));
            }
            result => return result,
        }
    }
}

/// Brings the schema up to date. The version is read inside the write transaction, so processes
/// that open a new file at the same moment (two demos, the CLI beside the proxy) migrate it once.
fn migrate(connection: &mut Connection) -> Result<(), StoreError> {
    let known = MIGRATIONS.len() as i64;
    loop {
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let found: i64 = transaction.pragma_query_value(None, "user_version", |row| row.get(0))?;
        if found > known {
            return Err(StoreError::NewerSchema { found, known });
        }
        if found == known {
            return Ok(());
        }
        transaction.execute_batch(MIGRATIONS[found as usize])?;
        transaction.pragma_update(None, "user_version", found + 1)?;
        transaction.commit()?;
        tracing::info!(version = found + 1, "access database schema migrated");
    }
}

fn user_id(connection: &Connection, name: &str) -> Result<i64, StoreError> {
    connection
        .query_row("SELECT id FROM users WHERE name = ?1", [name], |row| {
            row.get(0)
        })
        .optional()?
        .ok_or_else(|| StoreError::UnknownUser(name.to_owned()))
}

fn check_count(references: &[Reference]) -> Result<(), StoreError> {
    if references.len() > MAX_REFERENCES_PER_CALL {
        Err(StoreError::TooManyReferences(references.len()))
    } else {
        Ok(())
    }
}

/// `%` and `_` in a search are literal characters, not patterns.
fn like_pattern(search: &str) -> String {
    let mut pattern = String::from("%");
    for c in search.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// Creates the user if missing; true when it was created.
fn ensure_user(connection: &Connection, name: &str) -> Result<bool, StoreError> {
    check_name(name)?;
    let changed = connection.execute(
        "INSERT INTO users (name, created_unix) VALUES (?1, ?2) ON CONFLICT (name) DO NOTHING",
        params![name, super::now_unix()],
    )?;
    Ok(changed == 1)
}

fn user(connection: &Connection, name: &str) -> Result<User, StoreError> {
    let (id, created_unix): (i64, i64) = connection
        .query_row(
            "SELECT id, created_unix FROM users WHERE name = ?1",
            [name],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?
        .ok_or_else(|| StoreError::UnknownUser(name.to_owned()))?;
    let mut statement = connection
        .prepare("SELECT partner_id FROM partners WHERE user_id = ?1 ORDER BY partner_id")?;
    let partners = statement
        .query_map([id], |row| row.get(0))?
        .collect::<Result<Vec<String>, _>>()?;
    let count = |sql: &str| -> Result<u64, StoreError> {
        Ok(connection.query_row(sql, [id], |row| row.get::<_, i64>(0))? as u64)
    };
    Ok(User {
        name: name.to_owned(),
        created_unix,
        partners,
        keys: count("SELECT COUNT(*) FROM keys WHERE user_id = ?1")?,
        shipments: count("SELECT COUNT(*) FROM shipments WHERE user_id = ?1")?,
    })
}

fn users(connection: &Connection) -> Result<Vec<User>, StoreError> {
    let names: Vec<String> = {
        let mut statement = connection.prepare("SELECT name FROM users ORDER BY name")?;
        let rows = statement.query_map([], |row| row.get(0))?;
        rows.collect::<Result<_, _>>()?
    };
    names.iter().map(|name| user(connection, name)).collect()
}

fn bind_partner(connection: &Connection, user: &str, partner_id: &str) -> Result<bool, StoreError> {
    check_partner(partner_id)?;
    let id = user_id(connection, user)?;
    let changed = connection.execute(
        "INSERT INTO partners (user_id, partner_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
        params![id, partner_id],
    )?;
    Ok(changed == 1)
}

fn unbind_partner(
    connection: &Connection,
    user: &str,
    partner_id: &str,
) -> Result<bool, StoreError> {
    let id = user_id(connection, user)?;
    let changed = connection.execute(
        "DELETE FROM partners WHERE user_id = ?1 AND partner_id = ?2",
        params![id, partner_id],
    )?;
    Ok(changed == 1)
}

fn insert_key_hash(
    connection: &Connection,
    user: &str,
    key_name: &str,
    sha256: [u8; 32],
    created_unix: i64,
) -> Result<(), StoreError> {
    check_name(key_name)?;
    let id = user_id(connection, user)?;
    let taken: bool = connection.query_row(
        "SELECT EXISTS (SELECT 1 FROM keys WHERE name = ?1 OR sha256 = ?2)",
        params![key_name, sha256.as_slice()],
        |row| row.get(0),
    )?;
    if taken {
        return Err(StoreError::DuplicateKey(key_name.to_owned()));
    }
    connection.execute(
        "INSERT INTO keys (user_id, name, sha256, created_unix) VALUES (?1, ?2, ?3, ?4)",
        params![id, key_name, sha256.as_slice(), created_unix],
    )?;
    Ok(())
}

fn keys(connection: &Connection, user: Option<&str>) -> Result<Vec<KeyRecord>, StoreError> {
    if let Some(user) = user {
        user_id(connection, user)?;
    }
    let mut statement = connection.prepare(
        "SELECT k.name, u.name, k.created_unix FROM keys k JOIN users u ON u.id = k.user_id
         WHERE ?1 IS NULL OR u.name = ?1 ORDER BY k.name",
    )?;
    let rows = statement.query_map([user], |row| {
        Ok(KeyRecord {
            name: row.get(0)?,
            user: row.get(1)?,
            created_unix: row.get(2)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn revoke_key(connection: &Connection, key_name: &str) -> Result<(), StoreError> {
    let changed = connection.execute("DELETE FROM keys WHERE name = ?1", [key_name])?;
    if changed == 0 {
        return Err(StoreError::UnknownKey(key_name.to_owned()));
    }
    Ok(())
}

/// The hash is looked up by index (a SHA-256 of a random 32-character key tells an attacker
/// nothing about other keys), and the stored hash is then compared in constant time.
fn verify_key(connection: &Connection, presented: &str) -> Result<Option<KeyOwner>, StoreError> {
    let presented = keys::hash_key(presented);
    let found: Option<(Vec<u8>, String, String)> = connection
        .query_row(
            "SELECT k.sha256, k.name, u.name FROM keys k JOIN users u ON u.id = k.user_id
             WHERE k.sha256 = ?1",
            [presented.as_slice()],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .optional()?;
    Ok(found.and_then(|(stored, key, user)| {
        bool::from(stored.as_slice().ct_eq(presented.as_slice())).then_some(KeyOwner { user, key })
    }))
}

fn add_shipments(
    connection: &mut Connection,
    user: &str,
    references: &[Reference],
) -> Result<Added, StoreError> {
    check_count(references)?;
    let id = user_id(connection, user)?;
    let now = super::now_unix();
    let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut added = 0;
    {
        let mut insert = transaction.prepare(
            "INSERT INTO shipments (user_id, kind, partner_id, number, reference, added_unix)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
        )?;
        for reference in references {
            let json = serde_json::to_string(reference).unwrap_or_default();
            added += insert.execute(params![
                id,
                kind_of(reference),
                partner_of(reference),
                reference.number(),
                json,
                now
            ])? as u64;
        }
    }
    transaction.commit()?;
    Ok(Added {
        added,
        already_registered: references.len() as u64 - added,
    })
}

fn remove_shipments(
    connection: &mut Connection,
    user: &str,
    references: &[Reference],
) -> Result<u64, StoreError> {
    check_count(references)?;
    let id = user_id(connection, user)?;
    let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut removed = 0;
    {
        let mut delete = transaction.prepare(
            "DELETE FROM shipments
             WHERE user_id = ?1 AND kind = ?2 AND partner_id = ?3 AND number = ?4",
        )?;
        for reference in references {
            removed += delete.execute(params![
                id,
                kind_of(reference),
                partner_of(reference),
                reference.number()
            ])? as u64;
        }
    }
    transaction.commit()?;
    Ok(removed)
}

fn shipments(
    connection: &Connection,
    user: &str,
    query: &ShipmentsQuery,
) -> Result<ShipmentPage, StoreError> {
    let id = user_id(connection, user)?;
    let registered = "SELECT reference, added_unix, id FROM shipments
                      WHERE user_id = ?1 AND (?2 IS NULL OR number LIKE ?2 ESCAPE '\\')";
    page_of(connection, registered, id, query)
}

fn visible_shipments(
    connection: &Connection,
    user: &str,
    query: &ShipmentsQuery,
) -> Result<ShipmentPage, StoreError> {
    let id = user_id(connection, user)?;
    // One row per reference, however many registered it; its newest registration counts.
    let visible = "SELECT MAX(reference) AS reference, MAX(added_unix) AS added_unix,
                          MAX(id) AS id
                   FROM shipments
                   WHERE (user_id = ?1
                          OR (partner_id <> '' AND partner_id IN
                              (SELECT partner_id FROM partners WHERE user_id = ?1)))
                     AND (?2 IS NULL OR number LIKE ?2 ESCAPE '\\')
                   GROUP BY kind, partner_id, number";
    page_of(connection, visible, id, query)
}

fn in_scope(connection: &Connection, user: &str, numbers: &[String]) -> Result<bool, StoreError> {
    let Some(id) = connection
        .query_row("SELECT id FROM users WHERE name = ?1", [user], |row| {
            row.get::<_, i64>(0)
        })
        .optional()?
    else {
        return Ok(false);
    };
    let mut statement = connection.prepare_cached(
        "SELECT EXISTS (
             SELECT 1 FROM shipments WHERE user_id = ?1 AND number = ?2
             UNION ALL
             SELECT 1 FROM shipments s JOIN partners p ON p.partner_id = s.partner_id
             WHERE p.user_id = ?1 AND s.partner_id <> '' AND s.number = ?2
         )",
    )?;
    for number in numbers {
        if statement.query_row(params![id, number], |row| row.get::<_, bool>(0))? {
            return Ok(true);
        }
    }
    Ok(false)
}

fn marker(connection: &Connection, name: &str) -> Result<Option<String>, StoreError> {
    Ok(connection
        .query_row("SELECT value FROM markers WHERE name = ?1", [name], |row| {
            row.get(0)
        })
        .optional()?)
}

fn set_marker(connection: &Connection, name: &str, value: &str) -> Result<(), StoreError> {
    connection.execute(
        "INSERT INTO markers (name, value) VALUES (?1, ?2)
         ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        params![name, value],
    )?;
    Ok(())
}

/// Each call copies what it needs and runs on the blocking threads; the connection is shared.
#[async_trait]
impl Store for SqliteStore {
    async fn ensure_user(&self, name: &str) -> Result<bool, StoreError> {
        let name = name.to_owned();
        self.run(move |connection| ensure_user(connection, &name))
            .await
    }

    async fn users(&self) -> Result<Vec<User>, StoreError> {
        self.run(|connection| users(connection)).await
    }

    async fn user(&self, name: &str) -> Result<User, StoreError> {
        let name = name.to_owned();
        self.run(move |connection| user(connection, &name)).await
    }

    async fn bind_partner(&self, user: &str, partner_id: &str) -> Result<bool, StoreError> {
        let (user, partner_id) = (user.to_owned(), partner_id.to_owned());
        self.run(move |connection| bind_partner(connection, &user, &partner_id))
            .await
    }

    async fn unbind_partner(&self, user: &str, partner_id: &str) -> Result<bool, StoreError> {
        let (user, partner_id) = (user.to_owned(), partner_id.to_owned());
        self.run(move |connection| unbind_partner(connection, &user, &partner_id))
            .await
    }

    async fn insert_key_hash(
        &self,
        user: &str,
        key_name: &str,
        sha256: [u8; 32],
        created_unix: i64,
    ) -> Result<(), StoreError> {
        let (user, key_name) = (user.to_owned(), key_name.to_owned());
        self.run(move |connection| {
            insert_key_hash(connection, &user, &key_name, sha256, created_unix)
        })
        .await
    }

    async fn keys(&self, user: Option<&str>) -> Result<Vec<KeyRecord>, StoreError> {
        let user = user.map(str::to_owned);
        self.run(move |connection| keys(connection, user.as_deref()))
            .await
    }

    async fn revoke_key(&self, key_name: &str) -> Result<(), StoreError> {
        let key_name = key_name.to_owned();
        self.run(move |connection| revoke_key(connection, &key_name))
            .await
    }

    async fn verify_key(&self, presented: &str) -> Result<Option<KeyOwner>, StoreError> {
        let presented = presented.to_owned();
        self.run(move |connection| verify_key(connection, &presented))
            .await
    }

    async fn add_shipments(
        &self,
        user: &str,
        references: &[Reference],
    ) -> Result<Added, StoreError> {
        check_count(references)?;
        let (user, references) = (user.to_owned(), references.to_vec());
        self.run(move |connection| add_shipments(connection, &user, &references))
            .await
    }

    async fn remove_shipments(
        &self,
        user: &str,
        references: &[Reference],
    ) -> Result<u64, StoreError> {
        check_count(references)?;
        let (user, references) = (user.to_owned(), references.to_vec());
        self.run(move |connection| remove_shipments(connection, &user, &references))
            .await
    }

    async fn shipments(
        &self,
        user: &str,
        query: &ShipmentsQuery,
    ) -> Result<ShipmentPage, StoreError> {
        let (user, query) = (user.to_owned(), query.clone());
        self.run(move |connection| shipments(connection, &user, &query))
            .await
    }

    async fn visible_shipments(
        &self,
        user: &str,
        query: &ShipmentsQuery,
    ) -> Result<ShipmentPage, StoreError> {
        let (user, query) = (user.to_owned(), query.clone());
        self.run(move |connection| visible_shipments(connection, &user, &query))
            .await
    }

    async fn in_scope(&self, user: &str, numbers: &[String]) -> Result<bool, StoreError> {
        let (user, numbers) = (user.to_owned(), numbers.to_vec());
        self.run(move |connection| in_scope(connection, &user, &numbers))
            .await
    }

    async fn marker(&self, name: &str) -> Result<Option<String>, StoreError> {
        let name = name.to_owned();
        self.run(move |connection| marker(connection, &name)).await
    }

    async fn set_marker(&self, name: &str, value: &str) -> Result<(), StoreError> {
        let (name, value) = (name.to_owned(), value.to_owned());
        self.run(move |connection| set_marker(connection, &name, &value))
            .await
    }
}

/// One page of `rows` (a select of `reference`, `added_unix` and `id` that takes the user's id
/// as `?1` and the search pattern as `?2`), newest first, with the count of all its rows.
fn page_of(
    connection: &Connection,
    rows: &str,
    user_id: i64,
    query: &ShipmentsQuery,
) -> Result<ShipmentPage, StoreError> {
    let page = query.page.max(1);
    let per_page = query.per_page.clamp(1, 1_000);
    let pattern = query.search.as_deref().map(like_pattern);
    let total: i64 = connection.query_row(
        &format!("SELECT COUNT(*) FROM ({rows})"),
        params![user_id, pattern],
        |row| row.get(0),
    )?;
    let mut statement = connection.prepare(&format!(
        "SELECT reference, added_unix FROM ({rows})
         ORDER BY added_unix DESC, id DESC LIMIT ?3 OFFSET ?4"
    ))?;
    let rows = statement.query_map(
        params![
            user_id,
            pattern,
            i64::from(per_page),
            i64::from(page - 1) * i64::from(per_page)
        ],
        |row| Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?)),
    )?;
    let mut shipments = Vec::new();
    for row in rows {
        let (json, added_unix) = row?;
        if let Ok(reference) = serde_json::from_str(&json) {
            shipments.push(RegisteredShipment {
                reference,
                added_unix,
            });
        }
    }
    Ok(ShipmentPage {
        shipments,
        total: total as u64,
        page,
        per_page,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_key_is_stored_as_a_hash_and_a_revoked_key_is_refused() {
        let folder = std::env::temp_dir().join(format!("trackline-store-{}", std::process::id()));
        let path = folder.join("access.sqlite");
        let _ = std::fs::remove_file(&path);
        let store = SqliteStore::open(&path).unwrap();
        store.ensure_user("anna").await.unwrap();
        let key = store.create_key("anna", "anna-phone").await.unwrap();
        assert_eq!(key.len(), keys::KEY_LENGTH);
        assert_eq!(
            store.verify_key(&key).await.unwrap(),
            Some(KeyOwner {
                user: "anna".into(),
                key: "anna-phone".into()
            })
        );
        let bytes = std::fs::read(&path).unwrap();
        assert!(!bytes
            .windows(key.len())
            .any(|window| window == key.as_bytes()));
        // Another connection (the CLI in another process) revokes; this one sees it at once.
        SqliteStore::open(&path)
            .unwrap()
            .revoke_key("anna-phone")
            .await
            .unwrap();
        assert_eq!(store.verify_key(&key).await.unwrap(), None);
        assert!(matches!(
            store.revoke_key("anna-phone").await,
            Err(StoreError::UnknownKey(_))
        ));
    }

    #[tokio::test]
    async fn stores_opening_one_new_file_at_once_migrate_it_once() {
        let folder =
            std::env::temp_dir().join(format!("trackline-store-race-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&folder);
        let path = folder.join("access.sqlite");
        let openers: Vec<_> = (0..6)
            .map(|_| {
                let path = path.clone();
                std::thread::spawn(move || SqliteStore::open(&path).map(|_| ()))
            })
            .collect();
        for opener in openers {
            opener.join().unwrap().unwrap();
        }
        let store = SqliteStore::open(&path).unwrap();
        assert!(store.ensure_user("anna").await.unwrap());
    }

    #[tokio::test]
    async fn the_sqlite_store_does_what_every_store_must_in_memory_and_in_a_file() {
        super::super::conformance::check(&SqliteStore::in_memory().unwrap()).await;
        let folder =
            std::env::temp_dir().join(format!("trackline-store-file-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&folder);
        super::super::conformance::check(&SqliteStore::open(&folder.join("a.sqlite")).unwrap())
            .await;
    }
}
