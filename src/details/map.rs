//! A small slippy map drawn by the widget itself: Web Mercator raster tiles as `<img>` elements
//! in a clipped box, markers on top, zoom buttons and keyboard panning. No map library (they
//! weigh more than the whole widget) and no cookies: tiles are plain image requests.
//!
//! Tiles are requested only once the map scrolls into view. A tile that fails is removed rather
//! than left as a broken image; when none loads, a note says so, and the card's address and links
//! (the map's text alternative) still work.

use std::collections::HashSet;

use leptos::prelude::*;

use super::{when_visible, MapConfig};
use crate::i18n::{tr, tr_args, Locale};

/// Tile edge in CSS pixels.
pub const TILE: f64 = 256.0;
/// The map's height in CSS pixels; `.tl-map` in `style/details.css` has the same.
pub const HEIGHT: f64 = 220.0;
const MIN_ZOOM: u8 = 2;
const MAX_ZOOM: u8 = 18;
/// How far one arrow key moves the map, in CSS pixels.
const PAN_STEP: f64 = 64.0;

/// A point on the map.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Marker {
    pub latitude: f64,
    pub longitude: f64,
    /// The place the map is about (pickup point, last position); others are smaller dots.
    pub primary: bool,
}

/// Web Mercator position of a coordinate, as fractions of the world's width and height
/// (0,0 top left), independent of the zoom.
pub fn world_position(latitude: f64, longitude: f64) -> (f64, f64) {
    // Mercator is undefined at the poles; tiles stop at ±85.0511°.
    let lat = latitude.clamp(-85.051_128, 85.051_128).to_radians();
    let x = (longitude + 180.0) / 360.0;
    let y = (1.0 - ln(tan(lat) + 1.0 / cos(lat)) / std::f64::consts::PI) / 2.0;
    (x, y)
}

// The browser's Math functions: Rust's own would compile libm into the wasm.
#[cfg(target_arch = "wasm32")]
use js_sys::Math::{cos, log as ln, tan};
#[cfg(not(target_arch = "wasm32"))]
fn tan(x: f64) -> f64 {
    x.tan()
}
#[cfg(not(target_arch = "wasm32"))]
fn cos(x: f64) -> f64 {
    x.cos()
}
#[cfg(not(target_arch = "wasm32"))]
fn ln(x: f64) -> f64 {
    x.ln()
}

/// A CSS position in whole pixels. Integer formatting: `{:.1}` on floats would pull the float
/// formatting machinery into the wasm.
fn css_position(left: f64, top: f64) -> String {
    format!(
        "left:{}px;top:{}px",
        left.round() as i64,
        top.round() as i64
    )
}

/// A tile's URL from a template with `{z}`, `{x}`, `{y}` and optionally `{s}` (subdomain).
pub fn tile_url(template: &str, z: u8, x: i64, y: i64) -> String {
    template
        .replace("{z}", &z.to_string())
        .replace("{x}", &x.to_string())
        .replace("{y}", &y.to_string())
        .replace("{s}", "a")
}

/// The tiles covering a view `width` × [`HEIGHT`] pixels around `center` at zoom `z`, as
/// `(x, y)` tile numbers; `x` may run past the world's edge (wrapped when fetched).
pub fn tiles_in_view(center: (f64, f64), z: u8, width: f64) -> Vec<(i64, i64)> {
    let size = TILE * f64::from(1u32 << z);
    let (px, py) = (center.0 * size, center.1 * size);
    let last = (1i64 << z) - 1;
    let x0 = ((px - width / 2.0) / TILE).floor() as i64;
    let x1 = ((px + width / 2.0) / TILE).floor() as i64;
    let y0 = (((py - HEIGHT / 2.0) / TILE).floor() as i64).clamp(0, last);
    let y1 = (((py + HEIGHT / 2.0) / TILE).floor() as i64).clamp(0, last);
    (y0..=y1)
        .flat_map(|y| (x0..=x1).map(move |x| (x, y)))
        .collect()
}

