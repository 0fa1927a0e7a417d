//! Asking the carriers: which URL a planned request goes to, how it is sent (with a timeout and
//! cancellation), and what its answer means: core's reading of it, as the Trackline proxy sends
//! it, or the carrier's bytes normalized with core inside the widget.
//!
//! The transport is swappable: a [`Network`] says how requests leave the page. Pages use the
//! browser's fetch; browser tests provide a stubbed one as context, so that every state can be
//! reached without a server.

pub mod ahead;
mod classify;
mod document;
mod reader;
mod transport;

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use trackline_core::carrier::{percent_encode, ACCEPT_READING};
use trackline_core::model::Carrier;
use trackline_core::overview::{ShipmentsPage, ShipmentsQuery};
use trackline_core::routing::PlannedRequest;
use web_sys::AbortController;

pub use classify::{classify, proxy_refusal, Denial, Outcome};
pub use reader::{prefetch, reading_from_body};
pub use transport::{FetchError, RawResponse, StubFuture, StubRequest};

/// How long one request may take before it counts as a timeout. The proxy gives up on a carrier
/// after 8 s by default; this leaves room for its answer to arrive.
pub const REQUEST_TIMEOUT_MS: i32 = 10_000;

type Stub = Rc<dyn Fn(StubRequest) -> StubFuture>;

/// How requests leave the page, and how long the widget waits: the browser's fetch with the
/// real timings, or (browser tests) a stub with shortened ones. One value per mounted widget,
/// given to its loaders as context; nothing global.
#[derive(Clone)]
pub struct Network {
    stub: Option<Stub>,
    /// How long one request may take before it counts as a timeout.
    pub timeout_ms: i32,
    /// Divides retry delays and the refresh interval (tests reach give-up and refresh in
    /// seconds); 1 on pages.
    pub delay_divisor: u32,
}

impl Default for Network {
    fn default() -> Self {
        Network {
            stub: None,
            timeout_ms: REQUEST_TIMEOUT_MS,
            delay_divisor: 1,
        }
    }
}

impl Network {
    /// Answers every request with `stub` instead of the network.
    pub fn stubbed(stub: impl Fn(StubRequest) -> StubFuture + 'static) -> Self {
        Network {
            stub: Some(Rc::new(stub)),
            ..Network::default()
        }
    }

    /// Shortens the request timeout and divides retry delays and the refresh interval.
    pub fn with_timing(self, timeout_ms: i32, delay_divisor: u32) -> Self {
        Network {
            timeout_ms,
            delay_divisor: delay_divisor.max(1),
            ..self
        }
    }
}

/// Where requests go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProxyEndpoint {
    /// The Trackline proxy: `{base}/carriers/{carrier}/{carrier path}`. An empty base is the
    /// page's own origin.
    Path(String),
    /// A generic CORS proxy, `https://cors.example/?url={url}`: the carrier URL, encoded, replaces
    /// `{url}`. Only carriers that need no key can be reached this way.
    Template(String),
}

impl ProxyEndpoint {
    /// Reads the `proxy` option; a value containing `{url}` is a template.
    pub fn from_option(value: Option<&str>) -> Self {
        let value = value.map(str::trim).unwrap_or_default();
        if value.contains("{url}") {
            ProxyEndpoint::Template(value.to_owned())
        } else {
            ProxyEndpoint::Path(value.trim_end_matches('/').to_owned())
        }
    }

    /// The carriers this endpoint can reach.
    pub fn carriers(&self) -> Vec<Carrier> {
        match self {
            ProxyEndpoint::Path(_) => Carrier::WITH_ADAPTER.to_vec(),
            ProxyEndpoint::Template(_) => Carrier::WITH_ADAPTER
                .into_iter()
                .filter(|c| c.public_base_url().is_some())
                .collect(),
        }
    }

    /// Whether answers come from the Trackline proxy (which speaks problem documents).
    pub fn is_trackline_proxy(&self) -> bool {
        matches!(self, ProxyEndpoint::Path(_))
    }

    /// The URL of one planned request, or `None` when this endpoint cannot reach the carrier.
    pub fn url(&self, planned: &PlannedRequest) -> Option<String> {
        let path = planned.request.path_and_query();
        match self {
            ProxyEndpoint::Path(base) => Some(format!(
                "{base}/carriers/{}{path}",
                planned.carrier.as_str()
            )),
            ProxyEndpoint::Template(template) => {
                let carrier_url = format!("{}{path}", planned.carrier.public_base_url()?);
                Some(template.replace("{url}", &percent_encode(&carrier_url)))
            }
        }
    }
}

