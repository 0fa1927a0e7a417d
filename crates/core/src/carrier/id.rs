//! The one carrier type: every carrier Trackline knows, from the three it has adapters for to
//! the ones identifier recognition can name (DPD, UPS, national posts, …), and the facts about
//! each that more than one part of Trackline needs (names, hosts, home zone, public page).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::time::{Zone, EUROPE_AMSTERDAM, EUROPE_OSLO, EUROPE_WARSAW};

/// A carrier. Its JSON, configuration and command-line name is [`Carrier::as_str`]
/// (`inpost`, `di`, `trackonline`, `dpd`, …); [`Carrier::has_adapter`] tells whether Trackline
/// can ask it about a shipment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Carrier {
    /// InPost (Poland): lockers and couriers.
    Inpost,
    /// Distribution Innovation (Norway): SSCC and GSIN under the Norwegian GS1 prefix 70.
    Di,
    /// TrackOnline: load carriers, IoT items, transactions.
    Trackonline,
    Ups,
    DhlExpress,
    DhlPaket,
    Dpd,
    Gls,
    /// Bring / Posten Norge: SSCC and GSIN under the Norwegian GS1 prefix 70.
    Bring,
    /// The national postal operator named by a UPU S10 number's country code.
    PostalOperator,
}

impl Carrier {
    /// The carriers Trackline has adapters for: the ones the widget, the proxy and the sandbox
    /// speak to.
    pub const WITH_ADAPTER: [Carrier; 3] = [Carrier::Inpost, Carrier::Di, Carrier::Trackonline];

    /// Every carrier Trackline knows.
    pub const KNOWN: [Carrier; 10] = [
        Carrier::Inpost,
        Carrier::Di,
        Carrier::Trackonline,
        Carrier::Ups,
        Carrier::DhlExpress,
        Carrier::DhlPaket,
        Carrier::Dpd,
        Carrier::Gls,
        Carrier::Bring,
        Carrier::PostalOperator,
    ];

    /// Whether Trackline can ask this carrier about a shipment.
    pub fn has_adapter(self) -> bool {
        Carrier::WITH_ADAPTER.contains(&self)
    }

    /// The name used in JSON, configuration, proxy paths and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Carrier::Inpost => "inpost",
            Carrier::Di => "di",
            Carrier::Trackonline => "trackonline",
            Carrier::Ups => "ups",
            Carrier::DhlExpress => "dhl_express",
            Carrier::DhlPaket => "dhl_paket",
            Carrier::Dpd => "dpd",
            Carrier::Gls => "gls",
            Carrier::Bring => "bring",
            Carrier::PostalOperator => "postal_operator",
        }
    }

    /// The carrier's name as a consumer knows it.
    pub fn display_name(self) -> &'static str {
        match self {
            Carrier::Inpost => "InPost",
            Carrier::Di => "Distribution Innovation",
            Carrier::Trackonline => "TrackOnline",
            Carrier::Ups => "UPS",
            Carrier::DhlExpress => "DHL Express",
            Carrier::DhlPaket => "DHL Paket",
            Carrier::Dpd => "DPD",
            Carrier::Gls => "GLS",
            Carrier::Bring => "Bring",
            Carrier::PostalOperator => "Postal operator",
        }
    }

    /// Reads a carrier name, ignoring case, separators and the usual spellings (`InPost`,
    /// `in_post`, `track-online`, `DHL Express`).
    pub fn from_name(name: &str) -> Option<Carrier> {
        let folded: String = name
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect();
        match folded.as_str() {
            "inpost" | "paczkomaty" | "easypack" => Some(Carrier::Inpost),
            "di" | "distributioninnovation" => Some(Carrier::Di),
            "trackonline" => Some(Carrier::Trackonline),
            "ups" => Some(Carrier::Ups),
            "dhlexpress" => Some(Carrier::DhlExpress),
            "dhlpaket" | "dhl" => Some(Carrier::DhlPaket),
            "dpd" => Some(Carrier::Dpd),
            "gls" => Some(Carrier::Gls),
            "bring" | "postennorge" => Some(Carrier::Bring),
            "postaloperator" => Some(Carrier::PostalOperator),
            _ => None,
        }
    }

    /// The production host of the carrier's API, for carriers with an adapter.
    pub fn production_base_url(self) -> Option<&'static str> {
        match self {
            Carrier::Inpost => Some("https://api-shipx-pl.easypack24.net"),
            Carrier::Di => Some("https://ws.di.no"),
            Carrier::Trackonline => Some("https://api.trackonline.com"),
            _ => None,
        }
    }

    /// Requests per minute that keep a merchant inside the carrier's published quota.
    pub fn default_requests_per_minute(self) -> Option<u32> {
        match self {
            Carrier::Inpost | Carrier::Di => Some(600),
            // TrackOnline's smallest plans allow 60 requests per minute per administration.
            Carrier::Trackonline => Some(60),
            _ => None,
        }
    }

    /// The base URL a browser may call through a generic CORS proxy: only carriers whose
    /// tracking needs no credential have one.
    pub fn public_base_url(self) -> Option<&'static str> {
        match self {
            Carrier::Inpost => self.production_base_url(),
            _ => None,
        }
    }

    /// The address of the carrier's own public tracking page, to which a number is appended
    /// (percent-encoded), where the carrier has one.
    fn public_tracking_prefix(self) -> Option<&'static str> {
        match self {
            Carrier::Inpost => Some("https://inpost.pl/sledzenie-przesylek?number="),
            _ => None,
        }
    }

    /// Whether the carrier has a public tracking page ([`Carrier::public_tracking_page`]).
    pub fn has_public_tracking_page(self) -> bool {
        self.public_tracking_prefix().is_some()
    }

    /// The carrier's own public tracking page for a number, for a consumer to look further.
    pub fn public_tracking_page(self, number: &str) -> Option<String> {
        let prefix = self.public_tracking_prefix()?;
        Some(format!(
            "{prefix}{}",
            crate::carrier::percent_encode(number.trim())
        ))
    }

    /// The zone the carrier's points keep their hours in and its systems write local times in.
    pub fn home_zone(self) -> Option<Zone> {
        match self {
            Carrier::Inpost => Some(EUROPE_WARSAW),
            Carrier::Di | Carrier::Bring => Some(EUROPE_OSLO),
            Carrier::Trackonline => Some(EUROPE_AMSTERDAM),
            _ => None,
        }
    }
}

