//! Reading a carrier's answer with core's adapter for that carrier.
//!
//! A release build keeps each carrier's reading in a wasm module of its own (build.rs's
//! `trackline_split`, scripts/split-release.mjs): the typed readers of every answer that carrier
//! sends, with serde_json's code for them, are not in the first load. The modules of the carriers
//! a round of requests goes to are fetched while those requests are out ([`Prefetch`]), so that
//! an answer and the code that reads it arrive together. Development builds and tests are one
//! module and read at once.

use std::cell::RefCell;
use std::rc::Rc;

use trackline_core::carrier::{CarrierResponse, Normalized, Reading, ResponseKind};
use trackline_core::model::{Carrier, TrackingError};

use super::RawResponse;

/// One answer to read: what was asked (`kind` for `reference`) and what came back.
pub struct Answer {
    pub kind: ResponseKind,
    pub reference: String,
    pub response: RawResponse,
}

impl Answer {
    fn carrier_response(&self) -> CarrierResponse<'_> {
        CarrierResponse::new(self.response.status, &self.response.body)
            .with_retry_after(self.response.retry_after.as_deref())
    }
}

/// Why an answer gave no normalized result.
#[derive(Debug)]
pub enum ReadFailure {
    /// The answer itself says what went wrong, as core's adapter reads it.
    Answer(TrackingError),
    /// The module that reads this carrier's answers could not be fetched (offline, a blocked
    /// address). A failed fetch is not remembered: the next read fetches it again.
    #[cfg_attr(not(trackline_split), allow(dead_code))]
    ModuleUnavailable,
}

#[cfg(trackline_split)]
impl From<leptos::wasm_split::SplitLoaderError> for ReadFailure {
    fn from(_: leptos::wasm_split::SplitLoaderError) -> Self {
        ReadFailure::ModuleUnavailable
    }
}

/// Reads core's reading of a `carrier`'s answer, as the Trackline proxy sends it.
#[cfg(not(trackline_split))]
pub async fn read_reading(carrier: Carrier, body: Vec<u8>) -> Result<Normalized, ReadFailure> {
    from_reading(carrier, &body)
}

/// Reads core's reading of a `carrier`'s answer, as the Trackline proxy sends it, once the
/// module that reads it is here.
#[cfg(trackline_split)]
pub async fn read_reading(carrier: Carrier, body: Vec<u8>) -> Result<Normalized, ReadFailure> {
    read_sent_reading(carrier, body).await
}

fn from_reading(carrier: Carrier, body: &[u8]) -> Result<Normalized, ReadFailure> {
    match Reading::from_json(body) {
        Ok(reading) => reading
            .into_result()
            .map(Normalized::Shipments)
            .map_err(ReadFailure::Answer),
        Err(error) => Err(ReadFailure::Answer(TrackingError::MalformedResponse {
            carrier,
            reason: format!("the proxy's reading of the answer cannot be read: {error}"),
        })),
    }
}

/// Reads `answer` with the adapter of the carrier its kind belongs to.
#[cfg(not(trackline_split))]
pub async fn read(answer: Answer) -> Result<Normalized, ReadFailure> {
    let response = answer.carrier_response();
    trackline_core::carrier::normalize(answer.kind, &response, Some(&answer.reference))
        .map_err(ReadFailure::Answer)
}

/// Reads `answer` with the adapter of the carrier its kind belongs to, once that carrier's module
/// is here.
#[cfg(trackline_split)]
pub async fn read(answer: Answer) -> Result<Normalized, ReadFailure> {
    match answer.kind.carrier() {
        Carrier::Inpost => read_inpost(answer).await,
        Carrier::Di => read_di(answer).await,
        // The kinds name no carrier but these three.
        _ => read_trackonline(answer).await,
    }
}

/// The modules that read the answers to one round of requests, fetched from the moment the
/// requests are planned and while they are out. Through the Trackline proxy, which sends core's
/// reading of each answer, that is the one module that reads readings. Otherwise (a generic CORS
/// proxy) it is the carriers' own modules, one after another in the order of the plan, so that
/// the first planned carrier's module has the line to itself, and a carrier whose every request
/// has been answered by then is skipped (an answer that needs reading fetches its module itself,
/// at once, in [`read`]; a refusal by the proxy needs none). A failed fetch is left to [`read`]
/// and [`read_reading`], which fetch again and say so. Nothing is fetched in a build of one
/// module.
#[derive(Clone)]
pub struct Prefetch {
    /// The kinds whose request is still out, one entry per request.
    out: Rc<RefCell<Vec<ResponseKind>>>,
}

