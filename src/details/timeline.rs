//! The timeline: events newest first, grouped by the consumer's calendar day, collapsed after a
//! few behind "show all". Carrier words are rendered as text nodes only.

use leptos::prelude::*;
use trackline_core::model::{NoticeChannel, TrackingEvent};

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

/// The headline of an event: the normalized status in the reader's words, or, for a message the
/// carrier sent the consignee, that they were notified and how (a notice is not a status, so it
/// never reads "Status unknown").
pub fn event_title(event: &TrackingEvent, locale: Locale) -> String {
    match &event.notice {
        Some(notice) => tr(
            locale,
            match notice.channel {
                Some(NoticeChannel::Email) => "timeline.notified_email",
                Some(NoticeChannel::Sms) => "timeline.notified_sms",
                None => "timeline.notified",
            },
        ),
        None => tr(locale, &format!("status.{}", event.status.as_str())),
    }
}

/// Compares two texts as a reader would: case, surrounding space and a final full stop aside.
fn same_words(a: &str, b: &str) -> bool {
    let plain = |text: &str| {
        text.trim()
            .trim_end_matches(['.', '!'])
            .trim()
            .to_lowercase()
    };
    plain(a) == plain(b)
}

/// The carrier's words under the headline: its status text and detail, each once, and neither
/// when it only repeats the headline (a carrier that writes "Delivered" under "Delivered").
pub fn event_text(event: &TrackingEvent, title: &str) -> Option<String> {
    let mut words: Vec<&str> = Vec::new();
    for text in [
        event.carrier_status.text.as_deref(),
        event.detail.as_deref(),
    ]
    .into_iter()
    .flatten()
    .map(str::trim)
    {
        if !text.is_empty()
            && !same_words(text, title)
            && !words.iter().any(|known| same_words(known, text))
        {
            words.push(text);
        }
    }
    (!words.is_empty()).then(|| words.join(" · "))
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
    let title = event_title(event, locale);
    let text = event_text(event, &title);
    let notice = event.notice.is_some().then_some("true");
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
        <li class="tl-event" data-status=status.as_str() data-notice=notice data-testid="event">
            <time class="tl-event-time" datetime=iso>{time}</time>
            <div class="tl-event-body">
                <p class="tl-event-title" data-testid="event-title">{title}</p>
                {text.map(|text| view! { <p class="tl-event-text" data-testid="event-text">{text}</p> })}
                {place.map(|place| view! { <p class="tl-event-place">{place}</p> })}
            </div>
        </li>
    }
}

/// One day of the shown events: where it starts in the whole list (its key, with the day),
/// and the indices of its events.
#[derive(Debug, Clone, PartialEq)]
struct ShownDay {
    start: usize,
    day: Option<i64>,
    events: Vec<usize>,
}

