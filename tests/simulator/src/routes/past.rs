//! Past meetings: `GET /past_meetings/{meetingId}`,
//! `GET /past_meetings/{meetingId}/participants` and
//! `GET /past_meetings/{meetingId}/instances`, plus instance lookup
//! (numeric ID → latest instance, UUID → that instance) shared with the
//! recording, transcript and report handlers.

use super::{Ctx, Scopes};
use crate::errors::{ApiError, ApiResult, json_response};
use crate::ids::{MeetingRef, parse_meeting_ref};
use crate::pagination::MAX_PAGE_SIZE;
use crate::state::{Data, InstanceKind, Participant, PastInstance};
use crate::time::format_datetime;
use axum::http::StatusCode;
use serde_json::{Value, json};

pub const DETAILS: Scopes = Scopes {
    user: &["meeting:read", "meeting:read:past_meeting"],
    admin: &["meeting:read:admin", "meeting:read:past_meeting:admin"],
};
pub const PARTICIPANTS: Scopes = Scopes {
    user: &["meeting:read", "meeting:read:list_past_participants"],
    admin: &[
        "meeting:read:admin",
        "meeting:read:list_past_participants:admin",
    ],
};

pub const INSTANCES: Scopes = Scopes {
    user: &["meeting:read", "meeting:read:list_past_instances"],
    admin: &[
        "meeting:read:admin",
        "meeting:read:list_past_instances:admin",
    ],
};

/// Finds an instance of `kind`: numeric ID → latest instance, UUID → exact.
pub fn find_instance<'a>(
    data: &'a Data,
    r: &MeetingRef,
    kind: InstanceKind,
) -> Option<&'a PastInstance> {
    match r {
        MeetingRef::Id(id) => data
            .past
            .iter()
            .filter(|p| p.meeting_id == *id && p.kind == kind)
            .max_by_key(|p| p.start),
        MeetingRef::Uuid(u) => data.past.iter().find(|p| &p.uuid == u && p.kind == kind),
    }
}

/// Decodes the segment, finds the meeting instance and checks scopes
/// against its host. Unknown → `not_found(display)`.
pub fn resolve_instance<'a>(
    ctx: &Ctx<'_>,
    data: &'a Data,
    raw: &str,
    kind: InstanceKind,
    scopes: &Scopes,
    not_found: fn(&str) -> ApiError,
) -> Result<&'a PastInstance, ApiError> {
    let r = parse_meeting_ref(raw)?;
    let inst = find_instance(data, &r, kind).ok_or_else(|| not_found(&r.display()))?;
    ctx.require_for_owner(scopes, &inst.host_id)?;
    Ok(inst)
}

/// Sum of attendance minutes.
pub fn total_minutes(p: &PastInstance) -> i64 {
    p.participants
        .iter()
        .map(|x| (x.leave - x.join).max(0))
        .sum::<i64>()
        / 60
}

/// `GET /past_meetings/{meetingId}`
pub fn details(ctx: &Ctx<'_>, raw_mid: &str) -> ApiResult {
    let data = ctx.state.data();
    let p = resolve_instance(
        ctx,
        &data,
        raw_mid,
        InstanceKind::Meeting,
        &DETAILS,
        ApiError::meeting_not_found,
    )?;
    let host = data.find_user(&p.host_id);
    Ok(json_response(
        StatusCode::OK,
        &json!({
            "id": p.meeting_id,
            "uuid": p.uuid,
            "duration": (p.end - p.start) / 60,
            "start_time": format_datetime(p.start),
            "end_time": format_datetime(p.end),
            "host_id": p.host_id,
            "dept": host.map(|h| h.dept.clone()).unwrap_or_default(),
            "participants_count": p.participants.len(),
            "source": "Zoom",
            "topic": p.topic,
            "total_minutes": total_minutes(p),
            "type": p.meeting_type,
            "user_email": host.map(|h| h.email.clone()).unwrap_or_default(),
            "user_name": host.map(|h| h.display_name()).unwrap_or_default(),
            "has_meeting_summary": p.summary_created.is_some(),
        }),
    ))
}

fn participant_item(x: &Participant) -> Value {
    let mut v = json!({
        "id": x.id,
        "name": x.name,
        "user_id": x.user_id,
        "user_email": x.email,
        "join_time": format_datetime(x.join),
        "leave_time": format_datetime(x.leave),
        "duration": x.leave - x.join,
        "failover": false,
        "status": "in_meeting",
        "internal_user": x.internal_user,
    });
    if let (Some(reg), Some(obj)) = (&x.registrant_id, v.as_object_mut()) {
        obj.insert("registrant_id".into(), json!(reg));
    }
    v
}

/// `GET /past_meetings/{meetingId}/instances`: the ended instances of a
/// meeting ID (a UUID is refused, as by Zoom), oldest first.
pub fn instances(ctx: &Ctx<'_>, raw_mid: &str) -> ApiResult {
    let data = ctx.state.data();
    let MeetingRef::Id(id) = parse_meeting_ref(raw_mid)? else {
        return Err(ApiError::meeting_not_found(raw_mid));
    };
    let mut found: Vec<&PastInstance> = data
        .past
        .iter()
        .filter(|p| p.meeting_id == id && p.kind == InstanceKind::Meeting)
        .collect();
    let Some(first) = found.first() else {
        return Err(ApiError::meeting_not_found(&id.to_string()));
    };
    ctx.require_for_owner(&INSTANCES, &first.host_id)?;
    found.sort_by_key(|p| p.start);
    let meetings: Vec<Value> = found
        .iter()
        .map(|p| json!({"uuid": p.uuid, "start_time": format_datetime(p.start)}))
        .collect();
    Ok(json_response(
        StatusCode::OK,
        &json!({ "meetings": meetings }),
    ))
}

/// `GET /past_meetings/{meetingId}/participants`
pub fn participants(ctx: &Ctx<'_>, raw_mid: &str) -> ApiResult {
    let data = ctx.state.data();
    let p = resolve_instance(
        ctx,
        &data,
        raw_mid,
        InstanceKind::Meeting,
        &PARTICIPANTS,
        ApiError::meeting_not_found,
    )?;
    let list_id = format!("past_participants|{}", p.uuid);
    let req = ctx
        .state
        .pager
        .request(&ctx.query, &list_id, MAX_PAGE_SIZE, false)?;
    let page = ctx.state.pager.page(&list_id, req, &p.participants);
    let items: Vec<Value> = page.items.iter().map(participant_item).collect();
    Ok(json_response(
        StatusCode::OK,
        &json!({
            "page_count": page.page_count,
            "page_size": page.page_size,
            "total_records": page.total_records,
            "next_page_token": page.next_page_token,
            "participants": items,
        }),
    ))
}
