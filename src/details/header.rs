//! The status header: what is happening, in words and with an icon; who carries it and by which
//! number (with a copy button); when the carrier expects to deliver; when the carrier last said
//! anything.

use std::time::Duration;

use leptos::prelude::*;
use trackline_core::carrier::consumer_words::explanation_variant;
use trackline_core::model::{EstimatedDelivery, Shipment};
use trackline_core::status::Status;

use super::{carrier_name, copy_text, icons, tr_around};
use crate::format::{date_range, date_time, relative_time, DateStyle};
use crate::i18n::{tr, tr_args, Locale};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Copy {
    Idle,
    Done,
    Failed,
}

pub fn status_header(shipment: &Shipment, locale: Locale, now: ReadSignal<f64>) -> impl IntoView {
    let status = shipment.status.as_str();
    let number = shipment.tracking_number.clone();
    let copied = RwSignal::new(Copy::Idle);
    let copy = {
        let number = number.clone();
        move |_| {
            copy_text(&number, move |ok| {
                copied.try_set(if ok { Copy::Done } else { Copy::Failed });
                set_timeout(
                    move || {
                        copied.try_set(Copy::Idle);
                    },
                    Duration::from_secs(3),
                );
            })
        }
    };
    // The carrier's last word: its own update time, else the newest event's.
    let updated = shipment
        .last_update
        .or_else(|| shipment.events.iter().find_map(|e| e.time))
        .map(|t| {
            let millis = t.unix_millis() as f64;
            let (before, after) = tr_around(locale, "header.last_update", "time");
            let exact = date_time(locale, millis, DateStyle::Full);
            view! {
                <p class="tl-updated" data-testid="last-update">
                    {before}
                    <span class="tl-reltime-wrap">
                        <time
                            class="tl-reltime"
                            datetime=t.to_string()
                            tabindex="0"
                            title=exact.clone()
                            aria-describedby="tl-updated-exact"
                            data-testid="last-update-relative"
                        >
                            {move || relative_time(locale, millis, now.get())}
                        </time>
                        <span class="tl-tip" role="tooltip" id="tl-updated-exact" data-testid="last-update-exact">
                            {exact}
                        </span>
                    </span>
                    {after}
                </p>
            }
        });

    // What the status means for the consumer, in their words, under the headline.
    let explanation = {
        let key = format!("explain.{status}");
        let key = match explanation_variant(shipment.carrier, shipment.status).suffix() {
            Some(suffix) => format!("{key}.{suffix}"),
            None => key,
        };
        tr(locale, &key)
    };

    let last_seen = last_seen(shipment, locale, now);
    let explanation = last_seen.is_none().then(|| {
        view! { <p class="tl-status-explanation" data-testid="status-explanation">{explanation}</p> }
    });
    let title = match last_seen {
        Some(last_seen) => last_seen.into_any(),
        None => tr(locale, &format!("status.{status}")).into_any(),
    };

    let estimate = shipment
        .estimate_to_show()
        .map(|estimate| estimated_delivery(estimate, locale));

    view! {
        <header class="tl-status" part="status" data-status=status>
            <div class="tl-status-main" aria-live="polite" data-testid="status">
                <span class="tl-status-icon" aria-hidden="true">
                    <svg viewBox="0 0 24 24" width="24" height="24" focusable="false">
                        <path d=icons::status_path(shipment.status) />
                    </svg>
                </span>
                <h2 class="tl-status-title" data-testid="status-title">{title}</h2>
            </div>
            {explanation}
            {estimate}
            {updated}
            <dl class="tl-facts" part="facts">
                <div class="tl-fact">
                    <dt>{tr(locale, "header.carrier")}</dt>
                    <dd data-testid="carrier">{carrier_name(shipment.carrier)}</dd>
                </div>
                <div class="tl-fact">
                    <dt>{tr(locale, "header.tracking_number")}</dt>
                    <dd class="tl-number-row">
                        <span class="tl-number" data-testid="details-tracking-number">
                            {number.clone()}
                        </span>
                        <button
                            type="button"
                            class="tl-button tl-copy"
                            part="button"
                            data-testid="copy-number"
                            aria-label=tr_args(locale, "header.copy_label", &[("number", &number)])
                            on:click=copy
                        >
                            {tr(locale, "header.copy")}
                        </button>
                        <span class="tl-copy-feedback" role="status" data-testid="copy-feedback">
                            {move || match copied.get() {
                                Copy::Idle => String::new(),
                                Copy::Done => tr(locale, "header.copied"),
                                Copy::Failed => tr(locale, "header.copy_failed"),
                            }}
                        </span>
                    </dd>
                </div>
            </dl>
        </header>
    }
}

