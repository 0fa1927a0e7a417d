//! `trackline demo`: the whole product on one loopback port, for a first look and for the
//! end-to-end tests. It serves the built widget, a demo host page with a link for every sandbox
//! case, the proxy (at `/carriers/...`, `/healthz`, `/metrics`), the sandbox carriers (at
//! `/sandbox/...`) and map tiles (at `/tiles/{z}/{x}/{y}.png`), with the proxy's demo
//! configuration pointing every carrier at that sandbox.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tower_http::compression::CompressionLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use trackline_core::reference::{PartnerRole, Reference};

use crate::proxy::store::{Store, StoreError};
use crate::sandbox::{self, DataSet, DemoCase, EventStore, SandboxConfig};
use crate::sandbox::{demo_signed, link_query, DEMO_LINK_EXPIRES_UNIX};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Port to listen on, on 127.0.0.1. 0 picks a free port.
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// The built widget (trunk's output folder, with index.html and trackline.js).
    #[arg(long, env = "TRACKLINE_WIDGET_DIR", default_value = "dist")]
    pub widget_dir: PathBuf,
    /// A sandbox data set file (TOML) to serve instead of the built-in one.
    #[arg(long, env = "TRACKLINE_SANDBOX_DATA")]
    pub data: Option<PathBuf>,
    /// Keep events registered with the sandbox in this append-only file; by default the demo
    /// keeps them in memory, so every start looks the same.
    #[arg(long)]
    pub store: Option<PathBuf>,
    /// Open the demo page in the default browser once the server listens.
    #[arg(long)]
    pub open_browser: bool,
    /// Where the demo keeps its files, such as its access database (by default `trackline` in
    /// the user's data directory).
    #[arg(long, env = crate::data_dir::ENV_DATA_DIR)]
    pub data_dir: Option<PathBuf>,
}

/// What the demo serves.
#[derive(Debug)]
pub struct DemoConfig {
    pub widget_dir: PathBuf,
    /// Where the demo is reachable, such as `http://127.0.0.1:8080`: the proxy calls the sandbox
    /// through it, as it would call a carrier.
    pub base_url: String,
    pub sandbox: SandboxConfig,
    /// Where the demo's access database is kept; `None` keeps it in memory.
    pub data_dir: Option<PathBuf>,
}

/// The demo's access database, in its data directory.
pub const DEMO_ACCESS_DATABASE: &str = "trackline-demo-access.sqlite";

/// Why the demo cannot start.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(
        "the widget is not built: {path} is missing. Build it with `trunk build --release` \
         (the README's run command does), or point --widget-dir at trunk's output folder"
    )]
    WidgetNotBuilt { path: PathBuf },
    #[error("cannot listen on 127.0.0.1:{port}: {source}")]
    Bind { port: u16, source: std::io::Error },
    #[error(transparent)]
    Sandbox(#[from] sandbox::SandboxError),
    #[error(transparent)]
    DataDir(#[from] crate::data_dir::DataDirError),
}

impl DemoConfig {
    /// Refuses a widget folder that would serve only 404s, so the mistake shows at start-up.
    pub fn check(&self) -> Result<(), DemoError> {
        let loader = self.widget_dir.join("trackline.js");
        if loader.is_file() {
            Ok(())
        } else {
            Err(DemoError::WidgetNotBuilt { path: loader })
        }
    }
}

struct DemoPage {
    widget_dir: PathBuf,
    cases: Vec<DemoCase>,
    access: Vec<AccessLink>,
}

/// The demo user whose key owns shipments of all three carriers: `?id=` this key opens their
/// overview. Fixed, so that the README's links stay the same; a demo key guards nothing.
pub const DEMO_USER: &str = "demo-anna";
pub const DEMO_USER_KEY: &str = "DemoAnnaSeesAllThreeCarriers0001";
/// The demo partner user, bound to partner 4711 (routed to Di in the demo configuration).
pub const DEMO_PARTNER_USER: &str = "demo-partner-4711";
pub const DEMO_PARTNER_KEY: &str = "DemoPartner4711SeesItsShipments1";
pub const DEMO_PARTNER_ID: &str = "4711";
/// The shop that registers the partner shipments when it ships them.
pub const DEMO_SHOP_USER: &str = "demo-shop";
/// An expiry long past, for the expired link.
const EXPIRED_UNIX: i64 = 1_000_000_000;

/// The numbers the demo's users and access links are about, picked from the data set.
#[derive(Debug, Clone)]
pub struct DemoAccess {
    pub inpost: String,
    pub trackonline: String,
    /// Di parcels: the demo user's, the partner's three (as `vp`, `ep`, `ap`) and one that is
    /// in no one's scope.
    pub di_own: String,
    pub di_partner: [String; 3],
    pub di_out_of_scope: String,
}

/// One link of the demo's access section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessLink {
    pub label: &'static str,
    /// The link's query, without `?`.
    pub query: String,
}

