//! Which connection a call runs on: one rule for every front end,
//! resolved once per call so all of a call's pages run on the same
//! connection.
//!
//! A named stored connection wins; else a bare token; else the stored
//! default of the action's kind (a user action falls back to the default
//! admin connection).

use super::access::{LONG_RUN, check_access, run_action_on_connection};
use crate::auth::Connections;
use crate::connection::ZoomConnection;
use crate::error::HostError;
use crate::host::Host;
use crate::model::{ActionInfo, ConnectionKind, RawReply};
use crate::registry::LoadedAction;

/// What a caller asked to run on.
#[derive(Clone, Debug, Default)]
pub struct ConnectionRequest {
    /// A stored connection by name; wins over `token`.
    pub connection: Option<String>,
    /// A bare access token and its API base.
    pub token: Option<ZoomConnection>,
}

impl ConnectionRequest {
    /// The stored connection `name`.
    pub fn named(name: impl Into<String>) -> ConnectionRequest {
        ConnectionRequest {
            connection: Some(name.into()),
            token: None,
        }
    }

    /// A bare token and its API base.
    pub fn token(token: ZoomConnection) -> ConnectionRequest {
        ConnectionRequest {
            connection: None,
            token: Some(token),
        }
    }

    /// Whether the call may run on a stored connection (so the store must
    /// be opened): anything but a non-empty bare token alone.
    pub fn uses_store(&self) -> bool {
        self.connection.is_some()
            || self
                .token
                .as_ref()
                .is_none_or(|t| t.access_token.is_empty())
    }
}

/// The connection a call runs on.
pub enum CallConnection<'a> {
    /// A bare token, used as given.
    Token(ZoomConnection),
    /// A stored connection, renewed as needed.
    Stored {
        /// The process's connections (one per process, so concurrent
        /// calls share one renewal).
        connections: &'a Connections,
        /// The connection's name.
        name: String,
    },
}

/// Resolves `request` for an action of `kind` (see the module docs).
/// `connections` is the process's store of connections, when it has one.
pub(super) async fn resolve<'a>(
    request: ConnectionRequest,
    connections: Option<&'a Connections>,
    kind: ConnectionKind,
) -> Result<CallConnection<'a>, HostError> {
    if request.connection.is_none()
        && let Some(token) = request.token.filter(|t| !t.access_token.is_empty())
    {
        return Ok(CallConnection::Token(token));
    }
    let Some(connections) = connections else {
        return Err(HostError::NoConnection { kind });
    };
    let name = connections
        .resolve(request.connection.as_deref(), kind)
        .await?
        .ok_or(HostError::NoConnection { kind })?;
    Ok(CallConnection::Stored { connections, name })
}

impl CallConnection<'_> {
    /// Runs `action` once (the body not yet checked to be JSON).
    pub async fn run(
        &self,
        host: &Host,
        action: &LoadedAction,
        params: &[(String, String)],
    ) -> Result<RawReply, HostError> {
        match self {
            CallConnection::Token(connection) => {
                host.run_action_text(action, connection, params).await
            }
            CallConnection::Stored { connections, name } => {
                run_action_on_connection(host, connections, name, action, params).await
            }
        }
    }

    /// Before a run that follows every page: renews a stored token that
    /// could expire during it ([`LONG_RUN`]) and checks the connection may
    /// run the action. Each page still renews (and retries a rejected token
    /// once) as needed. Nothing to do for a bare token.
    pub async fn prepare_long_run(&self, info: &ActionInfo) -> Result<(), HostError> {
        if let CallConnection::Stored { connections, name } = self {
            let access = connections.access_for(name, LONG_RUN).await?;
            check_access(info, &access)?;
        }
        Ok(())
    }
}
