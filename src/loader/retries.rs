//! The widget's one retry policy: after an ask that brought no answer, what its loader does
//! next. A reference's loader (`Job::run`) and the overview of a key's shipments
//! (`crate::overview`) both follow it: the proxy's rate limit is waited out as long as it asks;
//! a timeout or a server error is asked again a few times, backing off; an offline browser is
//! asked again once it is back online; anything else is shown and not asked again.

use web_sys::AbortSignal;

use crate::fetch::{Network, Outcome};
use crate::states::{wait, LoadState};

/// Timeouts and server errors are retried this many times before the widget gives up.
pub const MAX_RETRIES: u32 = 4;
/// A `Retry-After` longer than this is not waited for on a 5xx: the consumer gets the button.
const MAX_RETRY_AFTER_SECS: u64 = 60;

/// How many seconds to count down before the `attempt`th retry of an answer that did not come
/// (a timeout, a server error): the backoff, or the longer wait the answer asked for, up to
/// [`MAX_RETRY_AFTER_SECS`]. At least one second.
pub(crate) fn retry_wait_secs(
    attempt: u32,
    retry_after_secs: Option<u64>,
    network: &Network,
) -> u64 {
    wait_secs(
        attempt,
        retry_after_secs,
        network.delay_divisor,
        js_sys::Math::random(),
    )
}

fn wait_secs(attempt: u32, retry_after_secs: Option<u64>, divisor: u32, random: f64) -> u64 {
    let backoff = u64::from(wait::backoff_ms(attempt, random));
    let wait_ms = retry_after_secs
        .map(|s| s.min(MAX_RETRY_AFTER_SECS) * 1_000)
        .unwrap_or(0)
        .max(backoff);
    let wait_ms = wait_ms / u64::from(divisor.max(1));
    wait_ms.div_ceil(1_000).max(1)
}

/// What a loader does after an ask that brought no answer.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum NextStep {
    /// Count down, showing each second, then ask again.
    AskAgainIn(Countdown),
    /// Show that the browser is offline, and ask again once it is online.
    AskWhenOnline,
    /// Show this, and ask no more.
    Stop(LoadState),
}

/// A wait before asking again, and the state each of its seconds shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Countdown {
    pub seconds: u64,
    /// `None` for the proxy's rate limit; the retry's number after a failure.
    attempt: Option<u32>,
}

impl Countdown {
    /// What the consumer sees with `seconds_left` to go.
    pub(crate) fn state(self, seconds_left: u64) -> LoadState {
        match self.attempt {
            None => LoadState::RateLimited { seconds_left },
            Some(attempt) => LoadState::Retrying {
                attempt,
                seconds_left,
            },
        }
    }
}

/// The failures of one loader so far.
#[derive(Debug, Default)]
pub(crate) struct Retries {
    failed: u32,
}

impl Retries {
    /// The next step after `outcome`, an ask that brought no answer. `wait_secs(attempt,
    /// retry_after)` is the wait before retry `attempt` ([`retry_wait_secs`]). An answer
    /// (`Found`, `NotFound`) or a cancelled ask is its loader's to handle before; here it is a
    /// failure like any unexpected outcome.
    pub(crate) fn after(
        &mut self,
        outcome: &Outcome,
        wait_secs: impl FnOnce(u32, Option<u64>) -> u64,
    ) -> NextStep {
        match outcome {
            // The proxy's limit on this address or key: as long as it asks.
            Outcome::RateLimited { retry_after_secs } => NextStep::AskAgainIn(Countdown {
                seconds: (*retry_after_secs).max(1),
                attempt: None,
            }),
            Outcome::Transient {
                retry_after_secs, ..
            } => {
                self.failed += 1;
                if self.failed > MAX_RETRIES {
                    return NextStep::Stop(LoadState::Failed);
                }
                NextStep::AskAgainIn(Countdown {
                    seconds: wait_secs(self.failed, *retry_after_secs),
                    attempt: Some(self.failed),
                })
            }
            Outcome::Offline => NextStep::AskWhenOnline,
            Outcome::Denied(denial) => NextStep::Stop(LoadState::Denied(*denial)),
            Outcome::Misconfigured(_) => NextStep::Stop(LoadState::Misconfigured),
            Outcome::Malformed(_) => NextStep::Stop(LoadState::Malformed),
            Outcome::Invalid(_) => NextStep::Stop(LoadState::Invalid),
            Outcome::Found(_) | Outcome::NotFound | Outcome::Cancelled => {
                NextStep::Stop(LoadState::Failed)
            }
        }
    }
}

