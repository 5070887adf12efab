//! The runner of `retrieve-meeting-transcript` and its admin twin
//! ([`catalog::transcripts`](crate::catalog::transcripts),
//! [`Runner::Transcript`](crate::Runner::Transcript)): the declared
//! metadata request, then the download of the WebVTT file it points to,
//! parsed into cues.
//!
//! How each outcome is answered:
//! - downloadable: a successful reply with the metadata fields plus
//!   `"available": true`, `"cues"` (`start`, `end`, `speaker`, `text`) and
//!   `"text"` (one `Speaker: text` line per cue);
//! - Zoom knows the transcript but offers no download (`can_download` false
//!   or no `download_url`): a successful reply with the metadata plus
//!   `"available": false`, `"reason"` (Zoom's `download_restriction_reason`,
//!   e.g. `NOT_READY`) and `"explanation"` in words. These are states of an
//!   existing transcript, not failures, so callers can poll on `NOT_READY`;
//! - Zoom refuses a numeric meeting ID (400 or 404; reported of this
//!   endpoint since December 2025, Jericho/ZoomNet#455): the ID is resolved
//!   to its latest ended instance (`GET /past_meetings/{id}/instances`,
//!   which needs `meeting:read` or `meeting:read:list_past_instances`) and
//!   that instance's transcript is fetched; the reply names it in
//!   `"instance"`. When there is no such instance, Zoom's first answer
//!   stands;
//! - Zoom answers 404 code 3322 (no transcript at all): a [`Failure::Zoom`]
//!   whose message says "this meeting has no transcript";
//! - any other error answer, of the metadata or the download: a
//!   [`Failure::Zoom`] as usual.

use crate::{http, vtt, zoom};
use serde_json::{Map, Value as Json, json};
use wrk_zoom_spec::ids::MeetingRef;
use wrk_zoom_spec::request::{self, Request};
use wrk_zoom_spec::values::{Value, Values};
use wrk_zoom_spec::{Action, Call, Failure, Method, Reply};

/// Zoom's error code for "This meeting transcript does not exist."
const NO_TRANSCRIPT: i64 = 3322;

/// Fetches the metadata, then (when offered) downloads and parses the file.
pub fn run(action: &Action, call: &Call, values: &Values) -> Result<Reply, Failure> {
    let request = request::build(action, values);
    let response = http::send_request(&request, call)?;
    let metadata = match metadata(response.status, &response.body) {
        Ok(metadata) => metadata,
        Err(refused) => match values.get("meetingId") {
            Some(Value::Meeting(MeetingRef::Id(id))) if refuses_id(&refused) => {
                of_latest_instance(*id, call, refused)?
            }
            _ => return Err(refused),
        },
    };
    let url = match download_url(&metadata) {
        Ok(url) => url,
        Err(unavailable) => return Ok(json_reply(unavailable)),
    };
    let download = http::get_following_redirects(&url, &call.access_token)?;
    if !(200..300).contains(&download.status) {
        return Err(zoom::error(download.status, &download.body));
    }
    let document = String::from_utf8_lossy(&download.body);
    available(metadata, &document).map(json_reply)
}

/// An answer that may be Zoom refusing the numeric ID itself.
fn refuses_id(failure: &Failure) -> bool {
    matches!(
        failure,
        Failure::Zoom {
            status: 400 | 404,
            ..
        }
    )
}

/// The transcript metadata of the latest ended instance of meeting `id`,
/// with that instance named in `"instance"`; `refused` (Zoom's answer to the
/// ID) when there is no ended instance to fall back on.
fn of_latest_instance(
    id: u64,
    call: &Call,
    refused: Failure,
) -> Result<Map<String, Json>, Failure> {
    let list = Request {
        method: Method::Get,
        path_and_query: format!("/past_meetings/{id}/instances"),
        body: None,
    };
    let instances = http::send_request(&list, call)?;
    let latest = (200..300)
        .contains(&instances.status)
        .then(|| serde_json::from_slice::<Json>(&instances.body).ok())
        .flatten()
        .and_then(|body| {
            let meetings = body.get("meetings")?.as_array()?.clone();
            // ISO-8601 UTC times of one form order as text.
            meetings.into_iter().max_by(|a, b| {
                let start = |m: &Json| m["start_time"].as_str().unwrap_or_default().to_string();
                start(a).cmp(&start(b))
            })
        });
    let Some(uuid) = latest
        .as_ref()
        .and_then(|m| m.get("uuid"))
        .and_then(Json::as_str)
    else {
        return Err(refused);
    };
    let retry = Request {
        method: Method::Get,
        path_and_query: format!(
            "/meetings/{}/transcript",
            MeetingRef::Uuid(uuid.to_string()).path_segment()
        ),
        body: None,
    };
    let response = http::send_request(&retry, call)?;
    let mut metadata = metadata(response.status, &response.body)?;
    metadata.insert(
        "instance".into(),
        json!({
            "uuid": uuid,
            "start_time": latest.as_ref().and_then(|m| m.get("start_time")),
            "resolved_from": id,
            "why": "Zoom refused the meeting ID for transcripts; this is its latest ended instance",
        }),
    );
    Ok(metadata)
}

