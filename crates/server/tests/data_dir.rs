//! `trackline sandbox` and `trackline demo` keep their files in the data directory they name at
//! start-up, never in the folder they were started from.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn folder(name: &str) -> PathBuf {
    let folder =
        std::env::temp_dir().join(format!("trackline-data-dir-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(&folder).unwrap();
    folder
}

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `trackline args` in `cwd` and returns it with the stdout lines read until one holds
/// `until`.
fn start(cwd: &Path, args: &[&str], until: &str) -> (Running, Vec<String>) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_trackline"));
    for name in [
        "TRACKLINE_DATA_DIR",
        "TRACKLINE_SANDBOX_STORE",
        "TRACKLINE_SANDBOX_DATA",
    ] {
        command.env_remove(name);
    }
    let mut child = command
        .current_dir(cwd)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let running = Running(child);
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    let mut lines = Vec::new();
    while !lines.iter().any(|line: &String| line.contains(until)) {
        let line = receiver
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| panic!("no line with `{until}` in {lines:?}"));
        lines.push(line);
    }
    (running, lines)
}

fn wait_for_file(path: &Path) {
    let started = Instant::now();
    while !path.exists() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{} never appeared",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn the_sandbox_keeps_its_event_store_in_the_data_directory_it_names() {
    let cwd = folder("sandbox-cwd");
    let data = folder("sandbox-data");
    let (_sandbox, lines) = start(
        &cwd,
        &[
            "sandbox",
            "--port",
            "0",
            "--data-dir",
            data.to_str().unwrap(),
        ],
        "Registered Di events",
    );
    let store = data.join("trackline-sandbox-events.jsonl");
    assert!(
        lines
            .iter()
            .any(|line| line.contains(store.to_str().unwrap())),
        "{lines:?}"
    );
    assert!(store.exists());
    assert_eq!(
        std::fs::read_dir(&cwd).unwrap().count(),
        0,
        "nothing in the working directory"
    );
}

#[test]
fn the_demo_names_its_data_directory_and_keeps_its_access_database_there() {
    let cwd = folder("demo-cwd");
    let data = folder("demo-data");
    let widget = folder("demo-widget");
    std::fs::write(
        widget.join("trackline.js"),
        "// a stand-in for the built loader\n",
    )
    .unwrap();
    let (_demo, lines) = start(
        &cwd,
        &[
            "demo",
            "--port",
            "0",
            "--widget-dir",
            widget.to_str().unwrap(),
            "--data-dir",
            data.to_str().unwrap(),
        ],
        "Data directory:",
    );
    assert!(
        lines
            .iter()
            .any(|line| line == &format!("Data directory: {}", data.display())),
        "{lines:?}"
    );
    wait_for_file(&data.join("trackline-demo-access.sqlite"));
    assert_eq!(
        std::fs::read_dir(&cwd).unwrap().count(),
        0,
        "nothing in the working directory"
    );
}
