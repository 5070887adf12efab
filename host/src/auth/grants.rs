//! What a token grant does to a stored connection: the token request that
//! renews one, applying its answer, a first connection from a grant, and
//! the error of a connection that needs a new login.

use super::access::relogin_command;
use super::oauth::{self, ClientCredentials, OAuthFailure, TokenGrant};
use super::store::{Grant, Secret, StoredConnection};
use crate::error::HostError;
use crate::model::ConnectionKind;
#[cfg(feature = "test-hooks")]
use std::time::Duration;

/// The token request that renews `current`'s grant.
pub(super) async fn exchange(current: &StoredConnection) -> Result<TokenGrant, OAuthFailure> {
    #[cfg(feature = "test-hooks")]
    stall_renewal().await;
    let credentials = ClientCredentials {
        client_id: current.client_id.clone(),
        client_secret: current.client_secret.clone(),
    };
    match current.grant {
        Grant::AuthorizationCode => match &current.refresh_token {
            Some(rt) => oauth::refresh(&credentials, &current.oauth_base, rt).await,
            None => Err(OAuthFailure::InvalidGrant(
                "no refresh token is stored".into(),
            )),
        },
        Grant::AccountCredentials => match &current.account_id {
            Some(id) => oauth::account_credentials(&credentials, &current.oauth_base, id).await,
            None => Err(OAuthFailure::InvalidGrant("no account ID is stored".into())),
        },
    }
}

/// Test hook (cargo feature `test-hooks`, never in a shipped binary):
/// `WRK_ZOOM_TEST_STALL_RENEWAL_MS` makes the exchange slow (the lock held,
/// nothing sent yet), so a test can kill the process mid-renewal or outlast
/// the time limit (see host/tests/all/cluster.rs).
#[cfg(feature = "test-hooks")]
async fn stall_renewal() {
    if let Some(ms) = std::env::var("WRK_ZOOM_TEST_STALL_RENEWAL_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
}

/// Applies a token grant to a connection.
pub fn apply_grant(connection: &mut StoredConnection, grant: TokenGrant, now: i64) {
    connection.access_token = grant.access_token;
    if grant.refresh_token.is_some() {
        connection.refresh_token = grant.refresh_token;
    }
    connection.expires_at = now + grant.expires_in;
    connection.lifetime_secs = grant.expires_in;
    if !grant.scopes.is_empty() {
        connection.scopes = grant.scopes;
    }
    if let Some(api_base) = grant.api_base {
        connection.api_base = api_base;
    }
    connection.needs_login = None;
    connection.granted_at = now;
}

pub(super) fn needs_login(name: &str, c: &StoredConnection, reason: &str) -> HostError {
    HostError::NeedsLogin {
        connection: name.to_string(),
        reason: reason.to_string(),
        fix: format!(
            "run `{}` to connect it again",
            relogin_command(name, c.kind, c.grant, c.account_id.as_deref())
        ),
    }
}

/// A connection built from a first grant.
#[allow(clippy::too_many_arguments)]
pub fn new_connection(
    kind: ConnectionKind,
    grant_kind: Grant,
    credentials: &ClientCredentials,
    oauth_base: &str,
    default_api_base: &str,
    account_id: Option<String>,
    grant: TokenGrant,
    now: i64,
) -> StoredConnection {
    let mut connection = StoredConnection {
        kind,
        grant: grant_kind,
        client_id: credentials.client_id.clone(),
        client_secret: credentials.client_secret.clone(),
        oauth_base: oauth_base.trim_end_matches('/').to_string(),
        api_base: default_api_base.to_string(),
        account_id,
        access_token: Secret::default(),
        refresh_token: None,
        expires_at: 0,
        lifetime_secs: 0,
        scopes: Vec::new(),
        needs_login: None,
        granted_at: now,
        renewals: 0,
    };
    apply_grant(&mut connection, grant, now);
    connection
}