impl Prefetch {
    /// Starts fetching the modules for requests of `kinds`, in this order: the module that reads
    /// the proxy's readings when `readings` (the endpoint is the Trackline proxy), else the
    /// carriers' own.
    pub fn start(kinds: Vec<ResponseKind>, readings: bool) -> Prefetch {
        let prefetch = Prefetch {
            out: Rc::new(RefCell::new(kinds)),
        };
        #[cfg(not(trackline_split))]
        let _ = readings;
        #[cfg(trackline_split)]
        {
            use std::future::Future;
            use std::task::{Context, Waker};

            let order = prefetch.out.borrow().clone();
            let out = prefetch.clone();
            let mut fetching = Box::pin(async move {
                if readings {
                    let _ = prefetch_reading().await;
                    return;
                }
                let mut fetched = Vec::new();
                for kind in order {
                    let carrier = kind.carrier();
                    if fetched.contains(&carrier) || !out.is_out(carrier) {
                        continue;
                    }
                    fetched.push(carrier);
                    let _ = load(carrier).await;
                }
            });
            // Polled once here, so that the first module's request leaves now, while the widget
            // is still being built (spawned tasks run only once it is); the executor polls on
            // with its own waker, unless every module was here already.
            let first = fetching
                .as_mut()
                .poll(&mut Context::from_waker(Waker::noop()));
            if first.is_pending() {
                leptos::task::spawn_local(fetching);
            }
        }
        prefetch
    }

    /// The request of `kind` has its answer (or will get none).
    pub fn answered(&self, kind: ResponseKind) {
        let mut out = self.out.borrow_mut();
        if let Some(index) = out.iter().position(|other| *other == kind) {
            out.remove(index);
        }
    }

    #[cfg_attr(not(trackline_split), allow(dead_code))]
    fn is_out(&self, carrier: Carrier) -> bool {
        self.out
            .borrow()
            .iter()
            .any(|kind| kind.carrier() == carrier)
    }
}

/// Fetches the module that reads `carrier`'s answers, if it is not here yet.
#[cfg(trackline_split)]
async fn load(carrier: Carrier) -> Result<(), leptos::wasm_split::SplitLoaderError> {
    match carrier {
        Carrier::Inpost => prefetch_inpost().await,
        Carrier::Di => prefetch_di().await,
        _ => prefetch_trackonline().await,
    }
}

// The split points of a release build: what only one of these reaches is that carrier's module.

#[cfg(trackline_split)]
#[leptos::wasm_split::wasm_split(
    inpost,
    wasm_split_path = ::leptos::wasm_split,
    fallible,
    preload(prefetch_inpost)
)]
fn read_inpost(answer: Answer) -> Result<Normalized, ReadFailure> {
    trackline_core::carrier::normalize_inpost(answer.kind, &answer.carrier_response())
        .map_err(ReadFailure::Answer)
}

#[cfg(trackline_split)]
#[leptos::wasm_split::wasm_split(di, wasm_split_path = ::leptos::wasm_split, fallible, preload(prefetch_di))]
fn read_di(answer: Answer) -> Result<Normalized, ReadFailure> {
    let response = answer.carrier_response();
    trackline_core::carrier::normalize_di(answer.kind, &response, Some(&answer.reference))
        .map_err(ReadFailure::Answer)
}

#[cfg(trackline_split)]
#[leptos::wasm_split::wasm_split(
    trackonline,
    wasm_split_path = ::leptos::wasm_split,
    fallible,
    preload(prefetch_trackonline)
)]
fn read_trackonline(answer: Answer) -> Result<Normalized, ReadFailure> {
    let response = answer.carrier_response();
    trackline_core::carrier::normalize_trackonline(answer.kind, &response, Some(&answer.reference))
        .map_err(ReadFailure::Answer)
}

#[cfg(trackline_split)]
#[leptos::wasm_split::wasm_split(
    reading,
    wasm_split_path = ::leptos::wasm_split,
    fallible,
    preload(prefetch_reading)
)]
fn read_sent_reading(carrier: Carrier, body: Vec<u8>) -> Result<Normalized, ReadFailure> {
    from_reading(carrier, &body)
}
