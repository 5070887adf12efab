//! The API key: checked before any handler (and its body extractor) runs,
//! compared as SHA-256 digests without an early exit.

use super::Server;
use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

fn unauthorized() -> Response {
    let body = serde_json::json!({
        "error": "unauthorized",
        "message": "send the server's API key as `Authorization: Bearer <key>`",
    });
    (StatusCode::UNAUTHORIZED, Json(body)).into_response()
}

/// Checks the API key before the handler (and its body extractor) runs.
pub(super) async fn require_key(
    State(server): State<Arc<Server>>,
    request: Request,
    next: Next,
) -> Response {
    if !server.authorized(request.headers()) {
        return unauthorized();
    }
    next.run(request).await
}

impl Server {
    fn authorized(&self, headers: &HeaderMap) -> bool {
        let Some(given) = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.as_bytes().strip_prefix(b"Bearer "))
        else {
            return false;
        };
        self.config.api_keys.admit(given)
    }
}
