//! `trackline proxy`: the small server a merchant runs beside the shop. It forwards only the
//! carrier tracking requests the widget needs, adds the credentials, answers CORS for the
//! merchant's own sites and protects the carrier quotas. See `docs/proxy.md`.

pub mod access;
pub mod admin;
pub mod answers;
pub mod cache;
pub mod client_ip;
pub mod config;
pub mod cors;
pub mod extract;
pub mod fleet;
pub mod keys;
pub mod layers;
pub mod metrics;
pub mod problem;
pub mod rate_limit;
pub mod routes;
pub mod signed;
pub mod store;
pub mod upstream;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::error_handling::HandleErrorLayer;
use axum::extract::State;
use axum::handler::Handler;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use tokio::sync::Semaphore;
use tower::limit::GlobalConcurrencyLimitLayer;
use tower::{BoxError, ServiceBuilder};
use tower_http::compression::CompressionLayer;
use tower_http::cors::CorsLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use trackline_core::carrier::{accepts_reading, READING_MEDIA_TYPE};

use access::AccessMode;
pub use config::{Carrier, ConfigError, ProxyConfig};
use extract::{Admitted, Requester};
use fleet::Fleet;
use layers::Routed;
use metrics::Metrics;
use problem::{Problem, ProblemKind};
use rate_limit::{ClientKey, SharedLimit};
use routes::UpstreamTarget;
use store::{RedisStore, SqliteStore, Store};
use upstream::CarrierUpstream;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The proxy configuration (TOML). See docs/proxy.md and examples/proxy.toml.
    #[arg(long, env = "TRACKLINE_PROXY_CONFIG")]
    pub config: PathBuf,
    /// Listen here instead of the configuration's `server.listen`.
    #[arg(long)]
    pub listen: Option<SocketAddr>,
}

/// Why the proxy cannot start.
#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Store(#[from] store::StoreError),
    #[error("cannot build the HTTP client for upstream calls: {0}")]
    Client(reqwest::Error),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// The demo's configuration, embedded: every carrier points at the sandbox.
const DEMO_CONFIG: &str = include_str!("demo.toml");

/// The proxy configuration the demo runs with, all carriers sent to `sandbox_base_url` (such as
/// `http://127.0.0.1:8080/sandbox`). The environment is not consulted, so a merchant's real
/// secrets in the environment never reach the sandbox.
pub fn demo_config(sandbox_base_url: &str) -> ProxyConfig {
    let mut config = ProxyConfig::parse(DEMO_CONFIG, &|_| None)
        .expect("the embedded demo configuration is valid");
    let base = sandbox_base_url.trim_end_matches('/');
    for carrier in config.carriers.values_mut() {
        carrier.base_url = base.to_owned();
    }
    // The demo serves the widget from the sandbox's origin. Browsers may send `Origin` even on
    // same-origin requests, so that origin (and its `localhost` spelling) is a configured site.
    if let Ok(url) = reqwest::Url::parse(base) {
        let origin = url.origin().ascii_serialization();
        let mut origins = vec![origin.clone()];
        if let Some(port) = url.port() {
            for host in ["127.0.0.1", "localhost"] {
                let spelling = format!("{}://{host}:{port}", url.scheme());
                if !origins.contains(&spelling) {
                    origins.push(spelling);
                }
            }
        }
        config.sites.push(config::SiteConfig {
            name: "demo".into(),
            origins,
        });
    }
    config
}

/// Everything a request needs, shared by all of them.
struct ProxyState {
    config: ProxyConfig,
    client: reqwest::Client,
    carriers: BTreeMap<Carrier, CarrierUpstream>,
    store: Arc<dyn Store>,
    /// The fleet's shared cache, limits, back-offs and Di token, when it has a Redis.
    fleet: Option<Arc<Fleet>>,
    per_ip: SharedLimit<ClientKey>,
    per_key: SharedLimit<String>,
    /// The permits of the requests in flight, shared by the routes that call carriers or the
    /// access store.
    in_flight: Arc<Semaphore>,
    /// tower-http's CORS for refusing an origin that is not configured, readably.
    readable_refusals: CorsLayer,
    metrics: Metrics,
}

