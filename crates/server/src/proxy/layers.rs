//! The proxy's own pieces of its request path, where tower and tower-http have none that fits:
//! the request log, the origin policy in front of the CORS layer, and the problems the shedding
//! and deadline layers answer with. `try_app_with_store` stacks them, in order.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::{Duration, Instant};

use axum::extract::Request;
use axum::http::{header, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::future::{ready, Either, FutureExt, Map, Ready};
use tower::{BoxError, Layer, Service};

use super::cors;
use super::metrics::LimitScope;
use super::problem::{Problem, ProblemKind};
use super::ProxyState;

/// The carrier and masked path a response answered, for the request log: a response extension
/// set by the carrier handler and by problems about a carrier. The masked path only: the raw one
/// holds the tracking number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Routed {
    pub carrier: &'static str,
    /// `None` when the request was refused before it named an endpoint.
    pub masked_path: Option<String>,
}

/// The origin policy, in front of tower-http's CORS layer for the configured sites:
/// - a configured origin (or none, when requests without `Origin` are allowed) passes; its
///   preflight is checked (GET, the key and link headers) and answered by the CORS layer;
/// - a well-formed origin that is not configured is refused readably: its preflight passes and
///   its request gets the `forbidden-origin` problem with CORS headers, so that the widget can
///   say "this site is not set up for tracking" instead of seeing a network error;
/// - `null`, a malformed origin, or no origin when that is refused get the problem alone.
///
/// Nothing behind it runs for a refused origin: no limit is spent, nothing is shed. A plain
/// tower layer rather than a `from_fn` middleware: the allowed request, the one that matters
/// for throughput, passes with no allocation of its own.
#[derive(Clone)]
pub(super) struct OriginPolicyLayer {
    state: Arc<ProxyState>,
}

impl OriginPolicyLayer {
    pub(super) fn new(state: &Arc<ProxyState>) -> Self {
        OriginPolicyLayer {
            state: Arc::clone(state),
        }
    }
}

impl<S> Layer<S> for OriginPolicyLayer {
    type Service = OriginPolicy<S>;

    fn layer(&self, inner: S) -> OriginPolicy<S> {
        OriginPolicy {
            state: Arc::clone(&self.state),
            inner,
        }
    }
}

/// The service of [`OriginPolicyLayer`].
#[derive(Clone)]
pub(super) struct OriginPolicy<S> {
    state: Arc<ProxyState>,
    inner: S,
}

type Answered = Result<Response, Infallible>;
/// Makes a CORS layer's preflight answer the proxy's: 204, varying by origin only.
type AnswerPreflight = fn(Answered) -> Answered;
/// A readable refusal: tower-http's CORS around the `forbidden-origin` problem.
type ReadableRefusal = tower_http::cors::ResponseFuture<Ready<Answered>>;

fn answer_preflight(answered: Answered) -> Answered {
    let Ok(mut response) = answered;
    // Only a CORS layer's preflight answer lists the allowed methods.
    if response
        .headers()
        .contains_key(header::ACCESS_CONTROL_ALLOW_METHODS)
    {
        cors::as_preflight_answer(&mut response);
    }
    Ok(response)
}

fn answer<F, G>(problem: Problem) -> Either<F, Either<Ready<Answered>, G>> {
    Either::Right(Either::Left(ready(Ok(problem.into_response()))))
}

impl<S> Service<Request> for OriginPolicy<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Either<
        Either<S::Future, Map<S::Future, AnswerPreflight>>,
        Either<Ready<Answered>, Map<ReadableRefusal, AnswerPreflight>>,
    >;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let preflight = request.method() == Method::OPTIONS;
        let refusal = match cors::decide(&self.state.config, request.headers()) {
            Ok(_) if !preflight => return Either::Left(Either::Left(self.inner.call(request))),
            Ok(decision) => {
                if decision.allow_origin.is_none() {
                    return answer(cors::forbidden("a preflight needs an Origin"));
                }
                if let Err(problem) = cors::check_preflight(request.headers()) {
                    return answer(problem);
                }
                let answered = self.inner.call(request);
                return Either::Left(Either::Right(
                    answered.map(answer_preflight as AnswerPreflight),
                ));
            }
            Err(refusal) => refusal,
        };
        if cors::refused_origin(request.headers()).is_none() {
            return answer(refusal);
        }
        if preflight {
            if let Err(problem) = cors::check_preflight(request.headers()) {
                return answer(problem);
            }
        }
        let mut readable =
            self.state
                .readable_refusals
                .layer(tower::service_fn(move |_: Request| {
                    ready(Ok(refusal.clone().into_response()))
                }));
        // Always ready: a CORS layer around a function.
        let answered = readable.call(request);
        Either::Right(Either::Right(
            answered.map(answer_preflight as AnswerPreflight),
        ))
    }
}