/// What the page brings to the proxy besides the reference: the access key from the link's
/// `id` (header `X-Trackline-Key`) and the signed link, the page's query without `id` (header
/// `X-Trackline-Link`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Credentials {
    pub access_key: Option<String>,
    pub link: Option<String>,
}

/// Cancels every request of one parcel at once: when the element disconnects or the reference
/// changes. Each request has its own controller, so that its timeout cancels only itself.
#[derive(Clone, Default)]
pub struct Cancel {
    cancelled: Rc<Cell<bool>>,
    controllers: Rc<RefCell<Vec<AbortController>>>,
}

impl Cancel {
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.get()
    }

    pub fn cancel(&self) {
        self.cancelled.set(true);
        for controller in self.controllers.borrow_mut().drain(..) {
            controller.abort();
        }
    }

    /// A signal that aborts when this is cancelled: for a wait between requests, which must end
    /// with them.
    pub fn signal(&self) -> web_sys::AbortSignal {
        self.register().signal()
    }

    fn register(&self) -> AbortController {
        let controller = AbortController::new().expect("AbortController");
        if self.is_cancelled() {
            controller.abort();
        }
        self.controllers.borrow_mut().push(controller.clone());
        controller
    }

    fn release(&self, controller: &AbortController) {
        self.controllers
            .borrow_mut()
            .retain(|other| !js_sys::Object::is(other, controller));
    }
}

/// Sends one planned request and classifies its answer.
pub async fn ask(
    endpoint: &ProxyEndpoint,
    planned: &PlannedRequest,
    credentials: &Credentials,
    cancel: &Cancel,
    network: &Network,
) -> Outcome {
    let Some(url) = endpoint.url(planned) else {
        return Outcome::NotFound;
    };
    // The key and the signed link open the merchant's own proxy; a generic CORS proxy never
    // sees them.
    let none = Credentials::default();
    let credentials = if endpoint.is_trackline_proxy() {
        credentials
    } else {
        &none
    };
    // The Trackline proxy is asked for core's reading of the carrier's answer; a proxy that
    // predates it sends the carrier's bytes, which the carriers' module reads.
    let accept = endpoint.is_trackline_proxy().then_some(ACCEPT_READING);
    // An answer the loader asked for ahead, for this URL with these credentials.
    if let (ProxyEndpoint::Path(base), None) = (endpoint, &network.stub) {
        if let Some(response) = ahead::take(base, &url, credentials).await {
            return classify(endpoint, planned, response).await;
        }
    }
    let controller = cancel.register();
    let result = transport::send(&url, credentials, accept, &controller, network).await;
    cancel.release(&controller);
    match result {
        Ok(response) => classify(endpoint, planned, response).await,
        Err(FetchError::Aborted) => Outcome::Cancelled,
        Err(FetchError::Timeout) => Outcome::Transient {
            retry_after_secs: None,
            detail: format!("no answer within {} ms", network.timeout_ms),
        },
        Err(FetchError::Offline) => Outcome::Offline,
        Err(FetchError::Network(detail)) => Outcome::Transient {
            retry_after_secs: None,
            detail,
        },
    }
}

/// Sends one request of the proxy's own routes; a request that got no answer is the outcome to
/// show instead.
async fn send_to_proxy(
    url: &str,
    credentials: &Credentials,
    cancel: &Cancel,
    network: &Network,
) -> Result<RawResponse, Outcome> {
    let controller = cancel.register();
    let result = transport::send(url, credentials, None, &controller, network).await;
    cancel.release(&controller);
    result.map_err(|error| match error {
        FetchError::Aborted => Outcome::Cancelled,
        FetchError::Offline => Outcome::Offline,
        error => Outcome::Transient {
            retry_after_secs: None,
            detail: error.to_string(),
        },
    })
}

