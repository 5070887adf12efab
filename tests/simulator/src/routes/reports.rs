//! Admin-only reports: `/report/meetings/{meetingId}`,
//! `/report/meetings/{meetingId}/participants`, `/report/meeting_activities`,
//! `/report/webinars/{webinarId}`, `/report/history_meetings`.
//!
//! Every handler checks the admin scope first, so a user token gets 400 code
//! 4711 whatever else is wrong with the request.

use super::{Ctx, Scopes};
use crate::errors::{ApiError, ApiResult, json_response};
use crate::ids::parse_meeting_ref;
use crate::pagination::MAX_PAGE_SIZE;
use crate::routes::past::{find_instance, total_minutes};
use crate::routes::recordings::date_range;
use crate::state::{Data, InstanceKind, PastInstance};
use crate::time::format_datetime;
use axum::http::StatusCode;
use serde_json::{Value, json};

pub const MEETING: Scopes = Scopes::admin_only(&["report:read:admin", "report:read:meeting:admin"]);
pub const PARTICIPANTS: Scopes = Scopes::admin_only(&[
    "report:read:admin",
    "report:read:list_meeting_participants:admin",
]);
pub const ACTIVITIES: Scopes = Scopes::admin_only(&[
    "report:read:admin",
    "report:read:meeting_activity_log:admin",
]);
pub const WEBINAR: Scopes = Scopes::admin_only(&["report:read:admin", "report:read:webinar:admin"]);
pub const HISTORY: Scopes = Scopes::admin_only(&[
    "report:read:admin",
    "report:read:list_history_meetings:admin",
]);

fn resolve<'a>(
    data: &'a Data,
    raw: &str,
    kind: InstanceKind,
) -> Result<&'a PastInstance, ApiError> {
    let r = parse_meeting_ref(raw)?;
    find_instance(data, &r, kind).ok_or_else(|| ApiError::report_meeting_not_found(&r.display()))
}

fn detail(data: &Data, p: &PastInstance) -> Value {
    let host = data.find_user(&p.host_id);
    json!({
        "uuid": p.uuid,
        "id": p.meeting_id,
        "type": p.meeting_type,
        "topic": p.topic,
        "user_name": host.map(|h| h.display_name()).unwrap_or_default(),
        "user_email": host.map(|h| h.email.clone()).unwrap_or_default(),
        "start_time": format_datetime(p.start),
        "end_time": format_datetime(p.end),
        "duration": (p.end - p.start) / 60,
        "total_minutes": total_minutes(p),
        "participants_count": p.participants.len(),
        "dept": host.map(|h| h.dept.clone()).unwrap_or_default(),
        "custom_keys": [],
        "tracking_fields": [],
    })
}

/// `GET /report/meetings/{meetingId}`
pub fn meeting(ctx: &Ctx<'_>, raw_mid: &str) -> ApiResult {
    ctx.require_admin(&MEETING)?;
    let data = ctx.state.data();
    let p = resolve(&data, raw_mid, InstanceKind::Meeting)?;
    Ok(json_response(StatusCode::OK, &detail(&data, p)))
}

/// `GET /report/webinars/{webinarId}`
pub fn webinar(ctx: &Ctx<'_>, raw_wid: &str) -> ApiResult {
    ctx.require_admin(&WEBINAR)?;
    let data = ctx.state.data();
    let p = resolve(&data, raw_wid, InstanceKind::Webinar)?;
    Ok(json_response(StatusCode::OK, &detail(&data, p)))
}

