//! `wrk-zoom mcp`: every action as a Model Context Protocol tool, over
//! stdio, with the official Rust SDK (`rmcp`). A tool's input schema is the
//! action's JSON Schema ([`wrk_zoom::json_schema`]); its annotations come
//! from the endpoint (GET read-only, DELETE destructive, GET/PUT/DELETE
//! idempotent). A call runs through the same host path as `wrk-zoom run`
//! (connections, scopes, pacing, stand-in tokens) and answers the JSON
//! result as structured content, or an error with the same one sentence.

use super::run::json_params;
use clap::Args;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, ErrorCode,
    Implementation, ListToolsResult, PaginatedRequestParams, ServerCapabilities, ServerConfig,
    Tool, ToolAnnotations,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler, ServiceExt};
use std::sync::Arc;
use wrk_zoom::auth::{self, ConnectionRequest, Connections};
use wrk_zoom::model::{ActionInfo, ConnectionKind};
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

/// Whether an action only reads.
fn reads_only(info: &ActionInfo) -> bool {
    info.method == "GET" && !info.is_raw_call()
}

/// The MCP tool of an action.
fn tool(info: &ActionInfo) -> Tool {
    let schema = match wrk_zoom::json_schema::parameters(info) {
        serde_json::Value::Object(schema) => schema,
        _ => serde_json::Map::new(),
    };
    let generic = info.is_raw_call();
    let description = format!(
        "{}. Zoom {} {} on {} connection (rate label {:?}); scopes: {}.",
        info.title,
        if generic { "any" } else { info.method.as_str() },
        if generic { "path" } else { info.path.as_str() },
        match info.connection {
            ConnectionKind::User => "the user's own",
            ConnectionKind::Admin => "an admin",
        },
        info.rate,
        match info.scopes.all() {
            scopes if scopes.is_empty() => "those of the endpoint called".to_string(),
            scopes => scopes.join(" or "),
        },
    );
    let mut annotations = ToolAnnotations::new();
    annotations.title = Some(info.title.clone());
    annotations.read_only_hint = Some(reads_only(info));
    annotations.destructive_hint = Some(generic || info.method == "DELETE");
    annotations.idempotent_hint =
        Some(!generic && matches!(info.method.as_str(), "GET" | "PUT" | "DELETE"));
    annotations.open_world_hint = Some(true);
    Tool::new(info.name.clone(), description, schema)
        .with_title(info.title.clone())
        .with_annotations(annotations)
}

/// Where a tool call's Zoom credentials come from.
#[derive(Clone)]
enum Credentials {
    /// The built-in simulator's demo tokens.
    Sandbox(Arc<zoom_simulator::RunningSimulator>),
    /// One access token for every call.
    Token { token: String, api_base: String },
    /// Stored connections: this one, or the default of each action's kind.
    Stored(Option<String>),
}

/// Which of the host's actions are tools.
#[derive(Clone, Default)]
struct Selection {
    /// Only these names (every action when empty).
    names: Arc<Vec<String>>,
    /// Only actions that change nothing.
    read_only: bool,
}

/// The MCP server: the actions it exposes and how it calls them.
#[derive(Clone)]
pub struct Tools {
    host: Arc<Host>,
    selection: Selection,
    credentials: Credentials,
    connections: Option<Arc<Connections>>,
    /// Under `serve`: its call slots and metrics, and its callers see
    /// errors without internal details.
    served: Option<Arc<super::serve::Calls>>,
}

impl Tools {
    /// Every action of `host`, called on the stored connections, taking
    /// `calls`' slots and counted in its metrics (for `serve`'s `/mcp`).
    pub(super) fn served(
        host: Arc<Host>,
        connections: Option<Arc<Connections>>,
        calls: Arc<super::serve::Calls>,
    ) -> Tools {
        Tools {
            host,
            selection: Selection::default(),
            credentials: Credentials::Stored(None),
            connections,
            served: Some(calls),
        }
    }

    /// The selected actions as the host has them now: an action swapped in
    /// from `serve --actions-dir` shows with its new description.
    async fn infos(&self) -> Result<Vec<ActionInfo>, HostError> {
        let mut infos = self.host.describe_all().await?;
        let Selection { names, read_only } = &self.selection;
        infos.retain(|i| {
            (names.is_empty() || names.contains(&i.name)) && (!read_only || reads_only(i))
        });
        Ok(infos)
    }

    /// What a caller is told of `error` (under `serve`, no internal details).
    fn error_text(&self, error: &HostError) -> String {
        match self.served {
            Some(_) => super::serve::public_message(error),
            None => error.to_string(),
        }
    }

    async fn call(
        &self,
        name: &str,
        arguments: serde_json::Map<String, serde_json::Value>,
    ) -> Result<serde_json::Value, HostError> {
        let action = self.host.action(name).await?;
        let params = json_params(arguments);
        let request = match &self.credentials {
            Credentials::Sandbox(sim) => ConnectionRequest {
                connection: None,
                token: Some(super::sandbox::demo_connection(sim, action.info.connection)),
            },
            Credentials::Token { token, api_base } => ConnectionRequest {
                connection: None,
                token: Some(ZoomConnection {
                    access_token: token.clone(),
                    api_base: api_base.clone(),
                    account: None,
                }),
            },
            Credentials::Stored(name) => ConnectionRequest {
                connection: name.clone(),
                token: None,
            },
        };
        let connection =
            auth::resolve(request, self.connections.as_deref(), action.info.connection).await?;
        let reply = connection.run(&self.host, &action, &params).await?;
        Ok(super::run::reply_body(reply))
    }
}

