//! Calls to one carrier: credentials added here and nowhere else, redirects never followed,
//! answers bounded in size and checked to be JSON, the carrier's quota and `Retry-After`
//! respected, and identical calls coalesced behind a cache.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::{header, HeaderValue, StatusCode};
use bytes::{Bytes, BytesMut};
use tokio::sync::Semaphore;
use trackline_core::carrier::retry_after::retry_after_wait;
use trackline_core::carrier::{
    classify, di, AnswerState, Carrier, CarrierRequest, CarrierResponse, Endpoint, Method, Reading,
    ResponseKind,
};
use trackline_core::model::TrackingError;

use super::cache::{AnswerCache, Loaded, ResponseCache, UpstreamAnswer};
use super::config::{CarrierConfig, Credentials, Secret};
use super::fleet::{self, Awaited, DiSession as SharedDiSession, Fleet, Unreachable};
use super::metrics::{LimitScope, Metrics};
use super::problem::{Problem, ProblemKind};
use super::rate_limit::{ClientKey, SharedLimit, Whole};
use super::routes::UpstreamTarget;

/// How long to stay away from a carrier that said 429 without a usable `Retry-After`.
const DEFAULT_BACKOFF: Duration = Duration::from_secs(30);
/// A carrier asking for more than this is capped: the widget should not stall for hours.
const MAX_BACKOFF: Duration = Duration::from_secs(3600);
/// After a failed Di login the next one waits this long, doubling per failure up to
/// [`MAX_LOGIN_BACKOFF`]: a wrong password must not cost a login per request.
const FIRST_LOGIN_BACKOFF: Duration = Duration::from_secs(5);
const MAX_LOGIN_BACKOFF: Duration = Duration::from_secs(300);

/// How an answer was obtained, for the `X-Trackline-Cache` header, metrics and logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Cache,
    /// Stored by another replica in the fleet's cache.
    Shared,
    Upstream,
    /// Shared the result of an identical call that was already in flight, here or on another
    /// replica of the fleet.
    Coalesced,
}

impl Source {
    pub fn label(self) -> &'static str {
        match self {
            Source::Cache => "hit",
            Source::Shared => "shared",
            Source::Upstream => "miss",
            Source::Coalesced => "coalesced",
        }
    }
}

struct DiToken {
    token: Secret,
    refresh_after: Instant,
}

/// A failed Di login, remembered so that the next attempt waits.
struct LoginFailure {
    problem: Problem,
    failures: u32,
    retry_at: Instant,
}

/// The proxy's session with Di: its token, or its last failure to get one.
#[derive(Default)]
struct DiSession {
    token: Option<DiToken>,
    failure: Option<LoginFailure>,
}

/// Why the proxy stays away from a carrier for a while.
#[derive(Debug, Clone, Copy)]
struct Backoff {
    until: Instant,
    /// A 503 with `Retry-After` (unavailable) rather than a 429 (rate limited).
    unavailable: bool,
}

/// Why a load gave no answer.
#[derive(Debug, Clone)]
enum Refusal {
    /// The requester's share of the carrier's budget is spent; the carrier was not asked.
    ShareSpent(Duration),
    Problem(Problem),
}

pub struct CarrierUpstream {
    config: CarrierConfig,
    /// Answers, and the single-flight loading of identical calls.
    cache: ResponseCache,
    quota: SharedLimit<Whole>,
    /// Each client's share of `quota`.
    per_client: SharedLimit<ClientKey>,
    /// The fleet's shared cache, limits, back-off and Di token, when it has a Redis.
    fleet: Option<Arc<Fleet>>,
    backoff_until: Mutex<Option<Backoff>>,
    concurrency: Semaphore,
    /// The deadline of one whole exchange with the carrier.
    exchange_timeout: Duration,
    /// One login at a time: concurrent requests wait for it and share the token.
    di_session: tokio::sync::Mutex<DiSession>,
    cache_control: HeaderValue,
}