/// `GET /report/meetings/{meetingId}/participants`
pub fn meeting_participants(ctx: &Ctx<'_>, raw_mid: &str) -> ApiResult {
    ctx.require_admin(&PARTICIPANTS)?;
    let data = ctx.state.data();
    let p = resolve(&data, raw_mid, InstanceKind::Meeting)?;
    let with_registrant = ctx
        .query
        .get("include_fields")
        .is_some_and(|f| f.split(',').any(|x| x.trim() == "registrant_id"));
    let list_id = format!("report_participants|{}|{with_registrant}", p.uuid);
    let req = ctx
        .state
        .pager
        .request(&ctx.query, &list_id, MAX_PAGE_SIZE, false)?;
    let page = ctx.state.pager.page(&list_id, req, &p.participants);
    let items: Vec<Value> = page
        .items
        .iter()
        .map(|x| {
            let mut v = json!({
                "id": x.id,
                "user_id": x.user_id,
                "participant_user_id": if x.internal_user { x.id.clone() } else { String::new() },
                "name": x.name,
                "user_email": x.email,
                "join_time": format_datetime(x.join),
                "leave_time": format_datetime(x.leave),
                "duration": x.leave - x.join,
                "failover": false,
                "status": "in_meeting",
                "customer_key": "",
                "bo_mtg_id": "",
            });
            if with_registrant && let Some(obj) = v.as_object_mut() {
                obj.insert(
                    "registrant_id".into(),
                    json!(x.registrant_id.clone().unwrap_or_default()),
                );
            }
            v
        })
        .collect();
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

/// Activity categories: (numeric code, string form).
const ACTIVITY_TYPES: &[(i64, &str)] = &[
    (-1, "All Activities"),
    (0, "Meeting Created"),
    (1, "Meeting Started"),
    (2, "User Join"),
    (3, "User Left"),
    (4, "Remote Control"),
    (5, "In-Meeting Chat"),
    (9, "Meeting Ended"),
];

fn parse_activity_type(raw: &str) -> Option<i64> {
    let raw = raw.trim();
    if let Ok(n) = raw.parse::<i64>() {
        return ACTIVITY_TYPES
            .iter()
            .find(|(c, _)| *c == n)
            .map(|(c, _)| *c);
    }
    ACTIVITY_TYPES
        .iter()
        .find(|(_, s)| s.eq_ignore_ascii_case(raw))
        .map(|(c, _)| *c)
}

struct Activity {
    time: i64,
    code: i64,
    meeting_number: String,
    operator: String,
    operator_email: String,
    detail: String,
}

fn activities(data: &Data) -> Vec<Activity> {
    let mut out = Vec::new();
    for p in data.past.iter().filter(|p| p.kind == InstanceKind::Meeting) {
        let host = data.find_user(&p.host_id);
        let host_name = host.map(|h| h.display_name()).unwrap_or_default();
        let host_email = host.map(|h| h.email.clone()).unwrap_or_default();
        let number = p.meeting_id.to_string();
        let mut push = |time: i64, code: i64, who: &str, email: &str, detail: String| {
            out.push(Activity {
                time,
                code,
                meeting_number: number.clone(),
                operator: who.to_string(),
                operator_email: email.to_string(),
                detail,
            })
        };
        push(
            p.start - 3_600,
            0,
            &host_name,
            &host_email,
            format!("Meeting \"{}\" was created", p.topic),
        );
        push(
            p.start,
            1,
            &host_name,
            &host_email,
            format!("Meeting \"{}\" started", p.topic),
        );
        for x in p.participants.iter().take(6) {
            push(
                x.join,
                2,
                &x.name,
                &x.email,
                format!("{} joined the meeting", x.name),
            );
        }
        if let Some(x) = p.participants.get(1) {
            push(
                x.join + 300,
                5,
                &x.name,
                &x.email,
                format!("{} sent a chat message to Everyone", x.name),
            );
        }
        for x in p.participants.iter().take(6) {
            push(
                x.leave,
                3,
                &x.name,
                &x.email,
                format!("{} left the meeting", x.name),
            );
        }
        push(
            p.end,
            9,
            &host_name,
            &host_email,
            format!("Meeting \"{}\" ended", p.topic),
        );
    }
    out.sort_by_key(|a| std::cmp::Reverse(a.time));
    out
}

/// `GET /report/meeting_activities`
pub fn meeting_activities(ctx: &Ctx<'_>) -> ApiResult {
    ctx.require_admin(&ACTIVITIES)?;
    let (from, to) = date_range(ctx, 0, 0, true)?;
    let activity = match ctx.query.get_non_empty("activity_type") {
        None => return Err(ApiError::validation("activity_type", "Required field.")),
        Some(raw) => parse_activity_type(raw)
            .ok_or_else(|| ApiError::bad_request("Invalid parameter: activity_type."))?,
    };
    let number = ctx
        .query
        .get_non_empty("meeting_number")
        .map(|s| s.replace(' ', ""));
    let search = ctx.query.get_non_empty("search_key").map(str::to_lowercase);
    let data = ctx.state.data();
    let items: Vec<Value> = activities(&data)
        .into_iter()
        .filter(|a| a.time >= from && a.time < to + 86_400)
        .filter(|a| activity == -1 || a.code == activity)
        .filter(|a| number.as_ref().is_none_or(|n| &a.meeting_number == n))
        .filter(|a| {
            search.as_ref().is_none_or(|s| {
                a.operator.to_lowercase().contains(s) || a.operator_email.to_lowercase().contains(s)
            })
        })
        .map(|a| {
            let category = ACTIVITY_TYPES
                .iter()
                .find(|(c, _)| *c == a.code)
                .map(|(_, s)| *s)
                .unwrap_or("All Activities");
            json!({
                "meeting_number": a.meeting_number,
                "activity_time": format_datetime(a.time),
                "operator": a.operator,
                "operator_email": a.operator_email,
                "activity_category": category,
                "activity_detail": a.detail,
            })
        })
        .collect();
    let list_id = format!(
        "meeting_activities|{from}|{to}|{activity}|{}|{}",
        number.unwrap_or_default(),
        search.unwrap_or_default()
    );
    let req = ctx
        .state
        .pager
        .request(&ctx.query, &list_id, MAX_PAGE_SIZE, false)?;
    let page = ctx.state.pager.page(&list_id, req, &items);
    Ok(json_response(
        StatusCode::OK,
        &json!({
            "next_page_token": page.next_page_token,
            "page_size": page.page_size,
            "meeting_activity_logs": page.items,
        }),
    ))
}

/// `GET /report/history_meetings`
pub fn history_meetings(ctx: &Ctx<'_>) -> ApiResult {
    ctx.require_admin(&HISTORY)?;
    let (from, to) = date_range(ctx, 0, 0, true)?;
    let date_type = ctx.query.get_non_empty("date_type").unwrap_or("start_time");
    if !["start_time", "end_time"].contains(&date_type) {
        return Err(ApiError::bad_request("Invalid parameter: date_type."));
    }
    let meeting_type = ctx.query.get_non_empty("meeting_type").unwrap_or("all");
    if !["meeting", "webinar", "all"].contains(&meeting_type) {
        return Err(ApiError::bad_request("Invalid parameter: meeting_type."));
    }
    let search = ctx.query.get_non_empty("search_key").map(str::to_lowercase);
    let data = ctx.state.data();
    let mut instances: Vec<&PastInstance> = data
        .past
        .iter()
        .filter(|p| {
            let t = if date_type == "end_time" {
                p.end
            } else {
                p.start
            };
            t >= from && t < to + 86_400
        })
        .filter(|p| match meeting_type {
            "meeting" => p.kind == InstanceKind::Meeting,
            "webinar" => p.kind == InstanceKind::Webinar,
            _ => true,
        })
        .filter(|p| {
            search.as_ref().is_none_or(|s| {
                p.topic.to_lowercase().contains(s) || p.meeting_id.to_string().contains(s)
            })
        })
        .collect();
    instances.sort_by_key(|p| std::cmp::Reverse(p.start));
    let items: Vec<Value> = instances
        .iter()
        .map(|p| {
            let host = data.find_user(&p.host_id);
            let webinar = p.kind == InstanceKind::Webinar;
            json!({
                "meeting_uuid": p.uuid,
                "meeting_id": p.meeting_id,
                "type": if webinar { "Webinar" } else { "Meeting" },
                "host_display_name": host.map(|h| h.display_name()).unwrap_or_default(),
                "host_email": host.map(|h| h.email.clone()).unwrap_or_default(),
                "start_time": format_datetime(p.start),
                "end_time": format_datetime(p.end),
                "topic": p.topic,
                "participants": p.participants.len(),
                "duration": (p.end - p.start) / 60,
                "total_participant_minutes": total_minutes(p),
                "department": host.map(|h| h.dept.clone()).unwrap_or_default(),
                "group": [],
                "source": "Zoom",
                "unique_viewers": if webinar { p.participants.len() } else { 0 },
                "max_concurrent_views": if webinar { p.participants.len() } else { 0 },
                "create_time": format_datetime(p.start - 7 * 86_400),
                "custom_fields": [],
                "tracking_fields": [],
                "feature_used": {
                    "screen_sharing": true,
                    "video_on": true,
                    "remote_control": false,
                    "closed_caption": false,
                    "breakout_room": false,
                    "language_interpretation": false,
                    "telephone_usage": false,
                    "in_meeting_chat": true,
                    "poll": false,
                    "join_by_room": false,
                    "waiting_room": true,
                    "live_transcription": p.transcript_token.is_some(),
                    "reaction": true,
                    "zoom_apps": false,
                    "annotation": false,
                    "raise_hand": true,
                    "virtual_background": false,
                    "whiteboard": false,
                    "immersive_scene": false,
                    "avatar": false,
                    "switch_to_mobile": false,
                    "file_sharing": false,
                    "meeting_summary": p.summary_created.is_some(),
                    "meeting_questions": false,
                    "record_to_computer": false,
                    "record_to_cloud": !p.recording_files.is_empty(),
                    "live_translation": false,
                    "registration": false,
                    "smart_recording": false,
                    "multi_speaker": false,
                    "meeting_wallpaper": false,
                    "gen_ai_virtual_background": false,
                    "multi_share": false,
                    "document_collaboration": false,
                    "portrait_lighting": false,
                    "personalized_audio_isolation": false,
                    "color_themes": false
                },
            })
        })
        .collect();
    let list_id = format!(
        "history_meetings|{from}|{to}|{date_type}|{meeting_type}|{}",
        search.unwrap_or_default()
    );
    let req = ctx
        .state
        .pager
        .request(&ctx.query, &list_id, MAX_PAGE_SIZE, false)?;
    let page = ctx.state.pager.page(&list_id, req, &items);
    Ok(json_response(
        StatusCode::OK,
        &json!({
            "next_page_token": page.next_page_token,
            "page_size": page.page_size,
            "history_meetings": page.items,
        }),
    ))
}
