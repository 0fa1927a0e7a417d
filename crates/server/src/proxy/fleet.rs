//! What the replicas of a fleet share on Redis (`[shared] redis_url`) besides the access model:
//! the carriers' answers, one carrier call per reference at a time, the rate limits, the back-off
//! after a carrier's 429 or 503, and the Di token. Without `redis_url` none of this exists and each
//! proxy keeps it all in its own process.
//!
//! Everything here is an optimisation or a budget, not a decision about who may read what: when
//! Redis does not answer, the callers fall back to the process's own cache and limits, count the
//! fallback (`trackline_proxy_shared_fallbacks`) and log one warning per outage. (Access keys
//! fail closed instead; see `store/redis.rs`.) A failed call opens a short breaker, so that an
//! outage costs each request nothing while it lasts, and the next call after it tries again:
//! the connection manager reconnects by itself.
//!
//! Keys, all under `trackline:` (the access model's prefix; `\x1f` joins fields):
//!
//! | key | holds | expires |
//! | --- | --- | --- |
//! | `answer:{carrier}:{path}` | an answer the cache keeps | the carrier's `cache_ttl_seconds` |
//! | `loading:{carrier}:{path}` | the token of the replica calling the carrier | when its call ends, or after the exchange deadline |
//! | `outcome:{carrier}:{path}` | the answer to that call when it is not stored (an error), for the replicas that waited | 2 s |
//! | `limit:{scope}:{subject}` | a rate limit's theoretical arrival time (GCRA, microseconds) | when the allowance is whole again |
//! | `backoff:{carrier}` | `429` or `503`: the fleet waits out the carrier's `Retry-After` | the wait |
//! | `di:token` | the fleet's Di token | a minute before Di's expiry |
//! | `di:login` | the token of the replica logging in | when the login ends |
//! | `di:login-failure` | the last failed login (`kind\x1fdetail`) | the wait before the next |
//! | `di:login-failures` | failed logins in a row | 10 minutes |

use std::future::Future;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use bytes::Bytes;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{AsyncCommands, Client, RedisResult, Script};
use tokio::sync::OnceCell;

use super::cache::UpstreamAnswer;
use super::metrics::SharedStateLabels;
use super::problem::{Problem, ProblemKind};

const PREFIX: &str = "trackline:";
/// How long one call to Redis may take before the caller falls back to its own state. Short: a
/// cached answer must not wait for a Redis that stopped answering.
const CALL_TIMEOUT: Duration = Duration::from_millis(250);
/// How long the fleet state is left alone after a failed call.
const BREAKER: Duration = Duration::from_secs(1);
/// How long the replicas that waited for another's call can read its unstored outcome.
const OUTCOME_LIFETIME: Duration = Duration::from_secs(2);
/// How often a waiting replica looks for the answer another replica is fetching.
const POLL: Duration = Duration::from_millis(10);

/// The theoretical arrival time of a limit, in one script so that every replica sees each
/// step: KEYS[1] the limit, ARGV[1] the emission interval and ARGV[2] the burst, microseconds
/// and requests. Returns 0 when the request may go, else the microseconds to wait. Redis's own
/// clock is the clock, so replicas whose clocks disagree still count alike.
const GCRA: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then tat = now end
local next_tat = tat + interval
local allow_at = next_tat - interval * burst
if allow_at > now then return allow_at - now end
redis.call('SET', KEYS[1], string.format('%.0f', next_tat), 'PX', math.ceil((next_tat - now) / 1000))
return 0
";

/// Deletes KEYS[1] only if it still holds ARGV[1]: a replica ends its own lock, never one that
/// another replica took after it expired.
const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
";

/// Which shared state a fallback was for (the metric's `state` label).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SharedState {
    Cache,
    Limits,
    Backoff,
    DiToken,
}

impl SharedState {
    pub fn label(self) -> &'static str {
        match self {
            SharedState::Cache => "cache",
            SharedState::Limits => "limits",
            SharedState::Backoff => "backoff",
            SharedState::DiToken => "di_token",
        }
    }
}

/// Redis did not answer in time, or answered with an error; the caller uses its own state.
#[derive(Debug, Clone, Copy)]
pub struct Unreachable;

