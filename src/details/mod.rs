//! The parcel details: status header, progress stepper, pickup point (or last position) with its
//! map, and the timeline, for one shipment of the core model.
//!
//! # Contract with the widget's flow
//!
//! ```ignore
//! view! { <ShipmentDetails shipment locale tiles /> }
//! ```
//!
//! - `shipment: Shipment` and `locale: Locale` are plain values, not signals: a new answer or a
//!   language switch mounts the view again. Reactive props would turn every label into a render
//!   effect, and each costs wasm: plain values keep the details about half the size. Only what
//!   changes by itself is reactive (relative times, the copy feedback, "show all", the map).
//! - `tiles` (optional): the map's tile URL template with `{z}`, `{x}`, `{y}` (and `{s}`, read as
//!   `a`), from the widget's `tiles` option; blank or absent means OpenStreetMap's, `off` no map.
//!   `tile_attribution` (optional) replaces the OpenStreetMap credit for other tile sources.
//! - The theme needs no prop: `style/theme.css` reads the host element's `theme` attribute
//!   (`light`, `dark`, absent or `auto` following `prefers-color-scheme`).
//!
//! Carrier text reaches the DOM only as text nodes and attribute values, never as HTML.

pub(crate) mod header;
mod hours;
pub(crate) mod icons;
mod map;
mod pickup;
mod progress;
mod timeline;

use std::time::Duration;

use leptos::prelude::*;
use trackline_core::carrier::consumer_words;
use trackline_core::model::{Carrier, Location, Shipment, TrackingEvent};

use crate::format::now_millis;
use crate::i18n::{tr_args, Locale};
#[cfg(trackline_split)]
use crate::later::{self, ModuleUnavailable};

pub use hours::{opening_state, OpeningState};
pub use map::{tile_url, world_position, Marker};
pub(crate) use timeline::COLLAPSED_EVENTS;

/// OpenStreetMap's standard tiles: free for light use with the attribution shown, and no cookies.
pub const DEFAULT_TILES: &str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png";
/// The `tiles` value for no map at all: no tile is asked of anyone, and the place's card keeps
/// its links to a full map and to directions.
pub const NO_MAP: &str = "off";

/// Where the map's tiles come from and whom to credit.
#[derive(Debug, Clone)]
pub struct MapConfig {
    pub template: String,
    /// `None`: the catalog's OpenStreetMap credit.
    pub attribution: Option<String>,
}

/// Everything the consumer sees about one shipment.
#[component]
pub fn ShipmentDetails(
    #[prop(into)] shipment: Shipment,
    #[prop(into)] locale: Locale,
    #[prop(optional, into)] tiles: MaybeProp<String>,
    #[prop(optional, into)] tile_attribution: MaybeProp<String>,
) -> impl IntoView {
    // Relative times ("5 minutes ago") age while the page stays open.
    let now = RwSignal::new(now_millis());
    if let Ok(handle) =
        set_interval_with_handle(move || now.set(now_millis()), Duration::from_secs(30))
    {
        on_cleanup(move || handle.clear());
    }
    let template = tiles
        .get_untracked()
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| DEFAULT_TILES.to_owned());
    let map = (!template.eq_ignore_ascii_case(NO_MAP)).then(|| MapConfig {
        template,
        attribution: tile_attribution.get_untracked().filter(|t| !t.is_empty()),
    });
    let now = now.read_only();
    // Carrier texts in a language the reader does not read stay out where they only repeat
    // the headline.
    let events = consumer_words::events_for_reader(&shipment, locale.tag());
    let header = header::status_header(&shipment, locale, now);
    let progress = progress::progress(&shipment, locale);
    let reserved = format!(
        "--tl-below-height:{}px",
        below_headline_height(&shipment, events.len(), map.is_some())
    );
    let below = LaterPart {
        shipment,
        locale,
        map,
        events,
        now,
    };
    view! {
        <article
            class="tl-details"
            part="details"
            data-testid="details"
            lang=locale.tag()
            dir=locale.dir()
        >
            {header}
            {progress}
            <div class="tl-below" style=reserved>
                {below_headline(below)}
            </div>
        </article>
    }
}

/// Whether anything the details show has coordinates: the pickup point, the last position or
/// an event's place (the map's markers, `pickup::markers`).
fn has_coordinates(shipment: &Shipment) -> bool {
    let located = |location: Option<&Location>| location.is_some_and(|l| l.coordinates.is_some());
    shipment
        .pickup_point
        .as_ref()
        .is_some_and(|point| point.coordinates.is_some())
        || located(shipment.last_location.as_ref())
        || shipment
            .events
            .iter()
            .any(|event| located(event.location.as_ref()))
}

