//! InPost ShipX (Poland): tracking, status titles, points and service history. Tracking needs
//! no token.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::carrier::http::{common_error, CarrierResponse};
use crate::carrier::json::{self, field, list, number, text};
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
    "stack_parcel_pickup_time_expired" => Exception, "Upłynął termin odbioru";
    "stack_parcel_in_box_machine_pickup_time_expired" => Exception, "Upłynął termin odbioru";
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
    "return_pickup_confirmation_to_sender" => Returned, "Przygotowano dokumenty zwrotne";
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

/// Spellings InPost also uses for a name of [`STATUS_TABLE`].
pub const STATUS_ALIASES: &[(&str, &str)] = &[("cancelled", "canceled")];

/// The table entry for a status name, aliases resolved.
pub fn status_entry(name: &str) -> Option<&'static StatusMapping> {
    let name = STATUS_ALIASES
        .iter()
        .find(|(alias, _)| *alias == name)
        .map_or(name, |(_, canonical)| canonical);
    STATUS_TABLE.iter().find(|entry| entry.code == name)
}

/// The normalized status of an InPost status name; unknown names are [`Status::Unknown`].
pub fn status_of(name: &str) -> Status {
    status_entry(name).map_or(Status::Unknown, |entry| entry.status)
}

/// The words for a status name: its Polish title from [`STATUS_TABLE`], or, for a name InPost
/// added after the table (`stored_by_sender`), the name itself in words, so that the consumer
/// still reads what InPost said.
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
fn history_location(detail: &Value) -> Option<Location> {
    let (name, coordinates) = match field(detail, "location") {
        Some(place @ Value::Object(_)) => (
            json::text_any(place, &["name", "description", "city"]),
            Coordinates::checked(
                number(place, "latitude").unwrap_or(f64::NAN),
                number(place, "longitude").unwrap_or(f64::NAN),
            ),
        ),
        Some(other) => (json::as_text(other), None),
        None => (None, None),
    };
    Location {
        name: name.or_else(|| text(detail, "agency")),
        coordinates,
        ..Location::default()
    }
    .non_empty()
}

