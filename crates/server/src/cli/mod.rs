//! Command-line commands that are not servers: they read input, call core and print JSON.

pub mod detect;
pub mod normalize;
pub mod refs;
