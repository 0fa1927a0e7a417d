//! Demo map tiles: `/tiles/{z}/{x}/{y}.png`, drawn on the fly, so that the demo's maps render
//! without the internet and without bothering OpenStreetMap's servers during tests.
//!
//! Each tile is a 256×256 palette PNG: land and water from a smooth function of the tile's place
//! in the world (so neighbouring tiles join up), a grid every 32 pixels, and a darker tile edge.
//! The PNG encoder is the smallest correct one: stored (uncompressed) deflate blocks in a zlib
//! stream, with CRC-32 and Adler-32 computed here. A tile is 66 kB, which a loopback demo does
//! not notice; it spares the server a compression dependency.

use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

const SIZE: usize = 256;
/// Deeper zooms than any slippy map uses are refused.
const MAX_ZOOM: u32 = 19;

/// Palette: water, land, grid on water, grid on land, tile edge.
const PALETTE: [[u8; 3]; 5] = [
    [0xa8, 0xcf, 0xe8],
    [0xe9, 0xe5, 0xd6],
    [0x97, 0xbf, 0xd9],
    [0xd6, 0xd1, 0xbf],
    [0xb5, 0xae, 0x98],
];

pub fn router() -> Router {
    Router::new().route("/tiles/{z}/{x}/{y}", get(tile))
}

