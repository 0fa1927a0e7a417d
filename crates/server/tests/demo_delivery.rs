//! `trackline demo` serving a built widget as a browser should get it: the brotli or gzip copy
//! that a release build writes beside each file, chosen by `Accept-Encoding`, with an ETag that
//! turns a repeated request into a bodiless 304, and `Cache-Control: no-cache` so that a new
//! build is seen at once. The widget folder is made by each test.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use reqwest::header::{
    ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE, ETAG, IF_NONE_MATCH, VARY,
};
use reqwest::StatusCode;

/// A wasm module's magic and version, then bytes that compress well, as a real module does.
fn wasm_bytes() -> Vec<u8> {
    let mut bytes = b"\0asm\x01\0\0\0".to_vec();
    for index in 0..20_000u32 {
        bytes.extend_from_slice(&(index % 251).to_le_bytes());
    }
    bytes
}

fn loader_text() -> Vec<u8> {
    "import init from \"./trackline-widget.js\";\nawait init();\n"
        .repeat(200)
        .into_bytes()
}

fn brotli(bytes: &[u8]) -> Vec<u8> {
    let mut compressed = Vec::new();
    let mut writer = brotli::CompressorWriter::new(&mut compressed, 4096, 11, 22);
    writer.write_all(bytes).unwrap();
    drop(writer);
    compressed
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

fn unbrotli(bytes: &[u8]) -> Vec<u8> {
    let mut plain = Vec::new();
    brotli::Decompressor::new(bytes, 4096)
        .read_to_end(&mut plain)
        .unwrap();
    plain
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut plain = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut plain)
        .unwrap();
    plain
}

/// A widget folder as `trunk build --release` leaves it: every file with its `.br` and `.gz`,
/// except one catalog without copies.
fn widget_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "trackline-demo-delivery-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("locales")).unwrap();
    std::fs::write(dir.join("index.html"), "<nav id=demo-cases></nav>").unwrap();
    for (file, bytes) in [
        ("trackline.js", loader_text()),
        ("trackline-widget_bg.wasm", wasm_bytes()),
    ] {
        write_with_copies(&dir, file, &bytes);
    }
    std::fs::write(dir.join("locales/de.txt"), "title=Wo ist mein Paket?\n").unwrap();
    dir
}

fn write_with_copies(dir: &Path, file: &str, bytes: &[u8]) {
    std::fs::write(dir.join(file), bytes).unwrap();
    std::fs::write(dir.join(format!("{file}.br")), brotli(bytes)).unwrap();
    std::fs::write(dir.join(format!("{file}.gz")), gzip(bytes)).unwrap();
}

/// `trackline demo` on a free loopback port, stopped when dropped.
struct Demo {
    child: Child,
    url: String,
}

impl Demo {
    fn start(widget_dir: &Path) -> Demo {
        let mut child = Command::new(env!("CARGO_BIN_EXE_trackline"))
            .args(["demo", "--port", "0", "--widget-dir"])
            .arg(widget_dir)
            .env_remove("TRACKLINE_SANDBOX_DATA")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut first_line = String::new();
        stdout.read_line(&mut first_line).unwrap();
        // The demo goes on printing its links: a closed pipe would stop it.
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        let url = first_line
            .trim()
            .strip_prefix("Trackline demo listening on ")
            .unwrap_or_else(|| panic!("unexpected first line: {first_line:?}"))
            .to_owned();
        Demo { child, url }
    }

