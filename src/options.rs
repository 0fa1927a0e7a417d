//! What one widget shows and how it asks, resolved in a fixed order: the element's attributes
//! (or the options given to `Trackline.mount`) first, then the page URL, then defaults.
//!
//! The proxy, the theme and the map tiles are never read from the page URL: the link is written
//! by whoever sent it, and a link that could name the proxy could send the access key elsewhere.

use leptos::prelude::*;
use trackline_core::model::Carrier;
pub use trackline_core::reference::page::InputProblem;
use trackline_core::reference::page::{self, link_query};
use trackline_core::reference::{self, Reference};

use crate::fetch::ProxyEndpoint;

/// The attribute names, in the order the documentation lists them. Each is also a `data-*`
/// option of auto-mounted elements and a key of `Trackline.mount`'s options (camel case there).
pub const ATTRIBUTE_NAMES: [&str; 8] = [
    "proxy",
    "carrier",
    "number",
    "reference-kind",
    "lang",
    "refresh",
    "theme",
    "tiles",
];

/// The refresh interval when nothing says otherwise.
pub const DEFAULT_REFRESH_SECS: u32 = 300;
/// Shorter intervals would spend the carriers' quotas on one open tab.
pub const MIN_REFRESH_SECS: u32 = 30;

/// The raw option values of one widget, as the merchant wrote them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attributes {
    pub proxy: Option<String>,
    pub carrier: Option<String>,
    pub number: Option<String>,
    pub reference_kind: Option<String>,
    pub lang: Option<String>,
    pub refresh: Option<String>,
    pub theme: Option<String>,
    pub tiles: Option<String>,
}

impl Attributes {
    fn slot(&mut self, name: &str) -> Option<&mut Option<String>> {
        Some(match name {
            "proxy" => &mut self.proxy,
            "carrier" => &mut self.carrier,
            "number" => &mut self.number,
            "reference-kind" | "referenceKind" | "reference_kind" => &mut self.reference_kind,
            "lang" => &mut self.lang,
            "refresh" => &mut self.refresh,
            "theme" => &mut self.theme,
            "tiles" => &mut self.tiles,
            _ => return None,
        })
    }

    /// Sets one option by its attribute name; unknown names are ignored. Returns whether it changed.
    pub fn set(&mut self, name: &str, value: Option<String>) -> bool {
        match self.slot(name) {
            Some(slot) if *slot != value => {
                *slot = value;
                true
            }
            _ => false,
        }
    }

    /// Reads every option from a lookup by attribute name (`getAttribute`, a `dataset`, a JS object).
    pub fn read(mut lookup: impl FnMut(&str) -> Option<String>) -> Self {
        let mut attributes = Attributes::default();
        for name in ATTRIBUTE_NAMES {
            attributes.set(name, lookup(name));
        }
        attributes
    }
}

/// The live options of one mounted widget. Signals, so that a changed attribute re-renders only
/// what depends on it.
#[derive(Debug, Clone, Copy)]
pub struct WidgetOptions {
    pub attributes: RwSignal<Attributes>,
    /// The page URL as the widget last read it (a carrier choice rewrites it).
    pub page_url: RwSignal<String>,
    /// What the consumer typed into the form shown when the link carries no reference.
    pub typed: RwSignal<Option<String>>,
    /// Bumped by `refresh()`: asks the carriers again.
    pub reload: RwSignal<u32>,
    /// The page's link as it arrived (its query without `id`): what the shop signed. A carrier
    /// choice written into the address bar later is no part of it.
    pub arrived_link: Option<StoredValue<String>>,
}

impl WidgetOptions {
    pub fn new(attributes: Attributes, page_url: String) -> Self {
        Self {
            arrived_link: link_query(&page_url).map(StoredValue::new),
            attributes: RwSignal::new(attributes),
            page_url: RwSignal::new(page_url),
            typed: RwSignal::new(None),
            reload: RwSignal::new(0),
        }
    }

    /// Resolves the options now (tracks every signal it reads).
    pub fn resolve(&self) -> Resolved {
        let mut resolved = resolve(
            &self.attributes.get(),
            &self.page_url.get(),
            self.typed.get().as_deref(),
        );
        if resolved.link.is_some() {
            resolved.link = self
                .arrived_link
                .and_then(|link| link.try_get_value())
                .or(resolved.link);
        }
        resolved
    }
}

