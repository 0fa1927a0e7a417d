//! The expected flow: the steps a shipment has passed, the one it is at, and those still to
//! come. A return, an exception or a cancellation bends the flow, so that it never promises a
//! delivery that cannot come.

use serde::{Deserialize, Serialize};

use crate::model::{ExpectedStep, Step, StepState};
use crate::status::Status;

/// The kind of journey, which decides the generic steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Journey {
    /// To a parcel locker, collected by the consumer (InPost locker services).
    Locker,
    /// To the door (InPost courier services).
    Courier,
    /// To a service point, collected by the consumer (Di pickup parcels).
    ServicePoint,
    /// A parcel whose delivery method is not known (Di).
    Parcel,
    /// Returnable load carriers moved between two locations (TrackOnline transactions).
    Transfer,
}

impl Journey {
    /// The steps of the journey when nothing goes wrong.
    pub fn steps(self) -> &'static [(Step, Status)] {
        match self {
            Journey::Locker => &[
                (Step::Registered, Status::PreTransit),
                (Step::HandedOver, Status::InTransit),
                (Step::InTransit, Status::InTransit),
                (Step::OutForDelivery, Status::OutForDelivery),
                (Step::ReadyForPickup, Status::ReadyForPickup),
                (Step::Collected, Status::Delivered),
            ],
            Journey::Courier => &[
                (Step::Registered, Status::PreTransit),
                (Step::HandedOver, Status::InTransit),
                (Step::InTransit, Status::InTransit),
                (Step::OutForDelivery, Status::OutForDelivery),
                (Step::Delivered, Status::Delivered),
            ],
            Journey::ServicePoint => &[
                (Step::Registered, Status::PreTransit),
                (Step::InTransit, Status::InTransit),
                (Step::ReadyForPickup, Status::ReadyForPickup),
                (Step::Collected, Status::Delivered),
            ],
            Journey::Parcel => &[
                (Step::Registered, Status::PreTransit),
                (Step::InTransit, Status::InTransit),
                (Step::OutForDelivery, Status::OutForDelivery),
                (Step::Delivered, Status::Delivered),
            ],
            Journey::Transfer => &[
                (Step::Registered, Status::PreTransit),
                (Step::InTransit, Status::InTransit),
                (Step::Delivered, Status::Delivered),
            ],
        }
    }
}

/// A step the carrier itself announced as still to come (InPost `expected_flow`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnnouncedStep {
    pub carrier_code: String,
    pub status: Status,
    /// The step the adapter recognized in the carrier's code, if any.
    pub step: Option<Step>,
}

/// What the flow is computed from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowInput {
    pub journey: Journey,
    /// The shipment's current status.
    pub current: Status,
    /// The step the adapter recognized in the current carrier code (e.g. InPost's
    /// `dispatched_by_sender` is the hand-over, not just "in transit").
    pub current_step: Option<Step>,
    /// Every status the shipment has had, in any order.
    pub history: Vec<Status>,
    /// Steps the carrier announced; replaces the generic upcoming steps when not empty.
    pub announced: Vec<AnnouncedStep>,
}

fn position(steps: &[(Step, Status)], step: Option<Step>, status: Status) -> Option<usize> {
    step.and_then(|step| steps.iter().position(|(s, _)| *s == step))
        .or_else(|| match status {
            // In-transit statuses without a named step are past the hand-over.
            Status::InTransit => steps.iter().position(|(s, _)| *s == Step::InTransit),
            _ => steps.iter().position(|(_, s)| *s == status),
        })
}

fn state_step(step: Step, status: Status, state: StepState) -> ExpectedStep {
    ExpectedStep {
        step,
        status,
        state,
        carrier_code: None,
    }
}

