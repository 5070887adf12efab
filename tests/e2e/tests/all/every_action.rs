//! Every one of the 33 actions end to end: the real component in the real
//! host against the simulator, asserting what a user sees (seeded values),
//! `--all` pagination for every paginated action, the transcript cases,
//! the raw API call, admin-only enforcement, and bad input of every
//! parameter kind.

use crate::conformance::{ISSUE_ACTIONS, USER_ACTIONS, last_20_days, one_call_each};
use serde_json::{Value, json};
use std::collections::{BTreeSet, HashSet};
use wrk_zoom::paginate::{PageSummary, for_each_item};
use wrk_zoom::{Host, HostError, ZoomConnection};
use wrk_zoom_e2e::{admin, host, params, simulator, user};
use zoom_simulator::{Fault, FaultRule, RunningSimulator, seed};

type Params = Vec<(String, String)>;

fn zoom_error(err: &HostError) -> (u16, Option<i64>, &str) {
    match err {
        HostError::Zoom {
            status,
            code,
            message,
            ..
        } => (*status, *code, message.as_str()),
        other => panic!("expected a Zoom error, got {other:?}"),
    }
}

/// The last request the simulator received: (method, raw path, query).
fn last_request(sim: &RunningSimulator) -> (String, String, Option<String>) {
    let r = sim
        .requests()
        .pop()
        .expect("a request reached the simulator");
    (r.method, r.raw_path, r.query)
}

// ---------------------------------------------------------------------------
// Users and scheduled meetings.

#[tokio::test]
async fn retrieve_user_shows_the_connections_own_profile() {
    let (host, sim) = (host(), simulator().await);
    let reply = host.run("retrieve-user", &user(&sim), &[]).await.unwrap();
    assert_eq!(reply.status, 200);
    let u = &reply.body;
    assert_eq!(u["id"], seed::USER_ID);
    assert_eq!(u["email"], seed::USER_EMAIL);
    assert_eq!(u["first_name"], seed::USER_FIRST_NAME);
    assert_eq!(u["last_name"], seed::USER_LAST_NAME);
    assert_eq!(u["pmi"], seed::USER_PMI);
    assert_eq!(u["account_id"], seed::ACCOUNT_ID);
    assert_eq!(last_request(&sim).1, "/v2/users/me");
}