/// `answer` with core's reading of it, made once as it comes and kept with it in the cache, for
/// the clients that ask for a reading (the widget): a stored parcel is read once, not on every
/// request, since reading an answer costs several times what the rest of a cache hit does.
/// Nothing is read in the proxy's own documents, in answers of endpoints no adapter reads, or in
/// answers that are not about shipments (a pickup point, status titles): those clients get the
/// carrier's bytes.
fn with_reading(mut answer: UpstreamAnswer, target: &UpstreamTarget) -> UpstreamAnswer {
    if answer.content_type != "application/json" {
        return answer;
    }
    let Some(kind) = target.kind else {
        return answer;
    };
    let response = CarrierResponse::new(answer.status.as_u16(), &answer.body);
    let Some(reading) = Reading::of(kind, &response, target.reference.as_deref()) else {
        return answer;
    };
    match reading.to_json() {
        Ok(mut json) => {
            // Kept as long as the answer: no spare capacity (the cache weighs the length).
            json.shrink_to_fit();
            answer.reading = Some(Bytes::from(json));
        }
        Err(error) => {
            tracing::warn!(carrier = target.carrier.as_str(), %error, "the reading could not be written; the carrier's answer is sent instead");
        }
    }
    answer
}

impl CarrierUpstream {
    /// `exchange_timeout` bounds a whole exchange (a Di login, the fetch, a new login and the
    /// fetch again), not each call of it.
    pub fn new(
        config: CarrierConfig,
        exchange_timeout: Duration,
        fleet: Option<Arc<Fleet>>,
    ) -> Self {
        // A spike may spend a tenth of a minute's allowance at once (at least a handful of
        // calls, never more than the whole allowance).
        let burst = (config.requests_per_minute / 10)
            .max(5)
            .min(config.requests_per_minute);
        let share = |figure: u32| ((f64::from(figure) * config.client_share).ceil() as u32).max(1);
        let carrier = config.carrier.as_str();
        CarrierUpstream {
            cache: ResponseCache::new(config.cache_ttl, config.cache_max_bytes),
            quota: SharedLimit::new(
                format!("quota:{carrier}"),
                config.requests_per_minute,
                burst,
                fleet.clone(),
            ),
            per_client: SharedLimit::new(
                format!("share:{carrier}"),
                share(config.requests_per_minute),
                share(burst),
                fleet.clone(),
            ),
            fleet,
            backoff_until: Mutex::new(None),
            concurrency: Semaphore::new(config.max_concurrent_requests),
            di_session: tokio::sync::Mutex::new(DiSession::default()),
            exchange_timeout,
            cache_control: match config.cache_ttl.as_secs() {
                0 => HeaderValue::from_static("no-store"),
                ttl => HeaderValue::from_str(&format!("private, max-age={ttl}"))
                    .unwrap_or(HeaderValue::from_static("no-store")),
            },
            config,
        }
    }

    pub fn config(&self) -> &CarrierConfig {
        &self.config
    }

    /// The `Cache-Control` of this carrier's answers: private, for as long as the proxy keeps
    /// them.
    pub fn cache_control(&self) -> &HeaderValue {
        &self.cache_control
    }