impl ServerHandler for Tools {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("wrk-zoom", env!("CARGO_PKG_VERSION")))
            .with_instructions(
            "Zoom actions of wrk-zoom: meetings, past meetings, recordings, transcripts, reports, Zoom Phone call history and users. Each tool's input schema says its parameters.",
        )
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let infos = self
            .infos()
            .await
            .map_err(|e| ErrorData::internal_error(self.error_text(&e), None))?;
        Ok(ListToolsResult::with_all_items(
            infos.iter().map(tool).collect(),
        ))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let name = request.name.as_ref();
        let infos = self
            .infos()
            .await
            .map_err(|e| ErrorData::internal_error(self.error_text(&e), None))?;
        if !infos.iter().any(|i| i.name == name) {
            if let Some(calls) = &self.served {
                calls.count(name, "unknown-action");
            }
            return Err(ErrorData::invalid_params(
                format!("there is no tool '{name}' (tools/list names them)"),
                None,
            ));
        }
        // Under `serve`, a tool call is a call like any other: it takes a
        // slot (busy when none is free) and counts in /metrics.
        let _slot = match &self.served {
            Some(calls) => match calls.slot(name) {
                Some(slot) => Some(slot),
                None => {
                    return Err(ErrorData::new(
                        ErrorCode(-32000),
                        super::serve::BUSY,
                        Some(serde_json::json!({"error": "busy", "retry_after_seconds": 1})),
                    ));
                }
            },
            None => None,
        };
        let outcome = self.call(name, request.arguments.unwrap_or_default()).await;
        if let Some(calls) = &self.served {
            calls.count(name, outcome.as_ref().map_or_else(|e| e.kind(), |_| "ok"));
        }
        let result = match outcome {
            Ok(body) => CallToolResult::structured(body),
            Err(error) => CallToolResult::error(vec![ContentBlock::text(self.error_text(&error))]),
        };
        Ok(result.into())
    }
}

pub async fn mcp(args: McpArgs, store: &super::Store) -> Result<(), HostError> {
    let host = Host::new(HostConfig::from_env()?)?;
    for name in &args.actions {
        host.info(name).await?;
    }
    let selection = Selection {
        names: Arc::new(args.actions),
        read_only: args.read_only,
    };
    let credentials = if args.sandbox {
        let sim = super::sandbox::start_in_process().await?;
        eprintln!(
            "sandbox: tools run against the built-in Zoom simulator at {} with demo tokens; this is not your Zoom account",
            sim.base_url()
        );
        Credentials::Sandbox(Arc::new(sim))
    } else {
        match args.token.filter(|t| !t.is_empty()) {
            Some(token) if args.connection.is_none() => Credentials::Token {
                token,
                api_base: args.api_base,
            },
            _ => Credentials::Stored(args.connection),
        }
    };
    let connections = match credentials {
        Credentials::Stored(_) => Some(Arc::new(store.open().await?)),
        _ => None,
    };
    let host = Arc::new(super::Store::share_pacing(host, connections.as_deref()));
    let tools = Tools {
        host,
        selection,
        credentials,
        connections,
        served: None,
    };
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

/// `serve`'s `/mcp`: the same tools over MCP's streamable HTTP, stateless,
/// answering JSON (behind the server's API key, which `serve` checks).
///
/// Any `Host` header is accepted unless `allowed_hosts` names some: rmcp's
/// default allows only localhost (a guard against DNS rebinding for servers
/// without credentials), which would refuse every call through a load
/// balancer; here the API key is the gate, and a browser tricked into
/// calling does not have it. An operator who wants the guard as well names
/// the Hosts (`serve --mcp-allowed-host`).
pub fn http_service(
    tools: Tools,
    allowed_hosts: &[String],
) -> rmcp::transport::streamable_http_server::StreamableHttpService<
    Tools,
    rmcp::transport::streamable_http_server::session::never::NeverSessionManager,
> {
    use rmcp::transport::streamable_http_server::{
        StreamableHttpServerConfig, StreamableHttpService,
    };
    let mut config = StreamableHttpServerConfig::default();
    config.legacy_session_mode = false;
    config.json_response = true;
    let config = match allowed_hosts {
        [] => config.disable_allowed_hosts(),
        hosts => config.with_allowed_hosts(hosts.iter().map(|h| h.trim().to_string())),
    };
    StreamableHttpService::new(move || Ok(tools.clone()), Default::default(), config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_tool_list_follows_the_hosts_actions_as_they_are_swapped_in() {
        let host = Arc::new(
            Host::new(HostConfig {
                cache_dir: None,
                builtin_actions: false,
                ..HostConfig::default()
            })
            .unwrap(),
        );
        let tools = Tools {
            host: host.clone(),
            selection: Selection::default(),
            credentials: Credentials::Stored(None),
            connections: None,
            served: None,
        };
        assert!(tools.infos().await.unwrap().is_empty());
        let bytes = wrk_zoom::builtin_component("retrieve-user").unwrap();
        host.swap(wrk_zoom::ComponentSource::Builtin(bytes), None)
            .await
            .unwrap();
        let names: Vec<String> = tools
            .infos()
            .await
            .unwrap()
            .into_iter()
            .map(|i| i.name)
            .collect();
        assert_eq!(names, ["retrieve-user"]);
    }
}
