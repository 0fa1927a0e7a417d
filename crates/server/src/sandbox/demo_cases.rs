//! The demo cases: one line per demo number, for the demo page, the README table and the tests
//! that check each carrier adapter against the sandbox.

use serde::Serialize;

use super::carrier::Carrier;
use super::dataset::DataSet;

/// The demo proxy's link secret (`access.link_secret` in the demo configuration). Public by
/// design: it signs the demo's links so that they stay the same on every start and in the
/// README. Never use it anywhere else.
pub const DEMO_LINK_SECRET: &str = "trackline-demo-link-secret-not-for-production";
/// When the demo's signed links expire: 2100-01-01T00:00:00Z, far enough to keep the README's
/// links working.
pub const DEMO_LINK_EXPIRES_UNIX: i64 = 4_102_444_800;

/// A link query `parameter=value`, percent-encoded.
pub fn link_query(pairs: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// `references` (a link query) signed with the demo secret until `expires_unix`.
pub fn demo_signed(references: &str, expires_unix: i64) -> String {
    crate::proxy::signed::sign_query(DEMO_LINK_SECRET.as_bytes(), references, expires_unix)
}

/// One demo number and what a client should make of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DemoCase {
    pub carrier: Carrier,
    /// The URL parameter of the widget that carries the value: `tracking`, `sscc`, `cref` or
    /// `refNo` (conizi's names for a package SSCC, a customer reference and a delivery note).
    pub parameter: &'static str,
    pub value: String,
    /// The normalized status; `None` for a number that only demonstrates a fault.
    pub expected_status: Option<String>,
    /// The fault plan the sandbox applies to this number, if any.
    pub fault: Option<String>,
    pub description: String,
}

impl DemoCase {
    /// The query of the case's link. Di's and TrackOnline's data is the merchant's (consumers'
    /// addresses, delivery notes): their links are signed with the demo secret, as a shop would
    /// mail them. InPost's own tracking is public, so its links are plain numbers.
    pub fn link(&self) -> String {
        let references = link_query(&[(self.parameter, &self.value)]);
        match self.carrier {
            Carrier::Inpost => references,
            _ => demo_signed(&references, DEMO_LINK_EXPIRES_UNIX),
        }
    }
}

pub fn demo_cases(data: &DataSet) -> Vec<DemoCase> {
    let fault_for = |number: &str| {
        data.faults
            .iter()
            .find(|fault| fault.number == number)
            .map(|fault| fault.fault.to_string())
    };
    let mut cases = Vec::new();
    for parcel in &data.inpost.parcels {
        cases.push(DemoCase {
            carrier: Carrier::Inpost,
            parameter: "tracking",
            value: parcel.tracking_number.clone(),
            expected_status: Some(parcel.demo.expected_status.clone()),
            fault: fault_for(&parcel.tracking_number),
            description: parcel.demo.description.clone(),
        });
    }
    for parcel in &data.di.parcels {
        cases.push(DemoCase {
            carrier: Carrier::Di,
            parameter: "tracking",
            value: parcel.tracking_number.clone(),
            expected_status: Some(parcel.demo.expected_status.clone()),
            fault: fault_for(&parcel.tracking_number),
            description: parcel.demo.description.clone(),
        });
    }
    // Di numbers are SSCCs: the first parcel doubles as the package-SSCC case.
    if let Some(parcel) = data.di.parcels.first() {
        cases.push(DemoCase {
            carrier: Carrier::Di,
            parameter: "sscc",
            value: parcel.tracking_number.clone(),
            expected_status: Some(parcel.demo.expected_status.clone()),
            fault: None,
            description: format!(
                "Package SSCC (conizi `sscc`) of a Di parcel: {}",
                parcel.demo.description
            ),
        });
    }
    for item in data
        .trackonline
        .unique_items
        .iter()
        .filter(|item| item.demo_case)
    {
        cases.push(DemoCase {
            carrier: Carrier::Trackonline,
            parameter: "tracking",
            value: item.number.clone(),
            expected_status: Some(item.demo.expected_status.clone()),
            fault: fault_for(&item.number),
            description: item.demo.description.clone(),
        });
    }
    for transaction in &data.trackonline.transactions {
        let (parameter, value) = if let Some(document) = &transaction.document_number {
            ("refNo", document)
        } else if let Some(reference) = &transaction.reference_number {
            ("cref", reference)
        } else {
            ("tracking", &transaction.transaction_number)
        };
        cases.push(DemoCase {
            carrier: Carrier::Trackonline,
            parameter,
            value: value.clone(),
            expected_status: Some(transaction.demo.expected_status.clone()),
            fault: fault_for(value),
            description: transaction.demo.description.clone(),
        });
    }
    for fault in &data.faults {
        if cases.iter().any(|case| case.value == fault.number) {
            continue;
        }
        cases.push(DemoCase {
            carrier: fault.carrier,
            parameter: "tracking",
            value: fault.number.clone(),
            expected_status: None,
            fault: Some(fault.fault.to_string()),
            description: fault.description.clone(),
        });
    }
    cases
}