/// Passed, current and upcoming steps for a shipment.
pub fn expected_flow(input: &FlowInput) -> Vec<ExpectedStep> {
    let steps = input.journey.steps();
    let reached = input
        .history
        .iter()
        .chain(std::iter::once(&input.current))
        .filter_map(|status| position(steps, None, *status))
        .max();
    let passed_through = |end: Option<usize>| -> Vec<ExpectedStep> {
        match end {
            Some(end) => steps[..end]
                .iter()
                .map(|(step, status)| state_step(*step, *status, StepState::Passed))
                .collect(),
            None => Vec::new(),
        }
    };

    let mut flow;
    match input.current {
        Status::Returned => {
            flow = passed_through(reached.map(|r| r + 1));
            let arrived = input.current_step == Some(Step::ReturnedToSender);
            if arrived {
                flow.push(state_step(
                    Step::ReturnedToSender,
                    Status::Returned,
                    StepState::Current,
                ));
            } else {
                flow.push(state_step(
                    Step::ReturningToSender,
                    Status::Returned,
                    StepState::Current,
                ));
                flow.push(state_step(
                    Step::ReturnedToSender,
                    Status::Returned,
                    StepState::Upcoming,
                ));
            }
            return flow;
        }
        Status::Exception | Status::Cancelled => {
            let step = if input.current == Status::Exception {
                Step::Exception
            } else {
                Step::Cancelled
            };
            flow = passed_through(reached.map(|r| r + 1));
            flow.push(state_step(step, input.current, StepState::Current));
            return flow;
        }
        Status::FailedAttempt => {
            let attempt = steps
                .iter()
                .position(|(s, _)| *s == Step::OutForDelivery)
                .or(reached)
                .unwrap_or(0);
            let through = reached.map_or(attempt, |r| r.max(attempt));
            flow = passed_through(Some(through + 1));
            flow.push(state_step(
                Step::FailedAttempt,
                Status::FailedAttempt,
                StepState::Current,
            ));
            flow.extend(upcoming(input, &steps[(through + 1).min(steps.len())..]));
            return flow;
        }
        Status::Unknown => {
            let next = reached.map_or(0, |r| r + 1);
            flow = passed_through(Some(next));
            flow.extend(upcoming(input, &steps[next..]));
            return flow;
        }
        _ => {}
    }

    match position(steps, input.current_step, input.current) {
        Some(at) => {
            flow = passed_through(Some(at));
            let (step, status) = steps[at];
            flow.push(state_step(step, status, StepState::Current));
            flow.extend(upcoming(input, &steps[at + 1..]));
        }
        None => {
            // A status this journey does not foresee (a courier parcel waiting at a branch):
            // it is current after what was reached, followed by the journey's last step.
            let next = reached.map_or(0, |r| r + 1);
            flow = passed_through(Some(next));
            let step = input.current_step.unwrap_or(match input.current {
                Status::ReadyForPickup => Step::ReadyForPickup,
                Status::OutForDelivery => Step::OutForDelivery,
                Status::PreTransit => Step::Registered,
                Status::Delivered => Step::Delivered,
                _ => Step::InTransit,
            });
            flow.push(state_step(step, input.current, StepState::Current));
            let rest = if input.current == Status::Delivered {
                &steps[steps.len()..]
            } else {
                &steps[steps.len() - 1..]
            };
            flow.extend(upcoming(input, rest));
        }
    }
    flow
}

