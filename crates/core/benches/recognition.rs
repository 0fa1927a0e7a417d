//! How many values per second `detect` recognizes and `parse` reads: the widget calls both on
//! every keystroke and page load, and `trackline detect --stdin` on millions of lines.
//!
//! `cargo bench -p trackline-core --bench recognition`; criterion prints `thrpt` in values/s.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use trackline_core::identifier::{detect, DetectMode};
use trackline_core::reference::{parse, validate_value};

/// A mix of what consumers type: valid and broken numbers of every format, and junk.
const VALUES: &[&str] = &[
    "106141411234567897",
    "370724760010119755",
    "(00) 3707 2476 0010 1197 54",
    "70725380000051451",
    "RB123456785GB",
    "rb 123 456 758 gb",
    "1Z5R89390357567127",
    "3318810025",
    "00340433836442636597",
    "201298452277",
    "JJD0001234567890123",
    "09980000020033F",
    "602677049101256024812345",
    "hello world",
    "12345",
];

const LINKS: &[&str] = &[
    "https://spedition.trackandtrace.conizi.io/Oms/Auth/LoginByKey?id=0123456789abcdefABCDEF0123456789&vp=100234&vpref=%20VS-778899",
    "https://spedition.trackandtrace.conizi.io/Oms/Auth/LoginByKey?id=0123456789abcdefABCDEF0123456789&sscc=370724760010119754",
    "https://shop.example/track?tracking_number=1Z5R89390357567127&carrier=UPS&zip=80331&lang=de&utm_source=mail&utm_medium=email",
    "https://t.17track.example/en#nums=RB123456785GB,3318810025,JJD0001234567890123",
    "https://id.gs1.org/00/106141411234567897",
    "(00)106141411234567897",
];

fn detect_values(criterion: &mut Criterion) {
    let mut group = criterion.benchmark_group("detect");
    group.throughput(Throughput::Elements(VALUES.len() as u64));
    for mode in [DetectMode::Strict, DetectMode::Standard, DetectMode::Eager] {
        group.bench_function(format!("{mode:?}").to_lowercase(), |bencher| {
            bencher.iter(|| {
                for value in VALUES {
                    black_box(detect(black_box(value), mode));
                }
            })
        });
    }
    group.finish();
}

fn parse_links(criterion: &mut Criterion) {
    let mut group = criterion.benchmark_group("parse");
    group.throughput(Throughput::Elements(LINKS.len() as u64));
    group.bench_function("links", |bencher| {
        bencher.iter(|| {
            for link in LINKS {
                black_box(parse(black_box(link)));
            }
        })
    });
    group.finish();
    let mut group = criterion.benchmark_group("validate_value");
    group.throughput(Throughput::Elements(VALUES.len() as u64));
    group.bench_function("values", |bencher| {
        bencher.iter(|| {
            for value in VALUES {
                let _ = black_box(validate_value(black_box(value)));
            }
        })
    });
    group.finish();
}

/// What `trackline detect --stdin` does per line: recognize, then write one JSON line.
fn detect_json_lines(criterion: &mut Criterion) {
    let mut group = criterion.benchmark_group("detect_json_line");
    group.throughput(Throughput::Elements(VALUES.len() as u64));
    let mut line = Vec::with_capacity(1024);
    group.bench_function("standard", |bencher| {
        bencher.iter(|| {
            for value in VALUES {
                line.clear();
                let detection = detect(black_box(value), DetectMode::Standard);
                serde_json::to_writer(&mut line, &detection).expect("serializes");
                black_box(&line);
            }
        })
    });
    group.finish();
}

criterion_group!(benches, detect_values, detect_json_lines, parse_links);
criterion_main!(benches);
