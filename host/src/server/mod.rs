//! The host as an HTTP API for a workflow platform (feature `server`):
//! [`router`] builds it as an `axum::Router` an embedder mounts or serves;
//! `wrk-zoom serve` only reads its flags into a [`ServerConfig`], binds and
//! drains.
//!
//! - `GET /health`: liveness, no key needed; `GET /ready`: whether the
//!   token store can be used, no key needed, nothing more said;
//! - `GET /v1/actions`: every action's `describe()`;
//!   `GET /v1/actions/{name}/schema`: its parameters' JSON Schema;
//!   `GET /v1/actions/{name}/output-schema`: what it returns (`?all=true`:
//!   what following every page returns);
//! - `POST /v1/actions/{name}`: run one call; the body is
//!   `{"params": {...}, "token": "...", "api_base": "..."}` or
//!   `{"params": {...}, "connection": "NAME"}` (a stored connection, which
//!   wins over a token; the default of the action's kind when neither is
//!   given; resolved as every front end does, [`crate::call`]); the answer
//!   is `{"status", "body", "next_page_token"}` or an error object with an
//!   HTTP status for its category; `"all": true` follows every page;
//! - `GET /openapi.json`: this API's OpenAPI 3.1 document;
//! - `GET /metrics`: call counts per action and outcome (Prometheus text);
//! - `/mcp`: the same calls over MCP's streamable HTTP.
//!
//! Trust boundary: an API-key holder runs actions, nothing more.
//! - The key is checked (in constant time, over digests) before a request
//!   body is read, on every route but `/health` and `/ready`; keys shorter
//!   than [`MIN_API_KEY_LEN`] are refused ([`ApiKeys::parse`]).
//! - The server is not a network proxy: a caller's `api_base` must match
//!   the operator's allow-list (Zoom's own HTTPS hosts unless
//!   [`ServerConfig::allowed_bases`] says otherwise), goes only with a
//!   caller's own `token`, and is refused (400) with a stored `connection`
//!   or without a token.
//! - At most [`ServerConfig::max_concurrent_calls`] run at once; more get
//!   503.
//! - Metrics count unknown action names as one series; error bodies carry
//!   no file paths, stored connection names or internal error chains (the
//!   server's log has those, control characters escaped).
//! - `/mcp` is the same calls over MCP: the same slots, metrics and
//!   scrubbed errors.
//! - What a caller can make the server keep is bounded: connection names
//!   are checked and looked up first, the pacing of bare tokens expires.
//!
//! Zoom's events (with [`router_with_events`]): `POST
//! /v1/events/zoom/{app}` takes Zoom's deliveries without an API key
//! (verified over the raw bytes, kept, then answered: see
//! [`crate::events`]); `GET /v1/events` is the pull API, behind the key.
//! Triggers (`GET /v1/triggers`, subscriptions to one): see `triggers`.

mod calls;
mod config;
mod errors;
mod events;
mod keys;
pub mod mcp;
pub mod openapi;
mod request;
mod routes;
mod stream;
mod threads;
mod triggers;

pub use config::{AllowedBase, ApiKeys, MIN_API_KEY_LEN, ServerConfig};
pub use errors::{http_status, public_message};
pub use threads::serve_on_each_core;

use crate::auth::Connections;
use crate::call::Caller;
use crate::events::Receiver;
use crate::host::Host;
use axum::Router;
use axum::middleware;
use axum::routing::{get, post};
use calls::Calls;
use std::sync::Arc;

/// What every handler shares.
struct Server {
    host: Arc<Host>,
    /// One per process, so concurrent calls on a connection share one
    /// token renewal; `None` when the process has no store.
    connections: Option<Arc<Connections>>,
    config: ServerConfig,
    /// Call slots and counts, shared with `/mcp`.
    calls: Arc<Calls>,
    /// The receiving half of Zoom's events, when this server takes them.
    events: Option<Arc<Receiver>>,
}

impl Server {
    fn caller(&self) -> Caller<'_> {
        Caller::new(&self.host, self.connections.as_deref())
    }
}

/// The HTTP API over `host` (see the module docs), calling on the stored
/// `connections` when given. Serve it with `axum::serve`, or nest it in an
/// application of your own.
pub fn router(
    host: Arc<Host>,
    connections: Option<Arc<Connections>>,
    config: ServerConfig,
) -> Router {
    router_with_events(host, connections, config, None)
}

/// [`router`], taking Zoom's events with `events` as well (its routes are
/// in the module docs). Run a [`crate::events::Dispatcher`] beside it for
/// what follows an event.
pub fn router_with_events(
    host: Arc<Host>,
    connections: Option<Arc<Connections>>,
    config: ServerConfig,
    events: Option<Arc<Receiver>>,
) -> Router {
    let calls = Arc::new(Calls::new(host.clone(), config.max_concurrent_calls));
    // MCP over streamable HTTP: the same tools as `wrk-zoom mcp`, on the
    // stored connections, behind the same API key, slots and metrics.
    let mcp = mcp::http_service(
        mcp::Tools::served(host.clone(), connections.clone(), calls.clone()),
        &config.mcp_allowed_hosts,
    );
    let server = Arc::new(Server {
        host,
        connections,
        config,
        calls,
        events,
    });
    let protected = Router::new()
        .route("/v1/actions", get(routes::actions))
        .route("/v1/actions/{name}", post(routes::run))
        .route("/v1/actions/{name}/schema", get(routes::schema))
        .route(
            "/v1/actions/{name}/output-schema",
            get(routes::output_schema),
        )
        .route("/openapi.json", get(routes::openapi))
        .route("/metrics", get(calls::metrics))
        .route("/v1/events", get(events::pull))
        .route("/v1/triggers", get(triggers::list))
        .route(
            "/v1/triggers/{name}/output-schema",
            get(triggers::output_schema),
        )
        .route("/v1/triggers/{name}/sample", get(triggers::sample))
        .route(
            "/v1/triggers/{name}/subscriptions",
            post(triggers::subscribe),
        )
        .route(
            "/v1/subscriptions/{id}",
            axum::routing::delete(triggers::unsubscribe),
        )
        // Before any extractor: the body of an unauthorized request is
        // never read.
        .route_layer(middleware::from_fn_with_state(
            server.clone(),
            keys::require_key,
        ));
    let mcp = Router::new()
        .nest_service("/mcp", mcp)
        .layer(middleware::from_fn_with_state(
            server.clone(),
            keys::require_key,
        ));
    Router::new()
        .route("/health", get(routes::health))
        .route("/ready", get(routes::ready))
        // Zoom's deliveries carry no API key: their signature is the gate.
        .route("/v1/events/zoom/{app}", post(events::zoom))
        .merge(protected)
        .merge(mcp)
        .with_state(server)
}
