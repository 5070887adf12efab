//! The wrk-zoom host: runs Zoom actions compiled as WebAssembly components.
//!
//! An embedder needs [`Host`] (load, describe, plan, run and swap actions),
//! [`HostConfig`] and [`CallLimits`], a [`ZoomConnection`] (token and API
//! base) or the stored connections of [`auth`], [`paginate`] to follow every
//! page, [`rate_limit`] to configure pacing and retries, and [`HostError`]
//! with its [`ErrorCategory`]. `host/examples/embed.rs` is a complete
//! program.
//!
//! Inside, dependencies run one way: [`Host`] → registry and runtime
//! (engine, compiler, one store per call) → egress (allow-list, stand-in
//! token, paced and safe retries) → rate limits → nothing of ours.
//!
//! The `wrk-zoom` binary (`src/main.rs`, feature `cli`) is a thin command
//! line over this library; the library builds without it
//! (`cargo tree -p wrk-zoom --no-default-features -e normal`).

#![warn(missing_docs)]

pub mod auth;
pub mod clock;
mod connection;
mod egress;
mod error;
mod host;
pub mod json_schema;
pub mod model;
pub mod paginate;
#[cfg(feature = "postgres")]
pub mod postgres;
pub mod rate_limit;
mod registry;
mod runtime;
pub mod transport;
pub mod watch;
mod zoom_hosts;

pub use connection::{ZoomConnection, normalize_api_base, url_origin};
pub use error::{ErrorCategory, HostError};
pub use host::{Host, HostConfig, builtin_component, default_cache_dir, default_cache_key_file};
pub use registry::{ComponentSource, LoadedAction};
pub use runtime::limits::CallLimits;
pub use zoom_hosts::is_zoom_origin;
