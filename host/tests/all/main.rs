//! The `wrk-zoom` command line as a user sees it: stdout, stderr, exit codes.

mod auth;
mod cli;
mod serve;
