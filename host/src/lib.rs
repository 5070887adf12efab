//! The wrk-zoom host: runs Zoom actions compiled as WebAssembly components.
//!
//! One concern per module:
//! - [`engine`]: the wasmtime engine (pooling, copy-on-write images, epochs);
//! - [`registry`]: action name → current component, disk cache, hot swap;
//! - [`state`]: one call's store (WASI, limits, CPU deadline);
//! - [`egress`]: the `wasi:http` hook (allow-list, credential injection,
//!   pacing and retries);
//! - [`limits`]: Zoom's rate limits (token buckets per account and
//!   category) and the retry policy;
//! - [`host`]: loading and calling components ([`Host`]);
//! - [`paginate`]: following `next_page_token`;
//! - [`watch`]: hot swap from an actions directory;
//! - [`auth`]: stored connections, OAuth, token renewal, scope checks;
//! - [`model`] and [`error`]: what the host returns.
//!
//! The `wrk-zoom` binary (`src/main.rs`) is a thin CLI over this library.

pub mod auth;
pub mod bindings;
pub mod clock;
pub mod egress;
pub mod engine;
pub mod error;
pub mod host;
pub mod limits;
pub mod model;
pub mod paginate;
pub mod registry;
pub mod state;
pub mod watch;

pub use error::HostError;
pub use host::{Host, HostConfig, ZoomConnection};
pub use registry::ComponentSource;
pub use state::CallLimits;
