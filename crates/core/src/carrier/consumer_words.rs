//! What a consumer reads of a carrier's own words: in which language a carrier writes its status
//! texts, whether such a text adds anything to the normalized status for a given reader, and
//! which short explanation goes with a normalized status of a carrier.

use crate::model::{Carrier, Shipment, TrackingEvent};
use crate::status::Status;

impl Carrier {
    /// The language (ISO 639-1) the carrier writes its status texts in, when that is a fact of
    /// the carrier rather than of the request: InPost's tracking answers carry Polish
    /// descriptions (`Umieszczona w Paczkomacie (odbiorczym)`) whoever asks. `None` when the
    /// language depends on the request (Di answers in the language asked for) or is not known.
    pub fn text_language(self) -> Option<&'static str> {
        match self {
            Carrier::Inpost => Some("pl"),
            _ => None,
        }
    }
}

/// Whether a carrier's text for an event with `status` says something to a reader of
/// `reader_language` (ISO 639-1) that the normalized status in the reader's words does not:
/// always when the reader reads the carrier's language or the language is not known; in another
/// language only when the status could not be placed (`unknown`), because then the carrier's
/// words are all there is.
pub fn carrier_text_adds(carrier: Carrier, status: Status, reader_language: &str) -> bool {
    match carrier.text_language() {
        Some(language) => {
            status == Status::Unknown || language.eq_ignore_ascii_case(reader_language.trim())
        }
        None => true,
    }
}

/// The events of `shipment` as a reader of `reader_language` should see them: carrier status
/// texts that only repeat the normalized status in a language the reader does not read are
/// left out.
pub fn events_for_reader(shipment: &Shipment, reader_language: &str) -> Vec<TrackingEvent> {
    shipment
        .events
        .iter()
        .cloned()
        .map(|mut event| {
            if !carrier_text_adds(shipment.carrier, event.status, reader_language) {
                event.carrier_status.text = None;
            }
            event
        })
        .collect()
}

/// Which short explanation goes with a normalized status: the general one, or one for how a
/// carrier does it differently. The widget's catalogs have one sentence per variant, keyed
/// `explain.<status>` and `explain.<status>.<variant>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExplanationVariant {
    /// What the status means with any carrier.
    General,
    /// InPost hands out parcels at lockers and points against the pickup code it sends by SMS
    /// and shows in its app.
    InpostPickupCode,
}

impl ExplanationVariant {
    /// The variant's catalog suffix; `None` for the general one.
    pub fn suffix(self) -> Option<&'static str> {
        match self {
            ExplanationVariant::General => None,
            ExplanationVariant::InpostPickupCode => Some("inpost"),
        }
    }
}

/// The explanation that fits `status` with `carrier`.
pub fn explanation_variant(carrier: Carrier, status: Status) -> ExplanationVariant {
    match (carrier, status) {
        (Carrier::Inpost, Status::ReadyForPickup) => ExplanationVariant::InpostPickupCode,
        _ => ExplanationVariant::General,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::CarrierStatus;

    fn inpost_event(status: Status, code: &str, text: &str) -> TrackingEvent {
        TrackingEvent {
            time: None,
            status,
            carrier_status: CarrierStatus::new(code, Some(text.to_owned())),
            detail: None,
            location: None,
            destination: None,
            source: None,
            notice: None,
        }
    }

    #[test]
    fn inposts_polish_text_is_kept_for_polish_readers_and_for_statuses_it_alone_explains() {
        let mut shipment = Shipment::new(Carrier::Inpost, "520000011395200025009871");
        shipment.events = vec![
            inpost_event(
                Status::ReadyForPickup,
                "ready_to_pickup",
                "Umieszczona w Paczkomacie (odbiorczym)",
            ),
            inpost_event(
                Status::Unknown,
                "stored_by_sender",
                "Przechowywana przez nadawcę",
            ),
        ];
        let english = events_for_reader(&shipment, "en");
        assert_eq!(english[0].carrier_status.text, None);
        assert_eq!(english[0].carrier_status.code, "ready_to_pickup");
        assert_eq!(
            english[1].carrier_status.text.as_deref(),
            Some("Przechowywana przez nadawcę")
        );
        let polish = events_for_reader(&shipment, "pl");
        assert_eq!(polish, shipment.events);
    }

    #[test]
    fn a_carrier_whose_language_depends_on_the_request_keeps_its_text() {
        for status in Status::ALL {
            assert!(carrier_text_adds(Carrier::Di, status, "en"));
            assert!(carrier_text_adds(Carrier::Trackonline, status, "de"));
        }
        assert!(!carrier_text_adds(Carrier::Inpost, Status::Delivered, "de"));
        assert!(carrier_text_adds(Carrier::Inpost, Status::Delivered, "PL"));
    }

    #[test]
    fn only_inposts_pickup_has_its_own_explanation() {
        assert_eq!(
            explanation_variant(Carrier::Inpost, Status::ReadyForPickup).suffix(),
            Some("inpost")
        );
        for status in Status::ALL {
            assert_eq!(
                explanation_variant(Carrier::Di, status),
                ExplanationVariant::General
            );
        }
        assert_eq!(
            explanation_variant(Carrier::Inpost, Status::InTransit),
            ExplanationVariant::General
        );
    }
}
