//! Who may read what: decided by data (a key whose scope holds the shipment, or a signed link),
//! never by the `Origin` header, which any client other than a browser sets freely. Each carrier
//! has an [`AccessMode`]; `Origin` decides CORS only.

use std::sync::Arc;

use serde::Deserialize;
use trackline_core::carrier::endpoint::Parameter;
use trackline_core::carrier::trackonline;

use super::config::{Carrier, Secret};
use super::problem::{Problem, ProblemKind};
use super::routes::UpstreamTarget;
use super::signed::{self, LinkError};
use super::store::{normalize_number, now_unix, KeyOwner, Store};

/// Who may read a carrier's shipments through the proxy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AccessMode {
    /// Anyone: for carriers whose own tracking page is public (InPost).
    Public,
    /// A valid signed link naming the shipment, or a key whose scope holds it.
    Signed,
    /// Only a key whose scope holds the shipment.
    Key,
}

impl AccessMode {
    /// InPost's own tracking page is public; Di and TrackOnline show merchants' and consumers'
    /// data (addresses, delivery notes), so they need a signature or a key.
    pub fn default_for(carrier: Carrier) -> AccessMode {
        match carrier {
            Carrier::Inpost => AccessMode::Public,
            // Di, TrackOnline, and any carrier that gets an adapter later: private until the
            // merchant says otherwise.
            _ => AccessMode::Signed,
        }
    }

    /// Whether the carrier's data belongs to the merchant and its consumers, so that `public`
    /// exposes it to anyone.
    pub fn is_private_carrier(carrier: Carrier) -> bool {
        AccessMode::default_for(carrier) != AccessMode::Public
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AccessMode::Public => "public",
            AccessMode::Signed => "signed",
            AccessMode::Key => "key",
        }
    }
}

/// The detail of every "nothing to show" answer on a protected carrier: out of scope and
/// unknown are worded, and answered, alike.
const NOTHING_FOUND: &str = "no shipment is known by this reference";

/// The one answer for an unknown reference and for one outside the caller's scope.
pub fn nothing_found(carrier: &'static str) -> Problem {
    Problem::new(ProblemKind::NotFound, NOTHING_FOUND).for_carrier(carrier)
}

/// The reference values a forwarded request asks about, in the proxy's compared form. Empty for
/// routes that read no shipment (InPost's status list and pickup points). Path values sit where
/// the route template has `{n}` or `{id}`; query values are TrackOnline's identifier filters.
pub fn requested_numbers(target: &UpstreamTarget) -> Vec<String> {
    let (path, query) = target
        .path_and_query
        .split_once('?')
        .unwrap_or((target.path_and_query.as_str(), ""));
    let endpoint = target.endpoint;
    let is_reference = |parameters: &[Parameter], name: &str| {
        parameters
            .iter()
            .any(|parameter| parameter.name == name && parameter.kind.is_reference())
    };
    let mut numbers = Vec::new();
    for (template, value) in endpoint.path.split('/').zip(path.split('/')) {
        let name = template.strip_prefix('{').and_then(|t| t.strip_suffix('}'));
        if name.is_some_and(|name| is_reference(endpoint.path_parameters, name)) {
            numbers.push(value.to_owned());
        }
    }
    for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
        if is_reference(endpoint.query, &name) {
            numbers.push(value.into_owned());
        }
    }
    numbers
        .into_iter()
        .map(|number| normalize_number(&number).unwrap_or(number))
        .collect()
}

/// What the caller brought.
pub struct Presented<'a> {
    pub key_owner: Option<&'a KeyOwner>,
    /// The `X-Trackline-Link` header: a signed link's query.
    pub link: Option<&'a str>,
}