/// Where the references came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Attribute,
    PageUrl,
    Typed,
    Nothing,
}

/// The colour scheme: `auto` follows the consumer's system setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Theme {
    #[default]
    Auto,
    Light,
    Dark,
}

/// Every option, resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    pub proxy: ProxyEndpoint,
    pub source: Source,
    /// The references to track, each once, in the order given.
    pub references: Vec<Reference>,
    /// Why the given input is no usable reference; set before any request is made.
    pub problem: Option<InputProblem>,
    /// The input the references were read from, as given (for the invalid state).
    pub input: Option<String>,
    /// The carrier named by the attribute or the link; narrows the requests to that carrier.
    pub carrier: Option<Carrier>,
    /// The link's `id`: sent to the merchant's proxy as `X-Trackline-Key`, never elsewhere.
    pub access_key: Option<String>,
    /// The page's query without `id`, when the references come from the page's link: the
    /// proxy checks its signature (`X-Trackline-Link`).
    pub link: Option<String>,
    /// A language tag for the texts (`Locale`-ready): attribute, then the link's `lang`.
    pub lang: Option<String>,
    /// `None`: no automatic refresh.
    pub refresh_secs: Option<u32>,
    pub theme: Theme,
    /// A map tile URL template, passed to the details view.
    pub tiles: Option<String>,
}

fn non_blank(value: Option<&String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// The refresh option: seconds (`300`), with a unit (`90s`, `5m`), or `off`/`0`/`false`.
pub fn parse_refresh(value: Option<&str>) -> Option<u32> {
    let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Some(DEFAULT_REFRESH_SECS);
    };
    let lower = value.to_ascii_lowercase();
    if matches!(lower.as_str(), "off" | "false" | "no" | "never" | "0") {
        return None;
    }
    let (digits, factor) = match lower.strip_suffix('m') {
        Some(minutes) => (minutes, 60),
        None => (lower.strip_suffix('s').unwrap_or(&lower), 1),
    };
    match digits.trim().parse::<u32>() {
        Ok(0) => None,
        Ok(n) => Some(n.saturating_mul(factor).max(MIN_REFRESH_SECS)),
        Err(_) => Some(DEFAULT_REFRESH_SECS),
    }
}

/// The query parameter a `reference-kind` names; core reads the pair like a link's.
fn kind_parameter(kind: Option<&str>) -> &str {
    match kind.map(str::trim).unwrap_or("") {
        "" => "tracking",
        kind => kind,
    }
}

/// Resolves every option. `typed` is what the consumer entered in the no-reference form.
pub fn resolve(attributes: &Attributes, page_url: &str, typed: Option<&str>) -> Resolved {
    let link = reference::parse(page_url);
    let carrier = non_blank(attributes.carrier.as_ref())
        .or_else(|| link.carrier_hint.clone())
        .and_then(|name| Carrier::from_name(&name));
    let proxy = ProxyEndpoint::from_option(attributes.proxy.as_deref());

    let mut input = None;
    let (source, parsed) = if let Some(number) = non_blank(attributes.number.as_ref()) {
        input = Some(number.clone());
        let parameter = kind_parameter(attributes.reference_kind.as_deref());
        let query = format!(
            "{}={}",
            trackline_core::carrier::percent_encode(parameter),
            trackline_core::carrier::percent_encode(&number)
        );
        (Source::Attribute, reference::parse(&query))
    } else if let Some(typed) = typed.map(str::trim).filter(|t| !t.is_empty()) {
        // The consumer typed only after the link gave nothing usable.
        input = Some(typed.to_owned());
        (Source::Typed, reference::parse(typed))
    } else if !link.references.is_empty() || !link.errors.is_empty() && has_query(page_url) {
        (Source::PageUrl, link.clone())
    } else {
        (Source::Nothing, reference::ParsedLink::default())
    };

    // Order numbers are the shop's own: no carrier can look them up, so a shop page whose URL
    // carries only one is a page without a reference, not an invalid one.
    let mut references = page::trackable(&parsed, carrier);
    let source = if references.is_empty() && parsed.errors.is_empty() {
        Source::Nothing
    } else {
        source
    };
    let problem = match source {
        Source::Nothing => None,
        _ => page::input_problem(&parsed, &references),
    };
    if problem.is_some() {
        references.clear();
    }

    Resolved {
        proxy,
        source,
        references,
        problem,
        input,
        carrier,
        access_key: link.access_key.as_ref().map(|key| key.expose().to_owned()),
        link: match source {
            Source::PageUrl => page::signed_link(page_url),
            _ => None,
        },
        lang: non_blank(attributes.lang.as_ref()).or_else(|| link.language.clone()),
        refresh_secs: parse_refresh(attributes.refresh.as_deref()),
        theme: match attributes.theme.as_deref().map(str::trim) {
            Some("light") => Theme::Light,
            Some("dark") => Theme::Dark,
            _ => Theme::Auto,
        },
        tiles: non_blank(attributes.tiles.as_ref()),
    }
}

