//! `trackline proxy` and `trackline keys` as a merchant runs them: start-up refusals name the
//! key to fix, keys are printed once and stored as hashes, and the proxy drains and exits on
//! SIGTERM.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn trackline() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_trackline"));
    // The tests' configuration must not be overridden by a developer's environment.
    for name in [
        "TRACKLINE_DI_USERNAME",
        "TRACKLINE_DI_PASSWORD",
        "TRACKLINE_TRACKONLINE_API_KEY",
        "TRACKLINE_PROXY_CONFIG",
        "TRACKLINE_KEYS_FILE",
        "TRACKLINE_ACCESS_DATABASE",
        "TRACKLINE_LINK_SECRET",
        "TRACKLINE_ADMIN_TOKEN",
        "TRACKLINE_REDIS_URL",
    ] {
        command.env_remove(name);
    }
    command
}

fn folder(name: &str) -> PathBuf {
    let folder =
        std::env::temp_dir().join(format!("trackline-proxy-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(&folder).unwrap();
    folder
}

fn write(folder: &Path, name: &str, text: &str) -> PathBuf {
    let path = folder.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn a_missing_secret_stops_the_proxy_with_the_key_and_variable_to_set() {
    let folder = folder("missing-secret");
    let config = write(&folder, "proxy.toml", "[carriers.trackonline]\n");
    let output = trackline()
        .args(["proxy", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("carriers.trackonline.api_key"), "{stderr}");
    assert!(stderr.contains("TRACKLINE_TRACKONLINE_API_KEY"), "{stderr}");
}

#[test]
fn an_unsafe_cors_configuration_stops_the_proxy() {
    let folder = folder("unsafe-cors");
    let config = write(
        &folder,
        "proxy.toml",
        "[carriers.inpost]\n[[sites]]\nname = \"shop\"\norigins = [\"https://*.shop.example\"]\n",
    );
    let output = trackline()
        .args(["proxy", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("unsafe CORS configuration at sites[0].origins[0]"),
        "{stderr}"
    );
}

#[test]
fn the_secret_can_come_from_the_environment_and_the_proxy_drains_and_exits_on_sigterm() {
    let folder = folder("serve");
    let config = write(
        &folder,
        "proxy.toml",
        "[server]\nlisten = \"127.0.0.1:0\"\n[carriers.trackonline]\nbase_url = \"http://127.0.0.1:9\"\n",
    );
    let mut child = trackline()
        .args(["proxy", "--config"])
        .arg(&config)
        .env("TRACKLINE_TRACKONLINE_API_KEY", "key-from-the-environment")
        .env("RUST_LOG", "debug")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first_line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first_line)
        .unwrap();
    let url = first_line
        .trim()
        .strip_prefix("Trackline proxy listening on ")
        .unwrap_or_else(|| panic!("unexpected first line: {first_line:?}"))
        .to_owned();
    let addr = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let mut stream = std::net::TcpStream::connect(&addr).unwrap();
    std::io::Write::write_all(
        &mut stream,
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .unwrap();
    let mut answer = String::new();
    std::io::Read::read_to_string(&mut stream, &mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");

    let killed = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(killed.success());
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the proxy did not stop"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
    let mut logs = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut logs).unwrap();
    assert!(logs.contains("draining"), "{logs}");
    assert!(!logs.contains("key-from-the-environment"), "{logs}");
}

#[test]
fn a_private_carrier_made_public_is_warned_about_at_start_up() {
    let folder = folder("public-warning");
    let config = write(
        &folder,
        "proxy.toml",
        "[server]\nlisten = \"127.0.0.1:0\"\n[carriers.trackonline]\napi_key = \"k\"\naccess = \"public\"\n",
    );
    let mut child = trackline()
        .args(["proxy", "--config"])
        .arg(&config)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first_line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first_line)
        .unwrap();
    assert!(
        first_line.starts_with("Trackline proxy listening"),
        "{first_line}"
    );
    child.kill().unwrap();
    child.wait().unwrap();
    let mut logs = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut logs).unwrap();
    assert!(
        logs.contains(
            "WARNING: carriers.trackonline.access = \"public\" exposes every trackonline shipment"
        ),
        "{logs}"
    );
}

#[test]
fn keys_are_printed_once_listed_by_name_and_revoked() {
    let folder = folder("keys");
    let config = write(&folder, "proxy.toml", "[carriers.inpost]\n");
    let created = trackline()
        .args(["keys", "--config"])
        .arg(&config)
        .args(["new", "shop-links"])
        .output()
        .unwrap();
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    let key = String::from_utf8(created.stdout).unwrap().trim().to_owned();
    assert_eq!(key.len(), 32);
    assert!(key.bytes().all(|b| b.is_ascii_alphanumeric()));

    // The database beside the configuration holds the key's name and hash, never the key.
    let stored = std::fs::read(folder.join("trackline-access.sqlite")).unwrap();
    let holds = |text: &str| {
        stored
            .windows(text.len())
            .any(|window| window == text.as_bytes())
    };
    assert!(holds("shop-links") && !holds(&key));

    let listed = trackline()
        .args(["keys", "--config"])
        .arg(&config)
        .arg("list")
        .output()
        .unwrap();
    let listed = String::from_utf8(listed.stdout).unwrap();
    assert!(
        listed.contains("shop-links") && !listed.contains(&key),
        "{listed}"
    );

    let revoked = trackline()
        .args(["keys", "--config"])
        .arg(&config)
        .args(["revoke", "shop-links"])
        .output()
        .unwrap();
    assert!(revoked.status.success());
    let again = trackline()
        .args(["keys", "--config"])
        .arg(&config)
        .args(["revoke", "shop-links"])
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("no key is named `shop-links`"));
}

#[tokio::test]
async fn the_old_key_file_moves_into_the_database_once_and_revocations_stay() {
    let folder = folder("migration");
    let old_key = trackline::proxy::keys::create_key(&folder.join("keys.toml"), "portal").unwrap();
    let config = write(
        &folder,
        "proxy.toml",
        "[access_keys]\nfile = \"keys.toml\"\n[carriers.inpost]\n",
    );
    let list = || {
        let listed = trackline()
            .args(["keys", "--config"])
            .arg(&config)
            .arg("list")
            .output()
            .unwrap();
        assert!(listed.status.success());
        String::from_utf8(listed.stdout).unwrap()
    };
    let listed = list();
    assert!(listed.contains("portal\tuser=portal"), "{listed}");
    assert!(!listed.contains(&old_key));
    let store = trackline::proxy::store::SqliteStore::open(&folder.join("trackline-access.sqlite"))
        .unwrap();
    use trackline::proxy::store::Store;
    assert_eq!(
        store.verify_key(&old_key).await.unwrap().unwrap().user,
        "portal"
    );

    let revoked = trackline()
        .args(["keys", "--config"])
        .arg(&config)
        .args(["revoke", "portal"])
        .output()
        .unwrap();
    assert!(revoked.status.success());
    // The file is still there, but it is not read again: the revoked key stays revoked.
    assert!(folder.join("keys.toml").exists());
    assert!(!list().contains("portal"));
    assert_eq!(store.verify_key(&old_key).await.unwrap(), None);
}

#[test]
fn users_get_shipments_and_partners_from_the_command_line() {
    let folder = folder("users");
    let database = folder.join("access.sqlite");
    let run = |args: &[&str]| {
        let output = trackline()
            .arg("users")
            .arg("--database")
            .arg(&database)
            .args(args)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        (
            String::from_utf8(output.stdout).unwrap(),
            String::from_utf8(output.stderr).unwrap(),
        )
    };
    run(&["new", "anna", "--partner", "4711"]);
    let (_, said) = run(&[
        "ship",
        "anna",
        "sscc=370724760010119754",
        "cref=ORDER-88231",
    ]);
    assert!(said.contains("2 added, 0 already registered"), "{said}");
    let (_, said) = run(&["ship", "anna", "sscc=3707 2476 0010 1197 54"]);
    assert!(said.contains("0 added, 1 already registered"), "{said}");
    let (page, _) = run(&["shipments", "anna", "--search", "88231"]);
    let page: serde_json::Value = serde_json::from_str(&page).unwrap();
    assert_eq!(page["total"], 1);
    assert_eq!(page["shipments"][0]["reference"]["number"], "ORDER-88231");
    let (users, _) = run(&["list"]);
    let users: serde_json::Value = serde_json::from_str(&users).unwrap();
    assert_eq!(users[0]["partners"][0], "4711");
    assert_eq!(users[0]["shipments"], 2);
    let wrong = trackline()
        .arg("users")
        .arg("--database")
        .arg(&database)
        .args(["ship", "anna", "cref=A1&cref=B2"])
        .output()
        .unwrap();
    assert!(!wrong.status.success());
}

#[test]
fn a_signed_link_is_printed_with_its_expiry_and_signature() {
    let (secret, references, expires, sig) = trackline::proxy::signed::TEST_VECTORS[0];
    let output = trackline()
        .args([
            "links",
            "sign",
            references,
            "--base",
            "https://shop.example/track",
        ])
        .args(["--expires-at", &expires.to_string()])
        .env("TRACKLINE_LINK_SECRET", secret)
        .env_remove("TRACKLINE_PROXY_CONFIG")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        String::from_utf8(output.stdout).unwrap().trim(),
        format!("https://shop.example/track?{references}&exp={expires}&sig={sig}")
    );
}

/// A carrier stand-in that answers every request after `delay`, on its own thread.
fn slow_upstream(delay: Duration) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            std::thread::spawn(move || {
                let mut request = [0u8; 4096];
                let _ = std::io::Read::read(&mut stream, &mut request);
                std::thread::sleep(delay);
                // An InPost answer the proxy reads as found, as the widget would.
                let body = SLOW_BODY;
                let _ = std::io::Write::write_all(
                    &mut stream,
                    format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    )
                    .as_bytes(),
                );
            });
        }
    });
    format!("http://{addr}")
}