/// The carrier's own tracking page for the shipment, where it has one.
fn carrier_page(shipment: &Shipment) -> Option<String> {
    crate::states::carrier_page(shipment.carrier, &shipment.tracking_number)
}

/// Whether the details show a place below the headline: the pickup point, else the last
/// position when anything has coordinates (`pickup::places`).
pub(crate) fn shows_place(shipment: &Shipment) -> bool {
    shipment.pickup_point.is_some() || has_coordinates(shipment)
}

/// About how tall the details below the headline will be, in CSS pixels. Their place is kept
/// while their module comes (after the headline, in a release build; `.tl-below:empty` in
/// style/details.css), so that their arrival moves the page below the widget by this estimate's
/// error rather than by their whole height. From their layout at the widget's default sizes,
/// which is about the same at any width (style/details-later.css, measured on the demo's
/// parcels): a pickup point's card with its hours about 280, a last position's card about 210,
/// the map in either 220, and the gap after the card 24; the timeline 60, about 70 for each event
/// it shows at first, 50 for its "show all" button and 40 for the link to the carrier's page.
/// `map`: whether the widget draws maps (`tiles` is not `off`).
pub(crate) fn below_headline_height(shipment: &Shipment, events: usize, map: bool) -> u32 {
    let map = if map && has_coordinates(shipment) {
        220
    } else {
        0
    };
    let place = if shipment.pickup_point.is_some() {
        280 + map + 24
    } else if has_coordinates(shipment) {
        210 + map + 24
    } else {
        0
    };
    let shown = events.min(COLLAPSED_EVENTS) as u32;
    let show_all = if events > COLLAPSED_EVENTS { 50 } else { 0 };
    let carrier_page = if shipment.carrier.has_public_tracking_page() {
        40
    } else {
        0
    };
    place + 60 + 70 * shown + show_all + carrier_page
}

/// The rules of the timeline, the pickup point and the map (style/details-later.css, minified by
/// build.rs): they come with the code that shows them, after the widget's stylesheet.
const LATER_STYLE: &str = include_str!(concat!(env!("OUT_DIR"), "/details-later.css"));

/// What the details show below the headline: the pickup point with its map and opening hours,
/// and the timeline. A release build fetches their code after the headline (crate::later).
#[derive(Clone)]
struct LaterPart {
    shipment: Shipment,
    locale: Locale,
    map: Option<MapConfig>,
    events: Vec<TrackingEvent>,
    now: ReadSignal<f64>,
}

fn later_part_view(part: LaterPart) -> AnyView {
    let LaterPart {
        shipment,
        locale,
        map,
        events,
        now,
    } = part;
    view! {
        <style>{LATER_STYLE}</style>
        {pickup::places(&shipment, locale, map)}
        {timeline::timeline(&events, locale, now, carrier_page(&shipment))}
    }
    .into_any()
}

/// The split point of a release build: what only this function reaches is the second module.
#[cfg(trackline_split)]
#[leptos::wasm_split::wasm_split(details, wasm_split_path = ::leptos::wasm_split, fallible)]
fn load_later_part(part: LaterPart) -> Result<AnyView, ModuleUnavailable> {
    Ok(later_part_view(part))
}

/// Below the headline: in a split build once its module is here (crate::later), in a build of
/// one module (development, tests) at once.
#[cfg(trackline_split)]
fn below_headline(part: LaterPart) -> AnyView {
    let locale = Signal::stored(part.locale);
    later::when_loaded(locale, move || load_later_part(part.clone())).into_any()
}

#[cfg(not(trackline_split))]
fn below_headline(part: LaterPart) -> AnyView {
    later_part_view(part)
}

/// The display name of a carrier: brand names stay as the carriers write them.
pub fn carrier_name(carrier: Carrier) -> &'static str {
    carrier.display_name()
}