/// The request log: one log line and one count per request, whatever answered it, as the
/// outermost layer. The line names the method, the carrier and the masked path (see
/// [`Routed`]), the status, where the answer came from (`X-Trackline-Cache`) and the time taken.
///
/// The proxy's own rather than tower-http's `TraceLayer`, which wraps every answer's body in its
/// own type (so that axum boxes it once more per request) to observe a stream the proxy never
/// sends, and names the method only in a span around the line.
#[derive(Clone)]
pub(super) struct RequestLogLayer {
    state: Arc<ProxyState>,
}

impl RequestLogLayer {
    pub(super) fn new(state: &Arc<ProxyState>) -> Self {
        RequestLogLayer {
            state: Arc::clone(state),
        }
    }
}

impl<S> Layer<S> for RequestLogLayer {
    type Service = RequestLog<S>;

    fn layer(&self, inner: S) -> RequestLog<S> {
        RequestLog {
            state: Arc::clone(&self.state),
            inner,
        }
    }
}

/// The service of [`RequestLogLayer`].
#[derive(Clone)]
pub(super) struct RequestLog<S> {
    state: Arc<ProxyState>,
    inner: S,
}

impl<S> Service<Request> for RequestLog<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
    S::Future: Unpin,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Logged<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        Logged {
            method: request.method().clone(),
            started: Instant::now(),
            state: Arc::clone(&self.state),
            answered: self.inner.call(request),
        }
    }
}

/// A request being answered; logged and counted when the answer is there.
pub(super) struct Logged<F> {
    answered: F,
    method: Method,
    started: Instant,
    state: Arc<ProxyState>,
}

impl<F> Future for Logged<F>
where
    F: Future<Output = Answered> + Unpin,
{
    type Output = Answered;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Answered> {
        let Ok(response) = ready!(Pin::new(&mut self.answered).poll(cx));
        log(&self.state, &self.method, &response, self.started.elapsed());
        Poll::Ready(Ok(response))
    }
}

fn log(state: &ProxyState, method: &Method, response: &Response, elapsed: Duration) {
    let routed = response.extensions().get::<Routed>();
    let carrier = routed.map(|routed| routed.carrier);
    let status = response.status();
    state.metrics.request(carrier, status.as_u16());
    let path = routed
        .and_then(|routed| routed.masked_path.as_deref())
        .unwrap_or("(not forwarded)");
    let cache = response
        .headers()
        .get("x-trackline-cache")
        .and_then(|value| value.to_str().ok())
        .unwrap_or("-");
    let carrier = carrier.unwrap_or("-");
    let elapsed_ms = elapsed.as_millis() as u64;
    if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
        tracing::warn!(%method, carrier, path, status = status.as_u16(), cache, elapsed_ms, "request");
    } else {
        tracing::info!(%method, carrier, path, status = status.as_u16(), cache, elapsed_ms, "request");
    }
}

/// The answer of the shedding and deadline layers in front of the handlers: a request over the
/// limit of requests in flight is shed at once (`overloaded`, retry in a second) rather than
/// queued, since a queue would only turn overload into timeouts; a request past the deadline
/// gets `upstream-timeout`. The handlers themselves never fail, so these are the only errors.
pub(super) fn shed_or_late(state: &ProxyState, error: BoxError, deadline: Duration) -> Problem {
    if error.is::<tower::timeout::error::Elapsed>() {
        return Problem::new(
            ProblemKind::UpstreamTimeout,
            format!(
                "the request was not answered within the proxy's deadline of {} ms",
                deadline.as_millis()
            ),
        );
    }
    state.metrics.rate_limited(LimitScope::Concurrency);
    Problem::new(
        ProblemKind::Overloaded,
        "the proxy is at its limit of requests in flight",
    )
    .retry_after(Duration::from_secs(1))
}
