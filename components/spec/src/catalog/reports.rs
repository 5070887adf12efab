//! Account reports (admin only, no user twins): one meeting's or webinar's
//! details, a meeting's participants, meeting activity logs and the history
//! meeting list.

use crate::{Action, ConnectionKind, Method, Param, ParamType, RateCategory, Rule};

const REPORT_MEETING_ID: Param = Param::path(
    "meetingId",
    ParamType::MeetingIdOrUuid,
    "The meeting's ID (latest ended instance) or an instance UUID",
);

/// `from`/`to` required, at most one month apart.
const REQUIRED_WINDOW: Rule = Rule::DateWindow {
    from: "from",
    to: "to",
    required: true,
    to_with_from: true,
};

pub const RETRIEVE_MEETING_DETAIL_REPORT: Action = Action {
    name: "retrieve-meeting-detail-report",
    title: "Retrieve meeting detail reports from Zoom (Admin Scopes)",
    connection: ConnectionKind::Admin,
    classic_scopes: &["report:read:admin"],
    granular_scopes: &["report:read:meeting:admin"],
    method: Method::Get,
    path: "/report/meetings/{meetingId}",
    rate: RateCategory::Heavy,
    params: &[REPORT_MEETING_ID],
    output_schema: output_schema!("retrieve-meeting-detail-report"),
    ..Action::BASE
};

pub const RETRIEVE_MEETING_PARTICIPANT_REPORT: Action = Action {
    name: "retrieve-meeting-participant-report",
    title: "Retrieve meeting participant reports from Zoom (Admin Scopes)",
    connection: ConnectionKind::Admin,
    classic_scopes: &["report:read:admin"],
    granular_scopes: &["report:read:list_meeting_participants:admin"],
    method: Method::Get,
    path: "/report/meetings/{meetingId}/participants",
    rate: RateCategory::Heavy,
    list_key: Some("participants"),
    params: &[
        REPORT_MEETING_ID,
        Param::page_size(300),
        Param::page_token(),
        Param::query(
            "include_fields",
            ParamType::Choice(&["registrant_id"]),
            "registrant_id: include each participant's registrant ID",
        ),
    ],
    output_schema: output_schema!("retrieve-meeting-participant-report"),
    ..Action::BASE
};

pub const RETRIEVE_MEETING_ACTIVITIES_REPORT: Action = Action {
    name: "retrieve-meeting-activities-report",
    title: "Retrieve a meeting activities report from Zoom (Admin Scopes)",
    connection: ConnectionKind::Admin,
    classic_scopes: &["report:read:admin"],
    granular_scopes: &["report:read:meeting_activity_log:admin"],
    method: Method::Get,
    path: "/report/meeting_activities",
    rate: RateCategory::Heavy,
    list_key: Some("meeting_activity_logs"),
    params: &[
        Param::query("from", ParamType::Date, "Start date, yyyy-mm-dd").required(),
        Param::query("to", ParamType::Date, "End date, yyyy-mm-dd, at most one month after from").required(),
        Param::page_size(300),
        Param::page_token(),
        Param::query("meeting_number", ParamType::Text, "Only this meeting number's activities"),
        Param::query("search_key", ParamType::Text, "An operator's name or email"),
        // Zoom's schema enumerates labels; its description numeric codes. Both are accepted.
        Param::query(
            "activity_type",
            ParamType::Choice(&[
                "All Activities",
                "Meeting Created",
                "Meeting Started",
                "User Join",
                "User Left",
                "Remote Control",
                "In-Meeting Chat",
                "Meeting Ended",
                "-1",
                "0",
                "1",
                "2",
                "3",
                "4",
                "5",
                "9",
            ]),
            "Activity to list, as label or code: -1 All Activities, 0 Meeting Created, 1 Meeting Started, 2 User Join, 3 User Left, 4 Remote Control, 5 In-Meeting Chat, 9 Meeting Ended; all of them when not given",
        )
        .sent_by_default("All Activities"),
    ],
    rules: &[REQUIRED_WINDOW],
    output_schema: output_schema!("retrieve-meeting-activities-report"),
    ..Action::BASE
};