/// What a waiting replica finds about a call another replica makes.
#[derive(Debug)]
pub enum Awaited {
    /// The answer, as the caller got it (stored or not).
    Answer(UpstreamAnswer),
    /// The call failed with this problem.
    Failed(Problem),
    /// The lock is gone without an outcome (its holder died or its outcome expired): call again.
    Gone,
}

/// The Di session the fleet shares.
#[derive(Debug)]
pub enum DiSession {
    /// The token, and how long until it is to be replaced.
    Token(String, Duration),
    /// A login failed a moment ago: this problem, and how long until the next attempt.
    LoginFailed(Problem, Duration),
    None,
}

pub struct Fleet {
    client: Client,
    connection: OnceCell<ConnectionManager>,
    /// Host, port and database, never the password.
    described: String,
    /// Until when Redis is left alone, after a failed call.
    down_until: Mutex<Option<Instant>>,
    fallbacks: Family<SharedStateLabels, Counter>,
    gcra: Script,
    release: Script,
}

impl Fleet {
    /// The fleet state on the Redis at `url` (checked as the access store checks it). Nothing
    /// connects before the first call, so a replica starts while Redis is down.
    pub fn open(url: &str, fallbacks: Family<SharedStateLabels, Counter>) -> Result<Fleet, String> {
        let client = super::store::redis::check_url(url)?;
        Ok(Fleet {
            described: super::store::redis::describe(&client),
            client,
            connection: OnceCell::new(),
            down_until: Mutex::new(None),
            fallbacks,
            gcra: Script::new(GCRA),
            release: Script::new(RELEASE),
        })
    }

    /// Counts a request that used the process's own state because Redis did not answer.
    pub fn fell_back(&self, state: SharedState) {
        self.fallbacks
            .get_or_create(&SharedStateLabels {
                state: state.label(),
            })
            .inc();
    }

