//! Attributes the bytes of a wasm module's functions to crates, by the names its name section
//! gives them: `wasm-crates <named.wasm> [<shipped.wasm>]`. Run by `scripts/size --by-crate` on
//! the release widget rebuilt with names kept (`wasm-opt -g`).
//!
//! A function belongs to the crate of the first path in its demangled name:
//! `serde_json::de::from_slice` to serde_json, `<chrono::NaiveDate as core::fmt::Debug>::fmt` to
//! chrono (the type's crate, whose code it is), `core::ptr::drop_in_place<chrono::…>` to core.
//! After LTO a function inlined into another counts for the one it was inlined into, and a
//! generic function instantiated for a crate's types counts for the crate that defines it, so a
//! crate's row is the code that still carries its name, not what the build would lose without
//! it. Static data (texts, tables) is one row: the name section does not say whose it is.
//!
//! For each row the gzip column says how much smaller the module's gzip -9 gets when that row's
//! function bodies are left out: its share of the compressed module, as far as it is its own.

use std::collections::HashMap;
use std::io::Write;
use std::ops::Range;
use std::process::ExitCode;

use flate2::write::GzEncoder;
use flate2::Compression;
use wasmparser::{KnownCustom, Name, Parser, Payload, TypeRef};

/// A module's parts that the report needs.
struct Module {
    /// Every byte of the file.
    bytes: Vec<u8>,
    /// The ranges of the sections other than custom ones (what a browser executes).
    sections: Vec<Range<usize>>,
    /// Each function body's range (with its size prefix) and its function index.
    bodies: Vec<(Range<usize>, u32)>,
    names: HashMap<u32, String>,
    code_bytes: usize,
    data_bytes: usize,
    custom_bytes: usize,
}

fn read_module(path: &str) -> Result<Module, String> {
    let bytes = std::fs::read(path).map_err(|error| format!("{path}: {error}"))?;
    let mut module = Module {
        bytes: Vec::new(),
        sections: Vec::new(),
        bodies: Vec::new(),
        names: HashMap::new(),
        code_bytes: 0,
        data_bytes: 0,
        custom_bytes: 0,
    };
    let mut imported_functions = 0u32;
    let mut next_body = 0u32;
    let error = |error: wasmparser::BinaryReaderError| format!("{path}: {error}");
    for payload in Parser::new(0).parse_all(&bytes) {
        let payload = payload.map_err(error)?;
        let section = payload.as_section();
        match &payload {
            Payload::ImportSection(imports) => {
                for import in imports.clone().into_imports() {
                    if matches!(
                        import.map_err(error)?.ty,
                        TypeRef::Func(_) | TypeRef::FuncExact(_)
                    ) {
                        imported_functions += 1;
                    }
                }
            }
            Payload::CodeSectionStart { size, .. } => module.code_bytes = *size as usize,
            Payload::CodeSectionEntry(body) => {
                let range = body.range();
                let length = range.len();
                // The body's size comes before it as an unsigned LEB128.
                let prefix = (usize::BITS - length.max(1).leading_zeros()).div_ceil(7) as usize;
                module.bodies.push((
                    range.start - prefix..range.end,
                    imported_functions + next_body,
                ));
                next_body += 1;
            }
            Payload::DataSection(data) => module.data_bytes = data.range().len(),
            Payload::CustomSection(custom) => {
                module.custom_bytes += custom.range().len();
                if let KnownCustom::Name(names) = custom.as_known() {
                    for name in names {
                        if let Name::Function(functions) = name.map_err(error)? {
                            for naming in functions {
                                let naming = naming.map_err(error)?;
                                module.names.insert(naming.index, naming.name.to_owned());
                            }
                        }
                    }
                }
                continue;
            }
            _ => {}
        }
        if let Some((_, range)) = section {
            module.sections.push(range);
        }
    }
    module.bytes = bytes;
    Ok(module)
}

/// Names with no crate path: exports under their JS names, compiler builtins (`memcpy`).
const UNATTRIBUTED: &str = "(no path: exports, builtins)";

/// Rows under this many bytes are summed into one.
const SMALLEST_ROW: usize = 500;

