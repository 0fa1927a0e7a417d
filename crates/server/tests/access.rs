//! Access decided by data: keys whose users' scopes hold the shipment, signed links, partner
//! users, exact matches only, and the admin API, each against a real proxy and sandbox on
//! loopback ports.

use std::sync::Arc;

use reqwest::StatusCode;
use serde_json::{json, Value};
use trackline::proxy::store::{SqliteStore, Store};
use trackline::proxy::{self, signed, ProxyConfig};
use trackline::sandbox::{self, SandboxConfig};

mod loopback;
use loopback::{di_path, serve, Answer, UnreadableStore};

const DI_NUMBER: &str = "370724760010119754";
/// Another parcel in the sandbox's data set.
const OTHER_DI_NUMBER: &str = "370724760010119778";
/// A well-formed SSCC that no carrier knows.
const UNKNOWN_DI_NUMBER: &str = "370724760099999995";
const INPOST_NUMBER: &str = "520000011395200025009871";
const LINK_SECRET: &str = "test-link-secret-0123456789";
const ADMIN_TOKEN: &str = "test-admin-token-0123456789";

struct Setup {
    sandbox: String,
    proxy: String,
    store: Arc<dyn Store>,
    client: reqwest::Client,
}

impl Setup {
    /// A sandbox, and a proxy in front of it with `carriers` (extra lines per carrier section)
    /// and the given store.
    async fn start(inpost: &str, di: &str, trackonline: &str) -> Setup {
        let store: Arc<dyn Store> = Arc::new(SqliteStore::in_memory().unwrap());
        Setup::start_with(inpost, di, trackonline, store).await
    }

    async fn start_with(inpost: &str, di: &str, trackonline: &str, store: Arc<dyn Store>) -> Setup {
        let limits = "per_client_ip_per_minute = 60000\nper_client_ip_burst = 10000";
        Setup::start_limited(inpost, di, trackonline, store, limits).await
    }

    /// [`Setup::start_with`], with the `[rate_limits]` section's lines.
    async fn start_limited(
        inpost: &str,
        di: &str,
        trackonline: &str,
        store: Arc<dyn Store>,
        rate_limits: &str,
    ) -> Setup {
        let sandbox = serve(sandbox::app(SandboxConfig::builtin_in_memory())).await;
        let base = format!("http://{sandbox}");
        let text = format!(
            r#"
[server]
timeout_ms = 3000

[rate_limits]
{rate_limits}

[access]
link_secret = "{LINK_SECRET}"
admin_token = "{ADMIN_TOKEN}"

[[sites]]
name = "shop"
origins = ["https://shop.example"]

[carriers.inpost]
base_url = "{base}"
{inpost}

[carriers.di]
base_url = "{base}"
username = "wssandbox"
password = "sandbox-only-password"
{di}

[carriers.trackonline]
base_url = "{base}"
api_key = "sandbox.trackonline.demo-key"
requests_per_minute = 6000
{trackonline}

[partners]
"4711" = "di"
"#
        );
        let config = ProxyConfig::parse(&text, &|_| None).unwrap();
        let proxy = serve(proxy::try_app_with_store(config, Arc::clone(&store)).unwrap()).await;
        Setup {
            sandbox: base,
            proxy: format!("http://{proxy}"),
            store,
            client: reqwest::Client::new(),
        }
    }

    async fn get(&self, path: &str, headers: &[(&str, &str)]) -> Answer {
        let mut request = self.client.get(format!("{}{path}", self.proxy));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.unwrap();
        Answer::read(response).await
    }

    async fn upstream_requests(&self, carrier: &str) -> u64 {
        let stats: Value = reqwest::get(format!("{}/_sandbox/stats", self.sandbox))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        stats["requests"][carrier].as_u64().unwrap()
    }

