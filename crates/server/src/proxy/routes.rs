//! The only upstream requests the proxy will make: fixed per-carrier path templates that mirror
//! the carrier endpoints the widget calls. The path is checked on its raw, undecoded form, so
//! that encoded slashes, dot segments, absolute URLs, user info and control characters never get
//! the chance to be reinterpreted by a later decoding step. Nothing is passed through: the
//! upstream URL is rebuilt from the validated pieces.

use super::config::CarrierId;
use super::problem::{Problem, ProblemKind};

/// Where the proxy's routes live; the widget calls `{PREFIX}/{carrier}/{carrier path}`.
pub const PREFIX: &str = "/carriers";
/// The route that tells which carrier tracks a conizi partner's numbers.
pub const PARTNER_ROUTE: &str = "by-partner";

const MAX_PATH_BYTES: usize = 512;
const MAX_QUERY_BYTES: usize = 1024;
const MAX_QUERY_PAIRS: usize = 12;
const MAX_VALUE_CHARS: usize = 64;

/// A request the proxy may forward.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpstreamTarget {
    pub carrier: CarrierId,
    /// The template, for logs and metrics labels: `/v1/tracking/{n}`.
    pub route: &'static str,
    /// Appended to the carrier's base URL; also the cache key within the carrier.
    pub path_and_query: String,
    /// The path with reference values masked, for logs.
    pub masked: String,
}

/// What a path under the prefix asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProxyRoute {
    Upstream(UpstreamTarget),
    /// `GET /carriers/by-partner/{partner_id}`.
    PartnerCarrier(String),
}

/// Validates a single reference value the way core does, once core offers it; the HTTP-level
/// checks here come first either way.
pub type ValueCheck = fn(&str) -> Result<String, String>;

/// Parses the raw request path and query. `path` must still be percent-encoded as received.
pub fn parse(
    path: &str,
    query: Option<&str>,
    check_value: ValueCheck,
) -> Result<ProxyRoute, Problem> {
    if path.len() > MAX_PATH_BYTES {
        return Err(bad(format!(
            "the path is longer than {MAX_PATH_BYTES} bytes"
        )));
    }
    if let Some(query) = query {
        if query.len() > MAX_QUERY_BYTES {
            return Err(bad(format!(
                "the query is longer than {MAX_QUERY_BYTES} bytes"
            )));
        }
    }
    if path.contains('%') {
        return Err(bad(
            "percent-encoded characters are not accepted in the path",
        ));
    }
    if let Some(byte) = path.bytes().find(|&b| !is_path_byte(b)) {
        return Err(bad(format!(
            "the path contains a character that no carrier path uses ({})",
            describe(byte)
        )));
    }
    let Some(rest) = path
        .strip_prefix(PREFIX)
        .and_then(|rest| rest.strip_prefix('/'))
    else {
        return Err(not_found("no such route"));
    };
    let segments: Vec<&str> = rest.split('/').collect();
    for segment in &segments {
        match *segment {
            "" => return Err(bad("empty path segments are not accepted")),
            "." | ".." => return Err(bad("dot segments are not accepted")),
            _ => {}
        }
    }
    if segments[0] == PARTNER_ROUTE {
        if query.is_some() {
            return Err(bad("this route takes no query"));
        }
        return match segments.as_slice() {
            [_, partner_id] => Ok(ProxyRoute::PartnerCarrier(safe_value(
                "partner id",
                partner_id,
            )?)),
            _ => Err(not_found("no such route")),
        };
    }
    let Some(carrier) = CarrierId::from_path_segment(segments[0]) else {
        return Err(not_found(format!(
            "`{}` is not a carrier this proxy serves",
            segments[0]
        )));
    };
    let query = parse_query(query)?;
    let target = match carrier {
        CarrierId::InPost => inpost(&segments[1..], &query, check_value)?,
        CarrierId::Di => di(&segments[1..], &query, check_value)?,
        CarrierId::TrackOnline => trackonline(&segments[1..], &query, check_value)?,
    };
    Ok(ProxyRoute::Upstream(target))
}

fn bad(detail: impl Into<String>) -> Problem {
    Problem::new(ProblemKind::InvalidReference, detail)
}

fn not_found(detail: impl Into<String>) -> Problem {
    Problem::new(ProblemKind::NotFound, detail)
}

/// The characters carrier paths are made of. Everything else (`@`, `:`, `\`, `;`, controls,
/// non-ASCII) is refused before routing.
fn is_path_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'/' | b'-' | b'_' | b'.')
}

fn is_query_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b':' | b'/' | b' ')
}

fn describe(byte: u8) -> String {
    if byte.is_ascii_graphic() {
        format!("`{}`", byte as char)
    } else {
        format!("byte 0x{byte:02x}")
    }
}

