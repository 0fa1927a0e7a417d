//! Reading a carrier's answer: core's reading of it as the Trackline proxy sends it, or the
//! carrier's own bytes with core's adapter for that carrier.
//!
//! A release build keeps both out of the first load, each in a wasm module of its own (build.rs's
//! `trackline_split`, scripts/split-release.mjs): the reader of readings (the model's readers
//! over `JSON.parse`, [`reading_from_body`]), and the carriers' adapters with the typed readers
//! of every answer they send (one module for the three, since only a proxy that predates
//! readings or a generic CORS proxy needs them). The module the answers need is fetched before
//! they are asked for (from the module's start, `element::prefetch_modules`, and again once
//! requests are planned, [`prefetch`]), so that an answer and the code that reads it arrive
//! together. Development builds and tests are one module and read at once.

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
    match reading_from_body(body) {
        Ok(reading) => reading
            .into_result()
            .map(Normalized::Shipments)
            .map_err(ReadFailure::Answer),
        Err(reason) => Err(ReadFailure::Answer(TrackingError::MalformedResponse {
            carrier,
            reason: format!("the proxy's reading of the answer cannot be read: {reason}"),
        })),
    }
}

/// Reads the body of a [`READING_MEDIA_TYPE`] answer with the browser's `JSON.parse` and
/// serde-wasm-bindgen, into what [`Reading::from_json`] (serde_json) reads from what the proxy
/// writes. The numbers of a reading are coordinates, sizes, statuses and seconds (core caps a
/// wait at [`MAX_DELAY_SECONDS`]), which a JavaScript number holds exactly; long identifiers are
/// text. Kept apart from serde_json's parser, which then stays out of what a parcel's headline
/// waits for (the carriers' readers and the overview still bring it): about 15 KB of brotli less
/// to download before the headline.
///
/// The error says what is wrong with the body: not UTF-8, not JSON (in the browser's words), or
/// not a reading (in serde's words, such as an unknown carrier's name; without the member's path).
/// A number where the reading has text is named by its digits when it is whole and as "number"
/// otherwise: serde-wasm-bindgen is patched so that no message formats a float, which keeps the
/// float formatting out of this module (vendor/serde-wasm-bindgen/PATCHED.md).
///
/// [`MAX_DELAY_SECONDS`]: trackline_core::carrier::retry_after::MAX_DELAY_SECONDS
///
/// [`READING_MEDIA_TYPE`]: trackline_core::carrier::READING_MEDIA_TYPE
pub fn reading_from_body(body: &[u8]) -> Result<Reading, String> {
    let value = super::document::parse_json(body)?;
    serde_wasm_bindgen::from_value(value).map_err(|error| format!("not a reading: {error}"))
}

/// Reads `answer` with the adapter of the carrier its kind belongs to.
#[cfg(not(trackline_split))]
pub async fn read(answer: Answer) -> Result<Normalized, ReadFailure> {
    let response = answer.carrier_response();
    trackline_core::carrier::normalize(answer.kind, &response, Some(&answer.reference))
        .map_err(ReadFailure::Answer)
}

/// Reads `answer` with the adapter of the carrier its kind belongs to, once the carriers' module is
/// here.
#[cfg(trackline_split)]
pub async fn read(answer: Answer) -> Result<Normalized, ReadFailure> {
    match answer.kind.carrier() {
        Carrier::Inpost => read_inpost(answer).await,
        Carrier::Di => read_di(answer).await,
        // The kinds name no carrier but these three.
        _ => read_trackonline(answer).await,
    }
}

/// Starts fetching the module that reads the answers to a round of requests (at the latest when
/// the requests are planned), so that it arrives with the answers, not one round trip and a
/// download after them: through the Trackline proxy, which sends core's reading of each answer,
/// the module that reads readings; otherwise (a generic CORS proxy, `readings` false) the
/// carriers' readers. The request leaves now, while the widget is still being built
/// (`crate::eager`); asking again costs nothing while it is on its way or here. A failed fetch
/// is left to [`read`] and [`read_reading`], which fetch again and say so. Nothing is fetched in
/// a build of one module.
pub fn prefetch(readings: bool) {
    #[cfg(not(trackline_split))]
    let _ = readings;
    // Started here, so that the request leaves now.
    #[cfg(trackline_split)]
    crate::eager::spawn(async move {
        let _ = if readings {
            prefetch_reading().await
        } else {
            prefetch_carriers().await
        };
    });
}

// The split points of a release build: the carriers' readers share one module (split_carriers),
// needed only when a proxy sends the carriers' own bytes; the readings have one of their own.

#[cfg(trackline_split)]
#[leptos::wasm_split::wasm_split(
    carriers,
    wasm_split_path = ::leptos::wasm_split,
    fallible,
    preload(prefetch_carriers)
)]
fn read_inpost(answer: Answer) -> Result<Normalized, ReadFailure> {
    trackline_core::carrier::normalize_inpost(answer.kind, &answer.carrier_response())
        .map_err(ReadFailure::Answer)
}

#[cfg(trackline_split)]
#[leptos::wasm_split::wasm_split(carriers, wasm_split_path = ::leptos::wasm_split, fallible)]
fn read_di(answer: Answer) -> Result<Normalized, ReadFailure> {
    let response = answer.carrier_response();
    trackline_core::carrier::normalize_di(answer.kind, &response, Some(&answer.reference))
        .map_err(ReadFailure::Answer)
}

#[cfg(trackline_split)]
#[leptos::wasm_split::wasm_split(
    carriers,
    wasm_split_path = ::leptos::wasm_split,
    fallible
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
