//! The only upstream requests the proxy will make: the GET endpoints of core's endpoint table
//! (`trackline_core::carrier::endpoint`), the same table the widget's requests are built from. The path is checked on its raw, undecoded form, so
//! that encoded slashes, dot segments, absolute URLs, user info and control characters never get
//! the chance to be reinterpreted by a later decoding step. Nothing is passed through: the
//! upstream URL is rebuilt from the validated pieces.

use trackline_core::carrier::answer::response_kind;
use trackline_core::carrier::endpoint::{self, Endpoint, Parameter, ValueKind};
use trackline_core::carrier::{Method, ResponseKind};

use super::config::{carrier_from_path_segment, Carrier};
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
    pub carrier: Carrier,
    /// The endpoint of core's table; its path template is the logs' and metrics' label
    /// (`/v1/tracking/{n}`).
    pub endpoint: &'static Endpoint,
    /// Appended to the carrier's base URL; also the cache key within the carrier.
    pub path_and_query: String,
    /// The path with reference values masked, for logs.
    pub masked: String,
    /// The kind of answer core's adapters read it as; `None` for endpoints no adapter reads.
    pub kind: Option<ResponseKind>,
    /// The reference asked about (the first reference value), for reading the answer.
    pub reference: Option<String>,
}

/// What a path under the prefix asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProxyRoute {
    Upstream(UpstreamTarget),
    /// `GET /carriers/by-partner/{partner_id}`.
    PartnerCarrier(String),
}

/// Validates a single reference value of a kind the way core does; the HTTP-level checks here
/// come first either way.
pub type ValueCheck = fn(ValueKind, &str) -> Result<String, String>;

/// Validates a reference value with core before any upstream request, as its kind says
/// (`ValueKind::read_reference`: a carrier's number in the form its carrier writes it, a
/// reference the shipper wrote as written). Core's message is the problem's detail, so the
/// widget and the developer see the same reason.
pub fn core_check(kind: ValueKind, value: &str) -> Result<String, String> {
    kind.read_reference(value)
        .map_err(|error| error.to_string())
}

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
    let Some(carrier) = carrier_from_path_segment(segments[0]) else {
        return Err(not_found(format!(
            "`{}` is not a carrier this proxy serves",
            segments[0]
        )));
    };
    let query = parse_query(query)?;
    let target = upstream(carrier, &segments[1..], &query, check_value)?;
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
fn reference_value(
    what: &str,
    kind: ValueKind,
    value: &str,
    check_value: ValueCheck,
) -> Result<String, Problem> {
    let value = safe_value(what, value)?;
    let normalized = check_value(kind, &value)
        .map_err(|error| bad(format!("the {what} is not valid: {error}")))?;
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

/// The GET endpoints of core's table: everything the proxy forwards.
pub fn allow_list() -> impl Iterator<Item = &'static Endpoint> {
    endpoint::ENDPOINTS
        .iter()
        .filter(|endpoint| endpoint.method == Method::Get)
}

/// How a value is named in an error message.
fn what(parameter: Parameter) -> String {
    if parameter.kind.is_reference() {
        format!("reference `{}`", parameter.name)
    } else {
        format!("`{}`", parameter.name)
    }
}

/// A path value: a reference checked by core, a name, or a word of the table's list.
fn path_value(parameter: Parameter, value: &str, check: ValueCheck) -> Result<String, Problem> {
    let what = what(parameter);
    match parameter.kind {
        kind if kind.is_reference() => reference_value(&what, kind, value, check),
        kind => {
            let value = safe_value(&what, value)?;
            kind.check(&value)
                .map_err(|reason| bad(format!("{what} {reason}")))?;
            Ok(value)
        }
    }
}

