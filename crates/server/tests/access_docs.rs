//! docs/access.md cannot go stale: its test vectors are the proxy's, the proxy accepts a link
//! signed with them, and its Node and Python snippets (run when `node` and `python3` are
//! installed, as on CI) print exactly those links.

use std::net::SocketAddr;
use std::process::Command;

use trackline::proxy::{self, signed, ProxyConfig};
use trackline::sandbox::{self, SandboxConfig};

const DOC: &str = include_str!("../../../docs/access.md");

/// The fenced block of `language` that follows `heading`.
fn snippet(heading: &str, language: &str) -> String {
    let after = DOC
        .split_once(heading)
        .unwrap_or_else(|| panic!("docs/access.md has no `{heading}`"))
        .1;
    let fence = format!("```{language}\n");
    let body = after
        .split_once(&fence)
        .unwrap_or_else(|| panic!("no {language} block after `{heading}`"))
        .1;
    body.split_once("```").unwrap().0.to_owned()
}

fn expected_links() -> Vec<String> {
    signed::TEST_VECTORS
        .iter()
        .map(|(_, references, expires, sig)| {
            format!("https://shop.example/track?{references}&exp={expires}&sig={sig}")
        })
        .collect()
}

/// Runs `program file` on the snippet, or says why it was not run.
fn run_snippet(program: &str, extension: &str, code: &str) -> Option<Vec<String>> {
    if Command::new(program).arg("--version").output().is_err() {
        eprintln!("{program} is not installed: the snippet was not run here (CI runs it)");
        return None;
    }
    let path = std::env::temp_dir().join(format!(
        "trackline-access-doc-{}.{extension}",
        std::process::id()
    ));
    std::fs::write(&path, code).unwrap();
    let output = Command::new(program).arg(&path).output().unwrap();
    let _ = std::fs::remove_file(&path);
    assert!(
        output.status.success(),
        "{program}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some(
        String::from_utf8(output.stdout)
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect(),
    )
}

#[test]
fn the_test_vectors_in_the_docs_are_the_ones_the_proxy_computes() {
    for (secret, references, expires, sig) in signed::TEST_VECTORS {
        assert!(DOC.contains(secret) && DOC.contains(references) && DOC.contains(sig));
        assert_eq!(
            signed::sign_query(secret.as_bytes(), references, expires),
            format!("{references}&exp={expires}&sig={sig}")
        );
    }
    assert!(DOC.contains(&format!(
        "{:?}",
        signed::canonical_string(&[
            ("cref".into(), "ORDER-88231".into()),
            ("exp".into(), "4102444800".into())
        ])
    )));
}

#[test]
fn the_node_snippet_prints_the_test_vectors() {
    let code = snippet("### Signing in Node", "js");
    if let Some(lines) = run_snippet("node", "js", &code) {
        assert_eq!(lines, expected_links());
    }
}

#[test]
fn the_python_snippet_prints_the_test_vectors() {
    let code = snippet("### Signing in Python", "python");
    if let Some(lines) = run_snippet("python3", "py", &code) {
        assert_eq!(lines, expected_links());
    }
}

#[tokio::test]
async fn a_link_signed_as_the_docs_show_opens_its_trackonline_shipment() {
    let (secret, references, expires, sig) = signed::TEST_VECTORS[0];
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sandbox = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            sandbox::app(SandboxConfig::builtin_in_memory()).into_make_service(),
        )
        .await
        .unwrap();
    });
    let config = ProxyConfig::parse(
        &format!(
            "[access]\nlink_secret = \"{secret}\"\n[carriers.trackonline]\nbase_url = \"http://{sandbox}\"\napi_key = \"sandbox.trackonline.demo-key\"\n"
        ),
        &|_| None,
    )
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            proxy::app(config)
                .await
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    let path = format!(
        "http://{addr}/carriers/trackonline/api/v1/transaction?ReferenceNumber=ORDER-88231"
    );
    let client = reqwest::Client::new();
    let link = format!("{references}&exp={expires}&sig={sig}");
    let answer = client
        .get(&path)
        .header("X-Trackline-Link", &link)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let records: serde_json::Value = answer.json().await.unwrap();
    assert_eq!(records[0]["referenceNumber"], "ORDER-88231");
    let unsigned = client.get(&path).send().await.unwrap();
    assert_eq!(unsigned.status(), 401);
}