async fn tile(Path((z, x, y)): Path<(u32, u32, String)>) -> Response {
    // The router cannot match a suffix inside a segment: `{y}` holds "5.png".
    let y = y.strip_suffix(".png").and_then(|y| y.parse::<u32>().ok());
    match y {
        Some(y) if z <= MAX_ZOOM && x < (1 << z) && y < (1 << z) => (
            [
                (header::CONTENT_TYPE, "image/png"),
                (header::CACHE_CONTROL, "public, max-age=86400"),
            ],
            tile_png(z, x, y),
        )
            .into_response(),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

/// Whether a point of the world (0..1 across, 0..1 down) is land: a few overlapping waves, so
/// that coasts look like coasts at every zoom.
fn is_land(u: f64, v: f64) -> bool {
    use std::f64::consts::TAU;
    let height = (u * TAU * 3.0).sin() * (v * TAU * 2.0).cos()
        + 0.5 * (u * TAU * 11.0 + 1.3).sin() * (v * TAU * 7.0 + 0.7).sin()
        + 0.25 * (u * TAU * 37.0).cos() * (v * TAU * 29.0 + 2.1).sin();
    height > -0.15
}

/// The palette index of every pixel of tile `z/x/y`, row by row.
fn tile_pixels(z: u32, x: u32, y: u32) -> Vec<u8> {
    let world = f64::from(1u32 << z) * SIZE as f64;
    let mut pixels = Vec::with_capacity(SIZE * SIZE);
    for row in 0..SIZE {
        for column in 0..SIZE {
            let u = (f64::from(x) * SIZE as f64 + column as f64 + 0.5) / world;
            let v = (f64::from(y) * SIZE as f64 + row as f64 + 0.5) / world;
            let land = is_land(u, v);
            let edge = row == 0 || column == 0;
            let grid = row % 32 == 0 || column % 32 == 0;
            pixels.push(match (edge, grid, land) {
                (true, _, _) => 4,
                (false, true, true) => 3,
                (false, true, false) => 2,
                (false, false, true) => 1,
                (false, false, false) => 0,
            });
        }
    }
    pixels
}

/// The PNG of tile `z/x/y`.
pub fn tile_png(z: u32, x: u32, y: u32) -> Vec<u8> {
    encode_indexed(SIZE as u32, SIZE as u32, &PALETTE, &tile_pixels(z, x, y))
}

/// An 8-bit palette PNG of `width`×`height` palette indices.
pub fn encode_indexed(width: u32, height: u32, palette: &[[u8; 3]], pixels: &[u8]) -> Vec<u8> {
    assert_eq!(
        pixels.len(),
        (width * height) as usize,
        "one index per pixel"
    );
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    // Bit depth 8, colour type 3 (palette), deflate, adaptive filters, no interlace.
    ihdr.extend_from_slice(&[8, 3, 0, 0, 0]);
    chunk(&mut png, b"IHDR", &ihdr);
    chunk(&mut png, b"PLTE", &palette.concat());
    // Every row starts with its filter type, 0 (none).
    let mut raw = Vec::with_capacity(pixels.len() + height as usize);
    for row in pixels.chunks(width as usize) {
        raw.push(0);
        raw.extend_from_slice(row);
    }
    chunk(&mut png, b"IDAT", &zlib_stored(&raw));
    chunk(&mut png, b"IEND", &[]);
    png
}

fn chunk(png: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    png.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = png.len();
    png.extend_from_slice(kind);
    png.extend_from_slice(data);
    let crc = crc32(&png[start..]);
    png.extend_from_slice(&crc.to_be_bytes());
}

/// A zlib stream of stored deflate blocks (at most 65 535 bytes each).
fn zlib_stored(data: &[u8]) -> Vec<u8> {
    // CMF 0x78 (deflate, 32 KiB window), FLG 0x01: (0x78 << 8 | 0x01) is a multiple of 31.
    let mut out = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = if data.is_empty() {
        vec![&[]]
    } else {
        data.chunks(65_535).collect()
    };
    for (index, block) in blocks.iter().enumerate() {
        let last = index + 1 == blocks.len();
        out.push(u8::from(last));
        let len = block.len() as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(block);
    }
    out.extend_from_slice(&adler32(data).to_be_bytes());
    out
}

/// CRC-32 (IEEE 802.3, reflected, as PNG uses), bit by bit: tiles are few and small.
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

pub fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in data {
        a = (a + u32::from(byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    (b << 16) | a
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;

    #[test]
    fn the_checksums_match_their_published_check_values() {
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
        assert_eq!(adler32(b"Wikipedia"), 0x11e6_0398);
    }

    /// Reads a PNG back: its chunks with checked CRCs, and the stored zlib stream inflated.
    fn decode(png: &[u8]) -> (Vec<(String, Vec<u8>)>, Vec<u8>) {
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let mut chunks = Vec::new();
        let mut at = 8;
        while at < png.len() {
            let len = u32::from_be_bytes(png[at..at + 4].try_into().unwrap()) as usize;
            let kind = String::from_utf8(png[at + 4..at + 8].to_vec()).unwrap();
            let data = png[at + 8..at + 8 + len].to_vec();
            let crc = u32::from_be_bytes(png[at + 8 + len..at + 12 + len].try_into().unwrap());
            assert_eq!(crc, crc32(&png[at + 4..at + 8 + len]), "CRC of {kind}");
            chunks.push((kind, data));
            at += 12 + len;
        }
        let idat = &chunks.iter().find(|(k, _)| k == "IDAT").unwrap().1;
        assert_eq!((u16::from(idat[0]) << 8 | u16::from(idat[1])) % 31, 0);
        let mut raw = Vec::new();
        let mut at = 2;
        loop {
            let last = idat[at] & 1 == 1;
            assert_eq!(idat[at] >> 1, 0, "stored block");
            let len = u16::from_le_bytes([idat[at + 1], idat[at + 2]]);
            let nlen = u16::from_le_bytes([idat[at + 3], idat[at + 4]]);
            assert_eq!(len, !nlen);
            raw.extend_from_slice(&idat[at + 5..at + 5 + len as usize]);
            at += 5 + len as usize;
            if last {
                break;
            }
        }
        let adler = u32::from_be_bytes(idat[at..at + 4].try_into().unwrap());
        assert_eq!(adler, adler32(&raw));
        (chunks, raw)
    }

    #[test]
    fn a_tile_is_a_valid_256_pixel_palette_png_with_land_water_and_grid() {
        let png = tile_png(3, 4, 2);
        let (chunks, raw) = decode(&png);
        let kinds: Vec<&str> = chunks.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(kinds, ["IHDR", "PLTE", "IDAT", "IEND"]);
        let ihdr = &chunks[0].1;
        assert_eq!(&ihdr[..8], &[0, 0, 1, 0, 0, 0, 1, 0], "256 × 256");
        assert_eq!(&ihdr[8..], &[8, 3, 0, 0, 0]);
        assert_eq!(raw.len(), 256 * 257);
        let pixels: Vec<u8> = raw
            .chunks(257)
            .flat_map(|row| {
                assert_eq!(row[0], 0, "filter none");
                row[1..].to_vec()
            })
            .collect();
        // Both land and water show at a mid zoom, and the grid is drawn.
        assert!(pixels.contains(&0) && pixels.contains(&1), "land and water");
        assert_eq!(pixels[0], 4, "the tile edge");
        assert!(
            pixels[32 * 256 + 5] == 2 || pixels[32 * 256 + 5] == 3,
            "a grid line"
        );
    }

    #[test]
    fn neighbouring_tiles_join_up() {
        // The last column of one tile and the first inner column of the next are the same
        // land or water, as the pattern depends on the world position only.
        let left = tile_pixels(5, 10, 12);
        let right = tile_pixels(5, 11, 12);
        let land = |p: u8| p == 1 || p == 3;
        let same = (1..256)
            .filter(|row| row % 32 != 0)
            .filter(|row| land(left[row * 256 + 255]) == land(right[row * 256 + 1]))
            .count();
        assert!(same > 200, "{same} of the rows agree");
    }

    #[tokio::test]
    async fn the_router_serves_pngs_and_refuses_tiles_outside_the_world() {
        let get = |uri: &str| router().oneshot(Request::get(uri).body(Body::empty()).unwrap());
        let ok = get("/tiles/2/3/1.png").await.unwrap();
        assert_eq!(ok.status(), StatusCode::OK);
        assert_eq!(ok.headers()[header::CONTENT_TYPE], "image/png");
        let body = axum::body::to_bytes(ok.into_body(), 1 << 20).await.unwrap();
        assert_eq!(body.as_ref(), tile_png(2, 3, 1).as_slice());
        for uri in [
            "/tiles/2/4/1.png",
            "/tiles/2/1/4.png",
            "/tiles/20/0/0.png",
            "/tiles/2/1/1.jpg",
            "/tiles/2/1/x.png",
        ] {
            assert_eq!(
                get(uri).await.unwrap().status(),
                StatusCode::NOT_FOUND,
                "{uri}"
            );
        }
    }
}