#[tokio::test]
async fn create_meeting_schedules_a_meeting_for_me_with_the_given_fields() {
    let (host, sim) = (host(), simulator().await);
    let reply = host
        .run(
            "create-meeting",
            &user(&sim),
            &params(&[
                ("topic", "Engine review"),
                ("type", "2"),
                ("start_time", "2026-12-03T14:00:00Z"),
                ("duration", "45"),
                ("agenda", "Bug list"),
                ("settings", r#"{"waiting_room":true}"#),
                ("tracking_fields", r#"[{"field":"Team","value":"Ops"}]"#),
            ]),
        )
        .await
        .unwrap();
    assert_eq!(reply.status, 201);
    let m = &reply.body;
    assert_eq!(m["topic"], "Engine review");
    assert_eq!(m["duration"], 45);
    assert_eq!(m["agenda"], "Bug list");
    assert_eq!(m["host_id"], seed::USER_ID);
    assert_eq!(m["settings"]["waiting_room"], true);
    assert!(m["id"].as_i64().unwrap() >= seed::FIRST_CREATED_MEETING_ID);
    assert!(
        m["join_url"]
            .as_str()
            .is_some_and(|u| u.starts_with("https://"))
    );
    let request = sim.requests().pop().unwrap();
    assert_eq!(
        (request.method.as_str(), request.raw_path.as_str()),
        ("POST", "/v2/users/me/meetings")
    );
    let sent: Value = serde_json::from_str(&request.body).unwrap();
    assert_eq!(sent["type"], 2);
    assert_eq!(sent["duration"], 45);
    assert_eq!(sent["tracking_fields"][0]["value"], "Ops");
}

#[tokio::test]
async fn create_meeting_admin_schedules_for_another_user_by_email() {
    let (host, sim) = (host(), simulator().await);
    let reply = host
        .run(
            "create-meeting-admin",
            &admin(&sim),
            &params(&[("userId", seed::OTHER_USER_EMAIL), ("topic", "Seminar")]),
        )
        .await
        .unwrap();
    assert_eq!(reply.status, 201);
    assert_eq!(reply.body["host_id"], seed::OTHER_USER_ID);
    assert_eq!(reply.body["topic"], "Seminar");
    assert_eq!(
        last_request(&sim).1,
        "/v2/users/alan.turing%40example.com/meetings"
    );
}

#[tokio::test]
async fn retrieve_meeting_shows_a_seeded_meeting() {
    let (host, sim) = (host(), simulator().await);
    let id = seed::FIRST_USER_MEETING_ID.to_string();
    let reply = host
        .run(
            "retrieve-meeting",
            &user(&sim),
            &params(&[("meetingId", &id)]),
        )
        .await
        .unwrap();
    assert_eq!(reply.body["id"], seed::FIRST_USER_MEETING_ID);
    assert_eq!(reply.body["topic"], "Weekly team sync #1");
    assert_eq!(reply.body["host_id"], seed::USER_ID);
    assert_eq!(reply.body["type"], 2);
}

#[tokio::test]
async fn retrieve_meeting_admin_shows_another_users_meeting_that_a_user_token_may_not_see() {
    let (host, sim) = (host(), simulator().await);
    let id = seed::FIRST_OTHER_USER_MEETING_ID.to_string();
    let p = params(&[("meetingId", &id)]);
    let reply = host
        .run("retrieve-meeting-admin", &admin(&sim), &p)
        .await
        .unwrap();
    assert_eq!(reply.body["id"], seed::FIRST_OTHER_USER_MEETING_ID);
    assert_eq!(reply.body["host_id"], seed::OTHER_USER_ID);
    let err = host
        .run("retrieve-meeting", &user(&sim), &p)
        .await
        .unwrap_err();
    assert_eq!(zoom_error(&err).1, Some(4711), "{err}");
}

#[tokio::test]
async fn update_meeting_renames_my_meeting_and_retrieve_shows_the_new_topic() {
    let (host, sim) = (host(), simulator().await);
    let conn = user(&sim);
    let id = seed::FIRST_USER_MEETING_ID.to_string();
    let reply = host
        .run(
            "update-meeting",
            &conn,
            &params(&[("meetingId", &id), ("topic", "Renamed"), ("duration", "50")]),
        )
        .await
        .unwrap();
    // Zoom answers 204 with no body; the action confirms what it changed
    // and reads the meeting back.
    assert_eq!(reply.status, 204);
    assert_eq!(reply.body["updated"], true);
    assert_eq!(
        reply.body["changed"],
        json!({"topic": "Renamed", "duration": 50})
    );
    assert_eq!(reply.body["meeting"]["topic"], "Renamed");
    let request = sim
        .requests()
        .into_iter()
        .find(|r| r.method == "PATCH")
        .unwrap();
    assert_eq!(request.raw_path, format!("/v2/meetings/{id}"));
    assert_eq!(
        serde_json::from_str::<Value>(&request.body).unwrap(),
        json!({"topic": "Renamed", "duration": 50})
    );
    let fetched = host
        .run("retrieve-meeting", &conn, &params(&[("meetingId", &id)]))
        .await
        .unwrap();
    assert_eq!(fetched.body["topic"], "Renamed");
    assert_eq!(fetched.body["duration"], 50);
}

#[tokio::test]
async fn update_meeting_admin_renames_another_users_meeting() {
    let (host, sim) = (host(), simulator().await);
    let id = seed::FIRST_OTHER_USER_MEETING_ID.to_string();
    let reply = host
        .run(
            "update-meeting-admin",
            &admin(&sim),
            &params(&[("meetingId", &id), ("agenda", "New agenda")]),
        )
        .await
        .unwrap();
    assert_eq!(reply.status, 204);
    let fetched = host
        .run(
            "retrieve-meeting-admin",
            &admin(&sim),
            &params(&[("meetingId", &id)]),
        )
        .await
        .unwrap();
    assert_eq!(fetched.body["agenda"], "New agenda");
}

async fn assert_meeting_gone(host: &Host, conn: &ZoomConnection, id: &str, action: &str) {
    let err = host
        .run(action, conn, &params(&[("meetingId", id)]))
        .await
        .unwrap_err();
    assert_eq!(zoom_error(&err).0, 404, "{err}");
    assert_eq!(zoom_error(&err).1, Some(3001), "{err}");
    assert_eq!(err.category(), wrk_zoom::ErrorCategory::Zoom);
}

#[tokio::test]
async fn delete_meeting_removes_my_meeting() {
    let (host, sim) = (host(), simulator().await);
    let conn = user(&sim);
    let id = (seed::FIRST_USER_MEETING_ID + 2).to_string();
    let reply = host
        .run(
            "delete-meeting",
            &conn,
            &params(&[("meetingId", &id), ("cancel_meeting_reminder", "true")]),
        )
        .await
        .unwrap();
    assert_eq!(reply.status, 204);
    assert_eq!(
        reply.body,
        json!({"deleted": true, "meeting_id": seed::FIRST_USER_MEETING_ID + 2, "occurrence_id": null, "whole_series": true})
    );
    let (method, path, query) = last_request(&sim);
    assert_eq!(
        (method.as_str(), path),
        ("DELETE", format!("/v2/meetings/{id}"))
    );
    assert_eq!(query.as_deref(), Some("cancel_meeting_reminder=true"));
    assert_meeting_gone(&host, &conn, &id, "retrieve-meeting").await;
}

#[tokio::test]
async fn delete_meeting_admin_removes_another_users_meeting() {
    let (host, sim) = (host(), simulator().await);
    let conn = admin(&sim);
    let id = (seed::FIRST_OTHER_USER_MEETING_ID + 2).to_string();
    let reply = host
        .run(
            "delete-meeting-admin",
            &conn,
            &params(&[("meetingId", &id)]),
        )
        .await
        .unwrap();
    assert_eq!(reply.status, 204);
    assert_meeting_gone(&host, &conn, &id, "retrieve-meeting-admin").await;
}

// ---------------------------------------------------------------------------
// `--all`: every paginated action, each item exactly once.

/// Runs `action` with `--all` semantics and returns the items and summary.
async fn all_items(
    host: &Host,
    action: &str,
    conn: &ZoomConnection,
    p: &Params,
) -> (Vec<Value>, PageSummary) {
    let mut items = Vec::new();
    let summary = for_each_item(host, action, conn, p, None, |item| {
        items.push(item);
        Ok(())
    })
    .await
    .unwrap_or_else(|e| panic!("{action} --all: {e}"));
    assert!(!summary.truncated, "{action}");
    assert_eq!(summary.next_page_token, None, "{action}");
    assert_eq!(summary.items as usize, items.len(), "{action}");
    (items, summary)
}

/// Asserts `count` distinct items by `key` over more than one page.
fn assert_each_once(
    action: &str,
    items: &[Value],
    summary: &PageSummary,
    page_size: usize,
    count: usize,
    key: impl Fn(&Value) -> String,
) -> BTreeSet<String> {
    let keys: BTreeSet<String> = items.iter().map(&key).collect();
    assert_eq!(items.len(), count, "{action}: item count");
    assert_eq!(keys.len(), count, "{action}: every item exactly once");
    assert!(
        keys.iter().all(|k| !k.is_empty() && k != "null"),
        "{action}"
    );
    assert_eq!(
        summary.pages as usize,
        count.div_ceil(page_size).max(1),
        "{action}: pages of {page_size}"
    );
    keys
}

fn text(v: &Value, field: &str) -> String {
    match &v[field] {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The paginated actions this file follows with `--all`.
const PAGINATED: [&str; 13] = [
    "retrieve-meetings",
    "retrieve-meetings-admin",
    "retrieve-past-meeting-participants",
    "retrieve-past-meeting-participants-admin",
    "retrieve-all-recordings",
    "retrieve-all-recordings-admin",
    "retrieve-user-call-history",
    "retrieve-user-call-history-admin",
    "retrieve-account-call-history",
    "retrieve-phone-users",
    "retrieve-meeting-participant-report",
    "retrieve-meeting-activities-report",
    "retrieve-history-meetings",
];

#[tokio::test]
async fn the_paginated_actions_followed_here_are_exactly_those_with_a_list_key() {
    let with_list_key: BTreeSet<String> = host()
        .describe_all()
        .await
        .unwrap()
        .into_iter()
        .filter(|i| i.list_key.is_some())
        .map(|i| i.name)
        .collect();
    let followed: BTreeSet<String> = PAGINATED.iter().map(|s| s.to_string()).collect();
    assert_eq!(with_list_key, followed);
}

#[tokio::test]
async fn retrieve_meetings_all_lists_my_45_scheduled_meetings_once_each() {
    let (host, sim) = (host(), simulator().await);
    let (items, summary) = all_items(
        &host,
        "retrieve-meetings",
        &user(&sim),
        &params(&[("page_size", "10")]),
    )
    .await;
    let ids = assert_each_once(
        "retrieve-meetings",
        &items,
        &summary,
        10,
        seed::USER_SCHEDULED_MEETING_COUNT,
        |m| text(m, "id"),
    );
    let expected: BTreeSet<String> = (0..seed::USER_SCHEDULED_MEETING_COUNT as i64)
        .map(|i| (seed::FIRST_USER_MEETING_ID + i).to_string())
        .collect();
    assert_eq!(ids, expected);
    assert!(items.iter().all(|m| m["host_id"] == seed::USER_ID));
    assert_eq!(summary.list_key, "meetings");
}

#[tokio::test]
async fn retrieve_meetings_admin_all_lists_another_users_meetings() {
    let (host, sim) = (host(), simulator().await);
    let (items, summary) = all_items(
        &host,
        "retrieve-meetings-admin",
        &admin(&sim),
        &params(&[("userId", seed::OTHER_USER_ID), ("page_size", "2")]),
    )
    .await;
    assert_each_once(
        "retrieve-meetings-admin",
        &items,
        &summary,
        2,
        seed::OTHER_USER_SCHEDULED_MEETING_COUNT,
        |m| text(m, "id"),
    );
    assert!(items.iter().all(|m| m["host_id"] == seed::OTHER_USER_ID));
}

#[tokio::test]
async fn retrieve_past_meeting_participants_all_by_uuid_lists_each_participant_once() {
    let (host, sim) = (host(), simulator().await);
    let (items, summary) = all_items(
        &host,
        "retrieve-past-meeting-participants",
        &user(&sim),
        &params(&[
            ("meetingId", seed::ORDINARY_PAST_MEETING_UUID),
            ("page_size", "5"),
        ]),
    )
    .await;
    assert_each_once(
        "retrieve-past-meeting-participants",
        &items,
        &summary,
        5,
        seed::ORDINARY_PAST_MEETING_PARTICIPANTS,
        |p| text(p, "id"),
    );
    assert_eq!(items[0]["name"], "Ada Lovelace", "the host joins first");
    assert_eq!(items[0]["user_email"], seed::USER_EMAIL);
}

#[tokio::test]
async fn retrieve_past_meeting_participants_admin_all_lists_another_hosts_participants() {
    let (host, sim) = (host(), simulator().await);
    let id = seed::OTHER_USER_PAST_MEETING_ID.to_string();
    let (items, summary) = all_items(
        &host,
        "retrieve-past-meeting-participants-admin",
        &admin(&sim),
        &params(&[("meetingId", &id), ("page_size", "4")]),
    )
    .await;
    assert_each_once(
        "retrieve-past-meeting-participants-admin",
        &items,
        &summary,
        4,
        seed::OTHER_USER_PAST_MEETING_PARTICIPANTS,
        |p| text(p, "id"),
    );
    assert_eq!(items[0]["name"], "Alan Turing");
}

#[tokio::test]
async fn retrieve_all_recordings_all_lists_my_recorded_meetings_in_the_window() {
    let (host, sim) = (host(), simulator().await);
    let (from, to) = last_20_days();
    let (items, summary) = all_items(
        &host,
        "retrieve-all-recordings",
        &user(&sim),
        &params(&[("from", &from), ("to", &to), ("page_size", "1")]),
    )
    .await;
    let uuids = assert_each_once(
        "retrieve-all-recordings",
        &items,
        &summary,
        1,
        seed::USER_RECORDED_MEETING_COUNT,
        |m| text(m, "uuid"),
    );
    for uuid in [
        seed::BIG_PAST_MEETING_UUID,
        seed::SLASH_PAST_MEETING_UUID,
        seed::DOUBLE_SLASH_PAST_MEETING_UUID,
        seed::ORDINARY_PAST_MEETING_UUID,
    ] {
        assert!(uuids.contains(uuid), "{uuid} is listed");
    }
    assert!(items.iter().all(|m| {
        m["recording_files"]
            .as_array()
            .is_some_and(|f| !f.is_empty())
    }));
}

#[tokio::test]
async fn retrieve_all_recordings_admin_all_lists_another_users_recordings() {
    let (host, sim) = (host(), simulator().await);
    let (from, to) = last_20_days();
    let (items, summary) = all_items(
        &host,
        "retrieve-all-recordings-admin",
        &admin(&sim),
        &params(&[
            ("userId", seed::OTHER_USER_ID),
            ("from", &from),
            ("to", &to),
        ]),
    )
    .await;
    assert_each_once(
        "retrieve-all-recordings-admin",
        &items,
        &summary,
        30,
        1,
        |m| text(m, "uuid"),
    );
    assert_eq!(items[0]["uuid"], seed::OTHER_USER_PAST_MEETING_UUID);
    assert_eq!(items[0]["topic"], "Research seminar");
}

#[tokio::test]
async fn retrieve_user_call_history_all_lists_my_calls_once_each() {
    let (host, sim) = (host(), simulator().await);
    let (items, summary) = all_items(
        &host,
        "retrieve-user-call-history",
        &user(&sim),
        &params(&[("page_size", "10")]),
    )
    .await;
    let ids = assert_each_once(
        "retrieve-user-call-history",
        &items,
        &summary,
        10,
        seed::USER_CALL_HISTORY_COUNT,
        |c| text(c, "id"),
    );
    assert!(ids.contains(seed::CALL_HISTORY_UUID));
    assert_eq!(summary.list_key, "call_logs");
    let (_, path, _) = last_request(&sim);
    assert_eq!(path, "/v2/phone/users/me/call_history");
    // Each call keeps its legs (the page's `call_elements`), which carry
    // the IDs the call-history actions chain on.
    let mut legs = 0;
    for call in &items {
        let own = call["call_elements"]
            .as_array()
            .unwrap_or_else(|| panic!("a call without its legs: {call}"));
        assert!(!own.is_empty(), "{call}");
        for leg in own {
            assert_eq!(leg["call_id"], call["call_id"], "{call}");
            assert!(leg["call_element_id"].is_string(), "{leg}");
            assert!(leg["call_history_uuid"].is_string(), "{leg}");
        }
        legs += own.len();
    }
    assert!(legs > items.len(), "some calls have more than one leg");
}

#[tokio::test]
async fn retrieve_user_call_history_admin_all_lists_a_named_users_calls() {
    let (host, sim) = (host(), simulator().await);
    let (items, summary) = all_items(
        &host,
        "retrieve-user-call-history-admin",
        &admin(&sim),
        &params(&[("userId", seed::USER_ID), ("page_size", "20")]),
    )
    .await;
    assert_each_once(
        "retrieve-user-call-history-admin",
        &items,
        &summary,
        20,
        seed::USER_CALL_HISTORY_COUNT,
        |c| text(c, "id"),
    );
}

#[tokio::test]
async fn retrieve_account_call_history_all_lists_every_call_once() {
    let (host, sim) = (host(), simulator().await);
    let (items, summary) = all_items(
        &host,
        "retrieve-account-call-history",
        &admin(&sim),
        &params(&[("page_size", "30")]),
    )
    .await;
    let uuids = assert_each_once(
        "retrieve-account-call-history",
        &items,
        &summary,
        30,
        seed::CALL_HISTORY_COUNT,
        |c| text(c, "call_history_uuid"),
    );
    assert!(uuids.contains(seed::CALL_HISTORY_UUID));
    assert_eq!(summary.list_key, "call_history");
}

#[tokio::test]
async fn retrieve_phone_users_all_lists_130_users_over_pages_of_100() {
    let (host, sim) = (host(), simulator().await);
    let (items, summary) = all_items(
        &host,
        "retrieve-phone-users",
        &admin(&sim),
        &params(&[("page_size", "100")]),
    )
    .await;
    let ids = assert_each_once(
        "retrieve-phone-users",
        &items,
        &summary,
        100,
        seed::PHONE_USER_COUNT,
        |u| text(u, "id"),
    );
    assert!(ids.contains(seed::USER_ID) && ids.contains(seed::ADMIN_USER_ID));
    assert!(items.iter().any(|u| u["email"] == seed::OTHER_USER_EMAIL));
}

#[tokio::test]
async fn retrieve_meeting_participant_report_all_lists_2000_participants_once_each() {
    let (host, sim) = (host(), simulator().await);
    let id = seed::BIG_PAST_MEETING_ID.to_string();
    let (items, summary) = all_items(
        &host,
        "retrieve-meeting-participant-report",
        &admin(&sim),
        &params(&[
            ("meetingId", &id),
            ("page_size", "300"),
            ("include_fields", "registrant_id"),
        ]),
    )
    .await;
    assert_each_once(
        "retrieve-meeting-participant-report",
        &items,
        &summary,
        300,
        seed::BIG_PAST_MEETING_PARTICIPANTS,
        |p| text(p, "id"),
    );
    assert!(items.iter().all(|p| p.get("registrant_id").is_some()));
}

#[tokio::test]
async fn retrieve_meeting_activities_report_all_lists_every_activity_once() {
    let (host, sim) = (host(), simulator().await);
    let (from, to) = last_20_days();
    let window = [("from", from.as_str()), ("to", to.as_str())];
    let with = |extra: &[(&'static str, &'static str)]| {
        params(&window.iter().chain(extra).copied().collect::<Vec<_>>())
    };
    let (items, summary) = all_items(
        &host,
        "retrieve-meeting-activities-report",
        &admin(&sim),
        &with(&[("activity_type", "All Activities"), ("page_size", "25")]),
    )
    .await;
    assert_each_once(
        "retrieve-meeting-activities-report",
        &items,
        &summary,
        25,
        seed::MEETING_ACTIVITY_COUNT,
        |a| {
            format!(
                "{}|{}|{}",
                a["meeting_number"], a["activity_time"], a["activity_detail"]
            )
        },
    );
    // The numeric code of the description means the same as the label.
    let (by_code, _) = all_items(
        &host,
        "retrieve-meeting-activities-report",
        &admin(&sim),
        &with(&[("activity_type", "-1"), ("page_size", "300")]),
    )
    .await;
    assert_eq!(by_code.len(), seed::MEETING_ACTIVITY_COUNT);
    let (ended, _) = all_items(
        &host,
        "retrieve-meeting-activities-report",
        &admin(&sim),
        &with(&[("activity_type", "Meeting Ended")]),
    )
    .await;
    assert_eq!(ended.len(), seed::PAST_MEETING_INSTANCE_COUNT);
    assert!(
        ended
            .iter()
            .all(|a| a["activity_category"] == "Meeting Ended")
    );
}

#[tokio::test]
async fn retrieve_history_meetings_all_lists_every_meeting_and_webinar_once() {
    let (host, sim) = (host(), simulator().await);
    let (from, to) = last_20_days();
    let (items, summary) = all_items(
        &host,
        "retrieve-history-meetings",
        &admin(&sim),
        &params(&[("from", &from), ("to", &to), ("page_size", "2")]),
    )
    .await;
    let uuids = assert_each_once(
        "retrieve-history-meetings",
        &items,
        &summary,
        2,
        seed::PAST_INSTANCE_COUNT,
        |m| text(m, "meeting_uuid"),
    );
    assert!(uuids.contains(seed::WEBINAR_UUID));
    assert!(uuids.contains(seed::BIG_PAST_MEETING_UUID));
    let webinar = items
        .iter()
        .find(|m| m["meeting_uuid"] == seed::WEBINAR_UUID)
        .unwrap();
    assert_eq!(webinar["type"], "Webinar");
    assert_eq!(webinar["participants"], seed::WEBINAR_PARTICIPANTS);
}

#[tokio::test]
async fn a_range_longer_than_a_month_is_split_into_windows_with_all() {
    let (host, sim) = (host(), simulator().await);
    let now = zoom_simulator::time::now_secs();
    let from = zoom_simulator::time::format_date(now - 80 * 86_400);
    let to = zoom_simulator::time::format_date(now);
    let range = params(&[("from", &from), ("to", &to), ("page_size", "2")]);

    // One call: Zoom's one-month limit, and the way around it.
    let err = host
        .run("retrieve-history-meetings", &admin(&sim), &range)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("at most one month"), "{err}");
    assert!(
        err.to_string().contains("follow every page"),
        "names the way around it: {err}"
    );
    assert!(sim.requests().is_empty());

    // Every page of every month window, in order, each meeting once.
    let (items, summary) =
        all_items(&host, "retrieve-history-meetings", &admin(&sim), &range).await;
    let uuids: HashSet<String> = items.iter().map(|m| text(m, "meeting_uuid")).collect();
    assert_eq!(uuids.len(), items.len(), "no duplicates");
    assert_eq!(items.len(), seed::PAST_INSTANCE_COUNT);
    assert_eq!(summary.window, None);
    let windows: Vec<(String, String)> = sim
        .requests()
        .iter()
        .filter_map(|r| {
            let q = r.query.clone()?;
            let get = |k: &str| {
                q.split('&')
                    .find_map(|kv| kv.strip_prefix(&format!("{k}=")).map(str::to_string))
            };
            Some((get("from")?, get("to")?))
        })
        .fold(Vec::new(), |mut seen, w| {
            if seen.last() != Some(&w) {
                seen.push(w);
            }
            seen
        });
    assert_eq!(windows.len(), 3, "{windows:?}");
    assert_eq!(windows[0].0, from);
    assert_eq!(windows[2].1, to);
    assert!(
        windows.windows(2).all(|w| w[0].1 < w[1].0),
        "in order, not overlapping: {windows:?}"
    );

    // Stopped inside a window: the token belongs to that window, and says so.
    let mut taken = 0;
    let stopped = for_each_item(
        &host,
        "retrieve-history-meetings",
        &admin(&sim),
        &range,
        Some(1),
        |_| {
            taken += 1;
            Ok(())
        },
    )
    .await
    .unwrap();
    assert!(stopped.truncated);
    assert_eq!(taken, 1);
    assert!(stopped.window.is_some(), "{stopped:?}");
}

// ---------------------------------------------------------------------------
// Past meetings, recordings, transcripts, reports, phone.

#[tokio::test]
async fn retrieve_past_meeting_by_id_shows_the_latest_instance_and_by_uuid_an_older_one() {
    let (host, sim) = (host(), simulator().await);
    let conn = user(&sim);
    let id = seed::ORDINARY_PAST_MEETING_ID.to_string();
    let latest = host
        .run(
            "retrieve-past-meeting",
            &conn,
            &params(&[("meetingId", &id)]),
        )
        .await
        .unwrap();
    assert_eq!(latest.body["uuid"], seed::ORDINARY_PAST_MEETING_UUID);
    assert_eq!(latest.body["topic"], "Weekly team sync");
    assert_eq!(
        latest.body["participants_count"],
        seed::ORDINARY_PAST_MEETING_PARTICIPANTS
    );
    assert_eq!(latest.body["user_email"], seed::USER_EMAIL);
    let older = host
        .run(
            "retrieve-past-meeting",
            &conn,
            &params(&[("meetingId", seed::ORDINARY_PAST_MEETING_OLDER_UUID)]),
        )
        .await
        .unwrap();
    assert_eq!(
        older.body["participants_count"],
        seed::ORDINARY_PAST_MEETING_OLDER_PARTICIPANTS
    );
}

#[tokio::test]
async fn retrieve_past_meeting_admin_shows_another_hosts_meeting_by_uuid() {
    let (host, sim) = (host(), simulator().await);
    let reply = host
        .run(
            "retrieve-past-meeting-admin",
            &admin(&sim),
            &params(&[("meetingId", seed::OTHER_USER_PAST_MEETING_UUID)]),
        )
        .await
        .unwrap();
    assert_eq!(reply.body["id"], seed::OTHER_USER_PAST_MEETING_ID);
    assert_eq!(reply.body["topic"], "Research seminar");
    assert_eq!(reply.body["host_id"], seed::OTHER_USER_ID);
}

fn expected_transcript_text() -> String {
    seed::TRANSCRIPT_LINES
        .iter()
        .map(|(who, line)| format!("{who}: {line}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn assert_full_transcript(body: &Value) {
    assert_eq!(body["available"], true, "{body}");
    let cues = body["cues"].as_array().unwrap();
    assert_eq!(cues.len(), seed::TRANSCRIPT_LINES.len());
    for (cue, (who, line)) in cues.iter().zip(seed::TRANSCRIPT_LINES) {
        assert_eq!(cue["speaker"], *who);
        assert_eq!(cue["text"], *line);
        assert!(cue["start"].as_str().unwrap() < cue["end"].as_str().unwrap());
    }
    assert_eq!(cues[0]["start"], "00:00:01.200");
    assert_eq!(body["text"], expected_transcript_text());
}

#[tokio::test]
async fn retrieve_meeting_transcript_returns_cues_with_speakers_and_the_full_text() {
    let (host, sim) = (host(), simulator().await);
    let id = seed::ORDINARY_PAST_MEETING_ID.to_string();
    let reply = host
        .run(
            "retrieve-meeting-transcript",
            &user(&sim),
            &params(&[("meetingId", &id)]),
        )
        .await
        .unwrap();
    assert_full_transcript(&reply.body);
    assert_eq!(reply.body["meeting_topic"], "Weekly team sync");
    // Cues merge into turns of speech, with talk time per speaker.
    let turns = reply.body["turns"].as_array().unwrap();
    let cues = reply.body["cues"].as_array().unwrap();
    assert!(!turns.is_empty() && turns.len() <= cues.len());
    let speakers = reply.body["speakers"].as_array().unwrap();
    assert!(!speakers.is_empty());
    assert!(
        speakers
            .iter()
            .all(|s| s["talk_seconds"].as_f64().unwrap() > 0.0 && s["turns"].as_u64().unwrap() > 0),
        "{speakers:?}"
    );
    let requests = sim.requests();
    assert_eq!(
        requests[0].raw_path,
        format!("/v2/meetings/{id}/transcript")
    );
    let download = requests
        .iter()
        .find(|r| r.raw_path.starts_with("/rec/meeting/transcript/download/"))
        .expect("the download_url was fetched");
    assert_eq!(
        download.authorization.as_deref(),
        Some("Bearer sim-user-token"),
        "downloaded with the connection's token"
    );
    let file = requests.last().unwrap();
    assert!(
        file.raw_path.starts_with("/rec/files/") && file.raw_path.ends_with(".vtt"),
        "the redirect to the file was followed: {}",
        file.raw_path
    );
}

#[tokio::test]
async fn retrieve_meeting_transcript_admin_reads_another_hosts_transcript() {
    let (host, sim) = (host(), simulator().await);
    let id = seed::OTHER_USER_PAST_MEETING_ID.to_string();
    let reply = host
        .run(
            "retrieve-meeting-transcript-admin",
            &admin(&sim),
            &params(&[("meetingId", &id)]),
        )
        .await
        .unwrap();
    assert_full_transcript(&reply.body);
    assert_eq!(reply.body["host_id"], seed::OTHER_USER_ID);
}

#[tokio::test]
async fn a_transcript_that_is_not_ready_says_so() {
    let (host, sim) = (host(), simulator().await);
    let reply = host
        .run(
            "retrieve-meeting-transcript",
            &user(&sim),
            &params(&[("meetingId", seed::DOUBLE_SLASH_PAST_MEETING_UUID)]),
        )
        .await
        .unwrap();
    assert_eq!(reply.body["available"], false);
    assert_eq!(reply.body["reason"], "NOT_READY");
    assert!(
        reply.body["explanation"]
            .as_str()
            .unwrap()
            .contains("not ready yet"),
        "{}",
        reply.body
    );
    assert!(reply.body.get("cues").is_none());
    assert_eq!(sim.requests().len(), 1, "nothing to download");
}

/// Zoom answering the transcript metadata of `path` with `status` and `body`, once.
fn transcript_answer(sim: &RunningSimulator, path: &str, status: u16, body: Value) {
    sim.inject_fault(
        FaultRule::new(Fault::Answer {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.to_string(),
        })
        .path_prefix(path),
    );
}

#[tokio::test]
async fn a_meeting_id_zoom_refuses_for_transcripts_resolves_to_its_latest_ended_instance() {
    let (host, sim) = (host(), simulator().await);
    let id = seed::ORDINARY_PAST_MEETING_ID;
    // As reported of Zoom since December 2025 (Jericho/ZoomNet#455).
    transcript_answer(
        &sim,
        &format!("/v2/meetings/{id}/transcript"),
        400,
        json!({"code": 300, "message": "Invalid meeting ID."}),
    );
    let reply = host
        .run(
            "retrieve-meeting-transcript",
            &user(&sim),
            &params(&[("meetingId", &id.to_string())]),
        )
        .await
        .unwrap();
    assert_full_transcript(&reply.body);
    assert_eq!(
        reply.body["instance"]["uuid"],
        seed::ORDINARY_PAST_MEETING_UUID
    );
    assert_eq!(reply.body["instance"]["resolved_from"], id);
    let paths: Vec<String> = sim.requests().into_iter().map(|r| r.raw_path).collect();
    assert_eq!(
        paths[..3],
        [
            format!("/v2/meetings/{id}/transcript"),
            format!("/v2/past_meetings/{id}/instances"),
            // The latest of the two instances, its `/` and `+` encoded.
            "/v2/meetings/4RsgjlMtQ6uOqd3%2B5cq%2FkA%3D%3D/transcript".to_string(),
        ]
    );
}

#[tokio::test]
async fn a_refused_meeting_id_without_ended_instances_keeps_zooms_answer() {
    let (host, sim) = (host(), simulator().await);
    let id = seed::FIRST_USER_MEETING_ID;
    transcript_answer(
        &sim,
        &format!("/v2/meetings/{id}/transcript"),
        400,
        json!({"code": 300, "message": "Invalid meeting ID."}),
    );
    let err = host
        .run(
            "retrieve-meeting-transcript",
            &user(&sim),
            &params(&[("meetingId", &id.to_string())]),
        )
        .await
        .unwrap_err();
    let (status, code, message) = zoom_error(&err);
    assert_eq!((status, code), (400, Some(300)), "{message}");
    assert!(message.contains("Invalid meeting ID"), "{message}");
    assert_eq!(
        sim.requests().len(),
        2,
        "the ID, then its instances; nothing more"
    );
}

#[tokio::test]
async fn a_transcript_zoom_cannot_offer_for_download_says_it_is_unsupported() {
    let (host, sim) = (host(), simulator().await);
    let uuid = seed::ORDINARY_PAST_MEETING_OLDER_UUID;
    transcript_answer(
        &sim,
        "/v2/meetings/",
        200,
        json!({
            "meeting_id": uuid,
            "meeting_topic": "Weekly team sync",
            "can_download": false,
            "download_restriction_reason": "UNSUPPORTED",
        }),
    );
    let reply = host
        .run(
            "retrieve-meeting-transcript",
            &user(&sim),
            &params(&[("meetingId", uuid)]),
        )
        .await
        .unwrap();
    assert_eq!(reply.body["available"], false, "{}", reply.body);
    assert_eq!(reply.body["reason"], "UNSUPPORTED");
    assert!(
        reply.body["explanation"]
            .as_str()
            .unwrap()
            .contains("does not support downloading"),
        "{}",
        reply.body
    );
    assert!(reply.body.get("cues").is_none());
    assert_eq!(sim.requests().len(), 1, "nothing to download");
}

#[tokio::test]
async fn a_deleted_transcript_says_it_was_deleted() {
    let (host, sim) = (host(), simulator().await);
    let id = seed::TRANSCRIPT_DELETED_MEETING_ID.to_string();
    let reply = host
        .run(
            "retrieve-meeting-transcript",
            &user(&sim),
            &params(&[("meetingId", &id)]),
        )
        .await
        .unwrap();
    assert_eq!(reply.body["available"], false);
    assert_eq!(reply.body["reason"], "DELETED_OR_TRASHED");
    assert!(
        reply.body["explanation"]
            .as_str()
            .unwrap()
            .contains("deleted or moved to the trash")
    );
}

#[tokio::test]
async fn a_meeting_without_transcript_is_a_zoom_error_that_says_there_is_none() {
    let (host, sim) = (host(), simulator().await);
    let id = seed::NO_TRANSCRIPT_MEETING_ID.to_string();
    let err = host
        .run(
            "retrieve-meeting-transcript",
            &user(&sim),
            &params(&[("meetingId", &id)]),
        )
        .await
        .unwrap_err();
    let (status, code, message) = zoom_error(&err);
    assert_eq!((status, code), (404, Some(3322)));
    assert!(
        message.contains("this meeting has no transcript"),
        "{message}"
    );
    assert_eq!(err.category(), wrk_zoom::ErrorCategory::Zoom);
}

#[tokio::test]
async fn retrieve_meeting_recordings_lists_the_files_of_my_meeting() {
    let (host, sim) = (host(), simulator().await);
    let id = seed::ORDINARY_PAST_MEETING_ID.to_string();
    let reply = host
        .run(
            "retrieve-meeting-recordings",
            &user(&sim),
            &params(&[
                ("meetingId", &id),
                ("include_fields", "download_access_token"),
                ("ttl", "600"),
            ]),
        )
        .await
        .unwrap();
    assert_eq!(reply.body["uuid"], seed::ORDINARY_PAST_MEETING_UUID);
    let types: BTreeSet<&str> = reply.body["recording_files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file_type"].as_str().unwrap())
        .collect();
    assert_eq!(types, BTreeSet::from(["MP4", "M4A", "CHAT", "TRANSCRIPT"]));
    assert!(
        reply.body["download_access_token"]
            .as_str()
            .is_some_and(|t| !t.is_empty())
    );
    assert_eq!(reply.next_page_token, None);
    let none = host
        .run(
            "retrieve-meeting-recordings",
            &user(&sim),
            &params(&[("meetingId", &seed::NO_TRANSCRIPT_MEETING_ID.to_string())]),
        )
        .await
        .unwrap_err();
    assert_eq!(zoom_error(&none).1, Some(3301), "{none}");
}

#[tokio::test]
async fn retrieve_meeting_recordings_admin_lists_another_hosts_files_by_uuid() {
    let (host, sim) = (host(), simulator().await);
    let reply = host
        .run(
            "retrieve-meeting-recordings-admin",
            &admin(&sim),
            &params(&[("meetingId", seed::OTHER_USER_PAST_MEETING_UUID)]),
        )
        .await
        .unwrap();
    assert_eq!(reply.body["id"], seed::OTHER_USER_PAST_MEETING_ID);
    assert_eq!(reply.body["host_id"], seed::OTHER_USER_ID);
    assert_eq!(reply.body["recording_files"].as_array().unwrap().len(), 4);
}

#[tokio::test]
async fn retrieve_meeting_detail_report_summarises_the_all_hands() {
    let (host, sim) = (host(), simulator().await);
    let reply = host
        .run(
            "retrieve-meeting-detail-report",
            &admin(&sim),
            &params(&[("meetingId", seed::BIG_PAST_MEETING_UUID)]),
        )
        .await
        .unwrap();
    assert_eq!(reply.body["id"], seed::BIG_PAST_MEETING_ID);
    assert_eq!(reply.body["topic"], "Company all-hands");
    assert_eq!(
        reply.body["participants_count"],
        seed::BIG_PAST_MEETING_PARTICIPANTS
    );
    assert_eq!(reply.body["user_email"], seed::USER_EMAIL);
    assert_eq!(reply.body["duration"], 90);
}

#[tokio::test]
async fn retrieve_webinar_detail_report_summarises_the_webinar() {
    let (host, sim) = (host(), simulator().await);
    let reply = host
        .run(
            "retrieve-webinar-detail-report",
            &admin(&sim),
            &params(&[("webinarId", &seed::WEBINAR_ID.to_string())]),
        )
        .await
        .unwrap();
    assert_eq!(reply.body["uuid"], seed::WEBINAR_UUID);
    assert_eq!(reply.body["topic"], "Analytical engine launch webinar");
    assert_eq!(reply.body["participants_count"], seed::WEBINAR_PARTICIPANTS);
    assert_eq!(
        last_request(&sim).1,
        format!("/v2/report/webinars/{}", seed::WEBINAR_ID)
    );
}

#[tokio::test]
async fn retrieve_call_history_shows_one_call_with_its_legs() {
    let (host, sim) = (host(), simulator().await);
    let reply = host
        .run(
            "retrieve-call-history",
            &admin(&sim),
            &params(&[("callHistoryUuid", seed::CALL_HISTORY_UUID)]),
        )
        .await
        .unwrap();
    assert_eq!(reply.body["call_history_uuid"], seed::CALL_HISTORY_UUID);
    let legs = reply.body["call_elements"].as_array().unwrap();
    assert!(!legs.is_empty());
    assert!(legs.iter().all(|l| l["call_id"] == reply.body["call_id"]));
    let ids: BTreeSet<String> = legs.iter().map(|l| text(l, "call_element_id")).collect();
    assert_eq!(ids.len(), legs.len(), "each leg has its own id");
    assert_eq!(
        last_request(&sim).1,
        format!("/v2/phone/call_history/{}", seed::CALL_HISTORY_UUID)
    );
}

// ---------------------------------------------------------------------------
// The raw API call.

#[tokio::test]
async fn api_call_gets_and_posts_under_the_api_base_as_the_user() {
    let (host, sim) = (host(), simulator().await);
    let conn = user(&sim);
    let got = host
        .run(
            "api-call",
            &conn,
            &params(&[
                ("method", "GET"),
                ("path", "/users/me/meetings"),
                ("query", r#"{"page_size":5}"#),
            ]),
        )
        .await
        .unwrap();
    assert_eq!(got.body["meetings"].as_array().unwrap().len(), 5);
    assert_eq!(
        got.body["total_records"],
        seed::USER_SCHEDULED_MEETING_COUNT
    );
    assert!(got.next_page_token.is_some(), "the page token is surfaced");
    let (method, path, query) = last_request(&sim);
    assert_eq!(
        (method.as_str(), path.as_str()),
        ("GET", "/v2/users/me/meetings")
    );
    assert_eq!(query.as_deref(), Some("page_size=5"));

    let posted = host
        .run(
            "api-call",
            &conn,
            &params(&[
                ("method", "POST"),
                ("path", "/users/me/meetings"),
                ("body", r#"{"topic":"Via api-call","duration":15}"#),
            ]),
        )
        .await
        .unwrap();
    assert_eq!(posted.status, 201);
    assert_eq!(posted.body["topic"], "Via api-call");
    assert_eq!(posted.body["host_id"], seed::USER_ID);
    let request = sim.requests().pop().unwrap();
    assert_eq!(request.method, "POST");
    assert_eq!(request.body, r#"{"topic":"Via api-call","duration":15}"#);
}

#[tokio::test]
async fn api_call_admin_gets_and_posts_for_another_user() {
    let (host, sim) = (host(), simulator().await);
    let conn = admin(&sim);
    let path = format!("/users/{}", seed::OTHER_USER_ID);
    let got = host
        .run(
            "api-call-admin",
            &conn,
            &params(&[("method", "GET"), ("path", &path)]),
        )
        .await
        .unwrap();
    assert_eq!(got.body["email"], seed::OTHER_USER_EMAIL);
    let posted = host
        .run(
            "api-call-admin",
            &conn,
            &params(&[
                ("method", "POST"),
                ("path", &format!("{path}/meetings")),
                ("body", r#"{"topic":"Scheduled by the admin"}"#),
            ]),
        )
        .await
        .unwrap();
    assert_eq!(posted.status, 201);
    assert_eq!(posted.body["host_id"], seed::OTHER_USER_ID);
    // The same call with the user's token is refused by Zoom (scopes).
    let err = host
        .run(
            "api-call",
            &user(&sim),
            &params(&[("method", "GET"), ("path", &path)]),
        )
        .await
        .unwrap_err();
    assert_eq!(zoom_error(&err).1, Some(4711), "{err}");
}

#[tokio::test]
async fn api_call_refuses_urls_other_hosts_and_traversal_naming_path_before_any_request() {
    let (host, sim) = (host(), simulator().await);
    let cases = [
        ("https://api.zoom.us/v2/users/me", "absolute URL"),
        ("http://evil.example/v2/users/me", "absolute URL"),
        ("//evil.example/v2/users/me", "absolute URL"),
        ("/users/../oauth/token", "'..'"),
        (
            "/users/%2e%2e/oauth/token",
            "'..' or '.' segments (percent-encoded)",
        ),
        ("/users%2F..%2Foauth", "'..'"),
        ("/users/%252e%252e/admin", "(percent-encoded)"),
    ];
    for action in ["api-call", "api-call-admin"] {
        let conn = if action == "api-call" {
            user(&sim)
        } else {
            admin(&sim)
        };
        for (path, why) in cases {
            let err = host
                .run(action, &conn, &params(&[("method", "GET"), ("path", path)]))
                .await
                .unwrap_err();
            let HostError::InvalidParams { problems, .. } = &err else {
                panic!("{action} {path}: expected invalid params, got {err:?}");
            };
            assert_eq!(problems.len(), 1, "{problems:?}");
            assert_eq!(problems[0].name, "path");
            assert!(
                problems[0].message.contains(why),
                "{action} {path}: {}",
                problems[0].message
            );
            assert!(err.to_string().contains("path"), "{err}");
            assert_eq!(err.category(), wrk_zoom::ErrorCategory::InvalidInput);
        }
    }
    let err = host
        .run(
            "api-call",
            &user(&sim),
            &params(&[("method", "GET"), ("path", "users/me")]),
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("must start with '/'"), "{err}");
    assert!(sim.requests().is_empty(), "no request was sent");
}

// ---------------------------------------------------------------------------
// Admin-only enforcement.

/// A call of every admin action that needs admin rights: any user but the
/// connection's own.
fn admin_calls() -> Vec<(&'static str, Params)> {
    one_call_each()
        .into_iter()
        .filter(|(_, is_admin, ..)| *is_admin)
        .map(|(action, _, mut p, _)| {
            for (k, v) in &mut p {
                if k == "userId" {
                    *v = seed::OTHER_USER_ID.to_string();
                }
            }
            (action, p)
        })
        .collect()
}

#[tokio::test]
async fn every_admin_action_succeeds_with_the_admin_token() {
    let (host, sim) = (host(), simulator().await);
    let calls = admin_calls();
    let expected: BTreeSet<&str> = ISSUE_ACTIONS
        .iter()
        .copied()
        .filter(|a| !USER_ACTIONS.contains(a))
        .collect();
    assert_eq!(
        calls.iter().map(|(a, _)| *a).collect::<BTreeSet<_>>(),
        expected
    );
    assert_eq!(calls.len(), 20);
    for (action, p) in &calls {
        let reply = host
            .run(action, &admin(&sim), p)
            .await
            .unwrap_or_else(|e| panic!("{action} with the admin token: {e}"));
        assert!(
            (200..300).contains(&reply.status),
            "{action}: {}",
            reply.status
        );
    }
}

#[tokio::test]
async fn the_simulator_refuses_every_admin_action_on_a_user_token_as_an_auth_failure() {
    let (host, sim) = (host(), simulator().await);
    for (action, p) in admin_calls() {
        let err = host
            .run(action, &user(&sim), &p)
            .await
            .expect_err(&format!("{action} must be refused on a user token"));
        let (status, code, message) = zoom_error(&err);
        assert_eq!((status, code), (400, Some(4711)), "{action}: {err}");
        assert!(
            message.contains("does not contain scopes"),
            "{action}: {message}"
        );
        assert_eq!(
            err.category(),
            wrk_zoom::ErrorCategory::Auth,
            "{action}: 4711 is an auth failure"
        );
    }
    // Nothing was changed by the refused writes.
    let id = (seed::FIRST_OTHER_USER_MEETING_ID + 1).to_string();
    let still = host
        .run(
            "retrieve-meeting-admin",
            &admin(&sim),
            &params(&[("meetingId", &id)]),
        )
        .await
        .unwrap();
    assert_eq!(still.body["id"], seed::FIRST_OTHER_USER_MEETING_ID + 1);
    let renamed = host
        .run(
            "retrieve-meeting-admin",
            &admin(&sim),
            &params(&[("meetingId", &seed::FIRST_OTHER_USER_MEETING_ID.to_string())]),
        )
        .await
        .unwrap();
    assert_ne!(renamed.body["topic"], "Renamed");
}

// ---------------------------------------------------------------------------
// Bad input of every parameter kind.

struct BadInput {
    /// The parameter kind (or rule) this case covers.
    kind: &'static str,
    action: &'static str,
    admin: bool,
    params: &'static [(&'static str, &'static str)],
    field: &'static str,
    /// Part of the message stating the accepted form.
    accepted: &'static str,
}

const BAD_INPUT: &[BadInput] = &[
    BadInput {
        kind: "text",
        action: "create-meeting",
        admin: false,
        params: &[("password", "abcdefghijk")],
        field: "password",
        accepted: "11 characters long; at most 10 are allowed",
    },
    BadInput {
        kind: "integer",
        action: "create-meeting",
        admin: false,
        params: &[("duration", "1441")],
        field: "duration",
        accepted: "a whole number from 1 to 1440",
    },
    BadInput {
        kind: "boolean",
        action: "delete-meeting",
        admin: false,
        params: &[
            ("meetingId", "81234567001"),
            ("schedule_for_reminder", "yes"),
        ],
        field: "schedule_for_reminder",
        accepted: "must be true or false",
    },
    BadInput {
        kind: "date",
        action: "retrieve-all-recordings",
        admin: false,
        params: &[("from", "2026-02-30"), ("to", "2026-03-05")],
        field: "from",
        accepted: "a date as yyyy-mm-dd",
    },
    BadInput {
        kind: "date-time",
        action: "create-meeting",
        admin: false,
        params: &[("start_time", "next Tuesday at 9")],
        field: "start_time",
        accepted: "2026-12-01T11:00:00+02:00",
    },
    BadInput {
        kind: "date-or-date-time",
        action: "retrieve-user-call-history",
        admin: false,
        params: &[("from", "2026-11-01T10:00"), ("to", "2026-11-02")],
        field: "from",
        accepted: "yyyy-mm-dd or yyyy-MM-ddTHH:mm:ssZ",
    },
    BadInput {
        kind: "choice",
        action: "retrieve-meetings",
        admin: false,
        params: &[("type", "past")],
        field: "type",
        accepted: "one of scheduled, live, upcoming, upcoming_meetings, previous_meetings",
    },
    BadInput {
        kind: "meeting-id",
        action: "retrieve-meeting",
        admin: false,
        params: &[("meetingId", "/ajXp112QmuoKj4854875==")],
        field: "meetingId",
        accepted: "a numeric meeting ID such as 85123456789",
    },
    BadInput {
        kind: "meeting-id-or-uuid",
        action: "retrieve-past-meeting",
        admin: false,
        params: &[("meetingId", "not a uuid!")],
        field: "meetingId",
        accepted: "a numeric meeting ID (85123456789) or a meeting UUID",
    },
    BadInput {
        kind: "user-id",
        action: "create-meeting-admin",
        admin: true,
        params: &[("userId", "ada lovelace")],
        field: "userId",
        accepted: "`me`, a user ID",
    },
    BadInput {
        kind: "json-object",
        action: "create-meeting",
        admin: false,
        params: &[("settings", r#"["waiting_room"]"#)],
        field: "settings",
        accepted: "a JSON object like",
    },
    BadInput {
        kind: "json-array",
        action: "update-meeting",
        admin: false,
        params: &[
            ("meetingId", "81234567001"),
            ("tracking_fields", r#"{"field":"Team"}"#),
        ],
        field: "tracking_fields",
        accepted: "a JSON array like",
    },
    BadInput {
        kind: "text-list",
        action: "retrieve-account-call-history",
        admin: true,
        params: &[("directions", "inbound,sideways")],
        field: "directions",
        accepted: "each item must be one of inbound, outbound",
    },
    BadInput {
        kind: "one-month window",
        action: "retrieve-history-meetings",
        admin: true,
        params: &[("from", "2026-09-01"), ("to", "2026-10-15")],
        field: "to",
        accepted: "at most one month after 'from'",
    },
];

#[tokio::test]
async fn bad_input_of_every_parameter_kind_names_the_field_and_accepted_form_and_sends_nothing() {
    let (host, sim) = (host(), simulator().await);
    let mut kinds = BTreeSet::new();
    for case in BAD_INPUT {
        let info = host.action(case.action).await.unwrap().info.clone();
        let declared = info.param(case.field).unwrap();
        if case.kind != "one-month window" {
            assert_eq!(
                declared.param_type.as_str(),
                case.kind,
                "{} {}",
                case.action,
                case.field
            );
        }
        kinds.insert(case.kind);
        let conn = if case.admin { admin(&sim) } else { user(&sim) };
        let err = host
            .run(case.action, &conn, &params(case.params))
            .await
            .unwrap_err();
        let HostError::InvalidParams { problems, .. } = &err else {
            panic!(
                "{} ({}): expected invalid params, got {err:?}",
                case.action, case.kind
            );
        };
        assert_eq!(problems.len(), 1, "{}: {problems:?}", case.kind);
        assert_eq!(problems[0].name, case.field, "{}", case.kind);
        assert!(
            problems[0].message.contains(case.accepted),
            "{} ({}): '{}' does not say '{}'",
            case.action,
            case.kind,
            problems[0].message,
            case.accepted
        );
        let shown = err.to_string();
        assert!(shown.contains(case.field), "{shown}");
        assert_eq!(err.category(), wrk_zoom::ErrorCategory::InvalidInput);
        assert!(
            sim.requests().is_empty(),
            "{} ({}): the simulator received a request",
            case.action,
            case.kind
        );
    }
    let every_kind: BTreeSet<&str> = [
        "text",
        "integer",
        "boolean",
        "date",
        "date-time",
        "date-or-date-time",
        "choice",
        "meeting-id",
        "meeting-id-or-uuid",
        "user-id",
        "json-object",
        "json-array",
        "text-list",
        "one-month window",
    ]
    .into_iter()
    .collect();
    assert_eq!(kinds, every_kind);
    // Every declared kind of any action is covered.
    let declared: HashSet<String> = host
        .describe_all()
        .await
        .unwrap()
        .into_iter()
        .flat_map(|i| {
            i.params
                .into_iter()
                .map(|p| p.param_type.as_str().to_string())
        })
        .collect();
    for kind in declared {
        assert!(
            kinds.contains(kind.as_str()),
            "no bad-input case for {kind}"
        );
    }
}

#[tokio::test]
async fn page_size_above_the_phone_users_cap_of_100_is_refused_before_any_request() {
    let (host, sim) = (host(), simulator().await);
    let err = host
        .run(
            "retrieve-phone-users",
            &admin(&sim),
            &params(&[("page_size", "300")]),
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("page_size"), "{err}");
    assert!(err.to_string().contains("from 1 to 100"), "{err}");
    assert!(sim.requests().is_empty());
}
