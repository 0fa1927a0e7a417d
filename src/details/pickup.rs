//! Where the parcel is to be collected, or was last seen: a card with the place in words, its
//! opening state, links to a full map and to directions, and the widget's own map.

use leptos::prelude::*;
use trackline_core::carrier::percent_encode as encode;
use trackline_core::model::{Coordinates, OpeningHours, PickupPoint, Shipment};

use super::hours::{opening_state, point_zone, weekday_key, OpeningState};
use super::map::{Map, Marker};
use super::{place_text, MapConfig};
use crate::format::now_millis;
use crate::i18n::{tr, tr_args, Locale};

/// A coordinate with a fixed number of decimals, by integer arithmetic (float formatting would
/// add kilobytes of wasm for this one use).
pub fn fixed(value: f64, decimals: u32) -> String {
    let scale = 10i64.pow(decimals);
    let scaled = (value * scale as f64).round() as i64;
    let sign = if scaled < 0 { "-" } else { "" };
    let (whole, fraction) = (scaled.abs() / scale, scaled.abs() % scale);
    format!(
        "{sign}{whole}.{fraction:0width$}",
        width = decimals as usize
    )
}

/// "Open in map": OpenStreetMap centred on the place with a marker, or a search for the address.
pub fn map_link(coordinates: Option<Coordinates>, address: &str) -> String {
    match coordinates {
        Some(c) => format!(
            "https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=17/{lat}/{lon}",
            lat = fixed(c.latitude, 6),
            lon = fixed(c.longitude, 6)
        ),
        None => format!(
            "https://www.openstreetmap.org/search?query={}",
            encode(address)
        ),
    }
}

/// "Directions": a route to the place from wherever the consumer is (OpenStreetMap asks for the
/// start), by coordinates when known.
pub fn directions_link(coordinates: Option<Coordinates>, address: &str) -> String {
    match coordinates {
        Some(c) => format!(
            "https://www.openstreetmap.org/directions?to={}%2C{}",
            fixed(c.latitude, 6),
            fixed(c.longitude, 6)
        ),
        None => format!(
            "https://www.openstreetmap.org/directions?to={}",
            encode(address)
        ),
    }
}

/// Markers for a shipment: its pickup point, else its last known position, as the primary one;
/// then the distinct coordinates of its events.
pub fn markers(shipment: &Shipment) -> Vec<Marker> {
    let primary = shipment
        .pickup_point
        .as_ref()
        .and_then(|p| p.coordinates)
        .or_else(|| shipment.last_location.as_ref().and_then(|l| l.coordinates));
    let events = shipment
        .events
        .iter()
        .filter_map(|e| e.location.as_ref().and_then(|l| l.coordinates));
    let mut markers: Vec<Marker> = Vec::new();
    for (index, c) in primary
        .into_iter()
        .map(|c| (0, c))
        .chain(events.map(|c| (1, c)))
    {
        let seen = markers
            .iter()
            .any(|m| m.latitude == c.latitude && m.longitude == c.longitude);
        if !seen {
            markers.push(Marker {
                latitude: c.latitude,
                longitude: c.longitude,
                primary: index == 0 && markers.is_empty(),
            });
        }
    }
    markers
}

/// The name the newest event at a marker's coordinates gives the place, so that a position is
/// shown in words rather than as bare coordinates wherever a carrier named it.
fn named_place_at(shipment: &Shipment, marker: &Marker) -> Option<String> {
    shipment
        .events
        .iter()
        .filter_map(|e| e.location.as_ref())
        .find(|l| {
            l.coordinates
                .is_some_and(|c| c.latitude == marker.latitude && c.longitude == marker.longitude)
        })
        .map(place_text)
        .filter(|place| !place.is_empty())
}

/// `map`: `None` when the widget draws no map (`tiles="off"`).
pub fn places(shipment: &Shipment, locale: Locale, map: Option<MapConfig>) -> Option<AnyView> {
    if !super::shows_place(shipment) {
        return None;
    }
    let markers = markers(shipment);
    if let Some(point) = &shipment.pickup_point {
        let zone = point_zone(shipment.carrier);
        Some(point_card(point.clone(), markers, zone, locale, map).into_any())
    } else {
        // No pickup point, so something has coordinates (`shows_place`): the last position.
        let place = shipment
            .last_location
            .as_ref()
            .map(place_text)
            .filter(|place| !place.is_empty())
            .or_else(|| named_place_at(shipment, markers.first()?))
            .unwrap_or_default();
        let trail = shipment
            .trail
            .iter()
            .map(|p| (p.coordinates.latitude, p.coordinates.longitude))
            .collect();
        Some(position_card(place, markers, trail, locale, map).into_any())
    }
}

fn opening_text(locale: Locale, state: OpeningState) -> String {
    match state {
        OpeningState::AlwaysOpen => tr(locale, "pickup.always_open"),
        OpeningState::OpenUntil(time) => tr_args(locale, "pickup.open_now", &[("time", &time)]),
        OpeningState::OpensToday(time) => {
            tr_args(locale, "pickup.closed_opens_today", &[("time", &time)])
        }
        OpeningState::OpensOn(day, time) => tr_args(
            locale,
            "pickup.closed_opens_on",
            &[("day", &tr(locale, weekday_key(day))), ("time", &time)],
        ),
        OpeningState::Closed => tr(locale, "pickup.closed"),
    }
}

