//! Every carrier endpoint Trackline speaks to, described once: path template, method, query
//! names, credential and which answers are final. Core's request builders fill these templates
//! (so the widget's requests come from here), the proxy's allow-list is the table's GET
//! endpoints, and the sandbox registers one route per endpoint. Adding an endpoint is one row
//! here plus, where a consumer needs it, its handler.

use crate::carrier::{percent_encode, Auth, Carrier, CarrierRequest, Method};

/// What a path parameter or query value may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// A shipment reference (tracking number, SSCC, item, label or transaction number): read and
    /// checked as core reads references (a carrier's number in the form its carrier writes it),
    /// and masked in logs.
    Reference,
    /// A reference the shipper wrote (a customer reference, a delivery note's number): kept as
    /// written, only trimmed and its runs of spaces shortened, never read as a carrier's number
    /// (`rb123456785gb` stays in lower case even though it reads as a UPU number); checked for
    /// the characters and length of a reference, and masked in logs.
    WrittenReference,
    /// A name such as a pickup point's (`KRA01M`): letters, digits, `-`, `_`, `.`.
    Name,
    /// Exactly one of these words.
    OneOf(&'static [&'static str]),
    /// A whole number, digits only.
    Number,
    /// A date, a time or a list of codes as the carrier writes them.
    Text,
}

impl ValueKind {
    /// Whether values of this kind name a shipment: masked in logs, and what an answer is read
    /// for.
    pub fn is_reference(self) -> bool {
        matches!(self, ValueKind::Reference | ValueKind::WrittenReference)
    }

    /// A reference value of this kind in the form to send on, checked by core's reference reader:
    /// a [`ValueKind::WrittenReference`] as written
    /// ([`validate_written_reference`](crate::reference::validate_written_reference)), any other
    /// as a carrier's number ([`validate_value`](crate::reference::validate_value)).
    pub fn read_reference(self, value: &str) -> Result<String, crate::reference::ReferenceError> {
        match self {
            ValueKind::WrittenReference => crate::reference::validate_written_reference(value),
            _ => crate::reference::validate_value(value),
        }
    }

    /// Checks the kinds that need no knowledge of references: a fixed word list and numbers.
    /// References are read with [`ValueKind::read_reference`] by whoever holds the value (the
    /// proxy, after its own character rules); names are the holder's to check.
    pub fn check(self, value: &str) -> Result<(), String> {
        match self {
            ValueKind::OneOf(words) if !words.contains(&value) => {
                Err(format!("must be {}", words.join(" or ")))
            }
            ValueKind::Number if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) => {
                Err("must be a whole number".to_owned())
            }
            _ => Ok(()),
        }
    }
}

/// A named value of a path template (`{number}`) or query (`ItemNumber=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parameter {
    /// For a query, the name in the carrier's own spelling.
    pub name: &'static str,
    pub kind: ValueKind,
}

const fn param(name: &'static str, kind: ValueKind) -> Parameter {
    Parameter { name, kind }
}

/// Which answers of an endpoint are final: stored by a cache and not asked again on a retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finality {
    /// Success and "no such shipment" (404, 410) do not change when asked again within a cache
    /// lifetime; everything else (limits, outages, refusals) may.
    SuccessAndNotFound,
    /// Nothing: every call matters (a login, a registered event).
    Never,
}

/// The endpoints, by name, for code that picks one (request builders, sandbox handlers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EndpointId {
    InpostTracking,
    InpostServiceHistory,
    InpostStatuses,
    InpostPoint,
    DiLogin,
    DiFetch,
    DiRegisterEvent,
    TrackonlineUniqueItems,
    TrackonlineIotItems,
    TrackonlineMeasurements,
    TrackonlineTransactions,
    TrackonlinePackagingLabels,
    TrackonlineLocations,
}

