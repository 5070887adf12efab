//! Every action as a Model Context Protocol tool ([`Tools`]), with the
//! official Rust SDK (`rmcp`): over stdio (`wrk-zoom mcp`) or streamable
//! HTTP (the server's `/mcp`). A tool's input schema is the action's JSON
//! Schema ([`crate::json_schema`]); its annotations come from the endpoint
//! (GET read-only, DELETE destructive, GET/PUT/DELETE idempotent). A call
//! runs through the one call path ([`crate::call::Caller`]: connections,
//! scopes, pacing, stand-in tokens) and answers the JSON result as
//! structured content, or an error with the same one sentence.

use super::calls::{BUSY, Calls};
use super::errors::public_message;
use crate::auth::Connections;
use crate::call::{Caller, ConnectionRequest, params_from_json};
use crate::error::HostError;
use crate::host::Host;
use crate::model::{ActionInfo, ConnectionKind};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, ErrorCode,
    Implementation, ListToolsResult, PaginatedRequestParams, ServerCapabilities, ServerConfig,
    Tool, ToolAnnotations,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler};
use std::sync::Arc;

/// Whether an action only reads.
fn reads_only(info: &ActionInfo) -> bool {
    info.method == "GET" && !info.is_raw_call()
}

/// The MCP tool of an action.
fn tool(info: &ActionInfo) -> Tool {
    let schema = match crate::json_schema::parameters(info) {
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
    let tool = Tool::new(info.name.clone(), description, schema)
        .with_title(info.title.clone())
        .with_annotations(annotations);
    // What the tool's structured content is (the action's answer, as `run`
    // prints it); MCP asks for an object at the root.
    match crate::output_schema::one_answer(info) {
        Ok(output) => tool.with_raw_output_schema(std::sync::Arc::new(
            crate::output_schema::embedded(&output, true),
        )),
        Err(_) => tool,
    }
}

/// What a tool call of an action of a kind runs on (a fixed token, a
/// stored connection, the simulator's demo token of that kind).
pub type Credentials = Arc<dyn Fn(ConnectionKind) -> ConnectionRequest + Send + Sync>;

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
    /// Under the server: its call slots and metrics, and its callers see
    /// errors without internal details.
    served: Option<Arc<Calls>>,
}

impl Tools {
    /// Every action of `host` as a tool, called on the stored
    /// `connections` (the default of each action's kind).
    pub fn new(host: Arc<Host>, connections: Option<Arc<Connections>>) -> Tools {
        Tools {
            host,
            selection: Selection::default(),
            credentials: Arc::new(|_| ConnectionRequest::default()),
            connections,
            served: None,
        }
    }

    /// Only these actions (every action when empty); an unknown name is
    /// an error.
    pub async fn only(mut self, names: Vec<String>) -> Result<Tools, HostError> {
        for name in &names {
            self.host.info(name).await?;
        }
        self.selection.names = Arc::new(names);
        Ok(self)
    }

    /// Only actions that change nothing (GET endpoints, no api-call).
    pub fn read_only(mut self, read_only: bool) -> Tools {
        self.selection.read_only = read_only;
        self
    }

    /// Calls run on what `credentials` says for each action's kind.
    pub fn on(mut self, credentials: Credentials) -> Tools {
        self.credentials = credentials;
        self
    }

    /// Every action of `host`, called on the stored connections, taking
    /// `calls`' slots and counted in its metrics (for the server's `/mcp`).
    pub(super) fn served(
        host: Arc<Host>,
        connections: Option<Arc<Connections>>,
        calls: Arc<Calls>,
    ) -> Tools {
        Tools {
            served: Some(calls),
            ..Tools::new(host, connections)
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
            Some(_) => public_message(error),
            None => error.to_string(),
        }
    }

    async fn call(
        &self,
        name: &str,
        arguments: serde_json::Map<String, serde_json::Value>,
    ) -> Result<serde_json::Value, HostError> {
        let kind = self.host.info(name).await?.connection;
        let caller = Caller::new(&self.host, self.connections.as_deref());
        let params = params_from_json(arguments);
        let reply = caller.call(name, &params, (self.credentials)(kind)).await?;
        Ok(reply.into_result())
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
                        BUSY,
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

/// The server's `/mcp`: the same tools over MCP's streamable HTTP, stateless,
/// answering JSON (behind the server's API key, which `serve` checks).
///
/// Any `Host` header is accepted unless `allowed_hosts` names some: rmcp's
/// default allows only localhost (a guard against DNS rebinding for servers
/// without credentials), which would refuse every call through a load
/// balancer; here the API key is the gate, and a browser tricked into
/// calling does not have it. An operator who wants the guard as well names
/// the Hosts (`serve --mcp-allowed-host`).
pub(super) fn http_service(
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
            Host::new(crate::HostConfig {
                cache_dir: None,
                builtin_actions: false,
                ..crate::HostConfig::default()
            })
            .unwrap(),
        );
        let tools = Tools::new(host.clone(), None);
        assert!(tools.infos().await.unwrap().is_empty());
        let bytes = crate::builtin_component("retrieve-user").unwrap();
        host.swap(crate::ComponentSource::Builtin(bytes), None)
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
