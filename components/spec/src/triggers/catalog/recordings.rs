//! What a meeting leaves behind: recording files, the transcript, the AI
//! Companion summary.

use super::meetings::passing;
use super::{
    EVENT_FIELDS, HOST_ID, MEETING_FIELDS, MEETING_FILTERS, MEETING_ID, TOPIC_CONTAINS, example,
    instance, key, meeting_fields, put_time,
};
use crate::dates::format_unix_millis;
use crate::triggers::event::{put_integer, put_text, text};
use crate::triggers::{Event, Field, FieldType, Trigger};
use crate::values::Values;
use crate::{ConnectionKind, Param, ParamType};
use serde_json::{Map, Value};

type Outputs = Result<Vec<(String, Map<String, Value>)>, String>;

/// How long a `download_token` lasts after the event (Zoom: "only lasts for
/// 24 hours after its creation").
const DOWNLOAD_TOKEN_LIFETIME_MS: i64 = 24 * 3600 * 1000;

/// Zoom's file types of a recording file (its webhook reference).
const FILE_TYPES: &[&str] = &[
    "MP4",
    "M4A",
    "CHAT",
    "TRANSCRIPT",
    "CSV",
    "TB",
    "CC",
    "CHAT_MESSAGE",
    "SUMMARY",
    "TIMELINE",
];

/// Only files of these types.
const FILE_TYPES_PARAM: Param = Param::control(
    "file_types",
    ParamType::TextList(FILE_TYPES),
    "Only files of these types (e.g. MP4,M4A); every file when left out",
);

const RECORDING_SCOPES: &[&str] = &[
    "recording:read",
    "recording:read:admin",
    "recording:write",
    "recording:write:admin",
    "recording:master",
];
const RECORDING_GRANULAR: &[&str] = &[
    "cloud_recording:read:recording",
    "cloud_recording:read:recording:admin",
    "cloud_recording:read:recording:master",
];

/// The fields of one recording file and how to fetch it.
const FILE_FIELDS: &[Field] = &[
    Field::new("host_email", FieldType::Text, "The host's email").or_null(),
    Field::new(
        "start_time",
        FieldType::DateTime,
        "When the meeting started",
    )
    .or_null(),
    Field::new("file_id", FieldType::Text, "The file's ID"),
    Field::new(
        "file_type",
        FieldType::Text,
        "MP4, M4A, TRANSCRIPT, CHAT, CC, CSV, TIMELINE, SUMMARY, ...",
    )
    .or_null(),
    Field::new(
        "file_extension",
        FieldType::Text,
        "MP4, M4A, TXT, VTT, CSV, JSON, ...",
    )
    .or_null(),
    Field::new("file_size", FieldType::Integer, "Its size in bytes").or_null(),
    Field::new(
        "recording_type",
        FieldType::Text,
        "What it shows: shared_screen_with_speaker_view, audio_only, audio_transcript, ...",
    )
    .or_null(),
    Field::new(
        "recording_start",
        FieldType::DateTime,
        "When this file's recording started",
    )
    .or_null(),
    Field::new(
        "recording_end",
        FieldType::DateTime,
        "When this file's recording ended",
    )
    .or_null(),
    Field::new(
        "download_url",
        FieldType::Url,
        "Where to download it, with `download_token` as a bearer token",
    )
    .or_null(),
    Field::new("play_url", FieldType::Url, "Where to play it in a browser").or_null(),
    Field::new(
        "download_token",
        FieldType::Text,
        "A bearer token for `download_url`, valid 24 hours after the event",
    )
    .or_null(),
    Field::new(
        "download_token_expires_at",
        FieldType::DateTime,
        "When `download_token` stops working; after that, download with the connection's own token",
    )
    .or_null(),
];

/// One output per file of a `recording.*` event that passes the filters.
fn recording_files(event: &Event, values: &Values, transcripts_only: bool) -> Outputs {
    let object = event.object();
    let Some(files) = object["recording_files"].as_array() else {
        return Err(format!(
            "the `{}` event has no `payload.object.recording_files` list",
            event.name()
        ));
    };
    let base = meeting_fields(event, object);
    let wanted = values.get("file_types").map(|v| v.to_text());
    let token = text(&event.body()["download_token"]);
    let expires = event
        .event_ts()
        .filter(|_| token.is_some())
        .map(|ts| format_unix_millis(ts + DOWNLOAD_TOKEN_LIFETIME_MS));
    let mut outputs = Vec::new();
    for file in files {
        let file_type = text(&file["file_type"]);
        if transcripts_only && file_type.as_deref() != Some("TRANSCRIPT") {
            continue;
        }
        if let (Some(wanted), Some(kind)) = (&wanted, &file_type)
            && !wanted.split(',').any(|w| w.eq_ignore_ascii_case(kind))
        {
            continue;
        }
        let Some(file_id) = text(&file["id"]) else {
            continue; // a file still processing has no id yet; a later event brings it
        };
        let mut out = base.clone();
        put_text(&mut out, "host_email", &object["host_email"]);
        put_time(&mut out, object, "start_time");
        out.insert("file_id".into(), file_id.clone().into());
        out.insert("file_type".into(), file_type.into());
        put_text(&mut out, "file_extension", &file["file_extension"]);
        put_integer(&mut out, "file_size", &file["file_size"]);
        put_text(&mut out, "recording_type", &file["recording_type"]);
        put_time(&mut out, file, "recording_start");
        put_time(&mut out, file, "recording_end");
        put_text(&mut out, "download_url", &file["download_url"]);
        put_text(&mut out, "play_url", &file["play_url"]);
        out.insert("download_token".into(), token.clone().into());
        out.insert("download_token_expires_at".into(), expires.clone().into());
        let key = key(event, &[instance(object), Some(file_id)]);
        outputs.extend(passing(out, values, key));
    }
    Ok(outputs)
}

