//! Names in a link that others need besides core: the widget's loader (`js/trackline.js`) starts
//! the consumer's catalog before the wasm runs, so it finds the link's language by these names,
//! and keeps the place of the widget's form on a page whose address names nothing, which a GS1
//! Digital Link path does; both are written into it by the widget's build. This file has no
//! dependencies, so that the widget's build script can include it as it is.

/// The names of the link's language parameter, as [`classify`](super::parameter) compares names:
/// lower case, without `-` or `_`.
pub const LANGUAGE: [&str; 3] = ["lang", "language", "locale"];

/// The GS1 Application Identifiers a GS1 Digital Link path carries as a key, each followed by its
/// value: `/00/<SSCC>`, `/401/<GINC>`, `/402/<GSIN>` (`gs1::digital_link` reads them).
pub const DIGITAL_LINK_KEYS: [&str; 3] = [SSCC_AI, GINC_AI, GSIN_AI];
/// The SSCC's Application Identifier.
pub const SSCC_AI: &str = "00";
/// The GINC's (a consignment's) Application Identifier.
pub const GINC_AI: &str = "401";
/// The GSIN's (a shipment's) Application Identifier.
pub const GSIN_AI: &str = "402";
