//! The access model on Redis, shared by a fleet of replicas: each test starts its own
//! `redis-server` (Debian's package, installed by `scripts/setup`) on a free loopback port with
//! append-only persistence in a folder of its own, and stops it at the end.

use std::net::SocketAddr;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};
use trackline::proxy::store::{conformance, parse_reference, RedisStore, Store};
use trackline::proxy::{self, ProxyConfig};
use trackline::sandbox::{self, SandboxConfig};

mod loopback;
mod redis_server;
use loopback::{di_path, serve, Answer};
use redis_server::RedisServer;

const DI_NUMBER: &str = "370724760010119754";
const INPOST_NUMBER: &str = "520000011395200025009871";
const ADMIN_TOKEN: &str = "test-admin-token-0123456789";

/// A replica: a proxy with its own Redis store, in front of `sandbox`; Di needs a key.
async fn replica(sandbox: SocketAddr, redis_url: &str) -> String {
    replica_with(sandbox, redis_url, "").await
}

/// [`replica`], with more lines in the `[access_keys]` section.
async fn replica_with(sandbox: SocketAddr, redis_url: &str, access_keys: &str) -> String {
    let text = format!(
        r#"
[server]
timeout_ms = 3000

[rate_limits]
per_client_ip_per_minute = 60000
per_client_ip_burst = 10000

[access]
admin_token = "{ADMIN_TOKEN}"

[shared]
redis_url = "{redis_url}"

[access_keys]
{access_keys}

[carriers.inpost]
base_url = "http://{sandbox}"

[carriers.di]
base_url = "http://{sandbox}"
username = "wssandbox"
password = "sandbox-only-password"
access = "key"
"#
    );
    let config = ProxyConfig::parse(&text, &|_| None).unwrap();
    let store = proxy::open_store(&config).await.unwrap();
    let proxy = serve(proxy::try_app_with_store(config, store).unwrap()).await;
    format!("http://{proxy}")
}

/// A client that gives up after 5 s: a store call must fail within its 1 s timeouts, so a
/// request that takes longer is a hang, not a slow answer.
fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

async fn send(
    client: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    key: Option<&str>,
    body: Option<Value>,
) -> Answer {
    let mut request = client.request(method, url);
    request = match key {
        Some(key) => request.header("X-Trackline-Key", key),
        None => request.bearer_auth(ADMIN_TOKEN),
    };
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("the proxy answers in time");
    Answer::read(response).await
}