pub const RETRIEVE_WEBINAR_DETAIL_REPORT: Action = Action {
    name: "retrieve-webinar-detail-report",
    title: "Retrieve webinar detail reports from Zoom (Admin Scopes)",
    connection: ConnectionKind::Admin,
    classic_scopes: &["report:read:admin"],
    granular_scopes: &["report:read:webinar:admin"],
    method: Method::Get,
    path: "/report/webinars/{webinarId}",
    rate: RateCategory::Heavy,
    params: &[Param::path(
        "webinarId",
        ParamType::MeetingIdOrUuid,
        "The webinar's ID (latest ended instance) or an instance UUID",
    )],
    output_schema: output_schema!("retrieve-webinar-detail-report"),
    ..Action::BASE
};

pub const RETRIEVE_HISTORY_MEETINGS: Action = Action {
    name: "retrieve-history-meetings",
    title: "Retrieve history meeting and webinar list from Zoom (Admin Scopes)",
    connection: ConnectionKind::Admin,
    classic_scopes: &["report:read:admin"],
    granular_scopes: &["report:read:list_history_meetings:admin"],
    method: Method::Get,
    path: "/report/history_meetings",
    rate: RateCategory::Heavy,
    list_key: Some("history_meetings"),
    params: &[
        Param::query("from", ParamType::Date, "Start date, yyyy-mm-dd").required(),
        Param::query(
            "to",
            ParamType::Date,
            "End date, yyyy-mm-dd, at most one month after from",
        )
        .required(),
        Param::query(
            "date_type",
            ParamType::Choice(&["start_time", "end_time"]),
            "Whether from/to match start or end times",
        )
        .default("start_time"),
        Param::query(
            "meeting_type",
            ParamType::Choice(&["meeting", "webinar", "all"]),
            "Meetings, webinars or both",
        ),
        Param::query(
            "report_type",
            ParamType::Choice(&["all", "poll", "survey", "qa", "resource", "reaction"]),
            "Only meetings that have this kind of report",
        ),
        Param::query(
            "search_key",
            ParamType::Text,
            "Keywords of the topic, or a meeting ID",
        ),
        Param::page_size(300),
        Param::page_token(),
        Param::query(
            "group_id",
            ParamType::Text,
            "Only hosts in this group (see List groups)",
        ),
        // Each item is checked against Zoom's enum; the list is sent as one
        // comma-separated value, as Zoom's description asks ("To provide
        // multiple values, separate them with commas").
        Param::query(
            "meeting_feature",
            MEETING_FEATURES,
            "Only meetings that used these features, comma-separated (e.g. meeting_summary,poll,waiting_room)",
        )
        .comma_joined(),
    ],
    rules: &[REQUIRED_WINDOW],
    output_schema: output_schema!("retrieve-history-meetings"),
    ..Action::BASE
};

