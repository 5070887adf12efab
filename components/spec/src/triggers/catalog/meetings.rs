//! Meetings: created, updated, deleted, started, ended; participants
//! joined and left.

use super::{
    EVENT_FIELDS, MEETING_FIELDS, MEETING_FILTERS, MEETING_GRANULAR, MEETING_SCOPES,
    OPERATOR_FIELDS, example, instance, key, meeting_fields, meeting_passes, operator_fields,
    put_time,
};
use crate::ConnectionKind;
use crate::triggers::event::{put_date_time, put_integer, put_text, text};
use crate::triggers::{Event, Field, FieldType, Trigger};
use crate::values::Values;
use serde_json::{Map, Value};

type Outputs = Result<Vec<(String, Map<String, Value>)>, String>;

/// A meeting trigger's declaration, its own parts left to fill.
const MEETING_TRIGGER: Trigger = Trigger {
    name: "",
    title: "",
    description: "",
    events: &[],
    connection: ConnectionKind::User,
    classic_scopes: MEETING_SCOPES,
    granular_scopes: MEETING_GRANULAR,
    params: MEETING_FILTERS,
    fields: &[],
    example_event: "",
    map: |_, _| Ok(Vec::new()),
};

/// The scheduling fields of a meeting.
const SCHEDULE_FIELDS: &[Field] = &[
    Field::new("type", FieldType::Integer, "Zoom's meeting type (1 instant, 2 scheduled, 3 recurring without a time, 8 recurring with a time)").or_null(),
    Field::new("start_time", FieldType::DateTime, "When it starts").or_null(),
    Field::new("duration", FieldType::Integer, "Its scheduled length in minutes").or_null(),
    Field::new("timezone", FieldType::Text, "Its time zone").or_null(),
];

fn schedule(object: &Value, out: &mut Map<String, Value>) {
    put_integer(out, "type", &object["type"]);
    put_time(out, object, "start_time");
    put_integer(out, "duration", &object["duration"]);
    put_text(out, "timezone", &object["timezone"]);
}

/// "When a meeting is created".
pub const MEETING_CREATED: Trigger = Trigger {
    name: "meeting-created",
    title: "When a meeting is created",
    description: "A meeting was scheduled (or an instant meeting created); one output per meeting.",
    events: &["meeting.created"],
    fields: &[
        &EVENT_FIELDS,
        &MEETING_FIELDS,
        SCHEDULE_FIELDS,
        &[Field::new(
            "join_url",
            FieldType::Url,
            "The link participants join with",
        )
        .or_null()],
        &OPERATOR_FIELDS,
    ],
    example_event: example!("meeting.created"),
    map: meeting_created,
    ..MEETING_TRIGGER
};

fn meeting_created(event: &Event, values: &Values) -> Outputs {
    let object = event.object();
    let mut out = meeting_fields(event, object);
    schedule(object, &mut out);
    put_text(&mut out, "join_url", &object["join_url"]);
    operator_fields(event, &mut out);
    let key = key(event, &[instance(object)]);
    Ok(passing(out, values, key))
}

/// "When a meeting is updated".
pub const MEETING_UPDATED: Trigger = Trigger {
    name: "meeting-updated",
    title: "When a meeting is updated",
    description: "A meeting's settings or schedule changed; the output names the changed fields with their new and previous values. Its topic is the new one when the topic changed, else absent unless Zoom sent it.",
    events: &["meeting.updated"],
    fields: &[
        &EVENT_FIELDS,
        &MEETING_FIELDS,
        &[
            Field::new(
                "changed_fields",
                FieldType::Texts,
                "The top-level fields that changed (`topic`, `start_time`, `settings`)",
            ),
            Field::new(
                "changes",
                FieldType::Object,
                "The changed fields with their new values",
            ),
            Field::new(
                "previous",
                FieldType::Object,
                "The changed fields with their previous values",
            ),
            Field::new(
                "updated_at",
                FieldType::DateTime,
                "When the change was made",
            )
            .or_null(),
        ],
        &OPERATOR_FIELDS,
    ],
    example_event: example!("meeting.updated"),
    map: meeting_updated,
    ..MEETING_TRIGGER
};