impl fmt::Display for Carrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_known_carriers_are_every_carrier_once_in_the_type_s_own_order() {
        // No wildcard: a new carrier fails to compile here until it has its place in `KNOWN`.
        let place = |carrier: Carrier| match carrier {
            Carrier::Inpost => 0,
            Carrier::Di => 1,
            Carrier::Trackonline => 2,
            Carrier::Ups => 3,
            Carrier::DhlExpress => 4,
            Carrier::DhlPaket => 5,
            Carrier::Dpd => 6,
            Carrier::Gls => 7,
            Carrier::Bring => 8,
            Carrier::PostalOperator => 9,
        };
        for (index, carrier) in Carrier::KNOWN.into_iter().enumerate() {
            assert_eq!(place(carrier), index, "{carrier:?}");
        }
        assert!(Carrier::KNOWN.windows(2).all(|pair| pair[0] < pair[1]));
    }

    #[test]
    fn every_carrier_s_name_reads_back_and_is_its_json_spelling() {
        for carrier in Carrier::KNOWN {
            assert_eq!(Carrier::from_name(carrier.as_str()), Some(carrier));
            assert_eq!(
                serde_json::to_value(carrier).unwrap(),
                serde_json::Value::from(carrier.as_str())
            );
        }
        assert_eq!(Carrier::from_name("InPost"), Some(Carrier::Inpost));
        assert_eq!(Carrier::from_name("in_post"), Some(Carrier::Inpost));
        assert_eq!(
            Carrier::from_name("Track-Online"),
            Some(Carrier::Trackonline)
        );
        assert_eq!(Carrier::from_name("fedex"), None);
    }

    #[test]
    fn only_the_carriers_with_an_adapter_have_hosts_and_zones() {
        for carrier in Carrier::KNOWN {
            assert_eq!(
                carrier.has_adapter(),
                carrier.production_base_url().is_some(),
                "{carrier}"
            );
            if carrier.has_adapter() {
                assert!(carrier.home_zone().is_some(), "{carrier}");
            }
        }
        assert!(!Carrier::Dpd.has_adapter());
        assert_eq!(
            Carrier::Inpost.public_tracking_page(" 5200 "),
            Some("https://inpost.pl/sledzenie-przesylek?number=5200".to_owned())
        );
        assert_eq!(Carrier::Di.public_base_url(), None);
    }

    #[test]
    fn norwegian_readers_get_di_s_norwegian_texts_and_everyone_else_english() {
        use crate::carrier::di::Locale;
        for tag in ["nb", "NN-no", "no", "nb_NO"] {
            assert_eq!(Locale::for_language(Some(tag)), Locale::Norwegian, "{tag}");
        }
        for tag in [None, Some("en"), Some("de-DE"), Some("n"), Some("nl")] {
            assert_eq!(Locale::for_language(tag), Locale::English, "{tag:?}");
        }
    }
}
