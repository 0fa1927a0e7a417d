//! `trackline detect`: which carriers and formats values could be, as JSON.

use std::io::{BufRead, BufWriter, Write};
use std::process::ExitCode;

use serde::Serialize;
use trackline_core::identifier::{self, Candidate, DetectMode};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Values to recognize (tracking numbers, SSCCs, GS1 element strings).
    #[arg(required_unless_present = "stdin", conflicts_with = "stdin")]
    pub values: Vec<String>,
    /// Read one value per line from standard input and write one JSON line per value.
    #[arg(long)]
    pub stdin: bool,
    /// Only candidates whose check digit holds.
    #[arg(long, conflicts_with = "eager")]
    pub strict: bool,
    /// Also weak shapes and failing check digits of common lengths.
    #[arg(long)]
    pub eager: bool,
    /// With values on the command line: print one JSON line per value instead of an array.
    #[arg(long)]
    pub lines: bool,
}

/// One value's result, as printed.
#[derive(Debug, Serialize)]
struct DetectedValue<'a> {
    input: &'a str,
    normalized: &'a str,
    recognized: bool,
    candidates: &'a [Candidate],
}

/// Exit code 0 when every value was recognized (some candidate's check digit holds or its format
/// has none), 1 when some value was not (its result is printed all the same).
pub fn run(args: Args) -> ExitCode {
    let mode = if args.strict {
        DetectMode::Strict
    } else if args.eager {
        DetectMode::Eager
    } else {
        DetectMode::Standard
    };
    let outcome = if args.stdin {
        detect_lines(mode)
    } else {
        detect_values(&args.values, mode, args.lines)
    };
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("trackline detect: {error}");
            ExitCode::FAILURE
        }
    }
}

fn detect_values(values: &[String], mode: DetectMode, lines: bool) -> std::io::Result<bool> {
    let detections: Vec<_> = values
        .iter()
        .map(|value| (value, identifier::detect(value, mode)))
        .collect();
    let printed: Vec<DetectedValue> = detections
        .iter()
        .map(|(value, detection)| DetectedValue {
            input: value,
            normalized: &detection.normalized,
            recognized: detection.is_recognized(),
            candidates: &detection.candidates,
        })
        .collect();
    let mut stdout = BufWriter::new(std::io::stdout().lock());
    if lines {
        for value in &printed {
            serde_json::to_writer(&mut stdout, value)?;
            stdout.write_all(b"\n")?;
        }
    } else {
        serde_json::to_writer_pretty(&mut stdout, &printed)?;
        stdout.write_all(b"\n")?;
    }
    stdout.flush()?;
    Ok(printed.iter().all(|value| value.recognized))
}

/// Streams: one line in, one JSON line out, with one reused buffer each way.
fn detect_lines(mode: DetectMode) -> std::io::Result<bool> {
    let stdin = std::io::stdin().lock();
    let mut stdout = BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
    let mut reader = std::io::BufReader::with_capacity(64 * 1024, stdin);
    let mut line = Vec::new();
    let mut all_recognized = true;
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        let text = String::from_utf8_lossy(&line);
        let value = text.trim_end_matches(['\n', '\r']);
        let detection = identifier::detect(value, mode);
        let recognized = detection.is_recognized();
        all_recognized &= recognized;
        serde_json::to_writer(
            &mut stdout,
            &DetectedValue {
                input: value,
                normalized: &detection.normalized,
                recognized,
                candidates: &detection.candidates,
            },
        )?;
        stdout.write_all(b"\n")?;
    }
    stdout.flush()?;
    Ok(all_recognized)
}
