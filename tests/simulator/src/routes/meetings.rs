//! Scheduled meetings: create (`POST /users/{userId}/meetings`), list
//! (`GET /users/{userId}/meetings`), get / update / delete
//! (`/meetings/{meetingId}`), and the meeting-object builder the seed uses.

use super::{Ctx, Scopes};
use crate::errors::{ApiError, ApiResult, json_response, no_content};
use crate::ids::parse_numeric_meeting_id;
use crate::pagination::MAX_PAGE_SIZE;
use crate::state::{Data, InstanceKind, ScheduledMeeting, User};
use crate::time::{format_datetime, now_secs, parse_date, parse_datetime};
use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Map, Value, json};

pub const CREATE: Scopes = Scopes {
    user: &["meeting:write", "meeting:write:meeting"],
    admin: &["meeting:write:admin", "meeting:write:meeting:admin"],
};
pub const UPDATE: Scopes = Scopes {
    user: &["meeting:write", "meeting:update:meeting"],
    admin: &["meeting:write:admin", "meeting:update:meeting:admin"],
};
pub const DELETE: Scopes = Scopes {
    user: &["meeting:write", "meeting:delete:meeting"],
    admin: &["meeting:write:admin", "meeting:delete:meeting:admin"],
};
pub const GET: Scopes = Scopes {
    user: &["meeting:read", "meeting:read:meeting"],
    admin: &["meeting:read:admin", "meeting:read:meeting:admin"],
};
pub const LIST: Scopes = Scopes {
    user: &["meeting:read", "meeting:read:list_meetings"],
    admin: &["meeting:read:admin", "meeting:read:list_meetings:admin"],
};

/// Inputs for a new meeting object.
#[derive(Debug, Clone)]
pub struct NewMeeting {
    pub id: i64,
    pub uuid: String,
    pub topic: String,
    pub meeting_type: i64,
    /// Unix seconds; `None` for type 3 (no fixed time).
    pub start: Option<i64>,
    pub duration: i64,
    pub timezone: String,
    pub agenda: String,
    pub password: String,
    pub created_at: i64,
    pub settings: Option<Map<String, Value>>,
    pub recurrence: Option<Value>,
}

fn default_settings() -> Value {
    json!({
        "host_video": false,
        "participant_video": false,
        "cn_meeting": false,
        "in_meeting": false,
        "join_before_host": false,
        "jbh_time": 0,
        "mute_upon_entry": false,
        "watermark": false,
        "use_pmi": false,
        "approval_type": 2,
        "audio": "voip",
        "auto_recording": "none",
        "enforce_login": false,
        "enforce_login_domains": "",
        "alternative_hosts": "",
        "alternative_host_update_polls": false,
        "close_registration": false,
        "show_share_button": false,
        "allow_multiple_devices": false,
        "registrants_confirmation_email": true,
        "waiting_room": true,
        "request_permission_to_unmute_participants": false,
        "registrants_email_notification": true,
        "meeting_authentication": false,
        "encryption_type": "enhanced_encryption",
        "approved_or_denied_countries_or_regions": {"enable": false},
        "breakout_room": {"enable": false},
        "internal_meeting": false,
        "continuous_meeting_chat": {
            "enable": false,
            "auto_add_invited_external_users": false,
            "auto_add_meeting_participants": false
        },
        "participant_focused_meeting": false,
        "push_change_to_calendar": false,
        "resources": [],
        "alternative_hosts_email_notification": true,
        "show_join_info": false,
        "device_testing": false,
        "focus_mode": false,
        "meeting_invitees": [],
        "private_meeting": false,
        "email_notification": true,
        "host_save_video_order": false,
        "sign_language_interpretation": {"enable": false},
        "email_in_attendee_report": false
    })
}

fn digits(seed: i64, n: u32) -> String {
    let m = 10i64.pow(n);
    format!(
        "{:0width$}",
        (seed.wrapping_mul(2_654_435_761)).rem_euclid(m),
        width = n as usize
    )
}

