//! Connections: the host owns every Zoom credential.
//!
//! - [`store`]: where connections live ([`TokenStore`], [`FileStore`]: one
//!   JSON file, mode 0600, atomic writes, a cross-process lock; or
//!   PostgreSQL for several processes, [`StoreLocation`]);
//! - [`oauth`]: talking to Zoom's OAuth endpoints (refresh,
//!   Server-to-Server, the code exchange) and where secrets may go;
//! - [`login`]: signing in through a browser (authorization code with PKCE
//!   on a loopback redirect);
//! - [`connections`]: fresh tokens on demand ([`Connections`]: refresh ahead
//!   of expiry, single-flight inside a process, locked across processes,
//!   rotated refresh tokens saved before use);
//!
//! Running a call on a connection is [`crate::call`]'s. Components never
//! see any of this: [`crate::Host::run`] hands them a per-call stand-in
//! token (see `egress`).

pub mod connections;
pub mod login;
pub mod names;
pub mod oauth;
pub mod store;

pub use connections::{Access, Connections, RENEWAL_TIME_LIMIT};
pub use names::{CONNECTION_NAME_PATTERN, CONNECTION_NAME_RULE, check_connection_name};
pub use oauth::{ClientCredentials, OAuthFailure, TokenGrant};
pub use store::{
    ConnectionGuard, Defaults, FileStore, Grant, MemoryStore, OpenStore, Secret, StoreData,
    StoreError, StoreGuard, StoreLocation, StoredConnection, TokenStore,
};

/// Default Zoom OAuth base (`/oauth/authorize`, `/oauth/token`).
pub const DEFAULT_OAUTH_BASE: &str = "https://zoom.us";
/// Default Zoom API base when the token response names none.
pub const DEFAULT_API_BASE: &str = "https://api.zoom.us/v2";

pub use crate::clock::now_secs;