/// "When a recording is completed".
pub const RECORDING_COMPLETED: Trigger = Trigger {
    name: "recording-completed",
    title: "When a recording is completed",
    description: "A cloud recording finished processing; one output per file (video, audio, chat, ...), with a download URL and a token that lasts 24 hours. The transcript is not ready yet: use \"When a transcript is completed\" for it.",
    events: &["recording.completed"],
    connection: ConnectionKind::User,
    classic_scopes: RECORDING_SCOPES,
    granular_scopes: RECORDING_GRANULAR,
    params: &[MEETING_ID, TOPIC_CONTAINS, HOST_ID, FILE_TYPES_PARAM],
    fields: &[&EVENT_FIELDS, &MEETING_FIELDS, FILE_FIELDS],
    example_event: example!("recording.completed"),
    map: |event, values| recording_files(event, values, false),
};

/// "When a transcript is completed".
pub const TRANSCRIPT_COMPLETED: Trigger = Trigger {
    name: "transcript-completed",
    title: "When a transcript is completed",
    description: "A meeting's audio transcript is ready (later than its recording); one output per transcript file. Pass `meeting_uuid` to retrieve-meeting-transcript to read it.",
    events: &["recording.transcript_completed"],
    connection: ConnectionKind::User,
    classic_scopes: RECORDING_SCOPES,
    granular_scopes: RECORDING_GRANULAR,
    params: MEETING_FILTERS,
    fields: &[&EVENT_FIELDS, &MEETING_FIELDS, FILE_FIELDS],
    example_event: example!("recording.transcript_completed"),
    map: |event, values| recording_files(event, values, true),
};

/// "When a meeting summary is completed".
pub const SUMMARY_COMPLETED: Trigger = Trigger {
    name: "summary-completed",
    title: "When a meeting summary is completed",
    description: "Zoom's AI Companion finished (or updated) a meeting's summary; a new edit gives a new output.",
    events: &["meeting.summary_completed"],
    connection: ConnectionKind::User,
    classic_scopes: &[
        "meeting_summary:read",
        "meeting_summary:read:admin",
        "meeting:master",
    ],
    granular_scopes: &[
        "meeting:read:summary",
        "meeting:read:summary:admin",
        "meeting:read:summary:master",
    ],
    params: MEETING_FILTERS,
    fields: &[
        &EVENT_FIELDS,
        &MEETING_FIELDS,
        &[
            Field::new("host_email", FieldType::Text, "The host's email").or_null(),
            Field::new(
                "meeting_start_time",
                FieldType::DateTime,
                "When the meeting started",
            )
            .or_null(),
            Field::new(
                "meeting_end_time",
                FieldType::DateTime,
                "When the meeting ended",
            )
            .or_null(),
            Field::new("summary_title", FieldType::Text, "The summary's title").or_null(),
            Field::new("summary_overview", FieldType::Text, "A short overview").or_null(),
            Field::new(
                "summary_details",
                FieldType::Objects,
                "Sections: `label` and `summary` each",
            ),
            Field::new("next_steps", FieldType::Texts, "Action items"),
            Field::new(
                "summary_content",
                FieldType::Text,
                "The whole summary as Markdown",
            )
            .or_null(),
            Field::new(
                "summary_doc_url",
                FieldType::Url,
                "The summary's document in Zoom Docs",
            )
            .or_null(),
            Field::new(
                "summary_created_time",
                FieldType::DateTime,
                "When the summary was created",
            )
            .or_null(),
            Field::new(
                "summary_last_modified_time",
                FieldType::DateTime,
                "When it was last changed",
            )
            .or_null(),
        ],
    ],
    example_event: example!("meeting.summary_completed"),
    map: summary_completed,
};

fn summary_completed(event: &Event, values: &Values) -> Outputs {
    let object = event.object();
    let mut out = event.common();
    put_integer(&mut out, "meeting_id", &object["meeting_id"]);
    put_text(&mut out, "meeting_uuid", &object["meeting_uuid"]);
    put_text(&mut out, "topic", &object["meeting_topic"]);
    put_text(&mut out, "host_id", &object["meeting_host_id"]);
    put_text(&mut out, "host_email", &object["meeting_host_email"]);
    for name in [
        "meeting_start_time",
        "meeting_end_time",
        "summary_created_time",
        "summary_last_modified_time",
    ] {
        put_time(&mut out, object, name);
    }
    for name in [
        "summary_title",
        "summary_overview",
        "summary_content",
        "summary_doc_url",
    ] {
        put_text(&mut out, name, &object[name]);
    }
    let details: Vec<Value> = object["summary_details"]
        .as_array()
        .map(|all| all.iter().filter(|d| d.is_object()).cloned().collect())
        .unwrap_or_default();
    out.insert("summary_details".into(), Value::Array(details));
    let steps: Vec<Value> = object["next_steps"]
        .as_array()
        .map(|all| all.iter().filter_map(text).map(Value::from).collect())
        .unwrap_or_default();
    out.insert("next_steps".into(), Value::Array(steps));
    let edited = text(&object["summary_last_modified_time"])
        .or_else(|| event.event_ts().map(|t| t.to_string()));
    let key = key(event, &[text(&object["meeting_uuid"]), edited]);
    Ok(passing(out, values, key))
}