/// One carrier endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Endpoint {
    pub id: EndpointId,
    pub carrier: Carrier,
    pub method: Method,
    /// Relative to the carrier's base URL; `{name}` segments are parameters, in order.
    pub path: &'static str,
    pub path_parameters: &'static [Parameter],
    /// The query names the endpoint takes. When some of them are references, a request must
    /// name at least one: an unfiltered list would hand out a whole administration.
    pub query: &'static [Parameter],
    pub auth: Auth,
    pub finality: Finality,
}

use ValueKind::{Name, Number, OneOf, Reference, Text, WrittenReference};

/// InPost's tracking is public; the path parameter is the 24-digit number.
pub const INPOST_TRACKING: Endpoint = Endpoint {
    id: EndpointId::InpostTracking,
    carrier: Carrier::Inpost,
    method: Method::Get,
    path: "/v1/tracking/{n}",
    path_parameters: &[param("n", Reference)],
    query: &[],
    auth: Auth::None,
    finality: Finality::SuccessAndNotFound,
};

/// The services a mixed InPost parcel went through.
pub const INPOST_SERVICE_HISTORY: Endpoint = Endpoint {
    id: EndpointId::InpostServiceHistory,
    path: "/v1/tracking/{n}/service_history",
    ..INPOST_TRACKING
};

/// The titles of every InPost status, in English or Polish.
pub const INPOST_STATUSES: Endpoint = Endpoint {
    id: EndpointId::InpostStatuses,
    path: "/v1/statuses",
    path_parameters: &[],
    query: &[param("lang", OneOf(&["en_GB", "pl_PL"]))],
    ..INPOST_TRACKING
};

/// A locker or service point.
pub const INPOST_POINT: Endpoint = Endpoint {
    id: EndpointId::InpostPoint,
    path: "/v1/points/{name}",
    path_parameters: &[param("name", Name)],
    ..INPOST_TRACKING
};

/// Di's login: the body holds the account's password, so only a server builds it.
pub const DI_LOGIN: Endpoint = Endpoint {
    id: EndpointId::DiLogin,
    carrier: Carrier::Di,
    method: Method::Post,
    path: "/ws/json/auth/v-3/login/{minutes}",
    path_parameters: &[param("minutes", Number)],
    query: &[],
    auth: Auth::None,
    finality: Finality::Never,
};

/// A Di parcel's events (v-1: the old event log, v-2: with linked numbers).
pub const DI_FETCH: Endpoint = Endpoint {
    id: EndpointId::DiFetch,
    carrier: Carrier::Di,
    method: Method::Get,
    path: "/ws/json/parcel/tracking/{version}/fetch/{id}/{locale}/{onlyLastEvent}",
    path_parameters: &[
        param("version", OneOf(&["v-1", "v-2"])),
        param("id", Reference),
        param("locale", OneOf(&["NO", "EN"])),
        param("onlyLastEvent", OneOf(&["true", "false"])),
    ],
    query: &[],
    auth: Auth::DiBearerToken,
    finality: Finality::SuccessAndNotFound,
};

/// Registers an event on a Di parcel.
pub const DI_REGISTER_EVENT: Endpoint = Endpoint {
    id: EndpointId::DiRegisterEvent,
    method: Method::Post,
    path: "/ws/json/parcel/tracking/v-2/register",
    path_parameters: &[],
    finality: Finality::Never,
    ..DI_FETCH
};

/// TrackOnline unique items (load carriers, tagged goods).
pub const TRACKONLINE_UNIQUE_ITEMS: Endpoint = Endpoint {
    id: EndpointId::TrackonlineUniqueItems,
    carrier: Carrier::Trackonline,
    method: Method::Get,
    path: "/api/v1/uniqueitem",
    path_parameters: &[],
    query: &[
        param("ItemNumber", Reference),
        param("BarCode", Reference),
        param("EpcCode", Reference),
        param("BleCode", Reference),
        param("page", Number),
    ],
    auth: Auth::TrackOnlineApiKey,
    finality: Finality::SuccessAndNotFound,
};

