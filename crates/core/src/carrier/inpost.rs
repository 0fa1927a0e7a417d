//! InPost ShipX (Poland): tracking, status titles, points and service history. Tracking needs
//! no token.

use serde::de::{DeserializeOwned, Deserializer, Error as _};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::Value;

use crate::carrier::http::{common_error, CarrierResponse};
use crate::carrier::json;
use crate::carrier::{endpoint, opening_hours, CarrierRequest, StatusMapping};
use crate::flow::{self, AnnouncedStep, FlowInput, Journey};
use crate::model::{
    Carrier, CarrierStatus, Coordinates, Location, PickupPoint, Shipment, Step, TrackingError,
    TrackingEvent,
};
use crate::status::Status;
use crate::time::{self, Timestamp};

/// ShipX's base URL.
pub const BASE_URL: &str = "https://api-shipx-pl.easypack24.net";

/// The points service the seed's machine details link to (`href`); ShipX serves the same
/// `/v1/points/{name}` path, so either base works with [`point_request`].
pub const POINTS_BASE_URL: &str = "https://api-pl-points.easypack24.net";

const CARRIER: Carrier = Carrier::Inpost;

macro_rules! statuses {
    ($($code:literal => $status:ident, $text:literal;)*) => {
        /// Every InPost status name, its Polish title and its normalized status.
        pub const STATUS_TABLE: &[StatusMapping] = &[
            $(StatusMapping { code: $code, text: $text, status: Status::$status },)*
        ];
    };
}

statuses! {
    "created" => PreTransit, "Przesyłka utworzona";
    "offers_prepared" => PreTransit, "Przygotowano oferty";
    "offer_selected" => PreTransit, "Oferta wybrana";
    "confirmed" => PreTransit, "Przygotowana przez Nadawcę";
    "dispatched_by_sender" => InTransit, "Paczka nadana w paczkomacie";
    "dispatched_by_sender_to_pok" => InTransit, "Nadana w Punkcie Obsługi Klienta";
    "collected_from_sender" => InTransit, "Odebrana od klienta";
    "taken_by_courier" => InTransit, "Odebrana od Nadawcy";
    "taken_by_courier_from_pok" => InTransit, "W drodze do oddziału nadawczego InPost";
    "adopted_at_source_branch" => InTransit, "Przyjęta w oddziale InPost";
    "sent_from_source_branch" => InTransit, "W trasie";
    "adopted_at_sorting_center" => InTransit, "Przyjęta w Sortowni";
    "sent_from_sorting_center" => InTransit, "Wysłana z Sortowni";
    "adopted_at_target_branch" => InTransit, "Przyjęta w Oddziale Docelowym";
    "out_for_delivery" => OutForDelivery, "Przekazano do doręczenia";
    "out_for_delivery_to_address" => OutForDelivery, "W doręczeniu";
    "ready_to_pickup" => ReadyForPickup, "Umieszczona w Paczkomacie (odbiorczym)";
    "ready_to_pickup_from_pok" => ReadyForPickup, "Czeka na odbiór w POK";
    "ready_to_pickup_from_pok_registered" => ReadyForPickup, "Czeka na odbiór w POK";
    "ready_to_pickup_from_branch" => ReadyForPickup, "Czeka na odbiór w Oddziale";
    "pickup_reminder_sent" => ReadyForPickup, "Przypomnienie o czekającej paczce";
    "delivered" => Delivered, "Dostarczona";
    "pickup_time_expired" => Exception, "Upłynął termin odbioru";
    // Storage (`stack_*`) holds a parcel near a full locker; when its time there is over, a
    // courier takes it on to the locker the consumer chose: still on its way, nothing to do.
    "stack_parcel_pickup_time_expired" => InTransit, "Upłynął termin odbioru";
    "stack_parcel_in_box_machine_pickup_time_expired" => InTransit, "Upłynął termin odbioru";
    "avizo" => Exception, "Powrót do oddziału";
    "pickup_reminder_sent_address" => FailedAttempt, "W doręczeniu - klient nieobecny";
    "undelivered" => FailedAttempt, "Brak możliwości doręczenia";
    "undelivered_wrong_address" => FailedAttempt, "Brak możliwości doręczenia";
    "undelivered_incomplete_address" => FailedAttempt, "Brak możliwości doręczenia";
    "undelivered_unknown_receiver" => FailedAttempt, "Brak możliwości doręczenia";
    "undelivered_cod_cash_receiver" => FailedAttempt, "Brak możliwości doręczenia";
    "undelivered_no_mailbox" => FailedAttempt, "Brak możliwości doręczenia";
    "undelivered_not_live_address" => FailedAttempt, "Brak możliwości doręczenia";
    "undelivered_lack_of_access_letterbox" => FailedAttempt, "Brak możliwości doręczenia";
    "rejected_by_receiver" => FailedAttempt, "Odmowa przyjęcia";
    "returned_to_sender" => Returned, "Zwrot do nadawcy";
    // The parcel was received; the signed return receipt (ZPO) goes back to the sender.
    "return_pickup_confirmation_to_sender" => Delivered, "Przygotowano dokumenty zwrotne";
    "taken_by_courier_from_customer_service_point" => Returned, "Zwrócona do nadawcy";
    "canceled" => Cancelled, "Anulowano etykietę";
    "canceled_redirect_to_box" => InTransit, "Anulowano przekierowanie";
    "redirect_to_box" => InTransit, "Przekierowano do Paczkomatu";
    "readdressed" => InTransit, "Przekierowano na inny adres";
    "stack_in_customer_service_point" => ReadyForPickup, "Paczka magazynowana w POP";
    "stack_in_box_machine" => ReadyForPickup, "Paczka magazynowana w Paczkomacie tymczasowym";
    "unstack_from_customer_service_point" => InTransit, "W drodze do wybranego paczkomatu";
    "unstack_from_box_machine" => InTransit, "W drodze do pierwotnie wybranego paczkomatu";
    "courier_avizo_in_customer_service_point" => ReadyForPickup, "Oczekuje na odbiór";
    "delay_in_delivery" => InTransit, "Możliwe opóźnienie doręczenia";
    "oversized" => InTransit, "Przesyłka ponadgabarytowa";
    "claimed" => Exception, "Zareklamowana";
    "missing" => Unknown, "";
    "other" => Unknown, "Inny status";
}

