//! Parsing a whole link (or a bare value) into typed references.

use serde::Serialize;

use super::access_key::AccessKey;
use super::error::RoleName;
use super::gs1;
use super::parameter::{classify, partner_parameter_names, ParameterKind};
use super::percent_decode;
use super::value::{
    clean_carrier_hint, clean_language, clean_number, clean_postcode, clean_reference, split_list,
    split_numbers,
};
use super::{PartnerRole, Reference, ReferenceError};

/// The longest input [`parse`] reads. Real tracking links are far shorter; the bound keeps a
/// hostile `location.href` from costing the widget anything.
pub const MAX_LINK_LEN: usize = 8 * 1024;

/// Everything a link says about the shipment it points to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ParsedLink {
    /// conizi's `id`: a credential, never part of `references`; serialized masked.
    pub access_key: Option<AccessKey>,
    /// The references, in the order the link gives them, each once.
    pub references: Vec<Reference>,
    /// `carrier`, `courier`, `c`: the carrier the link names, lower case.
    pub carrier_hint: Option<String>,
    /// `zip`, `postcode`, `postal_code`, `dzip`: carriers ask for it before showing details.
    pub postcode: Option<String>,
    /// `lang`, `language`, `locale`.
    pub language: Option<String>,
    /// One entry per problem; the references above are the ones that were fine.
    pub errors: Vec<ReferenceError>,
}

impl ParsedLink {
    /// Whether every parameter that mattered parsed.
    pub fn is_clean(&self) -> bool {
        self.errors.is_empty()
    }
}

/// Parses a full URL (path, query string and `#` fragment), a bare query string
/// (`cref=4711&sscc=…`), a GS1 element string or Digital Link, or a bare value or list of values.
///
/// It never fails as a whole: each problem becomes an entry in [`ParsedLink::errors`] that names
/// its parameter, and every good reference is still returned.
pub fn parse(input: &str) -> ParsedLink {
    let mut link = ParsedLink::default();
    let input = input.trim();
    if input.is_empty() {
        link.errors.push(ReferenceError::Empty {
            parameter: "input".to_owned(),
        });
        return link;
    }
    if input.len() > MAX_LINK_LEN {
        link.errors.push(ReferenceError::TooLong {
            parameter: "input".to_owned(),
            // Bytes, like the bound: a link is ASCII once percent-encoded.
            length: input.len(),
            max: MAX_LINK_LEN,
        });
        return link;
    }
    match split(input) {
        Shape::Bare(value) => bare_values(value, &mut link),
        Shape::Url {
            path,
            query,
            fragment,
        } => {
            for found in gs1::digital_link(path) {
                link.push(found);
            }
            let parameters: Vec<Parameter> = pairs(query)
                .chain(pairs(fragment_query(fragment)))
                .collect();
            parameters_into(&parameters, &mut link);
        }
    }
    link
}

impl ParsedLink {
    fn push(&mut self, found: Result<Reference, ReferenceError>) {
        match found {
            Ok(reference) => {
                if !self.references.contains(&reference) {
                    self.references.push(reference);
                }
            }
            Err(error) => self.errors.push(error),
        }
    }
}

enum Shape<'a> {
    Url {
        path: &'a str,
        query: &'a str,
        fragment: &'a str,
    },
    Bare(&'a str),
}

/// Tells a URL (with or without scheme), a bare query string or a Digital Link path from a bare
/// value, and cuts a URL into path, query and fragment.
fn split(input: &str) -> Shape<'_> {
    if input.starts_with('(') {
        return Shape::Bare(input);
    }
    let after_scheme = match input.find("://") {
        Some(index) => &input[index + 3..],
        None if input.contains(['?', '#', '/']) => input,
        None if input.contains('=') => {
            return Shape::Url {
                path: "",
                query: input,
                fragment: "",
            }
        }
        None => return Shape::Bare(input),
    };
    let (before_fragment, fragment) = after_scheme.split_once('#').unwrap_or((after_scheme, ""));
    let (path, query) = before_fragment
        .split_once('?')
        .unwrap_or((before_fragment, ""));
    Shape::Url {
        path,
        query,
        fragment,
    }
}

/// The parameters in a fragment: `#nums=a,b`, or a client-side route's `#/track?nums=a,b`. A
/// plain anchor (`#top`) has none.
fn fragment_query(fragment: &str) -> &str {
    match fragment.split_once('?') {
        Some((_, query)) => query,
        None if fragment.contains('=') => fragment,
        None => "",
    }
}

struct Parameter {
    /// The name as the link writes it, for messages.
    name: String,
    kind: ParameterKind,
    value: String,
}

/// The recognized parameters of a query string, decoded, in order. Unknown ones (`utm_source`)
/// are none of Trackline's business.
fn pairs(query: &str) -> impl Iterator<Item = Parameter> + '_ {
    query.split('&').filter_map(|pair| {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let name = percent_decode(name, true);
        let kind = classify(&name)?;
        let name = name.trim();
        let name = name.strip_prefix("amp;").unwrap_or(name).to_owned();
        Some(Parameter {
            name,
            kind,
            value: percent_decode(value, true).into_owned(),
        })
    })
}

