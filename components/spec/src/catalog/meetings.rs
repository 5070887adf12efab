//! Scheduled meetings: create, update, delete, retrieve one, list a user's.

use crate::{Action, ConnectionKind, Method, Param, ParamType, RateCategory, Rule, Runner};

const MEETING_ID: Param = Param::path(
    "meetingId",
    ParamType::MeetingId,
    "The meeting's ID (spaces and dashes allowed)",
);
const MEETING_TYPE: ParamType = ParamType::Choice(&["1", "2", "3", "8", "10"]);

/// The body fields shared by create and update; `$type` and `$pre_schedule`
/// differ (an update declares no defaults: a form that pre-filled `type=2`
/// would turn a recurring meeting into a one-off).
macro_rules! meeting_body {
    ($type:expr, $pre_schedule:expr, $($extra:expr,)*) => {
        &[
            $($extra,)*
            Param::body("topic", ParamType::Text, "The meeting's topic").max_len(200),
            $type,
            Param::body("start_time", ParamType::DateTime, "Start time: yyyy-MM-ddTHH:mm:ssZ (UTC) or local time with `timezone`"),
            Param::body("duration", ParamType::Integer, "Scheduled duration in minutes").range(1, 1440),
            Param::body("timezone", ParamType::Text, "Timezone of start_time, e.g. America/New_York"),
            Param::body("agenda", ParamType::Text, "The meeting's agenda").max_len(2000),
            Param::body("password", ParamType::Text, "Passcode to join").max_len(10),
            Param::body("schedule_for", ParamType::Text, "Email or user ID of the user to schedule for"),
            Param::body("recurrence", ParamType::JsonObject, "Recurrence object (type 8 meetings), e.g. {\"type\":2,\"weekly_days\":\"2\"}"),
            Param::body("settings", ParamType::JsonObject, "Meeting settings object, e.g. {\"waiting_room\":true}"),
            Param::body("template_id", ParamType::Text, "ID of an account meeting template"),
            Param::body("tracking_fields", ParamType::JsonArray, "Tracking fields, e.g. [{\"field\":\"Team\",\"value\":\"Ops\"}]"),
            $pre_schedule,
        ]
    };
}

const TYPE: Param = Param::body(
    "type",
    MEETING_TYPE,
    "1 instant, 2 scheduled, 3 recurring without fixed time, 8 recurring with fixed time, 10 screen share only",
);
const PRE_SCHEDULE: Param = Param::body(
    "pre_schedule",
    ParamType::Boolean,
    "Create a prescheduled meeting through the GSuite app",
);

/// What Zoom changes for one occurrence of a recurring meeting; it ignores
/// the other fields there.
const OCCURRENCE_FIELDS: &[&str] = &["agenda", "start_time", "duration", "timezone", "settings"];

pub const CREATE_MEETING: Action = Action {
    name: "create-meeting",
    title: "Create a meeting in Zoom",
    connection: ConnectionKind::User,
    classic_scopes: &["meeting:write"],
    granular_scopes: &["meeting:write:meeting"],
    method: Method::Post,
    path: "/users/{userId}/meetings",
    rate: RateCategory::Light,
    params: meeting_body![
        TYPE.default("2"),
        PRE_SCHEDULE.default("false"),
        Param::body(
            "default_password",
            ParamType::Boolean,
            "Generate a passcode when none is given and the account requires one"
        )
        .default("true"),
    ],
    rules: &[Rule::UtcIgnoresZone {
        time: "start_time",
        zone: "timezone",
    }],
    body_schemas: Some(include_str!(
        "../../../../spec/body-schemas/meeting-create.json"
    )),
    output_schema: output_schema!("create-meeting"),
    ..Action::BASE
};

pub const CREATE_MEETING_ADMIN: Action = CREATE_MEETING.admin(
    "create-meeting-admin",
    "Create a meeting in Zoom (Admin Scopes)",
    &["meeting:write:admin"],
    &["meeting:write:meeting:admin"],
);