/// A path value: letters, digits, `-`, `_`, `.`, up to 64 characters.
fn safe_value(what: &str, value: &str) -> Result<String, Problem> {
    if value.is_empty() || value.chars().count() > MAX_VALUE_CHARS {
        return Err(bad(format!(
            "the {what} must have 1 to {MAX_VALUE_CHARS} characters"
        )));
    }
    if !value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    {
        return Err(bad(format!(
            "the {what} may only contain letters, digits, `-`, `_` and `.`"
        )));
    }
    Ok(value.to_owned())
}

/// A tracking value: the HTTP-level checks, then core's.
fn reference_value(what: &str, value: &str, check_value: ValueCheck) -> Result<String, Problem> {
    let value = safe_value(what, value)?;
    let normalized =
        check_value(&value).map_err(|error| bad(format!("the {what} is not valid: {error}")))?;
    // Core may normalize (case, separators); what goes upstream must still be a safe value.
    safe_value(what, &normalized)
}

/// Masks all but the last four characters, so logs can correlate without holding the number.
pub fn mask(value: &str) -> String {
    let count = value.chars().count();
    let shown = if count > 8 { 4 } else { 0 };
    value
        .chars()
        .enumerate()
        .map(|(index, c)| if index + shown < count { '*' } else { c })
        .collect()
}

type Query = Vec<(String, String)>;

fn parse_query(query: Option<&str>) -> Result<Query, Problem> {
    let Some(query) = query.filter(|query| !query.is_empty()) else {
        return Ok(Vec::new());
    };
    let mut pairs = Vec::new();
    for part in query.split('&') {
        if pairs.len() == MAX_QUERY_PAIRS {
            return Err(bad(format!("more than {MAX_QUERY_PAIRS} query parameters")));
        }
        // Decoding cannot smuggle anything: the decoded value must still pass the charset check.
        let Some((name, value)) = url::form_urlencoded::parse(part.as_bytes()).next() else {
            continue;
        };
        let (name, value) = (name.into_owned(), value.into_owned());
        if value.chars().count() > MAX_VALUE_CHARS {
            return Err(bad(format!(
                "the query parameter `{}` is longer than {MAX_VALUE_CHARS} characters",
                printable(&name)
            )));
        }
        // References may hold spaces and slashes (core allows them); the value is re-encoded
        // when the upstream URL is built, so neither can leave the query.
        if value.trim().is_empty() || !value.bytes().all(is_query_byte) {
            return Err(bad(format!(
                "the query parameter `{}` must be letters, digits, spaces, `-`, `_`, `.`, `:` or `/`",
                printable(&name)
            )));
        }
        pairs.push((name, value));
    }
    Ok(pairs)
}

/// A name for an error message that cannot inject anything into a log line.
fn printable(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .take(40)
        .collect()
}

