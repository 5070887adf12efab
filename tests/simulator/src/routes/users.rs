//! `GET /users/{userId}` (op `user`).

use super::{Ctx, Scopes};
use crate::errors::{ApiError, ApiResult, json_response};
use crate::seed::{ACCOUNT_ID, ACCOUNT_NUMBER};
use crate::state::User;
use crate::time::format_datetime;
use axum::http::StatusCode;
use serde_json::{Value, json};

/// Scopes of `GET /users/{userId}`.
pub const GET_USER: Scopes = Scopes {
    user: &["user:read", "user_info:read", "user:read:user"],
    admin: &["user:read:admin", "user:read:user:admin"],
};

/// The user object Zoom returns.
pub fn user_object(u: &User) -> Value {
    json!({
        "id": u.id,
        "first_name": u.first_name,
        "last_name": u.last_name,
        "display_name": u.display_name(),
        "email": u.email,
        "type": u.user_type,
        "role_name": u.role_name,
        "pmi": u.pmi,
        "use_pmi": false,
        "personal_meeting_url": format!("https://us05web.zoom.us/j/{}?pwd=Sim{}", u.pmi, u.pmi % 9973),
        "timezone": u.timezone,
        "verified": 1,
        "dept": u.dept,
        "created_at": format_datetime(u.created_at),
        "user_created_at": format_datetime(u.created_at),
        "last_login_time": format_datetime(crate::time::now_secs() - 3_600),
        "last_client_version": "6.2.11.43613(mac)",
        "pic_url": format!("https://us05web.zoom.us/p/v2/{}/sim-avatar.png", u.id),
        "cms_user_id": "",
        "jid": format!("{}@xmpp.zoom.us", u.id.to_lowercase()),
        "group_ids": [],
        "im_group_ids": [],
        "account_id": ACCOUNT_ID,
        "language": u.language,
        "phone_country": "US",
        "phone_number": u.phone_number,
        "phone_numbers": [{"code": "+1", "country": "US", "label": "Office", "number": u.phone_number.trim_start_matches("+1 "), "verified": true}],
        "status": u.status,
        "job_title": u.job_title,
        "company": "Analytical Engines Ltd",
        "location": "London",
        "login_types": [100],
        "role_id": u.role_id,
        "account_number": ACCOUNT_NUMBER,
        "cluster": "us05",
    })
}

/// `GET /users/{userId}`
pub fn get_user(ctx: &Ctx<'_>, raw_uid: &str) -> ApiResult {
    let data = ctx.state.data();
    let id = ctx.resolve_user(&data, raw_uid, &GET_USER, ApiError::user_not_found)?;
    let user = data
        .find_user(&id)
        .ok_or_else(|| ApiError::user_not_found(&id))?;
    Ok(json_response(StatusCode::OK, &user_object(user)))
}