    async fn connection(&self) -> RedisResult<ConnectionManager> {
        self.connection
            .get_or_try_init(|| async {
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(CALL_TIMEOUT))
                    .set_response_timeout(Some(CALL_TIMEOUT))
                    .set_number_of_retries(1)
                    .set_max_delay(Duration::from_millis(100));
                ConnectionManager::new_lazy_with_config(self.client.clone(), config)
            })
            .await
            .cloned()
    }

    /// Runs `call` against Redis within [`CALL_TIMEOUT`], unless the breaker is open. A failure
    /// opens the breaker and is logged once per outage; the first success after it says so.
    async fn run<T, F, Fut>(&self, state: SharedState, call: F) -> Result<T, Unreachable>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: Future<Output = RedisResult<T>>,
    {
        let was_down = {
            let down_until = self
                .down_until
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            match *down_until {
                Some(until) if Instant::now() < until => {
                    self.fell_back(state);
                    return Err(Unreachable);
                }
                Some(_) => true,
                None => false,
            }
        };
        let result = match self.connection().await {
            Ok(connection) => tokio::time::timeout(CALL_TIMEOUT, call(connection))
                .await
                .unwrap_or_else(|_| Err(timed_out())),
            Err(error) => Err(error),
        };
        let mut down_until = self
            .down_until
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match result {
            Ok(value) => {
                if was_down && down_until.take().is_some() {
                    tracing::info!(redis = %self.described, "the fleet's Redis answers again: shared cache and limits are back");
                }
                Ok(value)
            }
            Err(error) => {
                if down_until.is_none() {
                    tracing::warn!(
                        redis = %self.described,
                        %error,
                        state = state.label(),
                        "the fleet's Redis does not answer: this replica uses its own cache and limits until it does"
                    );
                }
                *down_until = Some(Instant::now() + BREAKER);
                drop(down_until);
                self.fell_back(state);
                Err(Unreachable)
            }
        }
    }

    /// Whether Redis answers now (for readiness). An answer ends an outage at once, without
    /// waiting for the breaker.
    pub async fn ping(&self) -> Result<(), String> {
        let mut connection = self.connection().await.map_err(|error| error.to_string())?;
        tokio::time::timeout(
            CALL_TIMEOUT,
            redis::cmd("PING").query_async::<String>(&mut connection),
        )
        .await
        .map_err(|_| "no answer in time".to_owned())?
        .map_err(|error| error.to_string())?;
        let mut down_until = self
            .down_until
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if down_until.take().is_some() {
            tracing::info!(redis = %self.described, "the fleet's Redis answers again: shared cache and limits are back");
        }
        Ok(())
    }

    /// Host, port and database (for logs).
    pub fn describe(&self) -> &str {
        &self.described
    }

    // ---- the response cache -------------------------------------------------------------

    /// A stored answer and how long it stays fresh.
    pub async fn answer(
        &self,
        carrier: &str,
        path: &str,
    ) -> Result<Option<UpstreamAnswer>, Unreachable> {
        let key = format!("{PREFIX}answer:{carrier}:{path}");
        let (value, ttl): (Option<Vec<u8>>, i64) = self
            .run(SharedState::Cache, |mut connection| async move {
                redis::pipe()
                    .get(&key)
                    .pttl(&key)
                    .query_async(&mut connection)
                    .await
            })
            .await?;
        Ok(value.and_then(|value| {
            let mut answer = decode_answer(&value)?;
            answer.fresh_for = Some(remaining(ttl)?);
            Some(answer)
        }))
    }

    /// Keeps `answer` for `ttl` for every replica.
    pub async fn store_answer(
        &self,
        carrier: &str,
        path: &str,
        answer: &UpstreamAnswer,
        ttl: Duration,
    ) -> Result<(), Unreachable> {
        let key = format!("{PREFIX}answer:{carrier}:{path}");
        let value = encode_answer(answer);
        let millis = millis(ttl);
        self.run(SharedState::Cache, |mut connection| async move {
            connection.pset_ex::<_, _, ()>(&key, value, millis).await
        })
        .await
    }

    /// Takes the fleet's lock on calling the carrier for `path`, for at most `hold`. `token`
    /// tells this caller's lock from a later one.
    pub async fn lock(
        &self,
        carrier: &str,
        path: &str,
        token: &str,
        hold: Duration,
    ) -> Result<bool, Unreachable> {
        let key = format!("{PREFIX}loading:{carrier}:{path}");
        let taken = self.take(SharedState::Cache, key, token, hold).await?;
        if taken {
            // The outcome of an earlier call is not what the replicas waiting now wait for.
            let outcome_key = format!("{PREFIX}outcome:{carrier}:{path}");
            self.run(SharedState::Cache, |mut connection| async move {
                connection.del::<_, ()>(&outcome_key).await
            })
            .await?;
        }
        Ok(taken)
    }

    /// Ends this caller's lock, leaving the outcome of its call for the replicas that waited
    /// when the answer is not stored.
    pub async fn unlock(
        &self,
        carrier: &str,
        path: &str,
        token: &str,
        unstored: Option<&Result<UpstreamAnswer, Problem>>,
    ) -> Result<(), Unreachable> {
        if let Some(outcome) = unstored {
            let key = format!("{PREFIX}outcome:{carrier}:{path}");
            let value = encode_outcome(outcome);
            self.run(SharedState::Cache, |mut connection| async move {
                connection
                    .pset_ex::<_, _, ()>(&key, value, millis(OUTCOME_LIFETIME))
                    .await
            })
            .await?;
        }
        let key = format!("{PREFIX}loading:{carrier}:{path}");
        self.give_back(SharedState::Cache, key, token).await
    }

    /// What became of the call another replica holds the lock for, once there is something to
    /// say; `None` while it is still running.
    pub async fn awaited(&self, carrier: &str, path: &str) -> Result<Option<Awaited>, Unreachable> {
        let answer_key = format!("{PREFIX}answer:{carrier}:{path}");
        let outcome_key = format!("{PREFIX}outcome:{carrier}:{path}");
        let lock_key = format!("{PREFIX}loading:{carrier}:{path}");
        let (answer, answer_ttl, outcome, locked): (Option<Vec<u8>>, i64, Option<Vec<u8>>, bool) =
            self.run(SharedState::Cache, |mut connection| async move {
                redis::pipe()
                    .get(&answer_key)
                    .pttl(&answer_key)
                    .get(&outcome_key)
                    .exists(&lock_key)
                    .query_async(&mut connection)
                    .await
            })
            .await?;
        if let Some(mut answer) = answer.as_deref().and_then(decode_answer) {
            answer.fresh_for = remaining(answer_ttl);
            return Ok(Some(Awaited::Answer(answer)));
        }
        if let Some(outcome) = outcome.as_deref().and_then(decode_outcome) {
            return Ok(Some(match outcome {
                Ok(answer) => Awaited::Answer(answer),
                Err(problem) => Awaited::Failed(problem),
            }));
        }
        Ok((!locked).then_some(Awaited::Gone))
    }

    /// How often a waiting replica asks [`Fleet::awaited`].
    pub fn poll_interval() -> Duration {
        POLL
    }

    // ---- rate limits --------------------------------------------------------------------

    /// Takes one request from the fleet's limit `scope:subject` (`per_minute` sustained,
    /// `burst` at once), or says how long until one is available.
    pub async fn check_limit(
        &self,
        scope: &str,
        subject: &str,
        per_minute: u32,
        burst: u32,
    ) -> Result<Result<(), Duration>, Unreachable> {
        let key = format!("{PREFIX}limit:{scope}:{subject}");
        let interval = 60_000_000 / u64::from(per_minute.max(1));
        let burst = burst.max(1);
        let wait: u64 = self
            .run(SharedState::Limits, |mut connection| async move {
                self.gcra
                    .key(key)
                    .arg(interval)
                    .arg(burst)
                    .invoke_async(&mut connection)
                    .await
            })
            .await?;
        Ok(if wait == 0 {
            Ok(())
        } else {
            Err(Duration::from_micros(wait))
        })
    }

    // ---- back-off -----------------------------------------------------------------------

    /// The fleet stays away from `carrier` for `wait` (a longer wait already set is kept).
    pub async fn back_off(
        &self,
        carrier: &str,
        wait: Duration,
        unavailable: bool,
    ) -> Result<(), Unreachable> {
        let key = format!("{PREFIX}backoff:{carrier}");
        let value = if unavailable { "503" } else { "429" };
        let millis = millis(wait);
        self.run(SharedState::Backoff, |mut connection| async move {
            let current: i64 = connection.pttl(&key).await?;
            if current >= i64::try_from(millis).unwrap_or(i64::MAX) {
                return Ok(());
            }
            connection.pset_ex::<_, _, ()>(&key, value, millis).await
        })
        .await
    }

    /// How long the fleet still stays away from `carrier`, and whether because it is unavailable.
    pub async fn backoff(&self, carrier: &str) -> Result<Option<(Duration, bool)>, Unreachable> {
        let key = format!("{PREFIX}backoff:{carrier}");
        let (value, ttl): (Option<String>, i64) = self
            .run(SharedState::Backoff, |mut connection| async move {
                redis::pipe()
                    .get(&key)
                    .pttl(&key)
                    .query_async(&mut connection)
                    .await
            })
            .await?;
        Ok(match (value, remaining(ttl)) {
            (Some(value), Some(ttl)) => Some((ttl, value == "503")),
            _ => None,
        })
    }

    // ---- the Di session -----------------------------------------------------------------

    /// The fleet's Di token, or its last login failure.
    pub async fn di_session(&self) -> Result<DiSession, Unreachable> {
        let token_key = format!("{PREFIX}di:token");
        let failure_key = format!("{PREFIX}di:login-failure");
        let (token, token_ttl, failure, failure_ttl): (Option<String>, i64, Option<String>, i64) =
            self.run(SharedState::DiToken, |mut connection| async move {
                redis::pipe()
                    .get(&token_key)
                    .pttl(&token_key)
                    .get(&failure_key)
                    .pttl(&failure_key)
                    .query_async(&mut connection)
                    .await
            })
            .await?;
        if let (Some(token), Some(ttl)) = (token, remaining(token_ttl)) {
            return Ok(DiSession::Token(token, ttl));
        }
        let wait = remaining(failure_ttl);
        Ok(match (failure.as_deref().and_then(decode_problem), wait) {
            (Some(problem), Some(wait)) => DiSession::LoginFailed(problem, wait),
            _ => DiSession::None,
        })
    }

    /// Takes the fleet's lock on logging in to Di.
    pub async fn lock_login(&self, token: &str, hold: Duration) -> Result<bool, Unreachable> {
        self.take(
            SharedState::DiToken,
            format!("{PREFIX}di:login"),
            token,
            hold,
        )
        .await
    }

    pub async fn unlock_login(&self, token: &str) -> Result<(), Unreachable> {
        self.give_back(SharedState::DiToken, format!("{PREFIX}di:login"), token)
            .await
    }

    /// Shares a new Di token until `refresh_after` and forgets earlier failures.
    pub async fn store_di_token(
        &self,
        token: &str,
        refresh_after: Duration,
    ) -> Result<(), Unreachable> {
        let token_key = format!("{PREFIX}di:token");
        let failure_key = format!("{PREFIX}di:login-failure");
        let failures_key = format!("{PREFIX}di:login-failures");
        let token = token.to_owned();
        let millis = millis(refresh_after);
        self.run(SharedState::DiToken, |mut connection| async move {
            redis::pipe()
                .atomic()
                .pset_ex(&token_key, token, millis)
                .ignore()
                .del(&failure_key)
                .ignore()
                .del(&failures_key)
                .ignore()
                .query_async::<()>(&mut connection)
                .await
        })
        .await
    }

    /// Forgets the fleet's token if it is still `rejected` (Di refused it).
    pub async fn drop_di_token(&self, rejected: &str) -> Result<(), Unreachable> {
        self.give_back(SharedState::DiToken, format!("{PREFIX}di:token"), rejected)
            .await
    }

    /// Records a failed login; returns how many failed in a row, fleet-wide.
    pub async fn di_login_failed(
        &self,
        problem: &Problem,
        wait: impl Fn(u32) -> Duration,
    ) -> Result<(u32, Duration), Unreachable> {
        let failures_key = format!("{PREFIX}di:login-failures");
        let failure_key = format!("{PREFIX}di:login-failure");
        let value = encode_problem(problem);
        self.run(SharedState::DiToken, |mut connection| async move {
            let failures: u32 = connection.incr(&failures_key, 1).await?;
            connection.pexpire::<_, ()>(&failures_key, 600_000).await?;
            let wait = wait(failures);
            connection
                .pset_ex::<_, _, ()>(&failure_key, value, millis(wait))
                .await?;
            Ok((failures, wait))
        })
        .await
    }

    // ---- locks --------------------------------------------------------------------------

    async fn take(
        &self,
        state: SharedState,
        key: String,
        token: &str,
        hold: Duration,
    ) -> Result<bool, Unreachable> {
        let token = token.to_owned();
        let options = redis::SetOptions::default()
            .conditional_set(redis::ExistenceCheck::NX)
            .with_expiration(redis::SetExpiry::PX(millis(hold)));
        self.run(state, |mut connection| async move {
            let taken: Option<String> = connection.set_options(&key, token, options).await?;
            Ok(taken.is_some())
        })
        .await
    }

    async fn give_back(
        &self,
        state: SharedState,
        key: String,
        token: &str,
    ) -> Result<(), Unreachable> {
        let token = token.to_owned();
        self.run(state, |mut connection| async move {
            self.release
                .key(key)
                .arg(token)
                .invoke_async::<i64>(&mut connection)
                .await
                .map(|_| ())
        })
        .await
    }
}

