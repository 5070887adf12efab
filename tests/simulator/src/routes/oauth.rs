//! OAuth like `https://zoom.us/oauth/...`, served on the simulator origin:
//!
//! * `GET /oauth/authorize?response_type=code&client_id=..&redirect_uri=..
//!   [&state=..][&code_challenge=..&code_challenge_method=S256|plain]`
//!   auto-consents as [`crate::seed::USER_ID`] (or, with the simulator-only
//!   `sim_as=admin`, as the admin with admin scopes) and answers 302 to
//!   `redirect_uri?code=..&state=..`. Codes live 5 minutes and work once.
//! * `POST /oauth/token` (form body or query; client auth via
//!   `Authorization: Basic base64(client_id:client_secret)`), grant types
//!   `authorization_code` (PKCE checked), `refresh_token` (rotating: the old
//!   refresh token stops working → `invalid_grant` "Invalid Token!") and
//!   `account_credentials` (S2S: admin token, no refresh token). Minted access
//!   tokens go into the token table with an expiry.
//!
//! Errors use Zoom's token-endpoint shape `{"reason":"...","error":"..."}`.

use super::Query;
use crate::errors::{ApiError, ApiResult, json_response};
use crate::seed::{
    ACCOUNT_ID, ADMIN_SCOPES, ADMIN_USER_ID, CLIENT_ID, CLIENT_SECRET, USER_ID, USER_SCOPES,
};
use crate::state::{AuthCode, Data, RefreshGrant, SimState, TokenInfo, TokenKind};
use crate::time::now_secs;
use axum::body::Body;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::json;
use sha2::{Digest, Sha256};

fn oauth_error(status: StatusCode, reason: &str, error: &str) -> ApiError {
    ApiError {
        status,
        body: Some(json!({"reason": reason, "error": error})),
    }
}

fn random_token(prefix: &str) -> String {
    let bytes: [u8; 32] = rand::random();
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// Handles `/oauth/<rest>`.
pub fn handle(
    state: &SimState,
    method: &Method,
    rest: &str,
    headers: &HeaderMap,
    query: &Query,
    body: &[u8],
) -> ApiResult {
    match (method.as_str(), rest) {
        ("GET", "authorize") => authorize(state, query),
        ("POST", "token") => token(state, headers, query, body),
        _ => Err(ApiError::route_not_found()),
    }
}

fn authorize(state: &SimState, query: &Query) -> ApiResult {
    if query.get("response_type") != Some("code") {
        return Err(oauth_error(
            StatusCode::BAD_REQUEST,
            "Invalid response_type",
            "unsupported_response_type",
        ));
    }
    if query.get("client_id") != Some(CLIENT_ID) {
        return Err(oauth_error(
            StatusCode::BAD_REQUEST,
            "Invalid client_id",
            "invalid_client",
        ));
    }
    let redirect_uri = query
        .get_non_empty("redirect_uri")
        .ok_or_else(|| {
            oauth_error(
                StatusCode::BAD_REQUEST,
                "Redirect URI mismatch.",
                "invalid_request",
            )
        })?
        .to_string();
    let challenge = match query.get_non_empty("code_challenge") {
        None => None,
        Some(c) => {
            let m = query
                .get_non_empty("code_challenge_method")
                .unwrap_or("plain");
            if m != "S256" && m != "plain" {
                return Err(oauth_error(
                    StatusCode::BAD_REQUEST,
                    "Invalid code_challenge_method",
                    "invalid_request",
                ));
            }
            Some((c.to_string(), m.to_string()))
        }
    };
    let (kind, user_id) = if query.get("sim_as") == Some("admin") {
        (TokenKind::Admin, ADMIN_USER_ID)
    } else {
        (TokenKind::User, USER_ID)
    };
    let code = random_token("");
    state.data().auth_codes.insert(
        code.clone(),
        AuthCode {
            client_id: CLIENT_ID.to_string(),
            redirect_uri: redirect_uri.clone(),
            challenge,
            kind,
            user_id: user_id.to_string(),
            expires_at: now_secs() + 300,
        },
    );
    let mut location = url::Url::parse(&redirect_uri).map_err(|_| {
        oauth_error(
            StatusCode::BAD_REQUEST,
            "Redirect URI mismatch.",
            "invalid_request",
        )
    })?;
    {
        let mut pairs = location.query_pairs_mut();
        pairs.append_pair("code", &code);
        if let Some(s) = query.get("state") {
            pairs.append_pair("state", s);
        }
    }
    Response::builder()
        .status(StatusCode::FOUND)
        .header(header::LOCATION, location.as_str())
        .body(Body::empty())
        .map_err(|_| ApiError::route_not_found())
}

fn basic_client(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, creds) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = STANDARD.decode(creds.trim()).ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((id.to_string(), secret.to_string()))
}

