//! The proxy and the widget give the same state for the same carrier answer: every golden
//! fixture of core (`crates/core/tests/fixtures/<carrier>/<kind>/`) is read once as the widget
//! reads a carrier's answer (core's `classify`) and once through the proxy's `interpret`,
//! whose answer is then read as the widget reads the proxy's (the passed-on body with core's
//! adapters, a problem document by its type).

use std::fs;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use trackline::proxy::upstream::{interpret, UpstreamCall};
use trackline_core::carrier::answer::response_kind;
use trackline_core::carrier::endpoint::{Endpoint, ENDPOINTS};
use trackline_core::carrier::{classify, AnswerState, Carrier, CarrierResponse, ResponseKind};

struct Fixture {
    path: PathBuf,
    carrier: Carrier,
    kind: ResponseKind,
    status: u16,
    retry_after: Option<String>,
    reference: Option<String>,
}

fn read_head(path: &Path) -> (u16, Option<String>, Option<String>) {
    let Ok(head) = fs::read_to_string(path) else {
        return (200, None, None);
    };
    let (mut status, mut retry_after, mut reference) = (200, None, None);
    for line in head.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("HTTP/") {
            status = rest
                .split_whitespace()
                .nth(1)
                .and_then(|code| code.parse().ok())
                .expect("a status line has a code");
        } else if let Some(value) = line.strip_prefix("# reference:") {
            reference = Some(value.trim().to_owned());
        } else if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("retry-after") {
                retry_after = Some(value.trim().to_owned());
            }
        }
    }
    (status, retry_after, reference)
}

fn fixtures() -> Vec<Fixture> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../core/tests/fixtures");
    let mut fixtures = Vec::new();
    for carrier in Carrier::WITH_ADAPTER {
        for kind_name in ResponseKind::names(carrier) {
            let kind = ResponseKind::from_name(carrier, kind_name).unwrap();
            let Ok(entries) = fs::read_dir(root.join(carrier.as_str()).join(kind_name)) else {
                continue;
            };
            for entry in entries {
                let path = entry.unwrap().path();
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                if !name.ends_with(".json") || name.ends_with(".expected.json") {
                    continue;
                }
                let (status, retry_after, reference) = read_head(&path.with_extension("head"));
                fixtures.push(Fixture {
                    path,
                    carrier,
                    kind,
                    status,
                    retry_after,
                    reference,
                });
            }
        }
    }
    fixtures
}

/// The endpoint whose answers are of `kind`.
fn endpoint_of(kind: ResponseKind) -> &'static Endpoint {
    ENDPOINTS
        .iter()
        .find(|endpoint| {
            ["v-1", "v-2"].iter().any(|version| {
                response_kind(endpoint, &endpoint.path.replace("{version}", version)) == Some(kind)
            })
        })
        .unwrap_or_else(|| panic!("no endpoint answers {kind:?}"))
}

/// A fixed clock: `Retry-After` dates count from it on both sides alike.
const NOW: i64 = 1_717_236_000;

#[test]
fn the_proxy_and_the_widget_give_every_fixture_the_same_state() {
    let fixtures = fixtures();
    assert!(
        fixtures.len() >= 40,
        "only {} fixtures found",
        fixtures.len()
    );
    let mut states = std::collections::BTreeSet::new();
    for fixture in fixtures {
        let body = fs::read(&fixture.path).unwrap();
        let reference = fixture.reference.as_deref();
        let retry_after = fixture.retry_after.as_deref();
        let direct = CarrierResponse::new(fixture.status, &body).with_retry_after(retry_after);
        let (widget, _) = classify(Some(fixture.kind), fixture.carrier, &direct, reference);

        let call = UpstreamCall {
            carrier: fixture.carrier,
            endpoint: endpoint_of(fixture.kind),
            kind: Some(fixture.kind),
            reference,
        };
        let proxied = interpret(
            &call,
            fixture.status,
            retry_after,
            Bytes::from(body.clone()),
            NOW,
        );
        let through_proxy = match proxied.answer {
            Ok(answer) if answer.content_type == "application/json" => {
                let passed = CarrierResponse::new(answer.status.as_u16(), &answer.body);
                classify(Some(fixture.kind), fixture.carrier, &passed, reference).0
            }
            Ok(answer) => {
                let problem: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
                AnswerState::from_problem_type(problem["type"].as_str().unwrap()).unwrap()
            }
            Err(problem) => AnswerState::from_problem_type(problem.kind.slug())
                .unwrap_or_else(|| panic!("{:?} is no carrier answer", problem.kind)),
        };
        assert_eq!(
            through_proxy,
            widget,
            "{} ({} {:?})",
            fixture.path.display(),
            fixture.status,
            fixture.kind
        );
        states.insert(format!("{widget:?}"));
    }
    // The fixtures reach more than the happy path, so the comparison means something.
    for state in [
        "Found",
        "NotFound",
        "RateLimited",
        "Unavailable",
        "Malformed",
    ] {
        assert!(states.contains(state), "no fixture is {state}: {states:?}");
    }
}