/// Other names InPost uses for a name of [`STATUS_TABLE`]: a second spelling, or the older
/// name of a status (`stored_by_sender`, "Umieszczona w Paczkomacie Nadawczym", became
/// `dispatched_by_sender`).
pub const STATUS_ALIASES: &[(&str, &str)] = &[
    ("cancelled", "canceled"),
    ("stored_by_sender", "dispatched_by_sender"),
];

/// The table's name for a status name: aliases resolved, other names as they are.
fn canonical_name(name: &str) -> &str {
    STATUS_ALIASES
        .iter()
        .find(|(alias, _)| *alias == name)
        .map_or(name, |(_, canonical)| canonical)
}

/// The table entry for a status name, aliases resolved.
pub fn status_entry(name: &str) -> Option<&'static StatusMapping> {
    let name = canonical_name(name);
    STATUS_TABLE.iter().find(|entry| entry.code == name)
}

/// The normalized status of an InPost status name; unknown names are [`Status::Unknown`].
pub fn status_of(name: &str) -> Status {
    status_entry(name).map_or(Status::Unknown, |entry| entry.status)
}

/// The words for a status name: its Polish title from [`STATUS_TABLE`], or, for a name InPost
/// added after the table, the name itself in words, so that the consumer still reads what
/// InPost said.
fn status_text(name: &str) -> Option<String> {
    match status_entry(name) {
        Some(entry) => Some(entry.text)
            .filter(|t| !t.is_empty())
            .map(str::to_owned),
        None => Some(name.replace('_', " ").trim().to_owned()).filter(|t| !t.is_empty()),
    }
}

/// Where a history entry happened: its `location` (text, or an object with a name and
/// coordinates, in newer answers), else its `agency`; both may be `null`.
fn history_location(detail: &HistoryEntry) -> Option<Location> {
    let (name, coordinates) = match &detail.location {
        Some(HistoryPlace::Place(place)) => (
            place
                .name
                .clone()
                .or_else(|| place.description.clone())
                .or_else(|| place.city.clone()),
            Coordinates::checked(
                place.latitude.unwrap_or(f64::NAN),
                place.longitude.unwrap_or(f64::NAN),
            ),
        ),
        Some(HistoryPlace::Text(text)) => (text.clone(), None),
        None => (None, None),
    };
    Location {
        name: name.or_else(|| detail.agency.clone()),
        coordinates,
        ..Location::default()
    }
    .non_empty()
}

/// The flow step a status name stands for, where it is more precise than its status.
fn step_of(name: &str) -> Option<Step> {
    match canonical_name(name) {
        "dispatched_by_sender"
        | "dispatched_by_sender_to_pok"
        | "collected_from_sender"
        | "taken_by_courier" => Some(Step::HandedOver),
        "returned_to_sender" | "taken_by_courier_from_customer_service_point" => {
            Some(Step::ReturnedToSender)
        }
        _ => None,
    }
}

