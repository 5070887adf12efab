//! Every trigger wrk-zoom ships, one declaration each; `components/triggers/`
//! has a two-line crate per declaration.
//!
//! Scopes are Zoom's for the event (its webhook reference, "Scopes" and
//! "Granular Scopes"); the example events are Zoom's documented ones,
//! extracted by `scripts/extract-webhooks.py`.

pub mod accounts;
pub mod meetings;
pub mod recordings;

use super::event::{integer, put_date_time, put_integer, put_text, text};
use super::{Event, Field, FieldType, Trigger};
use crate::ids::MeetingRef;
use crate::values::{Value as Given, Values};
use crate::{Param, ParamType};
use serde_json::{Map, Value};

/// Every trigger, in the order the product lists them.
pub const ALL: &[&Trigger] = &[
    &meetings::MEETING_CREATED,
    &meetings::MEETING_UPDATED,
    &meetings::MEETING_DELETED,
    &meetings::MEETING_STARTED,
    &meetings::MEETING_ENDED,
    &meetings::PARTICIPANT_JOINED,
    &meetings::PARTICIPANT_LEFT,
    &recordings::RECORDING_COMPLETED,
    &recordings::TRANSCRIPT_COMPLETED,
    &recordings::SUMMARY_COMPLETED,
    &accounts::USER_CREATED,
    &accounts::USER_DEACTIVATED,
    &accounts::PHONE_CALL_COMPLETED,
];

/// The trigger named `name`.
pub fn find(name: &str) -> Option<&'static Trigger> {
    ALL.iter().copied().find(|t| t.name == name)
}

/// Zoom's documented example of `event` (`tests/simulator/webhook-examples`).
macro_rules! example {
    ($event:literal) => {
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/simulator/webhook-examples/",
            $event,
            ".json"
        ))
    };
}
use example;

const MEETING_SCOPES: &[&str] = &[
    "meeting:read",
    "meeting:read:admin",
    "meeting:write",
    "meeting:write:admin",
    "meeting:master",
];
const MEETING_GRANULAR: &[&str] = &[
    "meeting:read:meeting",
    "meeting:read:meeting:admin",
    "meeting:read:meeting:master",
];

/// Only this meeting.
const MEETING_ID: Param = Param::control(
    "meeting_id",
    ParamType::MeetingId,
    "Only this meeting (its numeric ID); every meeting when left out",
);
/// Only meetings whose topic contains a text.
const TOPIC_CONTAINS: Param = Param::control(
    "topic_contains",
    ParamType::Text,
    "Only meetings whose topic contains this text (ignoring case)",
)
.max_len(200);
/// Only meetings a user hosts.
const HOST_ID: Param = Param::control(
    "host_id",
    ParamType::Text,
    "Only meetings this user hosts (Zoom's user ID, as `host_id` in the output)",
)
.max_len(64);

/// The filters every meeting trigger takes.
const MEETING_FILTERS: &[Param] = &[MEETING_ID, TOPIC_CONTAINS, HOST_ID];

/// The fields every output starts with ([`Event::common`]).
const EVENT_FIELDS: [Field; 3] = [
    Field::new("event", FieldType::Text, "Zoom's event type"),
    Field::new(
        "event_ts",
        FieldType::Integer,
        "When Zoom sent the event (Unix milliseconds)",
    )
    .or_null(),
    Field::new("account_id", FieldType::Text, "The Zoom account").or_null(),
];

/// The fields that say which meeting, after [`EVENT_FIELDS`] in every
/// meeting output.
const MEETING_FIELDS: [Field; 4] = [
    Field::new("meeting_id", FieldType::Integer, "The meeting's numeric ID").or_null(),
    Field::new(
        "meeting_uuid",
        FieldType::Text,
        "The meeting instance's UUID (for past-meeting, recording and transcript actions)",
    )
    .or_null(),
    Field::new("topic", FieldType::Text, "The meeting's topic").or_null(),
    Field::new("host_id", FieldType::Text, "The host's Zoom user ID").or_null(),
];

/// The operator fields of events a person's action caused.
const OPERATOR_FIELDS: [Field; 2] = [
    Field::new("operator", FieldType::Text, "Email of who made the change").or_null(),
    Field::new(
        "operator_id",
        FieldType::Text,
        "Zoom user ID of who made the change",
    )
    .or_null(),
];

/// `MEETING_FIELDS` of `object` (a meeting or meeting instance), after the
/// event's common fields.
fn meeting_fields(event: &Event, object: &Value) -> Map<String, Value> {
    let mut out = event.common();
    put_integer(&mut out, "meeting_id", &object["id"]);
    put_text(&mut out, "meeting_uuid", &object["uuid"]);
    put_text(&mut out, "topic", &object["topic"]);
    put_text(&mut out, "host_id", &object["host_id"]);
    out
}

/// `OPERATOR_FIELDS` of the payload into `out`.
fn operator_fields(event: &Event, out: &mut Map<String, Value>) {
    put_text(out, "operator", &event.payload()["operator"]);
    put_text(out, "operator_id", &event.payload()["operator_id"]);
}

/// Whether a meeting (its output so far) passes `MEETING_FILTERS`.
fn meeting_passes(out: &Map<String, Value>, values: &Values) -> bool {
    let id_ok = match values.get("meeting_id") {
        Some(Given::Meeting(MeetingRef::Id(id))) => out["meeting_id"].as_u64() == Some(*id),
        _ => true,
    };
    let topic_ok = values.text("topic_contains").is_none_or(|needle| {
        out["topic"]
            .as_str()
            .is_some_and(|topic| topic.to_lowercase().contains(&needle.to_lowercase()))
    });
    let host_ok = values
        .text("host_id")
        .is_none_or(|host| out["host_id"].as_str() == Some(host.as_str()));
    id_ok && topic_ok && host_ok
}

/// `event:part:part...`, parts that are missing left empty.
fn key(event: &Event, parts: &[Option<String>]) -> String {
    let parts: Vec<&str> = parts.iter().map(|p| p.as_deref().unwrap_or("")).collect();
    format!("{}:{}", event.name(), parts.join(":"))
}

/// The instance (UUID, else the meeting id) an event is about.
fn instance(object: &Value) -> Option<String> {
    text(&object["uuid"]).or_else(|| integer(&object["id"]).map(|id| id.to_string()))
}

/// `date_time` of `object[name]` into `out[name]`.
fn put_time(out: &mut Map<String, Value>, object: &Value, name: &str) {
    put_date_time(out, name, &object[name]);
}
