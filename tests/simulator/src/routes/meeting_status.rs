//! `PUT /meetings/{meetingId}/status`: ending a meeting in progress, and
//! the sandbox's demo meetings.

use super::Ctx;
use super::meetings::{UPDATE, find_meeting};
use crate::errors::{ApiError, ApiResult, no_content};
use serde_json::Value;

/// `PUT /meetings/{meetingId}/status` with `{"action": "end"}`: ends the
/// meeting in progress (`meeting.ended`), as Zoom does. A meeting that is
/// not in progress is refused as Zoom refuses it, except in the sandbox
/// ([`crate::SimConfig::sandbox_autopilot`]), where it is held at once as a
/// host would have held it: started, ended, its cloud recording and then
/// its transcript completed (a demo's whole meeting in one request).
pub fn status(ctx: &Ctx<'_>, raw_mid: &str) -> ApiResult {
    let id = {
        let data = ctx.state.data();
        find_meeting(ctx, &data, raw_mid, &UPDATE)?.id
    };
    let body = ctx.json_object_body()?;
    match body.get("action").and_then(Value::as_str) {
        Some("end") => {}
        Some("recover") => return Ok(no_content()),
        _ => {
            return Err(ApiError::bad_request(
                "Invalid field: action (end or recover).",
            ));
        }
    }
    let live = ctx.state.data().live.contains_key(&id);
    let internal = |e: anyhow::Error| ApiError::bad_request(e.to_string());
    if live {
        ctx.state.end_meeting(id).map_err(internal)?;
    } else if ctx.state.config.sandbox_autopilot {
        ctx.state.start_meeting(id).map_err(internal)?;
        ctx.state.end_meeting(id).map_err(internal)?;
        ctx.state.complete_recording(id).map_err(internal)?;
        ctx.state.complete_transcript(id).map_err(internal)?;
    } else {
        // Zoom's exact code here is not documented: the simulator's choice.
        return Err(ApiError::new(
            axum::http::StatusCode::BAD_REQUEST,
            3000,
            format!("Meeting {id} is not in progress."),
        ));
    }
    Ok(no_content())
}
