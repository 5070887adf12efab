//! Connections: the host owns every Zoom credential.
//!
//! - `store`: where connections live ([`TokenStore`], [`FileStore`]: one
//!   JSON file, mode 0600, atomic writes, a cross-process lock;
//!   [`MemoryStore`]; other backends behind [`StoreSettings`], chosen in
//!   [`crate::backends`]);
//! - `oauth`: talking to Zoom's OAuth endpoints (refresh,
//!   Server-to-Server, the code exchange) and where secrets may go
//!   ([`StoredBases`]);
//! - `login`: signing in through a browser ([`login()`]: authorization
//!   code with PKCE on a loopback redirect);
//! - `connections`: fresh tokens on demand ([`Connections`]: refresh ahead
//!   of expiry, single-flight inside a process, locked across processes,
//!   rotated refresh tokens saved before use);
//! - `access`: a usable token ([`Access`]) and the command that connects a
//!   connection again;
//! - `grants`: what a token grant does to a stored connection (the renewing
//!   request, applying the answer, a first connection);
//! - `names`: what a connection may be called.
//!
//! Each item has one public path: `wrk_zoom::auth::Item`. Running a call on
//! a connection is [`crate::call`]'s. Components never see any of this:
//! [`crate::Host::run`] hands them a per-call stand-in token (see `egress`).

mod access;
mod connections;
mod grants;
mod login;
mod names;
mod oauth;
mod store;

pub use access::{Access, relogin_command};
pub use connections::{Connections, RENEWAL_TIME_LIMIT};
pub use grants::{apply_grant, new_connection};
pub use login::{LoginFailure, LoginOptions, account_id_of, login};
pub use names::{
    CONNECTION_NAME_PATTERN, CONNECTION_NAME_RULE, MAX_CONNECTION_NAME_LEN, check_connection_name,
};
pub use oauth::{
    ALLOW_BASE_VAR, ClientCredentials, OAuthFailure, StoredBases, TokenGrant, account_credentials,
    check_oauth_base,
};
pub use store::{
    ConnectionGuard, Defaults, FileStore, Grant, MemoryStore, STORE_VERSION, Secret, StoreData,
    StoreError, StoreFinding, StoreGuard, StoreSettings, StoredConnection, TokenStore,
};

/// Default Zoom OAuth base (`/oauth/authorize`, `/oauth/token`).
pub const DEFAULT_OAUTH_BASE: &str = "https://zoom.us";
/// Default Zoom API base when the token response names none.
pub const DEFAULT_API_BASE: &str = "https://api.zoom.us/v2";