/// The crate a function's name belongs to: the first `name::` in its demangled form.
fn crate_of(symbol: Option<&str>) -> String {
    let Some(symbol) = symbol else {
        return "(no name)".into();
    };
    let path = match rustc_demangle::try_demangle(symbol) {
        Ok(demangled) => format!("{demangled:#}"),
        Err(_) => symbol.to_owned(),
    };
    // Inherent methods of primitive types (`<str>::to_lowercase`, `<char>::…`) are the standard
    // library's, counted with core.
    if path.starts_with('<')
        && path
            .split_once(">::")
            .is_some_and(|(ty, _)| !ty.contains("::"))
    {
        return "core".into();
    }
    if symbol.starts_with("__wbg")
        || symbol.starts_with("__wbindgen")
        || symbol.starts_with("__externref")
        || symbol.ends_with(" externref shim")
    {
        return "wasm_bindgen".into();
    }
    let bytes = path.as_bytes();
    let mut start = None;
    for (index, &byte) in bytes.iter().enumerate() {
        let word = byte.is_ascii_alphanumeric() || byte == b'_';
        match (start, word) {
            (None, true) => start = Some(index),
            (Some(from), false) => {
                // wasm-bindgen writes std's names demangled with their crate's disambiguator:
                // `core[c5930c85a12de822]::fmt::…`.
                let rest = &path[index..];
                let disambiguator = rest
                    .strip_prefix('[')
                    .and_then(|rest| rest.split_once(']'))
                    .filter(|(hash, _)| hash.bytes().all(|b| b.is_ascii_hexdigit()))
                    .map(|(_, after)| after);
                if rest.starts_with("::") || disambiguator.is_some_and(|a| a.starts_with("::")) {
                    return path[from..index].to_owned();
                }
                start = None;
            }
            _ => {}
        }
    }
    UNATTRIBUTED.into()
}

/// gzip -9 of the module's executable sections, leaving out the bodies in `skip`.
fn gzip_without(module: &Module, skip: &[Range<usize>]) -> usize {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
    let mut skipped = skip.iter().peekable();
    for section in &module.sections {
        let mut at = section.start;
        while let Some(body) = skipped.peek() {
            if body.start >= section.end {
                break;
            }
            encoder
                .write_all(&module.bytes[at..body.start])
                .expect("writing to memory");
            at = body.end;
            skipped.next();
        }
        encoder
            .write_all(&module.bytes[at..section.end])
            .expect("writing to memory");
    }
    encoder.finish().expect("writing to memory").len()
}