fn mint(
    state: &SimState,
    data: &mut Data,
    kind: TokenKind,
    user_id: &str,
    scopes: Vec<String>,
    refresh: bool,
) -> serde_json::Value {
    let ttl = state.config.access_token_ttl.as_secs() as i64;
    let access =
        random_token("eyJzdiI6IjAwMDAwMiIsImFsZyI6IkhTNTEyIiwidiI6IjIuMCIsImtpZCI6InNpbSJ9.");
    data.tokens.insert(
        access.clone(),
        TokenInfo {
            kind,
            user_id: user_id.to_string(),
            scopes: scopes.clone(),
            expires_at: Some(now_secs() + ttl),
        },
    );
    let mut out = json!({
        "access_token": access,
        "token_type": "bearer",
        "expires_in": (ttl - 1).max(0),
        "scope": scopes.join(" "),
        "api_url": state.origin,
    });
    if refresh {
        let rt = random_token(
            "eyJzdiI6IjAwMDAwMiIsImFsZyI6IkhTNTEyIiwidiI6IjIuMCIsImtpZCI6InNpbS1yIn0.",
        );
        data.refresh_tokens.insert(
            rt.clone(),
            RefreshGrant {
                client_id: CLIENT_ID.to_string(),
                kind,
                user_id: user_id.to_string(),
                scopes,
            },
        );
        if let Some(obj) = out.as_object_mut() {
            obj.insert("refresh_token".into(), json!(rt));
        }
    }
    out
}

fn scopes_for(kind: TokenKind) -> Vec<String> {
    let list = match kind {
        TokenKind::User => USER_SCOPES,
        TokenKind::Admin => ADMIN_SCOPES,
    };
    list.iter().map(|s| s.to_string()).collect()
}

fn token(state: &SimState, headers: &HeaderMap, query: &Query, body: &[u8]) -> ApiResult {
    // Parameters may come in the form body or the query string.
    let form = Query::parse(std::str::from_utf8(body).ok());
    let param = |k: &str| form.get(k).or_else(|| query.get(k)).map(str::to_string);
    let bad_client = || {
        oauth_error(
            StatusCode::BAD_REQUEST,
            "Invalid client_id or client_secret",
            "invalid_client",
        )
    };
    let (id, secret) = basic_client(headers).ok_or_else(bad_client)?;
    if id != CLIENT_ID || secret != CLIENT_SECRET {
        return Err(bad_client());
    }
    let grant = param("grant_type").unwrap_or_default();
    let mut data = state.data();
    let out = match grant.as_str() {
        "" => {
            return Err(oauth_error(
                StatusCode::BAD_REQUEST,
                "Missing grant type",
                "invalid_request",
            ));
        }
        "account_credentials" => {
            if param("account_id").as_deref() != Some(ACCOUNT_ID) {
                return Err(oauth_error(
                    StatusCode::BAD_REQUEST,
                    "Invalid account_id",
                    "invalid_request",
                ));
            }
            mint(
                state,
                &mut data,
                TokenKind::Admin,
                ADMIN_USER_ID,
                scopes_for(TokenKind::Admin),
                false,
            )
        }
        "authorization_code" => {
            let code = param("code").unwrap_or_default();
            // Zoom: `{"reason":"Invalid authorization code <code>","error":"invalid_request"}`.
            let invalid_code = || {
                oauth_error(
                    StatusCode::BAD_REQUEST,
                    &format!("Invalid authorization code {code}"),
                    "invalid_request",
                )
            };
            // A code works once, whatever happens next.
            let grant = data.auth_codes.remove(&code).ok_or_else(invalid_code)?;
            if grant.expires_at <= now_secs() || grant.client_id != id {
                return Err(invalid_code());
            }
            if param("redirect_uri").as_deref() != Some(grant.redirect_uri.as_str()) {
                return Err(oauth_error(
                    StatusCode::BAD_REQUEST,
                    "Redirect URI mismatch.",
                    "invalid_request",
                ));
            }
            if let Some((challenge, method)) = &grant.challenge {
                let verifier = param("code_verifier").unwrap_or_default();
                let computed = if method == "S256" {
                    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
                } else {
                    verifier.clone()
                };
                if verifier.is_empty() || &computed != challenge {
                    return Err(oauth_error(
                        StatusCode::BAD_REQUEST,
                        "Invalid code_verifier",
                        "invalid_grant",
                    ));
                }
            }
            mint(
                state,
                &mut data,
                grant.kind,
                &grant.user_id,
                scopes_for(grant.kind),
                true,
            )
        }
        "refresh_token" => {
            let rt = param("refresh_token").unwrap_or_default();
            let invalid =
                || oauth_error(StatusCode::BAD_REQUEST, "Invalid Token!", "invalid_grant");
            let grant = data.refresh_tokens.remove(&rt).ok_or_else(invalid)?;
            if grant.client_id != id {
                return Err(invalid());
            }
            mint(
                state,
                &mut data,
                grant.kind,
                &grant.user_id,
                grant.scopes,
                true,
            )
        }
        _ => {
            return Err(oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported grant type",
                "unsupported_grant_type",
            ));
        }
    };
    Ok(json_response(StatusCode::OK, &out))
}
