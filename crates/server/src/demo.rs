//! `trackline demo`: the whole product on one loopback port, for a first look and for the
//! end-to-end tests. It serves the built widget and the demo host page; the proxy and the sandbox
//! carriers are mounted here as they land.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;

use axum::Router;
use tower_http::services::ServeDir;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tracing::Level;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Port to listen on, on 127.0.0.1. 0 picks a free port.
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// The built widget (trunk's output folder, with index.html and trackline.js).
    #[arg(long, env = "TRACKLINE_WIDGET_DIR", default_value = "dist")]
    pub widget_dir: PathBuf,
}

/// What the demo serves.
#[derive(Debug, Clone)]
pub struct DemoConfig {
    pub widget_dir: PathBuf,
}

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

pub fn app(config: DemoConfig) -> Router {
    Router::new()
        .fallback_service(ServeDir::new(&config.widget_dir))
        // Outermost: one log line per request, whatever answered it.
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                .on_request(())
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
}

pub async fn run(args: Args) -> ExitCode {
    crate::logging::init();
    let config = DemoConfig {
        widget_dir: args.widget_dir,
    };
    if let Err(error) = config.check() {
        eprintln!("trackline demo: {error}");
        return ExitCode::FAILURE;
    }
    let listener = match bind(args.port).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("trackline demo: {error}");
            return ExitCode::FAILURE;
        }
    };
    let addr = listener
        .local_addr()
        .expect("a bound listener has an address");
    print_links(addr);
    let served = axum::serve(listener, app(config))
        .with_graceful_shutdown(crate::shutdown_signal())
        .await;
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("trackline demo: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn bind(port: u16) -> Result<tokio::net::TcpListener, DemoError> {
    tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
        .await
        .map_err(|source| DemoError::Bind { port, source })
}

fn print_links(addr: SocketAddr) {
    // Tests read the first line to learn the port when they asked for port 0.
    println!("Trackline demo listening on http://{addr}/");
    println!("  Widget with a tracking number from the link: http://{addr}/?tracking=520000011395200025009871");
    println!("  Widget without a reference:                   http://{addr}/");
    println!("Press Ctrl-C to stop.");
}
