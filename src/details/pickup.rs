//! Where the parcel is to be collected, or was last seen: a card with the place in words, its
//! opening state, links to a full map and to directions, and the widget's own map.

use leptos::prelude::*;
use trackline_core::model::{Coordinates, OpeningHours, PickupPoint, Shipment};

use super::hours::{opening_state, point_zone, weekday_key, OpeningState};
use super::map::{Map, Marker};
use super::{place_text, MapConfig};
use crate::format::now_millis;
use crate::i18n::{tr, tr_args, Locale};

/// Percent-encodes a query value (RFC 3986 unreserved characters kept).
fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// "Open in map": OpenStreetMap centred on the place with a marker, or a search for the address.
pub fn map_link(coordinates: Option<Coordinates>, address: &str) -> String {
    match coordinates {
        Some(c) => format!(
            "https://www.openstreetmap.org/?mlat={lat:.6}&mlon={lon:.6}#map=17/{lat:.6}/{lon:.6}",
            lat = c.latitude,
            lon = c.longitude
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
            "https://www.openstreetmap.org/directions?to={:.6}%2C{:.6}",
            c.latitude, c.longitude
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

#[component]
pub fn Places(shipment: Signal<Shipment>, locale: Signal<Locale>, map: MapConfig) -> impl IntoView {
    move || {
        shipment.with(|s| {
            let markers = markers(s);
            if let Some(point) = &s.pickup_point {
                let zone = point_zone(s.carrier);
                Some(view! { <PointCard point=point.clone() markers zone locale map /> }.into_any())
            } else if !markers.is_empty() {
                let place = s.last_location.as_ref().map(place_text).unwrap_or_default();
                Some(view! { <PositionCard place markers locale map /> }.into_any())
            } else {
                None
            }
        })
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

fn links(
    locale: Signal<Locale>,
    coordinates: Option<Coordinates>,
    address: String,
) -> impl IntoView {
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
                {move || tr(locale.get(), "pickup.directions")}
            </a>
            <a class="tl-link" href=open target="_blank" rel="noopener noreferrer" data-testid="map-link">
                {move || tr(locale.get(), "pickup.open_in_map")}
            </a>
        </p>
    }
}

#[component]
fn PointCard(
    point: PickupPoint,
    markers: Vec<Marker>,
    zone: trackline_core::time::EuZone,
    locale: Signal<Locale>,
    map: MapConfig,
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
        let raw = match &hours {
            OpeningHours::AlwaysOpen { raw }
            | OpeningHours::Weekly { raw, .. }
            | OpeningHours::Raw { raw } => raw.clone(),
        };
        let state = move || {
            opening_state(&hours, now_millis() as i64, zone)
                .map(|state| opening_text(locale.get(), state))
        };
        view! {
            <p class="tl-hours" data-testid="opening-state">
                {move || state().unwrap_or_else(|| tr(locale.get(), "pickup.hours"))}
            </p>
            <p class="tl-muted tl-hours-raw" data-testid="opening-hours">{raw}</p>
        }
    });
    let map_view = (!markers.is_empty())
        .then(|| view! { <Map markers label=label.clone() zoom=16 config=map locale /> });
    view! {
        <section class="tl-place" part="pickup" data-testid="pickup" aria-labelledby="tl-place-title">
            <h3 class="tl-section-title" id="tl-place-title">
                {move || tr(locale.get(), "pickup.title")}
            </h3>
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

#[component]
fn PositionCard(
    place: String,
    markers: Vec<Marker>,
    locale: Signal<Locale>,
    map: MapConfig,
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
            .map(|m| format!("{:.5}, {:.5}", m.latitude, m.longitude))
            .unwrap_or_default()
    } else {
        place.clone()
    };
    view! {
        <section class="tl-place" part="position" data-testid="position" aria-labelledby="tl-place-title">
            <h3 class="tl-section-title" id="tl-place-title">
                {move || tr(locale.get(), "pickup.last_seen")}
            </h3>
            <p class="tl-place-name" data-testid="position-name">{label.clone()}</p>
            <Map markers label=label.clone() zoom=13 config=map locale />
            {links(locale, coordinates, label)}
        </section>
    }
}
