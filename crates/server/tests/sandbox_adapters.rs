//! The core adapters read every sandbox answer into the tracking model: for each demo case, the
//! widget's link parameter is parsed into references, core plans the carrier requests, the
//! sandbox answers them over HTTP, and the normalized status must be the one the data set
//! promises.

mod sandbox_support;

use sandbox_support::*;
use trackline::sandbox::{demo_cases, Carrier, DataSet, DemoCase};
use trackline_core::carrier::di::{parse_login, Locale};
use trackline_core::carrier::{
    normalize, Auth, CarrierRequest, CarrierResponse, Method, Normalized,
};
use trackline_core::model::Carrier as CoreCarrier;
use trackline_core::routing::{plan, RoutingConfig};

fn core_carrier(carrier: Carrier) -> CoreCarrier {
    match carrier {
        Carrier::InPost => CoreCarrier::Inpost,
        Carrier::Di => CoreCarrier::Di,
        Carrier::TrackOnline => CoreCarrier::Trackonline,
    }
}

async fn send(sandbox: &Sandbox, request: &CarrierRequest, di_bearer: &str) -> (u16, Vec<u8>) {
    let url = sandbox.url(&request.path_and_query());
    let mut builder = match request.method {
        Method::Get => sandbox.client.get(url),
        Method::Post => sandbox.client.post(url),
    };
    for (name, value) in &request.headers {
        builder = builder.header(name, value);
    }
    builder = match request.auth {
        Auth::None => builder,
        Auth::DiBearerToken => builder.header("Authorization", di_bearer),
        Auth::TrackOnlineApiKey => builder.header("X-ApiKey", TRACKONLINE_KEY),
    };
    if let Some(body) = &request.body {
        builder = builder.body(body.clone());
    }
    let response = builder.send().await.expect("the sandbox answers");
    let status = response.status().as_u16();
    (
        status,
        response.bytes().await.expect("a whole body").to_vec(),
    )
}

/// The status core derives for a case, or why it derives none.
async fn normalized_status(
    sandbox: &Sandbox,
    case: &DemoCase,
    di_bearer: &str,
) -> Result<String, String> {
    let link = trackline_core::reference::parse(&format!(
        "https://shop.example/track?{}={}",
        case.parameter, case.value
    ));
    if link.references.is_empty() {
        return Err(format!("the link gave no reference: {:?}", link.errors));
    }
    let config = RoutingConfig {
        carriers: vec![core_carrier(case.carrier)],
        partners: Default::default(),
        di_locale: Locale::English,
    };
    let planned = plan(&link.references, &config);
    if planned.is_empty() {
        return Err("core planned no request".into());
    }
    let mut answers = Vec::new();
    for request in planned {
        let (status, body) = send(sandbox, &request.request, di_bearer).await;
        let response = CarrierResponse::new(status, &body);
        match normalize(request.kind, &response, Some(request.reference.number())) {
            Ok(Normalized::Shipments(shipments)) if !shipments.is_empty() => {
                return Ok(shipments[0].status.as_str().to_owned())
            }
            other => answers.push(format!(
                "{} answered {status}: {other:?}",
                request.request.path_and_query()
            )),
        }
    }
    Err(answers.join("; "))
}

async fn check_carrier(carrier: Carrier) {
    let sandbox = start_builtin().await;
    let login = trackline_core::carrier::di::login_request(DI_USERNAME, DI_PASSWORD, 60).unwrap();
    let (status, body) = send(&sandbox, &login, "").await;
    let token =
        parse_login(&CarrierResponse::new(status, &body)).expect("core reads the sandbox's login");
    let bearer = token.bearer();
    let cases: Vec<DemoCase> = demo_cases(&DataSet::builtin())
        .into_iter()
        .filter(|case| case.carrier == carrier && case.expected_status.is_some())
        .collect();
    assert!(!cases.is_empty());
    let mut mismatches = Vec::new();
    for case in &cases {
        let expected = case.expected_status.as_deref().unwrap();
        match normalized_status(&sandbox, case, &bearer).await {
            Ok(status) if status == expected => {}
            Ok(status) => mismatches.push(format!(
                "{}={} ({}): core says {status}, the data set promises {expected}",
                case.parameter, case.value, case.description
            )),
            Err(reason) => mismatches.push(format!(
                "{}={} ({}): {reason}",
                case.parameter, case.value, case.description
            )),
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {} {} demo numbers disagree:\n{}",
        mismatches.len(),
        cases.len(),
        carrier.name(),
        mismatches.join("\n")
    );
}

#[tokio::test]
async fn every_inpost_demo_number_normalizes_to_its_promised_status() {
    check_carrier(Carrier::InPost).await;
}

#[tokio::test]
async fn every_di_demo_number_normalizes_to_its_promised_status() {
    check_carrier(Carrier::Di).await;
}

#[tokio::test]
async fn every_trackonline_demo_number_normalizes_to_its_promised_status() {
    check_carrier(Carrier::TrackOnline).await;
}

#[test]
fn every_demo_link_parses_cleanly_including_the_fault_numbers() {
    for case in demo_cases(&DataSet::builtin()) {
        let link = trackline_core::reference::parse(&format!(
            "https://shop.example/track?{}={}",
            case.parameter, case.value
        ));
        assert!(
            link.is_clean() && link.references.len() == 1,
            "{}={}: {:?}",
            case.parameter,
            case.value,
            link.errors
        );
    }
}
