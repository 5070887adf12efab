//! Whether a stored connection may run an action, and running it there.
//!
//! Before calling Zoom: an admin action refuses a user connection, and the
//! connection's granted scopes must include one of the action's scopes
//! (classic or granular; a user scope is also satisfied by its `:admin`
//! form). Zoom's own "does not contain scopes" answer (code 4711) becomes the
//! same error. A 401 code 124 renews the token once and runs the action
//! once more; a second 401 is an authentication error.

use crate::auth::{Access, Connections};
use crate::error::HostError;
use crate::host::Host;
use crate::model::{ActionInfo, ConnectionKind, RawReply};
use crate::registry::LoadedAction;

/// Checks that `access` may run the action described by `info`.
pub fn check_access(info: &ActionInfo, access: &Access) -> Result<(), HostError> {
    if info.connection == ConnectionKind::Admin && access.kind == ConnectionKind::User {
        let twin = info
            .name
            .strip_suffix("-admin")
            .map(|t| format!(", or run its user version {t} on this connection"))
            .unwrap_or_default();
        return Err(HostError::Auth(format!(
            "{} is an admin action and connection '{}' is a user connection; connect an admin with `wrk-zoom auth login --admin` or `wrk-zoom auth s2s --account-id ID` and pass --connection NAME{twin}",
            info.name, access.name
        )));
    }
    // Unknown grants (no `scope` in the token response) are left to Zoom.
    if access.scopes.is_empty() {
        return Ok(());
    }
    let needed = info.scopes.all();
    if needed.is_empty() {
        return Ok(());
    }
    let granted = |scope: &str| {
        access
            .scopes
            .iter()
            .any(|g| g == scope || *g == format!("{scope}:admin"))
    };
    if needed.iter().any(|s| granted(s)) {
        return Ok(());
    }
    Err(missing_scope_error(&info.name, access, needed))
}

/// "{action} needs one of the scopes ..., which connection X was not
/// granted; add ... and log in again".
pub fn missing_scope_error(action: &str, access: &Access, needed: Vec<String>) -> HostError {
    HostError::MissingScope {
        action: action.to_string(),
        connection: access.name.clone(),
        needed,
        fix: format!(
            "add one of them to your Zoom app (Zoom App Marketplace > Manage > your app > Scopes), then run `{}`",
            access.relogin_command()
        ),
    }
}

/// The scopes named in Zoom's 4711 message
/// (`Invalid access token, does not contain scopes:[a, b].`).
fn scopes_in_4711(message: &str) -> Vec<String> {
    let Some(start) = message.find('[') else {
        return Vec::new();
    };
    let Some(end) = message[start..].find(']') else {
        return Vec::new();
    };
    message[start + 1..start + end]
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// Turns Zoom's 4711 into the missing-scope error.
fn map_scope_error(info: &ActionInfo, access: &Access, error: HostError) -> HostError {
    match error {
        HostError::Zoom {
            code: Some(4711),
            message,
            ..
        } => {
            let mut needed = scopes_in_4711(&message);
            if needed.is_empty() {
                needed = info.scopes.all();
            }
            missing_scope_error(&info.name, access, needed)
        }
        other => other,
    }
}

fn is_token_rejected(error: &HostError) -> bool {
    matches!(
        error,
        HostError::Zoom {
            status: 401,
            code: Some(124),
            ..
        }
    )
}

/// How long a token should stay valid for a run that follows every page:
/// it is renewed before the run when it has less left (at most half its
/// lifetime, i.e. 30 minutes for Zoom's one-hour tokens).
pub const LONG_RUN: std::time::Duration = std::time::Duration::from_secs(30 * 60);

/// Runs the resolved `action` once on stored connection `name` (see the
/// module docs).
pub(super) async fn run_action_on_connection(
    host: &Host,
    connections: &Connections,
    name: &str,
    action: &LoadedAction,
    params: &[(String, String)],
) -> Result<RawReply, HostError> {
    let info = &action.info;
    let access = connections.access(name).await?;
    check_access(info, &access)?;
    match host.run_action_text(action, &access.zoom, params).await {
        Err(e) if is_token_rejected(&e) => {
            tracing::debug!(
                connection = name,
                "Zoom refused the token (code 124); renewing once"
            );
            let renewed = connections.renew_after_rejection(&access).await?;
            match host.run_action_text(action, &renewed.zoom, params).await {
                Err(HostError::Zoom {
                    status: 401,
                    code,
                    message,
                    ..
                }) => Err(HostError::Auth(format!(
                    "Zoom refused the renewed token of connection '{name}' as well ({}{message}); connect it again with `{}`",
                    code.map(|c| format!("code {c}: ")).unwrap_or_default(),
                    renewed.relogin_command()
                ))),
                other => other.map_err(|e| map_scope_error(info, &renewed, e)),
            }
        }
        other => other.map_err(|e| map_scope_error(info, &access, e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_scopes_out_of_zoom_4711() {
        assert_eq!(
            scopes_in_4711(
                "Invalid access token, does not contain scopes:[meeting:read, meeting:read:list_meetings]."
            ),
            vec!["meeting:read", "meeting:read:list_meetings"]
        );
        assert!(scopes_in_4711("no scopes here").is_empty());
    }
}
