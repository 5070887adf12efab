//! Zoom Phone: `GET /phone/users/{userId}/call_history` (user or admin),
//! `GET /phone/call_history`, `GET /phone/call_history/{callHistoryUuid}` and
//! `GET /phone/users` (admin only). The retired `/phone/call_logs*` paths are
//! not routed at all (plain 404).

use super::{Ctx, Scopes};
use crate::errors::{ApiError, ApiResult, json_response};
use crate::ids::decode_once;
use crate::pagination::{MAX_PAGE_SIZE, PHONE_USERS_MAX_PAGE_SIZE};
use crate::routes::recordings::date_range;
use crate::state::{CallRecord, Data};
use crate::time::{format_date, format_datetime};
use axum::http::StatusCode;
use serde_json::{Map, Value, json};

pub const USER_CALL_HISTORY: Scopes = Scopes {
    user: &["phone_call_log:read", "phone:read:list_call_logs"],
    admin: &["phone:read:admin", "phone:read:list_call_logs:admin"],
};
pub const ACCOUNT_CALL_HISTORY: Scopes = Scopes::admin_only(&[
    "phone:read:admin",
    "phone_call_log:read:admin",
    "phone:read:list_call_logs:admin",
]);
pub const CALL_HISTORY_DETAIL: Scopes = Scopes::admin_only(&[
    "phone:read:admin",
    "phone_call_log:read:admin",
    "phone:read:call_log:admin",
]);
pub const LIST_USERS: Scopes =
    Scopes::admin_only(&["phone:read:admin", "phone:read:list_users:admin"]);

fn ext_type() -> &'static str {
    "user"
}

/// Fields shared by call logs, elements and history rows.
fn party_fields(c: &CallRecord, m: &mut Map<String, Value>) {
    let external_caller = c.caller_ext_number.is_empty();
    let external_callee = c.callee_ext_number.is_empty();
    let pairs = [
        ("caller_ext_id", json!(c.caller_ext_id)),
        ("caller_name", json!(c.caller_name)),
        ("caller_email", json!(c.caller_email)),
        ("caller_did_number", json!(c.caller_did_number)),
        ("caller_ext_number", json!(c.caller_ext_number)),
        (
            "caller_number_type",
            json!(if external_caller {
                "external_pstn"
            } else {
                "zoom_pstn"
            }),
        ),
        ("caller_device_type", json!("MAC_Client(6.2.11.43613)")),
        ("caller_country_iso_code", json!("US")),
        ("caller_country_code", json!("1")),
        ("callee_ext_id", json!(c.callee_ext_id)),
        ("callee_name", json!(c.callee_name)),
        ("callee_email", json!(c.callee_email)),
        ("callee_did_number", json!(c.callee_did_number)),
        ("callee_ext_number", json!(c.callee_ext_number)),
        (
            "callee_number_type",
            json!(if external_callee {
                "external_pstn"
            } else {
                "zoom_pstn"
            }),
        ),
        ("callee_device_type", json!("WIN_Client(6.2.11.43613)")),
        ("callee_country_iso_code", json!("US")),
        ("callee_country_code", json!("1")),
    ];
    for (k, v) in pairs {
        m.insert(k.into(), v);
    }
    // An external party has no extension, so Zoom leaves its extension
    // type out (the field is an enum; an empty string is not one of it).
    if !external_caller {
        m.insert("caller_ext_type".into(), json!(ext_type()));
    }
    if !external_callee {
        m.insert("callee_ext_type".into(), json!(ext_type()));
    }
}

fn times(c: &CallRecord, m: &mut Map<String, Value>) {
    m.insert("start_time".into(), json!(format_datetime(c.start)));
    m.insert(
        "answer_time".into(),
        json!(c.answer.map(format_datetime).unwrap_or_default()),
    );
    m.insert("end_time".into(), json!(format_datetime(c.end)));
}

fn event(c: &CallRecord) -> &'static str {
    if c.direction == "inbound" {
        "incoming"
    } else {
        "outgoing"
    }
}

fn talk_time(c: &CallRecord) -> i64 {
    c.answer.map(|a| c.end - a).unwrap_or(0)
}