/// A token that tells one lock holder from another.
pub fn lock_token() -> String {
    let mut bytes = [0u8; 16];
    getrandom::getrandom(&mut bytes).expect("the operating system provides random bytes");
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn timed_out() -> redis::RedisError {
    redis::RedisError::from(std::io::Error::new(
        std::io::ErrorKind::TimedOut,
        "no answer in time",
    ))
}

/// What a `PTTL` reply leaves: `None` for a key without expiry (-1, not written by the proxy)
/// or a missing one (-2, it raced away).
fn remaining(pttl: i64) -> Option<Duration> {
    u64::try_from(pttl)
        .ok()
        .filter(|millis| *millis > 0)
        .map(Duration::from_millis)
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis())
        .unwrap_or(u64::MAX)
        .max(1)
}

// ---- encodings ------------------------------------------------------------------------------
// An answer: `A {status} {final 0|1} {json|problem}\n` and the body as the carrier sent it.
// A problem: `P {type slug} {retry-after ms or -}\x1f{detail}`.

fn encode_answer(answer: &UpstreamAnswer) -> Vec<u8> {
    let kind = if answer.content_type == "application/problem+json" {
        "problem"
    } else {
        "json"
    };
    let mut value = format!(
        "A {} {} {kind}\n",
        answer.status.as_u16(),
        u8::from(answer.is_final)
    )
    .into_bytes();
    value.extend_from_slice(&answer.body);
    value
}

