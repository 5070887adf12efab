//! What a call over the REST API asks for ([`RunRequest`]), checked
//! against the operator's configuration and turned into a prepared call.

use super::Server;
use crate::call::{ConnectionRequest, PreparedCall, params_from_json};
use crate::connection::ZoomConnection;
use crate::error::HostError;

/// The body of `POST /v1/actions/{name}`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RunRequest {
    #[serde(default)]
    params: serde_json::Map<String, serde_json::Value>,
    token: Option<String>,
    api_base: Option<String>,
    connection: Option<String>,
    /// Follow every page of a list (as `wrk-zoom run --all`).
    #[serde(default)]
    pub(super) all: bool,
    /// With `all`: stop after this many items.
    pub(super) max: Option<u64>,
}

fn invalid(field: &str, message: String) -> HostError {
    HostError::InvalidInput {
        field: field.into(),
        message,
    }
}

impl Server {
    /// Checks a request and resolves its action, parameters and connection.
    pub(super) async fn prepare(
        &self,
        name: &str,
        mut request: RunRequest,
    ) -> Result<(PreparedCall<'_>, Vec<(String, String)>), HostError> {
        // An empty token is a mistake, not a request for the stored default.
        if request.token.as_deref() == Some("") {
            return Err(invalid(
                "token",
                "it is empty; send a Zoom access token, or leave \"token\" out to use a stored connection".into(),
            ));
        }
        if let Some(api_base) = &request.api_base {
            if request.connection.is_some() || request.token.is_none() {
                return Err(invalid(
                    "api_base",
                    "it goes only with your own \"token\"; a stored connection uses its own API base"
                        .into(),
                ));
            }
            if !self.config.admits(api_base) {
                return Err(invalid(
                    "api_base",
                    format!(
                        "'{api_base}' is not an API base this server calls (Zoom's own HTTPS hosts, and those its operator allows with --allow-api-base)"
                    ),
                ));
            }
            // One spelling per base: it keys the rate limits.
            let normalized = super::ServerConfig::normalized_base(api_base)
                .map_err(|why| invalid("api_base", why))?;
            request.api_base = Some(normalized);
        }
        if request.max.is_some() && !request.all {
            return Err(invalid(
                "max",
                "goes with \"all\": true (it stops a run that follows every page)".into(),
            ));
        }
        let params = params_from_json(request.params);
        let on = ConnectionRequest {
            connection: request.connection,
            token: request.token.map(|access_token| ZoomConnection {
                access_token,
                api_base: request
                    .api_base
                    .unwrap_or_else(|| self.config.default_api_base.clone()),
                account: None,
            }),
        };
        if request.all {
            let info = self.host.info(name).await?;
            if info.list_key.is_none() {
                return Err(invalid(
                    "all",
                    format!("{name} does not return a paginated list; leave \"all\" out"),
                ));
            }
        }
        let call = self.caller().prepare(name, on).await?;
        Ok((call, params))
    }
}
