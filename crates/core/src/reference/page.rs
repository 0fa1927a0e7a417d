//! What a page's address asks for: the references a carrier can be asked about, why none can, and
//! what goes with them to the merchant's proxy (the key, the signed link). The widget reads its
//! page this way, and the proxy reads the same address the same way when the widget's loader
//! sends it ahead (`POST /answers`), so that both plan the same requests.

use crate::carrier::di;
use crate::identifier::{detect, DetectMode};
use crate::model::Carrier;
use crate::routing::{plan, PlannedRequest, RoutingConfig};

use super::{parse, ParsedLink, Reference};

pub use crate::proxy_routes::ANSWERS_ROUTE;

/// Why the input is not something a carrier can be asked about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputProblem {
    /// For the console and the `trackline:error` event, not for the consumer.
    pub detail: String,
    /// Numbers one typo away whose check digit holds.
    pub suggestions: Vec<String>,
}

/// The references of `parsed` that a carrier can be asked about, in its order: order numbers are
/// the shop's own and left out; a tracking number is narrowed to `carrier` when one is named.
pub fn trackable(parsed: &ParsedLink, carrier: Option<Carrier>) -> Vec<Reference> {
    parsed
        .references
        .iter()
        .filter(|r| !matches!(r, Reference::OrderNumber { .. }))
        .cloned()
        .map(|mut reference| {
            if let (Some(carrier), Reference::TrackingNumber { carrier_hint, .. }) =
                (carrier, &mut reference)
            {
                *carrier_hint = Some(carrier.as_str().to_owned());
            }
            reference
        })
        .collect()
}

/// The first reason `references` (the [`trackable`] ones of `parsed`) cannot be asked about, or
/// `None` when they can: none at all, or a recognized shape whose check digit fails (a typo no
/// carrier can answer), with the numbers one typo away that hold.
pub fn input_problem(parsed: &ParsedLink, references: &[Reference]) -> Option<InputProblem> {
    if references.is_empty() {
        let detail = parsed
            .errors
            .first()
            .map(ToString::to_string)
            .unwrap_or_else(|| "no trackable reference".to_owned());
        return Some(InputProblem {
            detail,
            suggestions: Vec::new(),
        });
    }
    for reference in references {
        if let Reference::TrackingNumber { number, .. } | Reference::Sscc { number } = reference {
            let detection = detect(number, DetectMode::Standard);
            if !detection.candidates.is_empty() && !detection.is_recognized() {
                let mut suggestions: Vec<String> = Vec::new();
                for candidate in &detection.candidates {
                    for suggestion in &candidate.suggestions {
                        if !suggestions.contains(suggestion) {
                            suggestions.push(suggestion.clone());
                        }
                    }
                }
                return Some(InputProblem {
                    detail: format!("the check digit of {number} does not hold"),
                    suggestions,
                });
            }
        }
    }
    None
}

/// The query of `page_url` without its `id` parameter (the key travels in its own header and is
/// no part of what a link signs), as the page has it; `None` when nothing is left.
pub fn link_query(page_url: &str) -> Option<String> {
    let without_fragment = page_url.split('#').next().unwrap_or_default();
    let (_, query) = without_fragment.split_once('?')?;
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .filter(|pair| pair.split('=').next() != Some("id"))
        .collect();
    (!kept.is_empty()).then(|| kept.join("&"))
}

/// The link a page sends as signed (`X-Trackline-Link`): its [`link_query`] when that carries a
/// signature (`sig`) or an expiry (`exp`). A plain link (`?sscc=…`, with or without a key) is
/// none: the proxy answers it by the key's scope, or asks for the e-mail's link.
pub fn signed_link(page_url: &str) -> Option<String> {
    link_query(page_url).filter(|query| {
        query
            .split('&')
            .any(|pair| matches!(pair.split('=').next(), Some("sig" | "exp")))
    })
}

/// What a widget that tracks the references of its page's address asks the merchant's proxy,
/// before any answer: the requests, and the key and signed link they carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequests {
    pub requests: Vec<PlannedRequest>,
    /// The link's `id`, sent as `X-Trackline-Key`.
    pub access_key: Option<String>,
    /// Sent as `X-Trackline-Link`.
    pub signed_link: Option<String>,
}