fn occurrences(start: i64, duration: i64, recurrence: &Value) -> Vec<Value> {
    let rtype = recurrence.get("type").and_then(Value::as_i64).unwrap_or(1);
    let interval = recurrence
        .get("repeat_interval")
        .and_then(Value::as_i64)
        .unwrap_or(1)
        .clamp(1, 90);
    let count = recurrence
        .get("end_times")
        .and_then(Value::as_i64)
        .unwrap_or(7)
        .clamp(1, 60);
    let step = match rtype {
        2 => 7 * 86_400 * interval,
        3 => 30 * 86_400 * interval,
        _ => 86_400 * interval,
    };
    (0..count)
        .map(|i| {
            let t = start + i * step;
            json!({
                "occurrence_id": (t * 1000).to_string(),
                "start_time": format_datetime(t),
                "duration": duration,
                "status": "available"
            })
        })
        .collect()
}

/// The meeting object as returned by create (201) and get (200).
pub fn build_meeting_object(m: &NewMeeting, host: &User) -> Value {
    let mut settings = default_settings();
    if let (Some(obj), Some(extra)) = (settings.as_object_mut(), &m.settings) {
        for (k, v) in extra {
            obj.insert(k.clone(), v.clone());
        }
    }
    let pwd_token = URL_SAFE_NO_PAD.encode(format!("{}:{}", m.id, m.password));
    let mut o = json!({
        "uuid": m.uuid,
        "id": m.id,
        "host_id": host.id,
        "host_email": host.email,
        "assistant_id": "",
        "topic": m.topic,
        "type": m.meeting_type,
        "status": "waiting",
        "duration": m.duration,
        "timezone": m.timezone,
        "agenda": m.agenda,
        "created_at": format_datetime(m.created_at),
        "start_url": format!(
            "https://us05web.zoom.us/s/{}?zak=eyJ0eXAiOiJKV1QiLCJzdiI6IjAwMDAwMSIsInptX3NrbSI6InptX28ybSIsImFsZyI6IkhTMjU2In0.sim.{}",
            m.id, pwd_token
        ),
        "join_url": format!("https://us05web.zoom.us/j/{}?pwd={}", m.id, pwd_token),
        "password": m.password,
        "h323_password": digits(m.id, 6),
        "pstn_password": digits(m.id, 6),
        "encrypted_password": pwd_token,
        "settings": settings,
        "pre_schedule": false,
        "creation_source": "open_api"
    });
    if let Some(obj) = o.as_object_mut() {
        if let Some(start) = m.start {
            obj.insert("start_time".into(), json!(format_datetime(start)));
        }
        if let Some(rec) = &m.recurrence {
            obj.insert("recurrence".into(), rec.clone());
            if m.meeting_type == 8 {
                let start = m.start.unwrap_or(m.created_at);
                obj.insert(
                    "occurrences".into(),
                    Value::Array(occurrences(start, m.duration, rec)),
                );
            }
        }
    }
    o
}

/// Validated body fields shared by create and update.
#[derive(Debug, Default)]
struct MeetingInput {
    topic: Option<String>,
    meeting_type: Option<i64>,
    start: Option<i64>,
    duration: Option<i64>,
    timezone: Option<String>,
    agenda: Option<String>,
    password: Option<String>,
    settings: Option<Map<String, Value>>,
    recurrence: Option<Value>,
}