pub use crate::session_key::SESSION_KEY_ITEM;

/// The page's URL as the widget reads it, and the access key out of the address bar.
///
/// A link's `id` is a personal key: left in the address bar it would be copied with the URL,
/// kept in the history and sent on in `Referer`. The first widget that reads it removes it from
/// the visible URL (`history.replaceState`) and keeps it in `sessionStorage`, so that a reload
/// of the tab (and every other widget of the page) still has it. The URL returned carries the
/// key for [`resolve`]; it is never written back to the address bar.
pub fn read_page_url() -> String {
    let Some(window) = web_sys::window() else {
        return String::new();
    };
    let href = window.location().href().unwrap_or_default();
    let Ok(url) = web_sys::Url::new(&href) else {
        return href;
    };
    let storage = window.session_storage().ok().flatten();
    let params = url.search_params();
    if let Some(key) = params.get("id").filter(|key| !key.trim().is_empty()) {
        if let Some(storage) = &storage {
            let _ = storage.set_item(SESSION_KEY_ITEM, &key);
        }
        params.delete("id");
        if let Ok(history) = window.history() {
            let _ =
                history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url.href()));
        }
        return href;
    }
    let stored = storage.and_then(|storage| storage.get_item(SESSION_KEY_ITEM).ok().flatten());
    match stored {
        Some(key) => {
            params.append("id", &key);
            url.href()
        }
        None => href,
    }
}

/// `page_url` as the address bar may show it: without the access key.
pub fn without_key(page_url: &str) -> String {
    match web_sys::Url::new(page_url) {
        Ok(url) => {
            url.search_params().delete("id");
            url.href()
        }
        Err(_) => page_url.to_owned(),
    }
}

