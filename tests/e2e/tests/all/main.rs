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
mod triggers;
mod validation;

/// This package's directory, read when the tests run (cargo sets it), not
/// baked in at build time: a target directory shared by two checkouts must
/// not read the other's files.
fn manifest_dir() -> String {
    std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").into())
}

/// Every mismatch of `value` with `schema`, one line each with its path.
fn mismatches(schema: &serde_json::Value, value: &serde_json::Value) -> Vec<String> {
    let validator = jsonschema::draft202012::new(schema).expect("the schema compiles");
    validator
        .iter_errors(value)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect()
}