/// Opens the configured access store: the fleet's Redis when `shared.redis_url` is set, else the
/// access database (in memory when none is configured); and migrates the old key file into it,
/// once.
pub async fn open_store(config: &ProxyConfig) -> Result<Arc<dyn Store>, ProxyError> {
    let store: Arc<dyn Store> = match (&config.redis_url, &config.access_database) {
        (Some(url), _) => {
            let store = RedisStore::open(url.expose())?;
            // Host, port and database only: the URL may hold a password.
            tracing::info!(redis = %store.describe(), "the access model is shared on Redis");
            Arc::new(store)
        }
        (None, Some(path)) => Arc::new(SqliteStore::open(path)?),
        (None, None) => Arc::new(SqliteStore::in_memory()?),
    };
    if let Some(file) = &config.access_keys_file {
        store::migrate_key_file(store.as_ref(), file).await?;
    }
    Ok(store)
}

/// The proxy's routes (`/carriers/...`, `/admin/v1/...`, `/healthz`, `/readyz`, `/metrics`), without a
/// fallback so that the demo can merge them into its own router.
pub async fn try_app(config: ProxyConfig) -> Result<Router, ProxyError> {
    let store = open_store(&config).await?;
    try_app_with_store(config, store)
}

/// As [`try_app`], with a store the caller opened (tests share one with the admin calls they make).
pub fn try_app_with_store(
    config: ProxyConfig,
    store: Arc<dyn Store>,
) -> Result<Router, ProxyError> {
    for carrier in config.publicly_exposed() {
        tracing::warn!(
            carrier = carrier.as_str(),
            "carriers.{carrier}.access = \"public\": anyone who knows or guesses a reference reads \
             these shipments (consumers' addresses, merchants' delivery notes) through this proxy; \
             use \"signed\" or \"key\" unless that is what you want"
        );
    }
    let client = upstream::http_client(config.connect_timeout, config.total_timeout)
        .map_err(ProxyError::Client)?;
    let metrics = Metrics::default();
    let fleet = match &config.redis_url {
        Some(url) => Some(Arc::new(
            Fleet::open(url.expose(), metrics.shared_fallbacks())
                .map_err(|problem| ProxyError::Store(store::StoreError::RedisUrl(problem)))?,
        )),
        None => None,
    };
    let carriers = config
        .carriers
        .values()
        .map(|carrier| {
            (
                carrier.carrier,
                CarrierUpstream::new(carrier.clone(), config.total_timeout, fleet.clone()),
            )
        })
        .collect();
    let admin = admin::router(admin::AdminState {
        store: Arc::clone(&store),
        token: config.admin_token.clone(),
    });
    let state = Arc::new(ProxyState {
        per_ip: SharedLimit::new(
            "client",
            config.per_ip_per_minute,
            config.per_ip_burst,
            fleet.clone(),
        ),
        per_key: SharedLimit::new(
            "key",
            config.per_key_per_minute,
            config.per_key_burst,
            fleet.clone(),
        ),
        in_flight: Arc::new(Semaphore::new(config.max_concurrent_requests)),
        readable_refusals: cors::readable_refusals(&config),
        metrics,
        fleet,
        client,
        carriers,
        store,
        config,
    });
    Ok(gateway(&state).merge(operations(state)).merge(admin))
}

/// The deadline of a whole request: the carrier exchange's, and a second for the access checks
/// before it and the answer after it. The exchange has its own deadline, so this one is a
/// backstop that answers `upstream-timeout` should anything else hang.
fn request_deadline(config: &ProxyConfig) -> Duration {
    config.total_timeout + Duration::from_secs(1)
}

