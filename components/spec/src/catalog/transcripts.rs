//! A meeting's transcript, as text. The declaration is the metadata request
//! Zoom documents (`plan` shows it); the SDK's [`Runner::Transcript`] then
//! downloads the WebVTT file it points to and parses it into cues.

use crate::{Action, ConnectionKind, Method, Param, ParamType, RateCategory, Runner};

pub const RETRIEVE_MEETING_TRANSCRIPT: Action = Action {
    name: "retrieve-meeting-transcript",
    title: "Retrieve a meeting transcript from Zoom",
    connection: ConnectionKind::User,
    classic_scopes: &["recording:read", "recording:write"],
    granular_scopes: &["cloud_recording:read:meeting_transcript"],
    method: Method::Get,
    path: "/meetings/{meetingId}/transcript",
    rate: RateCategory::Medium,
    params: &[Param::path(
        "meetingId",
        ParamType::MeetingIdOrUuid,
        "The meeting's ID (latest ended instance) or an instance UUID",
    )],
    runner: Some(Runner::Transcript),
    output_schema: output_schema!("retrieve-meeting-transcript"),
    ..Action::BASE
};

pub const RETRIEVE_MEETING_TRANSCRIPT_ADMIN: Action = RETRIEVE_MEETING_TRANSCRIPT.admin(
    "retrieve-meeting-transcript-admin",
    "Retrieve a meeting transcript from Zoom (Admin Scopes)",
    &["recording:read:admin", "recording:write:admin"],
    &["cloud_recording:read:meeting_transcript:admin"],
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transcript_plan_is_the_metadata_request() {
        let r = crate::plan(
            &RETRIEVE_MEETING_TRANSCRIPT_ADMIN,
            &[("meetingId".into(), "Ab//cd3eF+g==".into())],
        )
        .unwrap();
        assert_eq!(
            r.path_and_query,
            "/meetings/Ab%252F%252Fcd3eF%252Bg%253D%253D/transcript"
        );
        assert_eq!(r.body, None);
    }
}
