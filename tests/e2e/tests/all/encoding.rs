//! Meeting UUIDs reach Zoom with the encoding Zoom requires.

use wrk_zoom_e2e::{host, params, simulator, user};
use zoom_simulator::seed;

async fn participants_of(uuid: &str) -> (usize, String) {
    let (host, sim) = (host(), simulator().await);
    let reply = host
        .run(
            "retrieve-past-meeting-participants",
            &user(&sim),
            &params(&[("meetingId", uuid)]),
        )
        .await
        .unwrap_or_else(|e| panic!("{uuid}: {e}"));
    let count = reply.body["participants"].as_array().unwrap().len();
    (count, sim.requests().last().unwrap().raw_path.clone())
}

#[tokio::test]
async fn past_participants_uuid_with_leading_slash_is_double_encoded() {
    let (count, path) = participants_of(seed::SLASH_PAST_MEETING_UUID).await;
    assert_eq!(count, seed::SLASH_PAST_MEETING_PARTICIPANTS);
    assert_eq!(
        path,
        "/v2/past_meetings/%252FajXp112QmuoKj4854875%253D%253D/participants"
    );
}

#[tokio::test]
async fn past_participants_uuid_with_double_slash_is_double_encoded() {
    let (count, path) = participants_of(seed::DOUBLE_SLASH_PAST_MEETING_UUID).await;
    assert_eq!(count, seed::DOUBLE_SLASH_PAST_MEETING_PARTICIPANTS);
    assert_eq!(
        path,
        "/v2/past_meetings/Ab%252F%252Fcd3eF%252Bg%253D%253D/participants"
    );
}

#[tokio::test]
async fn past_participants_ordinary_uuid_is_encoded_once() {
    let (count, path) = participants_of(seed::ORDINARY_PAST_MEETING_UUID).await;
    assert_eq!(count, seed::ORDINARY_PAST_MEETING_PARTICIPANTS);
    assert_eq!(
        path,
        "/v2/past_meetings/4RsgjlMtQ6uOqd3%2B5cq%2FkA%3D%3D/participants"
    );
}