/// Decides whether the request may be forwarded. Refusals are problems; out of scope is
/// [`nothing_found`], exactly as for a reference that does not exist.
pub async fn decide(
    store: &Arc<dyn Store>,
    link_secret: Option<&Secret>,
    mode: AccessMode,
    target: &UpstreamTarget,
    presented: Presented<'_>,
) -> Result<(), Problem> {
    if mode == AccessMode::Public {
        return Ok(());
    }
    let carrier = target.carrier.as_str();
    let numbers = requested_numbers(target);
    if numbers.is_empty() {
        return Ok(());
    }
    if let Some(owner) = presented.key_owner {
        let in_scope = store
            .in_scope(&owner.user, &numbers)
            .await
            .map_err(|error| store_failed(error.to_string()))?;
        if in_scope {
            return Ok(());
        }
    }
    if mode == AccessMode::Signed {
        if let Some(link) = presented.link {
            let Some(secret) = link_secret else {
                return Err(Problem::new(
                    ProblemKind::LinkInvalid,
                    "this proxy has no link secret, so it accepts no signed links",
                )
                .for_carrier(carrier));
            };
            return match signed::verify(secret.expose().as_bytes(), link, now_unix()) {
                Ok(link) if link.numbers.iter().any(|number| numbers.contains(number)) => Ok(()),
                // A valid link to another shipment reveals nothing about this one.
                Ok(_) => Err(nothing_found(carrier)),
                Err(error @ LinkError::Expired { .. }) => {
                    Err(Problem::new(ProblemKind::LinkExpired, error.to_string())
                        .for_carrier(carrier))
                }
                Err(error) => {
                    Err(Problem::new(ProblemKind::LinkInvalid, error.to_string())
                        .for_carrier(carrier))
                }
            };
        }
    }
    if presented.key_owner.is_some() {
        return Err(nothing_found(carrier));
    }
    Err(match mode {
        AccessMode::Key => Problem::new(
            ProblemKind::Unauthorized,
            format!("{carrier} shipments are shown only with an access key whose scope holds them (X-Trackline-Key)"),
        ),
        _ => Problem::new(
            ProblemKind::SignatureRequired,
            format!("{carrier} shipments are shown only through a signed link (X-Trackline-Link) or an access key whose scope holds them"),
        ),
    }
    .for_carrier(carrier))
}

fn store_failed(detail: String) -> Problem {
    tracing::error!(error = %detail, "the access database failed; refusing the request");
    Problem::new(
        ProblemKind::AccessUnavailable,
        "access cannot be checked right now",
    )
    .retry_after(std::time::Duration::from_secs(5))
}

