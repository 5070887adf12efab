//! Cloud recordings and transcripts: `GET /meetings/{meetingId}/recordings`,
//! `GET /users/{userId}/recordings`, `GET /meetings/{meetingId}/transcript`.
//! Download URLs point at this simulator's `/rec/...` paths (see
//! [`super::downloads`]).

use super::{Ctx, Scopes};
use crate::errors::{ApiError, ApiResult, json_response};
use crate::ids::parse_meeting_ref;
use crate::pagination::MAX_PAGE_SIZE;
use crate::routes::past::find_instance;
use crate::seed::ACCOUNT_ID;
use crate::state::{InstanceKind, PastInstance, TranscriptState};
use crate::time::{add_one_month, format_date, format_datetime, now_secs};
use axum::http::StatusCode;
use serde_json::{Value, json};

pub const MEETING_RECORDINGS: Scopes = Scopes {
    user: &[
        "recording:read",
        "cloud_recording:read:list_recording_files",
    ],
    admin: &[
        "recording:read:admin",
        "cloud_recording:read:list_recording_files:admin",
    ],
};
pub const USER_RECORDINGS: Scopes = Scopes {
    user: &[
        "recording:read",
        "cloud_recording:read:list_user_recordings",
    ],
    admin: &[
        "recording:read:admin",
        "cloud_recording:read:list_user_recordings:admin",
    ],
};
pub const TRANSCRIPT: Scopes = Scopes {
    user: &[
        "recording:read",
        "recording:write",
        "cloud_recording:read:meeting_transcript",
    ],
    admin: &[
        "recording:read:admin",
        "recording:write:admin",
        "cloud_recording:read:meeting_transcript:admin",
    ],
};

fn recording_files(origin: &str, p: &PastInstance) -> Vec<Value> {
    p.recording_files
        .iter()
        .enumerate()
        .map(|(i, f)| {
            json!({
                "id": f.id,
                "meeting_id": p.uuid,
                "recording_start": format_datetime(p.start + 5 + i as i64),
                "recording_end": format_datetime(p.end - 2),
                "file_type": f.file_type,
                "file_extension": f.file_extension,
                "file_size": f.size,
                "play_url": format!("{origin}/rec/play/{}", f.download_token),
                "download_url": format!("{origin}/rec/download/{}", f.download_token),
                "status": "completed",
                "recording_type": f.recording_type,
            })
        })
        .collect()
}

fn recording_object(origin: &str, p: &PastInstance) -> Value {
    let files = recording_files(origin, p);
    json!({
        "uuid": p.uuid,
        "id": p.meeting_id,
        "account_id": ACCOUNT_ID,
        "host_id": p.host_id,
        "topic": p.topic,
        "type": p.meeting_type.to_string(),
        "start_time": format_datetime(p.start),
        "duration": (p.end - p.start) / 60,
        "total_size": p.recording_files.iter().map(|f| f.size).sum::<i64>(),
        "recording_count": files.len(),
        "share_url": format!("https://us05web.zoom.us/rec/share/{}", crate::seed::fake_id(&format!("{}/share", p.uuid))),
        "auto_delete": false,
        "recording_files": files,
    })
}

fn resolve_any<'a>(
    ctx: &Ctx<'_>,
    data: &'a crate::state::Data,
    raw: &str,
    scopes: &Scopes,
    not_found: fn(&str) -> ApiError,
) -> Result<&'a PastInstance, ApiError> {
    let r = parse_meeting_ref(raw)?;
    let inst = find_instance(data, &r, InstanceKind::Meeting)
        .or_else(|| find_instance(data, &r, InstanceKind::Webinar))
        .ok_or_else(|| not_found(&r.display()))?;
    ctx.require_for_owner(scopes, &inst.host_id)?;
    Ok(inst)
}

/// `GET /meetings/{meetingId}/recordings` (ID → latest instance, or UUID).
pub fn get_meeting(ctx: &Ctx<'_>, raw_mid: &str) -> ApiResult {
    let mut data = ctx.state.data();
    let p = resolve_any(ctx, &data, raw_mid, &MEETING_RECORDINGS, |_| {
        ApiError::no_recording()
    })?;
    if p.recording_files.is_empty() {
        return Err(ApiError::no_recording());
    }
    let mut obj = recording_object(&ctx.state.origin, p);
    if let Some(map) = obj.as_object_mut() {
        map.insert("password".into(), json!(p.recording_password));
        map.insert(
            "recording_play_passcode".into(),
            json!(crate::seed::fake_id(&format!("{}/passcode", p.uuid))),
        );
        map.insert("participant_audio_files".into(), json!([]));
    }
    let wants_token = ctx
        .query
        .get("include_fields")
        .is_some_and(|f| f.split(',').any(|x| x.trim() == "download_access_token"));
    if wants_token {
        let ttl = match ctx.query.get_non_empty("ttl") {
            None => 86_400,
            Some(raw) => match raw.trim().parse::<i64>() {
                Ok(t) if (0..=604_800).contains(&t) => t,
                _ => return Err(ApiError::validation("ttl", "Invalid field.")),
            },
        };
        let token = format!(
            "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzUxMiJ9.sim-download.{}",
            crate::seed::fake_id(&format!("{}/{}", p.uuid, rand::random::<u64>()))
        );
        data.download_access_tokens
            .insert(token.clone(), now_secs() + ttl.max(1));
        if let Some(map) = obj.as_object_mut() {
            map.insert("download_access_token".into(), json!(token));
        }
    }
    Ok(json_response(StatusCode::OK, &obj))
}