pub const UPDATE_MEETING: Action = Action {
    name: "update-meeting",
    title: "Update a meeting in Zoom",
    connection: ConnectionKind::User,
    classic_scopes: &["meeting:write"],
    granular_scopes: &["meeting:update:meeting"],
    method: Method::Patch,
    path: "/meetings/{meetingId}",
    rate: RateCategory::Light,
    params: meeting_body![
        TYPE,
        PRE_SCHEDULE,
        MEETING_ID,
        Param::query(
            "occurrence_id",
            ParamType::Text,
            "Update only this occurrence (agenda, start_time, duration, timezone, settings)"
        ),
    ],
    rules: &[
        Rule::UtcIgnoresZone {
            time: "start_time",
            zone: "timezone",
        },
        Rule::ChangesSomething,
        Rule::OnlyWith {
            when: "occurrence_id",
            allowed: OCCURRENCE_FIELDS,
            why: "Zoom changes only agenda, start_time, duration, timezone and settings of one occurrence and ignores the rest; update the whole series without occurrence_id",
        },
    ],
    runner: Some(Runner::ConfirmUpdate),
    body_schemas: Some(include_str!(
        "../../../../spec/body-schemas/meeting-update.json"
    )),
    output_schema: output_schema!("update-meeting"),
    ..Action::BASE
};

pub const UPDATE_MEETING_ADMIN: Action = UPDATE_MEETING.admin(
    "update-meeting-admin",
    "Update a meeting in Zoom (Admin Scopes)",
    &["meeting:write:admin"],
    &["meeting:update:meeting:admin"],
);

pub const DELETE_MEETING: Action = Action {
    name: "delete-meeting",
    title: "Delete a meeting in Zoom",
    connection: ConnectionKind::User,
    classic_scopes: &["meeting:write"],
    granular_scopes: &["meeting:delete:meeting"],
    method: Method::Delete,
    path: "/meetings/{meetingId}",
    rate: RateCategory::Light,
    params: &[
        MEETING_ID,
        Param::query(
            "occurrence_id",
            ParamType::Text,
            "Delete only this occurrence (else the whole series)",
        ),
        Param::query(
            "schedule_for_reminder",
            ParamType::Boolean,
            "Email the host and alternative hosts about the cancellation",
        ),
        Param::query(
            "cancel_meeting_reminder",
            ParamType::Boolean,
            "Email registrants about the cancellation",
        )
        .default("false"),
    ],
    runner: Some(Runner::ConfirmDelete),
    output_schema: output_schema!("delete-meeting"),
    ..Action::BASE
};

pub const DELETE_MEETING_ADMIN: Action = DELETE_MEETING.admin(
    "delete-meeting-admin",
    "Delete a meeting in Zoom (Admin Scopes)",
    &["meeting:write:admin"],
    &["meeting:delete:meeting:admin"],
);

pub const RETRIEVE_MEETING: Action = Action {
    name: "retrieve-meeting",
    title: "Retrieve a meeting from Zoom",
    connection: ConnectionKind::User,
    classic_scopes: &["meeting:read"],
    granular_scopes: &["meeting:read:meeting"],
    method: Method::Get,
    path: "/meetings/{meetingId}",
    rate: RateCategory::Light,
    params: &[
        MEETING_ID,
        Param::query(
            "occurrence_id",
            ParamType::Text,
            "Show this occurrence of a recurring meeting",
        ),
        Param::query(
            "show_previous_occurrences",
            ParamType::Boolean,
            "Include all previous occurrences of a recurring meeting",
        ),
    ],
    output_schema: output_schema!("retrieve-meeting"),
    ..Action::BASE
};

pub const RETRIEVE_MEETING_ADMIN: Action = RETRIEVE_MEETING.admin(
    "retrieve-meeting-admin",
    "Retrieve a meeting from Zoom (Admin Scopes)",
    &["meeting:read:admin"],
    &["meeting:read:meeting:admin"],
);

pub const RETRIEVE_MEETINGS: Action = Action {
    name: "retrieve-meetings",
    title: "Retrieve meetings from Zoom",
    connection: ConnectionKind::User,
    classic_scopes: &["meeting:read"],
    granular_scopes: &["meeting:read:list_meetings"],
    method: Method::Get,
    path: "/users/{userId}/meetings",
    rate: RateCategory::Medium,
    list_key: Some("meetings"),
    params: &[
        Param::query(
            "type",
            ParamType::Choice(&[
                "scheduled",
                "live",
                "upcoming",
                "upcoming_meetings",
                "previous_meetings",
            ]),
            "Which meetings to list",
        )
        .default("scheduled"),
        Param::page_size(300),
        Param::page_token(),
        Param::query(
            "page_number",
            ParamType::Integer,
            "Page number (prefer next_page_token)",
        )
        .range(1, i64::MAX),
        Param::query("from", ParamType::Date, "Start date, yyyy-mm-dd"),
        Param::query("to", ParamType::Date, "End date, yyyy-mm-dd"),
        Param::query(
            "timezone",
            ParamType::Text,
            "Timezone of from and to, e.g. Europe/Berlin",
        ),
    ],
    rules: &[Rule::Requires("timezone", "from")],
    output_schema: output_schema!("retrieve-meetings"),
    ..Action::BASE
};