/// `GET /v1/tracking/{number}`.
pub fn tracking_request(tracking_number: &str) -> CarrierRequest {
    get(endpoint::INPOST_TRACKING.request(&[tracking_number]))
}

/// `GET /v1/tracking/{number}/service_history`: the services a mixed parcel went through.
pub fn service_history_request(tracking_number: &str) -> CarrierRequest {
    get(endpoint::INPOST_SERVICE_HISTORY.request(&[tracking_number]))
}

/// The languages InPost has status titles in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TitleLanguage {
    #[serde(rename = "en_GB")]
    English,
    #[serde(rename = "pl_PL")]
    Polish,
}

/// `GET /v1/statuses?lang=…`: the titles of every status name.
pub fn statuses_request(language: TitleLanguage) -> CarrierRequest {
    let lang = match language {
        TitleLanguage::English => "en_GB",
        TitleLanguage::Polish => "pl_PL",
    };
    get(endpoint::INPOST_STATUSES.request(&[])).with_query("lang", lang)
}

/// `GET /v1/points/{name}`: a locker or service point.
pub fn point_request(point_name: &str) -> CarrierRequest {
    get(endpoint::INPOST_POINT.request(&[point_name]))
}

fn get(request: CarrierRequest) -> CarrierRequest {
    request.with_header("Accept", "application/json")
}

/// `T` read from a JSON object only: a list, text or number in its place is not one (a derived
/// struct would otherwise read a list as its members in order).
fn object_of<T: DeserializeOwned>(raw: &str) -> Option<T> {
    if raw.trim_start().starts_with('{') {
        json::from_raw(raw).ok()
    } else {
        None
    }
}

/// A member that is an object, read as `T`; `None` for `null`, for anything else in its place
/// and for an object that does not read. For `#[serde(default, deserialize_with = "…")]`.
fn lenient_object<'de, D: Deserializer<'de>, T: DeserializeOwned>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    let raw = <Box<RawValue>>::deserialize(deserializer)?;
    Ok(object_of(raw.get()))
}

/// A flag that counts only when it is JSON `true`: `"true"`, `1` or `null` do not.
fn json_true<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    let raw = <Box<RawValue>>::deserialize(deserializer)?;
    Ok(raw.get().trim() == "true")
}

/// An element of a [`json::lenient_list`] that must be an object: anything else is left out.
struct ListedObject<T>(T);

impl<'de, T: DeserializeOwned> Deserialize<'de> for ListedObject<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = <Box<RawValue>>::deserialize(deserializer)?;
        object_of(raw.get())
            .map(ListedObject)
            .ok_or_else(|| D::Error::custom("expected an object"))
    }
}

/// A whole number as InPost writes an error's `status`: a JSON number (`404`, `404.0`) or
/// whole-number text (`"404"`).
fn whole_number(raw: &RawValue) -> Option<i64> {
    let raw = raw.get().trim();
    if raw.starts_with('"') {
        return json::from_raw::<String>(raw).ok()?.trim().parse().ok();
    }
    let number = json::from_raw::<serde_json::Number>(raw).ok()?;
    number.as_i64().or_else(|| {
        number
            .as_f64()
            .filter(|f| f.fract() == 0.0)
            .map(|f| f as i64)
    })
}

/// An error answer: `{status, error, message, details: {}}` or
/// `{status, error, description, details: null}`; `details` is not read.
#[derive(Deserialize, Default)]
#[serde(default)]
struct ErrorBody {
    #[serde(deserialize_with = "json::exact_text")]
    message: Option<String>,
    #[serde(deserialize_with = "json::exact_text")]
    description: Option<String>,
    #[serde(deserialize_with = "json::exact_text")]
    error: Option<String>,
}

/// The answer to [`tracking_request`].
#[derive(Deserialize, Default)]
#[serde(default)]
struct TrackingAnswer {
    #[serde(deserialize_with = "json::exact_text")]
    tracking_number: Option<String>,
    /// The current status name, or an error's HTTP status in an error body sent with 200.
    status: Option<Box<RawValue>>,
    #[serde(deserialize_with = "json::exact_text")]
    error: Option<String>,
    #[serde(deserialize_with = "json::exact_text")]
    service: Option<String>,
    #[serde(rename = "type", deserialize_with = "json::exact_text")]
    kind: Option<String>,
    #[serde(deserialize_with = "json::exact_text")]
    created_at: Option<String>,
    #[serde(deserialize_with = "json::exact_text")]
    updated_at: Option<String>,
    #[serde(deserialize_with = "json::lenient_list")]
    tracking_details: Vec<ListedObject<HistoryEntry>>,
    #[serde(deserialize_with = "json::lenient_list")]
    expected_flow: Vec<FlowStep>,
    #[serde(deserialize_with = "lenient_object")]
    custom_attributes: Option<CustomAttributes>,
}

