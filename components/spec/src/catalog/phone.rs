//! Zoom Phone: call history of a user or the account, one call, phone
//! users. Only the current `call_history` endpoints; never the retired
//! `/phone/call_logs` ones.

use crate::{Action, ConnectionKind, ItemParts, Method, Param, ParamType, RateCategory, Rule};

const DIRECTIONS: ParamType = ParamType::TextList(&["inbound", "outbound"]);
const CONNECT_TYPES: ParamType = ParamType::TextList(&["internal", "external"]);
const NUMBER_TYPES: ParamType = ParamType::TextList(&[
    "zoom_pstn",
    "zoom_toll_free_number",
    "external_pstn",
    "external_contact",
    "byoc",
    "byop",
    "3rd_party_contact_center",
    "zoom_service_number",
    "external_service_number",
    "zoom_contact_center",
    "meeting_phone_number",
    "meeting_id",
    "anonymous_number",
    "zoom_revenue_accelerator",
]);
const CALL_TYPES: ParamType = ParamType::TextList(&["general", "emergency"]);
const EXTENSION_TYPES: ParamType = ParamType::TextList(&[
    "user",
    "call_queue",
    "auto_receptionist",
    "common_area",
    "zoom_room",
    "cisco_room",
    "shared_line_group",
    "group_call_pickup",
    "external_contact",
]);
/// `call_results` of a user's history (the account's list is longer).
const USER_CALL_RESULTS: ParamType = ParamType::TextList(&[
    "answered",
    "connected",
    "voicemail",
    "hang_up",
    "no_answer",
    "invalid_operation",
    "abandoned",
    "blocked",
    "service_unavailable",
]);
const ACCOUNT_CALL_RESULTS: ParamType = ParamType::TextList(&[
    "answered",
    "accepted",
    "picked_up",
    "connected",
    "succeeded",
    "voicemail",
    "hang_up",
    "canceled",
    "call_failed",
    "unconnected",
    "rejected",
    "busy",
    "ring_timeout",
    "overflowed",
    "no_answer",
    "invalid_key",
    "invalid_operation",
    "abandoned",
    "system_blocked",
    "service_unavailable",
]);

/// `from` and `to`: dates or UTC date-times, `to` with `from`, one month at most.
const CALL_WINDOW: Rule = Rule::DateWindow {
    from: "from",
    to: "to",
    required: false,
    to_with_from: true,
};

/// The filters shared by a user's and the account's call history; only
/// `call_results` differs.
macro_rules! call_history_params {
    ($call_results:expr, $recording_status:expr) => {
        &[
            Param::page_size(300),
            Param::page_token(),
            Param::query("from", ParamType::DateOrDateTime, "Start, yyyy-mm-dd or yyyy-MM-ddTHH:mm:ssZ, within the last 6 months; Zoom's default is the last 24 hours"),
            Param::query("to", ParamType::DateOrDateTime, "End, yyyy-mm-dd or yyyy-MM-ddTHH:mm:ssZ; required with from, at most one month after it"),
            Param::query("keyword", ParamType::Text, "Search by name, extension, number, email or call ID"),
            Param::query("directions", DIRECTIONS, "Only these directions: a list (a,b or a JSON array)").max_items(2),
            Param::query("connect_types", CONNECT_TYPES, "Only internal and/or external calls: a list (a,b or a JSON array)").max_items(2),
            Param::query("number_types", NUMBER_TYPES, "Only these caller or callee number types: a list (a,b or a JSON array), at most 10").max_items(10),
            Param::query("call_types", CALL_TYPES, "Only general and/or emergency calls: a list (a,b or a JSON array)").max_items(2),
            Param::query("extension_types", EXTENSION_TYPES, "Only these extension types: a list (a,b or a JSON array), at most 10").max_items(10),
            Param::query("call_results", $call_results, "Only these call results: a list (a,b or a JSON array), at most 10").max_items(10),
            Param::query("group_ids", ParamType::TextList(&[]), "Only these primary group IDs: a list (a,b or a JSON array), at most 10").max_items(10),
            Param::query("site_ids", ParamType::TextList(&[]), "Only these site IDs: a list (a,b or a JSON array), at most 10").max_items(10),
            Param::query("department", ParamType::Text, "Only calls of this department"),
            Param::query("cost_center", ParamType::Text, "Only calls of this cost center"),
            Param::query("time_type", ParamType::Choice(&["start_time", "end_time"]), "Whether from/to match start or end times").default("start_time"),
            $recording_status,
            Param::query("with_voicemail", ParamType::Boolean, "Only calls with (true) or without (false) voicemail"),
        ]
    };
}

