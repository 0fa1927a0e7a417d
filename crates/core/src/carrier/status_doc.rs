//! The status mapping table of every carrier as Markdown, generated from the adapters' own
//! tables so that the documentation cannot drift from the code (`docs/status-mapping.md`).

use std::fmt::Write;

use crate::carrier::{di, inpost, trackonline, StatusMapping};
use crate::status::Status;

fn table(out: &mut String, code_heading: &str, text_heading: &str, rows: &[StatusMapping]) {
    let _ = writeln!(
        out,
        "| {code_heading} | {text_heading} | normalized status |"
    );
    let _ = writeln!(out, "|---|---|---|");
    for row in rows {
        let text = if row.text.is_empty() { "—" } else { row.text };
        let _ = writeln!(out, "| `{}` | {} | `{}` |", row.code, text, row.status);
    }
    out.push('\n');
}

/// The whole of `docs/status-mapping.md`.
pub fn status_mapping_markdown() -> String {
    let mut out = String::new();
    out.push_str("# Status mapping\n\n");
    out.push_str(
        "Generated from the adapters' mapping tables by\n\
         `UPDATE_GOLDEN=1 cargo test -p trackline-core --test golden_status_mapping`.\n\
         Do not edit by hand: a test fails when this file differs from the code.\n\n",
    );
    out.push_str("Every event and every shipment carries one normalized status beside the carrier's own code and text:\n\n");
    for status in Status::ALL {
        let _ = writeln!(out, "- `{status}`");
    }
    out.push_str(
        "\nA carrier code that no table knows maps to `unknown`; the code and text are kept.\n\n",
    );

    out.push_str("## InPost\n\n");
    let _ = writeln!(
        out,
        "{} status names. The text is the Polish title (`/v1/statuses?lang=pl_PL`); English titles are\n\
         fetched at run time from `/v1/statuses?lang=en_GB` and replace it.\n",
        inpost::STATUS_TABLE.len()
    );
    table(
        &mut out,
        "status name",
        "Polish title",
        inpost::STATUS_TABLE,
    );
    out.push_str(
        "Other names InPost uses for the same statuses (other spellings, older names):\n\n",
    );
    for (alias, canonical) in inpost::STATUS_ALIASES {
        let _ = writeln!(out, "- `{alias}` is read as `{canonical}`");
    }
    out.push('\n');

    out.push_str("## Di (Parcel Event Log)\n\n");
    out.push_str(
        "An event of group 3 (communication: an SMS or e-mail to the consignee) is a notice, not a\n\
         status: it is `unknown`, whatever its other codes say, and carries `notice` with its\n\
         channel. Any other event is classified by the first rule that applies:\n\n\
         1. a fragment of `eventType.i18nKey` (first match in table order);\n\
         2. event group 1 (received), which decides on its own;\n\
         3. the event type ID;\n\
         4. the additional-info ID (when it names a status);\n\
         5. the event group.\n\n\
         The shipment's status is that of its newest event whose status is not `unknown`, so that\n\
         a notification sent after delivery does not hide the delivery. When no event has one,\n\
         the parcel's `parcelStatus` decides if it is one of those in the last table.\n\n",
    );
    out.push_str("### 1. `i18nKey` fragments\n\n");
    table(&mut out, "fragment", "meaning", di::I18N_KEY_TABLE);
    out.push_str("### 3. Event type IDs\n\n");
    table(&mut out, "eventType", "meaning", di::EVENT_TYPE_TABLE);
    out.push_str("### 4. Additional-info IDs\n\n");
    table(
        &mut out,
        "additionalInfo",
        "meaning",
        di::ADDITIONAL_INFO_TABLE,
    );
    out.push_str("### 2 and 5. Event groups\n\n");
    table(&mut out, "eventGroup.id", "group", di::EVENT_GROUP_TABLE);
    out.push_str("### `parcelStatus`, when no event decides\n\n");
    table(&mut out, "parcelStatus", "meaning", di::PARCEL_STATUS_TABLE);

    out.push_str("## TrackOnline\n\n");
    out.push_str("Transactions, by `statusCode`:\n\n");
    table(
        &mut out,
        "statusCode",
        "status",
        trackonline::TRANSACTION_STATUS_TABLE,
    );
    out.push_str("A transaction of one of these types is an exception unless it was cancelled or rejected:\n\n");
    table(
        &mut out,
        "typeCode",
        "type",
        trackonline::TRANSACTION_TYPE_EXCEPTIONS,
    );
    out.push_str("Records without a status of their own get these codes:\n\n");
    table(&mut out, "code", "record", trackonline::RECORD_TABLE);
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_inpost_name_appears_in_the_document() {
        let markdown = status_mapping_markdown();
        for entry in inpost::STATUS_TABLE {
            assert!(
                markdown.contains(&format!("| `{}` |", entry.code)),
                "{} missing",
                entry.code
            );
        }
    }
}