impl DemoAccess {
    /// Picks fault-free numbers of each carrier; `None` when the data set has too few.
    pub fn pick(data: &DataSet) -> Option<DemoAccess> {
        let faulty = |number: &str| data.faults.iter().any(|fault| fault.number == number);
        let mut di = data
            .di
            .parcels
            .iter()
            .map(|parcel| parcel.tracking_number.clone())
            .filter(|number| !faulty(number));
        let inpost = data
            .inpost
            .parcels
            .iter()
            .map(|parcel| parcel.tracking_number.clone())
            .find(|number| !faulty(number))?;
        let trackonline = data
            .trackonline
            .unique_items
            .iter()
            .filter(|item| item.demo_case)
            .map(|item| item.number.clone())
            .find(|number| !faulty(number))?;
        Some(DemoAccess {
            inpost,
            trackonline,
            di_own: di.next()?,
            di_partner: [di.next()?, di.next()?, di.next()?],
            di_out_of_scope: di.next()?,
        })
    }

    /// Creates the demo's users, keys and registered shipments; running it again changes
    /// nothing.
    pub async fn seed(&self, store: &dyn Store) -> Result<(), StoreError> {
        let tracking = |number: &str| Reference::TrackingNumber {
            number: number.to_owned(),
            carrier_hint: None,
        };
        /// The user, with a key named as the user; idempotent.
        async fn with_key(store: &dyn Store, user: &str, key: &str) -> Result<(), StoreError> {
            store.ensure_user(user).await?;
            let hash = crate::proxy::keys::hash_key(key);
            match store
                .insert_key_hash(user, user, hash, crate::proxy::store::now_unix())
                .await
            {
                Ok(()) | Err(StoreError::DuplicateKey(_)) => Ok(()),
                Err(error) => Err(error),
            }
        }
        with_key(store, DEMO_USER, DEMO_USER_KEY).await?;
        store
            .add_shipments(
                DEMO_USER,
                &[
                    tracking(&self.inpost),
                    Reference::Sscc {
                        number: self.di_own.clone(),
                    },
                    tracking(&self.trackonline),
                ],
            )
            .await?;
        with_key(store, DEMO_PARTNER_USER, DEMO_PARTNER_KEY).await?;
        store
            .bind_partner(DEMO_PARTNER_USER, DEMO_PARTNER_ID)
            .await?;
        store.ensure_user(DEMO_SHOP_USER).await?;
        let roles = [
            PartnerRole::Shipping,
            PartnerRole::Receiving,
            PartnerRole::Ordering,
        ];
        let partner_shipments: Vec<Reference> = roles
            .into_iter()
            .zip(&self.di_partner)
            .map(|(role, number)| Reference::PartnerReference {
                role,
                partner_id: DEMO_PARTNER_ID.to_owned(),
                number: number.clone(),
            })
            .collect();
        store
            .add_shipments(DEMO_SHOP_USER, &partner_shipments)
            .await?;
        Ok(())
    }

