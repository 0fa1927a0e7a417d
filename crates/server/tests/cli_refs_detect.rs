//! `trackline refs` and `trackline detect`, run as the built binary: JSON out, exit codes 0/1/2.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const KEY: &str = "0123456789abcdefABCDEF0123456789";
const BASE: &str = "https://spedition.trackandtrace.conizi.io/Oms/Auth/LoginByKey";

fn trackline(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_trackline"))
        .args(args)
        .output()
        .expect("the trackline binary runs")
}

fn trackline_with_stdin(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_trackline"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the trackline binary starts");
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(stdin.as_bytes())
        .expect("stdin takes the input");
    child.wait_with_output().expect("the trackline binary ends")
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!(
            "stdout is JSON ({error}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

#[test]
fn refs_prints_the_typed_references_of_every_seed_link_and_exits_0() {
    let cases = [
        (
            format!("{BASE}?id={KEY}&cref=KD-2024-0815"),
            "customer_reference",
        ),
        (
            format!("{BASE}?id={KEY}&vp=100234&vpref= VS-778899"),
            "partner_reference",
        ),
        (
            format!("{BASE}?id={KEY}&ep=200345&epref=EP-4711"),
            "partner_reference",
        ),
        (format!("{BASE}?id={KEY}&sscc=370724760010119754"), "sscc"),
        (
            format!("{BASE}?id= {KEY}&ap=300456&apref=AB-1001"),
            "partner_reference",
        ),
        (
            format!("{BASE}?id={KEY}&refNo=LS-2024-00017"),
            "delivery_note",
        ),
    ];
    for (link, kind) in cases {
        let output = trackline(&["refs", &link]);
        assert_eq!(output.status.code(), Some(0), "{link}");
        let parsed = json(&output);
        assert_eq!(parsed["references"][0]["kind"], kind, "{link}");
        assert_eq!(parsed["errors"], serde_json::json!([]), "{link}");
        assert_eq!(parsed["access_key"], "****6789", "{link}");
        assert!(!String::from_utf8_lossy(&output.stdout).contains(KEY));
    }
}

#[test]
fn refs_prints_a_partner_reference_with_role_and_partner_id() {
    let output = trackline(&["refs", &format!("{BASE}?id={KEY}&ap=300456&apref=AB-1001")]);
    let parsed = json(&output);
    assert_eq!(
        parsed["references"],
        serde_json::json!([{
            "kind": "partner_reference",
            "role": "ordering",
            "partner_id": "300456",
            "number": "AB-1001"
        }])
    );
}

#[test]
fn refs_prints_errors_for_a_broken_link_and_exits_1() {
    let link = format!("{BASE}?id={KEY}&vp=100234&cref=4711");
    let output = trackline(&["refs", &link]);
    assert_eq!(output.status.code(), Some(1));
    let parsed = json(&output);
    assert_eq!(parsed["references"][0]["number"], "4711");
    assert_eq!(parsed["errors"][0]["code"], "missing_pair_half");
    assert_eq!(parsed["errors"][0]["parameter"], "vp");
    assert!(parsed["errors"][0]["message"]
        .as_str()
        .is_some_and(|message| message.contains("vpref")));
}

#[test]
fn refs_reads_several_words_as_one_list_of_numbers() {
    let output = trackline(&[
        "refs",
        "--compact",
        "RB123456785GB",
        "(00)106141411234567897",
    ]);
    assert_eq!(output.status.code(), Some(0));
    let parsed = json(&output);
    let kinds: Vec<&str> = parsed["references"]
        .as_array()
        .expect("references are a list")
        .iter()
        .filter_map(|reference| reference["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["tracking_number", "sscc"]);
}

#[test]
fn refs_without_input_is_a_usage_error() {
    assert_eq!(trackline(&["refs"]).status.code(), Some(2));
}

#[test]
fn detect_prints_ranked_candidates_and_exits_0_when_all_are_recognized() {
    let output = trackline(&["detect", "370724760010119754", "1Z5R89390357567127"]);
    assert_eq!(output.status.code(), Some(0));
    let results = json(&output);
    assert_eq!(results[0]["candidates"][0]["format"], "sscc");
    assert_eq!(results[0]["candidates"][1]["carrier"], "bring");
    assert_eq!(results[0]["candidates"][2]["carrier"], "di");
    assert_eq!(results[1]["candidates"][0]["carrier"], "ups");
    assert_eq!(
        results[1]["candidates"][0]["check_digit"]["status"],
        "valid"
    );
}

#[test]
fn detect_reports_a_wrong_check_digit_with_a_suggestion_and_exits_1() {
    let output = trackline(&["detect", "RB123456784GB"]);
    assert_eq!(output.status.code(), Some(1));
    let candidate = &json(&output)[0]["candidates"][0];
    assert_eq!(
        candidate["check_digit"],
        serde_json::json!({"status": "invalid", "expected": "5", "found": "4"})
    );
    assert_eq!(
        candidate["suggestions"],
        serde_json::json!(["RB123456785GB"])
    );
}

#[test]
fn detect_in_strict_mode_drops_shape_only_matches() {
    let inpost = "602677049101256024812345";
    assert_eq!(trackline(&["detect", inpost]).status.code(), Some(0));
    let strict = trackline(&["detect", "--strict", inpost]);
    assert_eq!(strict.status.code(), Some(1));
    assert_eq!(json(&strict)[0]["candidates"], serde_json::json!([]));
}

#[test]
fn detect_in_eager_mode_lists_weak_shapes() {
    let standard = trackline(&["detect", "3318810026"]);
    assert_eq!(json(&standard)[0]["candidates"], serde_json::json!([]));
    let eager = trackline(&["detect", "--eager", "3318810026"]);
    assert_eq!(json(&eager)[0]["candidates"][0]["carrier"], "dhl_express");
}

#[test]
fn detect_stdin_writes_one_json_line_per_input_line() {
    let output = trackline_with_stdin(
        &["detect", "--stdin"],
        "RB123456785GB\r\n370724760010119754\nnot a number\n\n",
    );
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8(output.stdout).expect("UTF-8");
    let lines: Vec<Value> = stdout
        .lines()
        .map(|line| serde_json::from_str(line).expect("each line is JSON"))
        .collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[0]["input"], "RB123456785GB");
    assert_eq!(lines[0]["recognized"], true);
    assert_eq!(lines[1]["recognized"], true);
    assert_eq!(lines[2]["recognized"], false);
    assert_eq!(lines[3]["input"], "");
}

#[test]
fn detect_stdin_exits_0_when_every_line_is_recognized() {
    let output = trackline_with_stdin(&["detect", "--stdin"], "RB123456785GB\n3318810025\n");
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn detect_usage_errors_exit_2() {
    assert_eq!(trackline(&["detect"]).status.code(), Some(2));
    assert_eq!(
        trackline(&["detect", "--strict", "--eager", "x"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        trackline(&["detect", "--stdin", "x"]).status.code(),
        Some(2)
    );
}