/// The zoom at which every point fits a view `width` × [`HEIGHT`] pixels (with a margin), and
/// the centre of their bounds; `None` for fewer than two distinct points.
pub fn fit(points: &[(f64, f64)], width: f64) -> Option<((f64, f64), u8)> {
    let positions: Vec<(f64, f64)> = points
        .iter()
        .map(|&(latitude, longitude)| world_position(latitude, longitude))
        .collect();
    let (first, rest) = positions.split_first()?;
    let (mut x0, mut y0, mut x1, mut y1) = (first.0, first.1, first.0, first.1);
    for &(x, y) in rest {
        (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
    }
    if x0 == x1 && y0 == y1 {
        return None;
    }
    // A fifth of the view stays free around the points.
    let (room_x, room_y) = (width * 0.8, HEIGHT * 0.8);
    let zoom = (MIN_ZOOM..=15)
        .rev()
        .find(|&z| {
            let size = TILE * f64::from(1u32 << z);
            (x1 - x0) * size <= room_x && (y1 - y0) * size <= room_y
        })
        .unwrap_or(MIN_ZOOM);
    Some((((x0 + x1) / 2.0, (y0 + y1) / 2.0), zoom))
}

/// The trail's line as SVG `points`, in pixels from the view's centre.
fn polyline_points(pixels: &[(f64, f64)]) -> String {
    pixels
        .iter()
        .map(|(x, y)| format!("{},{}", x.round() as i64, y.round() as i64))
        .collect::<Vec<_>>()
        .join(" ")
}

#[component]
pub fn Map(
    markers: Vec<Marker>,
    /// What the map shows, in words: its accessible name.
    label: String,
    zoom: u8,
    config: MapConfig,
    locale: Locale,
    /// Where the thing has been, `(latitude, longitude)` oldest first: drawn as a line, its
    /// newest point marked. The map starts on the whole trail.
    #[prop(optional)]
    trail: Vec<(f64, f64)>,
) -> impl IntoView {
    let fitted = fit(&trail, 480.0);
    let start = fitted.map(|(centre, _)| centre).unwrap_or_else(|| {
        markers
            .iter()
            .find(|m| m.primary)
            .or(markers.first())
            .map(|m| world_position(m.latitude, m.longitude))
            .unwrap_or((0.5, 0.5))
    });
    let zoom = fitted.map_or(zoom, |(_, fitted)| fitted.min(zoom));
    let center = RwSignal::new(start);
    let zoom = RwSignal::new(zoom.clamp(MIN_ZOOM, MAX_ZOOM));
    let visible = RwSignal::new(false);
    let width = RwSignal::new(640.0);
    let failed = RwSignal::new(HashSet::<String>::new());
    let node = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        if let Some(element) = node.get() {
            let measured = element.clone();
            when_visible(&element, move || {
                width.try_set(f64::from(measured.client_width().max(1)));
                visible.try_set(true);
            });
        }
    });

    let wanted = Memo::new(move |_| {
        if !visible.get() {
            return Vec::new();
        }
        let z = zoom.get();
        tiles_in_view(center.get(), z, width.get())
            .into_iter()
            .map(|(x, y)| {
                (
                    z,
                    x,
                    y,
                    tile_url(&config.template, z, x.rem_euclid(1 << z), y),
                )
            })
            .collect::<Vec<_>>()
    });
    let all_failed = move || {
        let wanted = wanted.get();
        !wanted.is_empty() && failed.with(|f| wanted.iter().all(|(.., url)| f.contains(url)))
    };
    // Pixel offset of a world position from the view's centre, at the current zoom.
    let offset = move |(x, y): (f64, f64)| {
        let size = TILE * f64::from(1u32 << zoom.get());
        let (cx, cy) = center.get();
        ((x - cx) * size, (y - cy) * size)
    };
    let pan = move |dx: f64, dy: f64| {
        let size = TILE * f64::from(1u32 << zoom.get_untracked());
        center.update(|(x, y)| {
            *x = (*x + dx / size).rem_euclid(1.0);
            *y = (*y + dy / size).clamp(0.0, 1.0);
        });
    };
    let zoom_by = move |delta: i8| {
        zoom.update(|z| *z = (*z as i8 + delta).clamp(MIN_ZOOM as i8, MAX_ZOOM as i8) as u8)
    };
    let on_key = move |event: web_sys::KeyboardEvent| {
        match event.key().as_str() {
            "ArrowLeft" => pan(-PAN_STEP, 0.0),
            "ArrowRight" => pan(PAN_STEP, 0.0),
            "ArrowUp" => pan(0.0, -PAN_STEP),
            "ArrowDown" => pan(0.0, PAN_STEP),
            "+" | "=" => zoom_by(1),
            "-" | "_" => zoom_by(-1),
            // Other keys (Tab above all) keep their usual meaning.
            _ => return,
        }
        event.prevent_default();
    };

    // Keyed by tile: a pan that crosses a tile edge adds the tiles that came into view and
    // drops those that left; the others stay the same nodes, only moved.
    let shown_tiles = move || {
        wanted
            .get()
            .into_iter()
            .filter(|(.., url)| !failed.with(|f| f.contains(url)))
            .collect::<Vec<_>>()
    };
    let tile_view = move |(z, x, y, url): (u8, i64, i64, String)| {
        let failed_url = url.clone();
        let n = f64::from(1u32 << z);
        let style = move || {
            let (left, top) = offset((x as f64 / n, y as f64 / n));
            css_position(left, top)
        };
        view! {
            <img
                class="tl-tile"
                src=url
                alt=""
                draggable="false"
                data-testid="tile"
                data-tile=format!("{z}/{x}/{y}")
                style=style
                on:error=move |_| {
                    failed.update(|f| {
                        f.insert(failed_url.clone());
                    })
                }
            />
        }
    };
    let marker_views = markers
        .iter()
        .map(|m| {
            let position = world_position(m.latitude, m.longitude);
            let style = move || {
                let (l, t) = offset(position);
                css_position(l, t)
            };
            view! {
                <span
                    class="tl-marker"
                    data-primary=m.primary.then_some("true")
                    data-testid="marker"
                    style=style
                ></span>
            }
        })
        .collect_view();
    let trail_view = (!trail.is_empty()).then(|| {
        let positions: Vec<(f64, f64)> = trail
            .iter()
            .map(|&(latitude, longitude)| world_position(latitude, longitude))
            .collect();
        let newest = positions[positions.len() - 1];
        let count = positions.len();
        let points = move || {
            let pixels: Vec<(f64, f64)> = positions.iter().map(|&p| offset(p)).collect();
            polyline_points(&pixels)
        };
        let newest_style = move || {
            let (l, t) = offset(newest);
            css_position(l, t)
        };
        view! {
            <svg class="tl-trail" data-testid="trail" data-points=count.to_string() width="1" height="1">
                <polyline points=points />
            </svg>
            <span class="tl-trail-newest" data-testid="trail-newest" style=newest_style></span>
        }
    });
    let attribution = match config.attribution {
        Some(text) => view! { <span>{text}</span> }.into_any(),
        None => view! {
            <a href="https://www.openstreetmap.org/copyright" target="_blank" rel="noopener noreferrer">
                {tr(locale, "map.attribution")}
            </a>
        }
        .into_any(),
    };

    view! {
        <div class="tl-map-wrap" part="map" dir="ltr">
            <div
                class="tl-map"
                node_ref=node
                role="group"
                tabindex="0"
                data-testid="map"
                data-tiles=move || if all_failed() { "failed" } else { "ok" }
                aria-label=tr_args(locale, "map.label", &[("place", &label)])
                aria-describedby="tl-map-keys"
                on:keydown=on_key
            >
                <div class="tl-map-layer" aria-hidden="true">
                    <For each=shown_tiles key=|(z, x, y, _)| (*z, *x, *y) children=tile_view />
                    {trail_view}
                    {marker_views}
                </div>
                <p class="tl-sr" id="tl-map-keys">{tr(locale, "map.keys")}</p>
                {move || {
                    all_failed()
                        .then(|| {
                            view! {
                                <p class="tl-map-note" role="status" data-testid="map-unavailable">
                                    {tr(locale, "map.unavailable")}
                                </p>
                            }
                        })
                }}
            </div>
            <div class="tl-map-zoom">
                <button
                    type="button"
                    class="tl-button tl-icon-button"
                    part="button"
                    data-testid="zoom-in"
                    aria-label=tr(locale, "map.zoom_in")
                    disabled=move || { zoom.get() >= MAX_ZOOM }
                    on:click=move |_| zoom_by(1)
                >
                    "+"
                </button>
                <button
                    type="button"
                    class="tl-button tl-icon-button"
                    part="button"
                    data-testid="zoom-out"
                    aria-label=tr(locale, "map.zoom_out")
                    disabled=move || { zoom.get() <= MIN_ZOOM }
                    on:click=move |_| zoom_by(-1)
                >
                    "−"
                </button>
            </div>
            <p class="tl-map-attribution" data-testid="map-attribution">{attribution}</p>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn web_mercator_puts_null_island_in_the_middle_and_north_up() {
        let (x, y) = world_position(0.0, 0.0);
        assert!((x - 0.5).abs() < 1e-12 && (y - 0.5).abs() < 1e-12);
        let (_, north) = world_position(60.0, 10.0);
        assert!(north < 0.5);
        // Oslo at zoom 10 is tile 540/297, as every slippy map has it.
        let (x, y) = world_position(59.9139, 10.7522);
        assert_eq!(((x * 1024.0) as i64, (y * 1024.0) as i64), (542, 297));
    }

    #[test]
    fn a_trail_is_fitted_into_the_view_around_its_middle() {
        // Venlo to Amsterdam: about 150 km, a regional zoom.
        let trail = [(51.393, 6.155), (52.042, 5.103), (52.21, 4.98)];
        let ((x, y), zoom) = fit(&trail, 480.0).unwrap();
        assert!((7..=9).contains(&zoom), "{zoom}");
        let size = TILE * f64::from(1u32 << zoom);
        for (latitude, longitude) in trail {
            let (px, py) = world_position(latitude, longitude);
            assert!(((px - x) * size).abs() <= 240.0 && ((py - y) * size).abs() <= HEIGHT / 2.0);
        }
        assert_eq!(fit(&[(52.0, 5.0)], 480.0), None);
        assert_eq!(fit(&[(52.0, 5.0), (52.0, 5.0)], 480.0), None);
    }

    #[test]
    fn the_tile_template_is_filled_in() {
        assert_eq!(
            tile_url("https://{s}.tile.example/{z}/{x}/{y}.png", 3, 4, 5),
            "https://a.tile.example/3/4/5.png"
        );
    }

    #[test]
    fn the_view_is_covered_by_the_tiles_around_its_centre_and_stays_inside_the_world() {
        // The centre of the world at zoom 2: a 600 px view spans tiles 0..=3 across.
        let tiles = tiles_in_view((0.5, 0.5), 2, 600.0);
        assert!(tiles.contains(&(0, 1)) && tiles.contains(&(3, 2)));
        // At the top edge no row above 0 is asked for.
        let top = tiles_in_view((0.5, 0.0), 3, 300.0);
        assert!(top.iter().all(|&(_, y)| y >= 0));
    }
}