    /// The access links the demo prints, lists and the README shows.
    pub fn links(&self) -> Vec<AccessLink> {
        let signed =
            |pairs: &[(&str, &str)]| demo_signed(&link_query(pairs), DEMO_LINK_EXPIRES_UNIX);
        let mut links = vec![
            AccessLink {
                label: "overview of the demo user (InPost, Di and TrackOnline shipments)",
                query: link_query(&[("id", DEMO_USER_KEY)]),
            },
            AccessLink {
                label: "deep link in the demo user's scope",
                query: link_query(&[("id", DEMO_USER_KEY), ("sscc", &self.di_own)]),
            },
            AccessLink {
                label:
                    "deep link out of the demo user's scope (shows what an unknown number shows)",
                query: link_query(&[("id", DEMO_USER_KEY), ("sscc", &self.di_out_of_scope)]),
            },
        ];
        let labels = [
            (
                "vp",
                "partner link vp (shipping partner) with the partner user's key",
                "signed partner link vp",
            ),
            (
                "ep",
                "partner link ep (receiving partner) with the partner user's key",
                "signed partner link ep",
            ),
            (
                "ap",
                "partner link ap (ordering party) with the partner user's key",
                "signed partner link ap",
            ),
        ];
        for ((prefix, keyed, signed_label), number) in labels.into_iter().zip(&self.di_partner) {
            let reference_name = format!("{prefix}ref");
            let pairs = [
                (prefix, DEMO_PARTNER_ID),
                (reference_name.as_str(), number.as_str()),
            ];
            links.push(AccessLink {
                label: keyed,
                query: format!(
                    "{}&{}",
                    link_query(&[("id", DEMO_PARTNER_KEY)]),
                    link_query(&pairs)
                ),
            });
            links.push(AccessLink {
                label: signed_label,
                query: signed(&pairs),
            });
        }
        let own = [("sscc", self.di_own.as_str())];
        links.push(AccessLink {
            label: "signed link that has expired",
            query: demo_signed(&link_query(&own), EXPIRED_UNIX),
        });
        // The signature of the demo user's parcel on another parcel's number.
        let genuine = signed(&own);
        links.push(AccessLink {
            label: "tampered signed link (another number under a valid signature)",
            query: genuine.replace(&self.di_own, &self.di_out_of_scope),
        });
        links
    }
}

pub async fn app(config: DemoConfig) -> Router {
    let cases = sandbox::demo_cases(&config.sandbox.data);
    let mut proxy_config = crate::proxy::demo_config(&format!(
        "{}/sandbox",
        config.base_url.trim_end_matches('/')
    ));
    proxy_config.access_database = config
        .data_dir
        .as_ref()
        .map(|folder| folder.join(DEMO_ACCESS_DATABASE));
    let store = crate::proxy::open_store(&proxy_config)
        .await
        .unwrap_or_else(|error| panic!("the demo's access database cannot open: {error}"));
    let access = DemoAccess::pick(&config.sandbox.data);
    if let Some(access) = &access {
        // The demo's users and keys, in its database from the start; idempotent.
        if let Err(error) = access.seed(store.as_ref()).await {
            tracing::error!(%error, "cannot create the demo's users and keys");
        }
    }
    let proxy = crate::proxy::try_app_with_store(proxy_config, store)
        .unwrap_or_else(|error| panic!("the proxy cannot start: {error}"));
    let page = Arc::new(DemoPage {
        widget_dir: config.widget_dir.clone(),
        cases,
        access: access.map(|access| access.links()).unwrap_or_default(),
    });
    Router::new()
        .route("/", get(demo_page))
        .route("/index.html", get(demo_page))
        // The page is made on each request, so it is compressed as it goes out (12 KB with its
        // cases, 3 KB brotli); the widget's files below have their copies made by the build.
        .layer(CompressionLayer::new())
        .with_state(page)
        .nest("/sandbox", sandbox::app(config.sandbox))
        .merge(proxy)
        // Map tiles drawn locally, so the pickup-point map renders with no network.
        .merge(crate::tiles::router())
        // The widget's files, compressed ahead of time, with validators (widget_files.rs).
        .fallback_service(crate::widget_files::service(&config.widget_dir))
        // Outermost: one log line per request, whatever answered it.
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &axum::http::Request<_>| {
                    tracing::info_span!(
                        "request",
                        method = %request.method(),
                        path = %loggable_path(request.uri().path()),
                    )
                })
                .on_request(())
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
}

