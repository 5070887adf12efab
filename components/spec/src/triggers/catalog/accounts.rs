//! The account: users created and deactivated, phone calls logged (admin
//! connections: these are other users' events).

use super::{EVENT_FIELDS, example, key};
use crate::triggers::event::{put_date_time, put_integer, put_text, text};
use crate::triggers::{Event, Field, FieldType, Trigger};
use crate::values::Values;
use crate::{ConnectionKind, Param, ParamType};
use serde_json::{Map, Value};

type Outputs = Result<Vec<(String, Map<String, Value>)>, String>;

/// Who the user is, and who made the change.
const USER_FIELDS: &[Field] = &[
    Field::new("user_id", FieldType::Text, "The user's Zoom ID"),
    Field::new("email", FieldType::Text, "The user's email").or_null(),
    Field::new("first_name", FieldType::Text, "First name").or_null(),
    Field::new("last_name", FieldType::Text, "Last name").or_null(),
    Field::new(
        "user_type",
        FieldType::Integer,
        "Zoom's user type (1 basic, 2 licensed, 4 unassigned without a meetings license, 99 none)",
    )
    .or_null(),
    Field::new(
        "operator",
        FieldType::Text,
        "Email of the admin who made the change",
    )
    .or_null(),
    Field::new(
        "operator_id",
        FieldType::Text,
        "Zoom user ID of the admin who made the change",
    )
    .or_null(),
];

const USER_SCOPES: &[&str] = &["user:read:admin", "user:write:admin", "user:master"];
const USER_GRANULAR: &[&str] = &["user:read:user:admin", "user:read:user:master"];

/// The user fields of a `user.*` event.
fn user(event: &Event) -> Result<Map<String, Value>, String> {
    let object = event.object();
    let id = text(&object["id"])
        .ok_or_else(|| format!("the `{}` event has no `payload.object.id`", event.name()))?;
    let mut out = event.common();
    out.insert("user_id".into(), id.into());
    for name in ["email", "first_name", "last_name"] {
        put_text(&mut out, name, &object[name]);
    }
    put_integer(&mut out, "user_type", &object["type"]);
    put_text(&mut out, "operator", &event.payload()["operator"]);
    put_text(&mut out, "operator_id", &event.payload()["operator_id"]);
    Ok(out)
}

/// "When a user is created".
pub const USER_CREATED: Trigger = Trigger {
    name: "user-created",
    title: "When a user is created",
    description: "An admin added a user to the account (created, or invited and accepted).",
    events: &["user.created"],
    connection: ConnectionKind::Admin,
    classic_scopes: USER_SCOPES,
    granular_scopes: USER_GRANULAR,
    params: &[],
    fields: &[
        &EVENT_FIELDS,
        USER_FIELDS,
        &[
            Field::new("display_name", FieldType::Text, "Display name").or_null(),
            Field::new(
                "creation_type",
                FieldType::Text,
                "How: create, autoCreate, custCreate, ssoCreate",
            )
            .or_null(),
        ],
    ],
    example_event: example!("user.created"),
    map: |event, _| {
        let mut out = user(event)?;
        put_text(&mut out, "display_name", &event.object()["display_name"]);
        put_text(&mut out, "creation_type", &event.payload()["creation_type"]);
        let key = key(event, &[text(&event.object()["id"])]);
        Ok(vec![(key, out)])
    },
};

/// "When a user is deactivated".
pub const USER_DEACTIVATED: Trigger = Trigger {
    name: "user-deactivated",
    title: "When a user is deactivated",
    description: "An admin deactivated a user; each deactivation gives an output (a user may be reactivated and deactivated again).",
    events: &["user.deactivated"],
    connection: ConnectionKind::Admin,
    classic_scopes: USER_SCOPES,
    granular_scopes: USER_GRANULAR,
    params: &[],
    fields: &[&EVENT_FIELDS, USER_FIELDS],
    example_event: example!("user.deactivated"),
    map: |event, _| {
        let out = user(event)?;
        let when = event.event_ts().map(|ts| ts.to_string());
        let key = key(event, &[text(&event.object()["id"]), when]);
        Ok(vec![(key, out)])
    },
};

/// Only calls in one direction.
const DIRECTION: Param = Param::control(
    "direction",
    ParamType::Choice(&["inbound", "outbound"]),
    "Only calls in this direction, as seen by the user whose log it is; both when left out",
);