fn main() -> ExitCode {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let Some(named) = arguments.first() else {
        eprintln!(
            "usage: wasm-crates <wasm with a name section> [<shipped wasm to compare>] [--list <crate>]"
        );
        return ExitCode::from(2);
    };
    // `--list <crate>`: that row's functions, largest first, with their demangled names.
    let list = arguments
        .iter()
        .position(|argument| argument == "--list")
        .and_then(|at| arguments.get(at + 1));
    let module = match read_module(named) {
        Ok(module) => module,
        Err(error) => {
            eprintln!("wasm-crates: {error}");
            return ExitCode::FAILURE;
        }
    };
    if module.names.is_empty() {
        eprintln!("wasm-crates: {named} has no function names; build it with wasm-opt -g");
        return ExitCode::FAILURE;
    }

    struct Row {
        name: String,
        functions: usize,
        bytes: usize,
        bodies: Vec<Range<usize>>,
    }
    if let Some(wanted) = list {
        let mut functions: Vec<(usize, String)> = module
            .bodies
            .iter()
            .filter_map(|(range, index)| {
                let symbol = module.names.get(index).map(String::as_str);
                (crate_of(symbol) == *wanted).then(|| {
                    let shown = symbol.map_or_else(
                        || format!("function {index}"),
                        |symbol| match rustc_demangle::try_demangle(symbol) {
                            Ok(demangled) => format!("{demangled:#}"),
                            Err(_) => symbol.to_owned(),
                        },
                    );
                    (range.len(), shown)
                })
            })
            .collect();
        functions.sort_by(|a, b| b.cmp(a));
        for (bytes, name) in functions {
            println!("{bytes:>8} {name}");
        }
        return ExitCode::SUCCESS;
    }

    let mut rows: HashMap<String, Row> = HashMap::new();
    for (range, index) in &module.bodies {
        let name = crate_of(module.names.get(index).map(String::as_str));
        let row = rows.entry(name.clone()).or_insert_with(|| Row {
            name,
            functions: 0,
            bytes: 0,
            bodies: Vec::new(),
        });
        row.functions += 1;
        row.bytes += range.len();
        row.bodies.push(range.clone());
    }
    let mut rows: Vec<Row> = rows.into_values().collect();
    rows.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.name.cmp(&b.name)));

    let executable: usize = module.sections.iter().map(Range::len).sum();
    let whole_gzip = gzip_without(&module, &[]);
    println!("{named}: {} bytes", module.bytes.len());
    println!(
        "  without custom sections (names): {executable} bytes, {whole_gzip} gzip -9; code {} bytes, data {} bytes, custom {} bytes",
        module.code_bytes, module.data_bytes, module.custom_bytes
    );
    if let Some(shipped) = arguments.get(1).filter(|argument| *argument != "--list") {
        match read_module(shipped) {
            Ok(shipped_module) => {
                let shipped_executable: usize =
                    shipped_module.sections.iter().map(Range::len).sum();
                println!(
                    "{shipped}: {} bytes, {shipped_executable} without custom sections (code {}, data {}){}",
                    shipped_module.bytes.len(),
                    shipped_module.code_bytes,
                    shipped_module.data_bytes,
                    if shipped_executable == executable {
                        ": the same code and data as the named build"
                    } else {
                        ": NOT the same build as the named one (sizes differ)"
                    }
                );
            }
            Err(error) => eprintln!("wasm-crates: {error}"),
        }
    }
    println!();
    println!(
        "{:<44} {:>9} {:>10} {:>7} {:>12}",
        "crate (by function name)", "functions", "bytes", "share", "gzip -9 less"
    );
    let mut others = Row {
        name: format!("(crates under {SMALLEST_ROW} bytes each)"),
        functions: 0,
        bytes: 0,
        bodies: Vec::new(),
    };
    let print = |row: &Row| {
        let mut skip = row.bodies.clone();
        skip.sort_by_key(|range| range.start);
        let saved = whole_gzip.saturating_sub(gzip_without(&module, &skip));
        println!(
            "{:<44} {:>9} {:>10} {:>6.1}% {:>12}",
            row.name,
            row.functions,
            row.bytes,
            100.0 * row.bytes as f64 / executable as f64,
            saved
        );
    };
    for row in rows {
        if row.bytes < SMALLEST_ROW {
            others.functions += row.functions;
            others.bytes += row.bytes;
            others.bodies.extend(row.bodies);
        } else {
            print(&row);
        }
    }
    if others.functions > 0 {
        print(&others);
    }
    println!(
        "{:<44} {:>9} {:>10} {:>6.1}%",
        "static data (texts, tables, the CSS)",
        "",
        module.data_bytes,
        100.0 * module.data_bytes as f64 / executable as f64
    );
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::{crate_of, UNATTRIBUTED};

    #[test]
    fn a_function_belongs_to_the_crate_of_the_first_path_in_its_name() {
        for (symbol, expected) in [
            (
                "_ZN10serde_json2de10from_slice17h0123456789abcdefE",
                "serde_json",
            ),
            (
                "serde_json::de::from_slice::h0123456789abcdef",
                "serde_json",
            ),
            (
                "<chrono::naive::date::NaiveDate as core::fmt::Debug>::fmt::h0123456789abcdef",
                "chrono",
            ),
            ("<f64 as core[c5930c85a12de822]::fmt::Display>::fmt", "core"),
            (
                "alloc[3ca501edff3f0c7c]::string::String::from_utf8_lossy",
                "alloc",
            ),
            (
                "core::ptr::drop_in_place<trackline_core::model::Shipment>::h0123456789abcdef",
                "core",
            ),
            ("<str>::to_lowercase", "core"),
            ("mount externref shim", "wasm_bindgen"),
            ("__wbindgen_malloc", "wasm_bindgen"),
            ("memcpy", UNATTRIBUTED),
        ] {
            assert_eq!(crate_of(Some(symbol)), expected, "{symbol}");
        }
        assert_eq!(crate_of(None), "(no name)");
    }
}