    fn carrier(&self) -> &'static str {
        self.config.carrier.as_str()
    }

    /// Answers from the cache, or makes (or joins) the upstream call. `requester` is the client
    /// asking (unknown only for a router served without connection info); a client may spend at
    /// most its share of the carrier's budget.
    pub async fn fetch(
        &self,
        client: &reqwest::Client,
        max_response_bytes: usize,
        target: &UpstreamTarget,
        requester: Option<ClientKey>,
        metrics: &Metrics,
    ) -> (Result<UpstreamAnswer, Problem>, Source) {
        let key = target.path_and_query.as_str();
        if let Some(answer) = self.cache.get(key).await {
            metrics.cache_hit(self.carrier());
            return (Ok(answer), Source::Cache);
        }
        // Boxed: the rest is a large future (the fleet's lock and waits, the carrier exchange),
        // which a cache hit should neither build nor move around.
        Box::pin(self.fetch_uncached(client, max_response_bytes, target, requester, metrics)).await
    }

    /// [`Self::fetch`] past the process's own cache.
    async fn fetch_uncached(
        &self,
        client: &reqwest::Client,
        max_response_bytes: usize,
        target: &UpstreamTarget,
        requester: Option<ClientKey>,
        metrics: &Metrics,
    ) -> (Result<UpstreamAnswer, Problem>, Source) {
        let key = target.path_and_query.as_str();
        if let Some(fleet) = &self.fleet {
            if let Ok(Some(answer)) = fleet.answer(self.carrier(), key).await {
                metrics.cache_hit(self.carrier());
                // Kept here too, until it expires in the fleet's cache, read once here.
                let (result, _) = self
                    .cache
                    .get_or_load(key, async {
                        Ok::<_, Problem>(with_reading(answer, target))
                    })
                    .await;
                return (result, Source::Shared);
            }
        }
        if let Some((wait, unavailable)) = self.backoff_remaining(Instant::now()).await {
            metrics.rate_limited(LimitScope::CarrierBackoff);
            let problem = if unavailable {
                Problem::new(
                    ProblemKind::UpstreamUnavailable,
                    format!("{} is temporarily unavailable", self.carrier()),
                )
                .for_carrier(self.carrier())
                .retry_after(wait)
            } else {
                self.rate_limited(wait)
            };
            return (Err(problem), Source::Upstream);
        }
        // A request that joins a call already in flight, here or on another replica, spends
        // nothing of its client's share: only the call that reaches the carrier does. When the
        // call it joined was refused because *its* client's share was spent, the request makes
        // its own (within its own share); a few rounds settle even a crowd of spent clients.
        let mut rounds = 0;
        loop {
            rounds += 1;
            let how = Mutex::new(Source::Upstream);
            let load = self.load(client, max_response_bytes, target, requester, metrics, &how);
            let (result, loaded) = self
                .cache
                .get_or_load(key, async {
                    load.await.map(|answer| with_reading(answer, target))
                })
                .await;
            let source = match loaded {
                Loaded::Here => *how.lock().unwrap_or_else(|poisoned| poisoned.into_inner()),
                Loaded::Shared => Source::Coalesced,
            };
            let result = match result {
                Ok(answer) => Ok(answer),
                Err(Refusal::Problem(problem)) => Err(problem),
                Err(Refusal::ShareSpent(_)) if loaded == Loaded::Shared && rounds < 4 => continue,
                Err(Refusal::ShareSpent(wait)) => {
                    metrics.rate_limited(LimitScope::ClientShare);
                    Err(Problem::new(
                        ProblemKind::RateLimited,
                        format!(
                            "this address has used its share of the proxy's budget for {}",
                            self.carrier()
                        ),
                    )
                    .for_carrier(self.carrier())
                    .retry_after(wait))
                }
            };
            match source {
                Source::Coalesced => metrics.coalesced(self.carrier()),
                Source::Shared => metrics.cache_hit(self.carrier()),
                _ => {}
            }
            return (result, source);
        }
    }

    /// Takes one call from `requester`'s share of the carrier's budget.
    async fn spend_share(&self, requester: Option<ClientKey>) -> Result<(), Refusal> {
        match requester {
            Some(requester) => self
                .per_client
                .check(&requester)
                .await
                .map_err(Refusal::ShareSpent),
            None => Ok(()),
        }
    }

    /// The upstream call for `target`, made once for the fleet: the replica that takes the
    /// fleet's lock calls the carrier and shares the answer; the others wait for it. Without a
    /// fleet, or while its Redis does not answer, this replica calls on its own.
    async fn load(
        &self,
        client: &reqwest::Client,
        max_response_bytes: usize,
        target: &UpstreamTarget,
        requester: Option<ClientKey>,
        metrics: &Metrics,
        how: &Mutex<Source>,
    ) -> Result<UpstreamAnswer, Refusal> {
        let call = || async {
            self.spend_share(requester).await?;
            self.call_counted(client, max_response_bytes, target, metrics)
                .await
                .map_err(Refusal::Problem)
        };
        let Some(fleet) = &self.fleet else {
            return call().await;
        };
        let set_how =
            |source| *how.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = source;
        let carrier = self.carrier();
        let path = target.path_and_query.as_str();
        let token = fleet::lock_token();
        // The lock outlives the exchange's deadline a little, so that it never expires while
        // its holder still calls, yet frees the reference if the holder dies.
        let hold = self.exchange_timeout + Duration::from_secs(1);
        let deadline = Instant::now() + hold;
        loop {
            match fleet.lock(carrier, path, &token, hold).await {
                Err(Unreachable) => return call().await,
                Ok(true) => {
                    // Another replica may have stored the answer between the look and the lock.
                    if let Ok(Some(answer)) = fleet.answer(carrier, path).await {
                        let _ = fleet.unlock(carrier, path, &token, None).await;
                        set_how(Source::Shared);
                        return Ok(answer);
                    }
                    let result = call().await;
                    let ttl = self.config.cache_ttl;
                    let outcome = match &result {
                        Ok(answer) if answer.is_cacheable() && !ttl.is_zero() => {
                            match fleet.store_answer(carrier, path, answer, ttl).await {
                                Ok(_) => None,
                                Err(_) => Some(Ok(answer.clone())),
                            }
                        }
                        Ok(answer) => Some(Ok(answer.clone())),
                        Err(Refusal::Problem(problem)) => Some(Err(problem.clone())),
                        // Nothing was asked of the carrier: the waiting replicas take the lock
                        // themselves, within their own clients' shares.
                        Err(Refusal::ShareSpent(_)) => None,
                    };
                    let _ = fleet.unlock(carrier, path, &token, outcome.as_ref()).await;
                    set_how(Source::Upstream);
                    return result;
                }
                Ok(false) => {
                    set_how(Source::Coalesced);
                    loop {
                        if Instant::now() >= deadline {
                            return Err(Refusal::Problem(
                                Problem::new(
                                    ProblemKind::UpstreamTimeout,
                                    format!("{carrier} did not answer in time"),
                                )
                                .for_carrier(carrier),
                            ));
                        }
                        tokio::time::sleep(Fleet::poll_interval()).await;
                        match fleet.awaited(carrier, path).await {
                            Ok(None) => continue,
                            Ok(Some(Awaited::Answer(answer))) => return Ok(answer),
                            Ok(Some(Awaited::Failed(problem))) => {
                                return Err(Refusal::Problem(problem.for_carrier(carrier)))
                            }
                            // Its holder is gone without a word: take the lock again.
                            Ok(Some(Awaited::Gone)) => break,
                            Err(Unreachable) => {
                                set_how(Source::Upstream);
                                return call().await;
                            }
                        }
                    }
                }
            }
        }
    }

    /// Upstream calls running now (each shared by all identical requests).
    pub fn loading(&self) -> usize {
        self.cache.loading()
    }

    fn rate_limited(&self, wait: Duration) -> Problem {
        rate_limited(self.carrier(), wait)
    }

    /// How long the proxy (or any replica of its fleet) still stays away, and whether because
    /// the carrier is unavailable.
    async fn backoff_remaining(&self, now: Instant) -> Option<(Duration, bool)> {
        let backoff = *self
            .backoff_until
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let local = backoff.and_then(|backoff| {
            backoff
                .until
                .checked_duration_since(now)
                .filter(|wait| !wait.is_zero())
                .map(|wait| (wait, backoff.unavailable))
        });
        let shared = match &self.fleet {
            Some(fleet) => fleet.backoff(self.carrier()).await.ok().flatten(),
            None => None,
        };
        match (local, shared) {
            (Some(local), Some(shared)) => Some(if shared.0 > local.0 { shared } else { local }),
            (local, shared) => local.or(shared),
        }
    }

    /// One upstream call within the carrier's budget and concurrency, its failure counted.
    async fn call_counted(
        &self,
        client: &reqwest::Client,
        max_response_bytes: usize,
        target: &UpstreamTarget,
        metrics: &Metrics,
    ) -> Result<UpstreamAnswer, Problem> {
        if let Err(wait) = self.quota.check(&Whole).await {
            metrics.rate_limited(LimitScope::CarrierQuota);
            return Err(Problem::new(
                ProblemKind::RateLimited,
                format!(
                    "the proxy's request budget for {} is spent for now",
                    self.carrier()
                ),
            )
            .for_carrier(self.carrier())
            .retry_after(wait));
        }
        let Ok(_permit) = self.concurrency.try_acquire() else {
            metrics.rate_limited(LimitScope::Concurrency);
            return Err(Problem::new(
                ProblemKind::Overloaded,
                format!("too many requests to {} are in flight", self.carrier()),
            )
            .for_carrier(self.carrier())
            .retry_after(Duration::from_secs(1)));
        };
        // One deadline covers the whole exchange (for Di: login, fetch, a new login, fetch),
        // so that the widget hears from the proxy before its own timeout.
        let result = tokio::time::timeout(
            self.exchange_timeout,
            self.call(client, max_response_bytes, target, metrics),
        )
        .await
        .unwrap_or_else(|_| {
            Err(Problem::new(
                ProblemKind::UpstreamTimeout,
                format!("{} did not answer in time", self.carrier()),
            )
            .for_carrier(self.carrier()))
        });
        match result {
            // Only what was asked for, never what a carrier's partial match adds: kept so in the
            // cache, rather than filtered again for every request it answers.
            Ok(mut answer) => {
                if let Some(kept) = super::access::exact_matches(target, &answer.body) {
                    answer.body = kept.into();
                }
                Ok(answer)
            }
            Err(problem) => {
                metrics.upstream_error(self.carrier(), problem.kind.slug());
                tracing::warn!(
                    carrier = self.carrier(),
                    path = %target.masked,
                    problem = problem.kind.slug(),
                    detail = %problem.detail,
                    "upstream call failed"
                );
                Err(problem)
            }
        }
    }

    async fn call(
        &self,
        client: &reqwest::Client,
        max_response_bytes: usize,
        target: &UpstreamTarget,
        metrics: &Metrics,
    ) -> Result<UpstreamAnswer, Problem> {
        let url = format!("{}{}", self.config.base_url, target.path_and_query);
        let mut token = match &self.config.credentials {
            Credentials::DiLogin { .. } => Some(self.di_token(client, None, metrics).await?),
            _ => None,
        };
        let mut relogged = false;
        loop {
            let mut request = client.get(&url).header(header::ACCEPT, "application/json");
            match &self.config.credentials {
                Credentials::None => {}
                Credentials::ApiKey(key) => request = request.header("X-ApiKey", key.expose()),
                Credentials::DiLogin { .. } => {
                    if let Some(token) = &token {
                        request = request.header(header::AUTHORIZATION, token.expose());
                    }
                }
            }
            let started = Instant::now();
            let response = request
                .send()
                .await
                .map_err(|error| self.transport_problem(error))?;
            let status = response.status();
            // The token can be revoked or expire early on Di's side: log in again, once.
            if status == StatusCode::UNAUTHORIZED && token.is_some() && !relogged {
                metrics.upstream_call(self.carrier(), started.elapsed());
                relogged = true;
                token = Some(self.di_token(client, token.as_ref(), metrics).await?);
                continue;
            }
            let retry_after = response
                .headers()
                .get(header::RETRY_AFTER)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned);
            let body = read_limited(response, max_response_bytes)
                .await
                .map_err(|problem| problem.for_carrier(self.carrier()));
            metrics.upstream_call(self.carrier(), started.elapsed());
            let read = interpret(
                &UpstreamCall {
                    carrier: self.config.carrier,
                    endpoint: target.endpoint,
                    kind: target.kind,
                    reference: target.reference.as_deref(),
                },
                status.as_u16(),
                retry_after.as_deref(),
                body?,
                unix_now(),
            );
            if let Some(wait) = read.backoff {
                let unavailable = status == StatusCode::SERVICE_UNAVAILABLE;
                *self
                    .backoff_until
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(Backoff {
                    until: Instant::now() + wait,
                    unavailable,
                });
                if let Some(fleet) = &self.fleet {
                    let _ = fleet.back_off(self.carrier(), wait, unavailable).await;
                }
            }
            return read.answer;
        }
    }

    fn transport_problem(&self, error: reqwest::Error) -> Problem {
        let carrier = self.carrier();
        // Without the URL: it holds the unmasked reference.
        let error = error.without_url();
        let kind = if error.is_timeout() {
            ProblemKind::UpstreamTimeout
        } else {
            ProblemKind::UpstreamUnavailable
        };
        tracing::debug!(carrier, %error, "upstream transport error");
        let detail = if error.is_timeout() {
            format!("{carrier} did not answer in time")
        } else {
            format!("{carrier} could not be reached")
        };
        Problem::new(kind, detail).for_carrier(carrier)
    }

    /// A valid Di token. `rejected` is the token Di just refused: a new login is made unless
    /// another request already replaced it.
    async fn di_token(
        &self,
        client: &reqwest::Client,
        rejected: Option<&Secret>,
        metrics: &Metrics,
    ) -> Result<Secret, Problem> {
        let mut session = self.di_session.lock().await;
        if let Some(current) = session.token.as_ref() {
            let replaced = rejected.is_some_and(|rejected| rejected != &current.token);
            if (rejected.is_none() || replaced) && current.refresh_after > Instant::now() {
                return Ok(current.token.clone());
            }
        }
        session.token = None;
        if let Some(fleet) = &self.fleet {
            if let Ok(shared) = self.shared_di_token(fleet, client, rejected, metrics).await {
                return shared.map(|token| {
                    let value = token.token.clone();
                    session.token = Some(token);
                    value
                });
            }
        }
        // A login that failed a moment ago fails again: say so without asking Di.
        if let Some(failure) = &session.failure {
            if let Some(wait) = failure.retry_at.checked_duration_since(Instant::now()) {
                if !wait.is_zero() {
                    return Err(failure.problem.clone().retry_after(wait));
                }
            }
        }
        let result = self.log_in(client, metrics).await;
        match result {
            Ok(token) => {
                session.failure = None;
                let token_value = token.token.clone();
                session.token = Some(token);
                Ok(token_value)
            }
            Err(problem) => {
                let failures = session
                    .failure
                    .as_ref()
                    .map_or(1, |failure| failure.failures.saturating_add(1));
                let wait = login_backoff(failures);
                tracing::warn!(
                    carrier = self.carrier(),
                    failures,
                    wait_secs = wait.as_secs(),
                    "the Di login failed; the next attempt waits"
                );
                session.failure = Some(LoginFailure {
                    problem: problem.clone(),
                    failures,
                    retry_at: Instant::now() + wait,
                });
                Err(problem.retry_after(wait))
            }
        }
    }

    /// The fleet's Di token: the one another replica got, or a login made here for every
    /// replica while the others wait; a login that failed for the fleet is not retried before
    /// its back-off ends. `Err` when the fleet's Redis does not answer.
    async fn shared_di_token(
        &self,
        fleet: &Fleet,
        client: &reqwest::Client,
        rejected: Option<&Secret>,
        metrics: &Metrics,
    ) -> Result<Result<DiToken, Problem>, Unreachable> {
        let carrier = self.carrier();
        if let Some(rejected) = rejected {
            fleet.drop_di_token(rejected.expose()).await?;
        }
        let lock = fleet::lock_token();
        let deadline = Instant::now() + self.exchange_timeout;
        let shared = |session| match session {
            SharedDiSession::Token(token, fresh_for) => Some(Ok(DiToken {
                token: Secret::new(token),
                refresh_after: Instant::now() + fresh_for,
            })),
            SharedDiSession::LoginFailed(problem, wait) => {
                Some(Err(problem.for_carrier(carrier).retry_after(wait)))
            }
            SharedDiSession::None => None,
        };
        loop {
            if let Some(found) = shared(fleet.di_session().await?) {
                return Ok(found);
            }
            if fleet
                .lock_login(&lock, self.exchange_timeout + Duration::from_secs(1))
                .await?
            {
                // Another replica may have logged in between the look and the lock.
                if let Some(found) = shared(fleet.di_session().await?) {
                    let _ = fleet.unlock_login(&lock).await;
                    return Ok(found);
                }
                let result = self.log_in(client, metrics).await;
                match &result {
                    Ok(token) => {
                        let fresh_for = token
                            .refresh_after
                            .saturating_duration_since(Instant::now());
                        let _ = fleet.store_di_token(token.token.expose(), fresh_for).await;
                    }
                    Err(problem) => {
                        if let Ok((failures, wait)) =
                            fleet.di_login_failed(problem, login_backoff).await
                        {
                            tracing::warn!(
                                carrier,
                                failures,
                                wait_secs = wait.as_secs(),
                                "the Di login failed; the fleet's next attempt waits"
                            );
                            let _ = fleet.unlock_login(&lock).await;
                            return Ok(Err(problem.clone().retry_after(wait)));
                        }
                    }
                }
                let _ = fleet.unlock_login(&lock).await;
                return Ok(result);
            }
            if Instant::now() >= deadline {
                return Ok(Err(Problem::new(
                    ProblemKind::UpstreamTimeout,
                    "the login to di did not finish in time",
                )
                .for_carrier(carrier)));
            }
            tokio::time::sleep(Fleet::poll_interval()).await;
        }
    }

    /// One login to Di.
    async fn log_in(
        &self,
        client: &reqwest::Client,
        metrics: &Metrics,
    ) -> Result<DiToken, Problem> {
        let Credentials::DiLogin {
            username,
            password,
            token_minutes,
        } = &self.config.credentials
        else {
            unreachable!("only Di logs in");
        };
        metrics.di_login();
        let carrier = self.carrier();
        let login =
            di::login_request(username, password.expose(), *token_minutes).map_err(|error| {
                tracing::error!(carrier, %error, "the Di login cannot be built");
                Problem::new(
                    ProblemKind::UpstreamRefused,
                    "the proxy could not log in to di",
                )
                .for_carrier(carrier)
            })?;
        let response = send(client, &self.config.base_url, &login)
            .send()
            .await
            .map_err(|error| self.transport_problem(error))?;
        let status = response.status().as_u16();
        let body = read_limited(response, 64 * 1024)
            .await
            .map_err(|problem| problem.for_carrier(carrier))?;
        let answer = di::parse_login(&CarrierResponse::new(status, &body)).map_err(|error| {
            tracing::error!(carrier, status, "the Di login was refused");
            let kind = match AnswerState::of_error(&error) {
                _ if status == 504 => ProblemKind::UpstreamTimeout,
                AnswerState::Malformed => ProblemKind::UpstreamMalformed,
                AnswerState::Refused => ProblemKind::UpstreamRefused,
                _ => ProblemKind::UpstreamUnavailable,
            };
            let detail = match error {
                TrackingError::MalformedResponse { .. } => "the di login answer holds no token",
                _ => "the proxy could not log in to di",
            };
            Problem::new(kind, detail).for_carrier(carrier)
        })?;
        // Refresh a minute early (or at 90 % for short tokens), so no request carries a token
        // that expires on the way.
        let lifetime = Duration::from_secs(u64::from(*token_minutes) * 60);
        let margin = Duration::from_secs(60).min(lifetime / 10);
        Ok(DiToken {
            token: Secret::new(answer.bearer()),
            refresh_after: Instant::now() + lifetime - margin,
        })
    }
}