/// Keeps only the records whose identifier equals the value asked for (TrackOnline's filters
/// match parts of values). `None` when the answer is not a list of records, or no filter applies.
pub fn exact_matches(target: &UpstreamTarget, body: &[u8]) -> Option<Vec<u8>> {
    if target.carrier != Carrier::Trackonline {
        return None;
    }
    let query = target.path_and_query.split_once('?')?.1;
    let filters: Vec<(&'static str, String)> = url::form_urlencoded::parse(query.as_bytes())
        .filter_map(|(name, value)| {
            let member = trackonline::identifier_member(&name)?;
            let value = normalize_number(&value).unwrap_or_else(|_| value.into_owned());
            Some((member, value))
        })
        .collect();
    if filters.is_empty() {
        return None;
    }
    let serde_json::Value::Array(records) = serde_json::from_slice(body).ok()? else {
        return None;
    };
    let kept: Vec<serde_json::Value> = records
        .into_iter()
        .filter(|record| {
            filters.iter().all(|(member, value)| {
                record
                    .get(*member)
                    .and_then(|found| found.as_str())
                    .is_some_and(|found| {
                        found == value || normalize_number(found).is_ok_and(|found| &found == value)
                    })
            })
        })
        .collect();
    serde_json::to_vec(&kept).ok()
}

/// Whether a carrier's answer says that nothing is known: 404, 204, or an empty list.
pub fn says_nothing_found(status: u16, body: &[u8]) -> bool {
    status == 404
        || status == 204
        || (status == 200
            && serde_json::from_slice::<serde_json::Value>(body)
                .is_ok_and(|json| json.as_array().is_some_and(Vec::is_empty)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use trackline_core::carrier::endpoint;

    fn target(carrier: Carrier, route: &'static str, path_and_query: &str) -> UpstreamTarget {
        let endpoint = endpoint::of(carrier)
            .find(|endpoint| endpoint.path == route)
            .unwrap_or_else(|| panic!("{route} is not in the endpoint table"));
        UpstreamTarget {
            carrier,
            endpoint,
            path_and_query: path_and_query.to_owned(),
            masked: String::new(),
            kind: None,
            reference: None,
        }
    }

    #[test]
    fn the_requested_numbers_come_from_the_template_and_the_identifier_filters() {
        let di = target(
            Carrier::Di,
            "/ws/json/parcel/tracking/{version}/fetch/{id}/{locale}/{onlyLastEvent}",
            "/ws/json/parcel/tracking/v-2/fetch/370724760010119754/EN/false",
        );
        assert_eq!(requested_numbers(&di), ["370724760010119754"]);
        let points = target(Carrier::Inpost, "/v1/points/{name}", "/v1/points/KRA01M");
        assert!(requested_numbers(&points).is_empty());
        let labels = target(
            Carrier::Trackonline,
            "/api/v1/packaginglabel",
            "/api/v1/packaginglabel?Number=3&TypeCodes=1&page=1",
        );
        assert_eq!(requested_numbers(&labels), ["3"]);
    }

    /// If a route's template or filters were renamed, a protected route could look like one that
    /// reads no shipment and be served to anyone: every shipment route must name its reference.
    #[test]
    fn every_shipment_route_of_the_protected_carriers_names_its_reference() {
        use super::super::routes::{self, ProxyRoute};
        let paths = [
            (
                "/carriers/di/ws/json/parcel/tracking/v-2/fetch/370724760010119754/EN/false",
                None,
            ),
            (
                "/carriers/di/ws/json/parcel/tracking/v-1/fetch/370724760010119754/NO/true",
                None,
            ),
            (
                "/carriers/trackonline/api/v1/uniqueitem",
                Some("ItemNumber=CC000123"),
            ),
            (
                "/carriers/trackonline/api/v1/uniqueitem",
                Some("BarCode=8712345000123"),
            ),
            (
                "/carriers/trackonline/api/v1/uniqueitem",
                Some("EpcCode=3034257BF7194E4000001A85"),
            ),
            (
                "/carriers/trackonline/api/v1/uniqueitem",
                Some("BleCode=AB12"),
            ),
            (
                "/carriers/trackonline/api/v1/iot/item",
                Some("itemNumber=CC000123"),
            ),
            (
                "/carriers/trackonline/api/v1/iot/item/measurement",
                Some("item=CC000123"),
            ),
            (
                "/carriers/trackonline/api/v1/iot/item/measurement",
                Some("deviceId=00EDBED7"),
            ),
            (
                "/carriers/trackonline/api/v1/transaction",
                Some("ReferenceNumber=ORDER-88231"),
            ),
            (
                "/carriers/trackonline/api/v1/transaction",
                Some("DocumentNumber=LS-2024-08154711"),
            ),
            (
                "/carriers/trackonline/api/v1/transaction",
                Some("TransactionNumber=TO-2024-1001"),
            ),
            (
                "/carriers/trackonline/api/v1/packaginglabel",
                Some("Number=387123450000012343"),
            ),
            (
                "/carriers/trackonline/api/v1/location",
                Some("Number=DC-VENLO"),
            ),
            (
                "/carriers/inpost/v1/tracking/520000011395200025009871",
                None,
            ),
            (
                "/carriers/inpost/v1/tracking/520000011395200025009871/service_history",
                None,
            ),
        ];
        for (path, query) in paths {
            let Ok(ProxyRoute::Upstream(target)) =
                routes::parse(path, query, |_, value| Ok(value.to_owned()))
            else {
                panic!("{path} is not a route");
            };
            assert_eq!(requested_numbers(&target).len(), 1, "{path}?{query:?}");
        }
    }

    #[test]
    fn only_records_whose_identifier_equals_the_value_are_kept() {
        let labels = target(
            Carrier::Trackonline,
            "/api/v1/packaginglabel",
            "/api/v1/packaginglabel?Number=3",
        );
        let body = br#"[{"number":"387123450000012343"},{"number":"3"}]"#;
        assert_eq!(
            exact_matches(&labels, body).unwrap(),
            br#"[{"number":"3"}]"#.to_vec()
        );
        assert!(says_nothing_found(
            200,
            &exact_matches(&labels, br#"[{"number":"387123450000012343"}]"#).unwrap()
        ));
    }
}
