//! Events registered through Di's Register Event, kept in an append-only JSON-lines file that is
//! fsynced after every event, so that they survive a restart (or a crash) of the sandbox.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

/// One registered event, as stored: the fields of seed 002 plus the parcel it was matched to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredEvent {
    /// The Di parcel's tracking number the event was registered to.
    pub parcel: String,
    /// As posted, e.g. `(00)370724760010119754`.
    pub tracking_reference: String,
    /// Seconds since 1970 (UTC), read from the posted ISO-8601 `eventTime`.
    pub event_time: i64,
    pub event_type: String,
    pub additional_info: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub location_context: Option<String>,
    pub location_context_id: Option<String>,
    pub com_channel_type: Option<String>,
    pub message: Option<String>,
    /// When the sandbox received it, seconds since 1970 (UTC).
    pub registered_at: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum EventStoreError {
    #[error("cannot open the sandbox event store {path}: {source}")]
    Open {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read the sandbox event store {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "line {line} of the sandbox event store {path} is not a stored event ({source}); \
         fix or remove that line"
    )]
    Corrupt {
        path: PathBuf,
        line: usize,
        source: serde_json::Error,
    },
    #[error("cannot write to the sandbox event store {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Registered events, in memory and, unless in-memory only, in the file.
#[derive(Debug)]
pub struct EventStore {
    file: Option<(PathBuf, Mutex<File>)>,
    events: Mutex<Vec<StoredEvent>>,
}

impl EventStore {
    /// Keeps events for the life of the process only (tests, the demo with `--store none`).
    pub fn in_memory() -> EventStore {
        EventStore {
            file: None,
            events: Mutex::new(Vec::new()),
        }
    }

    /// Opens (or creates) the file and loads what it holds.
    pub fn open(path: &Path) -> Result<EventStore, EventStoreError> {
        let events = if path.exists() {
            load(path)?
        } else {
            Vec::new()
        };
        if let Some(parent) = path
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty())
        {
            std::fs::create_dir_all(parent).map_err(|source| EventStoreError::Open {
                path: path.to_owned(),
                source,
            })?;
        }
        let open_error = |source| EventStoreError::Open {
            path: path.to_owned(),
            source,
        };
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(open_error)?;
        // After a crash mid-write, the half line goes, so that the next event starts a line.
        let bytes = std::fs::read(path).map_err(open_error)?;
        if bytes.last().is_some_and(|last| *last != b'\n') {
            let complete = bytes
                .iter()
                .rposition(|byte| *byte == b'\n')
                .map_or(0, |end| end + 1);
            file.set_len(complete as u64).map_err(open_error)?;
        }
        Ok(EventStore {
            file: Some((path.to_owned(), Mutex::new(file))),
            events: Mutex::new(events),
        })
    }

    pub fn path(&self) -> Option<&Path> {
        self.file.as_ref().map(|(path, _)| path.as_path())
    }

    /// Writes the event and waits for the disk before it counts as stored.
    pub fn append(&self, event: StoredEvent) -> Result<(), EventStoreError> {
        if let Some((path, file)) = &self.file {
            let mut line = serde_json::to_string(&event).expect("a stored event serializes");
            line.push('\n');
            let mut file = file.lock().expect("event store file lock");
            file.write_all(line.as_bytes())
                .and_then(|()| file.sync_data())
                .map_err(|source| EventStoreError::Write {
                    path: path.clone(),
                    source,
                })?;
        }
        self.events.lock().expect("event store lock").push(event);
        Ok(())
    }

    pub fn events_for(&self, parcel: &str) -> Vec<StoredEvent> {
        self.events
            .lock()
            .expect("event store lock")
            .iter()
            .filter(|event| event.parcel == parcel)
            .cloned()
            .collect()
    }

    pub fn len(&self) -> usize {
        self.events.lock().expect("event store lock").len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn load(path: &Path) -> Result<Vec<StoredEvent>, EventStoreError> {
    let file = File::open(path).map_err(|source| EventStoreError::Read {
        path: path.to_owned(),
        source,
    })?;
    let lines: Vec<String> = BufReader::new(file)
        .lines()
        .collect::<Result<_, _>>()
        .map_err(|source| EventStoreError::Read {
            path: path.to_owned(),
            source,
        })?;
    let last = lines.len();
    let mut events = Vec::with_capacity(last);
    for (index, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str(line) {
            Ok(event) => events.push(event),
            // A crash during a write can leave half a last line: that event was never confirmed
            // to its sender, so dropping it loses nothing that was promised.
            Err(_) if index + 1 == last => {
                tracing::warn!(path = %path.display(), "ignoring an incomplete last line in the sandbox event store");
            }
            Err(source) => {
                return Err(EventStoreError::Corrupt {
                    path: path.to_owned(),
                    line: index + 1,
                    source,
                })
            }
        }
    }
    Ok(events)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(parcel: &str, message: &str) -> StoredEvent {
        StoredEvent {
            parcel: parcel.into(),
            tracking_reference: parcel.into(),
            event_time: 1_700_000_000,
            event_type: "013".into(),
            additional_info: None,
            lat: None,
            lon: None,
            location_context: Some("Oslo".into()),
            location_context_id: None,
            com_channel_type: None,
            message: Some(message.into()),
            registered_at: 1_700_000_001,
        }
    }

    fn scratch_file(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "trackline-event-store-{}-{name}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        dir.join("events.jsonl")
    }

    #[test]
    fn events_written_by_one_store_are_read_by_the_next() {
        let path = scratch_file("reopen");
        let store = EventStore::open(&path).unwrap();
        store.append(event("1", "first")).unwrap();
        store.append(event("2", "second")).unwrap();
        drop(store);
        let reopened = EventStore::open(&path).unwrap();
        assert_eq!(reopened.events_for("1"), vec![event("1", "first")]);
        assert_eq!(reopened.len(), 2);
    }

    #[test]
    fn a_half_written_last_line_is_dropped_but_a_bad_middle_line_is_reported() {
        let path = scratch_file("corrupt");
        let good = serde_json::to_string(&event("1", "ok")).unwrap();
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, format!("{good}\n{{\"parcel\":\"1\",\"tra")).unwrap();
        let store = EventStore::open(&path).unwrap();
        assert_eq!(store.len(), 1);
        store.append(event("2", "after the crash")).unwrap();
        drop(store);
        assert_eq!(EventStore::open(&path).unwrap().len(), 2);
        std::fs::write(&path, format!("not json\n{good}\n")).unwrap();
        let error = EventStore::open(&path).unwrap_err().to_string();
        assert!(error.contains("line 1"), "{error}");
    }
}
