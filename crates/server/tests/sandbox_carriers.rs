//! Every sandbox endpoint over real HTTP on loopback: paths, authentication, status codes,
//! error bodies in each carrier's format, rate limits and 405s.

mod sandbox_support;

use sandbox_support::*;
use serde_json::Value;
use trackline::sandbox::SandboxConfig;

const LOCKER_PARCEL: &str = "520000011395200025009871";
const DI_DELIVERED: &str = "370724760010119754";

// ---------------------------------------------------------------------------------------------
// InPost

#[tokio::test]
async fn inpost_tracking_needs_no_token_and_lists_the_newest_step_first() {
    let sandbox = start_builtin().await;
    let response = sandbox.get(&format!("/v1/tracking/{LOCKER_PARCEL}")).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["tracking_number"], LOCKER_PARCEL);
    assert_eq!(body["status"], "ready_to_pickup");
    let details = body["tracking_details"].as_array().unwrap();
    assert_eq!(details[0]["status"], "ready_to_pickup");
    assert!(details[0]["datetime"].as_str().unwrap() > details[1]["datetime"].as_str().unwrap());
    let target = &body["custom_attributes"]["target_machine_detail"];
    assert_eq!(body["custom_attributes"]["target_machine_id"], "KRA01M");
    assert!(target["location"]["latitude"].as_f64().is_some());
    assert_eq!(target["opening_hours"], "24/7");
}

#[tokio::test]
async fn inpost_event_times_move_with_the_clock() {
    let sandbox = start_builtin().await;
    let first: Value = sandbox
        .get(&format!("/v1/tracking/{LOCKER_PARCEL}"))
        .await
        .json()
        .await
        .unwrap();
    sandbox.advance_clock(2 * 86_400).await;
    let later: Value = sandbox
        .get(&format!("/v1/tracking/{LOCKER_PARCEL}"))
        .await
        .json()
        .await
        .unwrap();
    let day = |body: &Value| body["updated_at"].as_str().unwrap()[..10].to_owned();
    assert_ne!(day(&first), day(&later));
}

#[tokio::test]
async fn inpost_unknown_numbers_get_404_and_malformed_ones_400_in_inposts_format() {
    let sandbox = start_builtin().await;
    let missing = sandbox.get("/v1/tracking/520000000000000000000001").await;
    assert_eq!(missing.status(), 404);
    let body: Value = missing.json().await.unwrap();
    assert_eq!(body["status"], 404);
    assert_eq!(body["error"], "resource_not_found");
    assert!(body["description"]
        .as_str()
        .unwrap()
        .contains("520000000000000000000001"));

    let malformed = sandbox.get("/v1/tracking/12345").await;
    assert_eq!(malformed.status(), 400);
    let body: Value = malformed.json().await.unwrap();
    assert_eq!(body["error"], "uknown_tracking_number");
}