fn parameters_into(parameters: &[Parameter], link: &mut ParsedLink) {
    link.access_key = single(parameters, ParameterKind::AccessKey, link, AccessKey::parse);
    link.carrier_hint = single(
        parameters,
        ParameterKind::CarrierHint,
        link,
        clean_carrier_hint,
    );
    link.postcode = single(parameters, ParameterKind::Postcode, link, clean_postcode);
    link.language = single(parameters, ParameterKind::Language, link, clean_language);

    let mut partners = [
        PartnerRole::Shipping,
        PartnerRole::Receiving,
        PartnerRole::Ordering,
    ]
    .map(|role| Partners::collect(role, parameters, link));

    for parameter in parameters {
        let name = parameter.name.as_str();
        match parameter.kind {
            ParameterKind::CustomerReference => each_reference(parameter, link, |number| {
                Reference::CustomerReference { number }
            }),
            ParameterKind::DeliveryNote => {
                each_reference(parameter, link, |number| Reference::DeliveryNote { number })
            }
            ParameterKind::OrderNumber => {
                each_reference(parameter, link, |number| Reference::OrderNumber { number })
            }
            ParameterKind::Sscc => each_value(&parameter.value, name, link, |item, link| {
                for token in split_numbers(item) {
                    // As a label prints it: `(00) 3 4012345 000000001 8`.
                    if push_element_string(name, token, link) {
                        continue;
                    }
                    let found = clean_number(name, token).and_then(|compact| {
                        let digits = gs1::unbracketed_sscc(&compact).unwrap_or(&compact);
                        gs1::sscc(name, digits)
                    });
                    link.push(found);
                }
            }),
            ParameterKind::TrackingNumber => {
                let carrier_hint = link.carrier_hint.clone();
                each_value(&parameter.value, name, link, |item, link| {
                    tracking_numbers(name, item, carrier_hint.as_deref(), link)
                })
            }
            ParameterKind::PartnerNumber(role) => {
                let partners = &mut partners[role_index(role)];
                if !partners.emitted {
                    partners.emitted = true;
                    partners.emit(link);
                }
            }
            ParameterKind::AccessKey
            | ParameterKind::CarrierHint
            | ParameterKind::Postcode
            | ParameterKind::Language
            | ParameterKind::PartnerId(_) => {}
        }
    }
    for partners in &partners {
        partners.report_missing_numbers(link);
    }
}

fn role_index(role: PartnerRole) -> usize {
    match role {
        PartnerRole::Shipping => 0,
        PartnerRole::Receiving => 1,
        PartnerRole::Ordering => 2,
    }
}

/// A parameter that holds one value: the first one counts; a different second one is an error.
fn single<T>(
    parameters: &[Parameter],
    kind: ParameterKind,
    link: &mut ParsedLink,
    clean: impl Fn(&str, &str) -> Result<T, ReferenceError>,
) -> Option<T> {
    let mut matching = parameters.iter().filter(|parameter| parameter.kind == kind);
    let first = matching.next()?;
    if matching.any(|other| other.value.trim() != first.value.trim()) {
        link.errors.push(ReferenceError::Conflicting {
            parameter: first.name.clone(),
        });
    }
    match clean(&first.name, &first.value) {
        Ok(value) => Some(value),
        Err(error) => {
            link.errors.push(error);
            None
        }
    }
}

/// Calls `each` for every item of a list value, or reports the value as empty.
fn each_value(
    value: &str,
    parameter: &str,
    link: &mut ParsedLink,
    mut each: impl FnMut(&str, &mut ParsedLink),
) {
    let mut any = false;
    for item in split_list(value) {
        any = true;
        each(item, link);
    }
    if !any {
        link.errors.push(ReferenceError::Empty {
            parameter: parameter.to_owned(),
        });
    }
}

fn each_reference(
    parameter: &Parameter,
    link: &mut ParsedLink,
    make: impl Fn(String) -> Reference,
) {
    each_value(&parameter.value, &parameter.name, link, |item, link| {
        link.push(clean_reference(&parameter.name, item).map(&make));
    });
}

/// A tracking-number item: a GS1 element string gives typed GS1 keys; anything else is one or
/// more carrier numbers.
fn tracking_numbers(
    parameter: &str,
    item: &str,
    carrier_hint: Option<&str>,
    link: &mut ParsedLink,
) {
    for token in split_numbers(item) {
        if push_element_string(parameter, token, link) {
            continue;
        }
        link.push(
            clean_number(parameter, token).map(|number| Reference::TrackingNumber {
                number,
                carrier_hint: carrier_hint.map(str::to_owned),
            }),
        );
    }
}

