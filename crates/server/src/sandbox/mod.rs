//! `trackline sandbox`: a local server that speaks InPost's, Di's and TrackOnline's protocols
//! (paths, authentication, status codes, error bodies, rate limits) over a demo data set, so that
//! the widget, the proxy and the tests run before any carrier contract is signed.
//!
//! All three carriers share one base URL: InPost under `/v1/`, Di under `/ws/json/`, TrackOnline
//! under `/api/v1/`. Switches for tests live under `/_sandbox/`. The router works nested under a
//! prefix (the demo mounts it at `/sandbox`): it builds no absolute self-links from fixed paths.

mod carrier;
mod clock;
mod control;
mod dataset;
mod demo_cases;
mod di_auth;
mod di_register;
mod di_tracking;
mod event_cli;
mod event_store;
mod faults;
mod inpost;
mod masking;
mod query;
mod rate_limit;
mod stats;
mod trackonline;

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::Request;
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, MethodRouter};
use axum::Router;

pub use carrier::Carrier;
use carrier::ErrorFormat;
pub use dataset::{DataSet, DataSetError, DEFAULT_DATA};
pub use demo_cases::{
    demo_cases, demo_signed, link_query, markdown_table, DemoCase, DEMO_LINK_EXPIRES_UNIX,
    DEMO_LINK_SECRET,
};
pub use event_cli::EventArgs;
pub use event_store::{EventStore, EventStoreError, StoredEvent};
pub use faults::{Fault, FaultPlan, FAULT_HEADER, FAULT_QUERY_PARAMETER};
use trackline_core::carrier::endpoint::{self, EndpointId};
use trackline_core::carrier::Method;

use clock::SandboxClock;
use di_auth::TokenBook;
use faults::FaultBook;
use rate_limit::RateLimiter;
use stats::RequestStats;

/// The file in the data directory where registered events are kept when `--store` is not given.
pub const DEFAULT_STORE: &str = "trackline-sandbox-events.jsonl";

#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    #[command(subcommand)]
    pub command: Option<SandboxCommand>,
    /// Port to listen on, on 127.0.0.1. 0 picks a free port.
    #[arg(long, default_value_t = 8090)]
    pub port: u16,
    /// A data set file (TOML) to serve instead of the built-in one.
    #[arg(long, env = "TRACKLINE_SANDBOX_DATA")]
    pub data: Option<PathBuf>,
    /// Append-only file of events registered through Di's Register Event; `none` keeps them in
    /// memory only. By default trackline-sandbox-events.jsonl in the data directory.
    #[arg(long, env = "TRACKLINE_SANDBOX_STORE")]
    pub store: Option<String>,
    /// Where the sandbox keeps its files (by default `trackline` in the user's data directory).
    #[arg(long, env = crate::data_dir::ENV_DATA_DIR)]
    pub data_dir: Option<PathBuf>,
}

#[derive(Debug, clap::Subcommand)]
pub enum SandboxCommand {
    /// Register one Di event with a running sandbox (log in, then POST Register Event).
    Event(Box<EventArgs>),
    /// Print the demo cases as a Markdown table of links, one line per case.
    Cases(CasesArgs),
}

#[derive(Debug, clap::Args)]
pub struct CasesArgs {
    /// Where the demo page is served; the links point there.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub base_url: String,
    /// A data set file (TOML) instead of the built-in one.
    #[arg(long)]
    pub data: Option<PathBuf>,
}

/// What the sandbox serves and where it keeps registered events.
#[derive(Debug)]
pub struct SandboxConfig {
    pub data: DataSet,
    pub events: EventStore,
}

