//! The API key: checked before any handler (and its body extractor) runs,
//! compared as SHA-256 digests without an early exit.

use super::*;

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
        // Equal-length digests, each compared without an early exit.
        let given: [u8; 32] = Sha256::digest(given).into();
        self.api_key_digests.iter().fold(false, |found, key| {
            let equal = given
                .iter()
                .zip(key.iter())
                .fold(0u8, |diff, (a, b)| diff | (a ^ b))
                == 0;
            found | equal
        })
    }
}