/// The metadata object of a 2xx answer, or the failure an error answer means.
fn metadata(status: u16, body: &[u8]) -> Result<Map<String, Json>, Failure> {
    if !(200..300).contains(&status) {
        return Err(match zoom::error(status, body) {
            Failure::Zoom {
                status: 404,
                code: Some(NO_TRANSCRIPT),
                message,
                body,
            } => Failure::Zoom {
                status: 404,
                code: Some(NO_TRANSCRIPT),
                message: format!("this meeting has no transcript (Zoom: {message})"),
                body,
            },
            other => other,
        });
    }
    match serde_json::from_slice::<Json>(body) {
        Ok(Json::Object(map)) => Ok(map),
        _ => Err(Failure::Unexpected(format!(
            "Zoom answered {status} to the transcript request with something other than a JSON object: {}",
            String::from_utf8_lossy(&body[..body.len().min(200)])
        ))),
    }
}

/// The download link, or the `available: false` answer when there is none.
fn download_url(metadata: &Map<String, Json>) -> Result<String, Json> {
    let can_download = metadata
        .get("can_download")
        .and_then(Json::as_bool)
        .unwrap_or(false);
    let url = metadata
        .get("download_url")
        .and_then(Json::as_str)
        .filter(|u| !u.is_empty());
    match (can_download, url) {
        (true, Some(url)) => Ok(url.to_string()),
        _ => {
            let reason = metadata
                .get("download_restriction_reason")
                .and_then(Json::as_str);
            let mut answer = metadata.clone();
            answer.insert("available".into(), json!(false));
            answer.insert("reason".into(), json!(reason));
            answer.insert("explanation".into(), json!(explain(reason, can_download)));
            Err(Json::Object(answer))
        }
    }
}

/// Zoom's `download_restriction_reason` in words.
fn explain(reason: Option<&str>, can_download: bool) -> String {
    match reason {
        Some("NOT_READY") => "the transcript is not ready yet; try again later".into(),
        Some("DELETED_OR_TRASHED") => {
            "the transcript was deleted or moved to the trash; restore it in Zoom to download it"
                .into()
        }
        Some("UNSUPPORTED") => {
            "Zoom does not support downloading a transcript for this meeting".into()
        }
        Some("NO_TRANSCRIPT_DATA") => {
            "the meeting has no transcript data: nothing was transcribed".into()
        }
        Some(other) => format!("Zoom does not offer the transcript for download (reason {other})"),
        None if can_download => "Zoom allows the download but gave no download_url".into(),
        None => "Zoom does not offer the transcript for download and gave no reason".into(),
    }
}

/// The `available: true` answer: metadata plus the parsed cues and text.
fn available(mut metadata: Map<String, Json>, document: &str) -> Result<Json, Failure> {
    let cues = vtt::parse(document).map_err(|e| {
        Failure::Unexpected(format!(
            "the transcript download is not a readable WebVTT file: {e}"
        ))
    })?;
    let turns: Vec<vtt::Turn> = vtt::turns(&cues);
    let text: Vec<String> = turns
        .iter()
        .map(|t| match &t.speaker {
            Some(speaker) => format!("{speaker}: {}", t.text),
            None => t.text.clone(),
        })
        .collect();
    let speakers: Vec<Json> = vtt::talk_time(&cues)
        .into_iter()
        .map(|(speaker, talk)| {
            let turns_of = turns.iter().filter(|t| t.speaker == speaker).count();
            // Milliseconds are what the cues carry; round to them.
            let talk_seconds = (talk * 1000.0).round() / 1000.0;
            json!({"speaker": speaker, "talk_seconds": talk_seconds, "turns": turns_of})
        })
        .collect();
    let turns: Vec<Json> = turns
        .into_iter()
        .map(|t| json!({"start": t.start, "end": t.end, "speaker": t.speaker, "text": t.text}))
        .collect();
    let cues: Vec<Json> = cues
        .into_iter()
        .map(|c| json!({"start": c.start, "end": c.end, "speaker": c.speaker, "text": c.text}))
        .collect();
    metadata.insert("available".into(), json!(true));
    metadata.insert("cues".into(), Json::Array(cues));
    metadata.insert("turns".into(), Json::Array(turns));
    metadata.insert("speakers".into(), Json::Array(speakers));
    metadata.insert("text".into(), json!(text.join("\n")));
    Ok(Json::Object(metadata))
}