fn meeting_updated(event: &Event, values: &Values) -> Outputs {
    let object = event.object();
    let old = &event.payload()["old_object"];
    let mut out = meeting_fields(event, object);
    if out["topic"].is_null() {
        // An unchanged topic is not in the event; the filter then has
        // nothing to match, so the old object's (when there) stands in.
        put_text(&mut out, "topic", &old["topic"]);
    }
    let strip = |v: &Value| -> Map<String, Value> {
        v.as_object()
            .map(|m| {
                m.iter()
                    .filter(|(k, _)| !matches!(k.as_str(), "id" | "uuid"))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            })
            .unwrap_or_default()
    };
    let changes = strip(object);
    let changed: Vec<Value> = changes.keys().cloned().map(Value::from).collect();
    out.insert("changed_fields".into(), Value::Array(changed));
    out.insert("changes".into(), Value::Object(changes));
    out.insert("previous".into(), Value::Object(strip(old)));
    let stamp = &event.payload()["time_stamp"];
    put_date_time(&mut out, "updated_at", stamp);
    operator_fields(event, &mut out);
    let when = text(stamp).or_else(|| event.event_ts().map(|ts| ts.to_string()));
    let key = key(event, &[text(&object["id"]), when]);
    Ok(passing(out, values, key))
}

/// "When a meeting is deleted".
pub const MEETING_DELETED: Trigger = Trigger {
    name: "meeting-deleted",
    title: "When a meeting is deleted",
    description: "A meeting, or one occurrence of a recurring meeting, was deleted.",
    events: &["meeting.deleted"],
    fields: &[
        &EVENT_FIELDS,
        &MEETING_FIELDS,
        SCHEDULE_FIELDS,
        &[
            Field::new(
                "operation",
                FieldType::Text,
                "`all` (the whole meeting) or `single` (the occurrences listed)",
            )
            .or_null(),
            Field::new(
                "occurrence_ids",
                FieldType::Texts,
                "The deleted occurrences (empty: the whole meeting)",
            ),
        ],
        &OPERATOR_FIELDS,
    ],
    example_event: example!("meeting.deleted"),
    map: meeting_deleted,
    ..MEETING_TRIGGER
};

fn meeting_deleted(event: &Event, values: &Values) -> Outputs {
    let object = event.object();
    let mut out = meeting_fields(event, object);
    schedule(object, &mut out);
    put_text(&mut out, "operation", &event.payload()["operation"]);
    let mut occurrences: Vec<String> = object["occurrences"]
        .as_array()
        .map(|all| {
            all.iter()
                .filter_map(|o| text(&o["occurrence_id"]))
                .collect()
        })
        .unwrap_or_default();
    occurrences.sort();
    out.insert("occurrence_ids".into(), occurrences.clone().into());
    operator_fields(event, &mut out);
    let key = key(event, &[instance(object), Some(occurrences.join(","))]);
    Ok(passing(out, values, key))
}

/// "When a meeting starts".
pub const MEETING_STARTED: Trigger = Trigger {
    name: "meeting-started",
    title: "When a meeting starts",
    description: "A meeting instance started; `meeting_uuid` names the instance.",
    events: &["meeting.started"],
    fields: &[&EVENT_FIELDS, &MEETING_FIELDS, SCHEDULE_FIELDS],
    example_event: example!("meeting.started"),
    map: meeting_started,
    ..MEETING_TRIGGER
};

fn meeting_started(event: &Event, values: &Values) -> Outputs {
    let object = event.object();
    let mut out = meeting_fields(event, object);
    schedule(object, &mut out);
    let key = key(event, &[instance(object)]);
    Ok(passing(out, values, key))
}

/// "When a meeting ends".
pub const MEETING_ENDED: Trigger = Trigger {
    name: "meeting-ended",
    title: "When a meeting ends",
    description: "A meeting instance ended. Its recording and transcript come later: use \"When a recording is completed\" and \"When a transcript is completed\" for them.",
    events: &["meeting.ended"],
    fields: &[
        &EVENT_FIELDS,
        &MEETING_FIELDS,
        SCHEDULE_FIELDS,
        &[Field::new("end_time", FieldType::DateTime, "When it ended").or_null()],
    ],
    example_event: example!("meeting.ended"),
    map: meeting_ended,
    ..MEETING_TRIGGER
};

