//! The sandbox's data set: demo parcels of each carrier, sandbox credentials, licence tiers and
//! fault switches, read from a TOML file that a merchant can copy and edit.
//!
//! The default data set is compiled into the binary, so `trackline sandbox` runs with no file
//! around; `--data FILE` replaces it.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::carrier::Carrier;
use super::clock::RelativeTime;
use super::faults::FaultPlan;

/// The data set shipped with Trackline (`crates/server/sandbox/demo-data.toml`).
pub const DEFAULT_DATA: &str = include_str!("../../sandbox/demo-data.toml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataSet {
    pub inpost: InPostData,
    pub di: DiData,
    pub trackonline: TrackOnlineData,
    /// Numbers that always (or for their first requests) answer with a fault.
    #[serde(default)]
    pub faults: Vec<NumberFault>,
}

/// What a demo number is for: the status a client should show and a one-line description.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoNote {
    /// The normalized status (`in_transit`, `delivered`, ...) a client should derive.
    pub expected_status: String,
    pub description: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NumberFault {
    pub number: String,
    /// Whose number it is, for the list of demo cases; the fault applies on every carrier.
    pub carrier: Carrier,
    /// A fault plan as accepted by `X-Sandbox-Fault`, e.g. `503` or `latency:800,500`.
    pub fault: FaultPlan,
    /// How many requests fail before the number recovers; absent means every request.
    pub times: Option<u32>,
    pub description: String,
}

