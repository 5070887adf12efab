//! A usable token of a stored connection ([`Access`]), and the command
//! that connects one again.

use super::store::{Grant, StoredConnection};
use crate::connection::ZoomConnection;
use crate::model::ConnectionKind;

/// A usable token of a stored connection.
#[derive(Clone)]
pub struct Access {
    /// The connection's name.
    pub name: String,
    /// User or admin.
    pub kind: ConnectionKind,
    /// How its tokens are granted.
    pub grant: Grant,
    /// Scopes Zoom granted (empty when Zoom did not say).
    pub scopes: Vec<String>,
    /// When the access token expires (Unix seconds).
    pub expires_at: i64,
    /// The Zoom account, when known.
    pub account_id: Option<String>,
    /// Token and API base for [`crate::Host::run`].
    pub zoom: ZoomConnection,
}

impl std::fmt::Debug for Access {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Access")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("grant", &self.grant)
            .field("scopes", &self.scopes)
            .field("expires_at", &self.expires_at)
            .field("api_base", &self.zoom.api_base)
            .finish_non_exhaustive()
    }
}

impl Access {
    pub(super) fn from_stored(name: &str, c: &StoredConnection) -> Access {
        Access {
            name: name.to_string(),
            kind: c.kind,
            grant: c.grant,
            scopes: c.scopes.clone(),
            expires_at: c.expires_at,
            account_id: c.account_id.clone(),
            zoom: ZoomConnection {
                access_token: c.access_token.expose().to_string(),
                api_base: c.api_base.clone(),
                // Connections to one account share its rate limits.
                account: Some(
                    c.account_id
                        .clone()
                        .unwrap_or_else(|| format!("connection:{name}")),
                ),
            },
        }
    }

    /// The command that renews this connection's grant from scratch.
    pub fn relogin_command(&self) -> String {
        relogin_command(
            &self.name,
            self.kind,
            self.grant,
            self.account_id.as_deref(),
        )
    }
}

/// `wrk-zoom auth login ...` or `wrk-zoom auth s2s ...` for a connection.
pub fn relogin_command(
    name: &str,
    kind: ConnectionKind,
    grant: Grant,
    account_id: Option<&str>,
) -> String {
    match grant {
        Grant::AccountCredentials => format!(
            "wrk-zoom auth s2s --account-id {} --connection {name}",
            account_id.unwrap_or("ACCOUNT_ID")
        ),
        Grant::AuthorizationCode => match kind {
            ConnectionKind::Admin => format!("wrk-zoom auth login --admin --connection {name}"),
            ConnectionKind::User => format!("wrk-zoom auth login --connection {name}"),
        },
    }
}
