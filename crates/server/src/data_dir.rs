//! The data directory: where `trackline demo` and `trackline sandbox` keep their files (the
//! sandbox's event store, the demo's access database), so that nothing lands in whatever folder
//! they were started from. `--data-dir` (or `TRACKLINE_DATA_DIR`) names it; by default it is
//! `trackline` in the user's data directory (`~/.local/share/trackline` on Linux,
//! `~/Library/Application Support/trackline` on macOS, `%APPDATA%\trackline` on Windows).

use std::path::{Path, PathBuf};

pub const ENV_DATA_DIR: &str = "TRACKLINE_DATA_DIR";

#[derive(Debug, thiserror::Error)]
pub enum DataDirError {
    #[error(
        "this system names no data directory for the user; pass --data-dir (or set {ENV_DATA_DIR})"
    )]
    Unknown,
    #[error("cannot create the data directory {path}: {source}")]
    Create {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The directory `given`, or the default, created if missing.
pub fn resolve(given: Option<&Path>) -> Result<PathBuf, DataDirError> {
    let path = match given {
        Some(path) => path.to_owned(),
        None => dirs::data_dir()
            .ok_or(DataDirError::Unknown)?
            .join("trackline"),
    };
    std::fs::create_dir_all(&path).map_err(|source| DataDirError::Create {
        path: path.clone(),
        source,
    })?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_named_directory_is_created_and_returned() {
        let path = std::env::temp_dir()
            .join(format!("trackline-data-dir-{}", std::process::id()))
            .join("nested");
        let _ = std::fs::remove_dir_all(&path);
        assert_eq!(resolve(Some(&path)).unwrap(), path);
        assert!(path.is_dir());
    }
}