/// Why the sandbox cannot start.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error(transparent)]
    Data(#[from] DataSetError),
    #[error(transparent)]
    Store(#[from] EventStoreError),
    #[error("cannot listen on 127.0.0.1:{port}: {source}")]
    Bind { port: u16, source: std::io::Error },
    #[error(transparent)]
    DataDir(#[from] crate::data_dir::DataDirError),
}

impl SandboxConfig {
    /// The built-in data set with events kept in memory: what tests and the demo usually want.
    pub fn builtin_in_memory() -> SandboxConfig {
        SandboxConfig {
            data: DataSet::builtin(),
            events: EventStore::in_memory(),
        }
    }

    pub fn from_args(args: &Args) -> Result<SandboxConfig, SandboxError> {
        let data = match &args.data {
            Some(path) => DataSet::load(path)?,
            None => DataSet::builtin(),
        };
        let events = match args.store.as_deref() {
            Some(store) if store.eq_ignore_ascii_case("none") => EventStore::in_memory(),
            Some(store) => EventStore::open(std::path::Path::new(store))?,
            None => {
                let folder = crate::data_dir::resolve(args.data_dir.as_deref())?;
                EventStore::open(&folder.join(DEFAULT_STORE))?
            }
        };
        Ok(SandboxConfig { data, events })
    }
}

/// Everything the handlers share.
#[derive(Debug)]
pub(crate) struct SandboxState {
    data: DataSet,
    clock: SandboxClock,
    tokens: TokenBook,
    limits: RateLimiter,
    faults: FaultBook,
    stats: RequestStats,
    events: EventStore,
}

impl SandboxState {
    fn new(config: SandboxConfig) -> SandboxState {
        let faults = FaultBook::default();
        for fault in &config.data.faults {
            faults.arm(&fault.number, fault.fault, fault.times);
        }
        SandboxState {
            data: config.data,
            clock: SandboxClock::default(),
            tokens: TokenBook::default(),
            limits: RateLimiter::default(),
            faults,
            stats: RequestStats::default(),
            events: config.events,
        }
    }
}

/// The handler of each carrier endpoint, bound to the endpoint's method. Where it is served,
/// and for which method, is core's endpoint table: this match only says who answers.
fn handler(id: EndpointId, method: Method) -> MethodRouter<Arc<SandboxState>> {
    match id {
        EndpointId::InpostTracking => on(method, inpost::tracking),
        EndpointId::InpostServiceHistory => on(method, inpost::service_history),
        EndpointId::InpostStatuses => on(method, inpost::statuses),
        EndpointId::InpostPoint => on(method, inpost::point),
        EndpointId::DiLogin => on(method, di_auth::login),
        EndpointId::DiFetch => on(method, di_tracking::fetch),
        EndpointId::DiRegisterEvent => on(method, di_register::register),
        EndpointId::TrackonlineUniqueItems => on(method, trackonline::unique_items),
        EndpointId::TrackonlineIotItems => on(method, trackonline::iot_items),
        EndpointId::TrackonlineMeasurements => on(method, trackonline::measurements),
        EndpointId::TrackonlineTransactions => on(method, trackonline::transactions),
        EndpointId::TrackonlinePackagingLabels => on(method, trackonline::packaging_labels),
        EndpointId::TrackonlineLocations => on(method, trackonline::locations),
    }
}

fn on<H, T>(method: Method, handler: H) -> MethodRouter<Arc<SandboxState>>
where
    H: axum::handler::Handler<T, Arc<SandboxState>>,
    T: 'static,
{
    match method {
        Method::Get => get(handler),
        Method::Post => post(handler),
    }
}

/// A carrier's routes, relative to its API root: one per row of core's endpoint table.
fn carrier_routes(carrier: Carrier) -> Router<Arc<SandboxState>> {
    let root = endpoint::api_root(carrier).unwrap_or_default();
    let mut router = Router::new();
    for endpoint in endpoint::of(carrier) {
        let path = endpoint
            .path
            .strip_prefix(root)
            .expect("core's table keeps every endpoint under its carrier's API root");
        router = router.route(path, handler(endpoint.id, endpoint.method));
    }
    router
}

/// The routes the sandbox serves for each carrier, as `(method, path)`: what a test compares
/// with core's endpoint table.
pub fn served_routes() -> Vec<(Method, String)> {
    Carrier::WITH_ADAPTER
        .into_iter()
        .flat_map(|carrier| {
            let root = endpoint::api_root(carrier).unwrap_or_default();
            endpoint::of(carrier).map(move |endpoint| {
                let path = endpoint.path.strip_prefix(root).unwrap_or(endpoint.path);
                (endpoint.method, format!("{root}{path}"))
            })
        })
        .collect()
}

pub fn app(config: SandboxConfig) -> Router {
    let state = Arc::new(SandboxState::new(config));
    let inpost = carrier_routes(Carrier::Inpost).fallback(inpost::not_found);
    let di = carrier_routes(Carrier::Di).fallback(di_not_found);
    let trackonline = carrier_routes(Carrier::Trackonline)
        .fallback(trackonline::not_found)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            trackonline::authenticate,
        ));
    let mut router = Router::new();
    for (carrier, routes) in [
        (Carrier::Inpost, inpost),
        (Carrier::Di, di),
        (Carrier::Trackonline, trackonline),
    ] {
        let root = endpoint::api_root(carrier).expect("a carrier with an adapter has an API root");
        router = router.nest(root, carrier_layers(routes, &state, carrier));
    }
    router
        .nest("/_sandbox", control::router())
        .fallback(not_a_carrier_path)
        .with_state(state)
}