/// The steps still to come: the carrier's announcement when there is one, else the journey's.
fn upcoming(input: &FlowInput, generic: &[(Step, Status)]) -> Vec<ExpectedStep> {
    if input.announced.is_empty() {
        return generic
            .iter()
            .map(|(step, status)| state_step(*step, *status, StepState::Upcoming))
            .collect();
    }
    let steps = input.journey.steps();
    let current_step = position(steps, input.current_step, input.current).map(|at| steps[at].0);
    input
        .announced
        .iter()
        // InPost may announce what the parcel already is (a reminder while ready for pickup).
        .filter(|announced| {
            announced.status != input.current
                || announced
                    .step
                    .or_else(|| position(steps, None, announced.status).map(|at| steps[at].0))
                    != current_step
        })
        .map(|announced| {
            let step = announced
                .step
                .or_else(|| position(steps, None, announced.status).map(|at| steps[at].0))
                .unwrap_or(match announced.status {
                    Status::Delivered => Step::Delivered,
                    Status::ReadyForPickup => Step::ReadyForPickup,
                    Status::OutForDelivery => Step::OutForDelivery,
                    Status::PreTransit => Step::Registered,
                    Status::Returned => Step::ReturnedToSender,
                    _ => Step::InTransit,
                });
            ExpectedStep {
                step,
                status: announced.status,
                state: StepState::Upcoming,
                carrier_code: Some(announced.carrier_code.clone()),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(journey: Journey, current: Status, history: &[Status]) -> FlowInput {
        FlowInput {
            journey,
            current,
            current_step: None,
            history: history.to_vec(),
            announced: Vec::new(),
        }
    }

    fn summary(flow: &[ExpectedStep]) -> Vec<(Step, StepState)> {
        flow.iter().map(|step| (step.step, step.state)).collect()
    }

    #[test]
    fn a_locker_parcel_in_transit_has_passed_the_hand_over_and_awaits_collection() {
        let flow = expected_flow(&input(
            Journey::Locker,
            Status::InTransit,
            &[Status::PreTransit],
        ));
        assert_eq!(
            summary(&flow),
            vec![
                (Step::Registered, StepState::Passed),
                (Step::HandedOver, StepState::Passed),
                (Step::InTransit, StepState::Current),
                (Step::OutForDelivery, StepState::Upcoming),
                (Step::ReadyForPickup, StepState::Upcoming),
                (Step::Collected, StepState::Upcoming),
            ]
        );
    }

    #[test]
    fn a_return_never_promises_the_delivery() {
        let flow = expected_flow(&input(
            Journey::Courier,
            Status::Returned,
            &[Status::PreTransit, Status::InTransit],
        ));
        assert!(flow.iter().all(|step| step.status != Status::Delivered));
        assert_eq!(flow.last().unwrap().step, Step::ReturnedToSender);
        assert_eq!(
            flow.iter()
                .filter(|s| s.state == StepState::Current)
                .count(),
            1
        );
    }

    #[test]
    fn an_exception_ends_the_flow_at_the_exception() {
        let flow = expected_flow(&input(
            Journey::Locker,
            Status::Exception,
            &[Status::ReadyForPickup],
        ));
        let last = flow.last().unwrap();
        assert_eq!(
            (last.step, last.state),
            (Step::Exception, StepState::Current)
        );
        assert!(flow.iter().all(|step| step.state != StepState::Upcoming));
    }

    #[test]
    fn a_failed_attempt_keeps_the_delivery_to_come() {
        let flow = expected_flow(&input(
            Journey::Courier,
            Status::FailedAttempt,
            &[Status::OutForDelivery],
        ));
        assert_eq!(
            summary(&flow)[3..],
            [
                (Step::OutForDelivery, StepState::Passed),
                (Step::FailedAttempt, StepState::Current),
                (Step::Delivered, StepState::Upcoming),
            ]
        );
    }

    #[test]
    fn announced_steps_replace_the_generic_ones() {
        let mut with_announcement = input(Journey::Locker, Status::InTransit, &[]);
        with_announcement.announced = vec![AnnouncedStep {
            carrier_code: "ready_to_pickup".into(),
            status: Status::ReadyForPickup,
            step: None,
        }];
        let flow = expected_flow(&with_announcement);
        let last = flow.last().unwrap();
        assert_eq!(last.carrier_code.as_deref(), Some("ready_to_pickup"));
        assert_eq!(
            (last.step, last.state),
            (Step::ReadyForPickup, StepState::Upcoming)
        );
        assert_eq!(flow.len(), 4);
    }

    #[test]
    fn a_delivered_shipment_has_nothing_to_come() {
        let flow = expected_flow(&input(Journey::Parcel, Status::Delivered, &[]));
        assert_eq!(flow.last().unwrap().state, StepState::Current);
        assert_eq!(
            flow.iter().filter(|s| s.state == StepState::Passed).count(),
            3
        );
    }
}