pub const RETRIEVE_USER_CALL_HISTORY: Action = Action {
    name: "retrieve-user-call-history",
    title: "Retrieve user call history from Zoom",
    connection: ConnectionKind::User,
    classic_scopes: &["phone_call_log:read"],
    granular_scopes: &["phone:read:list_call_logs"],
    method: Method::Get,
    path: "/phone/users/{userId}/call_history",
    rate: RateCategory::Medium,
    list_key: Some("call_logs"),
    params: call_history_params!(
        USER_CALL_RESULTS,
        Param::query(
            "recording_status",
            ParamType::Choice(&["recorded", "non_recorded"]),
            "Only calls with, or without, a recording"
        )
    ),
    rules: &[CALL_WINDOW],
    item_parts: Some(ItemParts {
        array: "call_elements",
        key: "call_id",
    }),
    output_schema: output_schema!("retrieve-user-call-history"),
    ..Action::BASE
};

pub const RETRIEVE_USER_CALL_HISTORY_ADMIN: Action = RETRIEVE_USER_CALL_HISTORY.admin(
    "retrieve-user-call-history-admin",
    "Retrieve user call history from Zoom (Admin Scopes)",
    &["phone:read:admin"],
    &["phone:read:list_call_logs:admin"],
);

pub const RETRIEVE_ACCOUNT_CALL_HISTORY: Action = Action {
    name: "retrieve-account-call-history",
    title: "Retrieve accounts call history from Zoom (Admin Scopes)",
    connection: ConnectionKind::Admin,
    classic_scopes: &["phone:read:admin", "phone_call_log:read:admin"],
    granular_scopes: &["phone:read:list_call_logs:admin"],
    method: Method::Get,
    path: "/phone/call_history",
    rate: RateCategory::Heavy,
    list_key: Some("call_history"),
    // Zoom's spec gives the account history's recording_status a default of
    // `recorded`: without the filter Zoom may list recorded calls only.
    params: call_history_params!(
        ACCOUNT_CALL_RESULTS,
        Param::query(
            "recording_status",
            ParamType::Choice(&["recorded", "non_recorded"]),
            "Only calls with, or without, a recording; Zoom's spec defaults this to recorded, so without it Zoom may list recorded calls only (ask for non_recorded as well to see every call)"
        )
        .default("recorded")
    ),
    rules: &[CALL_WINDOW],
    output_schema: output_schema!("retrieve-account-call-history"),
    ..Action::BASE
};

pub const RETRIEVE_CALL_HISTORY: Action = Action {
    name: "retrieve-call-history",
    title: "Retrieve call history from Zoom (Admin Scopes)",
    connection: ConnectionKind::Admin,
    classic_scopes: &["phone:read:admin", "phone_call_log:read:admin"],
    granular_scopes: &["phone:read:call_log:admin"],
    method: Method::Get,
    path: "/phone/call_history/{callHistoryUuid}",
    rate: RateCategory::Light,
    // One call object; its `call_elements` are not paginated.
    list_key: None,
    params: &[Param::path(
        "callHistoryUuid",
        ParamType::Text,
        "The call's call_history_uuid (from a call history list)",
    )],
    output_schema: output_schema!("retrieve-call-history"),
    ..Action::BASE
};

