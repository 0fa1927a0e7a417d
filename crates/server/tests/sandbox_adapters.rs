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
use trackline_core::model::{EstimatedDelivery, Shipment};
use trackline_core::routing::{plan, RoutingConfig};

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
    normalized_shipment(sandbox, case, di_bearer)
        .await
        .map(|shipment| shipment.status.as_str().to_owned())
}

/// The first shipment core derives for a case, or why it derives none.
async fn normalized_shipment(
    sandbox: &Sandbox,
    case: &DemoCase,
    di_bearer: &str,
) -> Result<Shipment, String> {
    let link = trackline_core::reference::parse(&format!(
        "https://shop.example/track?{}={}",
        case.parameter, case.value
    ));
    if link.references.is_empty() {
        return Err(format!("the link gave no reference: {:?}", link.errors));
    }
    let config = RoutingConfig {
        carriers: vec![case.carrier],
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
            Ok(Normalized::Shipments(mut shipments)) if !shipments.is_empty() => {
                return Ok(shipments.remove(0))
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
        carrier.as_str(),
        mismatches.join("\n")
    );
}

#[tokio::test]
async fn every_inpost_demo_number_normalizes_to_its_promised_status() {
    check_carrier(Carrier::Inpost).await;
}

#[tokio::test]
async fn every_di_demo_number_normalizes_to_its_promised_status() {
    check_carrier(Carrier::Di).await;
}

#[tokio::test]
async fn every_trackonline_demo_number_normalizes_to_its_promised_status() {
    check_carrier(Carrier::Trackonline).await;
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

/// Sends a core-built request and normalizes the answer as `kind`.
async fn normalized(
    sandbox: &Sandbox,
    request: &CarrierRequest,
    kind: trackline_core::carrier::ResponseKind,
    reference: Option<&str>,
    di_bearer: &str,
) -> Normalized {
    let (status, body) = send(sandbox, request, di_bearer).await;
    normalize(kind, &CarrierResponse::new(status, &body), reference).unwrap_or_else(|error| {
        panic!(
            "{} ({status}) does not normalize: {error:?}",
            request.path_and_query()
        )
    })
}

fn shipments(normalized: Normalized) -> Vec<trackline_core::model::Shipment> {
    match normalized {
        Normalized::Shipments(shipments) => shipments,
        other => panic!("expected shipments, got {other:?}"),
    }
}

#[tokio::test]
async fn the_locker_parcel_reads_with_its_point_coordinates_and_opening_hours() {
    use trackline_core::carrier::{inpost, ResponseKind};
    let sandbox = start_builtin().await;
    let request = inpost::tracking_request("520000011395200025009871");
    let shipment =
        shipments(normalized(&sandbox, &request, ResponseKind::InpostTracking, None, "").await)
            .remove(0);
    let point = shipment.pickup_point.expect("a pickup point");
    assert_eq!(point.id, "KRA01M");
    assert!(point.coordinates.is_some());
    assert!(point.opening_hours.is_some());
    assert!(shipment.events.len() >= 5);
    assert!(shipment.events.iter().all(|event| event.time.is_some()));
}

#[tokio::test]
async fn inpost_statuses_points_and_service_history_read_into_the_model() {
    use trackline_core::carrier::inpost::{self, TitleLanguage};
    use trackline_core::carrier::ResponseKind;
    let sandbox = start_builtin().await;
    let request = inpost::statuses_request(TitleLanguage::English);
    match normalized(&sandbox, &request, ResponseKind::InpostStatuses, None, "").await {
        Normalized::StatusTitles(titles) => {
            let ready = titles.iter().find(|t| t.name == "ready_to_pickup").unwrap();
            assert_eq!(ready.status.as_str(), "ready_for_pickup");
        }
        other => panic!("{other:?}"),
    }
    let request = inpost::point_request("GDA05P");
    match normalized(&sandbox, &request, ResponseKind::InpostPoint, None, "").await {
        Normalized::PickupPoint(point) => {
            assert_eq!(point.id, "GDA05P");
            assert!(point.coordinates.is_some());
            assert!(point.opening_hours.is_some());
        }
        other => panic!("{other:?}"),
    }
    let request = inpost::service_history_request("520000011395200025009963");
    match normalized(
        &sandbox,
        &request,
        ResponseKind::InpostServiceHistory,
        None,
        "",
    )
    .await
    {
        Normalized::ServiceHistory(history) => {
            assert_eq!(history.last_service, "inpost_courier_standard");
            assert!(history.updated_at.is_some());
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn di_linked_parcels_merge_and_v1_and_registered_events_read_into_the_model() {
    use trackline_core::carrier::di::{fetch_request, login_request, EventLogVersion};
    use trackline_core::carrier::ResponseKind;
    let sandbox = start_builtin().await;
    let login = login_request(DI_USERNAME, DI_PASSWORD, 60).unwrap();
    let (status, body) = send(&sandbox, &login, "").await;
    let bearer = parse_login(&CarrierResponse::new(status, &body))
        .unwrap()
        .bearer();

    let linked = fetch_request(
        "370724760010119778",
        Locale::English,
        false,
        EventLogVersion::V2,
    );
    let merged = shipments(
        normalized(
            &sandbox,
            &linked,
            ResponseKind::DiFetch,
            Some("370724760010119778"),
            &bearer,
        )
        .await,
    );
    assert_eq!(merged.len(), 1, "one physical parcel: {merged:?}");
    assert_eq!(merged[0].tracking_number, "370724760010119761");
    assert!(merged[0]
        .linked_parcels
        .contains(&"370724760010119778".to_owned()));

    let duplicated = fetch_request(
        "370724760010119785",
        Locale::English,
        false,
        EventLogVersion::V2,
    );
    let parcel = shipments(
        normalized(
            &sandbox,
            &duplicated,
            ResponseKind::DiFetch,
            Some("370724760010119785"),
            &bearer,
        )
        .await,
    )
    .remove(0);
    assert_eq!(parcel.events.len(), 3, "the duplicate is collapsed");

    // The pickup-point parcel answers in the nested shape; core reads its place and its notice.
    let nested = fetch_request(
        "370724760010119761",
        Locale::English,
        false,
        EventLogVersion::V2,
    );
    let parcel = shipments(
        normalized(
            &sandbox,
            &nested,
            ResponseKind::DiFetch,
            Some("370724760010119761"),
            &bearer,
        )
        .await,
    )
    .remove(0);
    assert_eq!(parcel.status.as_str(), "ready_for_pickup");
    let point = parcel.pickup_point.as_ref().expect("a pickup point");
    assert_eq!(
        point.name.as_deref(),
        Some("Rema 1000 Torgallmenningen, Bergen")
    );
    assert!(parcel
        .references
        .iter()
        .any(|r| r.value == "(401)70712190172720675"));
    let notice = parcel
        .events
        .iter()
        .find_map(|e| e.notice.as_ref())
        .expect("the e-mail to the consignee is a notice");
    assert_eq!(
        notice.channel,
        Some(trackline_core::model::NoticeChannel::Email)
    );
    assert!(parcel.events.iter().all(|e| !e
        .detail
        .as_deref()
        .unwrap_or_default()
        .contains("Channel")));

    let v1 = fetch_request(
        "370724760010119815",
        Locale::Norwegian,
        false,
        EventLogVersion::V1,
    );
    let parcel = shipments(
        normalized(
            &sandbox,
            &v1,
            ResponseKind::DiFetchV1,
            Some("370724760010119815"),
            &bearer,
        )
        .await,
    )
    .remove(0);
    assert_eq!(parcel.status.as_str(), "failed_attempt");

    let event = trackline_core::carrier::di::RegisterEvent::new(
        "(00)370724760010119792",
        "2026-01-15T12:51:00+01:00",
        "013",
    );
    let (status, _) = send(&sandbox, &event.request().unwrap(), &bearer).await;
    assert_eq!(status, 200);
    let request = fetch_request(
        "370724760010119792",
        Locale::English,
        false,
        EventLogVersion::V2,
    );
    let parcel = shipments(
        normalized(
            &sandbox,
            &request,
            ResponseKind::DiFetch,
            Some("370724760010119792"),
            &bearer,
        )
        .await,
    )
    .remove(0);
    assert!(parcel.events.iter().any(|e| e.carrier_status.code == "013"));
}

#[tokio::test]
async fn trackonline_measurements_and_packaging_labels_read_into_the_model() {
    use trackline_core::carrier::trackonline::{
        measurements_request, packaging_labels_request, MeasurementSubject,
    };
    use trackline_core::carrier::ResponseKind;
    let sandbox = start_builtin().await;
    let request =
        measurements_request(&MeasurementSubject::DeviceId("00EDBED7".into()), None, None);
    let history = shipments(
        normalized(
            &sandbox,
            &request,
            ResponseKind::TrackonlineMeasurements,
            None,
            "",
        )
        .await,
    );
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].events.len(), 5);
    assert!(history[0].events.iter().all(|event| event
        .location
        .as_ref()
        .is_some_and(|l| l.coordinates.is_some())));

    let request = packaging_labels_request("387123450000012343", 1);
    let labels = shipments(
        normalized(
            &sandbox,
            &request,
            ResponseKind::TrackonlinePackagingLabels,
            None,
            "",
        )
        .await,
    );
    assert_eq!(labels.len(), 1);
    assert_eq!(labels[0].tracking_number, "387123450000012343");
}

#[tokio::test]
async fn open_trackonline_demo_transactions_carry_their_delivery_date_as_the_estimate() {
    let sandbox = start_builtin().await;
    let cases = demo_cases(&DataSet::builtin());
    let case = |value: &str| {
        cases
            .iter()
            .find(|case| case.value == value)
            .unwrap_or_else(|| panic!("the demo case {value}"))
            .clone()
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let planned = normalized_shipment(&sandbox, &case("KD-REF-10001"), "")
        .await
        .unwrap();
    let Some(EstimatedDelivery::Point { time }) = planned.estimated_delivery else {
        panic!("a point: {:?}", planned.estimated_delivery);
    };
    let day = 86_400;
    assert!(
        (time.unix_seconds() - (now + day)).abs() < 600,
        "tomorrow, got {time}"
    );
    let sent = normalized_shipment(&sandbox, &case("LS-2024-08154711"), "")
        .await
        .unwrap();
    assert!(sent.estimated_delivery.is_some());
    // Sent without a delivery date, delivered, cancelled: nothing to expect.
    for value in ["KD-REF-10007", "LS-2024-08154713", "KD-REF-10005"] {
        let shipment = normalized_shipment(&sandbox, &case(value), "")
            .await
            .unwrap();
        assert_eq!(shipment.estimated_delivery, None, "{value}");
    }
}
