//! Connections: the host owns every Zoom credential.
//!
//! - [`store`]: where connections live ([`TokenStore`], [`FileStore`]: one
//!   JSON file, mode 0600, atomic writes, a cross-process lock);
//! - [`oauth`]: talking to Zoom's OAuth endpoints (authorization code with
//!   PKCE on a loopback redirect, refresh, Server-to-Server);
//! - [`connections`]: fresh tokens on demand ([`Connections`]: refresh ahead
//!   of expiry, single-flight inside a process, locked across processes,
//!   rotated refresh tokens saved before use);
//! - [`runner`]: running an action on a stored connection (kind and scope
//!   checks, one refresh-and-retry on 401 code 124).
//!
//! Components never see any of this: [`crate::Host::run`] hands them a
//! per-call stand-in token (see [`crate::egress`]).

pub mod connections;
pub mod oauth;
pub mod runner;
pub mod store;

pub use connections::{Access, Connections};
pub use oauth::{ClientCredentials, OAuthFailure, TokenGrant};
pub use runner::{check_access, missing_scope_error, run_on_connection};
pub use store::{
    Defaults, FileStore, Grant, MemoryStore, Secret, StoreData, StoreGuard, StoredConnection,
    TokenStore,
};

/// Default Zoom OAuth base (`/oauth/authorize`, `/oauth/token`).
pub const DEFAULT_OAUTH_BASE: &str = "https://zoom.us";
/// Default Zoom API base when the token response names none.
pub const DEFAULT_API_BASE: &str = "https://api.zoom.us/v2";

/// Seconds since the Unix epoch.
pub fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// `2026-11-28T21:00:00Z` for Unix seconds.
pub fn format_time(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil date from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn formats_unix_seconds_as_utc() {
        assert_eq!(super::format_time(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::format_time(1_795_900_000), "2026-11-28T21:06:40Z");
    }
}
