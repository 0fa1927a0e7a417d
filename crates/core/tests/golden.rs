//! Golden tests: every captured carrier answer under `tests/fixtures/<carrier>/<kind>/` is
//! normalized and compared, byte for byte, with its `.expected.json`.
//!
//! A fixture is `<name>.json` (the body exactly as the carrier sent it, valid JSON or not),
//! an optional `<name>.head` (status line, headers such as `Retry-After`, and
//! `# reference: <number asked for>`; absent means `200 OK`), and `<name>.expected.json`.
//! `UPDATE_GOLDEN=1 cargo test -p trackline-core --test golden` rewrites the expectations;
//! review the diff by eye before committing it.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use trackline_core::carrier::{normalize, CarrierResponse, Normalized, Reading, ResponseKind};
use trackline_core::model::{Carrier, EstimatedDelivery, Shipment};
use trackline_core::status::Status;

struct Fixture {
    body_path: PathBuf,
    carrier: Carrier,
    kind: ResponseKind,
    status: u16,
    retry_after: Option<String>,
    reference: Option<String>,
}

fn fixtures_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn read_head(path: &Path) -> (u16, Option<String>, Option<String>) {
    let Ok(head) = fs::read_to_string(path) else {
        return (200, None, None);
    };
    let mut status = 200;
    let mut retry_after = None;
    let mut reference = None;
    for line in head.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("HTTP/") {
            status = rest
                .split_whitespace()
                .nth(1)
                .and_then(|s| s.parse().ok())
                .expect("status line has a code");
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

fn all_fixtures() -> Vec<Fixture> {
    let mut fixtures = Vec::new();
    for carrier in Carrier::WITH_ADAPTER {
        for kind_name in ResponseKind::names(carrier) {
            let dir = fixtures_root().join(carrier.as_str()).join(kind_name);
            let Ok(entries) = fs::read_dir(&dir) else {
                continue;
            };
            let mut bodies: Vec<PathBuf> = entries
                .map(|entry| entry.unwrap().path())
                .filter(|path| {
                    let name = path.file_name().unwrap().to_string_lossy();
                    name.ends_with(".json") && !name.ends_with(".expected.json")
                })
                .collect();
            bodies.sort();
            for body_path in bodies {
                let (status, retry_after, reference) = read_head(&body_path.with_extension("head"));
                fixtures.push(Fixture {
                    carrier,
                    kind: ResponseKind::from_name(carrier, kind_name).unwrap(),
                    body_path,
                    status,
                    retry_after,
                    reference,
                });
            }
        }
    }
    fixtures
}

fn normalized_json(fixture: &Fixture) -> serde_json::Value {
    let body = fs::read(&fixture.body_path).unwrap();
    let response = CarrierResponse::new(fixture.status, &body)
        .with_retry_after(fixture.retry_after.as_deref());
    match normalize(fixture.kind, &response, fixture.reference.as_deref()) {
        Ok(normalized) => serde_json::to_value(normalized).unwrap(),
        Err(error) => serde_json::to_value(error).unwrap(),
    }
}

#[test]
fn every_fixture_normalizes_to_its_expected_json() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut failures = Vec::new();
    for fixture in all_fixtures() {
        let expected_path = fixture.body_path.with_extension("expected.json");
        let actual = serde_json::to_string_pretty(&normalized_json(&fixture)).unwrap() + "\n";
        if update {
            fs::write(&expected_path, &actual).unwrap();
            continue;
        }
        match fs::read_to_string(&expected_path) {
            Ok(expected) if expected == actual => {}
            Ok(_) => failures.push(format!(
                "{} differs from {}",
                fixture.body_path.display(),
                expected_path.display()
            )),
            Err(_) => failures.push(format!(
                "{} has no expectation",
                fixture.body_path.display()
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "{} golden file(s) are stale:\n{}\nrun `UPDATE_GOLDEN=1 cargo test -p trackline-core --test golden` and review the diff",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_fixture_means_the_same_read_by_the_proxy_and_sent_as_a_reading() {
    let mut sent = 0;
    for fixture in all_fixtures() {
        let body = fs::read(&fixture.body_path).unwrap();
        let response = CarrierResponse::new(fixture.status, &body)
            .with_retry_after(fixture.retry_after.as_deref());
        let reference = fixture.reference.as_deref();
        let direct = normalize(fixture.kind, &response, reference);
        let Some(reading) = Reading::of(fixture.kind, &response, reference) else {
            assert!(
                matches!(direct, Ok(ref n) if !matches!(n, Normalized::Shipments(_))),
                "{}: no reading although it reads as {direct:?}",
                fixture.body_path.display()
            );
            continue;
        };
        sent += 1;
        let json = reading.to_json().unwrap();
        let received = Reading::from_json(&json)
            .unwrap_or_else(|e| panic!("{}: {e}", fixture.body_path.display()))
            .into_result();
        let direct = direct.map(|normalized| match normalized {
            Normalized::Shipments(shipments) => shipments,
            other => panic!("{}: read as {other:?}", fixture.body_path.display()),
        });
        assert_eq!(received, direct, "{}", fixture.body_path.display());
    }
    assert!(
        sent >= 20,
        "only {sent} fixtures read as shipments or errors"
    );
}

#[test]
fn there_are_at_least_thirty_fixtures_and_every_carrier_has_some() {
    let fixtures = all_fixtures();
    assert!(fixtures.len() >= 30, "only {} fixtures", fixtures.len());
    for carrier in Carrier::WITH_ADAPTER {
        assert!(
            fixtures.iter().any(|f| f.carrier == carrier),
            "no fixture for {carrier}"
        );
    }
}

fn shipments_of(fixture: &Fixture) -> Vec<Shipment> {
    let body = fs::read(&fixture.body_path).unwrap();
    let response = CarrierResponse::new(fixture.status, &body)
        .with_retry_after(fixture.retry_after.as_deref());
    match normalize(fixture.kind, &response, fixture.reference.as_deref()) {
        Ok(Normalized::Shipments(shipments)) => shipments,
        _ => Vec::new(),
    }
}

#[test]
fn the_fixtures_cover_every_normalized_status() {
    let mut seen = BTreeSet::new();
    for fixture in all_fixtures() {
        for shipment in shipments_of(&fixture) {
            seen.insert(shipment.status);
            seen.extend(shipment.events.iter().map(|e| e.status));
        }
    }
    let missing: Vec<Status> = Status::ALL
        .into_iter()
        .filter(|s| !seen.contains(s))
        .collect();
    assert!(missing.is_empty(), "no fixture shows {missing:?}");
}

#[test]
fn the_fixtures_cover_every_kind_of_error_a_consumer_acts_on() {
    let mut seen = BTreeSet::new();
    for fixture in all_fixtures() {
        let json = normalized_json(&fixture);
        if let Some(error) = json.get("error").and_then(|e| e.as_str()) {
            seen.insert(error.to_owned());
        }
    }
    for error in [
        "not_found",
        "invalid_reference",
        "rate_limited",
        "upstream_unavailable",
        "malformed_response",
        "unauthorized",
    ] {
        assert!(
            seen.contains(error),
            "no fixture produces {error}; seen {seen:?}"
        );
    }
}

#[test]
fn html_and_script_in_carrier_text_arrive_as_the_same_plain_text() {
    let fixture = all_fixtures()
        .into_iter()
        .find(|f| {
            f.carrier == Carrier::Di
                && f.body_path
                    .ends_with("html-and-script-kept-as-plain-text.json")
        })
        .expect("the Di HTML fixture exists");
    let shipment = &shipments_of(&fixture)[0];
    let event = &shipment.events[0];
    assert_eq!(
        event.carrier_status.text.as_deref(),
        Some("<img src=x onerror=alert(1)>")
    );
    assert_eq!(
        event.detail.as_deref(),
        Some("</div><script>steal()</script>")
    );
    assert_eq!(
        shipment.carrier_status.as_ref().unwrap().text.as_deref(),
        Some("<script>alert(1)</script>")
    );
}

fn trackonline_transactions(name: &str) -> Shipment {
    let fixture = all_fixtures()
        .into_iter()
        .find(|f| {
            f.carrier == Carrier::Trackonline
                && f.body_path.ends_with(format!("transactions/{name}.json"))
        })
        .unwrap_or_else(|| panic!("the fixture {name} exists"));
    shipments_of(&fixture).remove(0)
}

#[test]
fn an_open_transaction_expects_delivery_on_its_delivery_date_in_the_zone_it_was_written_in() {
    let planned = trackonline_transactions("planned-with-expected-delivery");
    assert_eq!(planned.status, Status::PreTransit);
    let Some(EstimatedDelivery::Point { time }) = planned.estimated_delivery else {
        panic!("a point: {:?}", planned.estimated_delivery);
    };
    assert_eq!(time.to_string(), "2024-11-22T00:00:00+01:00");
    assert!(time.offset_assumed(), "TrackOnline wrote no offset");
}

#[test]
fn open_movements_with_different_delivery_dates_give_a_window() {
    let shipment = trackonline_transactions("open-movements-delivery-window");
    let estimate = shipment.estimate_to_show().expect("an estimate");
    assert!(matches!(estimate, EstimatedDelivery::Window { .. }));
    assert_eq!(estimate.earliest().to_string(), "2024-11-21T08:00:00+00:00");
    assert_eq!(estimate.latest().to_string(), "2024-11-23T16:00:00+00:00");
}

#[test]
fn no_estimate_without_a_delivery_date_of_its_own_or_once_delivered() {
    // The delivery date equals the transaction date: TrackOnline's filler, not a promise.
    let sent = trackonline_transactions("sent-without-delivery-date");
    assert_eq!(sent.status, Status::InTransit);
    assert_eq!(sent.estimated_delivery, None);
    let planned = trackonline_transactions("planned-by-delivery-note");
    assert_eq!(planned.estimated_delivery, None);
    // An older movement still carries a future delivery date; the newer one delivered.
    let delivered = trackonline_transactions("delivered-after-an-expected-delivery");
    assert_eq!(delivered.status, Status::Delivered);
    assert_eq!(delivered.estimated_delivery, None);
    for name in ["cancelled-transaction", "lost-and-rejected"] {
        assert_eq!(
            trackonline_transactions(name).estimated_delivery,
            None,
            "{name}"
        );
    }
}

#[test]
fn no_inpost_or_di_fixture_has_an_estimate_because_neither_api_sends_one() {
    for fixture in all_fixtures() {
        if fixture.carrier == Carrier::Trackonline {
            continue;
        }
        for shipment in shipments_of(&fixture) {
            assert_eq!(
                shipment.estimated_delivery,
                None,
                "{}",
                fixture.body_path.display()
            );
        }
    }
}
