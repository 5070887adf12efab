//! Each action of the first slice, end to end.

use serde_json::Value;
use wrk_zoom::HostError;
use wrk_zoom_e2e::{host, params, simulator, user};
use zoom_simulator::seed;

#[tokio::test]
async fn retrieve_user_returns_the_connections_own_user() {
    let (host, sim) = (host(), simulator().await);
    let reply = host.run("retrieve-user", &user(&sim), &[]).await.unwrap();
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body["id"], seed::USER_ID);
    assert_eq!(reply.body["email"], seed::USER_EMAIL);
    let request = sim.requests().pop().unwrap();
    assert_eq!(request.raw_path, "/v2/users/me");
    assert_eq!(
        request.authorization.as_deref(),
        Some("Bearer sim-user-token")
    );
}

#[tokio::test]
async fn created_meeting_can_be_retrieved_and_deleted() {
    let (host, sim) = (host(), simulator().await);
    let conn = user(&sim);
    let created = host
        .run(
            "create-meeting",
            &conn,
            &params(&[
                ("topic", "Standup"),
                ("type", "2"),
                ("start_time", "2026-12-01T09:00:00Z"),
                ("duration", "30"),
                ("settings", r#"{"waiting_room":true}"#),
            ]),
        )
        .await
        .unwrap();
    assert_eq!(created.status, 201);
    assert_eq!(created.body["topic"], "Standup");
    assert_eq!(created.body["duration"], 30);
    let sent: Value = serde_json::from_str(&sim.requests().last().unwrap().body).unwrap();
    assert_eq!(sent["type"], 2, "meeting type goes as a JSON number");
    assert_eq!(sent["settings"]["waiting_room"], true);

    let id = created.body["id"].as_i64().unwrap().to_string();
    let fetched = host
        .run("retrieve-meeting", &conn, &params(&[("meetingId", &id)]))
        .await
        .unwrap();
    assert_eq!(fetched.body["topic"], "Standup");

    let deleted = host
        .run("delete-meeting", &conn, &params(&[("meetingId", &id)]))
        .await
        .unwrap();
    assert_eq!(deleted.status, 204);
    assert_eq!(deleted.body["deleted"], true);

    let gone = host
        .run("retrieve-meeting", &conn, &params(&[("meetingId", &id)]))
        .await
        .unwrap_err();
    assert!(
        matches!(
            gone,
            HostError::Zoom {
                status: 404,
                code: Some(3001),
                ..
            }
        ),
        "got {gone:?}"
    );
    assert_eq!(gone.category(), wrk_zoom::ErrorCategory::Zoom);
}

#[tokio::test]
async fn meeting_ids_with_spaces_and_dashes_are_accepted() {
    let (host, sim) = (host(), simulator().await);
    let id = seed::FIRST_USER_MEETING_ID.to_string();
    let spaced = format!("{} {} {}", &id[..3], &id[3..7], &id[7..]);
    let reply = host
        .run(
            "retrieve-meeting",
            &user(&sim),
            &params(&[("meetingId", &spaced)]),
        )
        .await
        .unwrap();
    assert_eq!(reply.body["id"].as_i64(), Some(seed::FIRST_USER_MEETING_ID));
    assert_eq!(
        sim.requests().last().unwrap().raw_path,
        format!("/v2/meetings/{id}")
    );
}

#[tokio::test]
async fn retrieve_meetings_returns_one_page_and_the_next_token() {
    let (host, sim) = (host(), simulator().await);
    let reply = host
        .run("retrieve-meetings", &user(&sim), &[])
        .await
        .unwrap();
    assert_eq!(reply.body["meetings"].as_array().unwrap().len(), 30);
    assert_eq!(
        reply.body["total_records"],
        seed::USER_SCHEDULED_MEETING_COUNT as u64
    );
    assert!(reply.next_page_token.is_some());
}

#[tokio::test]
async fn past_meeting_participants_by_numeric_id() {
    let (host, sim) = (host(), simulator().await);
    let id = seed::ORDINARY_PAST_MEETING_ID.to_string();
    let reply = host
        .run(
            "retrieve-past-meeting-participants",
            &user(&sim),
            &params(&[("meetingId", &id)]),
        )
        .await
        .unwrap();
    assert_eq!(
        reply.body["participants"].as_array().unwrap().len(),
        seed::ORDINARY_PAST_MEETING_PARTICIPANTS
    );
    assert_eq!(reply.next_page_token, None);
}

#[tokio::test]
async fn an_invalid_token_is_an_auth_failure() {
    let (host, sim) = (host(), simulator().await);
    let mut conn = user(&sim);
    conn.access_token = "expired".into();
    let err = host.run("retrieve-user", &conn, &[]).await.unwrap_err();
    assert!(
        matches!(
            err,
            HostError::Zoom {
                status: 401,
                code: Some(124),
                ..
            }
        ),
        "got {err:?}"
    );
    assert_eq!(err.category(), wrk_zoom::ErrorCategory::Auth);
}