#[tokio::test]
async fn inpost_service_history_statuses_and_points_are_served() {
    let sandbox = start_builtin().await;
    let history: Value = sandbox
        .get("/v1/tracking/520000011395200025009963/service_history")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        history["service_history"]["last_service"],
        "inpost_courier_standard"
    );
    assert!(history["href"]
        .as_str()
        .unwrap()
        .ends_with("/v1/shipments/100010"));

    let english: Value = sandbox
        .get("/v1/statuses?lang=en_GB")
        .await
        .json()
        .await
        .unwrap();
    let ready = english["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|item| item["name"] == "ready_to_pickup")
        .unwrap();
    assert_eq!(ready["title"], "Placed in Parcel Locker (of destination).");
    let polish: Value = sandbox
        .get("/v1/statuses?lang=pl_PL")
        .await
        .json()
        .await
        .unwrap();
    assert!(polish["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|item| item["title"] == "Dostarczona"));
    assert_eq!(sandbox.get("/v1/statuses?lang=de_DE").await.status(), 400);

    let point: Value = sandbox.get("/v1/points/KRA01M").await.json().await.unwrap();
    assert_eq!(point["address_details"]["city"], "Kraków");
    assert_eq!(sandbox.get("/v1/points/NOPE00").await.status(), 404);
}

#[tokio::test]
async fn links_in_answers_keep_the_prefix_the_sandbox_is_mounted_under() {
    let sandbox = start_under("/sandbox", SandboxConfig::builtin_in_memory()).await;
    let body: Value = sandbox
        .get(&format!("/v1/tracking/{LOCKER_PARCEL}"))
        .await
        .json()
        .await
        .unwrap();
    let href = body["custom_attributes"]["target_machine_detail"]["href"]
        .as_str()
        .unwrap();
    assert_eq!(href, sandbox.url("/v1/points/KRA01M"));
    assert_eq!(sandbox.client.get(href).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn methods_a_carrier_does_not_allow_get_405_in_its_format() {
    let sandbox = start_builtin().await;
    let inpost = sandbox
        .client
        .post(sandbox.url(&format!("/v1/tracking/{LOCKER_PARCEL}")))
        .send()
        .await
        .unwrap();
    assert_eq!(inpost.status(), 405);
    assert!(inpost.headers().contains_key("allow"));
    let body: Value = inpost.json().await.unwrap();
    assert_eq!(body["error"], "method_not_allowed");

    let di = sandbox
        .client
        .get(sandbox.url("/ws/json/auth/v-3/login/60"))
        .send()
        .await
        .unwrap();
    assert_eq!(di.status(), 405);
    let body: Value = di.json().await.unwrap();
    assert_eq!(body["error"], "Method not allowed");

    let register = sandbox
        .client
        .put(sandbox.url("/ws/json/parcel/tracking/v-2/register"))
        .send()
        .await
        .unwrap();
    assert_eq!(register.status(), 405);

    let trackonline = sandbox
        .client
        .delete(sandbox.url("/api/v1/transaction"))
        .header("X-ApiKey", TRACKONLINE_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(trackonline.status(), 405);
    let body: Value = trackonline.json().await.unwrap();
    assert_eq!(body["status"], 405);
    assert_eq!(body["title"], "Method Not Allowed");
}

// ---------------------------------------------------------------------------------------------
// Di

#[tokio::test]
async fn di_fetch_without_a_token_gets_401() {
    let sandbox = start_builtin().await;
    let response = sandbox
        .get(&format!(
            "/ws/json/parcel/tracking/v-2/fetch/{DI_DELIVERED}/NO/false"
        ))
        .await;
    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "Authentication Failure");
}

#[tokio::test]
async fn di_fetch_with_an_expired_token_gets_401() {
    let sandbox = start_builtin().await;
    let token = sandbox.di_token(1).await;
    let path = format!("/ws/json/parcel/tracking/v-2/fetch/{DI_DELIVERED}/NO/false");
    assert_eq!(sandbox.di_fetch(&token, &path).await.status(), 200);
    sandbox.advance_clock(61).await;
    let expired = sandbox.di_fetch(&token, &path).await;
    assert_eq!(expired.status(), 401);
    let body: Value = expired.json().await.unwrap();
    assert!(body["message"].as_str().unwrap().contains("expired"));
}

#[tokio::test]
async fn di_fetch_with_an_invented_token_gets_401() {
    let sandbox = start_builtin().await;
    let path = format!("/ws/json/parcel/tracking/v-2/fetch/{DI_DELIVERED}/NO/false");
    assert_eq!(sandbox.di_fetch("not-a-token", &path).await.status(), 401);
}

#[tokio::test]
async fn di_login_refuses_wrong_passwords_and_validities_outside_a_day() {
    let sandbox = start_builtin().await;
    let wrong = sandbox
        .client
        .post(sandbox.url("/ws/json/auth/v-3/login/60"))
        .json(&serde_json::json!({ "username": DI_USERNAME, "password": "guess" }))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    for minutes in ["0", "1441", "soon"] {
        let response = sandbox
            .client
            .post(sandbox.url(&format!("/ws/json/auth/v-3/login/{minutes}")))
            .json(&serde_json::json!({ "username": DI_USERNAME, "password": DI_PASSWORD }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{minutes}");
    }
}

#[tokio::test]
async fn di_v2_describes_events_in_the_asked_language_in_norwegian_local_time() {
    let sandbox = start_builtin().await;
    let token = sandbox.di_token(60).await;
    let norwegian: Value = sandbox
        .di_fetch(
            &token,
            &format!("/ws/json/parcel/tracking/v-2/fetch/{DI_DELIVERED}/NO/false"),
        )
        .await
        .json()
        .await
        .unwrap();
    let english: Value = sandbox
        .di_fetch(
            &token,
            &format!("/ws/json/parcel/tracking/v-2/fetch/{DI_DELIVERED}/EN/false"),
        )
        .await
        .json()
        .await
        .unwrap();
    let last = |body: &Value| {
        body[0]["events"]
            .as_array()
            .unwrap()
            .last()
            .unwrap()
            .clone()
    };
    assert_eq!(last(&norwegian)["eventType"]["description"], "Levert");
    assert_eq!(last(&english)["eventType"]["description"], "Delivered");
    assert_eq!(norwegian[0]["parcelStatus"], "Levert");
    let time = last(&norwegian)["eventTime"].as_str().unwrap().to_owned();
    assert_eq!(time.len(), 19, "{time}");
    assert_eq!(&time[10..11], " ");
    let bad_locale = sandbox
        .di_fetch(
            &token,
            &format!("/ws/json/parcel/tracking/v-2/fetch/{DI_DELIVERED}/SV/false"),
        )
        .await;
    assert_eq!(bad_locale.status(), 400);
}

#[tokio::test]
async fn di_only_last_event_and_v1_shapes_are_served() {
    let sandbox = start_builtin().await;
    let token = sandbox.di_token(60).await;
    let last: Value = sandbox
        .di_fetch(
            &token,
            &format!("/ws/json/parcel/tracking/v-2/fetch/{DI_DELIVERED}/EN/true"),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(last[0]["events"].as_array().unwrap().len(), 1);
    assert_eq!(last[0]["events"][0]["eventType"]["apiKey"], "013");
    let v1: Value = sandbox
        .di_fetch(
            &token,
            &format!("/ws/json/parcel/tracking/v-1/fetch/{DI_DELIVERED}/EN/false"),
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(v1[0]["eventTime"].is_string(), "v-1 lists events: {v1}");
    assert!(v1[0].get("trackingNumber").is_none());
}

#[tokio::test]
async fn di_a_parcel_that_changed_delivery_method_comes_with_its_linked_parcel() {
    let sandbox = start_builtin().await;
    let token = sandbox.di_token(60).await;
    let body: Value = sandbox
        .di_fetch(
            &token,
            "/ws/json/parcel/tracking/v-2/fetch/370724760010119778/EN/false",
        )
        .await
        .json()
        .await
        .unwrap();
    let numbers: Vec<&str> = body
        .as_array()
        .unwrap()
        .iter()
        .map(|parcel| parcel["trackingNumber"].as_str().unwrap())
        .collect();
    assert_eq!(numbers, vec!["370724760010119778", "370724760010119761"]);
    assert_eq!(body[0]["linkedParcelNumbers"][0], "370724760010119761");
}

#[tokio::test]
async fn di_finds_parcels_by_shipment_number_return_code_and_sscc_forms() {
    let sandbox = start_builtin().await;
    let token = sandbox.di_token(60).await;
    for identifier in [
        "70712190172720675",
        "R-4821",
        "(00)370724760010119761",
        "00370724760010119761",
    ] {
        let encoded = identifier.replace('(', "%28").replace(')', "%29");
        let body: Value = sandbox
            .di_fetch(
                &token,
                &format!("/ws/json/parcel/tracking/v-2/fetch/{encoded}/EN/false"),
            )
            .await
            .json()
            .await
            .unwrap();
        // This parcel answers in the nested shape: shipments whose items are the parcels, with
        // the tracking number as a JSON whole number.
        assert!(
            body.as_array()
                .unwrap()
                .iter()
                .flat_map(|shipment| shipment["items"].as_array().unwrap())
                .any(|parcel| parcel["trackingNumber"] == 370724760010119761u64),
            "{identifier}: {body}"
        );
    }
    let unknown: Value = sandbox
        .di_fetch(
            &token,
            "/ws/json/parcel/tracking/v-2/fetch/370724769999999999/EN/false",
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(unknown, serde_json::json!([]));
}

#[tokio::test]
async fn di_the_duplicated_event_is_served_twice() {
    let sandbox = start_builtin().await;
    let token = sandbox.di_token(60).await;
    let body: Value = sandbox
        .di_fetch(
            &token,
            "/ws/json/parcel/tracking/v-2/fetch/370724760010119785/EN/false",
        )
        .await
        .json()
        .await
        .unwrap();
    let events = body[0]["events"].as_array().unwrap();
    let last_two = &events[events.len() - 2..];
    assert_eq!(last_two[0], last_two[1]);
}

// ---------------------------------------------------------------------------------------------
// TrackOnline

#[tokio::test]
async fn trackonline_without_a_valid_key_gets_401_as_a_problem_document() {
    let sandbox = start_builtin().await;
    let none = sandbox.get("/api/v1/transaction").await;
    assert_eq!(none.status(), 401);
    assert!(none.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/problem+json"));
    let body: Value = none.json().await.unwrap();
    assert_eq!(body["status"], 401);
    assert_eq!(
        sandbox
            .trackonline("wrong.key", "/api/v1/transaction")
            .await
            .status(),
        401
    );
}

#[tokio::test]
async fn trackonline_accepts_the_key_in_the_header_or_the_query() {
    let sandbox = start_builtin().await;
    let by_header = sandbox
        .trackonline(
            TRACKONLINE_KEY,
            "/api/v1/transaction?TransactionNumber=TO-2024-1004",
        )
        .await;
    assert_eq!(by_header.status(), 200);
    let by_query = sandbox
        .get(&format!(
            "/api/v1/transaction?TransactionNumber=TO-2024-1004&apikey={TRACKONLINE_KEY}"
        ))
        .await;
    assert_eq!(by_query.status(), 200);
}

#[tokio::test]
async fn trackonline_limits_give_429_with_retry_after_until_the_minute_ends() {
    let sandbox = start_builtin().await;
    let path = "/api/v1/location";
    for _ in 0..3 {
        assert_eq!(
            sandbox
                .trackonline(TRACKONLINE_SMALL_KEY, path)
                .await
                .status(),
            200
        );
    }
    let limited = sandbox.trackonline(TRACKONLINE_SMALL_KEY, path).await;
    assert_eq!(limited.status(), 429);
    let retry_after: i64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    // Another administration has its own budget.
    assert_eq!(
        sandbox.trackonline(TRACKONLINE_KEY, path).await.status(),
        200
    );
    sandbox.advance_clock(retry_after).await;
    assert_eq!(
        sandbox
            .trackonline(TRACKONLINE_SMALL_KEY, path)
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn trackonline_day_limit_holds_after_the_minute_resets() {
    let sandbox = start_builtin().await;
    let path = "/api/v1/location";
    let mut answered = 0;
    for _ in 0..20 {
        match sandbox
            .trackonline(TRACKONLINE_SMALL_KEY, path)
            .await
            .status()
            .as_u16()
        {
            200 => answered += 1,
            429 => sandbox.advance_clock(60).await,
            other => panic!("unexpected status {other}"),
        }
        if answered == 10 {
            break;
        }
    }
    assert_eq!(answered, 10);
    sandbox.advance_clock(60).await;
    let limited = sandbox.trackonline(TRACKONLINE_SMALL_KEY, path).await;
    assert_eq!(limited.status(), 429);
    let retry_after: i64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry_after > 60, "the day window is longer: {retry_after}");
    let body: Value = limited.json().await.unwrap();
    assert!(body["detail"].as_str().unwrap().contains("per day"));
}

#[tokio::test]
async fn trackonline_finds_transactions_by_delivery_note_and_customer_reference() {
    let sandbox = start_builtin().await;
    let by_note: Value = sandbox
        .trackonline(
            TRACKONLINE_KEY,
            "/api/v1/transaction?DocumentNumber=LS-2024-08154711",
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(by_note[0]["transactionNumber"], "TO-2024-1002");
    assert_eq!(by_note[0]["statusCode"], 11);
    let by_reference: Value = sandbox
        .trackonline(
            TRACKONLINE_KEY,
            "/api/v1/transaction?referenceNumber=ORDER-88231",
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(by_reference[0]["transactionNumber"], "TO-2024-1003");
    assert_eq!(
        by_reference[0]["packagingLabelNumbers"][0]["number"],
        "387123450000012343"
    );
}

#[tokio::test]
async fn trackonline_answers_204_when_nothing_matches() {
    let sandbox = start_builtin().await;
    let response = sandbox
        .trackonline(TRACKONLINE_KEY, "/api/v1/transaction?DocumentNumber=NOPE")
        .await;
    assert_eq!(response.status(), 204);
    assert!(response.bytes().await.unwrap().is_empty());
    let past_the_last_page = sandbox
        .trackonline(TRACKONLINE_KEY, "/api/v1/location?page=2")
        .await;
    assert_eq!(past_the_last_page.status(), 204);
}

#[tokio::test]
async fn trackonline_load_carrier_has_an_iot_position_history() {
    let sandbox = start_builtin().await;
    let items: Value = sandbox
        .trackonline(TRACKONLINE_KEY, "/api/v1/uniqueitem?ItemNumber=CC000123")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(items[0]["deviceIds"][0]["deviceId"], "00EDBED7");
    assert!(items[0]["lastKnownPosition"]["latitude"].as_f64().is_some());
    let iot: Value = sandbox
        .trackonline(TRACKONLINE_KEY, "/api/v1/iot/item?itemNumber=CC000123")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(iot[0]["number"], "CC000123");
    let by_device: Value = sandbox
        .trackonline(
            TRACKONLINE_KEY,
            "/api/v1/iot/item/measurement?deviceId=00EDBED7",
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(by_device.as_array().unwrap().len(), 5);
    let by_item: Value = sandbox
        .trackonline(
            TRACKONLINE_KEY,
            "/api/v1/iot/item/measurement?item=8712345000123",
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(by_item, by_device);
    let last_day = sandbox
        .trackonline(
            TRACKONLINE_KEY,
            "/api/v1/iot/item/measurement?deviceId=00EDBED7&dateFrom=2000-01-01T00:00:00.000Z&dateTo=2000-01-02T00:00:00.000Z",
        )
        .await;
    assert_eq!(last_day.status(), 204);
}

#[tokio::test]
async fn trackonline_packaging_labels_and_locations_are_served() {
    let sandbox = start_builtin().await;
    let labels: Value = sandbox
        .trackonline(
            TRACKONLINE_KEY,
            "/api/v1/packaginglabel?Number=387123450000012343&TypeCodes=1",
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(labels[0]["type"], 1);
    assert_eq!(labels[0]["packagingNonSerializedItems"][0]["quantity"], 4);
    let locations: Value = sandbox
        .trackonline(TRACKONLINE_KEY, "/api/v1/location?Number=DC-VENLO")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(locations[0]["gps"]["radius"], 250);
    assert_eq!(locations.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_bad_date_filter_gets_400() {
    let sandbox = start_builtin().await;
    let response = sandbox
        .trackonline(
            TRACKONLINE_KEY,
            "/api/v1/transaction?TransactionDateFrom=yesterday",
        )
        .await;
    assert_eq!(response.status(), 400);
}

#[tokio::test]
async fn di_answers_in_the_nested_shape_for_a_nested_parcel_or_when_the_request_asks() {
    let sandbox = start_builtin().await;
    let token = sandbox.di_token(60).await;
    let body: Value = sandbox
        .di_fetch(
            &token,
            "/ws/json/parcel/tracking/v-2/fetch/370724760010119761/EN/false",
        )
        .await
        .json()
        .await
        .unwrap();
    let shipment = &body[0];
    assert_eq!(shipment["shipmentNumber"], "(401)70712190172720675");
    assert_eq!(shipment["shopName"], "Nettbutikken AS");
    assert_eq!(shipment["consigneeReference"], "ORDRE-55120");
    let item = &shipment["items"][0];
    assert_eq!(item["trackingNumber"], 370724760010119761u64);
    let events = item["events"].as_array().unwrap();
    assert!(events
        .iter()
        .all(|event| event["eventTimeUtc"].as_str().unwrap().ends_with('Z')));
    assert!(events
        .iter()
        .any(|event| event["comChannelType"] == "EMAIL"));

    // Any parcel, by header; and a nested parcel flat again.
    for (number, shape, nested) in [
        (DI_DELIVERED, "nested", true),
        ("370724760010119761", "flat", false),
    ] {
        let response = sandbox
            .client
            .get(sandbox.url(&format!(
                "/ws/json/parcel/tracking/v-2/fetch/{number}/NO/false"
            )))
            .bearer_auth(&token)
            .header("X-Sandbox-Di-Shape", shape)
            .send()
            .await
            .unwrap();
        let body: Value = response.json().await.unwrap();
        assert_eq!(body[0].get("items").is_some(), nested, "{shape}: {body}");
        assert_eq!(
            body[0].get("trackingNumber").is_some(),
            !nested,
            "{shape}: {body}"
        );
    }
    let refused = sandbox
        .client
        .get(sandbox.url(&format!(
            "/ws/json/parcel/tracking/v-2/fetch/{DI_DELIVERED}/NO/false"
        )))
        .bearer_auth(&token)
        .header("X-Sandbox-Di-Shape", "sideways")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
}