    async fn get(
        &self,
        path: &str,
        headers: &[(reqwest::header::HeaderName, &str)],
    ) -> reqwest::Response {
        // No automatic decompression: the test reads the bytes on the wire.
        let client = reqwest::Client::builder()
            .no_gzip()
            .no_brotli()
            .no_deflate()
            .build()
            .unwrap();
        let mut request = client.get(format!("{}{path}", self.url));
        for (name, value) in headers {
            request = request.header(name, *value);
        }
        request.send().await.unwrap()
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn header(response: &reqwest::Response, name: reqwest::header::HeaderName) -> Option<String> {
    response
        .headers()
        .get(name)
        .map(|value| value.to_str().unwrap().to_owned())
}

#[tokio::test]
async fn a_browser_that_accepts_brotli_and_gzip_gets_the_brotli_copy_of_the_wasm() {
    let dir = widget_dir("brotli");
    let demo = Demo::start(&dir);
    let response = demo
        .get("trackline-widget_bg.wasm", &[(ACCEPT_ENCODING, "br, gzip")])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header(&response, CONTENT_ENCODING).as_deref(), Some("br"));
    // The type of the file, not of its copy: browsers compile a wasm streamed only as this.
    assert_eq!(
        header(&response, CONTENT_TYPE).as_deref(),
        Some("application/wasm")
    );
    assert_eq!(header(&response, VARY).as_deref(), Some("accept-encoding"));
    assert_eq!(
        header(&response, CACHE_CONTROL).as_deref(),
        Some("no-cache")
    );
    let body = response.bytes().await.unwrap();
    assert!(body.len() < wasm_bytes().len() / 4, "{} bytes", body.len());
    assert_eq!(unbrotli(&body), wasm_bytes());
}

#[tokio::test]
async fn a_client_that_accepts_only_gzip_gets_the_gzip_copy_of_the_loader() {
    let dir = widget_dir("gzip");
    let demo = Demo::start(&dir);
    let response = demo.get("trackline.js", &[(ACCEPT_ENCODING, "gzip")]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header(&response, CONTENT_ENCODING).as_deref(), Some("gzip"));
    assert_eq!(header(&response, VARY).as_deref(), Some("accept-encoding"));
    let body = response.bytes().await.unwrap();
    assert_eq!(gunzip(&body), loader_text());
}

#[tokio::test]
async fn a_client_that_accepts_no_compression_gets_the_file_as_it_is() {
    let dir = widget_dir("identity");
    let demo = Demo::start(&dir);
    for headers in [&[][..], &[(ACCEPT_ENCODING, "identity")][..]] {
        let response = demo.get("trackline-widget_bg.wasm", headers).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(header(&response, CONTENT_ENCODING), None);
        assert_eq!(header(&response, VARY).as_deref(), Some("accept-encoding"));
        assert_eq!(response.bytes().await.unwrap().to_vec(), wasm_bytes());
    }
    // A file without copies is sent as it is to any browser, in its charset.
    let catalog = demo
        .get("locales/de.txt", &[(ACCEPT_ENCODING, "br, gzip")])
        .await;
    assert_eq!(header(&catalog, CONTENT_ENCODING), None);
    assert_eq!(
        header(&catalog, CONTENT_TYPE).as_deref(),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(catalog.text().await.unwrap(), "title=Wo ist mein Paket?\n");
}

#[tokio::test]
async fn a_repeated_request_with_the_etag_gets_a_bodiless_304_until_the_file_changes() {
    let dir = widget_dir("etag");
    let demo = Demo::start(&dir);
    let first = demo
        .get("trackline-widget_bg.wasm", &[(ACCEPT_ENCODING, "br, gzip")])
        .await;
    let tag = header(&first, ETAG).expect("an ETag");
    // Each encoding is its own body, with its own tag.
    let plain = demo.get("trackline-widget_bg.wasm", &[]).await;
    let plain_tag = header(&plain, ETAG).expect("an ETag");
    assert_ne!(tag, plain_tag);

    let again = demo
        .get(
            "trackline-widget_bg.wasm",
            &[(ACCEPT_ENCODING, "br, gzip"), (IF_NONE_MATCH, &tag)],
        )
        .await;
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(header(&again, ETAG).as_deref(), Some(tag.as_str()));
    assert_eq!(header(&again, CACHE_CONTROL).as_deref(), Some("no-cache"));
    assert_eq!(header(&again, VARY).as_deref(), Some("accept-encoding"));
    assert!(again.bytes().await.unwrap().is_empty());

    // The brotli tag does not stand for the plain body.
    let other_encoding = demo
        .get("trackline-widget_bg.wasm", &[(IF_NONE_MATCH, &tag)])
        .await;
    assert_eq!(other_encoding.status(), StatusCode::OK);

    // A new build: the old tag no longer matches, and the new body comes.
    let mut rebuilt = wasm_bytes();
    rebuilt.extend_from_slice(b"a new build");
    write_with_copies(&dir, "trackline-widget_bg.wasm", &rebuilt);
    let after_update = demo
        .get(
            "trackline-widget_bg.wasm",
            &[(ACCEPT_ENCODING, "br, gzip"), (IF_NONE_MATCH, &tag)],
        )
        .await;
    assert_eq!(after_update.status(), StatusCode::OK);
    assert_ne!(header(&after_update, ETAG).as_deref(), Some(tag.as_str()));
    assert_eq!(unbrotli(&after_update.bytes().await.unwrap()), rebuilt);
}

#[tokio::test]
async fn the_demo_page_goes_out_brotli_compressed_to_a_browser_and_as_it_is_to_other_clients() {
    let dir = widget_dir("page");
    let demo = Demo::start(&dir);
    let plain = demo.get("", &[]).await;
    assert_eq!(plain.status(), StatusCode::OK);
    assert_eq!(header(&plain, CONTENT_ENCODING), None);
    let page = plain.bytes().await.unwrap().to_vec();
    let text = String::from_utf8(page.clone()).unwrap();
    assert!(text.contains("data-testid=\"demo-cases\""), "{text}");

    let compressed = demo.get("", &[(ACCEPT_ENCODING, "br, gzip")]).await;
    assert_eq!(compressed.status(), StatusCode::OK);
    assert_eq!(header(&compressed, CONTENT_ENCODING).as_deref(), Some("br"));
    assert_eq!(
        header(&compressed, VARY).as_deref(),
        Some("accept-encoding")
    );
    assert!(header(&compressed, CONTENT_TYPE)
        .unwrap()
        .starts_with("text/html"));
    let body = compressed.bytes().await.unwrap();
    assert!(
        body.len() < page.len() / 2,
        "{} of {} bytes",
        body.len(),
        page.len()
    );
    assert_eq!(unbrotli(&body), page);
}