/// A place in one line: its name, then its address lines.
pub fn place_text(location: &Location) -> String {
    location
        .name
        .iter()
        .chain(location.address_lines.iter())
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A translated sentence split around one placeholder, so that the placeholder's value can be
/// its own element (a `<time>` inside "Last update {time}") in whatever position the language
/// puts it.
pub(crate) fn tr_around(locale: Locale, key: &str, name: &str) -> (String, String) {
    const MARK: &str = "\u{1}";
    let text = tr_args(locale, key, &[(name, MARK)]);
    match text.split_once(MARK) {
        Some((before, after)) => (before.to_owned(), after.to_owned()),
        None => (text, String::new()),
    }
}

#[cfg(target_arch = "wasm32")]
mod dom {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen(inline_js = r#"
export function copyText(text, done) {
  const clipboard = navigator.clipboard;
  if (!clipboard) return done(false);
  clipboard.writeText(text).then(() => done(true), () => done(false));
}
export function observeVisible(element, callback) {
  if (!("IntersectionObserver" in window)) { callback(); return () => {}; }
  const observer = new IntersectionObserver((entries) => {
    if (entries.some((e) => e.isIntersecting)) { observer.disconnect(); callback(); }
  });
  observer.observe(element);
  return () => observer.disconnect();
}
"#)]
    extern "C" {
        #[wasm_bindgen(js_name = copyText)]
        pub fn copy_text(text: &str, done: &JsValue);
        /// Returns the function that stops observing.
        #[wasm_bindgen(js_name = observeVisible)]
        pub fn observe_visible(
            element: &web_sys::Element,
            callback: &Closure<dyn FnMut()>,
        ) -> js_sys::Function;
    }
}

/// Copies text to the clipboard and reports whether the browser allowed it (it refuses without
/// permission or on an insecure page).
pub(crate) fn copy_text(text: &str, done: impl FnOnce(bool) + 'static) {
    #[cfg(target_arch = "wasm32")]
    {
        let done = wasm_bindgen::closure::Closure::once_into_js(done);
        dom::copy_text(text, &done);
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = text;
        done(false);
    }
}

/// Calls `visible` once, when `element` first scrolls into view. When the current owner is
/// disposed first, the observer stops and the callback (with what it holds) is dropped: a map
/// never scrolled to keeps nothing alive once the widget is gone.
pub(crate) fn when_visible(element: &web_sys::Element, visible: impl FnOnce() + 'static) {
    #[cfg(target_arch = "wasm32")]
    {
        let mut visible = Some(visible);
        let callback = wasm_bindgen::closure::Closure::<dyn FnMut()>::new(move || {
            if let Some(visible) = visible.take() {
                visible();
            }
        });
        let stop = dom::observe_visible(element, &callback);
        let held = send_wrapper::SendWrapper::new((callback, stop));
        leptos::prelude::on_cleanup(move || {
            let (callback, stop) = held.take();
            let _ = stop.call0(&wasm_bindgen::JsValue::NULL);
            drop(callback);
        });
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = element;
        visible();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use trackline_core::model::{Coordinates, PickupPoint};

    fn at(latitude: f64) -> Coordinates {
        Coordinates {
            latitude,
            longitude: 19.9,
            radius_meters: None,
        }
    }

    fn point(coordinates: Option<Coordinates>) -> PickupPoint {
        PickupPoint {
            id: "KRA01M".into(),
            name: None,
            kinds: Vec::new(),
            address_lines: vec!["Krakowska 1".into()],
            coordinates,
            opening_hours: None,
            description: None,
            image_url: None,
        }
    }

    /// A parcel with nothing but its number, and the same with a pickup point without and with
    /// coordinates.
    fn bare_and_pickup_points() -> (Shipment, Shipment, Shipment) {
        let bare = Shipment::new(Carrier::Inpost, "520000011395200025009871");
        let mut without_map = bare.clone();
        without_map.pickup_point = Some(point(None));
        let mut with_map = bare.clone();
        with_map.pickup_point = Some(point(Some(at(50.0))));
        (bare, without_map, with_map)
    }

    #[test]
    fn the_place_is_shown_exactly_when_there_is_a_pickup_point_or_a_marker() {
        let (bare, without_map, with_map) = bare_and_pickup_points();
        let mut last_position = bare.clone();
        last_position.last_location = Some(Location {
            coordinates: Some(at(52.0)),
            ..Location::default()
        });
        for (shipment, place, map) in [
            (&bare, false, false),
            (&without_map, true, false),
            (&with_map, true, true),
            (&last_position, true, true),
        ] {
            assert_eq!(shows_place(shipment), place, "{shipment:?}");
            // The map has markers exactly when something has coordinates.
            assert_eq!(has_coordinates(shipment), map, "{shipment:?}");
            assert_eq!(!pickup::markers(shipment).is_empty(), map, "{shipment:?}");
        }
    }

    #[test]
    fn the_kept_place_grows_with_what_the_details_will_show() {
        let (bare, without_map, with_map) = bare_and_pickup_points();
        let height = |shipment: &Shipment, events| below_headline_height(shipment, events, true);
        let timeline_only = height(&bare, 2);
        assert!(height(&without_map, 2) > timeline_only);
        assert!(height(&with_map, 2) > height(&without_map, 2));
        // Without maps (`tiles="off"`) a place with coordinates keeps only its card's height.
        assert_eq!(
            below_headline_height(&with_map, 2, false),
            height(&without_map, 2)
        );
        // Events beyond those the timeline shows at first add only the "show all" button.
        assert!(height(&bare, COLLAPSED_EVENTS) > timeline_only);
        assert_eq!(
            height(&bare, COLLAPSED_EVENTS + 1),
            height(&bare, COLLAPSED_EVENTS + 9)
        );
    }
}