fn decode_answer(value: &[u8]) -> Option<UpstreamAnswer> {
    let newline = value.iter().position(|byte| *byte == b'\n')?;
    let head = std::str::from_utf8(&value[..newline]).ok()?;
    let mut fields = head.split(' ');
    if fields.next()? != "A" {
        return None;
    }
    let status = axum::http::StatusCode::from_u16(fields.next()?.parse().ok()?).ok()?;
    let is_final = fields.next()? == "1";
    let content_type = match fields.next()? {
        "problem" => "application/problem+json",
        _ => "application/json",
    };
    Some(UpstreamAnswer::new(
        status,
        content_type,
        Bytes::copy_from_slice(&value[newline + 1..]),
        is_final,
    ))
}

fn encode_problem(problem: &Problem) -> Vec<u8> {
    let retry = problem
        .retry_after
        .map_or_else(|| "-".to_owned(), |wait| millis(wait).to_string());
    format!("P {} {retry}\x1f{}", problem.kind.slug(), problem.detail).into_bytes()
}

fn decode_problem(value: &str) -> Option<Problem> {
    let (head, detail) = value.split_once('\x1f')?;
    let mut fields = head.split(' ');
    if fields.next()? != "P" {
        return None;
    }
    let kind = ProblemKind::from_slug(fields.next()?)?;
    let mut problem = Problem::new(kind, detail);
    if let Ok(millis) = fields.next()?.parse::<u64>() {
        problem = problem.retry_after(Duration::from_millis(millis));
    }
    Some(problem)
}

