//! Command-line commands that are not servers: they read input, call core and print JSON, or
//! manage the proxy's access database and signed links.

pub mod access;
pub mod detect;
pub mod normalize;
pub mod refs;