/// The request path as it may be logged: no query string (a link's `id` access key and its
/// references travel there), and path segments that look like shipment numbers masked.
fn loggable_path(path: &str) -> String {
    path.split('/')
        .map(|segment| {
            if segment.len() >= 6 && segment.bytes().any(|b| b.is_ascii_digit()) {
                crate::proxy::routes::mask(segment)
            } else {
                segment.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// trunk's `index.html` with the list of demo cases inside its `<nav id="demo-cases">`. Read on
/// every request, so a `trunk build` shows without a restart.
async fn demo_page(State(page): State<Arc<DemoPage>>) -> Response {
    let path = page.widget_dir.join("index.html");
    match tokio::fs::read_to_string(&path).await {
        Ok(html) => Html(with_cases(html, &page.cases, &page.access)).into_response(),
        Err(error) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("cannot read {}: {error}", path.display()),
        )
            .into_response(),
    }
}

/// Inserts the case list into the `demo-cases` element. trunk's minifier may drop the quotes
/// around the id, so the id is found by name and the list goes before the next `</nav>`.
fn with_cases(mut html: String, cases: &[DemoCase], access: &[AccessLink]) -> String {
    let insert_at = html
        .find("demo-cases")
        .and_then(|start| html[start..].find("</nav>").map(|end| start + end));
    if let Some(at) = insert_at {
        html.insert_str(at, &(cases_html(cases) + &access_html(access)));
    }
    html
}

fn access_html(links: &[AccessLink]) -> String {
    if links.is_empty() {
        return String::new();
    }
    let mut html = String::from(
        "<h3>Access: keys, partners, signed links</h3>\n<ul class=\"demo-cases\" data-testid=\"demo-access\">\n",
    );
    for link in links {
        html.push_str(&format!(
            "<li><a href=\"/?{}\">{}</a></li>\n",
            escape(&link.query),
            escape(link.label),
        ));
    }
    html.push_str("</ul>");
    html
}

fn cases_html(cases: &[DemoCase]) -> String {
    let mut html = String::from("<ul class=\"demo-cases\" data-testid=\"demo-cases\">\n");
    for case in cases {
        let shows = match (&case.expected_status, &case.fault) {
            (Some(status), None) => status.replace('_', " "),
            (Some(status), Some(fault)) => {
                format!("{} after fault {fault}", status.replace('_', " "))
            }
            (None, Some(fault)) => format!("fault {fault}"),
            (None, None) => String::new(),
        };
        html.push_str(&format!(
            "<li><a href=\"/?{}\">{} {}</a> <span>{}</span> <small>{}</small></li>\n",
            escape(&case.link()),
            escape(case.carrier.as_str()),
            escape(&case.value),
            escape(&shows),
            escape(&case.description),
        ));
    }
    html.push_str("</ul>");
    html
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub async fn run(args: Args) -> ExitCode {
    crate::logging::init();
    match serve(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("trackline demo: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(args: Args) -> Result<(), DemoError> {
    let data = match &args.data {
        Some(path) => DataSet::load(path).map_err(sandbox::SandboxError::from)?,
        None => DataSet::builtin(),
    };
    let events = match &args.store {
        Some(path) => EventStore::open(path).map_err(sandbox::SandboxError::from)?,
        None => EventStore::in_memory(),
    };
    let listener =
        tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, args.port)))
            .await
            .map_err(|source| DemoError::Bind {
                port: args.port,
                source,
            })?;
    let addr = listener.local_addr().map_err(|source| DemoError::Bind {
        port: args.port,
        source,
    })?;
    let data_dir = crate::data_dir::resolve(args.data_dir.as_deref())?;
    let config = DemoConfig {
        widget_dir: args.widget_dir,
        base_url: format!("http://{addr}"),
        sandbox: SandboxConfig { data, events },
        data_dir: Some(data_dir.clone()),
    };
    config.check()?;
    print_links(
        addr,
        &sandbox::demo_cases(&config.sandbox.data),
        &DemoAccess::pick(&config.sandbox.data)
            .map(|access| access.links())
            .unwrap_or_default(),
    );
    println!("Data directory: {}", data_dir.display());
    if args.open_browser {
        open_browser(&format!("http://{addr}/"));
    }
    // The proxy's per-address limits need the client's address.
    let service = app(config)
        .await
        .into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, service)
        .with_graceful_shutdown(crate::shutdown_signal())
        .await
        .map_err(|source| DemoError::Bind {
            port: args.port,
            source,
        })
}

fn print_links(addr: SocketAddr, cases: &[DemoCase], access: &[AccessLink]) {
    // Tests read the first line to learn the port when they asked for port 0.
    println!("Trackline demo listening on http://{addr}/");
    println!("Demo cases (the page lists them too):");
    for case in cases {
        println!(
            "  http://{addr}/?{}  {} {}",
            case.link(),
            case.carrier.as_str(),
            case.description
        );
    }
    println!("Access: keys, partners, signed links (each link on its own line, under its label):");
    for link in access {
        println!("  {}:", link.label);
        println!("  http://{addr}/?{}", link.query);
    }
    println!("Proxy metrics: http://{addr}/metrics  Press Ctrl-C to stop.");
}

fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    if let Err(error) = std::process::Command::new(opener).arg(url).spawn() {
        eprintln!("trackline demo: cannot open a browser ({opener}: {error}); open {url} yourself");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logged_paths_mask_shipment_numbers_and_keep_the_route() {
        assert_eq!(
            loggable_path("/carriers/inpost/v1/tracking/520000011395200025009871"),
            "/carriers/inpost/v1/tracking/********************9871"
        );
        assert_eq!(loggable_path("/trackline.js"), "/trackline.js");
        assert_eq!(
            loggable_path("/sandbox/v1/statuses"),
            "/sandbox/v1/statuses"
        );
    }

    #[test]
    fn the_case_list_goes_inside_the_minified_nav_and_is_escaped() {
        let html = "<main><nav aria-label=x id=demo-cases></nav></main>".to_owned();
        let cases = [DemoCase {
            carrier: crate::sandbox::Carrier::Inpost,
            parameter: "tracking",
            value: "52<x>".to_owned(),
            expected_status: Some("ready_for_pickup".to_owned()),
            fault: None,
            description: "a \"quoted\" case".to_owned(),
        }];
        let page = with_cases(html, &cases, &[]);
        assert!(page.contains("id=demo-cases><ul"), "{page}");
        assert!(page.contains("href=\"/?tracking=52%3Cx%3E\""), "{page}");
        assert!(page.contains("ready for pickup"), "{page}");
        assert!(page.contains("a &quot;quoted&quot; case"), "{page}");
        assert!(page.ends_with("</ul></nav></main>"), "{page}");
    }

    #[tokio::test]
    async fn the_demo_secret_is_the_demo_proxys_and_seeding_twice_changes_nothing() {
        let config = crate::proxy::demo_config("http://127.0.0.1:1/sandbox");
        assert_eq!(
            config
                .link_secret
                .as_ref()
                .map(|secret| secret.expose().to_owned()),
            Some(crate::sandbox::DEMO_LINK_SECRET.to_owned())
        );
        let access = DemoAccess::pick(&DataSet::builtin()).expect("enough demo numbers");
        let store = crate::proxy::store::SqliteStore::in_memory().unwrap();
        access.seed(&store).await.unwrap();
        access.seed(&store).await.unwrap();
        let owner = store
            .verify_key(DEMO_USER_KEY)
            .await
            .unwrap()
            .expect("the demo key works");
        assert_eq!(owner.user, DEMO_USER);
        let own = crate::proxy::store::normalize_number(&access.di_own).unwrap();
        let other = crate::proxy::store::normalize_number(&access.di_out_of_scope).unwrap();
        assert!(store.in_scope(DEMO_USER, &[own]).await.unwrap());
        assert!(!store.in_scope(DEMO_USER, &[other]).await.unwrap());
        let partner = crate::proxy::store::normalize_number(&access.di_partner[2]).unwrap();
        assert!(store.in_scope(DEMO_PARTNER_USER, &[partner]).await.unwrap());
        assert_eq!(store.keys(Some(DEMO_USER)).await.unwrap().len(), 1);
    }

    #[test]
    fn the_access_links_verify_expire_and_tamper_as_labelled() {
        let access = DemoAccess::pick(&DataSet::builtin()).unwrap();
        let links = access.links();
        let secret = crate::sandbox::DEMO_LINK_SECRET.as_bytes();
        let check = |label: &str| {
            let link = links
                .iter()
                .find(|link| link.label.starts_with(label))
                .unwrap();
            crate::proxy::signed::verify(secret, &link.query, crate::proxy::store::now_unix())
        };
        assert!(check("signed partner link vp").is_ok());
        assert!(check("signed partner link ap").is_ok());
        assert!(matches!(
            check("signed link that has expired"),
            Err(crate::proxy::signed::LinkError::Expired { .. })
        ));
        assert_eq!(
            check("tampered"),
            Err(crate::proxy::signed::LinkError::Tampered)
        );
        assert_eq!(links[0].query, format!("id={DEMO_USER_KEY}"));
    }
}
