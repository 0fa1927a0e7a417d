//! `trackline normalize`: a captured carrier response in, Trackline's tracking model out.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use trackline_core::carrier::{normalize, CarrierResponse, ResponseKind};
use trackline_core::model::Carrier;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The carrier that sent the response: inpost, di or trackonline.
    #[arg(long, value_parser = parse_carrier)]
    pub carrier: Carrier,
    /// What the response answers. InPost: tracking (default), statuses, point, service-history.
    /// Di: fetch (default), fetch-v1. TrackOnline: unique-items (default), measurements,
    /// transactions, packaging-labels.
    #[arg(long)]
    pub kind: Option<String>,
    /// The HTTP status the carrier answered with.
    #[arg(long, default_value_t = 200)]
    pub status: u16,
    /// The `Retry-After` header of a 429 answer.
    #[arg(long)]
    pub retry_after: Option<String>,
    /// The number that was asked for (names Di v1 and TrackOnline transaction results).
    #[arg(long)]
    pub reference: Option<String>,
    /// A captured response head: status line, headers, and `# reference: <number>` lines.
    /// Flags given as well take precedence.
    #[arg(long, value_name = "FILE")]
    pub head: Option<PathBuf>,
    /// Print the JSON on one line.
    #[arg(long)]
    pub compact: bool,
    /// The response body; `-` or nothing reads standard input.
    #[arg(value_name = "FILE|-")]
    pub file: Option<PathBuf>,
}

fn parse_carrier(name: &str) -> Result<Carrier, String> {
    Carrier::from_name(name)
        .ok_or_else(|| format!("unknown carrier `{name}`; use inpost, di or trackonline"))
}

/// What a captured head file says.
#[derive(Debug, Default, PartialEq, Eq)]
struct CapturedHead {
    status: Option<u16>,
    retry_after: Option<String>,
    reference: Option<String>,
}

fn read_head(text: &str) -> Result<CapturedHead, String> {
    let mut head = CapturedHead::default();
    for line in text.lines().map(str::trim).filter(|line| !line.is_empty()) {
        if let Some(rest) = line.strip_prefix("HTTP/") {
            let code = rest
                .split_whitespace()
                .nth(1)
                .and_then(|code| code.parse().ok());
            head.status = Some(code.ok_or_else(|| format!("`{line}` is not a status line"))?);
        } else if let Some(reference) = line.strip_prefix("# reference:") {
            head.reference = Some(reference.trim().to_owned());
        } else if let Some((name, value)) = line.split_once(':') {
            if name.trim().eq_ignore_ascii_case("retry-after") {
                head.retry_after = Some(value.trim().to_owned());
            }
        }
    }
    Ok(head)
}

fn read_body(file: Option<&PathBuf>) -> std::io::Result<Vec<u8>> {
    let mut body = Vec::new();
    match file {
        Some(path) if path.as_os_str() != "-" => body = std::fs::read(path)?,
        _ => {
            std::io::stdin().lock().read_to_end(&mut body)?;
        }
    }
    Ok(body)
}

/// Prints the normalized JSON. Exit code 0 for a model, 1 when the response normalizes to a
/// tracking error (its JSON is printed all the same), 2 when the input cannot be read.
pub fn run(args: Args) -> ExitCode {
    let kind = match &args.kind {
        None => ResponseKind::default_for(args.carrier),
        Some(name) => match ResponseKind::from_name(args.carrier, name) {
            Some(kind) => kind,
            None => {
                eprintln!(
                    "trackline normalize: {} has no kind `{name}`; use one of: {}",
                    args.carrier,
                    ResponseKind::names(args.carrier).join(", ")
                );
                return ExitCode::from(2);
            }
        },
    };
    let head = match &args.head {
        None => CapturedHead::default(),
        Some(path) => match std::fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|t| read_head(&t))
        {
            Ok(head) => head,
            Err(error) => {
                eprintln!(
                    "trackline normalize: cannot read the head {}: {error}",
                    path.display()
                );
                return ExitCode::from(2);
            }
        },
    };
    let body = match read_body(args.file.as_ref()) {
        Ok(body) => body,
        Err(error) => {
            eprintln!("trackline normalize: cannot read the body: {error}");
            return ExitCode::from(2);
        }
    };
    // A status given on the command line wins over the head's, unless it is the default.
    let status = if args.status != 200 {
        args.status
    } else {
        head.status.unwrap_or(200)
    };
    let retry_after = args.retry_after.or(head.retry_after);
    let reference = args.reference.or(head.reference);
    let response = CarrierResponse::new(status, &body).with_retry_after(retry_after.as_deref());
    let (value, code) = match normalize(kind, &response, reference.as_deref()) {
        Ok(normalized) => (serde_json::to_value(normalized), ExitCode::SUCCESS),
        Err(error) => (serde_json::to_value(error), ExitCode::from(1)),
    };
    let printed = value.and_then(|value| {
        if args.compact {
            serde_json::to_string(&value)
        } else {
            serde_json::to_string_pretty(&value)
        }
    });
    let json = match printed {
        Ok(json) => json,
        Err(error) => {
            eprintln!("trackline normalize: cannot write JSON: {error}");
            return ExitCode::FAILURE;
        }
    };
    if writeln!(std::io::stdout().lock(), "{json}").is_err() {
        return ExitCode::FAILURE;
    }
    code
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_captured_head_gives_status_wait_and_reference() {
        let head =
            read_head("HTTP/1.1 429 Too Many Requests\nRetry-After: 42\n# reference: PO-1\n")
                .unwrap();
        assert_eq!(
            head,
            CapturedHead {
                status: Some(429),
                retry_after: Some("42".into()),
                reference: Some("PO-1".into())
            }
        );
        assert!(read_head("HTTP/1.1 abc").is_err());
    }
}