/// One `call_logs` entry (user call history).
pub fn call_log(c: &CallRecord) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(c.call_history_uuid));
    m.insert("call_path_id".into(), json!(c.element_ids[0]));
    m.insert("call_id".into(), json!(c.call_id));
    m.insert("group_id".into(), json!(""));
    m.insert("connect_type".into(), json!(c.connect_type));
    m.insert("call_type".into(), json!("general"));
    m.insert("direction".into(), json!(c.direction));
    m.insert("hide_caller_id".into(), json!(false));
    m.insert("end_to_end".into(), json!(false));
    party_fields(c, &mut m);
    times(c, &mut m);
    m.insert("event".into(), json!(event(c)));
    m.insert("result".into(), json!(c.result));
    if c.recorded {
        m.insert(
            "recording_id".into(),
            json!(crate::seed::fake_id(&format!(
                "{}/rec",
                c.call_history_uuid
            ))),
        );
        m.insert("recording_type".into(), json!("automatic"));
    }
    if c.result == "voicemail" {
        m.insert(
            "voicemail_id".into(),
            json!(crate::seed::fake_id(&format!("{}/vm", c.call_history_uuid))),
        );
    }
    m.insert("talk_time".into(), json!(talk_time(c)));
    m.insert("hold_time".into(), json!(0));
    m.insert(
        "wait_time".into(),
        json!(c.answer.map(|a| a - c.start).unwrap_or(c.end - c.start)),
    );
    Value::Object(m)
}

/// One `call_elements` entry (leg `leg` of the call).
fn call_element(c: &CallRecord, leg: usize, detail: bool) -> Value {
    let mut m = Map::new();
    m.insert("call_element_id".into(), json!(c.element_ids[leg]));
    if !detail {
        m.insert("call_history_uuid".into(), json!(c.call_history_uuid));
    }
    m.insert("call_id".into(), json!(c.call_id));
    m.insert("group_id".into(), json!(""));
    m.insert("connect_type".into(), json!(c.connect_type));
    m.insert("call_type".into(), json!("general"));
    m.insert("direction".into(), json!(c.direction));
    m.insert("hide_caller_id".into(), json!(false));
    m.insert("end_to_end".into(), json!(false));
    party_fields(c, &mut m);
    m.insert("department".into(), json!(c.department));
    m.insert("cost_center".into(), json!(c.cost_center));
    m.insert("site_id".into(), json!(crate::seed::fake_id("site/main")));
    m.insert("site_name".into(), json!("Main Site"));
    times(c, &mut m);
    let last = leg + 1 == c.element_ids.len();
    m.insert(
        "event".into(),
        json!(if leg == 0 {
            event(c)
        } else {
            "transfer_from_zoom_contact_center"
        }),
    );
    m.insert(
        "result".into(),
        json!(if last { c.result } else { "answered" }),
    );
    if detail {
        m.insert("segment".into(), json!(leg + 1));
        m.insert("node".into(), json!(leg));
        m.insert("is_node".into(), json!(0));
        m.insert("hold_time".into(), json!(0));
        m.insert(
            "waiting_time".into(),
            json!(c.answer.map(|a| a - c.start).unwrap_or(c.end - c.start)),
        );
    } else {
        m.insert("talk_time".into(), json!(talk_time(c)));
        m.insert("hold_time".into(), json!(0));
        m.insert(
            "wait_time".into(),
            json!(c.answer.map(|a| a - c.start).unwrap_or(c.end - c.start)),
        );
    }
    if c.recorded {
        m.insert(
            "recording_id".into(),
            json!(crate::seed::fake_id(&format!(
                "{}/rec",
                c.call_history_uuid
            ))),
        );
        m.insert("recording_type".into(), json!("automatic"));
    }
    Value::Object(m)
}

/// One `call_history` row (account call history).
fn history_row(c: &CallRecord) -> Value {
    let mut m = Map::new();
    m.insert("call_history_uuid".into(), json!(c.call_history_uuid));
    m.insert("call_id".into(), json!(c.call_id));
    m.insert("direction".into(), json!(c.direction));
    m.insert("international".into(), json!(false));
    times(c, &mut m);
    m.insert("duration".into(), json!(talk_time(c)));
    m.insert("connect_type".into(), json!(c.connect_type));
    m.insert("call_type".into(), json!("general"));
    m.insert("call_result".into(), json!(c.result));
    m.insert("hide_caller_id".into(), json!(false));
    m.insert("end_to_end".into(), json!(false));
    party_fields(c, &mut m);
    m.insert("department".into(), json!(c.department));
    m.insert("cost_center".into(), json!(c.cost_center));
    m.insert("site_id".into(), json!(crate::seed::fake_id("site/main")));
    m.insert("group_id".into(), json!(""));
    m.insert("site_name".into(), json!("Main Site"));
    m.insert(
        "recording_status".into(),
        json!(if c.recorded {
            "recorded"
        } else {
            "non_recorded"
        }),
    );
    Value::Object(m)
}

