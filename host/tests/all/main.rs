//! The `wrk-zoom` command line as a user sees it: stdout, stderr, exit codes.

mod auth;
mod cli;
mod mcp;
mod serve;

/// The compiled-code cache the CLI tests share: under cargo's per-target
/// temporary directory, private to whoever builds (never a fixed name under
/// `/tmp` that another local user could create first), kept across runs.
pub fn cache_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("wrk-zoom-cli-cache")
}

/// A private temporary directory, removed when dropped.
pub fn temp_dir(prefix: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(prefix)
        .tempdir()
        .expect("create a temporary directory")
}