/// One entry of `tracking_details`.
#[derive(Deserialize, Default)]
#[serde(default)]
struct HistoryEntry {
    #[serde(deserialize_with = "json::exact_text")]
    status: Option<String>,
    #[serde(deserialize_with = "json::exact_text")]
    origin_status: Option<String>,
    #[serde(deserialize_with = "json::exact_text")]
    datetime: Option<String>,
    #[serde(deserialize_with = "json::exact_text")]
    agency: Option<String>,
    #[serde(deserialize_with = "history_place")]
    location: Option<HistoryPlace>,
}

/// A history entry's `location`: text in older answers, an object in newer ones.
enum HistoryPlace {
    Text(Option<String>),
    Place(Place),
}

fn history_place<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<HistoryPlace>, D::Error> {
    let raw = <Box<RawValue>>::deserialize(deserializer)?;
    let raw = raw.get().trim();
    Ok(match raw.as_bytes().first() {
        None | Some(b'n') => None,
        Some(b'{') => Some(HistoryPlace::Place(json::from_raw(raw).unwrap_or_default())),
        Some(_) => Some(HistoryPlace::Text(json::raw_text(raw))),
    })
}

/// A named place with coordinates: a history entry's `location` object, or a point's.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Place {
    #[serde(deserialize_with = "json::exact_text")]
    name: Option<String>,
    #[serde(deserialize_with = "json::exact_text")]
    description: Option<String>,
    #[serde(deserialize_with = "json::exact_text")]
    city: Option<String>,
    #[serde(deserialize_with = "json::lenient_number")]
    latitude: Option<f64>,
    #[serde(deserialize_with = "json::lenient_number")]
    longitude: Option<f64>,
}

/// A step of `expected_flow`: a status name, or an object with a `status` or `name`.
struct FlowStep(String);

#[derive(Deserialize, Default)]
#[serde(default)]
struct FlowStepObject {
    #[serde(deserialize_with = "json::exact_text")]
    status: Option<String>,
    #[serde(deserialize_with = "json::exact_text")]
    name: Option<String>,
}

impl<'de> Deserialize<'de> for FlowStep {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = <Box<RawValue>>::deserialize(deserializer)?;
        let name = match object_of::<FlowStepObject>(raw.get()) {
            Some(step) => step.status.or(step.name),
            None => json::raw_text(raw.get()),
        };
        name.map(FlowStep)
            .ok_or_else(|| D::Error::custom("expected a status name"))
    }
}

/// `custom_attributes`: the target and drop-off points, by ID (`…_machine_id` or the newer
/// `…_point_id`) and in detail. Newer members such as `end_of_week_collection` are not read.
#[derive(Deserialize, Default)]
#[serde(default)]
struct CustomAttributes {
    #[serde(deserialize_with = "json::exact_text")]
    target_machine_id: Option<String>,
    #[serde(deserialize_with = "json::exact_text")]
    target_point_id: Option<String>,
    #[serde(deserialize_with = "lenient_object")]
    target_machine_detail: Option<PointDetail>,
    #[serde(deserialize_with = "json::exact_text")]
    dropoff_machine_id: Option<String>,
    #[serde(deserialize_with = "json::exact_text")]
    dropoff_point_id: Option<String>,
    #[serde(deserialize_with = "lenient_object")]
    dropoff_machine_detail: Option<PointDetail>,
}