    async fn user_with_key(&self, user: &str, references: &[&str]) -> String {
        self.store.ensure_user(user).await.unwrap();
        let parsed: Vec<_> = references
            .iter()
            .enumerate()
            .map(|(index, text)| proxy::store::parse_reference(index, text).unwrap())
            .collect();
        self.store.add_shipments(user, &parsed).await.unwrap();
        self.store
            .create_key(user, &format!("{user}-key"))
            .await
            .unwrap()
    }

    async fn admin(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<String>,
    ) -> Answer {
        let mut request = self.client.request(method, format!("{}{path}", self.proxy));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body);
        }
        let response = request.send().await.unwrap();
        Answer::read(response).await
    }
}

#[tokio::test]
async fn a_forged_origin_never_grants_data_that_needs_a_key_or_signature() {
    let setup = Setup::start("", "", "access = \"key\"").await;
    let label = "/carriers/trackonline/api/v1/packaginglabel?Number=387123450000012343";
    for origin in [
        Some("https://shop.example"),
        Some("https://evil.example"),
        None,
    ] {
        let headers: Vec<(&str, &str)> = origin.map(|o| ("Origin", o)).into_iter().collect();
        let di = setup.get(&di_path(DI_NUMBER), &headers).await;
        if origin == Some("https://evil.example") {
            // Not a configured site: refused by CORS before anything else.
            assert_eq!(di.status, StatusCode::FORBIDDEN);
            continue;
        }
        assert_eq!(
            di.status,
            StatusCode::UNAUTHORIZED,
            "{origin:?}: {}",
            di.body
        );
        assert_eq!(di.problem(), "signature-required");
        let trackonline = setup.get(label, &headers).await;
        assert_eq!(trackonline.status, StatusCode::UNAUTHORIZED);
        assert_eq!(trackonline.problem(), "unauthorized");
    }
    // InPost is public by default, whatever the origin.
    let inpost = setup
        .get(
            &format!("/carriers/inpost/v1/tracking/{INPOST_NUMBER}"),
            &[],
        )
        .await;
    assert_eq!(inpost.status, StatusCode::OK);
    assert_eq!(setup.upstream_requests("di").await, 0);
    assert_eq!(setup.upstream_requests("trackonline").await, 0);
}

#[tokio::test]
async fn a_key_sees_its_shipments_and_out_of_scope_is_answered_exactly_like_an_unknown_reference() {
    let setup = Setup::start("", "access = \"key\"", "").await;
    let key = setup
        .user_with_key(
            "anna",
            &[
                &format!("sscc={DI_NUMBER}"),
                &format!("sscc={UNKNOWN_DI_NUMBER}"),
            ],
        )
        .await;
    let with_key = [("X-Trackline-Key", key.as_str())];
    let mine = setup.get(&di_path(DI_NUMBER), &with_key).await;
    assert_eq!(mine.status, StatusCode::OK, "{}", mine.body);
    assert_eq!(mine.json()[0]["trackingNumber"], DI_NUMBER);

    let unknown = setup.get(&di_path(UNKNOWN_DI_NUMBER), &with_key).await;
    let not_mine = setup.get(&di_path(OTHER_DI_NUMBER), &with_key).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(not_mine.status, unknown.status);
    assert_eq!(not_mine.body, unknown.body);
    // The parcel that is not hers was never asked for: one login and her two fetches.
    assert_eq!(setup.upstream_requests("di").await, 3);
}

