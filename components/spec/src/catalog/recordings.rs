//! Cloud recordings: one meeting's files (by ID or instance UUID) and a
//! user's recordings over a date range.

use crate::{Action, ConnectionKind, Method, Param, ParamType, RateCategory, Rule};

pub const RETRIEVE_MEETING_RECORDINGS: Action = Action {
    name: "retrieve-meeting-recordings",
    title: "Retrieve meeting recordings from Zoom",
    connection: ConnectionKind::User,
    classic_scopes: &["recording:read"],
    granular_scopes: &["cloud_recording:read:list_recording_files"],
    method: Method::Get,
    path: "/meetings/{meetingId}/recordings",
    rate: RateCategory::Light,
    // `recording_files` is a plain array of one meeting, never paginated.
    list_key: None,
    params: &[
        Param::path(
            "meetingId",
            ParamType::MeetingIdOrUuid,
            "The meeting's ID (latest ended instance) or an instance UUID",
        ),
        Param::query(
            "include_fields",
            ParamType::Choice(&["download_access_token"]),
            "download_access_token: include a token that downloads the files",
        ),
        Param::query(
            "ttl",
            ParamType::Integer,
            "Lifetime of download_access_token in seconds (with include_fields)",
        )
        .range(0, 604800),
    ],
    rules: &[Rule::Requires("ttl", "include_fields")],
    output_schema: output_schema!("retrieve-meeting-recordings"),
    ..Action::BASE
};

/// Zoom's spec lists only `phone_recording:read:admin` as this endpoint's
/// admin classic scope (almost certainly an error); `recording:read:admin`
/// is listed first because that is what admin apps hold.
pub const RETRIEVE_MEETING_RECORDINGS_ADMIN: Action = RETRIEVE_MEETING_RECORDINGS.admin(
    "retrieve-meeting-recordings-admin",
    "Retrieve meeting recordings from Zoom (Admin Scopes)",
    &["recording:read:admin", "phone_recording:read:admin"],
    &["cloud_recording:read:list_recording_files:admin"],
);

pub const RETRIEVE_ALL_RECORDINGS: Action = Action {
    name: "retrieve-all-recordings",
    title: "Retrieve all recordings from Zoom",
    connection: ConnectionKind::User,
    classic_scopes: &["recording:read"],
    granular_scopes: &["cloud_recording:read:list_user_recordings"],
    method: Method::Get,
    path: "/users/{userId}/recordings",
    rate: RateCategory::Medium,
    list_key: Some("meetings"),
    params: &[
        Param::page_size(300),
        Param::page_token(),
        Param::query(
            "from",
            ParamType::Date,
            "Start date (UTC), yyyy-mm-dd; Zoom's default is today",
        ),
        Param::query(
            "to",
            ParamType::Date,
            "End date (UTC), yyyy-mm-dd, at most one month after from",
        ),
        Param::query(
            "mc",
            ParamType::Boolean,
            "Query recordings made through an on-premise meeting connector",
        )
        .default("false"),
        Param::query(
            "trash",
            ParamType::Boolean,
            "List recordings in the trash instead",
        )
        .default("false"),
        Param::query(
            "trash_type",
            ParamType::Choice(&["meeting_recordings", "recording_file"]),
            "What to list from the trash: whole meeting recordings or single files",
        )
        .default("meeting_recordings"),
        Param::query(
            "meeting_id",
            ParamType::MeetingId,
            "Only this meeting's recordings",
        ),
    ],
    rules: &[
        Rule::DateWindow {
            from: "from",
            to: "to",
            required: false,
            to_with_from: false,
        },
        Rule::Requires("trash_type", "trash"),
        Rule::NotWithFlag {
            params: &["from", "to"],
            flag: "trash",
            why: "Zoom lists the whole trash and ignores the dates; leave them out, or list recordings without trash",
        },
    ],
    output_schema: output_schema!("retrieve-all-recordings"),
    ..Action::BASE
};

pub const RETRIEVE_ALL_RECORDINGS_ADMIN: Action = RETRIEVE_ALL_RECORDINGS.admin(
    "retrieve-all-recordings-admin",
    "Retrieve all recordings from Zoom (Admin Scopes)",
    &["recording:read:admin"],
    &["cloud_recording:read:list_user_recordings:admin"],
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Failure, plan};

    use crate::test_support::raw;

    #[test]
    fn dates_are_refused_together_with_the_trash() {
        let Err(Failure::InvalidParams(problems)) = plan(
            &RETRIEVE_ALL_RECORDINGS,
            &raw(&[
                ("trash", "true"),
                ("from", "2026-11-01"),
                ("to", "2026-11-20"),
            ]),
        ) else {
            panic!("dates with trash=true were accepted");
        };
        let names: Vec<&str> = problems.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["from", "to"]);
        assert!(
            problems[0]
                .message
                .contains("cannot be used with trash=true")
        );
        assert!(plan(&RETRIEVE_ALL_RECORDINGS, &raw(&[("trash", "true")])).is_ok());
        assert!(
            plan(
                &RETRIEVE_ALL_RECORDINGS,
                &raw(&[("trash", "false"), ("from", "2026-11-01")])
            )
            .is_ok()
        );
    }

    #[test]
    fn meeting_recordings_by_uuid_are_double_encoded_and_ttl_needs_include_fields() {
        let r = plan(
            &RETRIEVE_MEETING_RECORDINGS,
            &raw(&[
                ("meetingId", "/ajXp112QmuoKj4854875=="),
                ("include_fields", "download_access_token"),
                ("ttl", "3600"),
            ]),
        )
        .unwrap();
        assert_eq!(
            r.path_and_query,
            "/meetings/%252FajXp112QmuoKj4854875%253D%253D/recordings?include_fields=download_access_token&ttl=3600"
        );
        let Err(Failure::InvalidParams(p)) = plan(
            &RETRIEVE_MEETING_RECORDINGS,
            &raw(&[("meetingId", "85123456789"), ("ttl", "60")]),
        ) else {
            panic!("ttl alone must be refused");
        };
        assert_eq!(p[0].name, "ttl");
    }

    #[test]
    fn all_recordings_window_is_at_most_one_month() {
        let r = plan(
            &RETRIEVE_ALL_RECORDINGS_ADMIN,
            &raw(&[
                ("userId", "ada@example.com"),
                ("from", "2026-11-01"),
                ("to", "2026-11-28"),
                ("meeting_id", "851 2345 6789"),
            ]),
        )
        .unwrap();
        assert_eq!(
            r.path_and_query,
            "/users/ada%40example.com/recordings?from=2026-11-01&to=2026-11-28&meeting_id=85123456789"
        );
        let Err(Failure::InvalidParams(p)) = plan(
            &RETRIEVE_ALL_RECORDINGS,
            &raw(&[("from", "2026-10-01"), ("to", "2026-11-28")]),
        ) else {
            panic!("a two-month window must be refused");
        };
        assert!(p[0].message.contains("one month"));
    }
}