/// The README's table of demo links, one line per case, for a demo served at `base_url`.
pub fn markdown_table(cases: &[DemoCase], base_url: &str) -> String {
    let mut table = String::from("| carrier | link | shows | case |\n|---|---|---|---|\n");
    for case in cases {
        let shows = match (&case.expected_status, &case.fault) {
            (Some(status), None) => format!("`{status}`"),
            (Some(status), Some(fault)) => format!("`{status}` (fault `{fault}`)"),
            (None, Some(fault)) => format!("fault `{fault}`"),
            (None, None) => String::new(),
        };
        table.push_str(&format!(
            "| {} | [{}]({base_url}/?{}) | {shows} | {} |\n",
            case.carrier.as_str(),
            case.value,
            case.link(),
            case.description.replace('|', "\\|"),
        ));
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    fn normalized() -> Vec<&'static str> {
        trackline_core::status::Status::ALL
            .iter()
            .map(|status| status.as_str())
            .collect()
    }

    #[test]
    fn inpost_and_di_have_a_demo_number_for_every_normalized_status() {
        let cases = demo_cases(&DataSet::builtin());
        for carrier in [Carrier::Inpost, Carrier::Di] {
            for status in normalized() {
                assert!(
                    cases.iter().any(|case| case.carrier == carrier
                        && case.expected_status.as_deref() == Some(status)),
                    "{} has no demo number for {status}",
                    carrier.as_str()
                );
            }
        }
    }

    #[test]
    fn every_expected_status_is_a_normalized_status() {
        for case in demo_cases(&DataSet::builtin()) {
            if let Some(status) = &case.expected_status {
                assert!(normalized().contains(&status.as_str()), "{case:?}");
            }
        }
    }

    #[test]
    fn the_conizi_references_each_have_a_case() {
        let cases = demo_cases(&DataSet::builtin());
        for parameter in ["sscc", "cref", "refNo"] {
            assert!(
                cases.iter().any(|case| case.parameter == parameter),
                "no case for {parameter}"
            );
        }
    }

    #[test]
    fn the_table_has_one_line_per_case_linking_the_parameter() {
        let cases = demo_cases(&DataSet::builtin());
        let table = markdown_table(&cases, "http://127.0.0.1:8080");
        assert_eq!(table.lines().count(), cases.len() + 2);
        assert!(table.contains("(http://127.0.0.1:8080/?tracking=520000011395200025009871)"));
        assert!(table.contains("?refNo=LS-2024-08154711&exp=4102444800&sig="));
    }

    #[test]
    fn protected_carriers_links_are_signed_with_the_demo_secret_and_verify() {
        for case in demo_cases(&DataSet::builtin()) {
            let link = case.link();
            match case.carrier {
                Carrier::Inpost => assert!(!link.contains("sig="), "{link}"),
                _ => {
                    let verified =
                        crate::proxy::signed::verify(DEMO_LINK_SECRET.as_bytes(), &link, 0)
                            .unwrap_or_else(|error| panic!("{link}: {error}"));
                    assert_eq!(verified.expires_unix, DEMO_LINK_EXPIRES_UNIX);
                }
            }
        }
    }
}