/// How long the next Di login waits after `failures` failed in a row: doubling from
/// [`FIRST_LOGIN_BACKOFF`] up to [`MAX_LOGIN_BACKOFF`].
fn login_backoff(failures: u32) -> Duration {
    FIRST_LOGIN_BACKOFF
        .saturating_mul(1 << failures.saturating_sub(1).min(16))
        .min(MAX_LOGIN_BACKOFF)
}

/// What the proxy knows of the call an answer came back to.
#[derive(Debug, Clone, Copy)]
pub struct UpstreamCall<'a> {
    pub carrier: Carrier,
    pub endpoint: &'static Endpoint,
    /// The kind of answer core's adapters read it as; `None` for endpoints no adapter reads.
    pub kind: Option<ResponseKind>,
    /// The reference asked about.
    pub reference: Option<&'a str>,
}

/// What the proxy makes of one carrier answer.
#[derive(Debug)]
pub struct Interpretation {
    /// What the widget gets: the carrier's answer passed on, or a problem.
    pub answer: Result<UpstreamAnswer, Problem>,
    /// How long to stay away from the carrier, after a 429 or a 503 with `Retry-After`.
    pub backoff: Option<Duration>,
}

/// Reads a carrier answer with core's adapters (its JSON reader, its status classification,
/// its `Retry-After` reader) and turns the [`AnswerState`] into what the widget gets: a found
/// answer as the carrier sent it, everything else as the problem type of its state, so that
/// the widget reads the same state through the proxy as it would from the carrier.
pub fn interpret(
    call: &UpstreamCall,
    status: u16,
    retry_after: Option<&str>,
    body: Bytes,
    now_unix_seconds: i64,
) -> Interpretation {
    let carrier = call.carrier.as_str();
    let problem = |kind, detail: String| Problem::new(kind, detail).for_carrier(carrier);
    let done = |answer| Interpretation {
        answer,
        backoff: None,
    };
    if (300..400).contains(&status) {
        return done(Err(problem(
            ProblemKind::UpstreamUnavailable,
            format!(
                "{carrier} answered with a redirect ({status}), which the proxy does not follow"
            ),
        )));
    }
    let response = CarrierResponse::new(status, &body).with_retry_after(retry_after);
    let (state, result) = classify(call.kind, call.carrier, &response, call.reference);
    let wait = retry_after_wait(retry_after, now_unix_seconds);
    let error = result.err();
    // Core's own words only: a carrier's message text is upstream body and stays out of details.
    let reason = |fallback: String| match &error {
        Some(TrackingError::MalformedResponse { reason, .. }) => {
            format!("{carrier} answered with something unusable: {reason}")
        }
        _ => fallback,
    };
    let kind_of_state = |state: AnswerState| {
        state
            .problem_type()
            .and_then(ProblemKind::from_slug)
            .unwrap_or(ProblemKind::UpstreamUnavailable)
    };
    match state {
        // A success is passed on as the carrier sent it, an empty list too (the widget reads it
        // as not found, as the adapters do here).
        AnswerState::Found | AnswerState::NotFound if (200..300).contains(&status) => {
            done(Ok(UpstreamAnswer::new(
                StatusCode::from_u16(status).unwrap_or(StatusCode::OK),
                "application/json",
                body,
                call.endpoint.is_final(status),
            )))
        }
        AnswerState::Found => done(Err(problem(
            ProblemKind::UpstreamMalformed,
            format!("{carrier} answered {status} with a body the proxy cannot pass on"),
        ))),
        AnswerState::NotFound => {
            let not_found = problem(
                kind_of_state(state),
                format!("{carrier} does not know this reference"),
            );
            done(Ok(UpstreamAnswer::new(
                StatusCode::NOT_FOUND,
                "application/problem+json",
                problem_body(not_found),
                call.endpoint.is_final(404),
            )))
        }
        AnswerState::RateLimited => {
            let wait = wait
                .unwrap_or(DEFAULT_BACKOFF)
                .clamp(Duration::from_secs(1), MAX_BACKOFF);
            Interpretation {
                answer: Err(rate_limited(carrier, wait)),
                backoff: Some(wait),
            }
        }
        AnswerState::Refused => {
            tracing::error!(
                carrier,
                status,
                "the carrier refused the proxy's credentials or request"
            );
            done(Err(problem(
                kind_of_state(state),
                format!("{carrier} refused the proxy's request (HTTP {status}); the operator must check the configuration"),
            )))
        }
        AnswerState::Unavailable => {
            let kind = if status == 504 {
                ProblemKind::UpstreamTimeout
            } else {
                kind_of_state(state)
            };
            let detail = match status {
                504 => format!("{carrier} timed out"),
                503 => format!("{carrier} is temporarily unavailable"),
                _ => format!("{carrier} answered with status {status}"),
            };
            // The carrier's own estimate of when it is back is worth passing on to the widget,
            // and a 503 that gives one is waited out like a 429.
            let unavailable = problem(kind, detail);
            let wait = wait.map(|wait| wait.clamp(Duration::from_secs(1), MAX_BACKOFF));
            Interpretation {
                answer: Err(match wait {
                    Some(wait) => unavailable.retry_after(wait),
                    None => unavailable,
                }),
                backoff: wait.filter(|_| status == 503),
            }
        }
        AnswerState::InvalidReference => done(Err(problem(
            kind_of_state(state),
            reason(format!("{carrier} refused the reference as malformed")),
        ))),
        AnswerState::Malformed => done(Err(problem(
            kind_of_state(state),
            reason(format!(
                "{carrier} answered with something that is not JSON"
            )),
        ))),
    }
}