fn json_reply(body: Json) -> Reply {
    Reply {
        status: 200,
        body: body.to_string(),
        next_page_token: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(text: &str) -> Map<String, Json> {
        match serde_json::from_str(text).unwrap() {
            Json::Object(map) => map,
            _ => panic!("not an object"),
        }
    }

    #[test]
    fn missing_transcript_3322_is_a_zoom_error_that_says_so() {
        let body = br#"{"code":3322,"message":"This meeting transcript does not exist."}"#;
        let Err(Failure::Zoom {
            status,
            code,
            message,
            ..
        }) = metadata(404, body)
        else {
            panic!("expected a Zoom failure");
        };
        assert_eq!((status, code), (404, Some(3322)));
        assert!(
            message.starts_with("this meeting has no transcript"),
            "{message}"
        );
        let Err(Failure::Zoom { message, .. }) = metadata(
            404,
            br#"{"code":3001,"message":"Meeting does not exist: 1."}"#,
        ) else {
            panic!("expected a Zoom failure");
        };
        assert_eq!(message, "Meeting does not exist: 1.");
    }

    #[test]
    fn not_ready_transcript_is_an_unavailable_answer_with_its_reason() {
        let meta = object(
            r#"{"meeting_id":"abc==","can_download":false,"download_restriction_reason":"NOT_READY"}"#,
        );
        let answer = download_url(&meta).unwrap_err();
        assert_eq!(answer["available"], false);
        assert_eq!(answer["reason"], "NOT_READY");
        assert_eq!(
            answer["explanation"],
            "the transcript is not ready yet; try again later"
        );
        assert_eq!(answer["meeting_id"], "abc==");
    }

    #[test]
    fn every_restriction_reason_is_explained() {
        for (reason, words) in [
            ("DELETED_OR_TRASHED", "deleted or moved to the trash"),
            ("UNSUPPORTED", "does not support"),
            ("NO_TRANSCRIPT_DATA", "no transcript data"),
        ] {
            let meta = object(&format!(
                r#"{{"can_download":false,"download_restriction_reason":"{reason}"}}"#
            ));
            let answer = download_url(&meta).unwrap_err();
            assert!(
                answer["explanation"].as_str().unwrap().contains(words),
                "{reason}"
            );
        }
        let answer = download_url(&object(r#"{"can_download":true}"#)).unwrap_err();
        assert_eq!(answer["reason"], Json::Null);
        assert!(
            answer["explanation"]
                .as_str()
                .unwrap()
                .contains("no download_url")
        );
    }

    #[test]
    fn downloadable_transcript_is_parsed_into_cues_and_text() {
        let meta = object(
            r#"{"meeting_topic":"Standup","can_download":true,"download_url":"https://zoom.us/rec/meeting/transcript/download/t"}"#,
        );
        assert_eq!(
            download_url(&meta).unwrap(),
            "https://zoom.us/rec/meeting/transcript/download/t"
        );
        let vtt = "WEBVTT\n\n1\n00:00:01.000 --> 00:00:04.500\nAda Lovelace: Hello.\n\n2\n00:00:05.000 --> 00:00:06.000\nAlan Turing: Hi Ada.\nShall we start?\n";
        let answer = available(meta, vtt).unwrap();
        assert_eq!(answer["available"], true);
        assert_eq!(answer["meeting_topic"], "Standup");
        assert_eq!(
            answer["cues"][0],
            json!({"start": "00:00:01.000", "end": "00:00:04.500", "speaker": "Ada Lovelace", "text": "Hello."})
        );
        assert_eq!(
            answer["text"],
            "Ada Lovelace: Hello.\nAlan Turing: Hi Ada. Shall we start?"
        );
    }

    #[test]
    fn consecutive_cues_of_one_speaker_are_one_turn_with_talk_time_per_speaker() {
        let vtt = "WEBVTT\n\n1\n00:00:01.000 --> 00:00:04.500\nAda Lovelace: Hello.\n\n2\n00:00:04.500 --> 00:00:06.000\nAda Lovelace: Welcome.\n\n3\n00:00:06.000 --> 00:00:07.250\nAlan Turing: Thanks.\n\n4\n00:01:00.000 --> 00:01:02.000\nAda Lovelace: Next.\n";
        let answer = available(Map::new(), vtt).unwrap();
        assert_eq!(answer["cues"].as_array().unwrap().len(), 4);
        assert_eq!(
            answer["turns"],
            json!([
                {"start": "00:00:01.000", "end": "00:00:06.000", "speaker": "Ada Lovelace", "text": "Hello. Welcome."},
                {"start": "00:00:06.000", "end": "00:00:07.250", "speaker": "Alan Turing", "text": "Thanks."},
                {"start": "00:01:00.000", "end": "00:01:02.000", "speaker": "Ada Lovelace", "text": "Next."},
            ])
        );
        assert_eq!(
            answer["speakers"],
            json!([
                {"speaker": "Ada Lovelace", "talk_seconds": 7.0, "turns": 2},
                {"speaker": "Alan Turing", "talk_seconds": 1.25, "turns": 1},
            ])
        );
        assert_eq!(
            answer["text"],
            "Ada Lovelace: Hello. Welcome.\nAlan Turing: Thanks.\nAda Lovelace: Next."
        );
    }

    #[test]
    fn a_download_that_is_not_webvtt_is_unexpected() {
        let err = available(Map::new(), "<html>sign in</html>").unwrap_err();
        assert!(
            matches!(err, Failure::Unexpected(ref m) if m.contains("not a readable WebVTT")),
            "{err:?}"
        );
    }
}