// ---------------------------------------------------------------------------------------------
// InPost

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InPostData {
    pub statuses: Vec<InPostStatus>,
    pub points: Vec<InPostPoint>,
    pub parcels: Vec<InPostParcel>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InPostStatus {
    pub name: String,
    pub title_pl: String,
    pub title_en: String,
    #[serde(default)]
    pub description_pl: String,
    #[serde(default)]
    pub description_en: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InPostPoint {
    pub name: String,
    pub types: Vec<String>,
    pub status: String,
    pub latitude: f64,
    pub longitude: f64,
    pub location_description: String,
    pub opening_hours: String,
    pub location_247: bool,
    pub street: String,
    pub building_number: String,
    pub post_code: String,
    pub city: String,
    pub province: String,
    #[serde(default)]
    pub functions: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InPostParcel {
    pub tracking_number: String,
    /// Shipment type, e.g. `inpost_locker_standard` or `inpost_courier_standard`.
    pub shipment_type: String,
    pub service: String,
    pub size: Option<String>,
    pub target_point: Option<String>,
    pub dropoff_point: Option<String>,
    pub shipment_id: String,
    pub created: RelativeTime,
    #[serde(default)]
    pub expected_flow: Vec<String>,
    /// The last change of service, for `/service_history`.
    pub last_service_change: Option<RelativeTime>,
    #[serde(flatten)]
    pub demo: DemoNote,
    /// Oldest first, as a person writes a history; the API answers newest first.
    pub history: Vec<InPostStep>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InPostStep {
    pub status: String,
    pub origin_status: String,
    pub agency: Option<String>,
    pub at: RelativeTime,
}

// ---------------------------------------------------------------------------------------------
// Di

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiData {
    /// Web-service users that may log in (sandbox-only values).
    pub users: Vec<DiUser>,
    pub event_groups: Vec<DiEventGroup>,
    pub reg_systems: Vec<DiRegSystem>,
    pub event_types: Vec<DiCode>,
    pub additional_infos: Vec<DiCode>,
    pub parcels: Vec<DiParcel>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiUser {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiEventGroup {
    pub id: u32,
    pub name: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiRegSystem {
    pub id: u32,
    pub name: String,
}

/// An event type or additional-info code with its translations.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiCode {
    pub code: String,
    /// Event types belong to a group; additional infos do not.
    pub group: Option<u32>,
    pub i18n_key: String,
    pub no: String,
    pub en: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiParcel {
    pub tracking_number: String,
    /// GINC, written without its `(401)` prefix.
    pub shipment_number: String,
    pub return_code: Option<String>,
    pub freight_product_id: u32,
    pub freight_product_name: String,
    pub parcel_status_no: String,
    pub parcel_status_en: String,
    #[serde(default)]
    pub linked_parcel_numbers: Vec<String>,
    /// How the fetch answers for this parcel: Event Log v2's flat list of parcels (the default)
    /// or the successor API's list of shipments with their parcels as `items`.
    #[serde(default)]
    pub answer_shape: DiAnswerShape,
    /// The shop, named in the nested answer.
    pub shop_name: Option<String>,
    /// The consignee's own reference (an order number), in the nested answer.
    pub consignee_reference: Option<String>,
    #[serde(flatten)]
    pub demo: DemoNote,
    /// Oldest first.
    pub events: Vec<DiEventRecord>,
}

/// The two shapes of a Di fetch answer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DiAnswerShape {
    /// A list of parcels, each with its events (Parcel Event Log v2).
    #[default]
    Flat,
    /// A list of shipments, each with `shipmentNumber`, shop and references, whose `items` are
    /// the parcels; events carry `eventTimeUtc` and `comChannelType` too.
    Nested,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiEventRecord {
    pub at: RelativeTime,
    pub event_type: String,
    pub additional_info: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub location_context: Option<String>,
    pub location_context_id: Option<String>,
    pub communication_channel: Option<String>,
    pub reg_system: u32,
    pub message: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// TrackOnline

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrackOnlineData {
    pub api_keys: Vec<TrackOnlineApiKey>,
    pub item_definitions: Vec<TrackOnlineItemDefinition>,
    pub locations: Vec<TrackOnlineLocation>,
    pub unique_items: Vec<TrackOnlineUniqueItem>,
    pub transactions: Vec<TrackOnlineTransaction>,
    pub packaging_labels: Vec<TrackOnlinePackagingLabel>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrackOnlineApiKey {
    pub key: String,
    /// Limits are counted per administration, as TrackOnline does.
    pub administration: String,
    pub tier: LicenceTier,
    /// Overrides the tier's limits, e.g. to try a 429 after three calls.
    pub per_minute: Option<u32>,
    pub per_day: Option<u32>,
}

impl TrackOnlineApiKey {
    pub fn limits(&self) -> (u32, u32) {
        let (minute, day) = self.tier.limits();
        (
            self.per_minute.unwrap_or(minute),
            self.per_day.unwrap_or(day),
        )
    }
}

/// TrackOnline licence types and their published call limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LicenceTier {
    Start,
    Pro,
    ProPlus,
    Enterprise,
}

impl LicenceTier {
    /// (per minute, per day)
    pub fn limits(self) -> (u32, u32) {
        match self {
            LicenceTier::Start | LicenceTier::Pro => (60, 1_000),
            LicenceTier::ProPlus => (60, 5_000),
            LicenceTier::Enterprise => (1_000, 10_000),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrackOnlineItemDefinition {
    pub id: String,
    pub number: String,
    pub name: String,
    pub code: String,
    pub type_code: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrackOnlineLocation {
    pub id: String,
    pub number: String,
    pub name: String,
    pub type_code: u32,
    pub address_line: String,
    pub postal_code: String,
    pub city: String,
    pub country: String,
    pub latitude: f64,
    pub longitude: f64,
    pub radius: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrackOnlineUniqueItem {
    pub id: String,
    pub number: String,
    pub bar_code: Option<String>,
    pub epc_code: Option<String>,
    pub ble_code: Option<String>,
    pub item_definition: String,
    #[serde(default)]
    pub device_ids: Vec<String>,
    pub last_known_location: Option<String>,
    pub first_seen: RelativeTime,
    /// Whether the item is listed among the demo cases (default: yes).
    #[serde(default = "listed")]
    pub demo_case: bool,
    #[serde(flatten)]
    pub demo: DemoNote,
    /// IoT measurements, oldest first; the newest is the last known position.
    #[serde(default)]
    pub positions: Vec<TrackOnlinePosition>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrackOnlinePosition {
    pub at: RelativeTime,
    pub latitude: f64,
    pub longitude: f64,
    pub temperature: Option<f64>,
    pub location: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrackOnlineTransaction {
    pub id: String,
    pub transaction_number: String,
    /// The delivery-note (CMR) number.
    pub document_number: Option<String>,
    /// The customer's own reference.
    pub reference_number: Option<String>,
    pub status_code: u32,
    pub type_code: u32,
    pub from_location: String,
    pub to_location: String,
    pub carrier: Option<String>,
    /// `dateTransaction`: when the movement leaves (or left).
    pub date: RelativeTime,
    /// `dateTransactionCounterpart`, the delivery date: expected while the transaction is open,
    /// actual once processed. Left out, it is the transaction date, as TrackOnline does; clients
    /// then show no estimated delivery.
    pub date_counterpart: Option<RelativeTime>,
    pub license_plate: Option<String>,
    pub notes: Option<String>,
    #[serde(default)]
    pub items: Vec<TrackOnlineTransactionItem>,
    #[serde(default)]
    pub packaging_label_numbers: Vec<String>,
    #[serde(flatten)]
    pub demo: DemoNote,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrackOnlineTransactionItem {
    pub item_definition: String,
    pub quantity: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrackOnlinePackagingLabel {
    pub id: String,
    pub number: String,
    /// 1 = SSCC.
    pub type_code: u32,
    pub expiration: RelativeTime,
    pub created: RelativeTime,
    #[serde(default)]
    pub items: Vec<TrackOnlineTransactionItem>,
    #[serde(default)]
    pub unique_items: Vec<String>,
}

// ---------------------------------------------------------------------------------------------
// Loading

/// Why a data file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum DataSetError {
    #[error("cannot read the sandbox data file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the sandbox data file {origin} is not valid: {source}")]
    Syntax {
        origin: String,
        source: Box<toml::de::Error>,
    },
    #[error("the sandbox data file {origin} is inconsistent: {problem}")]
    Inconsistent { origin: String, problem: String },
}

impl DataSet {
    /// The data set compiled into the binary.
    pub fn builtin() -> DataSet {
        DataSet::parse(DEFAULT_DATA, "(built in)")
            .expect("the built-in sandbox data set is checked by the test suite")
    }

    pub fn load(path: &Path) -> Result<DataSet, DataSetError> {
        let text = std::fs::read_to_string(path).map_err(|source| DataSetError::Read {
            path: path.to_owned(),
            source,
        })?;
        DataSet::parse(&text, &path.display().to_string())
    }

    /// `origin` names the file in error messages.
    pub fn parse(text: &str, origin: &str) -> Result<DataSet, DataSetError> {
        let data: DataSet = toml::from_str(text).map_err(|source| DataSetError::Syntax {
            origin: origin.to_owned(),
            source: Box::new(source),
        })?;
        data.check().map_err(|problem| DataSetError::Inconsistent {
            origin: origin.to_owned(),
            problem,
        })?;
        Ok(data)
    }

    /// Catches references to things that are not in the file, which would otherwise only show as
    /// odd responses.
    fn check(&self) -> Result<(), String> {
        unique(
            self.inpost
                .parcels
                .iter()
                .map(|p| p.tracking_number.as_str()),
            "InPost tracking number",
        )?;
        unique(
            self.inpost.points.iter().map(|p| p.name.as_str()),
            "InPost point",
        )?;
        for parcel in &self.inpost.parcels {
            for point in parcel.target_point.iter().chain(&parcel.dropoff_point) {
                if self.inpost.point(point).is_none() {
                    return Err(format!(
                        "InPost parcel {} names point {point}, which is not in [[inpost.points]]",
                        parcel.tracking_number
                    ));
                }
            }
            if parcel.history.is_empty() {
                return Err(format!(
                    "InPost parcel {} has no history",
                    parcel.tracking_number
                ));
            }
        }
        unique(
            self.di.parcels.iter().map(|p| p.tracking_number.as_str()),
            "Di tracking number",
        )?;
        for parcel in &self.di.parcels {
            for linked in &parcel.linked_parcel_numbers {
                if self.di.parcel_by_tracking_number(linked).is_none() {
                    return Err(format!(
                        "Di parcel {} is linked to {linked}, which is not in [[di.parcels]]",
                        parcel.tracking_number
                    ));
                }
            }
            for event in &parcel.events {
                let Some(event_type) = self.di.event_type(&event.event_type) else {
                    return Err(format!(
                        "Di parcel {} has event type {}, which is not in [[di.event_types]]",
                        parcel.tracking_number, event.event_type
                    ));
                };
                if let Some(group) = event_type.group {
                    if self.di.event_group(group).is_none() {
                        return Err(format!(
                            "Di event group {group} is not in [[di.event_groups]]"
                        ));
                    }
                }
                if let Some(info) = &event.additional_info {
                    if self.di.additional_info(info).is_none() {
                        return Err(format!(
                            "Di parcel {} has additional info {info}, which is not in \
                             [[di.additional_infos]]",
                            parcel.tracking_number
                        ));
                    }
                }
                if self.di.reg_system(event.reg_system).is_none() {
                    return Err(format!(
                        "Di parcel {} names reg system {}, which is not in [[di.reg_systems]]",
                        parcel.tracking_number, event.reg_system
                    ));
                }
            }
        }
        let online = &self.trackonline;
        unique(
            online.api_keys.iter().map(|k| k.key.as_str()),
            "TrackOnline API key",
        )?;
        for item in &online.unique_items {
            if online.item_definition(&item.item_definition).is_none() {
                return Err(format!(
                    "TrackOnline unique item {} names item definition {}, which is not listed",
                    item.number, item.item_definition
                ));
            }
            for location in item
                .last_known_location
                .iter()
                .chain(item.positions.iter().filter_map(|p| p.location.as_ref()))
            {
                if online.location(location).is_none() {
                    return Err(format!(
                        "TrackOnline unique item {} names location {location}, which is not listed",
                        item.number
                    ));
                }
            }
        }
        for transaction in &online.transactions {
            let locations = [&transaction.from_location, &transaction.to_location]
                .into_iter()
                .chain(&transaction.carrier);
            for location in locations {
                if online.location(location).is_none() {
                    return Err(format!(
                        "TrackOnline transaction {} names location {location}, which is not listed",
                        transaction.transaction_number
                    ));
                }
            }
            for item in &transaction.items {
                if online.item_definition(&item.item_definition).is_none() {
                    return Err(format!(
                        "TrackOnline transaction {} names item definition {}, which is not listed",
                        transaction.transaction_number, item.item_definition
                    ));
                }
            }
        }
        Ok(())
    }
}

fn listed() -> bool {
    true
}

fn unique<'a>(values: impl Iterator<Item = &'a str>, what: &str) -> Result<(), String> {
    let mut seen = HashSet::new();
    for value in values {
        if !seen.insert(value) {
            return Err(format!("{what} {value} appears twice"));
        }
    }
    Ok(())
}

impl InPostData {
    pub fn point(&self, name: &str) -> Option<&InPostPoint> {
        self.points.iter().find(|point| point.name == name)
    }

    pub fn parcel(&self, tracking_number: &str) -> Option<&InPostParcel> {
        self.parcels
            .iter()
            .find(|parcel| parcel.tracking_number == tracking_number)
    }
}

impl DiData {
    pub fn parcel_by_tracking_number(&self, tracking_number: &str) -> Option<&DiParcel> {
        self.parcels
            .iter()
            .find(|parcel| parcel.tracking_number == tracking_number)
    }

    pub fn event_type(&self, code: &str) -> Option<&DiCode> {
        self.event_types.iter().find(|entry| entry.code == code)
    }

    pub fn additional_info(&self, code: &str) -> Option<&DiCode> {
        self.additional_infos
            .iter()
            .find(|entry| entry.code == code)
    }

    pub fn event_group(&self, id: u32) -> Option<&DiEventGroup> {
        self.event_groups.iter().find(|group| group.id == id)
    }

    pub fn reg_system(&self, id: u32) -> Option<&DiRegSystem> {
        self.reg_systems.iter().find(|system| system.id == id)
    }
}

impl TrackOnlineData {
    pub fn item_definition(&self, number: &str) -> Option<&TrackOnlineItemDefinition> {
        self.item_definitions
            .iter()
            .find(|definition| definition.number == number)
    }

    pub fn location(&self, number: &str) -> Option<&TrackOnlineLocation> {
        self.locations
            .iter()
            .find(|location| location.number == number)
    }

    pub fn api_key(&self, key: &str) -> Option<&TrackOnlineApiKey> {
        self.api_keys.iter().find(|entry| entry.key == key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_data_set_loads_and_is_consistent() {
        let data = DataSet::parse(DEFAULT_DATA, "(built in)").unwrap_or_else(|e| panic!("{e}"));
        assert!(!data.inpost.parcels.is_empty());
        assert!(!data.di.parcels.is_empty());
        assert!(!data.trackonline.transactions.is_empty());
    }

    #[test]
    fn a_link_to_a_missing_parcel_is_reported_with_both_numbers() {
        let text = DEFAULT_DATA.replacen(
            "linked_parcel_numbers = [\"370724760010119761\"]",
            "linked_parcel_numbers = [\"370724760099999999\"]",
            1,
        );
        assert_ne!(text, DEFAULT_DATA, "the demo data links 370724760010119761");
        let error = DataSet::parse(&text, "edited.toml")
            .unwrap_err()
            .to_string();
        assert!(error.contains("edited.toml"), "{error}");
        assert!(error.contains("370724760099999999"), "{error}");
    }

    #[test]
    fn a_tier_without_overrides_has_the_published_limits() {
        let key = TrackOnlineApiKey {
            key: "k".into(),
            administration: "a".into(),
            tier: LicenceTier::ProPlus,
            per_minute: None,
            per_day: None,
        };
        assert_eq!(key.limits(), (60, 5_000));
        let tiny = TrackOnlineApiKey {
            per_minute: Some(3),
            ..key
        };
        assert_eq!(tiny.limits(), (3, 5_000));
    }
}