/// Pushes the GS1 keys of `token` if it is an element string (`(00)…`); tells whether it was.
fn push_element_string(parameter: &str, token: &str, link: &mut ParsedLink) -> bool {
    match gs1::element_string(parameter, token) {
        Some(found) => {
            for found in found {
                link.push(found);
            }
            true
        }
        None => false,
    }
}

/// A value with no parameter name: typed by its form. GS1 element strings, `00` + SSCC and
/// 18-digit numbers whose GS1 check digit holds are SSCCs; everything else is a tracking number.
fn bare_values(value: &str, link: &mut ParsedLink) {
    const PARAMETER: &str = "input";
    let value = percent_decode(value, false);
    each_value(&value, PARAMETER, link, |item, link| {
        for token in split_numbers(item) {
            if push_element_string(PARAMETER, token, link) {
                continue;
            }
            let found = clean_number(PARAMETER, token).and_then(|compact| {
                if let Some(digits) = gs1::unbracketed_sscc(&compact) {
                    return gs1::sscc(PARAMETER, digits);
                }
                let is_sscc = compact.len() == 18 && gs1::sscc(PARAMETER, &compact).is_ok();
                Ok(if is_sscc {
                    Reference::Sscc { number: compact }
                } else {
                    Reference::TrackingNumber {
                        number: compact,
                        carrier_hint: None,
                    }
                })
            });
            link.push(found);
        }
    });
}

/// The `vp`/`vpref` (or `ep`, `ap`) parameters of one role, paired up.
struct Partners {
    role: PartnerRole,
    /// Whether any partner id parameter was there, valid or not.
    id_given: Option<String>,
    ids: Vec<String>,
    /// The first number parameter's name, and the numbers of all of them.
    number_parameter: Option<String>,
    numbers: Vec<Result<String, ReferenceError>>,
    emitted: bool,
}

impl Partners {
    fn collect(role: PartnerRole, parameters: &[Parameter], link: &mut ParsedLink) -> Self {
        let mut partners = Partners {
            role,
            id_given: None,
            ids: Vec::new(),
            number_parameter: None,
            numbers: Vec::new(),
            emitted: false,
        };
        for parameter in parameters {
            if parameter.kind == ParameterKind::PartnerId(role) {
                partners
                    .id_given
                    .get_or_insert_with(|| parameter.name.clone());
                each_value(&parameter.value, &parameter.name, link, |item, link| {
                    match clean_reference(&parameter.name, item) {
                        Ok(id) => partners.ids.push(id),
                        Err(error) => link.errors.push(error),
                    }
                });
            } else if parameter.kind == ParameterKind::PartnerNumber(role) {
                partners
                    .number_parameter
                    .get_or_insert_with(|| parameter.name.clone());
                let mut any = false;
                for item in split_list(&parameter.value) {
                    any = true;
                    partners
                        .numbers
                        .push(clean_reference(&parameter.name, item));
                }
                if !any {
                    partners.numbers.push(Err(ReferenceError::Empty {
                        parameter: parameter.name.clone(),
                    }));
                }
            }
        }
        partners.ids.dedup();
        partners
    }

    /// Pairs ids and numbers: one id goes with every number, or the n-th id with the n-th number.
    fn emit(&self, link: &mut ParsedLink) {
        let (id_name, _) = partner_parameter_names(self.role);
        let number_parameter = self.number_parameter.clone().unwrap_or_default();
        if self.id_given.is_none() {
            link.errors.push(ReferenceError::MissingPairHalf {
                present: number_parameter,
                missing: id_name,
                role: RoleName(self.role),
            });
            return;
        }
        if self.ids.len() > 1 && self.ids.len() != self.numbers.len() {
            link.errors.push(ReferenceError::PairCountMismatch {
                id_parameter: self.id_given.clone().unwrap_or_default(),
                ids: self.ids.len(),
                number_parameter,
                numbers: self.numbers.len(),
            });
            return;
        }
        for (index, number) in self.numbers.iter().enumerate() {
            let partner_id = match self.ids.as_slice() {
                [] => None,
                [only] => Some(only),
                ids => ids.get(index),
            };
            match (number, partner_id) {
                (Ok(number), Some(partner_id)) => link.push(Ok(Reference::PartnerReference {
                    role: self.role,
                    partner_id: partner_id.clone(),
                    number: number.clone(),
                })),
                // The id was there but broken: its own error says so.
                (Ok(_), None) => {}
                (Err(error), _) => link.errors.push(error.clone()),
            }
        }
    }

    fn report_missing_numbers(&self, link: &mut ParsedLink) {
        if let (Some(present), None) = (&self.id_given, &self.number_parameter) {
            let (_, number_name) = partner_parameter_names(self.role);
            link.errors.push(ReferenceError::MissingPairHalf {
                present: present.clone(),
                missing: number_name,
                role: RoleName(self.role),
            });
        }
    }
}