pub const RETRIEVE_MEETINGS_ADMIN: Action = RETRIEVE_MEETINGS.admin(
    "retrieve-meetings-admin",
    "Retrieve meetings from Zoom (Admin Scopes)",
    &["meeting:read:admin"],
    &["meeting:read:list_meetings:admin"],
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::raw;
    use crate::{Failure, plan};

    #[test]
    fn start_times_with_offsets_go_to_zoom_in_utc_and_utc_with_a_timezone_is_explained() {
        let r = plan(
            &CREATE_MEETING,
            &raw(&[
                ("topic", "T"),
                ("start_time", "2026-12-01T11:00:00.000+02:00"),
            ]),
        )
        .unwrap();
        let body: serde_json::Value = serde_json::from_str(r.body.as_deref().unwrap()).unwrap();
        assert_eq!(body["start_time"], "2026-12-01T09:00:00Z");

        let local = plan(
            &CREATE_MEETING,
            &raw(&[
                ("start_time", "2026-12-01 09:00"),
                ("timezone", "Europe/Berlin"),
            ]),
        )
        .unwrap();
        let body: serde_json::Value = serde_json::from_str(local.body.as_deref().unwrap()).unwrap();
        assert_eq!(body["start_time"], "2026-12-01T09:00:00");

        let Err(Failure::InvalidParams(problems)) = plan(
            &UPDATE_MEETING,
            &raw(&[
                ("meetingId", "85123456789"),
                ("start_time", "2026-12-01T09:00:00Z"),
                ("timezone", "Europe/Berlin"),
            ]),
        ) else {
            panic!("UTC with a timezone passed without a word");
        };
        assert_eq!(problems[0].name, "start_time");
        assert!(
            problems[0]
                .message
                .contains("only show it in Europe/Berlin"),
            "{}",
            problems[0].message
        );
    }
}

#[cfg(test)]
mod nested_tests {
    use super::*;
    use crate::test_support::raw;
    use crate::{Failure, plan};
    use crate::{ParamLocation, ParamType};

    #[test]
    fn settings_and_recurrence_are_checked_against_zooms_schema_all_at_once() {
        for (action, target) in [
            (CREATE_MEETING, ("topic", "Weekly")),
            (UPDATE_MEETING_ADMIN, ("meetingId", "85123456789")),
        ] {
            let Err(Failure::InvalidParams(problems)) = plan(
                &action,
                &raw(&[
                    target,
                    (
                        "settings",
                        r#"{"audio_recording":"cloud","jbh_time":7,"waiting_room":"yes"}"#,
                    ),
                    ("recurrence", r#"{"weekly_days":"1,9","end_times":61}"#),
                ]),
            ) else {
                panic!("{}: bad nested fields passed", action.name);
            };
            let mut names: Vec<&str> = problems.iter().map(|p| p.name.as_str()).collect();
            names.sort();
            assert_eq!(
                names,
                [
                    "recurrence.end_times",
                    "recurrence.type",
                    "recurrence.weekly_days",
                    "settings.audio_recording",
                    "settings.jbh_time",
                    "settings.waiting_room",
                ],
                "{}: {problems:?}",
                action.name
            );
            let typo = problems
                .iter()
                .find(|p| p.name == "settings.audio_recording")
                .unwrap();
            assert!(
                typo.message.contains("did you mean 'auto_recording'"),
                "{}",
                typo.message
            );
        }
        let ok = plan(
            &CREATE_MEETING,
            &raw(&[
                ("type", "8"),
                (
                    "settings",
                    r#"{"auto_recording":"cloud","jbh_time":5,"waiting_room":true}"#,
                ),
                (
                    "recurrence",
                    r#"{"type":2,"weekly_days":"2,4","end_times":10}"#,
                ),
                ("tracking_fields", r#"[{"field":"Team","value":"Ops"}]"#),
            ]),
        );
        assert!(ok.is_ok(), "{ok:?}");
    }

    #[test]
    fn every_structured_body_field_of_a_meeting_write_has_zooms_schema() {
        for action in [CREATE_MEETING, UPDATE_MEETING] {
            let schemas: serde_json::Value =
                serde_json::from_str(action.body_schemas.unwrap()).unwrap();
            for param in action.params.iter().filter(|p| {
                p.location == ParamLocation::Body
                    && matches!(p.kind, ParamType::JsonObject | ParamType::JsonArray)
            }) {
                assert!(
                    schemas["fields"][param.name].is_object(),
                    "{}: no schema for {}",
                    action.name,
                    param.name
                );
            }
        }
    }
}