fn validate(body: &Map<String, Value>) -> Result<MeetingInput, ApiError> {
    let mut errors: Vec<(String, String)> = Vec::new();
    let mut input = MeetingInput::default();
    let string_field =
        |name: &str, max: usize, errors: &mut Vec<(String, String)>| match body.get(name) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.chars().count() <= max => Some(s.clone()),
            Some(Value::String(_)) => {
                errors.push((
                    name.into(),
                    format!("Length must be less than or equal to {max}."),
                ));
                None
            }
            Some(_) => {
                errors.push((name.into(), "Invalid field.".into()));
                None
            }
        };
    input.topic = string_field("topic", 200, &mut errors);
    input.agenda = string_field("agenda", 2000, &mut errors);
    input.timezone = string_field("timezone", 64, &mut errors);
    input.password = string_field("password", 10, &mut errors);
    if let Some(pwd) = &input.password
        && !pwd
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "@-_*".contains(c))
    {
        errors.push((
            "password".into(),
            "Password can only contain the following characters: [a-z A-Z 0-9 @ - _ *].".into(),
        ));
    }
    match body.get("type") {
        None | Some(Value::Null) => {}
        Some(v) => match v.as_i64() {
            Some(t) if [1, 2, 3, 8, 10].contains(&t) => input.meeting_type = Some(t),
            _ => errors.push(("type".into(), "Invalid field.".into())),
        },
    }
    match body.get("duration") {
        None | Some(Value::Null) => {}
        Some(v) => match v.as_i64() {
            Some(d) if (0..=1440).contains(&d) => input.duration = Some(d),
            _ => errors.push(("duration".into(), "Invalid field.".into())),
        },
    }
    match body.get("start_time") {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) if s.is_empty() => {}
        Some(Value::String(s)) => match parse_datetime(s) {
            Some(t) => input.start = Some(t),
            None => errors.push(("start_time".into(), "Invalid field.".into())),
        },
        Some(_) => errors.push(("start_time".into(), "Invalid field.".into())),
    }
    match body.get("settings") {
        None | Some(Value::Null) => {}
        Some(Value::Object(m)) => input.settings = Some(m.clone()),
        Some(_) => errors.push(("settings".into(), "Invalid field.".into())),
    }
    match body.get("recurrence") {
        None | Some(Value::Null) => {}
        Some(v @ Value::Object(_)) => input.recurrence = Some(v.clone()),
        Some(_) => errors.push(("recurrence".into(), "Invalid field.".into())),
    }
    if errors.is_empty() {
        Ok(input)
    } else {
        Err(ApiError::validation_many(errors))
    }
}

fn random_uuid() -> String {
    let bytes: [u8; 16] = rand::random();
    STANDARD.encode(bytes)
}

fn random_password() -> String {
    const CHARS: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    (0..6)
        .map(|_| CHARS[rand::random_range(0..CHARS.len())] as char)
        .collect()
}

/// `POST /users/{userId}/meetings` → 201 meeting object.
pub fn create(ctx: &Ctx<'_>, raw_uid: &str) -> ApiResult {
    let mut data = ctx.state.data();
    let host_id = ctx.resolve_user(&data, raw_uid, &CREATE, ApiError::user_not_found)?;
    let body = ctx.json_object_body()?;
    let input = validate(&body)?;
    let host = data
        .find_user(&host_id)
        .cloned()
        .ok_or_else(|| ApiError::user_not_found(&host_id))?;
    let cap = ctx.state.config.meeting_daily_cap;
    if !crate::state::SimState::count_meeting_write(&mut data, &host.id, cap) {
        return Ok(crate::faults::meeting_cap_error(cap));
    }
    let now = now_secs();
    let meeting_type = input.meeting_type.unwrap_or(2);
    let start = match meeting_type {
        1 => Some(now),
        3 => None,
        _ => Some(input.start.unwrap_or(now)),
    };
    let id = data.next_meeting_id;
    data.next_meeting_id += 1;
    let spec = NewMeeting {
        id,
        uuid: random_uuid(),
        topic: input.topic.unwrap_or_else(|| "Zoom meeting".to_string()),
        meeting_type,
        start,
        duration: input.duration.unwrap_or(60),
        timezone: input.timezone.unwrap_or_else(|| host.timezone.clone()),
        agenda: input.agenda.unwrap_or_default(),
        password: input.password.unwrap_or_else(random_password),
        created_at: now,
        settings: input.settings,
        recurrence: input.recurrence,
    };
    let object = build_meeting_object(&spec, &host);
    data.meetings.insert(
        id,
        ScheduledMeeting {
            id,
            host_id: host.id.clone(),
            start: start.unwrap_or(now),
            object: object.clone(),
        },
    );
    let operator = operator(ctx, &data, &host);
    let event = crate::events::payloads::meeting_created(&object, &operator);
    ctx.state.events.emit(&mut data, &ctx.state.origin, event);
    Ok(json_response(StatusCode::CREATED, &object))
}

/// Who made a change (the events' `operator`): the caller, else `fallback`.
fn operator(ctx: &Ctx<'_>, data: &Data, fallback: &User) -> User {
    data.find_user(&ctx.token.user_id)
        .cloned()
        .unwrap_or_else(|| fallback.clone())
}