/// The flow step a status name stands for, where it is more precise than its status.
fn step_of(name: &str) -> Option<Step> {
    match name {
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

/// Reads an error answer (`{status, error, message|description, details}`) or a common status.
fn error_of(response: &CarrierResponse) -> Option<TrackingError> {
    if let Some(error) = common_error(CARRIER, response) {
        return Some(error);
    }
    if (200..300).contains(&response.status) {
        return None;
    }
    let body = json::body(CARRIER, response.body).unwrap_or(Value::Null);
    let message = text(&body, "message").or_else(|| text(&body, "description"));
    let code = text(&body, "error").unwrap_or_default();
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

fn object(response: &CarrierResponse) -> Result<Value, TrackingError> {
    if let Some(error) = error_of(response) {
        return Err(error);
    }
    let value = json::body(CARRIER, response.body)?;
    if value.is_object() {
        Ok(value)
    } else {
        Err(TrackingError::MalformedResponse {
            carrier: CARRIER,
            reason: "expected a JSON object".into(),
        })
    }
}

fn timestamp(value: &Value, key: &str) -> Option<Timestamp> {
    // ShipX writes offsets; a bare time would be Polish time, which follows the same EU rule.
    text(value, key).and_then(|t| time::parse_with_fallback_zone(&t, time::EUROPE_WARSAW).ok())
}

/// Turns the answer to [`tracking_request`] into a shipment.
pub fn parse_tracking(response: &CarrierResponse) -> Result<Shipment, TrackingError> {
    let body = object(response)?;
    if text(&body, "tracking_number").is_none() && text(&body, "error").is_some() {
        // An error body delivered with 200: read it with the status it names.
        let status = json::integer(&body, "status")
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
    let Some(number) = text(&body, "tracking_number") else {
        return Err(TrackingError::MalformedResponse {
            carrier: CARRIER,
            reason: "no tracking_number".into(),
        });
    };
    let mut shipment = Shipment::new(CARRIER, number);
    shipment.service = text(&body, "service").or_else(|| text(&body, "type"));
    shipment.created_at = timestamp(&body, "created_at");
    shipment.last_update = timestamp(&body, "updated_at");

    for detail in list(&body, "tracking_details") {
        let Some(name) = text(detail, "status") else {
            continue;
        };
        shipment.events.push(TrackingEvent {
            time: timestamp(detail, "datetime"),
            status: status_of(&name),
            carrier_status: CarrierStatus {
                text: status_text(&name),
                origin_code: text(detail, "origin_status"),
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

    let current = text(&body, "status").or_else(|| {
        shipment
            .events
            .first()
            .map(|e| e.carrier_status.code.clone())
    });
    if let Some(name) = &current {
        shipment.status = status_of(name);
        shipment.carrier_status = Some(CarrierStatus::new(name.clone(), status_text(name)));
    }

    if let Some(attributes) = field(&body, "custom_attributes") {
        let target_id =
            text(attributes, "target_machine_id").or_else(|| text(attributes, "target_point_id"));
        shipment.pickup_point = point_of(field(attributes, "target_machine_detail"), target_id);
        let dropoff_id =
            text(attributes, "dropoff_machine_id").or_else(|| text(attributes, "dropoff_point_id"));
        shipment.dropoff_point = point_of(field(attributes, "dropoff_machine_detail"), dropoff_id);
    }

    let service = shipment.service.clone().unwrap_or_default();
    let journey = if service.contains("courier") {
        Journey::Courier
    } else if service.contains("locker") || shipment.pickup_point.is_some() {
        Journey::Locker
    } else {
        Journey::Courier
    };
    let announced = list(&body, "expected_flow")
        .into_iter()
        .filter_map(|step| {
            json::as_text(step)
                .or_else(|| text(step, "status"))
                .or_else(|| text(step, "name"))
        })
        .map(|name| AnnouncedStep {
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
fn point_of(detail: Option<&Value>, fallback_id: Option<String>) -> Option<PickupPoint> {
    let Some(detail) = detail.filter(|d| d.is_object()) else {
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
    let id = text(detail, "name").or(fallback_id)?;
    let mut address_lines: Vec<String> = Vec::new();
    if let Some(address) = field(detail, "address") {
        address_lines.extend(
            ["line1", "line2"]
                .iter()
                .filter_map(|key| text(address, key)),
        );
    }
    if address_lines.is_empty() {
        if let Some(details) = field(detail, "address_details") {
            let street = [text(details, "street"), text(details, "building_number")]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            let town = [text(details, "post_code"), text(details, "city")]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            address_lines.extend([street, town].into_iter().filter(|line| !line.is_empty()));
        }
    }
    let coordinates = field(detail, "location").and_then(|location| {
        Coordinates::checked(
            number(location, "latitude")?,
            number(location, "longitude")?,
        )
    });
    let raw_hours = text(detail, "opening_hours");
    // `location_247` in older answers, `location247` in newer ones.
    let always_open = ["location_247", "location247"]
        .iter()
        .any(|key| field(detail, key).and_then(Value::as_bool) == Some(true));
    let opening_hours = if always_open {
        Some(crate::model::OpeningHours::AlwaysOpen {
            raw: raw_hours.unwrap_or_else(|| "24/7".into()),
        })
    } else {
        match (raw_hours, field(detail, "operating_hours_extended")) {
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
        "location_description",
        "location_description_1",
        "location_description_2",
    ]
    .iter()
    .filter_map(|key| text(detail, key))
    .collect::<Vec<_>>();
    Some(PickupPoint {
        id: id.clone(),
        name: Some(id),
        kinds: list(detail, "type")
            .into_iter()
            .filter_map(json::as_text)
            .collect(),
        address_lines,
        coordinates,
        opening_hours,
        description: (!description.is_empty()).then(|| description.join("\n")),
        image_url: text(detail, "image_url"),
    })
}

/// Turns the answer to [`point_request`] into a pickup point.
pub fn parse_point(response: &CarrierResponse) -> Result<PickupPoint, TrackingError> {
    let body = object(response)?;
    point_of(Some(&body), None).ok_or_else(|| TrackingError::MalformedResponse {
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
    let body = object(response)?;
    Ok(list(&body, "items")
        .into_iter()
        .filter_map(|item| {
            let name = text(item, "name")?;
            Some(StatusTitle {
                status: status_of(&name),
                title: text(item, "title").unwrap_or_else(|| name.clone()),
                description: text(item, "description"),
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
    let body = object(response)?;
    let history = field(&body, "service_history").unwrap_or(&body);
    let last_service =
        text(history, "last_service").ok_or_else(|| TrackingError::MalformedResponse {
            carrier: CARRIER,
            reason: "no last_service".into(),
        })?;
    Ok(ServiceHistory {
        last_service,
        updated_at: timestamp(history, "updated_at"),
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
}
