//! `trackline normalize`.

use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Input values.
    pub values: Vec<String>,
}

pub fn run(_args: Args) -> ExitCode {
    super::not_yet_implemented("normalize")
}
