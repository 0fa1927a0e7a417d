//! The `trackline` binary: parses the command line and hands over to the command's module.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// mimalloc rather than the C library's allocator: a proxy allocates and frees many small
/// buffers per request from several threads, which glibc's malloc serves with more locking and
/// consolidation.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Trackline: self-hosted parcel tracking. Proxy, sandbox carriers, demo server and tools.
#[derive(Debug, Parser)]
#[command(name = "trackline", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the demo: widget, demo page, proxy and sandbox carriers on one loopback port.
    Demo(trackline::demo::Args),
    /// Run the CORS and credential proxy that the widget calls.
    Proxy(trackline::proxy::Args),
    /// Create, list and revoke access keys (each belongs to a user).
    Keys(trackline::cli::access::KeysArgs),
    /// Manage users: their partner ids and the shipments registered to them.
    Users(trackline::cli::access::UsersArgs),
    /// Sign consumer links with the proxy's link secret.
    Links(trackline::cli::access::LinksArgs),
    /// Run the sandbox that imitates the carriers' tracking APIs.
    Sandbox(trackline::sandbox::Args),
    /// Print the shipment references found in a URL or string, as JSON.
    Refs(trackline::cli::refs::Args),
    /// Recognize identifiers (carrier, format, check digit), as JSON.
    Detect(trackline::cli::detect::Args),
    /// Turn a captured carrier response into Trackline's tracking model, as JSON.
    Normalize(trackline::cli::normalize::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Refs(args) => trackline::cli::refs::run(args),
        Command::Detect(args) => trackline::cli::detect::run(args),
        Command::Normalize(args) => trackline::cli::normalize::run(args),
        Command::Keys(args) => trackline::cli::access::run_keys(args),
        Command::Users(args) => trackline::cli::access::run_users(args),
        Command::Links(args) => trackline::cli::access::run_links(args),
        Command::Demo(args) => serve(trackline::demo::run(args)),
        Command::Proxy(args) => serve(trackline::proxy::run(args)),
        Command::Sandbox(args) => serve(trackline::sandbox::run(args)),
    }
}

/// Servers get a multi-threaded runtime; the one-shot tools above never start one.
fn serve(command: impl std::future::Future<Output = ExitCode>) -> ExitCode {
    match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime.block_on(command),
        Err(error) => {
            eprintln!("trackline: cannot start the async runtime: {error}");
            ExitCode::FAILURE
        }
    }
}
