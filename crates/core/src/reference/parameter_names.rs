//! Names of link parameters that others need besides core: the widget's loader (`js/trackline.js`)
//! starts the consumer's catalog before the wasm runs, so it finds the link's language by these
//! names, written into it by the widget's build. This file has no dependencies, so that the
//! widget's build script can include it as it is.

/// The names of the link's language parameter, as [`classify`](super::parameter) compares names:
/// lower case, without `-` or `_`.
pub const LANGUAGE: [&str; 3] = ["lang", "language", "locale"];