pub(super) fn find_meeting<'a>(
    ctx: &Ctx<'_>,
    data: &'a Data,
    raw_mid: &str,
    scopes: &Scopes,
) -> Result<&'a ScheduledMeeting, ApiError> {
    let id = parse_numeric_meeting_id(raw_mid)?;
    let meeting = data
        .meetings
        .get(&id)
        .ok_or_else(|| ApiError::meeting_not_found(&id.to_string()))?;
    ctx.require_for_owner(scopes, &meeting.host_id)?;
    Ok(meeting)
}

/// `GET /meetings/{meetingId}`
pub fn get(ctx: &Ctx<'_>, raw_mid: &str) -> ApiResult {
    let data = ctx.state.data();
    let meeting = find_meeting(ctx, &data, raw_mid, &GET)?;
    Ok(json_response(StatusCode::OK, &meeting.object))
}

/// `PATCH /meetings/{meetingId}` → 204
pub fn update(ctx: &Ctx<'_>, raw_mid: &str) -> ApiResult {
    let mut data = ctx.state.data();
    let (id, host_id) = {
        let m = find_meeting(ctx, &data, raw_mid, &UPDATE)?;
        (m.id, m.host_id.clone())
    };
    let body = ctx.json_object_body()?;
    let input = validate(&body)?;
    let cap = ctx.state.config.meeting_daily_cap;
    if !crate::state::SimState::count_meeting_write(&mut data, &host_id, cap) {
        return Ok(crate::faults::meeting_cap_error(cap));
    }
    let Some(meeting) = data.meetings.get_mut(&id) else {
        return Err(ApiError::meeting_not_found(&id.to_string()));
    };
    let old = meeting.object.clone();
    if let Some(t) = input.start {
        meeting.start = t;
    }
    let Some(obj) = meeting.object.as_object_mut() else {
        return Err(ApiError::meeting_not_found(&id.to_string()));
    };
    if let Some(v) = input.topic {
        obj.insert("topic".into(), json!(v));
    }
    if let Some(v) = input.meeting_type {
        obj.insert("type".into(), json!(v));
        if v == 3 {
            obj.remove("start_time");
        }
    }
    if let Some(v) = input.start {
        obj.insert("start_time".into(), json!(format_datetime(v)));
    }
    if let Some(v) = input.duration {
        obj.insert("duration".into(), json!(v));
    }
    if let Some(v) = input.timezone {
        obj.insert("timezone".into(), json!(v));
    }
    if let Some(v) = input.agenda {
        obj.insert("agenda".into(), json!(v));
    }
    if let Some(v) = input.password {
        obj.insert("password".into(), json!(v));
    }
    if let Some(extra) = input.settings
        && let Some(settings) = obj.get_mut("settings").and_then(Value::as_object_mut)
    {
        for (k, v) in extra {
            settings.insert(k, v);
        }
    }
    if let Some(rec) = input.recurrence {
        obj.insert("recurrence".into(), rec);
    }
    for key in ["tracking_fields", "template_id", "pre_schedule"] {
        if let Some(v) = body.get(key) {
            obj.insert(key.into(), v.clone());
        }
    }
    let new = meeting.object.clone();
    if let Some(host) = data.find_user(&host_id).cloned() {
        let operator = operator(ctx, &data, &host);
        let event = crate::events::payloads::meeting_updated(&old, &new, &operator);
        ctx.state.events.emit(&mut data, &ctx.state.origin, event);
    }
    Ok(no_content())
}

/// `DELETE /meetings/{meetingId}` → 204
pub fn delete(ctx: &Ctx<'_>, raw_mid: &str) -> ApiResult {
    let mut data = ctx.state.data();
    let id = find_meeting(ctx, &data, raw_mid, &DELETE)?.id;
    let Some(removed) = data.meetings.remove(&id) else {
        return Err(ApiError::meeting_not_found(&id.to_string()));
    };
    if let Some(host) = data.find_user(&removed.host_id).cloned() {
        let operator = operator(ctx, &data, &host);
        let occurrence = ctx.query.get_non_empty("occurrence_id");
        let event =
            crate::events::payloads::meeting_deleted(&removed.object, &operator, occurrence);
        ctx.state.events.emit(&mut data, &ctx.state.origin, event);
    }
    Ok(no_content())
}

