//! Routes of the merchant's proxy that others need besides core and the proxy: the widget's loader
//! (`js/trackline.js`) asks for a page's answers ahead by [`ANSWERS_ROUTE`], written into it by
//! the widget's build. This file has no dependencies, so that the widget's build script can
//! include it as it is.

/// The proxy's route, under its base, that answers ahead the requests a widget will make for its
/// page's address: a form with `page`, and the widget's `carrier` and `lang`
/// ([`PageRequests::of_page`](crate::reference::page::PageRequests::of_page)).
pub const ANSWERS_ROUTE: &str = "/answers";
