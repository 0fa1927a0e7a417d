//! The overview of a personal key's shipments (`?id=KEY` alone): the route the merchant's proxy
//! answers it on, the query it takes and the page it sends. The proxy writes these types and the
//! widget reads them, so both agree by construction.

use serde::{Deserialize, Serialize};

use crate::model::Carrier;
use crate::reference::Reference;

/// The proxy's route of a key's own shipments (the key goes in `X-Trackline-Key`).
pub const SHIPMENTS_ROUTE: &str = "/access/v1/shipments";
/// Shipments per page when the query does not say.
pub const DEFAULT_PER_PAGE: u32 = 20;
/// The most shipments one page holds.
pub const MAX_PER_PAGE: u32 = 100;

/// Which page of the key's shipments to list, and the search over their references.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShipmentsQuery {
    /// From 1.
    pub page: u32,
    pub per_page: u32,
    /// A part of a reference's number, matched without regard to case; blank searches nothing.
    pub search: Option<String>,
}

impl Default for ShipmentsQuery {
    fn default() -> Self {
        ShipmentsQuery {
            page: 1,
            per_page: DEFAULT_PER_PAGE,
            search: None,
        }
    }
}

impl ShipmentsQuery {
    /// The route with this query, ready to append to the proxy's base URL.
    pub fn path_and_query(&self) -> String {
        let mut path = format!(
            "{SHIPMENTS_ROUTE}?page={}&per_page={}",
            self.page.max(1),
            self.per_page.clamp(1, MAX_PER_PAGE)
        );
        if let Some(search) = self.search.as_deref().map(str::trim) {
            if !search.is_empty() {
                path.push_str("&search=");
                path.push_str(&crate::carrier::percent_encode(search));
            }
        }
        path
    }
}

/// One shipment of the overview: the reference it was registered by, the carrier when the
/// proxy knows it without asking (a partner's numbers go to the carrier the proxy routes that
/// partner to), and when it was registered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnShipment {
    pub reference: Reference,
    #[serde(default)]
    pub carrier: Option<Carrier>,
    pub added_unix: i64,
}

/// One page of the shipments a key may see, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShipmentsPage {
    /// The user the key belongs to.
    pub user: String,
    pub shipments: Vec<OwnShipment>,
    /// Every shipment that matches the search, on all pages.
    pub total: u64,
    pub page: u32,
    pub per_page: u32,
}

impl ShipmentsPage {
    /// How many pages the matching shipments fill (at least 1, so that an empty list is page 1
    /// of 1).
    pub fn pages(&self) -> u32 {
        let per_page = u64::from(self.per_page.max(1));
        u32::try_from(self.total.div_ceil(per_page).max(1)).unwrap_or(u32::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_names_page_size_and_an_encoded_search() {
        let query = ShipmentsQuery {
            page: 2,
            per_page: 20,
            search: Some(" KD REF/1 ".into()),
        };
        assert_eq!(
            query.path_and_query(),
            "/access/v1/shipments?page=2&per_page=20&search=KD%20REF%2F1"
        );
        let blank = ShipmentsQuery {
            search: Some("  ".into()),
            ..ShipmentsQuery::default()
        };
        assert_eq!(
            blank.path_and_query(),
            "/access/v1/shipments?page=1&per_page=20"
        );
    }

    #[test]
    fn a_query_out_of_range_is_brought_into_it() {
        let query = ShipmentsQuery {
            page: 0,
            per_page: 1_000,
            search: None,
        };
        assert_eq!(
            query.path_and_query(),
            "/access/v1/shipments?page=1&per_page=100"
        );
    }

    #[test]
    fn a_page_reads_as_the_proxy_writes_it() {
        let text = r#"{"user":"anna","shipments":[
            {"reference":{"kind":"sscc","number":"370724760010119754"},"carrier":null,"added_unix":1700000000},
            {"reference":{"kind":"partner_reference","role":"shipping","partner_id":"4711","number":"370724760010119761"},"carrier":"di","added_unix":1690000000}
        ],"total":41,"page":1,"per_page":20}"#;
        let page: ShipmentsPage = serde_json::from_str(text).expect("a page");
        assert_eq!(page.shipments.len(), 2);
        assert_eq!(page.shipments[1].carrier, Some(Carrier::Di));
        assert_eq!(page.pages(), 3);
        let again: ShipmentsPage =
            serde_json::from_str(&serde_json::to_string(&page).expect("written")).expect("read");
        assert_eq!(again, page);
    }

    #[test]
    fn an_empty_list_is_one_page() {
        let page = ShipmentsPage {
            user: "anna".into(),
            shipments: Vec::new(),
            total: 0,
            page: 1,
            per_page: 20,
        };
        assert_eq!(page.pages(), 1);
    }
}