fn list_item(m: &ScheduledMeeting) -> Value {
    let mut item = Map::new();
    for key in [
        "uuid",
        "id",
        "host_id",
        "topic",
        "type",
        "start_time",
        "duration",
        "timezone",
        "agenda",
        "created_at",
        "join_url",
    ] {
        if let Some(v) = m.object.get(key) {
            item.insert(key.into(), v.clone());
        }
    }
    Value::Object(item)
}

/// `GET /users/{userId}/meetings`
pub fn list(ctx: &Ctx<'_>, raw_uid: &str) -> ApiResult {
    let data = ctx.state.data();
    let user_id = ctx.resolve_user(&data, raw_uid, &LIST, ApiError::user_not_found)?;
    let list_type = ctx.query.get_non_empty("type").unwrap_or("scheduled");
    if ![
        "scheduled",
        "live",
        "upcoming",
        "upcoming_meetings",
        "previous_meetings",
    ]
    .contains(&list_type)
    {
        return Err(ApiError::validation("type", "Invalid field."));
    }
    let from = date_param(ctx, "from")?;
    let to = date_param(ctx, "to")?.map(|t| t + 86_400);
    let in_range = |t: i64| from.is_none_or(|f| t >= f) && to.is_none_or(|e| t < e);
    let now = now_secs();
    let items: Vec<Value> = match list_type {
        "live" => Vec::new(),
        "previous_meetings" => {
            let mut past: Vec<_> = data
                .past
                .iter()
                .filter(|p| {
                    p.host_id == user_id && p.kind == InstanceKind::Meeting && in_range(p.start)
                })
                .collect();
            past.sort_by_key(|p| std::cmp::Reverse(p.start));
            past.iter()
                .map(|p| {
                    json!({
                        "uuid": p.uuid,
                        "id": p.meeting_id,
                        "host_id": p.host_id,
                        "topic": p.topic,
                        "type": p.meeting_type,
                        "start_time": format_datetime(p.start),
                        "duration": (p.end - p.start) / 60,
                        "timezone": "Europe/London",
                        "created_at": format_datetime(p.start - 7 * 86_400),
                        "join_url": format!("https://us05web.zoom.us/j/{}", p.meeting_id),
                    })
                })
                .collect()
        }
        _ => {
            let upcoming = list_type != "scheduled";
            let mut ms: Vec<&ScheduledMeeting> = data
                .meetings
                .values()
                .filter(|m| m.host_id == user_id)
                .filter(|m| m.object.get("type").and_then(Value::as_i64) != Some(1))
                .filter(|m| {
                    let dur = m
                        .object
                        .get("duration")
                        .and_then(Value::as_i64)
                        .unwrap_or(60);
                    !upcoming || m.start + dur * 60 >= now
                })
                .filter(|m| in_range(m.start))
                .collect();
            ms.sort_by_key(|m| (m.start, m.id));
            ms.into_iter().map(list_item).collect()
        }
    };
    let list_id = format!(
        "meetings|{user_id}|{list_type}|{}|{}",
        ctx.query.get("from").unwrap_or(""),
        ctx.query.get("to").unwrap_or("")
    );
    let req = ctx
        .state
        .pager
        .request(&ctx.query, &list_id, MAX_PAGE_SIZE, true)?;
    let page = ctx.state.pager.page(&list_id, req, &items);
    Ok(json_response(
        StatusCode::OK,
        &json!({
            "page_count": page.page_count,
            "page_number": page.page_number,
            "page_size": page.page_size,
            "total_records": page.total_records,
            "next_page_token": page.next_page_token,
            "meetings": page.items,
        }),
    ))
}

/// Optional `yyyy-mm-dd` query parameter; malformed → 400 code 300.
pub fn date_param(ctx: &Ctx<'_>, name: &str) -> Result<Option<i64>, ApiError> {
    match ctx.query.get_non_empty(name) {
        None => Ok(None),
        Some(raw) => parse_date(raw.trim())
            .map(Some)
            .ok_or_else(|| ApiError::validation(name, &format!("Invalid date format: {raw}"))),
    }
}
