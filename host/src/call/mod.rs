//! One call path for every front end: the CLI's `run`, `serve`'s HTTP API,
//! MCP, and embedders all go through [`Caller`], and only translate their
//! inputs into a [`ConnectionRequest`] and parameters, and the answer into
//! their output.
//!
//! A call resolves its action once (every page of a run uses the same
//! component) and its connection once (`resolve`), checks the connection
//! may run the action ([`check_access`]), and runs one page or every page
//! ([`crate::paginate`]). `auth/` only keeps the credentials: the store,
//! OAuth and renewal.

mod access;
mod resolve;

pub use access::{LONG_RUN, check_access, missing_scope_error};
pub use resolve::{CallConnection, ConnectionRequest};

use crate::auth::Connections;
use crate::error::HostError;
use crate::host::Host;
use crate::model::{ActionInfo, RawReply, Reply};
use crate::paginate::{ItemSink, PageSummary};
use crate::registry::LoadedAction;
use std::sync::Arc;

/// Runs actions for a front end: a view of the process's [`Host`] and its
/// stored connections (when it has a store), cheap to copy per call.
#[derive(Clone, Copy)]
pub struct Caller<'a> {
    host: &'a Host,
    connections: Option<&'a Connections>,
}

impl<'a> Caller<'a> {
    /// Calls through `host`, on the stored `connections` when given (one
    /// per process, so concurrent calls share one token renewal).
    pub fn new(host: &'a Host, connections: Option<&'a Connections>) -> Caller<'a> {
        Caller { host, connections }
    }

    /// The host the calls run on.
    pub fn host(&self) -> &'a Host {
        self.host
    }

    /// The stored connections, when the process has a store.
    pub fn connections(&self) -> Option<&'a Connections> {
        self.connections
    }

    /// Resolves `action` and the connection it runs on, once for all the
    /// pages of a call.
    pub async fn prepare(
        &self,
        action: &str,
        on: ConnectionRequest,
    ) -> Result<PreparedCall<'a>, HostError> {
        let action = self.host.action(action).await?;
        let connection = resolve::resolve(on, self.connections, action.info.connection).await?;
        Ok(PreparedCall {
            host: self.host,
            action,
            connection,
        })
    }

    /// Runs `action` once.
    pub async fn call(
        &self,
        action: &str,
        params: &[(String, String)],
        on: ConnectionRequest,
    ) -> Result<Reply, HostError> {
        self.prepare(action, on).await?.run(params).await
    }

    /// Runs `action` over every page of its list (or until `max` items),
    /// handing the items to `sink` as they arrive.
    pub async fn call_all(
        &self,
        action: &str,
        params: &[(String, String)],
        on: ConnectionRequest,
        max: Option<u64>,
        sink: &mut impl ItemSink,
    ) -> Result<PageSummary, HostError> {
        self.prepare(action, on)
            .await?
            .run_all(params, max, sink)
            .await
    }
}

/// An action and the connection it runs on, resolved ([`Caller::prepare`]).
pub struct PreparedCall<'a> {
    host: &'a Host,
    action: Arc<LoadedAction>,
    connection: CallConnection<'a>,
}

impl PreparedCall<'_> {
    /// What the action is.
    pub fn info(&self) -> &ActionInfo {
        &self.action.info
    }

    /// One call (one page of a list).
    pub async fn run(&self, params: &[(String, String)]) -> Result<Reply, HostError> {
        self.connection
            .run(self.host, &self.action, params)
            .await?
            .parse(&self.action.info.name)
    }

    /// [`PreparedCall::run`], the answer's body left as the JSON text the
    /// component returned, to pass on as it is.
    pub async fn run_raw(&self, params: &[(String, String)]) -> Result<RawReply, HostError> {
        self.connection
            .run(self.host, &self.action, params)
            .await?
            .checked(&self.action.info.name)
    }

    /// Every page of the list, or until `max` items: a stored token that
    /// could expire during the run is renewed first, and each page renews
    /// (and retries a rejected token once) as needed.
    pub async fn run_all(
        &self,
        params: &[(String, String)],
        max: Option<u64>,
        sink: &mut impl ItemSink,
    ) -> Result<PageSummary, HostError> {
        self.connection.prepare_long_run(self.info()).await?;
        let run_page = async |page: &[(String, String)]| self.run(page).await;
        crate::paginate::for_each_page_item(self.info(), run_page, params, max, sink).await
    }
}

/// Parameters from a JSON object (`serve`'s `params`, MCP's arguments, a
/// parameter file): strings as they are, anything else (numbers, booleans,
/// objects, arrays) as JSON text, which the component parses.
pub fn params_from_json(
    object: serde_json::Map<String, serde_json::Value>,
) -> Vec<(String, String)> {
    object
        .into_iter()
        .map(|(key, value)| match value {
            serde_json::Value::String(s) => (key, s),
            other => (key, other.to_string()),
        })
        .collect()
}

impl Reply {
    /// The result a front end shows: the body, or `{"ok": true, "status":
    /// N}` when Zoom answered with none (e.g. 204 after a delete).
    pub fn into_result(self) -> serde_json::Value {
        match self.body {
            serde_json::Value::Null => serde_json::json!({"ok": true, "status": self.status}),
            body => body,
        }
    }
}
