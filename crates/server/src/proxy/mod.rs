//! `trackline proxy`.

use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Port to listen on (loopback).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
}

pub async fn run(_args: Args) -> ExitCode {
    crate::cli::not_yet_implemented("proxy")
}