/// Filters shared by both call-history lists; returns the matching calls
/// and the list id (path + filters) for page tokens.
fn filtered_calls<'a>(
    ctx: &Ctx<'_>,
    data: &'a Data,
    owner: Option<&str>,
) -> Result<(Vec<&'a CallRecord>, i64, i64, String), ApiError> {
    // Zoom's default is the last day; as calendar dates (yesterday through
    // today, whole days) the default list is the same for every page.
    let today = data.today();
    let (from, to) = date_range(ctx, today - 86_400, today, false)?;
    let time_type = ctx.query.get_non_empty("time_type").unwrap_or("start_time");
    if !["start_time", "end_time"].contains(&time_type) {
        return Err(ApiError::validation("time_type", "Invalid field."));
    }
    let directions = ctx.query.get_all("directions");
    let connect_types = ctx.query.get_all("connect_types");
    let call_results = ctx.query.get_all("call_results");
    let keyword = ctx.query.get_non_empty("keyword").map(str::to_lowercase);
    let recording_status = ctx.query.get_non_empty("recording_status");
    if let Some(rs) = recording_status
        && !["recorded", "non_recorded"].contains(&rs)
    {
        return Err(ApiError::validation("recording_status", "Invalid field."));
    }
    let calls: Vec<&CallRecord> = data
        .calls
        .iter()
        .filter(|c| owner.is_none_or(|o| c.owner_user_id == o))
        .filter(|c| {
            let t = if time_type == "end_time" {
                c.end
            } else {
                c.start
            };
            t >= from && t < to + 86_400
        })
        .filter(|c| directions.is_empty() || directions.iter().any(|d| d == c.direction))
        .filter(|c| connect_types.is_empty() || connect_types.iter().any(|d| d == c.connect_type))
        .filter(|c| call_results.is_empty() || call_results.iter().any(|d| d == c.result))
        .filter(|c| {
            keyword.as_ref().is_none_or(|k| {
                [
                    &c.caller_name,
                    &c.callee_name,
                    &c.caller_did_number,
                    &c.callee_did_number,
                    &c.caller_ext_number,
                    &c.callee_ext_number,
                ]
                .iter()
                .any(|f| f.to_lowercase().contains(k))
            })
        })
        .filter(|c| match recording_status {
            Some("recorded") => c.recorded,
            Some("non_recorded") => !c.recorded,
            _ => true,
        })
        .collect();
    let list_id = format!(
        "calls|{}|{from}|{to}|{time_type}|{}|{}|{}|{}|{}",
        owner.unwrap_or("*"),
        directions.join(","),
        connect_types.join(","),
        call_results.join(","),
        keyword.unwrap_or_default(),
        recording_status.unwrap_or("")
    );
    Ok((calls, from, to, list_id))
}

/// `GET /phone/users/{userId}/call_history`
pub fn user_call_history(ctx: &Ctx<'_>, raw_uid: &str) -> ApiResult {
    let data = ctx.state.data();
    let decoded = decode_once(raw_uid);
    let own_email = data
        .find_user(&ctx.token.user_id)
        .map(|u| u.email.clone())
        .unwrap_or_default();
    let user_id = if decoded.eq_ignore_ascii_case("me")
        || decoded == ctx.token.user_id
        || decoded.eq_ignore_ascii_case(&own_email)
    {
        ctx.require_own(&USER_CALL_HISTORY)?;
        data.find_phone_user(&ctx.token.user_id)
            .map(|u| u.id.clone())
            .ok_or_else(|| ApiError::phone_user_not_found(&decoded))?
    } else {
        ctx.require_admin(&USER_CALL_HISTORY)?;
        data.find_phone_user(&decoded)
            .map(|u| u.id.clone())
            .ok_or_else(|| ApiError::phone_user_not_found(&decoded))?
    };
    let (calls, from, to, list_id) = filtered_calls(ctx, &data, Some(&user_id))?;
    let req = ctx
        .state
        .pager
        .request(&ctx.query, &list_id, MAX_PAGE_SIZE, false)?;
    let page = ctx.state.pager.page(&list_id, req, &calls);
    let call_logs: Vec<Value> = page.items.iter().map(|c| call_log(c)).collect();
    let call_elements: Vec<Value> = page
        .items
        .iter()
        .flat_map(|c| (0..c.element_ids.len()).map(move |leg| call_element(c, leg, false)))
        .collect();
    Ok(json_response(
        StatusCode::OK,
        &json!({
            "from": format_date(from),
            "to": format_date(to),
            "page_count": page.page_count,
            "page_size": page.page_size,
            "total_records": page.total_records,
            "next_page_token": page.next_page_token,
            "call_logs": call_logs,
            "call_elements": call_elements,
        }),
    ))
}

/// `GET /phone/call_history`
pub fn account_call_history(ctx: &Ctx<'_>) -> ApiResult {
    ctx.require_admin(&ACCOUNT_CALL_HISTORY)?;
    let data = ctx.state.data();
    let (calls, from, to, list_id) = filtered_calls(ctx, &data, None)?;
    let req = ctx
        .state
        .pager
        .request(&ctx.query, &list_id, MAX_PAGE_SIZE, false)?;
    let page = ctx.state.pager.page(&list_id, req, &calls);
    let rows: Vec<Value> = page.items.iter().map(|c| history_row(c)).collect();
    Ok(json_response(
        StatusCode::OK,
        &json!({
            "from": format_date(from),
            "to": format_date(to),
            "page_count": page.page_count,
            "page_size": page.page_size,
            "total_records": page.total_records,
            "next_page_token": page.next_page_token,
            "call_history": rows,
        }),
    ))
}