/// A query value: the charset was checked when the query was read; references are read by
/// core, listed words and numbers checked against the table.
fn query_value(parameter: Parameter, value: &str, check: ValueCheck) -> Result<String, Problem> {
    let what = what(parameter);
    match parameter.kind {
        kind if kind.is_reference() => {
            let normalized = check(kind, value)
                .map_err(|error| bad(format!("the {what} is not valid: {error}")))?;
            if !normalized.bytes().all(is_query_byte) {
                return Err(bad(format!(
                    "the {what} holds a character no reference has"
                )));
            }
            Ok(normalized)
        }
        kind => {
            kind.check(value).map_err(|reason| {
                bad(format!(
                    "the query parameter {what} {reason}, not `{}`",
                    printable(value)
                ))
            })?;
            Ok(value.to_owned())
        }
    }
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

/// The endpoint a carrier path names, with its values checked and the upstream path rebuilt
/// from the template. Query names are compared without case, forwarded in the carrier's
/// spelling and sorted, so that equal requests share a cache entry.
fn upstream(
    carrier: Carrier,
    segments: &[&str],
    query: &Query,
    check: ValueCheck,
) -> Result<UpstreamTarget, Problem> {
    let Some((endpoint, values)) = allow_list()
        .filter(|endpoint| endpoint.carrier == carrier)
        .find_map(|endpoint| Some((endpoint, endpoint.match_path(segments)?)))
    else {
        return Err(not_found(format!(
            "no such {} route",
            carrier.display_name()
        )));
    };
    let mut path = String::new();
    let mut masked = String::new();
    let mut values = values.into_iter();
    let mut reference = None;
    for segment in endpoint.path.trim_start_matches('/').split('/') {
        path.push('/');
        masked.push('/');
        if segment.starts_with('{') {
            let Some((parameter, value)) = values.next() else {
                return Err(not_found("no such route"));
            };
            let value = path_value(parameter, value, check)?;
            let shown = if parameter.kind.is_reference() {
                reference.get_or_insert_with(|| value.clone());
                mask(&value)
            } else {
                value.clone()
            };
            path.push_str(&value);
            masked.push_str(&shown);
        } else {
            path.push_str(segment);
            masked.push_str(segment);
        }
    }
    let mut accepted = Vec::with_capacity(query.len());
    let mut shown = Vec::with_capacity(query.len());
    let mut names_a_reference = false;
    for (name, value) in query {
        let Some(parameter) = endpoint.query_parameter(name) else {
            return Err(bad(if endpoint.query.is_empty() {
                "this route takes no query".to_owned()
            } else {
                format!(
                    "the query parameter `{}` is not accepted on this route",
                    printable(name)
                )
            }));
        };
        let value = query_value(parameter, value, check)?;
        let is_reference = parameter.kind.is_reference();
        names_a_reference |= is_reference;
        shown.push((
            parameter.name,
            if is_reference {
                mask(&value)
            } else {
                value.clone()
            },
        ));
        accepted.push((parameter.name, value));
    }
    if endpoint.needs_a_reference_in_query() && !names_a_reference {
        return Err(bad(
            "name at least one item, label or transaction to look up",
        ));
    }
    accepted.sort();
    shown.sort();
    // The reference a reading names a shipment after: the path's, else the query's first in the
    // cache key's order, so that every request that shares a cache entry shares its reading.
    if reference.is_none() {
        reference = accepted
            .iter()
            .find(|(name, _)| {
                endpoint
                    .query_parameter(name)
                    .is_some_and(|parameter| parameter.kind.is_reference())
            })
            .map(|(_, value)| value.clone());
    }
    Ok(UpstreamTarget {
        carrier,
        endpoint,
        kind: response_kind(endpoint, &path),
        reference,
        path_and_query: with_query(path, &accepted),
        masked: with_query(masked, &shown),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept_all(_: ValueKind, value: &str) -> Result<String, String> {
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
        assert_eq!(target.carrier, Carrier::Inpost);
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
    fn requests_that_share_a_cache_entry_name_the_same_reference_whatever_their_query_s_order() {
        let path = "/carriers/trackonline/api/v1/transaction";
        let queries = [
            "TransactionNumber=T-1&ReferenceNumber=R-2",
            "ReferenceNumber=R-2&TransactionNumber=T-1",
        ];
        let targets = queries.map(|query| upstream(path, Some(query)));
        assert_eq!(targets[0].path_and_query, targets[1].path_and_query);
        assert_eq!(targets[0].reference, targets[1].reference);
        assert_eq!(targets[0].reference.as_deref(), Some("R-2"));
        let repeated = [
            "ReferenceNumber=B&ReferenceNumber=A",
            "ReferenceNumber=A&ReferenceNumber=B",
        ]
        .map(|query| upstream(path, Some(query)).reference);
        assert_eq!(repeated, [Some("A".to_owned()), Some("A".to_owned())]);
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
        let error = parse("/carriers/inpost/v1/tracking/123", None, |_, _| {
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
    fn a_customer_reference_goes_on_as_written_even_when_it_reads_as_a_carrier_s_number() {
        // `rb123456785gb` is also a UPU number with a valid check digit; as the shipper's
        // reference it keeps its case, and as a transaction number it is the carrier's number.
        let transaction = |query| match parse(
            "/carriers/trackonline/api/v1/transaction",
            Some(query),
            core_check,
        ) {
            Ok(ProxyRoute::Upstream(target)) => target,
            other => panic!("{query}: {other:?}"),
        };
        let target = transaction("ReferenceNumber=rb123456785gb&DocumentNumber=ls+%20+9");
        assert_eq!(
            target.path_and_query,
            "/api/v1/transaction?DocumentNumber=ls+9&ReferenceNumber=rb123456785gb"
        );
        assert_eq!(target.reference.as_deref(), Some("ls 9"));
        assert!(!target.masked.contains("rb1234"), "{}", target.masked);
        let target = transaction("TransactionNumber=rb123456785gb");
        assert_eq!(
            target.path_and_query,
            "/api/v1/transaction?TransactionNumber=RB123456785GB"
        );
    }

    #[test]
    fn a_written_reference_is_still_checked_for_its_characters() {
        let error = parse(
            "/carriers/trackonline/api/v1/transaction",
            Some("ReferenceNumber=a:b"),
            core_check,
        )
        .unwrap_err();
        assert_eq!(error.kind, ProblemKind::InvalidReference);
        assert!(error.detail.contains("ReferenceNumber"), "{}", error.detail);
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