/// The routes the widget calls, `/carriers/...` and the overview's shipments, as a stack of
/// layers around two handlers. Outermost first; each layer may answer by itself, and the layers
/// above it still apply to that answer:
///
/// 1. compression of every answer (brotli or gzip, as the client accepts), then the request log:
///    one log line (masked path only) and one count per request, whatever answered it;
/// 2. the headers every answer carries: `X-Content-Type-Options: nosniff`, and `Vary` (origin,
///    key and link) unless the answer says otherwise (a preflight varies by origin only);
/// 3. the origin policy (`layers::OriginPolicyLayer`): a configured origin passes, one that is not
///    configured reads a `forbidden-origin` problem with CORS headers, preflights are checked;
/// 4. tower-http's CORS for the configured sites: answers their preflights, and puts the CORS
///    headers on everything below, problems included, so that the widget can read them;
/// 5. method routing: GET only; other methods get `method-not-allowed`, never shed;
/// 6. shedding: over `max_concurrent_requests` in flight, `overloaded` at once, not queued;
/// 7. the request's deadline;
/// 8. the access decision, as extractors ([`Requester`], [`Admitted`]): key, limits, route,
///    the carrier's access mode. Their rejection is the problem;
/// 9. the handler: the carrier call, or the overview's page.
///
/// Beside them, `POST /answers` (layers 1 to 4, then [`answers::answer_page`]) asks this gateway
/// the requests a widget will make for its page's address, before the widget runs.
///
/// Preflights and refused origins are answered at 3 and 4, so they are never shed or limited.
fn gateway(state: &Arc<ProxyState>) -> Router {
    let deadline = request_deadline(&state.config);
    let errors = Arc::clone(state);
    // 6 and 7, around each GET handler.
    let admission = ServiceBuilder::new()
        .layer(HandleErrorLayer::new(move |error: BoxError| {
            let state = Arc::clone(&errors);
            async move { layers::shed_or_late(&state, error, deadline) }
        }))
        .load_shed()
        .layer(GlobalConcurrencyLimitLayer::with_semaphore(Arc::clone(
            &state.in_flight,
        )))
        .timeout(deadline);
    let gateway = Router::new()
        .route(
            &format!("{}/{{*path}}", routes::PREFIX),
            get(forward.layer(admission.clone()))
                .head(method_not_allowed)
                .fallback(method_not_allowed),
        )
        .route(
            SHIPMENTS_ROUTE,
            get(own_shipments.layer(admission))
                .head(method_not_allowed)
                .fallback(method_not_allowed),
        );
    let gateway = with_outer_layers(gateway, state).with_state(Arc::clone(state));
    // The answers ahead ask each of their requests of the gateway above, through every layer
    // from 1 down; the route itself has 1 to 4 of its own.
    let answers = Router::new().route(
        answers::ANSWERS_ROUTE,
        post(answers::answer_page).fallback(method_not_allowed),
    );
    let answers = with_outer_layers(answers, state).with_state(answers::AnswersState {
        state: Arc::clone(state),
        gateway: gateway.clone(),
    });
    gateway.merge(answers)
}

/// `router` inside layers 1 to 4 of [`gateway`]: compression and the request log, the headers
/// every answer carries, the origin policy and CORS.
fn with_outer_layers<S>(router: Router<S>, state: &Arc<ProxyState>) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    router.layer(
        ServiceBuilder::new()
            // Around everything, so that `Vary: Accept-Encoding` is added to the `Vary` below.
            .layer(CompressionLayer::new())
            .layer(layers::RequestLogLayer::new(state))
            .layer(SetResponseHeaderLayer::overriding(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ))
            .layer(SetResponseHeaderLayer::if_not_present(
                header::VARY,
                HeaderValue::from_static(cors::VARY),
            ))
            .layer(layers::OriginPolicyLayer::new(state))
            .layer(cors::layer(&state.config)),
    )
}

/// Liveness, readiness and (when exposed) `/metrics`: for the operator, outside the gateway's
/// layers.
fn operations(state: Arc<ProxyState>) -> Router {
    let mut router = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz));
    if state.config.expose_metrics {
        router = router.route("/metrics", get(render_metrics));
    }
    router.with_state(state)
}

/// As [`try_app`]; panics only if the configuration's key file is unreadable or the TLS backend
/// cannot start, which [`run`] checks before serving.
pub async fn app(config: ProxyConfig) -> Router {
    try_app(config)
        .await
        .unwrap_or_else(|error| panic!("the proxy cannot start: {error}"))
}

