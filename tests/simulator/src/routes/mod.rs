//! Request dispatch: bearer check, routing on the RAW path, scope checks.
//!
//! The path is split on `/` exactly as it arrived on the wire (still
//! percent-encoded), so an encoded slash (`%2F`) stays inside its segment and
//! an unencoded one creates extra segments that match no route — as on
//! Zoom's gateway. Each handler decodes its own segments (see [`crate::ids`]).
//!
//! Sub-modules own one API area each; this file owns [`Ctx`], [`Query`],
//! [`Scopes`] and the route table.

pub mod downloads;
pub mod marketplace;
mod meeting_status;
pub mod meetings;
pub mod oauth;
pub mod past;
pub mod phone;
pub mod recordings;
pub mod reports;
pub mod users;

use crate::errors::{ApiError, ApiResult};
use crate::ids::decode_once;
use crate::state::{Data, SimState, TokenInfo};
use axum::http::{HeaderMap, Method, Uri, header};
use axum::response::Response;

/// Parsed query string (`application/x-www-form-urlencoded` rules), keeping
/// repeated keys in order.
#[derive(Debug, Clone, Default)]
pub struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    /// Parses the raw query string.
    pub fn parse(raw: Option<&str>) -> Self {
        let pairs = raw
            .map(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect()
            })
            .unwrap_or_default();
        Query { pairs }
    }

    /// First value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// First non-empty value of `key`.
    pub fn get_non_empty(&self, key: &str) -> Option<&str> {
        self.get(key).filter(|v| !v.trim().is_empty())
    }

    /// All values of `key`; comma-separated values are split too (Zoom does
    /// not document how array filters are serialised, so both are accepted).
    pub fn get_all(&self, key: &str) -> Vec<String> {
        self.pairs
            .iter()
            .filter(|(k, _)| k == key || k == &format!("{key}[]"))
            .flat_map(|(_, v)| v.split(',').map(|s| s.trim().to_string()))
            .filter(|s| !s.is_empty())
            .collect()
    }

    /// True if `key` is present at all.
    pub fn has(&self, key: &str) -> bool {
        self.pairs.iter().any(|(k, _)| k == key)
    }
}

/// The scopes an endpoint accepts: holding any one of them is enough.
/// `user` scopes only reach the caller's own data; addressing another user
/// (or an admin-only endpoint) needs one of the `admin` scopes.
#[derive(Debug, Clone, Copy)]
pub struct Scopes {
    pub user: &'static [&'static str],
    pub admin: &'static [&'static str],
}

impl Scopes {
    /// An admin-only endpoint.
    pub const fn admin_only(admin: &'static [&'static str]) -> Self {
        Scopes { user: &[], admin }
    }
}

/// Everything a handler needs about the request.
pub struct Ctx<'a> {
    pub state: &'a SimState,
    pub method: &'a Method,
    pub query: Query,
    pub body: &'a [u8],
    pub token: TokenInfo,
}

fn holds_any(token: &TokenInfo, scopes: &[&str]) -> bool {
    scopes.iter().any(|s| token.scopes.iter().any(|t| t == s))
}

impl Ctx<'_> {
    /// The caller acts on its own data: any user or admin scope will do.
    pub fn require_own(&self, scopes: &Scopes) -> Result<(), ApiError> {
        if scopes.user.is_empty() {
            return self.require_admin(scopes);
        }
        if holds_any(&self.token, scopes.user) || holds_any(&self.token, scopes.admin) {
            Ok(())
        } else {
            Err(ApiError::missing_scopes(scopes.user))
        }
    }

    /// The caller acts on someone else's data (or an admin-only endpoint).
    pub fn require_admin(&self, scopes: &Scopes) -> Result<(), ApiError> {
        if holds_any(&self.token, scopes.admin) {
            Ok(())
        } else {
            Err(ApiError::missing_scopes(scopes.admin))
        }
    }

    /// Scope check for data owned by `owner_user_id`.
    pub fn require_for_owner(&self, scopes: &Scopes, owner_user_id: &str) -> Result<(), ApiError> {
        if owner_user_id == self.token.user_id {
            self.require_own(scopes)
        } else {
            self.require_admin(scopes)
        }
    }

    /// Resolves a raw `{userId}` segment (`me`, id or email) to a user id,
    /// checking scopes first (another user needs admin scopes), then
    /// existence (`not_found` builds the error).
    pub fn resolve_user(
        &self,
        data: &Data,
        raw: &str,
        scopes: &Scopes,
        not_found: fn(&str) -> ApiError,
    ) -> Result<String, ApiError> {
        let decoded = decode_once(raw);
        if decoded.is_empty() {
            return Err(ApiError::route_not_found());
        }
        let own = decoded.eq_ignore_ascii_case("me")
            || decoded == self.token.user_id
            || data
                .find_user(&self.token.user_id)
                .is_some_and(|u| u.email.eq_ignore_ascii_case(&decoded));
        if own {
            self.require_own(scopes)?;
            return Ok(self.token.user_id.clone());
        }
        self.require_admin(scopes)?;
        match data.find_user(&decoded) {
            Some(u) => Ok(u.id.clone()),
            None => Err(not_found(&decoded)),
        }
    }

    /// The request body as a JSON object, or 400 code 300.
    pub fn json_object_body(&self) -> Result<serde_json::Map<String, serde_json::Value>, ApiError> {
        match serde_json::from_slice::<serde_json::Value>(self.body) {
            Ok(serde_json::Value::Object(map)) => Ok(map),
            _ => Err(ApiError::body_not_object()),
        }
    }
}

