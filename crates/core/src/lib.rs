//! trackline-core: everything Trackline knows about shipments, without doing any IO.
//!
//! The widget (wasm32) and the server (native) both call this crate, so carrier knowledge lives
//! here once. Nothing in it touches the network, the file system, the clock or the DOM: callers
//! pass in what they read and get back values or typed errors.

pub mod carrier;
pub mod flow;
pub mod identifier;
pub mod model;
pub mod order;
pub mod overview;
pub mod proxy_routes;
pub mod reference;
pub mod routing;
pub mod status;
pub mod time;