pub const RETRIEVE_PHONE_USERS: Action = Action {
    name: "retrieve-phone-users",
    title: "Retrieve phone users from Zoom (Admin Scopes)",
    connection: ConnectionKind::Admin,
    classic_scopes: &["phone:read:admin"],
    granular_scopes: &["phone:read:list_users:admin"],
    method: Method::Get,
    path: "/phone/users",
    rate: RateCategory::Medium,
    list_key: Some("users"),
    params: &[
        Param::page_size(100),
        Param::page_token(),
        Param::query("site_id", ParamType::Text, "Only users of this site"),
        Param::query(
            "calling_type",
            ParamType::Integer,
            "Only users with this calling plan type",
        ),
        Param::query(
            "status",
            ParamType::Choice(&["activate", "deactivate", "pending"]),
            "Only users with this phone status",
        ),
        Param::query(
            "department",
            ParamType::Text,
            "Only users of this department",
        ),
        Param::query(
            "cost_center",
            ParamType::Text,
            "Only users of this cost center",
        ),
        Param::query(
            "keyword",
            ParamType::Text,
            "Part of a name, extension number or phone number",
        ),
    ],
    output_schema: output_schema!("retrieve-phone-users"),
    ..Action::BASE
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Failure, plan};

    use crate::test_support::raw;

    #[test]
    fn a_json_array_and_a_comma_list_mean_the_same() {
        let from_list = crate::plan(
            &RETRIEVE_ACCOUNT_CALL_HISTORY,
            &raw(&[("directions", "inbound,outbound"), ("group_ids", "g1, g2")]),
        )
        .unwrap();
        let from_json = crate::plan(
            &RETRIEVE_ACCOUNT_CALL_HISTORY,
            &raw(&[
                ("directions", r#"["inbound", "outbound"]"#),
                ("group_ids", r#"["g1","g2"]"#),
            ]),
        )
        .unwrap();
        assert_eq!(from_list.path_and_query, from_json.path_and_query);
        assert!(
            from_json
                .path_and_query
                .contains("group_ids=g1&group_ids=g2"),
            "no brackets or quotes reach Zoom: {}",
            from_json.path_and_query
        );
    }

    #[test]
    fn list_item_limits_of_the_spec_are_enforced() {
        let eleven: Vec<String> = (0..11).map(|i| format!("g{i}")).collect();
        for value in [eleven.join(","), serde_json::to_string(&eleven).unwrap()] {
            let Err(crate::Failure::InvalidParams(problems)) = crate::plan(
                &RETRIEVE_ACCOUNT_CALL_HISTORY,
                &raw(&[("group_ids", value.as_str())]),
            ) else {
                panic!("11 group IDs were accepted");
            };
            assert_eq!(problems[0].name, "group_ids");
            assert!(
                problems[0].message.contains("at most 10"),
                "{}",
                problems[0].message
            );
        }
        for bad in [r#"["inbound", {"x": 1}]"#, "[]", r#"["inbound""#] {
            assert!(
                crate::plan(&RETRIEVE_ACCOUNT_CALL_HISTORY, &raw(&[("directions", bad)])).is_err(),
                "{bad}"
            );
        }
    }

    fn problems(action: &Action, pairs: &[(&str, &str)]) -> Vec<crate::InvalidParam> {
        match plan(action, &raw(pairs)) {
            Err(Failure::InvalidParams(p)) => p,
            other => panic!("expected invalid params, got {other:?}"),
        }
    }

    #[test]
    fn user_call_history_is_mine_with_repeated_array_filters() {
        let r = plan(
            &RETRIEVE_USER_CALL_HISTORY,
            &raw(&[
                ("from", "2026-11-01T00:00:00Z"),
                ("to", "2026-11-28"),
                ("directions", "inbound,outbound"),
                ("with_voicemail", "true"),
            ]),
        )
        .unwrap();
        assert_eq!(
            r.path_and_query,
            "/phone/users/me/call_history?from=2026-11-01T00%3A00%3A00Z&to=2026-11-28&directions=inbound&directions=outbound&with_voicemail=true"
        );
    }

    #[test]
    fn call_history_to_is_required_with_from_and_filters_are_checked() {
        let p = problems(
            &RETRIEVE_USER_CALL_HISTORY_ADMIN,
            &[("userId", "ada@example.com"), ("from", "2026-11-01")],
        );
        assert_eq!(p[0].name, "to");
        let p = problems(
            &RETRIEVE_ACCOUNT_CALL_HISTORY,
            &[("from", "2026-09-01"), ("to", "2026-11-01")],
        );
        assert!(p[0].message.contains("one month"));
        let p = problems(
            &RETRIEVE_USER_CALL_HISTORY,
            &[("call_results", "answered,busy")],
        );
        assert!(
            p[0].message.contains("'busy'"),
            "busy is only an account call result"
        );
        assert!(
            plan(
                &RETRIEVE_ACCOUNT_CALL_HISTORY,
                &raw(&[("call_results", "answered,busy")])
            )
            .is_ok()
        );
    }

    #[test]
    fn one_call_and_phone_users_requests() {
        let r = plan(
            &RETRIEVE_CALL_HISTORY,
            &raw(&[(
                "callHistoryUuid",
                "20261128-48c1dfd4-91ce-4df5-8495-7c9e33d10869",
            )]),
        )
        .unwrap();
        assert_eq!(
            r.path_and_query,
            "/phone/call_history/20261128-48c1dfd4-91ce-4df5-8495-7c9e33d10869"
        );
        let p = problems(&RETRIEVE_PHONE_USERS, &[("page_size", "300")]);
        assert!(p[0].message.contains("from 1 to 100"));
    }

    #[test]
    fn call_history_uuid_may_not_be_a_dot_segment() {
        // `/phone/call_history/..` would be normalised to `/phone/`.
        for dots in [".", ".."] {
            let p = problems(&RETRIEVE_CALL_HISTORY, &[("callHistoryUuid", dots)]);
            assert_eq!(p.len(), 1, "{dots}: {p:?}");
            assert_eq!(p[0].name, "callHistoryUuid");
            assert!(
                p[0].message.starts_with("may not be `.` or `..`"),
                "{dots}: {}",
                p[0].message
            );
        }
        // Anything else is one encoded segment, dots and all.
        for (uuid, segment) in [
            ("...", "..."),
            (".a", ".a"),
            ("a..", "a.."),
            ("%2e%2e", "%252e%252e"),
            ("../admin", "..%2Fadmin"),
            (" .. ", "%20..%20"),
        ] {
            let r = plan(&RETRIEVE_CALL_HISTORY, &raw(&[("callHistoryUuid", uuid)]))
                .unwrap_or_else(|f| panic!("{uuid}: {f:?}"));
            assert_eq!(r.path_and_query, format!("/phone/call_history/{segment}"));
        }
    }
}