/// Accepts only whitelisted query parameters (names compared without case, forwarded in the
/// carrier's spelling) and returns them sorted, so equal requests share a cache entry.
fn whitelisted(
    query: &Query,
    allowed: &[(&'static str, bool)],
    check_value: ValueCheck,
) -> Result<Vec<(&'static str, String)>, Problem> {
    let mut accepted = Vec::with_capacity(query.len());
    for (name, value) in query {
        let Some(&(canonical, is_reference)) = allowed
            .iter()
            .find(|(allowed, _)| allowed.eq_ignore_ascii_case(name))
        else {
            return Err(bad(format!(
                "the query parameter `{}` is not accepted on this route",
                printable(name)
            )));
        };
        let value = if is_reference {
            let normalized = check_value(value)
                .map_err(|error| bad(format!("the {canonical} is not valid: {error}")))?;
            if !normalized.bytes().all(is_query_byte) {
                return Err(bad(format!(
                    "the {canonical} holds a character no reference has"
                )));
            }
            normalized
        } else {
            value.clone()
        };
        accepted.push((canonical, value));
    }
    accepted.sort();
    Ok(accepted)
}

fn with_query(path: String, query: &[(&'static str, String)]) -> String {
    if query.is_empty() {
        return path;
    }
    let mut serializer = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in query {
        serializer.append_pair(name, value);
    }
    format!("{path}?{}", serializer.finish())
}

fn no_query(query: &Query) -> Result<(), Problem> {
    if query.is_empty() {
        Ok(())
    } else {
        Err(bad("this route takes no query"))
    }
}

fn target(
    carrier: CarrierId,
    route: &'static str,
    path_and_query: String,
    masked: String,
) -> UpstreamTarget {
    UpstreamTarget {
        carrier,
        route,
        path_and_query,
        masked,
    }
}

fn inpost(segments: &[&str], query: &Query, check: ValueCheck) -> Result<UpstreamTarget, Problem> {
    let id = CarrierId::InPost;
    match segments {
        ["v1", "tracking", number] => {
            no_query(query)?;
            let number = reference_value("tracking number", number, check)?;
            Ok(target(
                id,
                "/v1/tracking/{n}",
                format!("/v1/tracking/{number}"),
                format!("/v1/tracking/{}", mask(&number)),
            ))
        }
        ["v1", "tracking", number, "service_history"] => {
            no_query(query)?;
            let number = reference_value("tracking number", number, check)?;
            Ok(target(
                id,
                "/v1/tracking/{n}/service_history",
                format!("/v1/tracking/{number}/service_history"),
                format!("/v1/tracking/{}/service_history", mask(&number)),
            ))
        }
        ["v1", "statuses"] => {
            let query = whitelisted(query, &[("lang", false)], check)?;
            if let Some((_, lang)) = query
                .iter()
                .find(|(_, lang)| lang != "en_GB" && lang != "pl_PL")
            {
                return Err(bad(format!(
                    "lang must be en_GB or pl_PL, not `{}`",
                    printable(lang)
                )));
            }
            let path = with_query("/v1/statuses".into(), &query);
            Ok(target(id, "/v1/statuses", path.clone(), path))
        }
        ["v1", "points", name] => {
            no_query(query)?;
            let name = safe_value("point name", name)?;
            let path = format!("/v1/points/{name}");
            Ok(target(id, "/v1/points/{name}", path.clone(), path))
        }
        _ => Err(not_found("no such InPost route")),
    }
}

fn di(segments: &[&str], query: &Query, check: ValueCheck) -> Result<UpstreamTarget, Problem> {
    match segments {
        ["ws", "json", "parcel", "tracking", version @ ("v-1" | "v-2"), "fetch", identifier, locale, only_last] =>
        {
            no_query(query)?;
            let identifier = reference_value("identifier", identifier, check)?;
            if !matches!(*locale, "NO" | "EN") {
                return Err(bad("the locale must be NO or EN"));
            }
            if !matches!(*only_last, "true" | "false") {
                return Err(bad("onlyLastEvent must be true or false"));
            }
            let route = if *version == "v-2" {
                "/ws/json/parcel/tracking/v-2/fetch/{id}/{locale}/{onlyLastEvent}"
            } else {
                "/ws/json/parcel/tracking/v-1/fetch/{id}/{locale}/{onlyLastEvent}"
            };
            let prefix = format!("/ws/json/parcel/tracking/{version}/fetch");
            Ok(target(
                CarrierId::Di,
                route,
                format!("{prefix}/{identifier}/{locale}/{only_last}"),
                format!("{prefix}/{}/{locale}/{only_last}", mask(&identifier)),
            ))
        }
        _ => Err(not_found("no such Di route")),
    }
}

/// TrackOnline resources the widget reads, with the filters it may use. `true` marks filters
/// that hold a reference (checked like a tracking number); a request must name at least one
/// filter, because an unfiltered list would hand the merchant's whole administration to anyone.
/// (resource path after `/api/v1/`, route template, accepted filters).
type TrackOnlineRoute = (&'static str, &'static str, &'static [(&'static str, bool)]);

const TRACKONLINE_ROUTES: [TrackOnlineRoute; 6] = [
    (
        "uniqueitem",
        "/api/v1/uniqueitem",
        &[
            ("ItemNumber", true),
            ("BarCode", true),
            ("EpcCode", true),
            ("BleCode", true),
            ("page", false),
        ],
    ),
    (
        "iot/item",
        "/api/v1/iot/item",
        &[("itemNumber", true), ("page", false)],
    ),
    (
        "iot/item/measurement",
        "/api/v1/iot/item/measurement",
        &[
            ("item", true),
            ("deviceId", true),
            ("dateFrom", false),
            ("dateTo", false),
        ],
    ),
    (
        "transaction",
        "/api/v1/transaction",
        &[
            ("TransactionNumber", true),
            ("ReferenceNumber", true),
            ("DocumentNumber", true),
            ("TransactionDateFrom", false),
            ("TransactionDateTo", false),
            ("page", false),
        ],
    ),
    (
        "packaginglabel",
        "/api/v1/packaginglabel",
        &[("Number", true), ("TypeCodes", false), ("page", false)],
    ),
    (
        "location",
        "/api/v1/location",
        &[("Number", true), ("page", false)],
    ),
];

fn trackonline(
    segments: &[&str],
    query: &Query,
    check: ValueCheck,
) -> Result<UpstreamTarget, Problem> {
    let ["api", "v1", resource @ ..] = segments else {
        return Err(not_found("no such TrackOnline route"));
    };
    let resource = resource.join("/");
    let Some((_, route, allowed)) = TRACKONLINE_ROUTES
        .iter()
        .find(|(name, _, _)| *name == resource)
    else {
        return Err(not_found("no such TrackOnline route"));
    };
    let accepted = whitelisted(query, allowed, check)?;
    let references: Vec<_> = accepted
        .iter()
        .filter(|(name, _)| {
            allowed
                .iter()
                .any(|(allowed, is_reference)| allowed == name && *is_reference)
        })
        .collect();
    if references.is_empty() {
        return Err(bad(
            "name at least one item, label or transaction to look up",
        ));
    }
    let masked_query: Vec<(&'static str, String)> = accepted
        .iter()
        .map(|(name, value)| {
            let is_reference = references.iter().any(|(reference, _)| reference == name);
            (
                *name,
                if is_reference {
                    mask(value)
                } else {
                    value.clone()
                },
            )
        })
        .collect();
    Ok(target(
        CarrierId::TrackOnline,
        route,
        with_query((*route).to_owned(), &accepted),
        with_query((*route).to_owned(), &masked_query),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept_all(value: &str) -> Result<String, String> {
        Ok(value.to_owned())
    }

    fn route(path: &str, query: Option<&str>) -> Result<ProxyRoute, Problem> {
        parse(path, query, accept_all)
    }

    fn upstream(path: &str, query: Option<&str>) -> UpstreamTarget {
        match route(path, query) {
            Ok(ProxyRoute::Upstream(target)) => target,
            other => panic!("{path}: {other:?}"),
        }
    }

    #[test]
    fn an_inpost_tracking_path_maps_to_the_same_upstream_path() {
        let target = upstream(
            "/carriers/inpost/v1/tracking/520000011395200025009871",
            None,
        );
        assert_eq!(target.carrier, CarrierId::InPost);
        assert_eq!(
            target.path_and_query,
            "/v1/tracking/520000011395200025009871"
        );
        assert_eq!(target.masked, "/v1/tracking/********************9871");
    }

    #[test]
    fn a_di_fetch_keeps_locale_and_only_last_event() {
        let target = upstream(
            "/carriers/di/ws/json/parcel/tracking/v-2/fetch/370724760010119754/EN/false",
            None,
        );
        assert_eq!(
            target.path_and_query,
            "/ws/json/parcel/tracking/v-2/fetch/370724760010119754/EN/false"
        );
        let error = route(
            "/carriers/di/ws/json/parcel/tracking/v-2/fetch/370724760010119754/DE/false",
            None,
        )
        .unwrap_err();
        assert_eq!(error.kind, ProblemKind::InvalidReference);
    }

    #[test]
    fn trackonline_queries_are_whitelisted_sorted_and_need_a_reference() {
        let target = upstream(
            "/carriers/trackonline/api/v1/uniqueitem",
            Some("page=1&itemnumber=ABC123"),
        );
        assert_eq!(
            target.path_and_query,
            "/api/v1/uniqueitem?ItemNumber=ABC123&page=1"
        );
        let error = route("/carriers/trackonline/api/v1/location", Some("page=1")).unwrap_err();
        assert_eq!(error.kind, ProblemKind::InvalidReference);
        let error = route(
            "/carriers/trackonline/api/v1/uniqueitem",
            Some("apikey=stolen&ItemNumber=1"),
        )
        .unwrap_err();
        assert_eq!(error.kind, ProblemKind::InvalidReference);
    }

    #[test]
    fn unknown_carriers_and_routes_are_not_found() {
        for path in [
            "/carriers/dhl/v1/tracking/1",
            "/carriers/inpost/v2/tracking/1",
            "/carriers/inpost/v1/shipments",
            "/carriers/trackonline/api/v1/balance",
        ] {
            assert_eq!(
                route(path, None).unwrap_err().kind,
                ProblemKind::NotFound,
                "{path}"
            );
        }
    }

    #[test]
    fn a_value_core_rejects_is_a_bad_request_with_core_s_reason() {
        let error = parse("/carriers/inpost/v1/tracking/123", None, |_| {
            Err("wrong check digit".into())
        })
        .unwrap_err();
        assert_eq!(error.kind, ProblemKind::InvalidReference);
        assert!(
            error.detail.contains("wrong check digit"),
            "{}",
            error.detail
        );
    }

    #[test]
    fn short_values_are_masked_entirely() {
        assert_eq!(mask("12345678"), "********");
        assert_eq!(mask("123456789"), "*****6789");
    }

    #[test]
    fn the_partner_route_names_a_partner_id() {
        assert_eq!(
            route("/carriers/by-partner/4711", None).unwrap(),
            ProxyRoute::PartnerCarrier("4711".into())
        );
    }
}
