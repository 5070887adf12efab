//! The wrk-zoom host: runs Zoom actions compiled as WebAssembly components.
//!
//! An embedder needs [`Host`] (load, describe, plan, run and swap actions)
//! with its [`HostConfig`] and [`CallLimits`]; [`call::Caller`], the one
//! call path every front end uses (it resolves the connection, a
//! [`ZoomConnection`] or one stored by [`auth`], runs one call or every page
//! ([`paginate`]) and reports totals); [`rate_limit`] to configure pacing
//! and retries; [`output_schema`] for what an action returns (one answer,
//! every page, a sample); and [`HostError`] with its [`ErrorCategory`]. With the
//! feature `server`, [`server::router`] is the whole HTTP API (actions,
//! OpenAPI, MCP, metrics, health) as an `axum::Router` to mount.
//! `host/examples/embed.rs` is a complete program that does both.
//!
//! Inside, dependencies run one way: front ends (`server`, the CLI) →
//! [`call`] → [`Host`] and [`auth`] (credentials: store, OAuth, renewal) →
//! registry and runtime (engine, compiler, linker, one store per call) →
//! egress (allow-list, stand-in token, paced and safe retries) → rate
//! limits → nothing of ours.
//!
//! A host capability has one shape: its interfaces in the linker
//! (`runtime/linker.rs`), its per-call state as a field of the call's store
//! (`runtime/store.rs`), and, when something outside calls in, a route in
//! [`server`]. Egress is the one there is (`wasi:http` through its hooks).
//! Zoom's events will arrive on a route of the server, and a trigger
//! runtime (`trigger/`, beside [`call`]) will hand them to components.
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
pub mod call;
pub mod clock;
mod connection;
mod egress;
mod error;
pub mod events;
mod host;
pub mod json_schema;
pub mod model;
pub mod output_schema;
pub mod paginate;
#[cfg(feature = "postgres")]
pub mod postgres;
mod private_files;
pub mod rate_limit;
mod registry;
mod runtime;
#[cfg(feature = "server")]
pub mod server;
pub mod transport;
pub mod triggers;
pub mod watch;
mod zoom_hosts;

pub use connection::{ZoomConnection, normalize_api_base, url_origin};
pub use error::{ErrorCategory, HostError, json as error_json};
pub use host::{CachePaths, Host, HostConfig, builtin_component};
pub use registry::{ComponentSource, LoadedAction, read_component_file};
pub use runtime::limits::CallLimits;
pub use zoom_hosts::is_zoom_origin;