/// Through a replica's admin API: user `anna`, the Di parcel in her scope, and a key.
async fn anna_with_a_key(client: &reqwest::Client, replica: &str) -> String {
    let post = reqwest::Method::POST;
    let created = send(
        client,
        post.clone(),
        format!("{replica}/admin/v1/users"),
        None,
        Some(json!({ "name": "anna" })),
    )
    .await;
    assert!(created.status.is_success(), "{}", created.body);
    let added = send(
        client,
        post.clone(),
        format!("{replica}/admin/v1/users/anna/shipments"),
        None,
        Some(json!({ "references": [format!("sscc={DI_NUMBER}")] })),
    )
    .await;
    assert_eq!(added.json(), json!({ "added": 1, "already_registered": 0 }));
    let key = send(
        client,
        post,
        format!("{replica}/admin/v1/users/anna/keys"),
        None,
        Some(json!({ "name": "anna-phone" })),
    )
    .await;
    assert_eq!(key.status, StatusCode::CREATED, "{}", key.body);
    key.json()["key"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_redis_store_behaves_as_every_store_must() {
    let redis = RedisServer::start();
    conformance::check(&RedisStore::open(&redis.url()).unwrap()).await;
}

#[tokio::test]
async fn a_key_revoked_through_one_replica_is_refused_by_the_other() {
    let redis = RedisServer::start();
    let sandbox = serve(sandbox::app(SandboxConfig::builtin_in_memory())).await;
    let first = replica(sandbox, &redis.url()).await;
    let second = replica(sandbox, &redis.url()).await;
    let client = client();
    let key = anna_with_a_key(&client, &first).await;
    let get = reqwest::Method::GET;

    let on_second = send(
        &client,
        get.clone(),
        format!("{second}{}", di_path(DI_NUMBER)),
        Some(&key),
        None,
    )
    .await;
    assert_eq!(on_second.status, StatusCode::OK, "{}", on_second.body);

    let revoked = send(
        &client,
        reqwest::Method::DELETE,
        format!("{first}/admin/v1/keys/anna-phone"),
        None,
        None,
    )
    .await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT, "{}", revoked.body);
    let refused = send(
        &client,
        get,
        format!("{second}{}", di_path(DI_NUMBER)),
        Some(&key),
        None,
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{}", refused.body);
    assert_eq!(refused.problem(), "unauthorized");
}

#[tokio::test]
async fn with_redis_gone_keys_fail_closed_and_public_answers_keep_coming_then_keys_work_again() {
    let mut redis = RedisServer::start();
    let sandbox = serve(sandbox::app(SandboxConfig::builtin_in_memory())).await;
    let replica = replica(sandbox, &redis.url()).await;
    let client = client();
    let key = anna_with_a_key(&client, &replica).await;
    let get = reqwest::Method::GET;
    let keyed = format!("{replica}{}", di_path(DI_NUMBER));
    let public = format!("{replica}/carriers/inpost/v1/tracking/{INPOST_NUMBER}");
    let works = send(&client, get.clone(), keyed.clone(), Some(&key), None).await;
    assert_eq!(works.status, StatusCode::OK, "{}", works.body);

    redis.stop();
    let refused = send(&client, get.clone(), keyed.clone(), Some(&key), None).await;
    assert_eq!(
        refused.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        refused.body
    );
    assert_eq!(refused.problem(), "access-unavailable");
    let inpost = client.get(&public).send().await.unwrap();
    assert_eq!(inpost.status(), StatusCode::OK);
    let ready = client
        .get(format!("{replica}/readyz"))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);

    // The append-only file brings back what was written; the replica reconnects by itself.
    redis.restart();
    let again = send(&client, get, keyed, Some(&key), None).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
}

#[tokio::test]
async fn a_replica_starts_while_redis_is_down_and_refuses_keys_until_it_is_up() {
    let mut redis = RedisServer::stopped();
    let sandbox = serve(sandbox::app(SandboxConfig::builtin_in_memory())).await;
    // Nothing to migrate from an old key file: the start-up does not need Redis.
    let missing = redis.folder.join("trackline-keys.toml");
    let replica = replica_with(
        sandbox,
        &redis.url(),
        &format!("file = {:?}", missing.display().to_string()),
    )
    .await;
    let client = client();
    let keyed = format!("{replica}{}", di_path(DI_NUMBER));
    let refused = send(
        &client,
        reqwest::Method::GET,
        keyed.clone(),
        Some("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
        None,
    )
    .await;
    assert_eq!(
        refused.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        refused.body
    );
    assert_eq!(refused.problem(), "access-unavailable");

    redis.restart();
    let key = anna_with_a_key(&client, &replica).await;
    let works = send(&client, reqwest::Method::GET, keyed, Some(&key), None).await;
    assert_eq!(works.status, StatusCode::OK, "{}", works.body);
}

#[tokio::test]
async fn a_redis_that_stops_answering_refuses_keys_within_the_timeouts_instead_of_hanging() {
    let redis = RedisServer::start();
    let sandbox = serve(sandbox::app(SandboxConfig::builtin_in_memory())).await;
    let replica = replica(sandbox, &redis.url()).await;
    let client = client();
    let key = anna_with_a_key(&client, &replica).await;
    let keyed = format!("{replica}{}", di_path(DI_NUMBER));
    redis.signal("STOP");
    // The client gives up after 5 s; the store gives up on the round trip after 1 s.
    let refused = send(
        &client,
        reqwest::Method::GET,
        keyed.clone(),
        Some(&key),
        None,
    )
    .await;
    redis.signal("CONT");
    assert_eq!(
        refused.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        refused.body
    );
    assert_eq!(refused.problem(), "access-unavailable");
    let again = send(&client, reqwest::Method::GET, keyed, Some(&key), None).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_adders_at_once_on_one_user_lose_nothing_and_a_repeat_adds_nothing() {
    let redis = RedisServer::start();
    let store = Arc::new(RedisStore::open(&redis.url()).unwrap());
    store.ensure_user("shop").await.unwrap();
    let adders: Vec<_> = (0..10)
        .map(|adder| {
            // Each adds its own 100 references and 20 that every adder adds, twice.
            let store = Arc::clone(&store);
            tokio::spawn(async move {
                let references: Vec<_> = (0..100)
                    .map(|n| format!("cref=C{adder}-{n}"))
                    .chain((0..20).map(|n| format!("cref=SHARED-{n}")))
                    .enumerate()
                    .map(|(index, text)| parse_reference(index, &text).unwrap())
                    .collect();
                let first = store.add_shipments("shop", &references).await.unwrap();
                let second = store.add_shipments("shop", &references).await.unwrap();
                assert_eq!(second.added, 0, "a repeat adds nothing");
                first.added
            })
        })
        .collect();
    let mut added = 0;
    for adder in adders {
        added += adder.await.unwrap();
    }
    assert_eq!(added, 10 * 100 + 20, "each shared reference is added once");
    assert_eq!(store.user("shop").await.unwrap().shipments, 10 * 100 + 20);
    let shared = store
        .shipments(
            "shop",
            &trackline::proxy::store::ShipmentsQuery {
                per_page: 5,
                search: Some("shared".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(shared.total, 20);
    assert_eq!(shared.shipments.len(), 5);
}

#[tokio::test]
async fn the_redis_store_pages_searches_and_shows_partner_shipments_as_the_sqlite_store_does() {
    let redis = RedisServer::start();
    let shared = RedisStore::open(&redis.url()).unwrap();
    let embedded = trackline::proxy::store::SqliteStore::in_memory().unwrap();
    let stores: [&dyn Store; 2] = [&shared, &embedded];
    let references = |texts: &[String]| -> Vec<_> {
        texts
            .iter()
            .enumerate()
            .map(|(index, text)| parse_reference(index, text).unwrap())
            .collect()
    };
    // The same calls on both stores, in the same order.
    let calls: Vec<(&str, Vec<String>)> = vec![
        ("shop", (0..12).map(|n| format!("cref=ORDER-{n}")).collect()),
        (
            "shop",
            (0..6)
                .map(|n| format!("vp=4711&vpref=37072476001011{n:04}"))
                .collect(),
        ),
        ("anna", vec!["cref=ANNA_1".into(), "cref=ANNA-2".into()]),
        // The same partner reference registered by another user: listed once.
        ("anna", vec!["vp=4711&vpref=370724760010110003".into()]),
        (
            "shop",
            (0..4).map(|n| format!("ep=0815&epref=X{n}")).collect(),
        ),
        (
            "anna",
            (12..15).map(|n| format!("cref=order-{n}")).collect(),
        ),
    ];
    for store in stores {
        for user in ["shop", "anna", "carrier"] {
            store.ensure_user(user).await.unwrap();
        }
        store.bind_partner("carrier", "4711").await.unwrap();
        store.bind_partner("anna", "0815").await.unwrap();
        for (user, texts) in &calls {
            store.add_shipments(user, &references(texts)).await.unwrap();
        }
        store
            .remove_shipments("shop", &references(&["cref=ORDER-3".into()]))
            .await
            .unwrap();
    }
    let listed = |page: trackline::proxy::store::ShipmentPage| {
        let numbers: Vec<String> = page
            .shipments
            .iter()
            .map(|shipment| serde_json::to_string(&shipment.reference).unwrap())
            .collect();
        (numbers, page.total, page.page, page.per_page)
    };
    let mut compared = 0;
    for user in ["shop", "anna", "carrier"] {
        for search in [
            None,
            Some("order"),
            Some("0003"),
            Some("_"),
            Some("%"),
            Some("x"),
        ] {
            for (page, per_page) in [(1, 20), (1, 5), (2, 5), (4, 5), (9, 5), (0, 0)] {
                let query = trackline::proxy::store::ShipmentsQuery {
                    page,
                    per_page,
                    search: search.map(str::to_owned),
                };
                let redis_own = listed(shared.shipments(user, &query).await.unwrap());
                let sqlite_own = listed(embedded.shipments(user, &query).await.unwrap());
                assert_eq!(redis_own, sqlite_own, "{user}'s own, {query:?}");
                let redis_visible = listed(shared.visible_shipments(user, &query).await.unwrap());
                let sqlite_visible =
                    listed(embedded.visible_shipments(user, &query).await.unwrap());
                assert_eq!(redis_visible, sqlite_visible, "{user} sees, {query:?}");
                compared += 1;
            }
        }
        for number in ["370724760010110003", "X2", "ORDER-3", "ORDER-4", "ANNA-2"] {
            let numbers = [number.to_owned()];
            let redis_scope = shared.in_scope(user, &numbers).await.unwrap();
            let sqlite_scope = embedded.in_scope(user, &numbers).await.unwrap();
            assert_eq!(redis_scope, sqlite_scope, "{user}, {number}");
        }
        let counts =
            |user: trackline::proxy::store::User| (user.partners, user.shipments, user.keys);
        let redis_user = counts(shared.user(user).await.unwrap());
        let sqlite_user = counts(embedded.user(user).await.unwrap());
        assert_eq!(redis_user, sqlite_user, "{user}");
    }
    assert_eq!(compared, 3 * 6 * 6);
    // The carrier sees the shop's and anna's 4711 shipments, the shared one once.
    assert_eq!(
        shared
            .visible_shipments("carrier", &Default::default())
            .await
            .unwrap()
            .total,
        6
    );
}

#[tokio::test]
async fn the_command_line_manages_users_and_keys_on_the_fleet_s_redis_named_by_the_configuration() {
    let redis = RedisServer::start();
    let folder = std::env::temp_dir().join(format!(
        "trackline-redis-cli-{}-{}",
        std::process::id(),
        redis.port
    ));
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(&folder).unwrap();
    let config = folder.join("proxy.toml");
    std::fs::write(
        &config,
        format!(
            "[shared]\nredis_url = \"{}\"\n\n[carriers.inpost]\n",
            redis.url()
        ),
    )
    .unwrap();
    let trackline = |args: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_trackline"))
            .env_remove("TRACKLINE_REDIS_URL")
            .env_remove("TRACKLINE_ACCESS_DATABASE")
            .env_remove("TRACKLINE_PROXY_CONFIG")
            .arg(args[0])
            .arg("--config")
            .arg(&config)
            .args(&args[1..])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        (
            output.status.success(),
            String::from_utf8(output.stdout).unwrap(),
            stderr,
        )
    };
    let (created, key, said) = trackline(&["keys", "new", "shop-links", "--user", "shop"]);
    assert!(created, "{said}");
    assert!(
        said.contains(&format!("Redis at 127.0.0.1:{}/0", redis.port)),
        "{said}"
    );
    let (shipped, _, said) = trackline(&["users", "ship", "shop", "cref=ORDER-88231"]);
    assert!(shipped, "{said}");

    // What the command line wrote is what a replica reads.
    let store = RedisStore::open(&redis.url()).unwrap();
    let owner = store
        .verify_key(key.trim())
        .await
        .unwrap()
        .expect("the key works");
    assert_eq!(
        (owner.user.as_str(), owner.key.as_str()),
        ("shop", "shop-links")
    );
    assert!(store
        .in_scope("shop", &["ORDER-88231".into()])
        .await
        .unwrap());
    assert!(!std::fs::exists(folder.join("trackline-access.sqlite")).unwrap());

    let (revoked, _, said) = trackline(&["keys", "revoke", "shop-links"]);
    assert!(revoked, "{said}");
    assert_eq!(store.verify_key(key.trim()).await.unwrap(), None);
    let _ = std::fs::remove_dir_all(&folder);
}