/// Parses `from`/`to` (`yyyy-mm-dd`), applying Zoom's defaults and the
/// one-month limit. Returns (from, to) as Unix seconds of their midnights.
pub fn date_range(
    ctx: &Ctx<'_>,
    default_from: i64,
    default_to: i64,
    required: bool,
) -> Result<(i64, i64), ApiError> {
    let parse = |name: &str| -> Result<Option<i64>, ApiError> {
        match ctx.query.get_non_empty(name) {
            None => Ok(None),
            Some(raw) => crate::time::parse_date_or_datetime(raw.trim())
                .map(|t| Some(t - t.rem_euclid(86_400)))
                .ok_or_else(|| ApiError::validation(name, &format!("Invalid date format: {raw}"))),
        }
    };
    let from = parse("from")?;
    let to = parse("to")?;
    if required {
        let mut missing = Vec::new();
        if from.is_none() {
            missing.push(("from".to_string(), "Required field.".to_string()));
        }
        if to.is_none() {
            missing.push(("to".to_string(), "Required field.".to_string()));
        }
        if !missing.is_empty() {
            return Err(ApiError::validation_many(missing));
        }
    }
    let from = from.unwrap_or(default_from);
    let to = to.unwrap_or(default_to);
    if to < from {
        return Err(ApiError::bad_request(
            "The 'to' date must be later than the 'from' date.",
        ));
    }
    if to > add_one_month(from) {
        return Err(ApiError::bad_request(
            "The date range cannot exceed one month.",
        ));
    }
    Ok((from, to))
}

/// `GET /users/{userId}/recordings`
pub fn list_user(ctx: &Ctx<'_>, raw_uid: &str) -> ApiResult {
    let data = ctx.state.data();
    let user_id = ctx.resolve_user(&data, raw_uid, &USER_RECORDINGS, ApiError::user_not_found)?;
    let today = data.today();
    let (from, to) = date_range(ctx, today, today + 86_400, false)?;
    let meeting_filter = match ctx.query.get_non_empty("meeting_id") {
        None => None,
        Some(raw) => Some(
            raw.trim()
                .parse::<i64>()
                .map_err(|_| ApiError::validation("meeting_id", "Invalid field."))?,
        ),
    };
    let trash = ctx.query.get("trash").is_some_and(|t| t == "true");
    let mut instances: Vec<&PastInstance> = if trash {
        Vec::new()
    } else {
        data.past
            .iter()
            .filter(|p| p.host_id == user_id && !p.recording_files.is_empty())
            .filter(|p| p.start >= from && p.start < to + 86_400)
            .filter(|p| meeting_filter.is_none_or(|id| p.meeting_id == id))
            .collect()
    };
    instances.sort_by_key(|p| std::cmp::Reverse(p.start));
    let items: Vec<Value> = instances
        .iter()
        .map(|p| recording_object(&ctx.state.origin, p))
        .collect();
    let list_id = format!(
        "recordings|{user_id}|{from}|{to}|{}|{trash}",
        meeting_filter.unwrap_or(0)
    );
    let req = ctx
        .state
        .pager
        .request(&ctx.query, &list_id, MAX_PAGE_SIZE, false)?;
    let page = ctx.state.pager.page(&list_id, req, &items);
    Ok(json_response(
        StatusCode::OK,
        &json!({
            "from": format_date(from),
            "to": format_date(to),
            "page_count": page.page_count,
            "page_size": page.page_size,
            "total_records": page.total_records,
            "next_page_token": page.next_page_token,
            "meetings": page.items,
        }),
    ))
}

/// `GET /meetings/{meetingId}/transcript` (metadata; the text is behind
/// `download_url`).
pub fn transcript(ctx: &Ctx<'_>, raw_mid: &str) -> ApiResult {
    let data = ctx.state.data();
    let p = resolve_any(ctx, &data, raw_mid, &TRANSCRIPT, |_| {
        ApiError::no_transcript()
    })?;
    let mut obj = json!({
        "meeting_id": p.uuid,
        "account_id": ACCOUNT_ID,
        "meeting_topic": p.topic,
        "host_id": p.host_id,
        "auto_delete": false,
    });
    let Some(map) = obj.as_object_mut() else {
        return Err(ApiError::no_transcript());
    };
    let reason = match p.transcript {
        TranscriptState::Missing => return Err(ApiError::no_transcript()),
        TranscriptState::Available => None,
        TranscriptState::NotReady => Some("NOT_READY"),
        TranscriptState::Deleted => Some("DELETED_OR_TRASHED"),
        TranscriptState::NoData => Some("NO_TRANSCRIPT_DATA"),
        TranscriptState::Unsupported => Some("UNSUPPORTED"),
    };
    if p.transcript != TranscriptState::NotReady {
        map.insert(
            "transcript_created_time".into(),
            json!(format_datetime(p.end + 240)),
        );
    }
    match (reason, &p.transcript_token) {
        (None, Some(token)) => {
            map.insert("can_download".into(), json!(true));
            map.insert(
                "download_url".into(),
                json!(format!(
                    "{}/rec/meeting/transcript/download/{token}",
                    ctx.state.origin
                )),
            );
        }
        (reason, _) => {
            map.insert("can_download".into(), json!(false));
            map.insert(
                "download_restriction_reason".into(),
                json!(reason.unwrap_or("NO_TRANSCRIPT_DATA")),
            );
        }
    }
    Ok(json_response(StatusCode::OK, &obj))
}