fn meeting_ended(event: &Event, values: &Values) -> Outputs {
    let object = event.object();
    let mut out = meeting_fields(event, object);
    schedule(object, &mut out);
    put_time(&mut out, object, "end_time");
    let key = key(event, &[instance(object)]);
    Ok(passing(out, values, key))
}

/// Who joined or left.
const PARTICIPANT_FIELDS: &[Field] = &[
    Field::new("participant_name", FieldType::Text, "Their display name").or_null(),
    Field::new(
        "participant_email",
        FieldType::Text,
        "Their email (empty for people outside the host's account)",
    )
    .or_null(),
    Field::new(
        "participant_user_id",
        FieldType::Text,
        "Their Zoom user ID when signed in to Zoom",
    )
    .or_null(),
    Field::new(
        "participant_uuid",
        FieldType::Text,
        "Their ID in this meeting instance",
    )
    .or_null(),
];

fn participant(event: &Event, values: &Values, time: &str) -> Outputs {
    let object = event.object();
    let who = &object["participant"];
    if !who.is_object() {
        return Err(format!(
            "the `{}` event has no `payload.object.participant`",
            event.name()
        ));
    }
    let mut out = meeting_fields(event, object);
    put_text(&mut out, "participant_name", &who["user_name"]);
    put_text(&mut out, "participant_email", &who["email"]);
    let user_id = text(&who["participant_user_id"]).or_else(|| text(&who["id"]));
    out.insert("participant_user_id".into(), user_id.into());
    put_text(&mut out, "participant_uuid", &who["participant_uuid"]);
    // Zoom's reference example names the join time `date_time`.
    let at = if who[time].is_null() {
        &who["date_time"]
    } else {
        &who[time]
    };
    put_date_time(&mut out, time, at);
    let person = text(&who["participant_uuid"])
        .or_else(|| text(&who["user_id"]))
        .or_else(|| text(&who["id"]));
    let key = key(
        event,
        &[
            instance(object),
            person,
            out[time].as_str().map(String::from),
        ],
    );
    Ok(passing(out, values, key))
}

/// "When a participant joins a meeting".
pub const PARTICIPANT_JOINED: Trigger = Trigger {
    name: "participant-joined",
    title: "When a participant joins a meeting",
    description: "Someone joined a meeting instance; one output per join (a person who rejoins gives another).",
    events: &["meeting.participant_joined"],
    granular_scopes: &[
        "meeting:read:participant",
        "meeting:read:participant:admin",
        "meeting:read:participant:master",
    ],
    fields: &[
        &EVENT_FIELDS,
        &MEETING_FIELDS,
        PARTICIPANT_FIELDS,
        &[Field::new("join_time", FieldType::DateTime, "When they joined").or_null()],
    ],
    example_event: example!("meeting.participant_joined"),
    map: |event, values| participant(event, values, "join_time"),
    ..MEETING_TRIGGER
};

/// "When a participant leaves a meeting".
pub const PARTICIPANT_LEFT: Trigger = Trigger {
    name: "participant-left",
    title: "When a participant leaves a meeting",
    description: "Someone left a meeting instance; compare `leave_time` with the latest `join_time` of the same `participant_uuid`, as Zoom may deliver them out of order.",
    events: &["meeting.participant_left"],
    granular_scopes: &[
        "meeting:read:participant",
        "meeting:read:participant:admin",
        "meeting:read:participant:master",
    ],
    fields: &[
        &EVENT_FIELDS,
        &MEETING_FIELDS,
        PARTICIPANT_FIELDS,
        &[
            Field::new("leave_time", FieldType::DateTime, "When they left").or_null(),
            Field::new("leave_reason", FieldType::Text, "Zoom's reason, as text").or_null(),
        ],
    ],
    example_event: example!("meeting.participant_left"),
    map: |event, values| {
        let mut outputs = participant(event, values, "leave_time")?;
        let reason = text(&event.object()["participant"]["leave_reason"]);
        for (_, out) in &mut outputs {
            out.insert("leave_reason".into(), reason.clone().into());
        }
        Ok(outputs)
    },
    ..MEETING_TRIGGER
};

/// `[(key, out)]` when the meeting passes the filters, else nothing.
pub(super) fn passing(
    out: Map<String, Value>,
    values: &Values,
    key: String,
) -> Vec<(String, Map<String, Value>)> {
    if meeting_passes(&out, values) {
        vec![(key, out)]
    } else {
        Vec::new()
    }
}
