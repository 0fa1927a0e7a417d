//! Access keys: the conizi-style 32-character `id` a merchant hands out in links. Only SHA-256
//! hashes are stored, in the access database (see `store`). The key file of earlier versions
//! (`access_keys.file`) is read here once, when it migrates into the database.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The header the widget fills from the link's `id`.
pub const KEY_HEADER: &str = "x-trackline-key";
pub const KEY_LENGTH: usize = 32;
const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read the access key file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the access key file {path} is not valid: {problem}")]
    Malformed { path: PathBuf, problem: String },
    #[error("cannot write the access key file {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the system's random number generator failed: {0}")]
    Random(getrandom::Error),
    #[error("a key named `{0}` already exists; revoke it first or pick another name")]
    DuplicateName(String),
    #[error("no key is named `{0}`")]
    UnknownName(String),
    #[error("`{0}` is not a key name: use 1 to 64 letters, digits, `.`, `-` or `_`")]
    InvalidName(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredKey {
    pub name: String,
    /// Hex SHA-256 of the key.
    pub sha256: String,
    pub created_unix: u64,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyFile {
    #[serde(default)]
    keys: Vec<StoredKey>,
}

/// A new key from the operating system's CSPRNG, in the conizi `id` format.
pub fn generate_key() -> Result<String, KeyError> {
    let mut key = String::with_capacity(KEY_LENGTH);
    let mut buffer = [0u8; 64];
    while key.len() < KEY_LENGTH {
        getrandom::getrandom(&mut buffer).map_err(KeyError::Random)?;
        // Rejection sampling keeps every character equally likely (248 = 4 * 62).
        for byte in buffer.iter().filter(|byte| **byte < 248) {
            if key.len() == KEY_LENGTH {
                break;
            }
            key.push(char::from(ALPHABET[usize::from(*byte) % ALPHABET.len()]));
        }
    }
    Ok(key)
}

pub fn hash_key(key: &str) -> [u8; 32] {
    Sha256::digest(key.as_bytes()).into()
}

/// A hash in the hex form stored in key files and in the shared store.
pub fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// A stored hash from its hex form.
pub fn hash_from_hex(text: &str) -> Option<[u8; 32]> {
    if text.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (index, slot) in out.iter_mut().enumerate() {
        *slot = u8::from_str_radix(text.get(index * 2..index * 2 + 2)?, 16).ok()?;
    }
    Some(out)
}

fn read_file(path: &Path) -> Result<KeyFile, KeyError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(KeyFile::default()),
        Err(source) => {
            return Err(KeyError::Read {
                path: path.to_owned(),
                source,
            })
        }
    };
    let file: KeyFile = toml::from_str(&text).map_err(|error| KeyError::Malformed {
        path: path.to_owned(),
        problem: error.to_string(),
    })?;
    for key in &file.keys {
        if hash_from_hex(&key.sha256).is_none() {
            return Err(KeyError::Malformed {
                path: path.to_owned(),
                problem: format!("the hash of key `{}` is not 64 hex digits", key.name),
            });
        }
    }
    Ok(file)
}

/// Replaces the file in one step (write beside it, then rename), so the proxy never reads a
/// half-written file, and keeps it private to its owner.
fn write_file(path: &Path, file: &KeyFile) -> Result<(), KeyError> {
    let write_error = |source| KeyError::Write {
        path: path.to_owned(),
        source,
    };
    let text = format!(
        "# Trackline access keys. Only SHA-256 hashes are stored; manage with `trackline keys`.\n{}",
        toml::to_string(file).map_err(|error| write_error(std::io::Error::other(error)))?
    );
    let temporary = path.with_extension(format!("tmp{}", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut handle = options.open(&temporary).map_err(write_error)?;
    std::io::Write::write_all(&mut handle, text.as_bytes()).map_err(write_error)?;
    handle.sync_all().map_err(write_error)?;
    std::fs::rename(&temporary, path).map_err(write_error)
}

fn check_name(name: &str) -> Result<(), KeyError> {
    let valid = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
    if valid {
        Ok(())
    } else {
        Err(KeyError::InvalidName(name.to_owned()))
    }
}

/// Creates a key named `name`, stores its hash, and returns the key (shown once, never stored).
pub fn create_key(path: &Path, name: &str) -> Result<String, KeyError> {
    check_name(name)?;
    let mut file = read_file(path)?;
    if file.keys.iter().any(|key| key.name == name) {
        return Err(KeyError::DuplicateName(name.to_owned()));
    }
    let key = generate_key()?;
    let created_unix = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs())
        .unwrap_or(0);
    file.keys.push(StoredKey {
        name: name.to_owned(),
        sha256: to_hex(&hash_key(&key)),
        created_unix,
    });
    write_file(path, &file)?;
    Ok(key)
}

pub fn list_keys(path: &Path) -> Result<Vec<StoredKey>, KeyError> {
    Ok(read_file(path)?.keys)
}

pub fn revoke_key(path: &Path, name: &str) -> Result<(), KeyError> {
    let mut file = read_file(path)?;
    let before = file.keys.len();
    file.keys.retain(|key| key.name != name);
    if file.keys.len() == before {
        return Err(KeyError::UnknownName(name.to_owned()));
    }
    write_file(path, &file)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temporary_file(name: &str) -> PathBuf {
        let folder =
            std::env::temp_dir().join(format!("trackline-keys-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&folder).unwrap();
        let path = folder.join("keys.toml");
        let _ = std::fs::remove_file(&path);
        path
    }

    #[test]
    fn a_new_key_has_32_alphanumeric_characters_and_keys_differ() {
        let a = generate_key().unwrap();
        let b = generate_key().unwrap();
        assert_eq!(a.len(), KEY_LENGTH);
        assert!(a.bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_ne!(a, b);
    }

    #[test]
    fn the_file_holds_the_hash_and_never_the_key() {
        let path = temporary_file("hash");
        let key = create_key(&path, "shop").unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains(&key));
        assert!(text.contains(&to_hex(&hash_key(&key))));
    }

    #[test]
    fn names_are_unique_and_revoking_an_unknown_name_fails() {
        let path = temporary_file("names");
        create_key(&path, "shop").unwrap();
        assert!(matches!(
            create_key(&path, "shop"),
            Err(KeyError::DuplicateName(_))
        ));
        assert!(matches!(
            revoke_key(&path, "nobody"),
            Err(KeyError::UnknownName(_))
        ));
        assert!(matches!(
            create_key(&path, "bad name"),
            Err(KeyError::InvalidName(_))
        ));
        assert_eq!(list_keys(&path).unwrap().len(), 1);
    }
}