/// "When a phone call is logged".
pub const PHONE_CALL_COMPLETED: Trigger = Trigger {
    name: "phone-call-completed",
    title: "When a phone call is logged",
    description: "A Zoom Phone call ended and its call log is ready; one output per log entry. A call between two users of the account is logged for each of them (`log_owner`: caller or callee).",
    events: &[
        "phone.caller_call_history_completed",
        "phone.callee_call_history_completed",
    ],
    connection: ConnectionKind::Admin,
    classic_scopes: &["phone:read:admin", "phone:read", "phone:master"],
    granular_scopes: &[
        "phone:read:call_log:admin",
        "phone:read:call_log",
        "phone:read:call_log:master",
    ],
    params: &[DIRECTION],
    fields: &[
        &EVENT_FIELDS,
        &[
            Field::new(
                "log_owner",
                FieldType::Text,
                "Whose log this is: `caller` or `callee`",
            ),
            Field::new("user_id", FieldType::Text, "The Zoom user whose log it is").or_null(),
            Field::new("call_log_id", FieldType::Text, "The log entry's ID"),
            Field::new(
                "call_id",
                FieldType::Text,
                "The call's ID (the same in both users' logs)",
            )
            .or_null(),
            Field::new("direction", FieldType::Text, "`inbound` or `outbound`").or_null(),
            Field::new("connect_type", FieldType::Text, "`internal` or `external`").or_null(),
            Field::new(
                "result",
                FieldType::Text,
                "answered, no_answer, voicemail, ...",
            )
            .or_null(),
            Field::new("caller_name", FieldType::Text, "The caller's name").or_null(),
            Field::new(
                "caller_number",
                FieldType::Text,
                "The caller's number (direct, else extension)",
            )
            .or_null(),
            Field::new("caller_email", FieldType::Text, "The caller's email").or_null(),
            Field::new("callee_name", FieldType::Text, "The callee's name").or_null(),
            Field::new(
                "callee_number",
                FieldType::Text,
                "The callee's number (direct, else extension)",
            )
            .or_null(),
            Field::new("callee_email", FieldType::Text, "The callee's email").or_null(),
            Field::new("start_time", FieldType::DateTime, "When the call started").or_null(),
            Field::new("answer_time", FieldType::DateTime, "When it was answered").or_null(),
            Field::new("end_time", FieldType::DateTime, "When it ended").or_null(),
            Field::new(
                "recording_id",
                FieldType::Text,
                "Its recording, when recorded",
            )
            .or_null(),
        ],
    ],
    example_event: example!("phone.caller_call_history_completed"),
    map: phone_call_completed,
};

fn phone_call_completed(event: &Event, values: &Values) -> Outputs {
    let object = event.object();
    let Some(logs) = object["call_logs"].as_array() else {
        return Err(format!(
            "the `{}` event has no `payload.object.call_logs` list",
            event.name()
        ));
    };
    let owner = if event.name().starts_with("phone.caller") {
        "caller"
    } else {
        "callee"
    };
    let wanted = values.text("direction");
    let mut outputs = Vec::new();
    for log in logs {
        let Some(id) = text(&log["id"]) else { continue };
        if wanted
            .as_deref()
            .is_some_and(|d| text(&log["direction"]).as_deref() != Some(d))
        {
            continue;
        }
        let mut out = event.common();
        out.insert("log_owner".into(), owner.into());
        put_text(&mut out, "user_id", &object["user_id"]);
        out.insert("call_log_id".into(), id.clone().into());
        for name in [
            "call_id",
            "direction",
            "connect_type",
            "result",
            "caller_name",
            "caller_email",
            "callee_name",
            "callee_email",
            "recording_id",
        ] {
            put_text(&mut out, name, &log[name]);
        }
        for side in ["caller", "callee"] {
            let number = text(&log[format!("{side}_did_number")])
                .or_else(|| text(&log[format!("{side}_ext_number")]));
            out.insert(format!("{side}_number"), number.into());
        }
        for name in ["start_time", "answer_time", "end_time"] {
            put_date_time(&mut out, name, &log[name]);
        }
        outputs.push((key(event, &[Some(id)]), out));
    }
    Ok(outputs)
}
