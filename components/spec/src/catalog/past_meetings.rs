//! Ended meetings: details and participants, by meeting ID (latest instance)
//! or instance UUID.

use crate::{Action, ConnectionKind, Method, Param, ParamType, RateCategory};

const MEETING_ID_OR_UUID: Param = Param::path(
    "meetingId",
    ParamType::MeetingIdOrUuid,
    "The meeting's ID (latest ended instance) or an instance UUID",
);

pub const RETRIEVE_PAST_MEETING: Action = Action {
    name: "retrieve-past-meeting",
    title: "Retrieve past meeting details from Zoom",
    connection: ConnectionKind::User,
    classic_scopes: &["meeting:read"],
    granular_scopes: &["meeting:read:past_meeting"],
    method: Method::Get,
    path: "/past_meetings/{meetingId}",
    rate: RateCategory::Light,
    params: &[MEETING_ID_OR_UUID],
    output_schema: output_schema!("retrieve-past-meeting"),
    ..Action::BASE
};

pub const RETRIEVE_PAST_MEETING_ADMIN: Action = RETRIEVE_PAST_MEETING.admin(
    "retrieve-past-meeting-admin",
    "Retrieve past meeting details from Zoom (Admin Scopes)",
    &["meeting:read:admin"],
    &["meeting:read:past_meeting:admin"],
);

pub const RETRIEVE_PAST_MEETING_PARTICIPANTS: Action = Action {
    name: "retrieve-past-meeting-participants",
    title: "Retrieve past meeting participants from Zoom",
    connection: ConnectionKind::User,
    classic_scopes: &["meeting:read"],
    granular_scopes: &["meeting:read:list_past_participants"],
    method: Method::Get,
    path: "/past_meetings/{meetingId}/participants",
    rate: RateCategory::Medium,
    list_key: Some("participants"),
    params: &[
        MEETING_ID_OR_UUID,
        Param::page_size(300),
        Param::page_token(),
    ],
    output_schema: output_schema!("retrieve-past-meeting-participants"),
    ..Action::BASE
};

pub const RETRIEVE_PAST_MEETING_PARTICIPANTS_ADMIN: Action = RETRIEVE_PAST_MEETING_PARTICIPANTS
    .admin(
        "retrieve-past-meeting-participants-admin",
        "Retrieve past meeting participants from Zoom (Admin Scopes)",
        &["meeting:read:admin"],
        &["meeting:read:list_past_participants:admin"],
    );