fn links(locale: Locale, coordinates: Option<Coordinates>, address: String) -> impl IntoView {
    let directions = directions_link(coordinates, &address);
    let open = map_link(coordinates, &address);
    view! {
        <p class="tl-links">
            <a
                class="tl-link"
                href=directions
                target="_blank"
                rel="noopener noreferrer"
                data-testid="directions-link"
            >
                {tr(locale, "pickup.directions")}
            </a>
            <a class="tl-link" href=open target="_blank" rel="noopener noreferrer" data-testid="map-link">
                {tr(locale, "pickup.open_in_map")}
            </a>
        </p>
    }
}

fn point_card(
    point: PickupPoint,
    markers: Vec<Marker>,
    zone: trackline_core::time::Zone,
    locale: Locale,
    map: Option<MapConfig>,
) -> impl IntoView {
    let name = point.name.clone().unwrap_or_else(|| point.id.clone());
    let address = point.address_lines.join(", ");
    let label = [name.as_str(), address.as_str()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(", ");
    let hours = point.opening_hours.clone();
    let hours_view = hours.map(|hours| {
        // Weekly hours are listed day by day in the reader's language; text the carrier wrote in
        // its own shorthand is shown only when it could not be read.
        let detail = match &hours {
            OpeningHours::AlwaysOpen { .. } => None,
            OpeningHours::Weekly { periods, .. } => {
                let periods = periods.clone();
                Some(
                    view! {
                        <details class="tl-hours-list" data-testid="opening-hours">
                            <summary>{tr(locale, "pickup.hours")}</summary>
                            <dl>
                                {periods
                                    .into_iter()
                                    .map(|p| {
                                        view! {
                                            <div class="tl-hours-day">
                                                <dt>{tr(locale, weekday_key(p.day))}</dt>
                                                <dd>{format!("{}–{}", p.opens, p.closes)}</dd>
                                            </div>
                                        }
                                    })
                                    .collect_view()}
                            </dl>
                        </details>
                    }
                    .into_any(),
                )
            }
            OpeningHours::Raw { raw } => Some(
                view! { <p class="tl-muted" data-testid="opening-hours">{raw.clone()}</p> }
                    .into_any(),
            ),
        };
        // Computed when the card renders: a page left open past closing time shows it stale,
        // which a reload mends; a ticking effect would cost more than it saves.
        let state = opening_state(&hours, now_millis() as i64, zone)
            .map(|state| opening_text(locale, state))
            .map(|state| view! { <p class="tl-hours" data-testid="opening-state">{state}</p> });
        view! {
            {state}
            {detail}
        }
    });
    let map_view = map
        .filter(|_| !markers.is_empty())
        .map(|config| view! { <Map markers label=label.clone() zoom=16 config locale /> });
    view! {
        <section class="tl-place" part="pickup" data-testid="pickup" aria-labelledby="tl-place-title">
            <h3 class="tl-section-title" id="tl-place-title">{tr(locale, "pickup.title")}</h3>
            <p class="tl-place-name" data-testid="pickup-name">{name}</p>
            <address class="tl-address" data-testid="pickup-address">
                {point.address_lines.into_iter().map(|line| view! { <span>{line}</span> }).collect_view()}
            </address>
            {point.description.map(|d| view! { <p class="tl-muted">{d}</p> })}
            {hours_view}
            {map_view}
            {links(locale, point.coordinates, label)}
        </section>
    }
}

fn position_card(
    place: String,
    markers: Vec<Marker>,
    trail: Vec<(f64, f64)>,
    locale: Locale,
    map: Option<MapConfig>,
) -> impl IntoView {
    let primary = markers
        .iter()
        .find(|m| m.primary)
        .or(markers.first())
        .copied();
    let coordinates = primary.map(|m| Coordinates {
        latitude: m.latitude,
        longitude: m.longitude,
        radius_meters: None,
    });
    let label = if place.is_empty() {
        primary
            .map(|m| format!("{}, {}", fixed(m.latitude, 5), fixed(m.longitude, 5)))
            .unwrap_or_default()
    } else {
        place.clone()
    };
    view! {
        <section class="tl-place" part="position" data-testid="position" aria-labelledby="tl-place-title">
            <h3 class="tl-section-title" id="tl-place-title">{tr(locale, "pickup.last_seen")}</h3>
            <p class="tl-place-name" data-testid="position-name">{label.clone()}</p>
            {map.map(|config| view! { <Map markers label=label.clone() zoom=13 config locale trail /> })}
            {links(locale, coordinates, label)}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coordinates_are_written_with_fixed_decimals() {
        assert_eq!(fixed(52.22977, 6), "52.229770");
        assert_eq!(fixed(-0.5, 2), "-0.50");
        assert_eq!(fixed(21.0000004, 6), "21.000000");
        assert_eq!(fixed(4.7626, 5), "4.76260");
    }

    #[test]
    fn links_point_at_the_coordinates_or_search_the_address() {
        let c = Coordinates {
            latitude: 50.061,
            longitude: 19.938,
            radius_meters: None,
        };
        assert_eq!(
            directions_link(Some(c), "x"),
            "https://www.openstreetmap.org/directions?to=50.061000%2C19.938000"
        );
        assert_eq!(
            map_link(None, "Rynek Główny 1, Kraków"),
            "https://www.openstreetmap.org/search?query=Rynek%20G%C5%82%C3%B3wny%201%2C%20Krak%C3%B3w"
        );
    }
}