/// The `meeting_feature` values of Zoom's schema.
const MEETING_FEATURES: ParamType = ParamType::TextList(&[
    "screen_sharing",
    "video_on",
    "remote_control",
    "closed_caption",
    "language_interpretation",
    "telephone_usage",
    "in_meeting_chat",
    "poll",
    "join_by_room",
    "waiting_room",
    "live_transcription",
    "reaction",
    "zoom_apps",
    "annotation",
    "raise_hand",
    "virtual_background",
    "whiteboard",
    "immersive_scene",
    "avatar",
    "switch_to_mobile",
    "file_sharing",
    "meeting_summary",
    "meeting_questions",
    "record_to_computer",
    "record_to_cloud",
    "live_translation",
    "registration",
    "smart_recording",
    "multi_speaker",
    "meeting_wallpaper",
    "gen_ai_virtual_background",
    "multi_share",
    "document_collaboration",
    "portrait_lighting",
    "personalized_audio_isolation",
    "color_themes",
]);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Failure, plan};

    use crate::test_support::raw;

    #[test]
    fn activity_type_is_all_activities_unless_given() {
        let r = plan(
            &RETRIEVE_MEETING_ACTIVITIES_REPORT,
            &raw(&[("from", "2026-11-01"), ("to", "2026-11-28")]),
        )
        .unwrap();
        assert!(
            r.path_and_query.contains("activity_type=All%20Activities"),
            "{}",
            r.path_and_query
        );
        let r = plan(
            &RETRIEVE_MEETING_ACTIVITIES_REPORT,
            &raw(&[
                ("from", "2026-11-01"),
                ("to", "2026-11-28"),
                ("activity_type", "User Join"),
            ]),
        )
        .unwrap();
        assert!(r.path_and_query.contains("activity_type=User%20Join"));
        assert!(!r.path_and_query.contains("All%20Activities"));
    }

    #[test]
    fn activity_type_accepts_labels_and_numeric_codes() {
        for activity in ["All Activities", "-1", "9"] {
            let r = plan(
                &RETRIEVE_MEETING_ACTIVITIES_REPORT,
                &raw(&[
                    ("from", "2026-11-01"),
                    ("to", "2026-11-28"),
                    ("activity_type", activity),
                ]),
            )
            .unwrap();
            assert!(r.path_and_query.starts_with(
                "/report/meeting_activities?from=2026-11-01&to=2026-11-28&activity_type="
            ));
        }
        assert!(
            plan(
                &RETRIEVE_MEETING_ACTIVITIES_REPORT,
                &raw(&[
                    ("from", "2026-11-01"),
                    ("to", "2026-11-28"),
                    ("activity_type", "7")
                ])
            )
            .is_err()
        );
    }

    #[test]
    fn history_meetings_require_a_window_of_at_most_one_month() {
        let Err(Failure::InvalidParams(p)) = plan(&RETRIEVE_HISTORY_MEETINGS, &[]) else {
            panic!("from and to are required");
        };
        let names: Vec<&str> = p.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["from", "to"]);
        let Err(Failure::InvalidParams(p)) = plan(
            &RETRIEVE_HISTORY_MEETINGS,
            &raw(&[("from", "2026-09-01"), ("to", "2026-11-01")]),
        ) else {
            panic!("two months are too long");
        };
        assert!(p[0].message.contains("one month"));
        let r = plan(
            &RETRIEVE_HISTORY_MEETINGS,
            &raw(&[
                ("from", "2026-11-01"),
                ("to", "2026-11-28"),
                ("meeting_feature", "meeting_summary,poll"),
            ]),
        )
        .unwrap();
        assert_eq!(
            r.path_and_query,
            "/report/history_meetings?from=2026-11-01&to=2026-11-28&meeting_feature=meeting_summary%2Cpoll"
        );
        let Err(Failure::InvalidParams(p)) = plan(
            &RETRIEVE_HISTORY_MEETINGS,
            &raw(&[
                ("from", "2026-11-01"),
                ("to", "2026-11-28"),
                ("meeting_feature", "poll,dancing"),
            ]),
        ) else {
            panic!("a feature Zoom does not know must be refused");
        };
        assert_eq!(p[0].name, "meeting_feature");
        assert!(p[0].message.contains("'dancing'"), "{}", p[0].message);
    }

    #[test]
    fn participant_report_pages_and_encodes_uuids() {
        let r = plan(
            &RETRIEVE_MEETING_PARTICIPANT_REPORT,
            &raw(&[
                ("meetingId", "/ajXp112QmuoKj4854875=="),
                ("page_size", "300"),
                ("include_fields", "registrant_id"),
            ]),
        )
        .unwrap();
        assert_eq!(
            r.path_and_query,
            "/report/meetings/%252FajXp112QmuoKj4854875%253D%253D/participants?page_size=300&include_fields=registrant_id"
        );
    }
}
