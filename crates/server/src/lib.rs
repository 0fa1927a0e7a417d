//! The `trackline` server: the proxy merchants run, the sandbox carriers, the demo server and the
//! CLI commands. Each capability is a module with its own `Args` (the CLI surface) and, where it
//! serves HTTP, an `app(config) -> Router` so that tests can run it in-process.

pub mod cli;
pub mod data_dir;
pub mod demo;
pub mod proxy;
pub mod sandbox;
pub mod tiles;
pub mod widget_files;

mod logging;
pub use logging::shutdown_signal;
