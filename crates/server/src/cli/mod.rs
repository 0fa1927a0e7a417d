//! Command-line commands that are not servers: they read input, call core and print JSON.

pub mod detect;
pub mod normalize;
pub mod refs;

use std::process::ExitCode;

/// What a command that is not built yet says, so that scripts see a failure rather than silence.
pub(crate) fn not_yet_implemented(command: &str) -> ExitCode {
    eprintln!("trackline {command}: not yet implemented");
    ExitCode::from(2)
}
