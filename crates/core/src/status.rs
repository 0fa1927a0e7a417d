//! The normalized status every carrier's own codes are mapped to.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Where a shipment is in its life, in terms every carrier can be mapped to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Announced or labelled; the carrier does not have it yet.
    PreTransit,
    InTransit,
    OutForDelivery,
    /// Waiting at a locker, service point or branch for the consumer.
    ReadyForPickup,
    Delivered,
    /// A delivery was tried and did not succeed; another attempt may follow.
    FailedAttempt,
    /// On its way back to, or back with, the sender.
    Returned,
    /// Lost, damaged, held, pickup time expired: someone has to act.
    Exception,
    Cancelled,
    /// The carrier said something this crate cannot place.
    Unknown,
}

impl Status {
    /// Every status, in the order of a shipment's life.
    pub const ALL: [Status; 10] = [
        Status::PreTransit,
        Status::InTransit,
        Status::OutForDelivery,
        Status::ReadyForPickup,
        Status::Delivered,
        Status::FailedAttempt,
        Status::Returned,
        Status::Exception,
        Status::Cancelled,
        Status::Unknown,
    ];

    /// The JSON name, e.g. `out_for_delivery`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::PreTransit => "pre_transit",
            Status::InTransit => "in_transit",
            Status::OutForDelivery => "out_for_delivery",
            Status::ReadyForPickup => "ready_for_pickup",
            Status::Delivered => "delivered",
            Status::FailedAttempt => "failed_attempt",
            Status::Returned => "returned",
            Status::Exception => "exception",
            Status::Cancelled => "cancelled",
            Status::Unknown => "unknown",
        }
    }

    /// No further movement is expected after this status.
    pub fn is_final(self) -> bool {
        matches!(self, Status::Delivered | Status::Cancelled)
    }

    /// Whether no delivery to the consumer is to come any more: it happened, or the parcel went
    /// back or was called off. An estimated delivery is meaningless from here on.
    pub fn settles_delivery(self) -> bool {
        matches!(
            self,
            Status::Delivered | Status::Returned | Status::Cancelled
        )
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_json_name_of_every_status_matches_its_serde_name() {
        for status in Status::ALL {
            assert_eq!(serde_json::to_value(status).unwrap(), status.as_str());
        }
    }
}
