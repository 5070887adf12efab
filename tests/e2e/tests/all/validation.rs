//! Bad input is refused before any request, naming every bad field.

use wrk_zoom::HostError;
use wrk_zoom_e2e::{host, params, simulator, user};

#[tokio::test]
async fn every_invalid_parameter_is_reported_at_once_and_nothing_is_sent() {
    let (host, sim) = (host(), simulator().await);
    let err = host
        .run(
            "create-meeting",
            &user(&sim),
            &params(&[
                ("topc", "Standup"),
                ("duration", "2000"),
                ("type", "4"),
                ("start_time", "tomorrow"),
                ("settings", "{not json"),
            ]),
        )
        .await
        .unwrap_err();
    let HostError::InvalidParams { problems, .. } = &err else {
        panic!("expected invalid params, got {err:?}");
    };
    let names: Vec<&str> = problems.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        ["topc", "duration", "type", "start_time", "settings"]
    );
    assert!(
        problems[0].message.contains("did you mean 'topic'"),
        "{}",
        problems[0].message
    );
    assert!(problems[1].message.contains("from 1 to 1440"));
    assert!(problems[2].message.contains("one of 1, 2, 3, 8, 10"));
    assert!(
        problems[3].message.contains("2026-12-01T09:00:00Z"),
        "{}",
        problems[3].message
    );
    assert!(problems[4].message.contains("JSON object"));
    assert_eq!(err.category(), wrk_zoom::ErrorCategory::InvalidInput);
    assert!(sim.requests().is_empty(), "no request reaches Zoom");
}

#[tokio::test]
async fn missing_required_parameters_are_named() {
    let (host, sim) = (host(), simulator().await);
    let err = host
        .run("retrieve-meeting", &user(&sim), &[])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("meetingId is required"), "{err}");
    assert!(sim.requests().is_empty());
}

#[tokio::test]
async fn unknown_actions_suggest_the_closest_name() {
    let host = host();
    let err = host.plan("retrieve-meting", &[]).await.unwrap_err();
    assert!(
        matches!(&err, HostError::UnknownAction { suggestion: Some(s), .. } if s == "retrieve-meeting"),
        "got {err:?}"
    );
}

#[tokio::test]
async fn dry_run_plans_the_exact_request_without_sending() {
    let host = host();
    let planned = host
        .plan(
            "retrieve-past-meeting-participants",
            &params(&[
                ("meetingId", "/ajXp112QmuoKj4854875=="),
                ("page_size", "300"),
            ]),
        )
        .await
        .unwrap();
    assert_eq!(planned.method, "GET");
    assert_eq!(
        planned.url,
        "{api-base}/past_meetings/%252FajXp112QmuoKj4854875%253D%253D/participants?page_size=300"
    );
    assert!(
        planned
            .headers
            .iter()
            .all(|(k, _)| !k.eq_ignore_ascii_case("authorization"))
    );
}

#[tokio::test]
async fn a_join_link_is_taken_wherever_a_meeting_id_is() {
    let (host, sim) = (host(), simulator().await);
    let id = zoom_simulator::seed::FIRST_USER_MEETING_ID;
    let link = format!("https://us05web.zoom.us/j/{id}?pwd=ODEyMzQ1NjcwMDE6");
    let meeting = host
        .run(
            "retrieve-meeting",
            &user(&sim),
            &params(&[("meetingId", &link)]),
        )
        .await
        .unwrap();
    assert_eq!(meeting.body["id"], id);
    // A past meeting takes an ID or a UUID; a link gives the ID.
    let past = zoom_simulator::seed::ORDINARY_PAST_MEETING_ID;
    let link = format!("https://acme.zoom.us/j/{past}");
    let planned = host
        .plan("retrieve-past-meeting", &params(&[("meetingId", &link)]))
        .await
        .unwrap();
    assert!(
        planned.url.ends_with(&format!("/past_meetings/{past}")),
        "{}",
        planned.url
    );
    // A link off Zoom is refused by name, before any request.
    let err = host
        .run(
            "retrieve-meeting",
            &user(&sim),
            &params(&[("meetingId", "https://evil.example/j/81234567001")]),
        )
        .await
        .unwrap_err();
    let HostError::InvalidParams { problems, .. } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(problems[0].name, "meetingId");
    assert!(problems[0].message.contains("not a Zoom link"), "{err}");
}