/// Checks the bearer token: header only, known, not expired.
pub fn authenticate(
    state: &SimState,
    headers: &HeaderMap,
    query: &Query,
) -> Result<(String, TokenInfo), ApiError> {
    if query.has("access_token") {
        return Err(ApiError::invalid_token());
    }
    let token = bearer_token(headers).ok_or_else(ApiError::invalid_token)?;
    let info = check_token(state, &token)?;
    Ok((token, info))
}

/// The token table's verdict on an access token: known and not expired
/// (the REST routes' check, also used by the WebSocket event transport).
pub fn check_token(state: &SimState, token: &str) -> Result<TokenInfo, ApiError> {
    let data = state.data();
    let info = data
        .tokens
        .get(token)
        .cloned()
        .ok_or_else(ApiError::invalid_token)?;
    if info
        .expires_at
        .is_some_and(|exp| crate::time::now_secs() >= exp)
    {
        return Err(ApiError::expired_token());
    }
    Ok(info)
}

/// The token in `Authorization: Bearer <token>`, if any.
pub fn bearer_token(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let token = token.trim();
    (!token.is_empty()).then(|| token.to_string())
}

/// Zoom's rate-limit label for a request (used on injected 429s).
pub fn rate_label(method: &str, raw_path: &str) -> crate::faults::RateLabel {
    use crate::faults::RateLabel::*;
    let rest = raw_path.strip_prefix("/v2/").unwrap_or(raw_path);
    let segs: Vec<&str> = rest.split('/').collect();
    match (method, segs.as_slice()) {
        (_, ["report", ..]) => Heavy,
        ("GET", ["phone", "call_history"]) => Heavy,
        ("GET", ["users", _, "meetings"]) => Medium,
        ("GET", ["users", _, "recordings"]) => Medium,
        ("GET", ["past_meetings", _, "participants"]) => Medium,
        ("GET", ["meetings", _, "transcript"]) => Medium,
        ("GET", ["phone", "users"]) => Medium,
        ("GET", ["phone", "users", _, "call_history"]) => Medium,
        ("GET", ["marketplace", "apps", _, "webhook_logs"]) => Medium,
        ("POST", ["marketplace", "app", "event_subscription"]) => Heavy,
        _ => Light,
    }
}

/// Routes one request. `uri.path()` is the raw wire path.
pub fn dispatch(
    state: &SimState,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    let path = uri.path();
    let query = Query::parse(uri.query());
    let result = if let Some(rest) = path.strip_prefix("/oauth/") {
        oauth::handle(state, method, rest, headers, &query, body)
    } else if let Some(rest) = path.strip_prefix("/rec/") {
        downloads::handle(state, method, rest, headers, &query)
    } else if let Some(rest) = path.strip_prefix("/v2/") {
        api(state, method, rest, headers, query, body)
    } else {
        Err(ApiError::route_not_found())
    };
    result.unwrap_or_else(ApiError::into_response)
}

fn api(
    state: &SimState,
    method: &Method,
    rest: &str,
    headers: &HeaderMap,
    query: Query,
    body: &[u8],
) -> ApiResult {
    let (_, token) = authenticate(state, headers, &query)?;
    let ctx = Ctx {
        state,
        method,
        query,
        body,
        token,
    };
    let segs: Vec<&str> = rest.split('/').collect();
    let m = method.as_str();
    match (m, segs.as_slice()) {
        ("GET", ["users", uid]) => users::get_user(&ctx, uid),
        ("GET", ["users", uid, "meetings"]) => meetings::list(&ctx, uid),
        ("POST", ["users", uid, "meetings"]) => meetings::create(&ctx, uid),
        ("GET", ["users", uid, "recordings"]) => recordings::list_user(&ctx, uid),
        ("GET", ["meetings", mid]) => meetings::get(&ctx, mid),
        ("PATCH", ["meetings", mid]) => meetings::update(&ctx, mid),
        ("DELETE", ["meetings", mid]) => meetings::delete(&ctx, mid),
        ("PUT", ["meetings", mid, "status"]) => meeting_status::status(&ctx, mid),
        ("GET", ["meetings", mid, "transcript"]) => recordings::transcript(&ctx, mid),
        ("GET", ["meetings", mid, "recordings"]) => recordings::get_meeting(&ctx, mid),
        ("GET", ["past_meetings", mid]) => past::details(&ctx, mid),
        ("GET", ["past_meetings", mid, "participants"]) => past::participants(&ctx, mid),
        ("GET", ["past_meetings", mid, "instances"]) => past::instances(&ctx, mid),
        ("GET", ["report", "meetings", mid]) => reports::meeting(&ctx, mid),
        ("GET", ["report", "meetings", mid, "participants"]) => {
            reports::meeting_participants(&ctx, mid)
        }
        ("GET", ["report", "meeting_activities"]) => reports::meeting_activities(&ctx),
        ("GET", ["report", "webinars", wid]) => reports::webinar(&ctx, wid),
        ("GET", ["report", "history_meetings"]) => reports::history_meetings(&ctx),
        ("GET", ["phone", "users", uid, "call_history"]) => phone::user_call_history(&ctx, uid),
        ("GET", ["phone", "call_history"]) => phone::account_call_history(&ctx),
        ("GET", ["phone", "call_history", uuid]) => phone::call_history_detail(&ctx, uuid),
        ("GET", ["phone", "users"]) => phone::list_users(&ctx),
        ("GET", ["marketplace", "app", "event_subscription"]) => {
            marketplace::list_subscriptions(&ctx)
        }
        ("DELETE", ["marketplace", "app", "event_subscription", id]) => {
            marketplace::delete_subscription(&ctx, id)
        }
        ("GET", ["marketplace", "apps", app, "webhook_logs"]) => {
            marketplace::webhook_logs(&ctx, app)
        }
        // Everything else, including the retired /phone/call_logs* paths.
        _ => Err(ApiError::route_not_found()),
    }
}