pub async fn run(args: Args) -> ExitCode {
    crate::logging::init();
    match serve(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("trackline proxy: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(args: Args) -> Result<(), ProxyError> {
    let mut config = ProxyConfig::load(&args.config)?;
    if let Some(listen) = args.listen {
        config.listen = listen;
    }
    let addr = config.listen;
    let carriers: Vec<_> = config
        .carriers
        .keys()
        .map(|carrier| carrier.as_str())
        .collect();
    for carrier in config.publicly_exposed() {
        eprintln!(
            "WARNING: carriers.{carrier}.access = \"public\" exposes every {carrier} shipment to anyone \
             who knows or guesses its reference. Set \"signed\" or \"key\" unless you mean it."
        );
    }
    let router = try_app(config).await?.fallback(not_found);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| ProxyError::Bind { addr, source })?;
    let addr = listener
        .local_addr()
        .map_err(|source| ProxyError::Bind { addr, source })?;
    // Tests read the first line to learn the port when they asked for port 0.
    println!("Trackline proxy listening on http://{addr}/");
    tracing::info!(%addr, carriers = ?carriers, "proxy started");
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(crate::shutdown_signal())
    .await
    .map_err(|source| ProxyError::Bind { addr, source })?;
    tracing::info!("proxy stopped after draining in-flight requests");
    Ok(())
}

/// The route of a key's own shipments: what the widget's overview lists (core owns it, and
/// the page's shape, so that the widget reads what the proxy writes).
pub use trackline_core::overview::SHIPMENTS_ROUTE;

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct OverviewParameters {
    page: Option<u32>,
    per_page: Option<u32>,
    search: Option<String>,
}

/// `GET /access/v1/shipments?page=1&per_page=20&search=…` with `X-Trackline-Key`: the shipments
/// in the key's user's scope (registered to the user, or with a partner id bound to the user),
/// newest first, with the carrier the proxy routes a partner's numbers to.
async fn own_shipments(
    State(state): State<Arc<ProxyState>>,
    requester: Requester,
    uri: Uri,
) -> Response {
    let Some(owner) = requester.key_owner else {
        return Problem::new(
            ProblemKind::Unauthorized,
            "the overview needs an access key in the X-Trackline-Key header",
        )
        .into_response();
    };
    let query = match axum::extract::Query::<OverviewParameters>::try_from_uri(&uri) {
        Ok(axum::extract::Query(query)) => query,
        Err(error) => {
            return Problem::new(
                ProblemKind::InvalidReference,
                format!("the query takes page, per_page and search: {error}"),
            )
            .into_response()
        }
    };
    let query = store::ShipmentsQuery {
        page: query.page.unwrap_or(1).max(1),
        per_page: query
            .per_page
            .unwrap_or(trackline_core::overview::DEFAULT_PER_PAGE)
            .clamp(1, trackline_core::overview::MAX_PER_PAGE),
        search: query
            .search
            .map(|search| search.trim().to_owned())
            .filter(|search| !search.is_empty()),
    };
    let page = match state.store.visible_shipments(&owner.user, &query).await {
        Ok(page) => page,
        Err(error) => {
            tracing::error!(%error, "the access database failed on the overview");
            return Problem::new(
                ProblemKind::AccessUnavailable,
                "the shipments cannot be listed right now",
            )
            .retry_after(std::time::Duration::from_secs(5))
            .into_response();
        }
    };
    let shipments = page
        .shipments
        .into_iter()
        .map(|shipment| {
            let carrier = match &shipment.reference {
                trackline_core::reference::Reference::PartnerReference { partner_id, .. } => {
                    state.config.partners.get(partner_id).copied()
                }
                _ => None,
            };
            trackline_core::overview::OwnShipment {
                reference: shipment.reference,
                carrier,
                added_unix: shipment.added_unix,
            }
        })
        .collect();
    let mut response = axum::Json(trackline_core::overview::ShipmentsPage {
        user: owner.user.clone(),
        shipments,
        total: page.total,
        page: page.page,
        per_page: page.per_page,
    })
    .into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

async fn not_found() -> Response {
    Problem::new(ProblemKind::NotFound, "no such route").into_response()
}

async fn healthz() -> Response {
    let mut response = axum::Json(serde_json::json!({ "status": "ok" })).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Readiness: whether this replica can decide access, i.e. its access database is readable.
/// A load balancer sends requests only to ready replicas; liveness is `/healthz`.
async fn readyz(State(state): State<Arc<ProxyState>>) -> Response {
    let database = match state.store.marker("readiness").await {
        Ok(_) => Ok(()),
        Err(error) => Err(error.to_string()),
    };
    let mut checks = serde_json::Map::new();
    let mut ready = true;
    match database {
        Ok(()) => {
            checks.insert("access_database".into(), "ok".into());
        }
        Err(error) => {
            tracing::warn!(%error, "not ready: the access database cannot be read");
            checks.insert("access_database".into(), "unreadable".into());
            ready = false;
        }
    }
    // The access model lives in the same Redis when one is configured; its cache and limits
    // have local fallbacks, but a replica that cannot reach it refuses every key.
    if let Some(fleet) = &state.fleet {
        match fleet.ping().await {
            Ok(()) => {
                checks.insert("shared_redis".into(), "ok".into());
            }
            Err(error) => {
                tracing::warn!(redis = %fleet.describe(), %error, "not ready: the fleet's Redis does not answer");
                checks.insert("shared_redis".into(), "unreachable".into());
                ready = false;
            }
        }
    }
    let (status, body) = if ready {
        (
            StatusCode::OK,
            serde_json::json!({ "status": "ready", "checks": checks }),
        )
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            serde_json::json!({ "status": "not-ready", "checks": checks }),
        )
    };
    let mut response = (status, axum::Json(body)).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

async fn render_metrics(State(state): State<Arc<ProxyState>>) -> Response {
    for (carrier, upstream) in &state.carriers {
        state
            .metrics
            .upstream_loading(carrier.as_str(), upstream.loading());
    }
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static(metrics::CONTENT_TYPE),
        )],
        state.metrics.render(),
    )
        .into_response()
}

