//! File downloads outside `/v2`, like Zoom's `/rec/...` host paths:
//!
//! * `GET /rec/meeting/transcript/download/<token>` (transcript `download_url`)
//!   and `GET /rec/download/<token>` (recording-file `download_url`) need
//!   `Authorization: Bearer <token>` (an API token, or for recording files a
//!   `download_access_token`) and answer 302 to `/rec/files/<token>.<ext>`;
//! * `GET /rec/files/<token>.<ext>` serves the bytes (a signed URL: no auth);
//! * `GET /rec/play/<token>` serves a small HTML player page.

use super::{Query, bearer_token};
use crate::errors::{ApiError, ApiResult};
use crate::state::SimState;
use crate::time::now_secs;
use axum::body::Body;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::Response;

fn check_bearer(
    state: &SimState,
    headers: &HeaderMap,
    query: &Query,
    allow_download_token: bool,
) -> Result<(), ApiError> {
    if query.has("access_token") {
        return Err(ApiError::invalid_token());
    }
    let token = bearer_token(headers).ok_or_else(ApiError::invalid_token)?;
    let data = state.data();
    let now = now_secs();
    if let Some(info) = data.tokens.get(&token) {
        return if info.expires_at.is_some_and(|e| now >= e) {
            Err(ApiError::expired_token())
        } else {
            Ok(())
        };
    }
    if allow_download_token
        && data
            .download_access_tokens
            .get(&token)
            .is_some_and(|&exp| now < exp)
    {
        return Ok(());
    }
    Err(ApiError::invalid_token())
}

fn redirect(state: &SimState, token: &str) -> ApiResult {
    let data = state.data();
    let file = data
        .files
        .get(token)
        .ok_or_else(ApiError::route_not_found)?;
    let location = format!("{}/rec/files/{token}.{}", state.origin, file.extension);
    Response::builder()
        .status(StatusCode::FOUND)
        .header(header::LOCATION, location)
        .body(Body::empty())
        .map_err(|_| ApiError::route_not_found())
}

/// Handles `/rec/<rest>` (`rest` is the raw path after `/rec/`).
pub fn handle(
    state: &SimState,
    method: &Method,
    rest: &str,
    headers: &HeaderMap,
    query: &Query,
) -> ApiResult {
    if method != Method::GET && method != Method::HEAD {
        return Err(ApiError::route_not_found());
    }
    let segs: Vec<&str> = rest.split('/').collect();
    match segs.as_slice() {
        ["meeting", "transcript", "download", token] => {
            check_bearer(state, headers, query, false)?;
            redirect(state, token)
        }
        ["download", token] => {
            check_bearer(state, headers, query, true)?;
            redirect(state, token)
        }
        ["files", name] => {
            let (token, ext) = name
                .rsplit_once('.')
                .ok_or_else(ApiError::route_not_found)?;
            let data = state.data();
            let file = data
                .files
                .get(token)
                .filter(|f| f.extension == ext)
                .ok_or_else(ApiError::route_not_found)?;
            let body = if method == Method::HEAD {
                Body::empty()
            } else {
                Body::from(file.body.clone())
            };
            Response::builder()
                .status(StatusCode::OK)
                .header(header::CONTENT_TYPE, file.content_type)
                .header(header::CONTENT_LENGTH, file.body.len())
                .header(
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{token}.{ext}\""),
                )
                .body(body)
                .map_err(|_| ApiError::route_not_found())
        }
        ["play", token] => {
            if !state.data().files.contains_key(*token) {
                return Err(ApiError::route_not_found());
            }
            Response::builder()
                .status(StatusCode::OK)
                .header(header::CONTENT_TYPE, "text/html;charset=UTF-8")
                .body(Body::from(
                    "<!doctype html><title>Zoom recording (simulated)</title><p>Simulated recording player.</p>",
                ))
                .map_err(|_| ApiError::route_not_found())
        }
        _ => Err(ApiError::route_not_found()),
    }
}