/// TrackOnline IoT items.
pub const TRACKONLINE_IOT_ITEMS: Endpoint = Endpoint {
    id: EndpointId::TrackonlineIotItems,
    path: "/api/v1/iot/item",
    query: &[param("itemNumber", Reference), param("page", Number)],
    ..TRACKONLINE_UNIQUE_ITEMS
};

/// TrackOnline IoT position measurements (the last 14 days without dates).
pub const TRACKONLINE_MEASUREMENTS: Endpoint = Endpoint {
    id: EndpointId::TrackonlineMeasurements,
    path: "/api/v1/iot/item/measurement",
    query: &[
        param("item", Reference),
        param("deviceId", Reference),
        param("dateFrom", Text),
        param("dateTo", Text),
    ],
    ..TRACKONLINE_UNIQUE_ITEMS
};

/// TrackOnline transactions (the last 7 days without a start date).
pub const TRACKONLINE_TRANSACTIONS: Endpoint = Endpoint {
    id: EndpointId::TrackonlineTransactions,
    path: "/api/v1/transaction",
    query: &[
        param("TransactionNumber", Reference),
        param("ReferenceNumber", WrittenReference),
        param("DocumentNumber", WrittenReference),
        param("TransactionDateFrom", Text),
        param("TransactionDateTo", Text),
        param("page", Number),
    ],
    ..TRACKONLINE_UNIQUE_ITEMS
};

/// TrackOnline packaging labels (SSCC labels).
pub const TRACKONLINE_PACKAGING_LABELS: Endpoint = Endpoint {
    id: EndpointId::TrackonlinePackagingLabels,
    path: "/api/v1/packaginglabel",
    query: &[
        param("Number", Reference),
        param("TypeCodes", Text),
        param("page", Number),
    ],
    ..TRACKONLINE_UNIQUE_ITEMS
};

/// TrackOnline locations.
pub const TRACKONLINE_LOCATIONS: Endpoint = Endpoint {
    id: EndpointId::TrackonlineLocations,
    path: "/api/v1/location",
    query: &[param("Number", Reference), param("page", Number)],
    ..TRACKONLINE_UNIQUE_ITEMS
};

/// Every endpoint, the one table.
pub const ENDPOINTS: [Endpoint; 13] = [
    INPOST_TRACKING,
    INPOST_SERVICE_HISTORY,
    INPOST_STATUSES,
    INPOST_POINT,
    DI_LOGIN,
    DI_FETCH,
    DI_REGISTER_EVENT,
    TRACKONLINE_UNIQUE_ITEMS,
    TRACKONLINE_IOT_ITEMS,
    TRACKONLINE_MEASUREMENTS,
    TRACKONLINE_TRANSACTIONS,
    TRACKONLINE_PACKAGING_LABELS,
    TRACKONLINE_LOCATIONS,
];

/// The part of a carrier's paths its API lives under (the sandbox serves each carrier there).
pub fn api_root(carrier: Carrier) -> Option<&'static str> {
    match carrier {
        Carrier::Inpost => Some("/v1"),
        Carrier::Di => Some("/ws/json"),
        Carrier::Trackonline => Some("/api/v1"),
        _ => None,
    }
}

/// The endpoints of one carrier.
pub fn of(carrier: Carrier) -> impl Iterator<Item = &'static Endpoint> {
    ENDPOINTS
        .iter()
        .filter(move |endpoint| endpoint.carrier == carrier)
}

/// A path matched against a template: each parameter with the segment written for it.
pub type PathValues<'a> = Vec<(Parameter, &'a str)>;