fn rate_limited(carrier: &'static str, wait: Duration) -> Problem {
    Problem::new(
        ProblemKind::RateLimited,
        format!("{carrier} is asking for fewer requests; try again later"),
    )
    .for_carrier(carrier)
    .retry_after(wait)
}

/// Seconds since the Unix epoch, for HTTP-date `Retry-After` values.
fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_secs() as i64)
}

/// A request core built, sent to a carrier's base URL.
fn send(
    client: &reqwest::Client,
    base_url: &str,
    request: &CarrierRequest,
) -> reqwest::RequestBuilder {
    let url = format!("{base_url}{}", request.path_and_query());
    let mut builder = match request.method {
        Method::Get => client.get(url),
        Method::Post => client.post(url),
    };
    builder = builder.header(header::ACCEPT, "application/json");
    for (name, value) in &request.headers {
        builder = builder.header(name, value);
    }
    if let Some(body) = &request.body {
        builder = builder.body(body.clone());
    }
    builder
}

fn problem_body(problem: Problem) -> Bytes {
    // Rendered once, so that a cached not-found costs no serialization per hit.
    let kind = problem.kind;
    serde_json::to_vec(&serde_json::json!({
        "type": kind.type_uri(),
        "title": "Not found",
        "status": kind.status().as_u16(),
        "detail": problem.detail,
        "carrier": problem.carrier,
    }))
    .map(Bytes::from)
    .unwrap_or_default()
}