#[tokio::test]
async fn a_partner_user_sees_the_shipments_registered_with_its_partner_id() {
    let setup = Setup::start("", "access = \"key\"", "").await;
    setup.store.ensure_user("shop").await.unwrap();
    let partnered =
        proxy::store::parse_reference(0, &format!("vp=4711&vpref={DI_NUMBER}")).unwrap();
    setup
        .store
        .add_shipments("shop", &[partnered])
        .await
        .unwrap();
    let key = setup.user_with_key("carrier-4711", &[]).await;
    let with_key = [("X-Trackline-Key", key.as_str())];
    assert_eq!(
        setup.get(&di_path(DI_NUMBER), &with_key).await.status,
        StatusCode::NOT_FOUND,
        "not yet bound to the partner"
    );
    setup
        .store
        .bind_partner("carrier-4711", "4711")
        .await
        .unwrap();
    let answer = setup.get(&di_path(DI_NUMBER), &with_key).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(
        setup.get(&di_path(OTHER_DI_NUMBER), &with_key).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn signed_links_open_their_shipment_and_tampered_expired_or_unsigned_ones_get_distinct_problems(
) {
    let setup = Setup::start("", "", "").await;
    let far = proxy::store::now_unix() + 3_600;
    let link = signed::sign_query(LINK_SECRET.as_bytes(), &format!("sscc={DI_NUMBER}"), far);
    let opened = setup
        .get(&di_path(DI_NUMBER), &[("X-Trackline-Link", &link)])
        .await;
    assert_eq!(opened.status, StatusCode::OK, "{}", opened.body);

    // The same link does not open another parcel, and says nothing about whether it exists.
    let other = setup
        .get(&di_path(OTHER_DI_NUMBER), &[("X-Trackline-Link", &link)])
        .await;
    let unknown = setup
        .get(&di_path(UNKNOWN_DI_NUMBER), &[("X-Trackline-Link", &link)])
        .await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
    assert_eq!(other.body, unknown.body);

    let tampered = link.replace(DI_NUMBER, OTHER_DI_NUMBER);
    let answer = setup
        .get(
            &di_path(OTHER_DI_NUMBER),
            &[("X-Trackline-Link", &tampered)],
        )
        .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert_eq!(answer.problem(), "link-invalid");

    let past = proxy::store::now_unix() - 60;
    let expired = signed::sign_query(LINK_SECRET.as_bytes(), &format!("sscc={DI_NUMBER}"), past);
    let answer = setup
        .get(&di_path(DI_NUMBER), &[("X-Trackline-Link", &expired)])
        .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert_eq!(answer.problem(), "link-expired");

    let unsigned = setup.get(&di_path(DI_NUMBER), &[]).await;
    assert_eq!(unsigned.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unsigned.problem(), "signature-required");

    // Only the first fetch (after one login) reached the carrier.
    assert_eq!(setup.upstream_requests("di").await, 2);
}

#[tokio::test]
async fn a_signed_link_does_not_open_a_carrier_that_needs_a_key() {
    let setup = Setup::start("", "access = \"key\"", "").await;
    let far = proxy::store::now_unix() + 3_600;
    let link = signed::sign_query(LINK_SECRET.as_bytes(), &format!("sscc={DI_NUMBER}"), far);
    let answer = setup
        .get(&di_path(DI_NUMBER), &[("X-Trackline-Link", &link)])
        .await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(answer.problem(), "unauthorized");
}

/// Every TrackOnline route with a fragment of a real value, and the full value.
const TRACKONLINE_LOOKUPS: [(&str, &str, &str); 7] = [
    ("uniqueitem", "ItemNumber", "CC000123"),
    ("uniqueitem", "BarCode", "8712345000123"),
    ("iot/item", "itemNumber", "CC000123"),
    ("iot/item/measurement", "item", "CC000123"),
    ("transaction", "ReferenceNumber", "ORDER-88231"),
    ("packaginglabel", "Number", "387123450000012343"),
    ("location", "Number", "DC-VENLO"),
];

fn says_nothing(answer: &Answer) -> bool {
    answer.status == StatusCode::NO_CONTENT
        || answer.status == StatusCode::NOT_FOUND
        || (answer.status == StatusCode::OK && answer.json() == json!([]))
}

#[tokio::test]
async fn fragments_of_a_reference_return_nothing_on_every_trackonline_route() {
    let setup = Setup::start("", "", "access = \"public\"").await;
    for (resource, filter, full) in TRACKONLINE_LOOKUPS {
        let path = format!("/carriers/trackonline/api/v1/{resource}?{filter}={full}");
        let found = setup.get(&path, &[]).await;
        assert_eq!(found.status, StatusCode::OK, "{path}: {}", found.body);
        let records = found.json();
        assert!(!records.as_array().unwrap().is_empty(), "{path}");
        for fragment in [&full[..full.len() - 1], &full[1..], &full[..1]] {
            let path = format!("/carriers/trackonline/api/v1/{resource}?{filter}={fragment}");
            let answer = setup.get(&path, &[]).await;
            assert!(
                says_nothing(&answer) || answer.status == StatusCode::BAD_REQUEST,
                "{path}: {} {}",
                answer.status,
                answer.body
            );
        }
    }
    // The case that enumerated a merchant's labels.
    let three = setup
        .get("/carriers/trackonline/api/v1/packaginglabel?Number=3", &[])
        .await;
    assert!(says_nothing(&three), "{} {}", three.status, three.body);
}

#[tokio::test]
async fn a_fragment_in_a_key_s_scope_still_matches_only_itself() {
    let setup = Setup::start("", "", "access = \"key\"").await;
    let key = setup.user_with_key("greedy", &["cref=3"]).await;
    let answer = setup
        .get(
            "/carriers/trackonline/api/v1/packaginglabel?Number=3",
            &[("X-Trackline-Key", &key)],
        )
        .await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND, "{}", answer.body);
    assert_eq!(answer.problem(), "not-found");
    // The sandbox was asked (the fragment is in scope) and its partial match was dropped.
    assert_eq!(setup.upstream_requests("trackonline").await, 1);
}

#[tokio::test]
async fn a_key_lists_its_own_and_its_partners_shipments_newest_first_in_pages() {
    let setup = Setup::start("", "", "").await;
    let references: Vec<String> = (1..=25).map(|n| format!("cref=ORDER-{n}")).collect();
    let references: Vec<&str> = references.iter().map(String::as_str).collect();
    let key = setup.user_with_key("anna", &references).await;
    setup.store.bind_partner("anna", "4711").await.unwrap();
    setup.store.ensure_user("shop").await.unwrap();
    let partnered =
        proxy::store::parse_reference(0, &format!("vp=4711&vpref={DI_NUMBER}")).unwrap();
    setup
        .store
        .add_shipments("shop", &[partnered])
        .await
        .unwrap();
    let with_key = [
        ("X-Trackline-Key", key.as_str()),
        ("Origin", "https://shop.example"),
    ];

    let first = setup.get("/access/v1/shipments", &with_key).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let first = first.json();
    assert_eq!(first["user"], "anna");
    assert_eq!(first["total"], 26);
    let listed = first["shipments"].as_array().unwrap();
    assert_eq!(listed.len(), 20);
    // The partner's shipment was registered last, so it comes first, with its carrier.
    assert_eq!(listed[0]["reference"]["partner_id"], "4711");
    assert_eq!(listed[0]["carrier"], "di");
    assert_eq!(listed[1]["reference"]["number"], "ORDER-25");

    let second = setup
        .get("/access/v1/shipments?page=2&per_page=20", &with_key)
        .await
        .json();
    assert_eq!(second["shipments"].as_array().unwrap().len(), 6);
    assert_eq!(second["shipments"][5]["reference"]["number"], "ORDER-1");
    let searched = setup
        .get("/access/v1/shipments?search=ORDER-2", &with_key)
        .await
        .json();
    // ORDER-2 and ORDER-20 to ORDER-25.
    assert_eq!(searched["total"], 7);

    let without_key = setup
        .get(
            "/access/v1/shipments",
            &[("Origin", "https://shop.example")],
        )
        .await;
    assert_eq!(without_key.status, StatusCode::UNAUTHORIZED);
    assert_eq!(without_key.problem(), "unauthorized");
    let empty_key = setup.user_with_key("bert", &[]).await;
    let empty = setup
        .get("/access/v1/shipments", &[("X-Trackline-Key", &empty_key)])
        .await;
    assert_eq!(empty.status, StatusCode::OK);
    assert_eq!(empty.json()["total"], 0);
}

#[tokio::test]
async fn a_page_on_another_origin_may_send_the_key_and_link_headers() {
    let setup = Setup::start("", "", "").await;
    let response = setup
        .client
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/access/v1/shipments", setup.proxy),
        )
        .header("Origin", "https://shop.example")
        .header("Access-Control-Request-Method", "GET")
        .header(
            "Access-Control-Request-Headers",
            "x-trackline-key, x-trackline-link",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        response.headers()["access-control-allow-origin"],
        "https://shop.example"
    );
}