fn encode_outcome(outcome: &Result<UpstreamAnswer, Problem>) -> Vec<u8> {
    match outcome {
        Ok(answer) => encode_answer(answer),
        Err(problem) => encode_problem(problem),
    }
}

fn decode_outcome(value: &[u8]) -> Option<Result<UpstreamAnswer, Problem>> {
    match value.first()? {
        b'A' => decode_answer(value).map(Ok),
        b'P' => decode_problem(std::str::from_utf8(value).ok()?).map(Err),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::StatusCode;

    #[test]
    fn an_answer_comes_back_from_redis_as_it_went_in() {
        let answer = UpstreamAnswer::new(
            StatusCode::NOT_FOUND,
            "application/problem+json",
            Bytes::from_static(b"{\"type\":\"x\"}\n\x00tail"),
            true,
        );
        assert_eq!(decode_answer(&encode_answer(&answer)), Some(answer));
    }

    #[test]
    fn a_problem_comes_back_from_redis_with_its_kind_detail_and_wait() {
        let problem = Problem::new(ProblemKind::RateLimited, "di is asking for fewer requests")
            .retry_after(Duration::from_millis(1500));
        let back = match decode_outcome(&encode_outcome(&Err(problem.clone()))) {
            Some(Err(back)) => back,
            other => panic!("{other:?}"),
        };
        assert_eq!(back.kind, problem.kind);
        assert_eq!(back.detail, problem.detail);
        assert_eq!(back.retry_after, Some(Duration::from_millis(1500)));
        let without = Problem::new(ProblemKind::UpstreamRefused, "a detail\x1fwith a separator");
        let back = decode_problem(std::str::from_utf8(&encode_problem(&without)).unwrap()).unwrap();
        assert_eq!(back.detail, without.detail);
        assert_eq!(back.retry_after, None);
    }

    #[test]
    fn anything_else_in_redis_is_not_taken_for_an_answer() {
        for value in [
            &b""[..],
            b"A 200 1 json",
            b"A x 1 json\n{}",
            b"B 200 1 json\n{}",
            b"P bogus -\x1fd",
        ] {
            assert!(decode_outcome(value).is_none(), "{value:?}");
        }
    }
}