/// Tells the console why an ask of `what` brought no answer, where the merchant or the
/// developer can act on it (the consumer sees the state).
pub(crate) fn report(what: &str, outcome: &Outcome) {
    match outcome {
        Outcome::Transient { detail, .. } => {
            web_sys::console::warn_1(&format!("Trackline: {what} failed: {detail}").into())
        }
        Outcome::Invalid(detail) => {
            web_sys::console::warn_1(&format!("Trackline: {what}: {detail}").into())
        }
        // The consumer cannot fix these; the merchant reads the console.
        Outcome::Misconfigured(cause) => {
            web_sys::console::error_1(&format!("Trackline: {what}: {cause}").into())
        }
        Outcome::Malformed(detail) => web_sys::console::error_1(
            &format!("Trackline: {what}: unreadable answer: {detail}").into(),
        ),
        _ => {}
    }
}

/// Counts `countdown` down, calling `tick` with each second left, down to 1. False when
/// `stopped` before it ended (its owner is gone, or a new ask replaced it).
pub(crate) async fn count_down(
    countdown: Countdown,
    stop: &AbortSignal,
    stopped: impl Fn() -> bool,
    mut tick: impl FnMut(u64),
) -> bool {
    for left in (1..=countdown.seconds).rev() {
        tick(left);
        wait::sleep_or_stop(1_000, stop).await;
        if stopped() {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fetch::Denial;

    fn transient(retry_after_secs: Option<u64>) -> Outcome {
        Outcome::Transient {
            retry_after_secs,
            detail: "HTTP 503".into(),
        }
    }

    #[test]
    fn a_failure_is_asked_again_as_many_times_as_allowed_each_retry_numbered_then_given_up() {
        let mut retries = Retries::default();
        for attempt in 1..=MAX_RETRIES {
            let next = retries.after(&transient(None), |n, _| u64::from(n) * 10);
            let NextStep::AskAgainIn(countdown) = next else {
                panic!("retry {attempt}: {next:?}")
            };
            assert_eq!(countdown.seconds, u64::from(attempt) * 10);
            assert_eq!(
                countdown.state(3),
                LoadState::Retrying {
                    attempt,
                    seconds_left: 3
                }
            );
        }
        assert_eq!(
            retries.after(&transient(None), |_, _| 1),
            NextStep::Stop(LoadState::Failed)
        );
    }

    #[test]
    fn the_proxy_s_rate_limit_is_waited_out_however_often_it_comes_and_spends_no_retry() {
        let mut retries = Retries::default();
        for _ in 0..=MAX_RETRIES + 2 {
            let next = retries.after(
                &Outcome::RateLimited {
                    retry_after_secs: 0,
                },
                |_, _| panic!("no backoff for a rate limit"),
            );
            let NextStep::AskAgainIn(countdown) = next else {
                panic!("{next:?}")
            };
            assert_eq!(countdown.seconds, 1, "at least a second");
            assert_eq!(
                countdown.state(1),
                LoadState::RateLimited { seconds_left: 1 }
            );
        }
        let NextStep::AskAgainIn(countdown) = retries.after(&transient(None), |n, _| n.into())
        else {
            panic!("a failure after rate limits is the first retry")
        };
        assert_eq!(countdown.seconds, 1);
    }

    #[test]
    fn offline_waits_for_the_connection_and_what_cannot_change_by_asking_again_stops() {
        let mut retries = Retries::default();
        assert_eq!(
            retries.after(&Outcome::Offline, |_, _| 1),
            NextStep::AskWhenOnline
        );
        for (outcome, state) in [
            (
                Outcome::Denied(Denial::KeyRefused),
                LoadState::Denied(Denial::KeyRefused),
            ),
            (
                Outcome::Misconfigured("401".into()),
                LoadState::Misconfigured,
            ),
            (Outcome::Malformed("x".into()), LoadState::Malformed),
            (Outcome::Invalid("x".into()), LoadState::Invalid),
            (Outcome::NotFound, LoadState::Failed),
        ] {
            assert_eq!(retries.after(&outcome, |_, _| 1), NextStep::Stop(state));
        }
    }

    #[test]
    fn the_wait_before_a_retry_is_the_backoff_or_the_longer_wait_asked_for_up_to_a_minute() {
        // Backoff alone: 0.5–1 s for the first retry, rounded up to whole seconds.
        assert_eq!(wait_secs(1, None, 1, 0.0), 1);
        assert_eq!(wait_secs(3, None, 1, 1.0), 4);
        // Retry-After wins when longer, up to MAX_RETRY_AFTER_SECS.
        assert_eq!(wait_secs(1, Some(20), 1, 0.0), 20);
        assert_eq!(wait_secs(1, Some(3_600), 1, 0.0), MAX_RETRY_AFTER_SECS);
        // A test network divides every wait, never below a second.
        assert_eq!(wait_secs(1, Some(20), 10, 0.0), 2);
        assert_eq!(wait_secs(1, None, 1_000, 0.0), 1);
    }
}