impl Endpoint {
    pub fn get(id: EndpointId) -> &'static Endpoint {
        ENDPOINTS
            .iter()
            .find(|endpoint| endpoint.id == id)
            .expect("every endpoint id has a row in the table")
    }

    /// The template's segments after the leading `/`.
    fn template_segments(&self) -> impl Iterator<Item = &'static str> {
        self.path.trim_start_matches('/').split('/')
    }

    fn parameter(&self, segment: &str) -> Option<Parameter> {
        let name = segment.strip_prefix('{')?.strip_suffix('}')?;
        self.path_parameters
            .iter()
            .find(|parameter| parameter.name == name)
            .copied()
    }

    /// A request to this endpoint with `values` in its path parameters, in order, each
    /// percent-encoded; headers, query and body are the builder's to add.
    pub fn request(&self, values: &[&str]) -> CarrierRequest {
        let mut values = values.iter();
        let mut path = String::with_capacity(self.path.len() + 32);
        for segment in self.template_segments() {
            path.push('/');
            match self.parameter(segment) {
                Some(_) => path.push_str(&percent_encode(
                    values
                        .next()
                        .expect("a value for every path parameter")
                        .trim(),
                )),
                None => path.push_str(segment),
            }
        }
        debug_assert!(values.next().is_none(), "more values than path parameters");
        CarrierRequest::new(self.method, path, self.auth)
    }

    /// Matches a path's segments (after the carrier's base URL, without the leading `/`, not
    /// decoded) against the template: each parameter with its value, or `None` when the
    /// literal segments or the count differ. Values are not checked here.
    pub fn match_path<'a>(&self, segments: &[&'a str]) -> Option<PathValues<'a>> {
        let mut values = Vec::new();
        let mut given = segments.iter();
        for segment in self.template_segments() {
            let value = given.next()?;
            match self.parameter(segment) {
                Some(parameter) => values.push((parameter, *value)),
                None if segment == *value => {}
                None => return None,
            }
        }
        given.next().is_none().then_some(values)
    }

    /// The query parameter called `name`, compared without case (TrackOnline is ASP.NET).
    pub fn query_parameter(&self, name: &str) -> Option<Parameter> {
        self.query
            .iter()
            .find(|parameter| parameter.name.eq_ignore_ascii_case(name))
            .copied()
    }

    /// Whether a request must name one of the reference query parameters.
    pub fn needs_a_reference_in_query(&self) -> bool {
        self.query
            .iter()
            .any(|parameter| parameter.kind.is_reference())
    }

    /// Whether an answer with this HTTP status is final: cached and not asked again.
    pub fn is_final(&self, status: u16) -> bool {
        match self.finality {
            Finality::SuccessAndNotFound => matches!(status, 200..=299 | 404 | 410),
            Finality::Never => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::carrier::di::{self, EventLogVersion, Locale};
    use crate::carrier::inpost::{self, TitleLanguage};
    use crate::carrier::trackonline::{self, ItemKey, MeasurementSubject, TransactionKey};

    /// The endpoint a built request is for: its carrier's, by method, path and query names.
    fn endpoint_of(carrier: Carrier, request: &CarrierRequest) -> EndpointId {
        let segments: Vec<&str> = request.path.trim_start_matches('/').split('/').collect();
        let matching: Vec<&Endpoint> = of(carrier)
            .filter(|endpoint| endpoint.method == request.method)
            .filter(|endpoint| endpoint.match_path(&segments).is_some())
            .filter(|endpoint| {
                request
                    .query
                    .iter()
                    .all(|(name, _)| endpoint.query_parameter(name).is_some())
            })
            .collect();
        assert_eq!(matching.len(), 1, "{request:?}");
        let endpoint = matching[0];
        assert_eq!(endpoint.auth, request.auth, "{request:?}");
        for (parameter, value) in endpoint.match_path(&segments).unwrap() {
            parameter.kind.check(value).unwrap();
        }
        endpoint.id
    }

    #[test]
    fn every_request_core_builds_is_a_row_of_the_table_and_every_row_is_built() {
        let subject = MeasurementSubject::Item("CC000123".into());
        let built = [
            (
                Carrier::Inpost,
                inpost::tracking_request("520000011395200025009871"),
            ),
            (Carrier::Inpost, inpost::service_history_request("5200")),
            (
                Carrier::Inpost,
                inpost::statuses_request(TitleLanguage::Polish),
            ),
            (Carrier::Inpost, inpost::point_request("KRA01M")),
            (
                Carrier::Di,
                di::login_request("user", "secret", 60).unwrap(),
            ),
            (
                Carrier::Di,
                di::fetch_request(
                    "370724760010119754",
                    Locale::Norwegian,
                    true,
                    EventLogVersion::V1,
                ),
            ),
            (
                Carrier::Di,
                di::fetch_request(
                    "370724760010119754",
                    Locale::English,
                    false,
                    EventLogVersion::V2,
                ),
            ),
            (
                Carrier::Trackonline,
                trackonline::unique_item_request(ItemKey::Barcode, "B1", 2),
            ),
            (
                Carrier::Trackonline,
                trackonline::measurements_request(&subject, Some("2024-01-01"), None),
            ),
            (
                Carrier::Trackonline,
                trackonline::transactions_request(TransactionKey::DocumentNumber, "LS-1", None, 1),
            ),
            (
                Carrier::Trackonline,
                trackonline::packaging_labels_request("387123450000012343", 1),
            ),
        ];
        let mut reached: Vec<EndpointId> = built
            .iter()
            .map(|(carrier, request)| endpoint_of(*carrier, request))
            .collect();
        // Endpoints the widget does not ask but the proxy forwards and the sandbox serves are
        // built from the table directly, as a caller would.
        for id in [
            EndpointId::TrackonlineIotItems,
            EndpointId::TrackonlineLocations,
            EndpointId::DiRegisterEvent,
        ] {
            let request = Endpoint::get(id).request(&[]);
            reached.push(endpoint_of(Endpoint::get(id).carrier, &request));
        }
        for endpoint in ENDPOINTS {
            assert!(
                reached.contains(&endpoint.id),
                "{:?} is never built",
                endpoint.id
            );
        }
    }

    #[test]
    fn a_path_matches_its_template_only_with_the_same_literals_and_count() {
        let values = DI_FETCH
            .match_path(&[
                "ws", "json", "parcel", "tracking", "v-2", "fetch", "1", "EN", "false",
            ])
            .unwrap();
        assert_eq!(
            values.iter().map(|(p, v)| (p.name, *v)).collect::<Vec<_>>(),
            [
                ("version", "v-2"),
                ("id", "1"),
                ("locale", "EN"),
                ("onlyLastEvent", "false")
            ]
        );
        assert!(INPOST_TRACKING.match_path(&["v1", "tracking"]).is_none());
        assert!(INPOST_TRACKING
            .match_path(&["v1", "tracking", "1", "service_history"])
            .is_none());
        assert!(INPOST_TRACKING
            .match_path(&["v2", "tracking", "1"])
            .is_none());
        assert_eq!(
            OneOf(&["NO", "EN"]).check("DE").unwrap_err(),
            "must be NO or EN"
        );
        assert!(Number.check("12a").is_err());
    }

    #[test]
    fn path_values_are_encoded_so_that_none_leaves_its_segment() {
        assert_eq!(
            INPOST_POINT.request(&["a/b c"]).path,
            "/v1/points/a%2Fb%20c"
        );
    }

    #[test]
    fn only_success_and_not_found_of_reads_are_final() {
        assert!(INPOST_TRACKING.is_final(200));
        assert!(INPOST_TRACKING.is_final(404));
        assert!(!INPOST_TRACKING.is_final(429));
        assert!(!INPOST_TRACKING.is_final(503));
        assert!(!DI_LOGIN.is_final(200));
    }

    #[test]
    fn every_endpoint_lives_under_its_carrier_s_api_root() {
        for endpoint in ENDPOINTS {
            let root = api_root(endpoint.carrier).unwrap();
            assert!(
                endpoint.path.starts_with(&format!("{root}/")),
                "{}",
                endpoint.path
            );
            let placeholders = endpoint.path.matches('{').count();
            assert_eq!(
                placeholders,
                endpoint.path_parameters.len(),
                "{}",
                endpoint.path
            );
        }
    }
}
