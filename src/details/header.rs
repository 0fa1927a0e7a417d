//! The status header: what is happening, in words and with an icon; who carries it and by which
//! number (with a copy button); when the carrier last said anything.

use std::time::Duration;

use leptos::prelude::*;
use trackline_core::model::Shipment;

use super::{carrier_name, copy_text, icons, tr_around};
use crate::format::{date_time, relative_time, DateStyle};
use crate::i18n::{tr, tr_args, Locale};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Copy {
    Idle,
    Done,
    Failed,
}

#[component]
pub fn StatusHeader(
    shipment: Signal<Shipment>,
    locale: Signal<Locale>,
    now: Signal<f64>,
) -> impl IntoView {
    let status = move || shipment.with(|s| s.status);
    let number = move || shipment.with(|s| s.tracking_number.clone());
    let copied = RwSignal::new(Copy::Idle);
    let copy = move |_| {
        copy_text(&number(), move |ok| {
            copied.try_set(if ok { Copy::Done } else { Copy::Failed });
            set_timeout(
                move || {
                    copied.try_set(Copy::Idle);
                },
                Duration::from_secs(3),
            );
        })
    };
    // The carrier's last word: its own update time, else the newest event's.
    let updated = move || {
        shipment.with(|s| {
            s.last_update
                .or_else(|| s.events.iter().find_map(|e| e.time))
                .map(|t| (t.unix_millis() as f64, t.to_string()))
        })
    };

    view! {
        <header class="tl-status" part="status" data-status=move || status().as_str()>
            <div class="tl-status-main" aria-live="polite" data-testid="status">
                <span class="tl-status-icon" aria-hidden="true">
                    <svg viewBox="0 0 24 24" width="24" height="24" focusable="false">
                        <path d=move || icons::status_path(status()) />
                    </svg>
                </span>
                <h2 class="tl-status-title" data-testid="status-title">
                    {move || tr(locale.get(), &format!("status.{}", status().as_str()))}
                </h2>
            </div>
            {move || {
                updated()
                    .map(|(millis, iso)| {
                        let locale = locale.get();
                        let (before, after) = tr_around(locale, "header.last_update", "time");
                        let exact = date_time(locale, millis, DateStyle::Full);
                        view! {
                            <p class="tl-updated" data-testid="last-update">
                                {before}
                                <span class="tl-reltime-wrap">
                                    <time
                                        class="tl-reltime"
                                        datetime=iso
                                        tabindex="0"
                                        title=exact.clone()
                                        aria-describedby="tl-updated-exact"
                                        data-testid="last-update-relative"
                                    >
                                        {move || relative_time(locale, millis, now.get())}
                                    </time>
                                    <span
                                        class="tl-tip"
                                        role="tooltip"
                                        id="tl-updated-exact"
                                        data-testid="last-update-exact"
                                    >
                                        {exact}
                                    </span>
                                </span>
                                {after}
                            </p>
                        }
                    })
            }}
            <dl class="tl-facts" part="facts">
                <div class="tl-fact">
                    <dt>{move || tr(locale.get(), "header.carrier")}</dt>
                    <dd data-testid="carrier">{move || shipment.with(|s| carrier_name(s.carrier))}</dd>
                </div>
                <div class="tl-fact">
                    <dt>{move || tr(locale.get(), "header.tracking_number")}</dt>
                    <dd class="tl-number-row">
                        <span class="tl-number" data-testid="details-tracking-number">
                            {number}
                        </span>
                        <button
                            type="button"
                            class="tl-button tl-copy"
                            part="button"
                            data-testid="copy-number"
                            aria-label=move || {
                                tr_args(locale.get(), "header.copy_label", &[("number", &number())])
                            }
                            on:click=copy
                        >
                            {move || tr(locale.get(), "header.copy")}
                        </button>
                        <span class="tl-copy-feedback" role="status" data-testid="copy-feedback">
                            {move || match copied.get() {
                                Copy::Idle => String::new(),
                                Copy::Done => tr(locale.get(), "header.copied"),
                                Copy::Failed => tr(locale.get(), "header.copy_failed"),
                            }}
                        </span>
                    </dd>
                </div>
            </dl>
        </header>
    }
}