#[tokio::test]
async fn a_start_time_with_an_offset_reaches_zoom_in_utc() {
    let (host, sim) = (host(), simulator().await);
    let reply = host
        .run(
            "create-meeting",
            &user(&sim),
            &params(&[
                ("topic", "Offsets"),
                ("start_time", "2026-12-01T11:00:00.000+02:00"),
            ]),
        )
        .await
        .unwrap();
    assert_eq!(reply.body["start_time"], "2026-12-01T09:00:00Z");
    let sent = sim
        .requests()
        .into_iter()
        .find(|r| r.method == "POST")
        .expect("the create reached the simulator");
    assert!(
        sent.body
            .contains("\"start_time\":\"2026-12-01T09:00:00Z\""),
        "{}",
        sent.body
    );
}

#[tokio::test]
async fn updates_that_change_nothing_or_what_an_occurrence_ignores_are_refused_before_sending() {
    let (host, sim) = (host(), simulator().await);
    let id = zoom_simulator::seed::FIRST_USER_MEETING_ID.to_string();
    for (given, field, says) in [
        (vec![("meetingId", id.as_str())], "topic", "changes nothing"),
        (
            vec![
                ("meetingId", id.as_str()),
                ("occurrence_id", "1648194360000"),
                ("topic", "New"),
            ],
            "topic",
            "cannot be changed with occurrence_id",
        ),
    ] {
        let err = host
            .run("update-meeting", &user(&sim), &params(&given))
            .await
            .unwrap_err();
        let HostError::InvalidParams { problems, .. } = &err else {
            panic!("{err:?}");
        };
        assert_eq!(problems[0].name, field, "{err}");
        assert!(problems[0].message.contains(says), "{err}");
    }
    assert!(sim.requests().is_empty(), "nothing reached Zoom");
    // An occurrence's own fields go through.
    host.run(
        "update-meeting",
        &user(&sim),
        &params(&[
            ("meetingId", &id),
            ("occurrence_id", "1648194360000"),
            ("agenda", "New"),
        ]),
    )
    .await
    .unwrap();
    // No body field of an update has a default a form could pre-fill.
    let info = host.action("update-meeting").await.unwrap().info.clone();
    let prefilled: Vec<&str> = info
        .params
        .iter()
        .filter(|p| p.location == wrk_zoom::model::ParamLocation::Body && p.default.is_some())
        .map(|p| p.name.as_str())
        .collect();
    assert!(prefilled.is_empty(), "{prefilled:?}");
}

#[tokio::test]
async fn nested_settings_and_recurrence_are_checked_against_zooms_schema_before_sending() {
    let (host, sim) = (host(), simulator().await);
    let err = host
        .run(
            "create-meeting",
            &user(&sim),
            &params(&[
                ("topic", "Weekly sync"),
                ("type", "8"),
                // The misspelling Zoom would silently ignore (no recording).
                (
                    "settings",
                    r#"{"audio_recording":"cloud","approval_type":"2","waiting_room_options":{"mode":"Custom"}}"#,
                ),
                ("recurrence", r#"{"weekly_days":"2,4","end_times":100}"#),
                ("tracking_fields", r#"[{"value":"Ops"}]"#),
            ]),
        )
        .await
        .unwrap_err();
    let HostError::InvalidParams { problems, .. } = &err else {
        panic!("expected invalid params, got {err:?}");
    };
    let said = |name: &str| {
        problems
            .iter()
            .find(|p| p.name == name)
            .map(|p| p.message.clone())
            .unwrap_or_else(|| panic!("no problem named {name}: {err}"))
    };
    assert!(said("settings.audio_recording").contains("did you mean 'auto_recording'"));
    assert!(said("settings.approval_type").contains("must be a whole number"));
    assert!(said("settings.waiting_room_options.mode").contains("did you mean 'custom'"));
    assert!(said("recurrence.type").contains("is required"));
    assert!(said("recurrence.end_times").contains("at most 60"));
    assert!(said("tracking_fields[0].field").contains("is required"));
    assert_eq!(problems.len(), 6, "{err}");
    assert!(sim.requests().is_empty(), "no request reaches Zoom");

    // The same fields, right, reach Zoom as given.
    let reply = host
        .run(
            "create-meeting",
            &user(&sim),
            &params(&[
                ("topic", "Weekly sync"),
                ("type", "8"),
                (
                    "settings",
                    r#"{"auto_recording":"cloud","approval_type":2}"#,
                ),
                (
                    "recurrence",
                    r#"{"type":2,"weekly_days":"2,4","end_times":10}"#,
                ),
            ]),
        )
        .await
        .unwrap();
    assert!(reply.body["id"].is_number(), "{}", reply.body);
    let sent = sim
        .requests()
        .into_iter()
        .find(|r| r.method == "POST")
        .expect("the create reached the simulator");
    let body: serde_json::Value = serde_json::from_str(&sent.body).unwrap();
    assert_eq!(body["settings"]["auto_recording"], "cloud");
    assert_eq!(body["recurrence"]["weekly_days"], "2,4");
}