/// Whether a page URL has any query or fragment for core to complain about: a bare shop page
/// (`/track`) is the no-reference case, not an invalid one.
fn has_query(url: &str) -> bool {
    url.contains('?') || url.contains('#')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attributes(pairs: &[(&str, &str)]) -> Attributes {
        let mut attributes = Attributes::default();
        for (name, value) in pairs {
            attributes.set(name, Some((*value).to_owned()));
        }
        attributes
    }

    #[test]
    fn the_number_attribute_wins_over_the_link() {
        let resolved = resolve(
            &attributes(&[("number", "370724760010119754")]),
            "https://shop.example/t?tracking=520000011395200025009871",
            None,
        );
        assert_eq!(resolved.source, Source::Attribute);
        assert_eq!(resolved.references.len(), 1);
        assert_eq!(resolved.references[0].number(), "370724760010119754");
    }

    #[test]
    fn the_link_gives_references_carrier_and_language_when_no_attribute_does() {
        let resolved = resolve(
            &Attributes::default(),
            "https://shop.example/t?tracking=520000011395200025009871&carrier=inpost&lang=pl",
            None,
        );
        assert_eq!(resolved.source, Source::PageUrl);
        assert_eq!(resolved.carrier, Some(Carrier::Inpost));
        assert_eq!(resolved.lang.as_deref(), Some("pl"));
        let with_attributes = resolve(
            &attributes(&[("carrier", "di"), ("lang", "nb")]),
            "https://shop.example/t?tracking=520000011395200025009871&carrier=inpost&lang=pl",
            None,
        );
        assert_eq!(with_attributes.carrier, Some(Carrier::Di));
        assert_eq!(with_attributes.lang.as_deref(), Some("nb"));
    }

    #[test]
    fn defaults_fill_what_neither_gives() {
        let resolved = resolve(&Attributes::default(), "https://shop.example/t", None);
        assert_eq!(resolved.source, Source::Nothing);
        assert_eq!(resolved.refresh_secs, Some(DEFAULT_REFRESH_SECS));
        assert_eq!(resolved.proxy, ProxyEndpoint::Path(String::new()));
        assert_eq!(resolved.theme, Theme::Auto);
        assert!(resolved.problem.is_none());
    }

    #[test]
    fn the_proxy_is_never_read_from_the_link() {
        let resolved = resolve(
            &Attributes::default(),
            "https://shop.example/t?tracking=1&proxy=https://evil.example",
            None,
        );
        assert_eq!(resolved.proxy, ProxyEndpoint::Path(String::new()));
    }

    #[test]
    fn reference_kind_reads_the_number_as_that_parameter() {
        let resolved = resolve(
            &attributes(&[("number", "KD-REF-10001"), ("reference-kind", "cref")]),
            "",
            None,
        );
        assert_eq!(
            resolved.references,
            vec![Reference::CustomerReference {
                number: "KD-REF-10001".into()
            }]
        );
    }

    #[test]
    fn a_failing_check_digit_is_a_problem_with_suggestions() {
        // 370724760010119754 is valid; the last digit changed breaks the SSCC check digit.
        let resolved = resolve(&attributes(&[("number", "370724760010119755")]), "", None);
        let problem = resolved.problem.expect("a check-digit problem");
        assert!(problem
            .suggestions
            .contains(&"370724760010119754".to_owned()));
        assert!(resolved.references.is_empty());
    }

    #[test]
    fn a_shop_url_with_only_an_order_number_is_a_page_without_a_reference() {
        let resolved = resolve(
            &Attributes::default(),
            "https://shop.example/t?utm_source=mail&order=5",
            None,
        );
        assert_eq!(resolved.source, Source::Nothing);
        assert!(resolved.problem.is_none());
        assert!(resolved.references.is_empty());
    }

    #[test]
    fn the_signed_link_is_the_page_query_without_the_key() {
        let url = "https://shop.example/track?sscc=370724760010119754&id=AbCdEfGhIjKlMnOpQrStUvWxYz012345&exp=4102444800&sig=ab12#top";
        assert_eq!(
            link_query(url).as_deref(),
            Some("sscc=370724760010119754&exp=4102444800&sig=ab12")
        );
        assert_eq!(link_query("https://shop.example/track?id=AbCd"), None);
        assert_eq!(link_query("https://shop.example/track"), None);
        let resolved = resolve(&Attributes::default(), url, None);
        assert_eq!(
            resolved.link.as_deref(),
            Some("sscc=370724760010119754&exp=4102444800&sig=ab12")
        );
        // A plain link is no signed link.
        let plain = resolve(
            &Attributes::default(),
            "https://shop.example/track?sscc=370724760010119754&id=AbCdEfGhIjKlMnOpQrStUvWxYz012345",
            None,
        );
        assert_eq!(plain.link, None);
        assert_eq!(
            plain.access_key.as_deref(),
            Some("AbCdEfGhIjKlMnOpQrStUvWxYz012345")
        );
        // A typed number is no part of the page's link: no link goes with it.
        let typed = resolve(
            &Attributes::default(),
            url,
            Some("520000011395200025009871"),
        );
        assert_eq!(typed.link, None);
    }

    #[test]
    fn refresh_accepts_seconds_minutes_and_off() {
        assert_eq!(parse_refresh(None), Some(300));
        assert_eq!(parse_refresh(Some("120")), Some(120));
        assert_eq!(parse_refresh(Some("2m")), Some(120));
        assert_eq!(parse_refresh(Some("5")), Some(MIN_REFRESH_SECS));
        assert_eq!(parse_refresh(Some("off")), None);
        assert_eq!(parse_refresh(Some("0")), None);
    }
}
