//! The timeline: events newest first, grouped by the consumer's calendar day, collapsed after a
//! few behind "show all". Carrier words are rendered as text nodes only.

use leptos::prelude::*;
use trackline_core::model::{Shipment, TrackingEvent};

use super::place_text;
use crate::format::{date_time, day_heading, local_day, number, DateStyle};
use crate::i18n::{tr, tr_args, Locale};

/// Events shown before "show all": enough for the recent story, short enough for a phone.
pub const COLLAPSED_EVENTS: usize = 4;

/// Consecutive events of the same local day, in the given (newest first) order; events without a
/// time form their own group, keyed `None`.
pub fn group_by_day<'a>(
    events: impl IntoIterator<Item = &'a TrackingEvent>,
) -> Vec<(Option<i64>, Vec<&'a TrackingEvent>)> {
    let mut groups: Vec<(Option<i64>, Vec<&TrackingEvent>)> = Vec::new();
    for event in events {
        let day = event.time.map(|t| local_day(t.unix_millis() as f64));
        match groups.last_mut() {
            Some((last, members)) if *last == day => members.push(event),
            _ => groups.push((day, vec![event])),
        }
    }
    groups
}

fn event_view(event: &TrackingEvent, locale: Locale) -> impl IntoView + use<> {
    let status = event.status;
    let (time, iso) = match event.time {
        Some(t) => (
            date_time(locale, t.unix_millis() as f64, DateStyle::Time),
            Some(t.to_string()),
        ),
        None => (tr(locale, "timeline.time_unknown"), None),
    };
    let mut words: Vec<String> = Vec::new();
    if let Some(text) = event.carrier_status.text.as_deref().map(str::trim) {
        if !text.is_empty() {
            words.push(text.to_owned());
        }
    }
    if let Some(detail) = event.detail.as_deref().map(str::trim) {
        if !detail.is_empty() && !words.iter().any(|w| w == detail) {
            words.push(detail.to_owned());
        }
    }
    let text = (!words.is_empty()).then(|| words.join(" · "));
    let mut place = event.location.as_ref().map(place_text).unwrap_or_default();
    if let Some(destination) = event.destination.as_ref().map(place_text) {
        if !destination.is_empty() {
            let to = tr_args(locale, "timeline.to", &[("place", &destination)]);
            place = if place.is_empty() {
                to
            } else {
                format!("{place} → {to}")
            };
        }
    }
    let place = (!place.is_empty()).then_some(place);
    view! {
        <li class="tl-event" data-status=status.as_str() data-testid="event">
            <time class="tl-event-time" datetime=iso>{time}</time>
            <div class="tl-event-body">
                <p class="tl-event-title">{tr(locale, &format!("status.{}", status.as_str()))}</p>
                {text.map(|text| view! { <p class="tl-event-text" data-testid="event-text">{text}</p> })}
                {place.map(|place| view! { <p class="tl-event-place">{place}</p> })}
            </div>
        </li>
    }
}

#[component]
pub fn Timeline(
    shipment: Signal<Shipment>,
    locale: Signal<Locale>,
    now: Signal<f64>,
) -> impl IntoView {
    let expanded = RwSignal::new(false);
    let total = move || shipment.with(|s| s.events.len());
    let list = move || {
        let locale = locale.get();
        let now = now.get();
        let limit = if expanded.get() {
            usize::MAX
        } else {
            COLLAPSED_EVENTS
        };
        shipment.with(|s| {
            if s.events.is_empty() {
                return view! {
                    <p class="tl-muted" data-testid="timeline-empty">{tr(locale, "timeline.empty")}</p>
                }
                .into_any();
            }
            let days = group_by_day(s.events.iter().take(limit))
                .into_iter()
                .map(|(day, events)| {
                    let heading = match (day, events[0].time) {
                        (Some(_), Some(t)) => day_heading(locale, t.unix_millis() as f64, now),
                        _ => tr(locale, "timeline.time_unknown"),
                    };
                    let events = events.into_iter().map(|e| event_view(e, locale)).collect_view();
                    view! {
                        <li class="tl-day">
                            <h4 class="tl-day-title">{heading}</h4>
                            <ol class="tl-events">{events}</ol>
                        </li>
                    }
                })
                .collect_view();
            view! { <ol class="tl-days" id="tl-timeline-list" data-testid="timeline">{days}</ol> }
                .into_any()
        })
    };
    let toggle = move || {
        let total = total();
        (total > COLLAPSED_EVENTS).then(|| {
            view! {
                <button
                    type="button"
                    class="tl-button tl-link-button"
                    part="button"
                    data-testid="timeline-toggle"
                    aria-expanded=move || expanded.get().to_string()
                    aria-controls="tl-timeline-list"
                    on:click=move |_| expanded.update(|e| *e = !*e)
                >
                    {move || {
                        let locale = locale.get();
                        if expanded.get() {
                            tr(locale, "timeline.show_less")
                        } else {
                            tr_args(
                                locale,
                                "timeline.show_all",
                                &[("count", &number(locale, total as f64))],
                            )
                        }
                    }}
                </button>
            }
        })
    };
    view! {
        <section class="tl-timeline" part="timeline" aria-labelledby="tl-timeline-title">
            <h3 class="tl-section-title" id="tl-timeline-title">
                {move || tr(locale.get(), "timeline.title")}
            </h3>
            {list}
            {toggle}
        </section>
    }
}