/// Outside in: count the request, inject a fault, answer 405s in the carrier's format.
fn carrier_layers(
    router: Router<Arc<SandboxState>>,
    state: &Arc<SandboxState>,
    carrier: Carrier,
) -> Router<Arc<SandboxState>> {
    router
        .layer(middleware::from_fn_with_state(
            carrier,
            method_not_allowed_in_carrier_format,
        ))
        .layer(middleware::from_fn_with_state(
            (state.clone(), carrier),
            faults::inject,
        ))
        .layer(middleware::from_fn_with_state(
            (state.clone(), carrier),
            stats::count,
        ))
}

/// axum answers a wrong method with an empty 405; the carriers answer with their error body.
async fn method_not_allowed_in_carrier_format(
    axum::extract::State(carrier): axum::extract::State<Carrier>,
    request: Request,
    next: Next,
) -> Response {
    let method = request.method().clone();
    let response = next.run(request).await;
    if response.status() != StatusCode::METHOD_NOT_ALLOWED
        || response.headers().contains_key(header::CONTENT_TYPE)
    {
        return response;
    }
    let mut answer = carrier.error(
        StatusCode::METHOD_NOT_ALLOWED,
        &format!("{method} is not allowed on this resource."),
    );
    if let Some(allow) = response.headers().get(header::ALLOW) {
        answer.headers_mut().insert(header::ALLOW, allow.clone());
    }
    answer
}

async fn di_not_found(request: Request) -> Response {
    carrier::di_error(
        StatusCode::NOT_FOUND,
        &format!("{} is not a Di web service.", request.uri().path()),
        None,
    )
}

async fn not_a_carrier_path() -> Response {
    (
        StatusCode::NOT_FOUND,
        "Trackline sandbox: InPost is under /v1/, Di under /ws/json/, TrackOnline under /api/v1/, \
         switches under /_sandbox/.\n",
    )
        .into_response()
}

/// One log line per request: method, path (never the query, which may hold an API key), status.
async fn log_request(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    tracing::info!(
        %method,
        path,
        status = response.status().as_u16(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "sandbox request"
    );
    response
}

/// What the sandbox prints on start. Tests read the first line to learn the port when they asked
/// for port 0; a reader that closes the pipe after it (`| head -1`) must not stop the sandbox,
/// so write errors are ignored.
fn announce(addr: SocketAddr, store: Option<&std::path::Path>) {
    use std::io::Write;
    let store = match store {
        Some(path) => format!("  Registered Di events are kept in {}", path.display()),
        None => "  Registered Di events are kept in memory only".to_owned(),
    };
    let lines = [
        format!("Trackline sandbox listening on http://{addr}/"),
        format!("  InPost:      http://{addr}/v1/tracking/520000011395200025009871"),
        format!("  Di:          http://{addr}/ws/json/auth/v-3/login/60 (POST credentials from the data set)"),
        format!("  TrackOnline: http://{addr}/api/v1/transaction (X-ApiKey from the data set)"),
        format!("  Switches:    http://{addr}/_sandbox/stats, /_sandbox/faults, /_sandbox/clock, /_sandbox/cases"),
        store,
        "Press Ctrl-C to stop.".to_owned(),
    ];
    let mut stdout = std::io::stdout().lock();
    for line in lines {
        if writeln!(stdout, "{line}").is_err() {
            return;
        }
    }
    let _ = stdout.flush();
}

pub async fn run(args: Args) -> ExitCode {
    match args.command {
        Some(SandboxCommand::Event(event_args)) => event_cli::run(*event_args).await,
        Some(SandboxCommand::Cases(cases_args)) => print_cases(cases_args),
        None => serve(args).await,
    }
}

fn print_cases(args: CasesArgs) -> ExitCode {
    let data = match &args.data {
        Some(path) => match DataSet::load(path) {
            Ok(data) => data,
            Err(error) => {
                eprintln!("trackline sandbox cases: {error}");
                return ExitCode::FAILURE;
            }
        },
        None => DataSet::builtin(),
    };
    print!(
        "{}",
        markdown_table(&demo_cases(&data), args.base_url.trim_end_matches('/'))
    );
    ExitCode::SUCCESS
}

async fn serve(args: Args) -> ExitCode {
    crate::logging::init();
    let config = match SandboxConfig::from_args(&args) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("trackline sandbox: {error}");
            return ExitCode::FAILURE;
        }
    };
    let listener =
        match tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, args.port)))
            .await
        {
            Ok(listener) => listener,
            Err(source) => {
                let error = SandboxError::Bind {
                    port: args.port,
                    source,
                };
                eprintln!("trackline sandbox: {error}");
                return ExitCode::FAILURE;
            }
        };
    let addr = listener
        .local_addr()
        .expect("a bound listener has an address");
    announce(addr, config.events.path());
    let app = app(config).layer(middleware::from_fn(log_request));
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(crate::shutdown_signal())
        .await;
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("trackline sandbox: {error}");
            ExitCode::FAILURE
        }
    }
}
