//! Events for the host page: `trackline:loaded`, `trackline:status` and `trackline:error`,
//! dispatched on the widget's element as `CustomEvent`s that bubble and are composed (they cross
//! shadow roots). Their `detail` is documented in `docs/embedding.md`.

use trackline_core::model::Shipment;
use trackline_core::status::Status;
use wasm_bindgen::JsValue;
use web_sys::{CustomEvent, CustomEventInit, HtmlElement};

pub const LOADED: &str = "trackline:loaded";
pub const STATUS: &str = "trackline:status";
pub const ERROR: &str = "trackline:error";

/// A plain JS object built field by field: no serializer is linked for three small events.
struct Detail(js_sys::Object);

impl Detail {
    fn new() -> Self {
        Detail(js_sys::Object::new())
    }

    fn set(self, key: &str, value: impl Into<JsValue>) -> Self {
        let _ = js_sys::Reflect::set(&self.0, &JsValue::from_str(key), &value.into());
        self
    }
}

fn parcel(shipment: &Shipment) -> JsValue {
    Detail::new()
        .set("carrier", shipment.carrier.as_str())
        .set("trackingNumber", shipment.tracking_number.as_str())
        .set("status", shipment.status.as_str())
        .0
        .into()
}

fn dispatch(host: &HtmlElement, name: &str, detail: Detail) {
    let init = CustomEventInit::new();
    init.set_bubbles(true);
    init.set_composed(true);
    init.set_detail(&detail.0);
    if let Ok(event) = CustomEvent::new_with_event_init_dict(name, &init) {
        let _ = host.dispatch_event(&event);
    }
}

/// A reference's parcels are shown for the first time.
pub fn loaded(host: &HtmlElement, reference: &str, shipments: &[Shipment]) {
    let parcels: js_sys::Array = shipments.iter().map(parcel).collect();
    dispatch(
        host,
        LOADED,
        Detail::new()
            .set("reference", reference)
            .set("parcels", parcels),
    );
}

/// A parcel's status is known for the first time, or changed on a refresh.
pub fn status(host: &HtmlElement, shipment: &Shipment, previous: Option<Status>) {
    dispatch(
        host,
        STATUS,
        Detail::new()
            .set("carrier", shipment.carrier.as_str())
            .set("trackingNumber", shipment.tracking_number.as_str())
            .set("status", shipment.status.as_str())
            .set(
                "previousStatus",
                previous.map_or(JsValue::NULL, |s| JsValue::from_str(s.as_str())),
            ),
    );
}

/// A reference ended in (or passes through) a state other than found. `kind` is the state's
/// name (`not_found`, `invalid`, `rate_limited`, `offline`, `retrying`, `failed`,
/// `misconfigured`, `malformed`); `retry_in` the seconds until the widget asks again, if it will.
pub fn error(host: &HtmlElement, kind: &str, reference: Option<&str>, retry_in: Option<u64>) {
    dispatch(
        host,
        ERROR,
        Detail::new()
            .set("kind", kind)
            .set(
                "reference",
                reference.map_or(JsValue::NULL, JsValue::from_str),
            )
            .set(
                "retryInSeconds",
                retry_in.map_or(JsValue::NULL, |s| JsValue::from_f64(s as f64)),
            ),
    );
}