/// What the slow carrier answers: a minimal InPost tracking answer.
const SLOW_BODY: &str =
    r#"{"tracking_number":"520000011395200025009871","status":"delivered","tracking_details":[]}"#;

#[test]
fn a_request_in_flight_at_sigterm_is_answered_before_the_proxy_exits() {
    let folder = folder("drain");
    let upstream = slow_upstream(Duration::from_millis(800));
    let config = write(
        &folder,
        "proxy.toml",
        &format!(
            "[server]\nlisten = \"127.0.0.1:0\"\n[carriers.inpost]\nbase_url = \"{upstream}\"\n"
        ),
    );
    let mut child = trackline()
        .args(["proxy", "--config"])
        .arg(&config)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first_line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first_line)
        .unwrap();
    let addr = first_line
        .trim()
        .trim_start_matches("Trackline proxy listening on http://")
        .trim_end_matches('/')
        .to_owned();
    let in_flight = std::thread::spawn(move || {
        let mut stream = std::net::TcpStream::connect(&addr).unwrap();
        std::io::Write::write_all(
            &mut stream,
            b"GET /carriers/inpost/v1/tracking/520000011395200025009871 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        )
        .unwrap();
        let mut answer = String::new();
        std::io::Read::read_to_string(&mut stream, &mut answer).unwrap();
        answer
    });
    std::thread::sleep(Duration::from_millis(300));
    let killed = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(killed.success());
    let answer = in_flight.join().unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.ends_with(SLOW_BODY), "{answer}");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the proxy did not stop"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
}
