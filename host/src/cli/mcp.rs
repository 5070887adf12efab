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
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
    ListToolsResult, PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool,
    ToolAnnotations,
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
    info.method == "GET" && info.path != "/"
}

/// The MCP tool of an action.
fn tool(info: &ActionInfo) -> Tool {
    let schema = match wrk_zoom::json_schema::parameters(info) {
        serde_json::Value::Object(schema) => schema,
        _ => serde_json::Map::new(),
    };
    let generic = info.path == "/";
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

/// The MCP server: the actions it exposes and how it calls them.
#[derive(Clone)]
pub struct Tools {
    host: Arc<Host>,
    infos: Arc<Vec<ActionInfo>>,
    credentials: Credentials,
    connections: Option<Arc<Connections>>,
}

impl Tools {
    /// Every action of `host`, called on the stored connections (for
    /// `serve`'s `/mcp`).
    pub async fn stored(
        host: Arc<Host>,
        connections: Option<Arc<Connections>>,
    ) -> Result<Tools, HostError> {
        Ok(Tools {
            infos: Arc::new(host.describe_all().await?),
            host,
            credentials: Credentials::Stored(None),
            connections,
        })
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
        Ok(ListToolsResult::with_all_items(
            self.infos.iter().map(tool).collect(),
        ))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let name = request.name.as_ref();
        if !self.infos.iter().any(|i| i.name == name) {
            return Err(ErrorData::invalid_params(
                format!("there is no tool '{name}' (tools/list names them)"),
                None,
            ));
        }
        let result = match self.call(name, request.arguments.unwrap_or_default()).await {
            Ok(body) => CallToolResult::structured(body),
            Err(error) => CallToolResult::error(vec![ContentBlock::text(error.to_string())]),
        };
        Ok(result.into())
    }
}

pub async fn mcp(args: McpArgs, store: &super::Store) -> Result<(), HostError> {
    let host = Host::new(HostConfig::default())?;
    let mut infos = host.describe_all().await?;
    if !args.actions.is_empty() {
        for name in &args.actions {
            host.info(name).await?;
        }
        infos.retain(|i| args.actions.contains(&i.name));
    }
    if args.read_only {
        infos.retain(reads_only);
    }
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
        infos: Arc::new(infos),
        credentials,
        connections,
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
pub fn http_service(
    tools: Tools,
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
    StreamableHttpService::new(move || Ok(tools.clone()), Default::default(), config)
}
