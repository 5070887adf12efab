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
//!
//! Which token store a process uses is decided in one place,
//! [`backends`] (a directory or a `postgres://` URL); [`auth`] never names
//! a backend.
//!
//! The library reads no environment variable on its own: every type takes
//! plain values, and the command line (the edge) reads the environment
//! through these `from_env` constructors:
//! - [`HostConfig::from_env`] reads those of [`CachePaths::from_env`]
//!   (`WRK_ZOOM_CACHE_DIR`, `XDG_CACHE_HOME`, `HOME`,
//!   `WRK_ZOOM_CACHE_KEY_FILE`, and the configuration directory's),
//!   [`transport::TransportConfig::from_env`] (`WRK_ZOOM_CA_FILE`) and
//!   [`rate_limit::RateLimitConfig::from_env`] (`WRK_ZOOM_PLAN`,
//!   `WRK_ZOOM_PACING`, `WRK_ZOOM_PACING_MARGIN_MS`);
//! - [`backends::StoreSpec::from_env`] and the settings it reads, those of
//!   [`auth::FileStore::from_env`] (`WRK_ZOOM_HOME`, `XDG_CONFIG_HOME`,
//!   `HOME`) and, for PostgreSQL, of `postgres::PostgresConfig::from_env`
//!   (`WRK_ZOOM_STORE_KEY`, `WRK_ZOOM_STORE_OLD_KEYS`,
//!   `WRK_ZOOM_DATABASE_CA_FILE`, `WRK_ZOOM_CA_FILE`,
//!   `WRK_ZOOM_ALLOW_BASE`, `WRK_ZOOM_DATABASE_POOL_SIZE`);
//! - OAuth's requests go through [`transport::shared`], which the command
//!   line sets up with [`transport::configure_shared`] from
//!   [`transport::TransportConfig::from_env`].
//!
//! Test hooks (`WRK_ZOOM_TEST_STALL_*`) exist only with the cargo feature
//! `test-hooks`, which the host's own tests turn on.

#![warn(missing_docs)]

pub mod auth;
pub mod backends;
pub mod clock;
mod connection;
mod declared;
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
pub use host::{CachePaths, Host, HostConfig, builtin_component};
pub use registry::{ComponentSource, LoadedAction};
pub use runtime::limits::CallLimits;
pub use zoom_hosts::is_zoom_origin;
