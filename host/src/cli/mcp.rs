//! `wrk-zoom mcp`: every action as a Model Context Protocol tool over
//! stdio ([`wrk_zoom::server::mcp::Tools`]); this reads the flags into
//! the tools' selection and credentials.

use clap::Args;
use rmcp::ServiceExt;
use std::sync::Arc;
use wrk_zoom::call::ConnectionRequest;
use wrk_zoom::server::mcp::{Credentials, Tools};
use wrk_zoom::{Host, HostConfig, HostError, ZoomConnection};

#[derive(Args)]
pub struct McpArgs {
    /// Expose only these actions (comma-separated names).
    #[arg(long, value_delimiter = ',', value_name = "NAMES")]
    actions: Vec<String>,
    /// Expose only actions that change nothing (GET endpoints, no api-call).
    #[arg(long)]
    read_only: bool,
    /// Zoom API base URL (with --token).
    #[arg(long, env = "ZOOM_API_BASE", default_value = wrk_zoom::auth::DEFAULT_API_BASE)]
    api_base: String,
    /// OAuth access token; without it the stored connections are used.
    #[arg(long, env = "ZOOM_ACCESS_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Stored connection for every call (else the default of each action's kind).
    #[arg(long, value_name = "NAME")]
    connection: Option<String>,
    /// Run against the built-in Zoom simulator with demo tokens, not your account.
    #[arg(long, conflicts_with_all = ["token", "connection"])]
    sandbox: bool,
}

pub async fn mcp(args: McpArgs, store: &super::Store) -> Result<(), HostError> {
    let host = Host::new(HostConfig::from_env()?)?;
    for name in &args.actions {
        host.info(name).await?;
    }
    let credentials: Credentials = if args.sandbox {
        let sim = Arc::new(super::sandbox::start_in_process().await?);
        eprintln!(
            "sandbox: tools run against the built-in Zoom simulator at {} with demo tokens; this is not your Zoom account",
            sim.base_url()
        );
        Arc::new(move |kind| ConnectionRequest::token(super::sandbox::demo_connection(&sim, kind)))
    } else {
        match args.token.filter(|t| !t.is_empty()) {
            Some(access_token) if args.connection.is_none() => {
                let token = ZoomConnection {
                    access_token,
                    api_base: args.api_base,
                    account: None,
                };
                Arc::new(move |_| ConnectionRequest::token(token.clone()))
            }
            _ => {
                let on = ConnectionRequest {
                    connection: args.connection,
                    token: None,
                };
                Arc::new(move |_| on.clone())
            }
        }
    };
    let connections = match credentials(wrk_zoom::model::ConnectionKind::User).uses_store() {
        true => Some(Arc::new(store.open().await?)),
        false => None,
    };
    let host = Arc::new(super::Store::share_pacing(host, connections.as_deref()));
    let tools = Tools::new(host, connections)
        .only(args.actions)
        .await?
        .read_only(args.read_only)
        .on(credentials);
    let running = tools
        .serve(rmcp::transport::stdio())
        .await
        .map_err(|e| HostError::Internal(format!("the MCP session did not start: {e}")))?;
    running
        .waiting()
        .await
        .map_err(|e| HostError::Internal(format!("the MCP session failed: {e}")))?;
    Ok(())
}