/// `carrier_page`: the carrier's own tracking page for the parcel, where it has one: linked below
/// the events, for what the carrier shows beyond them.
pub fn timeline(
    events: &[TrackingEvent],
    locale: Locale,
    now: ReadSignal<f64>,
    carrier_page: Option<String>,
) -> impl IntoView {
    let total = events.len();
    let expanded = RwSignal::new(false);
    let events = StoredValue::new(events.to_vec());
    // The days and events shown: "show all" adds to them and "show less" takes away, and the
    // keyed lists below keep every element that stays (nothing is rebuilt).
    let shown = Memo::new(move |_| {
        let limit = if expanded.get() {
            usize::MAX
        } else {
            COLLAPSED_EVENTS
        };
        events.with_value(|events| {
            let mut start = 0;
            group_by_day(events.iter().take(limit))
                .into_iter()
                .map(|(day, members)| {
                    let indices = (start..start + members.len()).collect();
                    let shown = ShownDay {
                        start,
                        day,
                        events: indices,
                    };
                    start += members.len();
                    shown
                })
                .collect::<Vec<_>>()
        })
    });
    let day_view = move |day: ShownDay| {
        let key = day.start;
        // "Today" and "yesterday" are decided when the day is first shown; they do not tick.
        let heading = events.with_value(|events| match (day.day, events[key].time) {
            (Some(_), Some(t)) => day_heading(locale, t.unix_millis() as f64, now.get_untracked()),
            _ => tr(locale, "timeline.time_unknown"),
        });
        let members = move || {
            shown.with(|days| {
                days.iter()
                    .find(|shown| shown.start == key)
                    .map(|shown| shown.events.clone())
                    .unwrap_or_default()
            })
        };
        view! {
            <li class="tl-day">
                <h4 class="tl-day-title">{heading}</h4>
                <ol class="tl-events">
                    <For
                        each=members
                        key=|index| *index
                        children=move |index| events.with_value(|events| event_view(&events[index], locale))
                    />
                </ol>
            </li>
        }
    };
    let list = move || {
        if total == 0 {
            return view! {
                <p class="tl-muted" data-testid="timeline-empty">{tr(locale, "timeline.empty")}</p>
            }
            .into_any();
        }
        view! {
            <ol class="tl-days" id="tl-timeline-list" data-testid="timeline">
                <For each=move || shown.get() key=|day| (day.start, day.day) children=day_view />
            </ol>
        }
        .into_any()
    };
    let toggle = (total > COLLAPSED_EVENTS).then(|| {
        let show_all = tr_args(
            locale,
            "timeline.show_all",
            &[("count", &number(locale, total as f64))],
        );
        let show_less = tr(locale, "timeline.show_less");
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
                {move || if expanded.get() { show_less.clone() } else { show_all.clone() }}
            </button>
        }
    });
    view! {
        <section class="tl-timeline" part="timeline" aria-labelledby="tl-timeline-title">
            <h3 class="tl-section-title" id="tl-timeline-title">{tr(locale, "timeline.title")}</h3>
            {list}
            {toggle}
            {carrier_page.map(|href| view! {
                <p class="tl-carrier-page">
                    <a class="tl-link" data-testid="carrier-page" href=href target="_blank" rel="noopener noreferrer">
                        {tr(locale, "timeline.carrier_page")}
                    </a>
                </p>
            })}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use trackline_core::model::{CarrierStatus, Notice};
    use trackline_core::status::Status;

    fn event(status: Status, text: Option<&str>, detail: Option<&str>) -> TrackingEvent {
        TrackingEvent {
            time: None,
            status,
            carrier_status: CarrierStatus::new("011", text.map(str::to_owned)),
            detail: detail.map(str::to_owned),
            location: None,
            destination: None,
            source: None,
            notice: None,
        }
    }

    #[test]
    fn a_text_that_repeats_the_headline_is_shown_once() {
        let ready = event(Status::ReadyForPickup, Some("Ready for pickup."), None);
        let title = event_title(&ready, Locale::En);
        assert_eq!(title, "Ready for pickup");
        assert_eq!(event_text(&ready, &title), None);
        let more = event(
            Status::Delivered,
            Some("Delivered"),
            Some("Left at the door"),
        );
        assert_eq!(
            event_text(&more, "Delivered").as_deref(),
            Some("Left at the door")
        );
        let twice = event(Status::Delivered, Some("Levert"), Some(" levert "));
        assert_eq!(event_text(&twice, "Delivered").as_deref(), Some("Levert"));
    }

    #[test]
    fn a_notice_reads_as_a_notice_by_its_channel_never_as_an_unknown_status() {
        let mut notified = event(Status::Unknown, Some("Consignee notified"), None);
        for (channel, words) in [
            (Some("EMAIL"), "You were notified by e-mail"),
            (Some("SMS"), "You were notified by SMS"),
            (None, "You were notified"),
            (Some("PUSH"), "You were notified"),
        ] {
            notified.notice = Some(Notice::by(channel));
            assert_eq!(event_title(&notified, Locale::En), words);
        }
        assert_ne!(
            event_title(&notified, Locale::En),
            tr(Locale::En, "status.unknown")
        );
    }
}