/// For a thing that has positions rather than a delivery status (a TrackOnline load carrier):
/// where and when it was last seen ("Last seen at Cross-dock Utrecht, 2 hours ago"), the time
/// relative and ageing. `None` when the status is known or nothing tells where it was.
/// Where and when a thing with positions rather than a delivery status was last seen.
pub(crate) struct LastSeen {
    pub place: Option<String>,
    pub time: trackline_core::time::Timestamp,
}

impl LastSeen {
    /// `None` when the status is known or nothing tells where the thing was.
    pub(crate) fn of(shipment: &Shipment) -> Option<LastSeen> {
        if shipment.status != Status::Unknown {
            return None;
        }
        let place = shipment
            .last_location
            .as_ref()
            .and_then(|l| l.name.clone().or_else(|| l.id.clone()))
            .filter(|name| !name.trim().is_empty());
        if place.is_none() && shipment.trail.is_empty() {
            return None;
        }
        let time = shipment
            .last_update
            .or_else(|| shipment.trail.last().and_then(|p| p.time))?;
        Some(LastSeen { place, time })
    }
}

fn last_seen(
    shipment: &Shipment,
    locale: Locale,
    now: ReadSignal<f64>,
) -> Option<impl IntoView + use<>> {
    let LastSeen { place, time } = LastSeen::of(shipment)?;
    let millis = time.unix_millis() as f64;
    let (before, after) = match &place {
        Some(place) => tr_around_with(locale, "header.last_seen_at", "time", ("place", place)),
        None => tr_around(locale, "header.last_seen", "time"),
    };
    Some(view! {
        <span data-testid="last-seen">
            {before}
            <time datetime=time.to_string() title=date_time(locale, millis, DateStyle::Full)>
                {move || relative_time(locale, millis, now.get())}
            </time>
            {after}
        </span>
    })
}

/// [`tr_around`] for a sentence with one more placeholder filled in.
fn tr_around_with(locale: Locale, key: &str, name: &str, other: (&str, &str)) -> (String, String) {
    const MARK: &str = "\u{1}";
    let text = tr_args(locale, key, &[(name, MARK), other]);
    match text.split_once(MARK) {
        Some((before, after)) => (before.to_owned(), after.to_owned()),
        None => (text, String::new()),
    }
}

/// "Estimated delivery: Saturday, 22 November" or, for a window, "…: 21–23 Nov". A delivery date
/// is a day, so no time of day is shown; the machine-readable times stay in `datetime` and
/// `data-earliest`/`data-latest`. The day is the consumer's, like every other date here: a
/// carrier writing midnight UTC for a Dutch delivery date still means that Dutch day.
fn estimated_delivery(estimate: &EstimatedDelivery, locale: Locale) -> impl IntoView {
    let (before, after) = tr_around(locale, "header.estimated_delivery", "date");
    let when = match *estimate {
        EstimatedDelivery::Point { time } => view! {
            <time class="tl-eta-date" datetime=time.to_string() data-testid="estimated-delivery-date">
                {date_time(locale, time.unix_millis() as f64, DateStyle::Day)}
            </time>
        }
        .into_any(),
        EstimatedDelivery::Window { earliest, latest } => view! {
            // One phrase for the span; the two ends stay readable for scripts.
            <span
                class="tl-eta-date"
                data-earliest=earliest.to_string()
                data-latest=latest.to_string()
                data-testid="estimated-delivery-date"
            >
                {date_range(locale, earliest.unix_millis() as f64, latest.unix_millis() as f64)}
            </span>
        }
        .into_any(),
    };
    view! {
        <p class="tl-eta" part="estimated-delivery" data-testid="estimated-delivery">
            {before}
            {when}
            {after}
        </p>
    }
}
