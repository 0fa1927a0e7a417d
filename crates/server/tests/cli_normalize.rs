//! `trackline normalize` on every captured response of core's golden fixtures: the printed
//! JSON is the fixture's expectation, and the exit code says whether it is a model or an error.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn fixtures_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../core/tests/fixtures")
}

fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    entries
}

/// `(carrier, kind, body file)` of every fixture.
fn fixtures() -> Vec<(String, String, PathBuf)> {
    let name_of = |path: &Path| path.file_name().unwrap().to_string_lossy().into_owned();
    let mut found = Vec::new();
    for carrier in sorted_entries(&fixtures_root()) {
        for kind in sorted_entries(&carrier) {
            for body in sorted_entries(&kind) {
                let name = name_of(&body);
                if name.ends_with(".json") && !name.ends_with(".expected.json") {
                    found.push((name_of(&carrier), name_of(&kind), body));
                }
            }
        }
    }
    found
}

fn normalize(args: &[&str]) -> (serde_json::Value, Option<i32>) {
    let output = Command::new(env!("CARGO_BIN_EXE_trackline"))
        .arg("normalize")
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let json = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (json, output.status.code())
}

#[test]
fn every_fixture_prints_its_expected_json_with_a_matching_exit_code() {
    let all = fixtures();
    assert!(all.len() >= 30, "only {} fixtures found", all.len());
    for (carrier, kind, body) in all {
        let head = body.with_extension("head");
        let mut args = vec!["--carrier".to_owned(), carrier, "--kind".to_owned(), kind];
        if head.exists() {
            args.extend(["--head".to_owned(), head.display().to_string()]);
        }
        args.push(body.display().to_string());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (printed, code) = normalize(&args);
        let expected_text = std::fs::read_to_string(body.with_extension("expected.json")).unwrap();
        let expected: serde_json::Value = serde_json::from_str(&expected_text).unwrap();
        assert_eq!(printed, expected, "{}", body.display());
        let is_error = expected.get("error").is_some();
        assert_eq!(
            code,
            Some(if is_error { 1 } else { 0 }),
            "{}",
            body.display()
        );
    }
}

#[test]
fn the_inpost_seed_example_is_read_from_standard_input() {
    let body = std::fs::read(
        fixtures_root().join("inpost/tracking/seed-locker-dispatched-trailing-commas.json"),
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_trackline"))
        .args(["normalize", "--carrier", "InPost", "--compact", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&body).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["shipments"][0]["status"], "in_transit");
    assert_eq!(json["shipments"][0]["pickup_point"]["id"], "AAA000");
}

#[test]
fn flags_give_the_status_and_a_kind_the_carrier_lacks_is_a_usage_error() {
    let (json, code) = normalize(&[
        "--carrier",
        "trackonline",
        "--status",
        "429",
        "--retry-after",
        "7",
        "/dev/null",
    ]);
    assert_eq!(json["error"], "rate_limited");
    assert_eq!(json["retry_after"]["seconds"], 7);
    assert_eq!(code, Some(1));
    let output = Command::new(env!("CARGO_BIN_EXE_trackline"))
        .args([
            "normalize",
            "--carrier",
            "di",
            "--kind",
            "tracking",
            "/dev/null",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("fetch, fetch-v1"));
}