impl PageRequests {
    /// The requests a widget on `page_url` plans when its references come from that address:
    /// `carrier` and `lang` are the widget's attributes of those names (the link's own
    /// parameters stand in for them when they are absent); `partners` are the partner ids the
    /// proxy routes. `None` when the address names nothing a carrier can be asked about (then
    /// the widget shows the form, an overview or what is wrong). Each reference is planned on
    /// its own, as the widget's loaders plan them.
    pub fn of_page(
        page_url: &str,
        carrier: Option<&str>,
        lang: Option<&str>,
        partners: &std::collections::BTreeMap<String, Carrier>,
    ) -> Option<PageRequests> {
        let link = parse(page_url);
        let carrier = carrier
            .map(str::trim)
            .filter(|name| !name.is_empty())
            .map(str::to_owned)
            .or_else(|| link.carrier_hint.clone())
            .and_then(|name| Carrier::from_name(&name));
        let references = trackable(&link, carrier);
        if input_problem(&link, &references).is_some() {
            return None;
        }
        let lang = lang
            .map(str::trim)
            .filter(|tag| !tag.is_empty())
            .or(link.language.as_deref());
        let config = RoutingConfig {
            carriers: Carrier::WITH_ADAPTER.to_vec(),
            partners: partners.clone(),
            di_locale: di::Locale::for_language(lang),
        };
        let requests = references
            .iter()
            .flat_map(|reference| plan(std::slice::from_ref(reference), &config))
            .collect();
        Some(PageRequests {
            requests,
            access_key: link.access_key.as_ref().map(|key| key.expose().to_owned()),
            signed_link: signed_link(page_url),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_partners() -> std::collections::BTreeMap<String, Carrier> {
        Default::default()
    }

    #[test]
    fn an_order_number_is_left_out_and_a_named_carrier_narrows_tracking_numbers() {
        let link = parse("https://shop.example/t?order=4711&tracking=520000011395200025009871");
        let references = trackable(&link, Some(Carrier::Inpost));
        assert_eq!(
            references,
            vec![Reference::TrackingNumber {
                number: "520000011395200025009871".into(),
                carrier_hint: Some("inpost".into()),
            }]
        );
    }

    #[test]
    fn a_number_whose_check_digit_fails_is_a_problem_with_suggestions() {
        // 370724760010119754 is an SSCC; its last digit changed breaks the check digit.
        let link = parse("?tracking=370724760010119755");
        let references = trackable(&link, None);
        let problem = input_problem(&link, &references).expect("a typo");
        assert!(problem.detail.contains("check digit"), "{}", problem.detail);
        assert!(problem
            .suggestions
            .contains(&"370724760010119754".to_owned()));
        assert_eq!(
            input_problem(&parse("?order=4711"), &[]).map(|p| p.detail),
            Some("no trackable reference".to_owned())
        );
    }

    #[test]
    fn the_link_sent_as_signed_is_the_query_without_the_key_and_only_when_signed() {
        assert_eq!(
            signed_link("https://s.example/t?id=KEY&cref=1&exp=2&sig=abc#x"),
            Some("cref=1&exp=2&sig=abc".to_owned())
        );
        assert_eq!(signed_link("https://s.example/t?id=KEY&cref=1"), None);
        assert_eq!(link_query("https://s.example/t?id=KEY"), None);
    }

    #[test]
    fn a_page_plans_what_its_widget_plans_with_the_key_and_the_language_of_its_link() {
        let page = PageRequests::of_page(
            "https://shop.example/track?tracking=520000011395200025009871&lang=nb&id=AbCdEfGhIjKlMnOpQrStUvWxYz012345",
            None,
            None,
            &no_partners(),
        )
        .expect("a trackable page");
        let paths: Vec<String> = page
            .requests
            .iter()
            .map(|r| format!("{}{}", r.carrier.as_str(), r.request.path_and_query()))
            .collect();
        assert!(
            paths.contains(&"inpost/v1/tracking/520000011395200025009871".to_owned()),
            "{paths:?}"
        );
        // Di's event texts in the link's language.
        assert!(
            paths
                .iter()
                .any(|p| p.starts_with("di/") && p.contains("/NO/")),
            "{paths:?}"
        );
        assert_eq!(
            page.access_key.as_deref(),
            Some("AbCdEfGhIjKlMnOpQrStUvWxYz012345")
        );
        // The widget's attributes win over the link's parameters.
        let narrowed = PageRequests::of_page(
            "https://shop.example/track?tracking=520000011395200025009871&lang=nb",
            Some("inpost"),
            Some("en"),
            &no_partners(),
        )
        .unwrap();
        assert_eq!(narrowed.requests.len(), 1);
        assert_eq!(narrowed.requests[0].carrier, Carrier::Inpost);
    }

    #[test]
    fn a_page_that_names_nothing_trackable_plans_nothing() {
        for page in [
            "https://shop.example/track",
            "https://shop.example/track?lang=de",
            "https://shop.example/track?order=4711",
            "https://shop.example/track?tracking=370724760010119755",
        ] {
            assert_eq!(
                PageRequests::of_page(page, None, None, &no_partners()),
                None,
                "{page}"
            );
        }
    }
}