/// Reads at most `limit` bytes; a larger answer is refused rather than truncated.
async fn read_limited(mut response: reqwest::Response, limit: usize) -> Result<Bytes, Problem> {
    let too_large = || {
        Problem::new(
            ProblemKind::UpstreamMalformed,
            format!("the answer is larger than {limit} bytes"),
        )
    };
    if response
        .content_length()
        .is_some_and(|length| length > limit as u64)
    {
        return Err(too_large());
    }
    let mut body = BytesMut::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > limit {
                    return Err(too_large());
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(body.freeze()),
            Err(error) if error.is_timeout() => {
                return Err(Problem::new(
                    ProblemKind::UpstreamTimeout,
                    "the answer did not arrive in time",
                ))
            }
            // A body that ends early cannot be used, whatever cut it.
            Err(_) => {
                return Err(Problem::new(
                    ProblemKind::UpstreamMalformed,
                    "the answer was cut off",
                ))
            }
        }
    }
}

/// Builds the one HTTP client: no redirects, no proxies from the environment, no cookies.
pub fn http_client(
    connect_timeout: Duration,
    total_timeout: Duration,
) -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .connect_timeout(connect_timeout)
        .timeout(total_timeout)
        .user_agent(concat!("trackline-proxy/", env!("CARGO_PKG_VERSION")))
        .build()
}