/// A locker or service point: a machine detail, or the answer to [`point_request`].
#[derive(Deserialize, Default)]
#[serde(default)]
struct PointDetail {
    #[serde(deserialize_with = "json::exact_text")]
    name: Option<String>,
    #[serde(deserialize_with = "lenient_object")]
    address: Option<Address>,
    #[serde(deserialize_with = "lenient_object")]
    address_details: Option<AddressDetails>,
    #[serde(deserialize_with = "lenient_object")]
    location: Option<Place>,
    #[serde(deserialize_with = "json::exact_text")]
    opening_hours: Option<String>,
    /// Kept raw, read only when the opening hours are not plain text.
    operating_hours_extended: Option<Box<RawValue>>,
    /// `location_247` in older answers, `location247` in newer ones.
    #[serde(deserialize_with = "json_true")]
    location_247: bool,
    #[serde(deserialize_with = "json_true")]
    location247: bool,
    #[serde(deserialize_with = "json::exact_text")]
    location_description: Option<String>,
    #[serde(deserialize_with = "json::exact_text")]
    location_description_1: Option<String>,
    #[serde(deserialize_with = "json::exact_text")]
    location_description_2: Option<String>,
    #[serde(rename = "type", deserialize_with = "json::lenient_list")]
    kinds: Vec<json::ExactText>,
    #[serde(deserialize_with = "json::exact_text")]
    image_url: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Address {
    #[serde(deserialize_with = "json::exact_text")]
    line1: Option<String>,
    #[serde(deserialize_with = "json::exact_text")]
    line2: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AddressDetails {
    #[serde(deserialize_with = "json::exact_text")]
    street: Option<String>,
    #[serde(deserialize_with = "json::exact_text")]
    building_number: Option<String>,
    #[serde(deserialize_with = "json::exact_text")]
    post_code: Option<String>,
    #[serde(deserialize_with = "json::exact_text")]
    city: Option<String>,
}

/// The answer to [`statuses_request`]: `{href, items: [{name, title, description}]}`.
#[derive(Deserialize, Default)]
#[serde(default)]
struct StatusesAnswer {
    #[serde(deserialize_with = "json::lenient_list")]
    items: Vec<ListedObject<StatusItem>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct StatusItem {
    #[serde(deserialize_with = "json::exact_text")]
    name: Option<String>,
    #[serde(deserialize_with = "json::exact_text")]
    title: Option<String>,
    #[serde(deserialize_with = "json::exact_text")]
    description: Option<String>,
}

/// The answer to [`service_history_request`]: its members at the top, or under
/// `service_history`.
#[derive(Deserialize, Default)]
#[serde(default)]
struct ServiceHistoryAnswer {
    service_history: Option<Box<RawValue>>,
    #[serde(deserialize_with = "json::exact_text")]
    last_service: Option<String>,
    #[serde(deserialize_with = "json::exact_text")]
    updated_at: Option<String>,
}

/// Reads an error answer (`{status, error, message|description, details}`) or a common status.
fn error_of(response: &CarrierResponse) -> Option<TrackingError> {
    if let Some(error) = common_error(CARRIER, response) {
        return Some(error);
    }
    if (200..300).contains(&response.status) {
        return None;
    }
    let body: ErrorBody = json::parse_typed::<Box<RawValue>>(CARRIER, response.body)
        .ok()
        .and_then(|raw| object_of(raw.get()))
        .unwrap_or_default();
    let message = body.message.or(body.description);
    let code = body.error.unwrap_or_default();
    let reference = message.as_deref().and_then(long_number);
    Some(match response.status {
        404 => TrackingError::NotFound {
            carrier: CARRIER,
            reference,
            message,
        },
        410 => TrackingError::NotFound {
            carrier: CARRIER,
            reference,
            message,
        },
        // InPost's answer to a number it does not know (misspelt `uknown` in its API).
        400 if matches!(
            code.as_str(),
            "uknown_tracking_number" | "unknown_tracking_number"
        ) =>
        {
            TrackingError::NotFound {
                carrier: CARRIER,
                reference,
                message,
            }
        }
        _ => TrackingError::InvalidReference {
            carrier: CARRIER,
            reference,
            reason: message.unwrap_or_else(|| {
                if code.is_empty() {
                    "rejected".into()
                } else {
                    code.replace('_', " ")
                }
            }),
        },
    })
}

/// The first run of ten or more digits in a message: the number InPost is talking about.
fn long_number(message: &str) -> Option<String> {
    message
        .split(|c: char| !c.is_ascii_digit())
        .find(|run| run.len() >= 10)
        .map(str::to_owned)
}

/// A successful answer's body: a JSON object, read as `T`.
fn answer<T: DeserializeOwned>(response: &CarrierResponse) -> Result<T, TrackingError> {
    if let Some(error) = error_of(response) {
        return Err(error);
    }
    let body: Box<RawValue> = json::parse_typed(CARRIER, response.body).map_err(|error| {
        // Skipping a bad string stops before its bad character, reading one stops after it:
        // name the place where reading the whole value stops, as these errors always have.
        json::parse_typed::<Value>(CARRIER, response.body)
            .err()
            .unwrap_or(error)
    })?;
    if !body.get().trim_start().starts_with('{') {
        return Err(TrackingError::MalformedResponse {
            carrier: CARRIER,
            reason: "expected a JSON object".into(),
        });
    }
    json::from_raw(body.get()).map_err(|error| TrackingError::MalformedResponse {
        carrier: CARRIER,
        reason: format!("unreadable object: {error}"),
    })
}

fn timestamp(text: Option<&str>) -> Option<Timestamp> {
    // ShipX writes offsets; a bare time would be Polish time.
    text.and_then(|t| time::parse_with_fallback_zone(t, time::EUROPE_WARSAW).ok())
}

/// Turns the answer to [`tracking_request`] into a shipment.
pub fn parse_tracking(response: &CarrierResponse) -> Result<Shipment, TrackingError> {
    let body: TrackingAnswer = answer(response)?;
    if body.tracking_number.is_none() && body.error.is_some() {
        // An error body delivered with 200: read it with the status it names.
        let status = body
            .status
            .as_deref()
            .and_then(whole_number)
            .and_then(|s| u16::try_from(s).ok())
            .unwrap_or(400);
        let named = CarrierResponse {
            status: if status < 400 { 400 } else { status },
            ..*response
        };
        if let Some(error) = error_of(&named) {
            return Err(error);
        }
    }
    let Some(number) = body.tracking_number else {
        return Err(TrackingError::MalformedResponse {
            carrier: CARRIER,
            reason: "no tracking_number".into(),
        });
    };
    let mut shipment = Shipment::new(CARRIER, number);
    shipment.service = body.service.or(body.kind);
    shipment.created_at = timestamp(body.created_at.as_deref());
    shipment.last_update = timestamp(body.updated_at.as_deref());

    for ListedObject(detail) in &body.tracking_details {
        let Some(name) = detail.status.clone() else {
            continue;
        };
        shipment.events.push(TrackingEvent {
            time: timestamp(detail.datetime.as_deref()),
            status: status_of(&name),
            carrier_status: CarrierStatus {
                text: status_text(&name),
                origin_code: detail.origin_status.clone(),
                code: name,
            },
            detail: None,
            destination: None,
            location: history_location(detail),
            source: None,
            notice: None,
        });
    }
    shipment.sort_and_collapse_events();

    let current = body
        .status
        .as_deref()
        .and_then(|raw| json::raw_text(raw.get()))
        .or_else(|| {
            shipment
                .events
                .first()
                .map(|e| e.carrier_status.code.clone())
        });
    if let Some(name) = &current {
        shipment.status = status_of(name);
        shipment.carrier_status = Some(CarrierStatus::new(name.clone(), status_text(name)));
    }

    if let Some(attributes) = body.custom_attributes {
        let target_id = attributes.target_machine_id.or(attributes.target_point_id);
        shipment.pickup_point = point_of(attributes.target_machine_detail, target_id);
        let dropoff_id = attributes
            .dropoff_machine_id
            .or(attributes.dropoff_point_id);
        shipment.dropoff_point = point_of(attributes.dropoff_machine_detail, dropoff_id);
    }

    let service = shipment.service.clone().unwrap_or_default();
    let journey = if service.contains("courier") {
        Journey::Courier
    } else if service.contains("locker") || shipment.pickup_point.is_some() {
        Journey::Locker
    } else {
        Journey::Courier
    };
    let announced = body
        .expected_flow
        .into_iter()
        .map(|FlowStep(name)| AnnouncedStep {
            status: status_of(&name),
            step: step_of(&name),
            carrier_code: name,
        })
        .collect();
    shipment.expected_flow = flow::expected_flow(&FlowInput {
        journey,
        current: shipment.status,
        current_step: current.as_deref().and_then(step_of),
        history: shipment.events.iter().map(|e| e.status).collect(),
        announced,
    });
    Ok(shipment)
}

/// A pickup point from a machine detail or a points answer; `fallback_id` when it has no name.
fn point_of(detail: Option<PointDetail>, fallback_id: Option<String>) -> Option<PickupPoint> {
    let Some(detail) = detail else {
        return fallback_id.map(|id| PickupPoint {
            id,
            name: None,
            kinds: Vec::new(),
            address_lines: Vec::new(),
            coordinates: None,
            opening_hours: None,
            description: None,
            image_url: None,
        });
    };
    let id = detail.name.or(fallback_id)?;
    let mut address_lines: Vec<String> = Vec::new();
    if let Some(address) = detail.address {
        address_lines.extend([address.line1, address.line2].into_iter().flatten());
    }
    if address_lines.is_empty() {
        if let Some(details) = detail.address_details {
            let street = [details.street, details.building_number]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            let town = [details.post_code, details.city]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            address_lines.extend([street, town].into_iter().filter(|line| !line.is_empty()));
        }
    }
    let coordinates = detail
        .location
        .and_then(|location| Coordinates::checked(location.latitude?, location.longitude?));
    let raw_hours = detail.opening_hours;
    let extended: Option<Value> = detail
        .operating_hours_extended
        .and_then(|raw| json::from_raw(raw.get()).ok());
    let opening_hours = if detail.location_247 || detail.location247 {
        Some(crate::model::OpeningHours::AlwaysOpen {
            raw: raw_hours.unwrap_or_else(|| "24/7".into()),
        })
    } else {
        match (raw_hours, extended.as_ref()) {
            (Some(raw), extended) => match opening_hours::parse(&raw) {
                crate::model::OpeningHours::Raw { .. } => extended
                    .and_then(|e| opening_hours::from_extended(Some(raw.clone()), e))
                    .or(Some(opening_hours::parse(&raw))),
                parsed => Some(parsed),
            },
            (None, Some(extended)) => opening_hours::from_extended(None, extended),
            (None, None) => None,
        }
    };
    let description = [
        detail.location_description,
        detail.location_description_1,
        detail.location_description_2,
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>();
    Some(PickupPoint {
        id: id.clone(),
        name: Some(id),
        kinds: detail.kinds.into_iter().map(|kind| kind.0).collect(),
        address_lines,
        coordinates,
        opening_hours,
        description: (!description.is_empty()).then(|| description.join("\n")),
        image_url: detail.image_url,
    })
}

/// Turns the answer to [`point_request`] into a pickup point.
pub fn parse_point(response: &CarrierResponse) -> Result<PickupPoint, TrackingError> {
    let body: PointDetail = answer(response)?;
    point_of(Some(body), None).ok_or_else(|| TrackingError::MalformedResponse {
        carrier: CARRIER,
        reason: "the point has no name".into(),
    })
}

/// A status name with its title in the requested language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusTitle {
    pub name: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub status: Status,
}

/// Turns the answer to [`statuses_request`] (`{href, items: [{name, title, description}]}`) into titles.
pub fn parse_statuses(response: &CarrierResponse) -> Result<Vec<StatusTitle>, TrackingError> {
    let body: StatusesAnswer = answer(response)?;
    Ok(body
        .items
        .into_iter()
        .filter_map(|ListedObject(item)| {
            let name = item.name?;
            Some(StatusTitle {
                status: status_of(&name),
                title: item.title.unwrap_or_else(|| name.clone()),
                description: item.description,
                name,
            })
        })
        .collect())
}

/// Replaces the carrier texts of a shipment with titles fetched in the consumer's language.
pub fn apply_titles(shipment: &mut Shipment, titles: &[StatusTitle]) {
    let title_of = |code: &str| {
        titles
            .iter()
            .find(|t| t.name == code)
            .map(|t| t.title.clone())
    };
    for event in &mut shipment.events {
        if let Some(title) = title_of(&event.carrier_status.code) {
            event.carrier_status.text = Some(title);
        }
    }
    if let Some(status) = &mut shipment.carrier_status {
        if let Some(title) = title_of(&status.code) {
            status.text = Some(title);
        }
    }
}

/// The last service of a mixed parcel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceHistory {
    pub last_service: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<Timestamp>,
}

/// Turns the answer to [`service_history_request`] into the last service.
pub fn parse_service_history(response: &CarrierResponse) -> Result<ServiceHistory, TrackingError> {
    let body: ServiceHistoryAnswer = answer(response)?;
    let history = match &body.service_history {
        Some(nested) => object_of::<ServiceHistoryAnswer>(nested.get()).unwrap_or_default(),
        None => body,
    };
    let last_service = history
        .last_service
        .ok_or_else(|| TrackingError::MalformedResponse {
            carrier: CARRIER,
            reason: "no last_service".into(),
        })?;
    Ok(ServiceHistory {
        last_service,
        updated_at: timestamp(history.updated_at.as_deref()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_has_the_fifty_three_known_names_once_each() {
        assert_eq!(STATUS_TABLE.len(), 53);
        let mut names: Vec<_> = STATUS_TABLE.iter().map(|e| e.code).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 53);
    }

    #[test]
    fn unknown_names_and_aliases_are_accepted() {
        assert_eq!(status_of("teleported"), Status::Unknown);
        assert_eq!(status_of("cancelled"), Status::Cancelled);
        assert_eq!(status_of("stored_by_sender"), Status::InTransit);
        assert_eq!(step_of("stored_by_sender"), Some(Step::HandedOver));
    }

    #[test]
    fn requests_need_no_token_and_encode_the_number() {
        let request = tracking_request(" 6123/45 ");
        assert_eq!(request.path, "/v1/tracking/6123%2F45");
        assert_eq!(request.auth, crate::carrier::Auth::None);
        assert_eq!(
            statuses_request(TitleLanguage::English).path_and_query(),
            "/v1/statuses?lang=en_GB"
        );
    }

    #[test]
    fn an_error_body_sent_with_200_is_still_an_error() {
        let body = br#"{"status":404,"error":"resource_not_found","description":"Tracking information about 612345678901234567890123 has not been found.","details":null}"#;
        let error = parse_tracking(&CarrierResponse::new(200, body)).unwrap_err();
        assert!(matches!(error, TrackingError::NotFound { .. }));
    }

    #[test]
    fn a_not_found_answer_names_the_number() {
        let body = br#"{"status":404,"error":"resource_not_found","description":"Tracking information about 612345678901234567890123 InPost Locker shipment has not been found.","details":null}"#;
        let error = parse_tracking(&CarrierResponse::new(404, body)).unwrap_err();
        assert!(matches!(
            error,
            TrackingError::NotFound { reference: Some(ref r), .. } if r == "612345678901234567890123"
        ));
    }

    #[test]
    fn a_history_location_may_be_an_object_text_or_null_and_numbers_may_be_strings() {
        let body = r#"{
            "tracking_number": 620000000000000000000022,
            "status": "delivered",
            "tracking_details": [
                {"status": "delivered", "datetime": "2026-05-12T10:00:00+02:00",
                 "location": {"name": null, "city": "Gdańsk", "latitude": "54,352", "longitude": 18.6466, "extra": [1]}},
                {"status": "out_for_delivery", "datetime": "2026-05-12T08:00:00+02:00",
                 "location": "Sortownia Gdańsk", "agency": null},
                {"status": "adopted_at_sorting_center", "datetime": "2026-05-11T20:00:00+02:00",
                 "location": null, "agency": "GDA"},
                ["not", "an", "entry"],
                {"status": null}
            ],
            "custom_attributes": "not an object",
            "expected_flow": ["created", {"name": "delivered"}, null, [1]]
        }"#;
        let shipment = parse_tracking(&CarrierResponse::new(200, body.as_bytes())).unwrap();
        assert_eq!(shipment.tracking_number, "620000000000000000000022");
        let places: Vec<_> = shipment
            .events
            .iter()
            .map(|event| {
                let location = event.location.as_ref();
                (
                    event.carrier_status.code.as_str(),
                    location.and_then(|l| l.name.clone()),
                    location.and_then(|l| l.coordinates),
                )
            })
            .collect();
        assert_eq!(
            places,
            [
                (
                    "delivered",
                    Some("Gdańsk".to_owned()),
                    Coordinates::checked(54.352, 18.6466)
                ),
                (
                    "out_for_delivery",
                    Some("Sortownia Gdańsk".to_owned()),
                    None
                ),
                ("adopted_at_sorting_center", Some("GDA".to_owned()), None),
            ]
        );
        assert_eq!(shipment.pickup_point, None);
    }

    #[test]
    fn a_point_reads_coordinates_written_as_text_and_either_always_open_spelling() {
        for key in ["location247", "location_247"] {
            let body = format!(
                r#"{{"name": "GDA08M", "{key}": true, "opening_hours": null,
                    "location": {{"latitude": "54.35205", "longitude": "18,64637"}},
                    "type": ["parcel_locker", null, 7], "address": null,
                    "address_details": {{"street": "Długa", "building_number": 1, "post_code": "80-827", "city": "Gdańsk"}}}}"#
            );
            let point = parse_point(&CarrierResponse::new(200, body.as_bytes())).unwrap();
            assert_eq!(point.id, "GDA08M");
            assert_eq!(point.coordinates, Coordinates::checked(54.35205, 18.64637));
            assert!(matches!(
                point.opening_hours,
                Some(crate::model::OpeningHours::AlwaysOpen { ref raw }) if raw == "24/7"
            ));
            assert_eq!(point.kinds, ["parcel_locker", "7"]);
            assert_eq!(point.address_lines, ["Długa 1", "80-827 Gdańsk"]);
        }
    }

    #[test]
    fn an_error_status_sent_as_text_names_the_error() {
        let body = br#"{"status":"404","error":"resource_not_found","message":"Tracking 612345678901234567890123 not found.","details":{}}"#;
        let error = parse_tracking(&CarrierResponse::new(200, body)).unwrap_err();
        assert!(matches!(
            error,
            TrackingError::NotFound { reference: Some(ref r), .. } if r == "612345678901234567890123"
        ));
    }
}