/// `GET /phone/call_history/{callHistoryUuid}`
pub fn call_history_detail(ctx: &Ctx<'_>, raw_uuid: &str) -> ApiResult {
    ctx.require_admin(&CALL_HISTORY_DETAIL)?;
    let uuid = decode_once(raw_uuid);
    let data = ctx.state.data();
    let c = data
        .calls
        .iter()
        .find(|c| c.call_history_uuid == uuid)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                404,
                format!("Call history does not exist: {uuid}."),
            )
        })?;
    let mut m = Map::new();
    m.insert("id".into(), json!(c.call_history_uuid));
    m.insert("call_history_uuid".into(), json!(c.call_history_uuid));
    m.insert("call_id".into(), json!(c.call_id));
    m.insert("connect_type".into(), json!(c.connect_type));
    m.insert("call_type".into(), json!("general"));
    m.insert("direction".into(), json!(c.direction));
    m.insert("international".into(), json!(false));
    m.insert("hide_caller_id".into(), json!(false));
    m.insert("end_to_end".into(), json!(false));
    party_fields(c, &mut m);
    m.insert("department".into(), json!(c.department));
    m.insert("cost_center".into(), json!(c.cost_center));
    m.insert("site_id".into(), json!(crate::seed::fake_id("site/main")));
    m.insert("group_id".into(), json!(""));
    m.insert("site_name".into(), json!("Main Site"));
    times(c, &mut m);
    let elements: Vec<Value> = (0..c.element_ids.len())
        .map(|leg| call_element(c, leg, true))
        .collect();
    let path: Vec<Value> = elements
        .iter()
        .map(|e| {
            let mut e = e.clone();
            if let Some(obj) = e.as_object_mut()
                && let Some(id) = obj.remove("call_element_id")
            {
                obj.insert("id".into(), id);
            }
            e
        })
        .collect();
    m.insert("call_path".into(), Value::Array(path));
    m.insert("call_elements".into(), Value::Array(elements));
    Ok(json_response(StatusCode::OK, &Value::Object(m)))
}

/// `GET /phone/users` (page_size max 100)
pub fn list_users(ctx: &Ctx<'_>) -> ApiResult {
    ctx.require_admin(&LIST_USERS)?;
    let status = ctx.query.get_non_empty("status");
    if let Some(s) = status
        && !["activate", "deactivate", "pending"].contains(&s)
    {
        return Err(ApiError::validation("status", "Invalid field."));
    }
    let department = ctx.query.get_non_empty("department");
    let cost_center = ctx.query.get_non_empty("cost_center");
    let keyword = ctx.query.get_non_empty("keyword").map(str::to_lowercase);
    let data = ctx.state.data();
    let items: Vec<Value> = data
        .phone_users
        .iter()
        .filter(|u| status.is_none_or(|s| u.status == s))
        .filter(|u| department.is_none_or(|d| u.department == d))
        .filter(|u| cost_center.is_none_or(|d| u.cost_center == d))
        .filter(|u| {
            keyword.as_ref().is_none_or(|k| {
                u.name.to_lowercase().contains(k)
                    || u.email.to_lowercase().contains(k)
                    || u.extension_number.to_string().contains(k)
            })
        })
        .map(|u| {
            json!({
                "id": u.id,
                "phone_user_id": u.phone_user_id,
                "name": u.name,
                "email": u.email,
                "extension_id": u.extension_id,
                "extension_number": u.extension_number,
                "status": u.status,
                "activation_status": if u.status == "activate" { "activated" } else { "not ready" },
                "calling_plans": [{"name": "US/CA Unlimited Calling", "type": 200}],
                "phone_numbers": [{"id": u.phone_number_id, "number": u.phone_number}],
                "site": {"id": crate::seed::fake_id("site/main"), "name": "Main Site"},
                "department": u.department,
                "cost_center": u.cost_center,
            })
        })
        .collect();
    let list_id = format!(
        "phone_users|{}|{}|{}|{}",
        status.unwrap_or(""),
        department.unwrap_or(""),
        cost_center.unwrap_or(""),
        keyword.unwrap_or_default()
    );
    let req = ctx
        .state
        .pager
        .request(&ctx.query, &list_id, PHONE_USERS_MAX_PAGE_SIZE, false)?;
    let page = ctx.state.pager.page(&list_id, req, &items);
    Ok(json_response(
        StatusCode::OK,
        &json!({
            "next_page_token": page.next_page_token,
            "page_size": page.page_size,
            "total_records": page.total_records,
            "users": page.items,
        }),
    ))
}