/// The answer to a method other than GET (and OPTIONS, which the CORS layers answer). Never shed.
async fn method_not_allowed() -> Problem {
    Problem::new(ProblemKind::MethodNotAllowed, "only GET is served")
}

/// `GET /carriers/...`: the carrier call (from the cache, joined, or made), or the partner
/// lookup, once the access decision admitted the request. A client that asks for core's reading
/// (`Accept: application/vnd.trackline.reading+json`) gets what core's adapter reads in the
/// carrier's answer instead of its bytes, with the same status (200 for a 204, which can carry
/// no body).
async fn forward(
    State(state): State<Arc<ProxyState>>,
    request_headers: HeaderMap,
    admitted: Admitted,
) -> Response {
    let (target, client) = match admitted {
        Admitted::Partner(partner_id) => return partner_carrier(&state, partner_id),
        Admitted::Carrier { target, client } => (target, client),
    };
    let carrier_name = target.carrier.as_str();
    let Some(carrier) = state.carriers.get(&target.carrier) else {
        // The access decision admits configured carriers only.
        return Problem::new(
            ProblemKind::NotFound,
            format!("{carrier_name} is not configured on this proxy"),
        )
        .into_response();
    };
    let (result, source) = carrier
        .fetch(
            &state.client,
            state.config.max_response_bytes,
            &target,
            client,
            &state.metrics,
        )
        .await;
    let protected = carrier.config().access != AccessMode::Public;
    let routed = |target: UpstreamTarget| Routed {
        carrier: carrier_name,
        masked_path: Some(target.masked),
    };
    let mut response = match result {
        Ok(answer) => {
            // On a protected carrier, "unknown" is answered exactly as "not yours" is.
            if protected && access::says_nothing_found(answer.status.as_u16(), &answer.body) {
                return access::nothing_found(carrier_name)
                    .routed(routed(target))
                    .into_response();
            }
            let wants_reading = request_headers
                .get_all(header::ACCEPT)
                .iter()
                .filter_map(|value| value.to_str().ok())
                .any(accepts_reading);
            // Made once, when the answer came (upstream.rs), however many clients ask for it.
            let reading = wants_reading.then(|| answer.reading.clone()).flatten();
            let (body, content_type, status) = match reading {
                // A carrier's 204 (TrackOnline: nothing matches) has no body; its reading has
                // one, which only a 200 carries.
                Some(reading) if answer.status == StatusCode::NO_CONTENT => {
                    (reading, READING_MEDIA_TYPE, StatusCode::OK)
                }
                Some(reading) => (reading, READING_MEDIA_TYPE, answer.status),
                None => (answer.body, answer.content_type, answer.status),
            };
            let mut response = Response::new(Body::from(body));
            *response.status_mut() = status;
            let headers = response.headers_mut();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
            headers.insert(header::CACHE_CONTROL, carrier.cache_control().clone());
            response
        }
        Err(problem) => problem.into_response(),
    };
    response.headers_mut().insert(
        "x-trackline-cache",
        HeaderValue::from_static(source.label()),
    );
    response.extensions_mut().insert(routed(target));
    response
}

/// `GET /carriers/by-partner/{partner_id}`: the carrier the proxy routes a partner's numbers to.
fn partner_carrier(state: &ProxyState, partner_id: String) -> Response {
    match state.config.partners.get(&partner_id) {
        Some(carrier) => {
            axum::Json(serde_json::json!({ "partner_id": partner_id, "carrier": carrier.as_str() }))
                .into_response()
        }
        None => Problem::new(
            ProblemKind::NotFound,
            "no carrier is configured for this partner",
        )
        .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_configuration_points_every_carrier_at_the_sandbox() {
        let config = demo_config("http://127.0.0.1:4321/sandbox/");
        assert_eq!(config.carriers.len(), 3);
        for carrier in config.carriers.values() {
            assert_eq!(carrier.base_url, "http://127.0.0.1:4321/sandbox");
        }
        for origin in ["http://127.0.0.1:4321", "http://localhost:4321"] {
            assert!(config.site_for_origin(origin).is_some(), "{origin}");
        }
        assert!(config.site_for_origin("http://127.0.0.1:4322").is_none());
    }
}