#[tokio::test]
async fn keys_fail_closed_when_the_access_database_is_gone() {
    let setup = Setup::start_with("", "", "", Arc::new(UnreadableStore::default())).await;
    let answer = setup
        .get(
            &di_path(DI_NUMBER),
            &[("X-Trackline-Key", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")],
        )
        .await;
    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(answer.problem(), "access-unavailable");
    let admin = setup
        .admin(
            reqwest::Method::GET,
            "/admin/v1/users",
            Some(ADMIN_TOKEN),
            None,
        )
        .await;
    assert_eq!(admin.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(admin.problem(), "access-unavailable");
    // Public carriers need no key and keep answering.
    let inpost = setup
        .get(
            &format!("/carriers/inpost/v1/tracking/{INPOST_NUMBER}"),
            &[],
        )
        .await;
    assert_eq!(inpost.status, StatusCode::OK);
    assert_eq!(setup.upstream_requests("di").await, 0);
}

// ------------------------------------------------------------------------------------------
// The admin API.

#[tokio::test]
async fn the_admin_api_refuses_a_missing_or_wrong_token_and_oversized_or_malformed_bodies() {
    let setup = Setup::start("", "", "").await;
    let users = "/admin/v1/users";
    let missing = setup.admin(reqwest::Method::GET, users, None, None).await;
    assert_eq!(missing.status, StatusCode::UNAUTHORIZED);
    assert_eq!(missing.problem(), "admin-unauthorized");
    let wrong = setup
        .admin(
            reqwest::Method::GET,
            users,
            Some("not-the-admin-token"),
            None,
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.problem(), "admin-unauthorized");
    assert!(!wrong.body.contains(ADMIN_TOKEN));

    let created = setup
        .admin(
            reqwest::Method::POST,
            users,
            Some(ADMIN_TOKEN),
            Some(r#"{"name": "anna"}"#.into()),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let shipments = "/admin/v1/users/anna/shipments";
    let malformed = setup
        .admin(
            reqwest::Method::POST,
            shipments,
            Some(ADMIN_TOKEN),
            Some(r#"{"references": ["sscc=1"#.into()),
        )
        .await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    assert_eq!(malformed.problem(), "invalid-request");
    let wrong_shape = setup
        .admin(
            reqwest::Method::POST,
            shipments,
            Some(ADMIN_TOKEN),
            Some(r#"{"refs": []}"#.into()),
        )
        .await;
    assert_eq!(wrong_shape.problem(), "invalid-request");
    let bad_reference = setup
        .admin(
            reqwest::Method::POST,
            shipments,
            Some(ADMIN_TOKEN),
            Some(r#"{"references": ["cref=A1&cref=B2"]}"#.into()),
        )
        .await;
    assert_eq!(bad_reference.status, StatusCode::BAD_REQUEST);
    assert!(bad_reference.json()["detail"]
        .as_str()
        .unwrap()
        .contains("reference 0"));

    let too_many: Vec<String> = (0..1_001).map(|n| format!("cref=R{n}")).collect();
    let answer = setup
        .admin(
            reqwest::Method::POST,
            shipments,
            Some(ADMIN_TOKEN),
            Some(json!({ "references": too_many }).to_string()),
        )
        .await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(answer.problem(), "payload-too-large");
    let huge = format!(r#"{{"references": ["{}"]}}"#, "x".repeat(300 * 1024));
    let answer = setup
        .admin(
            reqwest::Method::POST,
            shipments,
            Some(ADMIN_TOKEN),
            Some(huge),
        )
        .await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(answer.problem(), "payload-too-large");
    assert_eq!(setup.store.user("anna").await.unwrap().shipments, 0);
}

#[tokio::test]
async fn ten_clients_adding_shipments_to_one_user_at_once_lose_nothing() {
    let folder = std::env::temp_dir().join(format!("trackline-access-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&folder);
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&folder.join("access.sqlite")).unwrap());
    let setup = Arc::new(Setup::start_with("", "", "", store).await);
    setup.store.ensure_user("shop").await.unwrap();
    let mut clients = Vec::new();
    for client in 0..10 {
        let setup = Arc::clone(&setup);
        clients.push(tokio::spawn(async move {
            // Each client sends its own 100 references and 20 shared ones, twice.
            let mut references: Vec<String> =
                (0..100).map(|n| format!("cref=C{client}-{n}")).collect();
            references.extend((0..20).map(|n| format!("cref=SHARED-{n}")));
            let body = json!({ "references": references }).to_string();
            for _ in 0..2 {
                let answer = setup
                    .admin(
                        reqwest::Method::POST,
                        "/admin/v1/users/shop/shipments",
                        Some(ADMIN_TOKEN),
                        Some(body.clone()),
                    )
                    .await;
                assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
            }
        }));
    }
    for client in clients {
        client.await.unwrap();
    }
    let listed = setup
        .admin(
            reqwest::Method::GET,
            "/admin/v1/users/shop/shipments?per_page=5&search=SHARED",
            Some(ADMIN_TOKEN),
            None,
        )
        .await;
    assert_eq!(listed.json()["total"], 20);
    assert_eq!(listed.json()["shipments"].as_array().unwrap().len(), 5);
    assert_eq!(
        setup.store.user("shop").await.unwrap().shipments,
        10 * 100 + 20
    );
}

#[tokio::test]
async fn a_key_made_through_the_admin_api_works_at_once_and_stops_when_revoked() {
    let setup = Setup::start("", "access = \"key\"", "").await;
    let token = Some(ADMIN_TOKEN);
    let post = reqwest::Method::POST;
    setup
        .admin(
            post.clone(),
            "/admin/v1/users",
            token,
            Some(r#"{"name": "anna"}"#.into()),
        )
        .await;
    let added = setup
        .admin(
            post.clone(),
            "/admin/v1/users/anna/shipments",
            token,
            Some(json!({ "references": [format!("sscc={DI_NUMBER}")] }).to_string()),
        )
        .await;
    assert_eq!(added.json(), json!({ "added": 1, "already_registered": 0 }));
    let created = setup
        .admin(
            post.clone(),
            "/admin/v1/users/anna/keys",
            token,
            Some(r#"{"name": "anna-phone"}"#.into()),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    let key = created.json()["key"].as_str().unwrap().to_owned();
    let listed = setup
        .admin(
            reqwest::Method::GET,
            "/admin/v1/users/anna/keys",
            token,
            None,
        )
        .await;
    assert!(listed.body.contains("anna-phone") && !listed.body.contains(&key));
    let duplicate = setup
        .admin(
            post,
            "/admin/v1/users/anna/keys",
            token,
            Some(r#"{"name": "anna-phone"}"#.into()),
        )
        .await;
    assert_eq!(duplicate.status, StatusCode::CONFLICT);

    let path = di_path(DI_NUMBER);
    let with_key = [("X-Trackline-Key", key.as_str())];
    assert_eq!(setup.get(&path, &with_key).await.status, StatusCode::OK);
    // Removed from her scope, the parcel is unknown to her.
    let removed = setup
        .admin(
            reqwest::Method::DELETE,
            "/admin/v1/users/anna/shipments",
            token,
            Some(json!({ "references": [format!("sscc={DI_NUMBER}")] }).to_string()),
        )
        .await;
    assert_eq!(removed.json(), json!({ "removed": 1 }));
    assert_eq!(
        setup.get(&path, &with_key).await.status,
        StatusCode::NOT_FOUND
    );
    // Bound to the partner the shop registered it with, she sees it again.
    setup.store.ensure_user("shop").await.unwrap();
    let partnered =
        proxy::store::parse_reference(0, &format!("ep=0815&epref={DI_NUMBER}")).unwrap();
    setup
        .store
        .add_shipments("shop", &[partnered])
        .await
        .unwrap();
    let bound = setup
        .admin(
            reqwest::Method::PUT,
            "/admin/v1/users/anna/partners/0815",
            token,
            None,
        )
        .await;
    assert_eq!(bound.json()["partners"], json!(["0815"]));
    assert_eq!(setup.get(&path, &with_key).await.status, StatusCode::OK);
    let revoked = setup
        .admin(
            reqwest::Method::DELETE,
            "/admin/v1/keys/anna-phone",
            token,
            None,
        )
        .await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT);
    let refused = setup.get(&path, &with_key).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(refused.problem(), "unauthorized");
}

#[tokio::test]
async fn without_an_admin_token_the_admin_api_is_off() {
    let sandbox = serve(sandbox::app(SandboxConfig::builtin_in_memory())).await;
    let config = ProxyConfig::parse(
        &format!("[carriers.inpost]\nbase_url = \"http://{sandbox}\"\n"),
        &|_| None,
    )
    .unwrap();
    let proxy = serve(proxy::app(config).await).await;
    let answer = reqwest::Client::new()
        .get(format!("http://{proxy}/admin/v1/users"))
        .bearer_auth("anything-at-all-here")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_valid_key_is_limited_by_its_key_and_a_wrong_one_by_the_address() {
    // Three requests a minute per address; a key's own budget is larger.
    let setup = Setup::start_limited(
        "",
        "",
        "",
        Arc::new(SqliteStore::in_memory().unwrap()),
        "per_client_ip_per_minute = 3\nper_client_ip_burst = 3\n\
         per_access_key_per_minute = 600\nper_access_key_burst = 20",
    )
    .await;
    setup.store.ensure_user("anna").await.unwrap();
    let key = "AnnaOpensHerOverviewAtOnce000001";
    setup
        .store
        .insert_key_hash(
            "anna",
            "anna-phone",
            trackline::proxy::keys::hash_key(key),
            0,
        )
        .await
        .unwrap();
    let sscc = |number: &str| trackline_core::reference::Reference::Sscc {
        number: number.to_owned(),
    };
    setup
        .store
        .add_shipments("anna", &[sscc(DI_NUMBER), sscc(OTHER_DI_NUMBER)])
        .await
        .unwrap();

    // One person's overview: more requests at once than an address may make.
    for round in 0..5 {
        for number in [DI_NUMBER, OTHER_DI_NUMBER] {
            let answer = setup
                .get(&di_path(number), &[("X-Trackline-Key", key)])
                .await;
            assert_eq!(
                answer.status,
                StatusCode::OK,
                "round {round}: {}",
                answer.body
            );
        }
        let page = setup
            .get("/access/v1/shipments", &[("X-Trackline-Key", key)])
            .await;
        assert_eq!(page.status, StatusCode::OK, "round {round}: {}", page.body);
    }

    // Guessing keys counts against the address: after three, the address waits.
    let wrong = "ThisKeyWasNeverMadeByAnyone00001";
    for _ in 0..3 {
        let answer = setup
            .get(&di_path(DI_NUMBER), &[("X-Trackline-Key", wrong)])
            .await;
        assert_eq!(answer.problem(), "unauthorized");
    }
    let limited = setup
        .get(&di_path(DI_NUMBER), &[("X-Trackline-Key", wrong)])
        .await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.problem(), "rate-limited");
    // And so does a request without a key.
    let public = setup
        .get(
            &format!("/carriers/inpost/v1/tracking/{INPOST_NUMBER}"),
            &[],
        )
        .await;
    assert_eq!(public.status, StatusCode::TOO_MANY_REQUESTS);
    // The key's holder is not held up by it.
    let answer = setup
        .get(&di_path(DI_NUMBER), &[("X-Trackline-Key", key)])
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
}

impl Setup {
    /// `POST /answers` from the shop's site for a widget on `page`.
    async fn answers_ahead(&self, page: &str) -> Vec<Value> {
        let response = self
            .client
            .post(format!("{}/answers", self.proxy))
            .header("Origin", "https://shop.example")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(format!(
                "page={}",
                trackline_core::carrier::percent_encode(page)
            ))
            .send()
            .await
            .unwrap();
        let answer = Answer::read(response).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        answer.json()["answers"].as_array().cloned().unwrap()
    }
}

/// The answer ahead for `number` at Di: its status and problem type, if any.
fn di_answer(answers: &[Value], number: &str) -> (u64, Option<String>) {
    let answer = answers
        .iter()
        .find(|answer| {
            let url = answer["url"].as_str().unwrap();
            url.starts_with("/carriers/di/") && url.contains(number)
        })
        .unwrap_or_else(|| panic!("no Di answer for {number}: {answers:?}"));
    let problem = serde_json::from_str::<Value>(answer["body"].as_str().unwrap())
        .ok()
        .and_then(|body| body["type"].as_str().map(str::to_owned));
    (answer["status"].as_u64().unwrap(), problem)
}

#[tokio::test]
async fn answers_ahead_open_what_the_page_s_key_or_signed_link_opens_and_nothing_else() {
    let setup = Setup::start("", "access = \"key\"", "").await;
    let key = setup
        .user_with_key("anna", &[&format!("sscc={DI_NUMBER}")])
        .await;
    let with_key = setup
        .answers_ahead(&format!(
            "https://shop.example/track?sscc={DI_NUMBER}&id={key}"
        ))
        .await;
    assert_eq!(di_answer(&with_key, DI_NUMBER).0, 200);
    // Another parcel with the same key: answered as an unknown one.
    let not_hers = setup
        .answers_ahead(&format!(
            "https://shop.example/track?sscc={OTHER_DI_NUMBER}&id={key}"
        ))
        .await;
    assert_eq!(di_answer(&not_hers, OTHER_DI_NUMBER).0, 404);
    // No key: refused, as the widget's own request would be.
    let without = setup
        .answers_ahead(&format!("https://shop.example/track?sscc={DI_NUMBER}"))
        .await;
    let (status, problem) = di_answer(&without, DI_NUMBER);
    assert_eq!(status, 401);
    assert!(problem.is_some_and(|p| p.ends_with("/unauthorized")));

    // A carrier that takes signed links: the page's signed query opens its parcel, and a
    // tampered one does not.
    let signed_setup = Setup::start("", "", "").await;
    let far = proxy::store::now_unix() + 3_600;
    let link = signed::sign_query(LINK_SECRET.as_bytes(), &format!("sscc={DI_NUMBER}"), far);
    let opened = signed_setup
        .answers_ahead(&format!("https://shop.example/track?{link}"))
        .await;
    assert_eq!(di_answer(&opened, DI_NUMBER).0, 200);
    let tampered = signed_setup
        .answers_ahead(&format!(
            "https://shop.example/track?{}",
            link.replace(DI_NUMBER, OTHER_DI_NUMBER)
        ))
        .await;
    let (status, problem) = di_answer(&tampered, OTHER_DI_NUMBER);
    assert_eq!(status, 403);
    assert!(problem.is_some_and(|p| p.ends_with("/link-invalid")));
}
