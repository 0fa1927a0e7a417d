//! `trackline refs`: the typed references in a URL or string, as JSON.

use std::io::Write;
use std::process::ExitCode;

use trackline_core::reference;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A tracking link, a query string, a GS1 element string or bare numbers (several words are
    /// read as one list). Quote URLs: the shell splits at `&`.
    #[arg(required = true, value_name = "URL or string")]
    pub input: Vec<String>,
    /// Print the JSON on one line.
    #[arg(long)]
    pub compact: bool,
}

/// Prints the parsed link (access key masked). Exit code 0 when everything parsed, 1 when some
/// parameter had a problem (the JSON is printed all the same).
pub fn run(args: Args) -> ExitCode {
    let link = reference::parse(&args.input.join(" "));
    let printed = if args.compact {
        serde_json::to_string(&link)
    } else {
        serde_json::to_string_pretty(&link)
    };
    let json = match printed {
        Ok(json) => json,
        Err(error) => {
            eprintln!("trackline refs: cannot write JSON: {error}");
            return ExitCode::FAILURE;
        }
    };
    let mut stdout = std::io::stdout().lock();
    if writeln!(stdout, "{json}").is_err() {
        return ExitCode::FAILURE;
    }
    if link.is_clean() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
