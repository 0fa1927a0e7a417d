//! The demo cases: one line per demo number, for the demo page, the README table and the tests
//! that check each carrier adapter against the sandbox.

use serde::Serialize;

use super::carrier::Carrier;
use super::dataset::DataSet;

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
            "| {} | [{}]({base_url}/?{}={}) | {shows} | {} |\n",
            case.carrier.as_str(),
            case.value,
            case.parameter,
            case.value,
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
        assert!(table.contains("?refNo=LS-2024-08154711"));
    }
}
