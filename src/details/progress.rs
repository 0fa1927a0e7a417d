//! The progress stepper: the expected journey, with the steps done, the current one, and those
//! still to come. A detour (a failed attempt, a return, an exception, a cancellation) is drawn as
//! a bend off the straight line, so the consumer sees at a glance that the plan changed.

use leptos::prelude::*;
use trackline_core::model::{Shipment, Step, StepState};

use crate::i18n::{tr, Locale};

/// Steps that leave the planned road.
pub fn is_detour(step: Step) -> bool {
    matches!(
        step,
        Step::FailedAttempt
            | Step::ReturningToSender
            | Step::ReturnedToSender
            | Step::Exception
            | Step::Cancelled
    )
}

fn step_key(step: Step) -> &'static str {
    match step {
        Step::Registered => "step.registered",
        Step::HandedOver => "step.handed_over",
        Step::InTransit => "step.in_transit",
        Step::OutForDelivery => "step.out_for_delivery",
        Step::ReadyForPickup => "step.ready_for_pickup",
        Step::Collected => "step.collected",
        Step::Delivered => "step.delivered",
        Step::FailedAttempt => "step.failed_attempt",
        Step::ReturningToSender => "step.returning_to_sender",
        Step::ReturnedToSender => "step.returned_to_sender",
        Step::Exception => "step.exception",
        Step::Cancelled => "step.cancelled",
    }
}

fn state_name(state: StepState) -> &'static str {
    match state {
        StepState::Passed => "passed",
        StepState::Current => "current",
        StepState::Upcoming => "upcoming",
    }
}

#[component]
pub fn Progress(shipment: Signal<Shipment>, locale: Signal<Locale>) -> impl IntoView {
    move || {
        let locale = locale.get();
        shipment.with(|s| {
            if s.expected_flow.is_empty() {
                return None;
            }
            let bent = s.expected_flow.iter().any(|step| is_detour(step.step));
            let steps = s
                .expected_flow
                .iter()
                .map(|step| {
                    let state = state_name(step.state);
                    let current = step.state == StepState::Current;
                    view! {
                        <li
                            class="tl-step"
                            data-state=state
                            data-detour=is_detour(step.step).then_some("true")
                            data-testid="step"
                            aria-current=current.then_some("step")
                        >
                            <span class="tl-step-dot" aria-hidden="true"></span>
                            <span class="tl-step-label">{tr(locale, step_key(step.step))}</span>
                            <span class="tl-sr">
                                {format!(" ({})", tr(locale, &format!("progress.{state}")))}
                            </span>
                        </li>
                    }
                })
                .collect_view();
            Some(view! {
                <ol
                    class="tl-steps"
                    part="progress"
                    data-testid="progress"
                    data-bent=bent.then_some("true")
                    aria-label=tr(locale, "progress.label")
                >
                    {steps}
                </ol>
            })
        })
    }
}