/// Which carrier tracks a partner's numbers, as the merchant's proxy routes them
/// (`GET {base}/carriers/by-partner/{id}`): `Ok(None)` when the proxy knows no carrier for the
/// partner (the reference then is one nobody can find), `Err` with what to do otherwise.
pub async fn partner_carrier(
    endpoint: &ProxyEndpoint,
    partner_id: &str,
    credentials: &Credentials,
    cancel: &Cancel,
    network: &Network,
) -> Result<Option<Carrier>, Outcome> {
    let ProxyEndpoint::Path(base) = endpoint else {
        // A generic CORS proxy knows no partners.
        return Ok(None);
    };
    let url = format!("{base}/carriers/by-partner/{}", percent_encode(partner_id));
    let response = send_to_proxy(&url, credentials, cancel, network).await?;
    match response.status {
        200 => document::Document::parse(&response.body)
            .and_then(|json| match json.member("carrier") {
                crate::js_value::JsKind::Text(name) => Carrier::from_name(&name),
                _ => None,
            })
            .map(Some)
            .ok_or_else(|| Outcome::Malformed("not a partner routing answer".to_owned())),
        404 => Ok(None),
        status if status >= 500 || status == 429 => Err(Outcome::Transient {
            retry_after_secs: None,
            detail: format!("HTTP {status} from the partner routing"),
        }),
        status => Err(Outcome::Misconfigured(format!(
            "the proxy answered HTTP {status} to the partner routing: check the widget's proxy option"
        ))),
    }
}

/// One page of the shipments the key may see, from the merchant's proxy
/// (`GET {base}/access/v1/shipments`, the key in `X-Trackline-Key`). `Err` says what to show
/// instead: a refused key, a proxy that is not Trackline's, a dropped connection.
pub async fn own_shipments(
    endpoint: &ProxyEndpoint,
    key: &str,
    query: &ShipmentsQuery,
    cancel: &Cancel,
    network: &Network,
) -> Result<ShipmentsPage, Outcome> {
    let ProxyEndpoint::Path(base) = endpoint else {
        return Err(Outcome::Misconfigured(
            "a personal key's overview needs the Trackline proxy: a generic CORS proxy has no \
             list of shipments; set the widget's proxy option to the merchant's Trackline proxy"
                .to_owned(),
        ));
    };
    let url = format!("{base}{}", query.path_and_query());
    let credentials = Credentials {
        access_key: Some(key.to_owned()),
        link: None,
    };
    let response = send_to_proxy(&url, &credentials, cancel, network).await?;
    if let Some(outcome) = proxy_refusal(&response).await {
        return Err(outcome);
    }
    if response.status != 200 {
        return Err(Outcome::Misconfigured(format!(
            "the proxy answered HTTP {} to the overview: check the widget's proxy option",
            response.status
        )));
    }
    serde_json::from_slice::<ShipmentsPage>(&response.body)
        .map_err(|error| Outcome::Malformed(format!("not a page of shipments: {error}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use trackline_core::reference::Reference;
    use trackline_core::routing::{plan, RoutingConfig};

    fn inpost_request() -> PlannedRequest {
        let config = RoutingConfig {
            carriers: vec![Carrier::Inpost],
            ..RoutingConfig::default()
        };
        plan(
            &[Reference::TrackingNumber {
                number: "520000011395200025009871".into(),
                carrier_hint: None,
            }],
            &config,
        )
        .remove(0)
    }

    #[test]
    fn the_path_form_puts_the_carrier_path_under_carriers() {
        let endpoint = ProxyEndpoint::from_option(Some("https://track.shop.example/"));
        assert_eq!(
            endpoint.url(&inpost_request()).as_deref(),
            Some("https://track.shop.example/carriers/inpost/v1/tracking/520000011395200025009871")
        );
        assert_eq!(
            ProxyEndpoint::from_option(None)
                .url(&inpost_request())
                .as_deref(),
            Some("/carriers/inpost/v1/tracking/520000011395200025009871")
        );
    }

    #[test]
    fn the_template_form_encodes_the_carrier_url_and_reaches_only_keyless_carriers() {
        let endpoint = ProxyEndpoint::from_option(Some("https://cors.example/?url={url}"));
        assert_eq!(
            endpoint.url(&inpost_request()).as_deref(),
            Some("https://cors.example/?url=https%3A%2F%2Fapi-shipx-pl.easypack24.net%2Fv1%2Ftracking%2F520000011395200025009871")
        );
        assert_eq!(endpoint.carriers(), vec![Carrier::Inpost]);
        assert!(!endpoint.is_trackline_proxy());
    }
}
