//! End-to-end tests: the real action components in the real host against
//! the Zoom simulator on 127.0.0.1. One binary, a module per topic.

mod actions;
mod auth;
mod conformance;
mod encoding;
mod every_action;
mod hostile;
mod isolation;
mod outputs;
mod pagination;
mod resilience;
mod swap;
mod transport;
mod validation;

/// This package's directory, read when the tests run (cargo sets it), not
/// baked in at build time: a target directory shared by two checkouts must
/// not read the other's files.
fn manifest_dir() -> String {
    std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").into())
}
