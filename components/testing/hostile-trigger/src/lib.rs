//! Test component: a trigger that misbehaves on request, to prove the host
//! stops it (CPU deadline, memory cap) and keeps serving. With
//! `mode=spin` it never returns, with `mode=grab` it allocates without end;
//! otherwise it maps `meeting.started` to one output.

use serde_json::{Map, Value};
use wrk_zoom_sdk::triggers::{Event, Field, FieldType, Trigger};
use wrk_zoom_sdk::{ConnectionKind, Param, ParamType, Values};

type Outputs = Result<Vec<(String, Map<String, Value>)>, String>;

fn misbehave(event: &Event, values: &Values) -> Outputs {
    match values.text("mode").as_deref() {
        Some("spin") => {
            let mut n: u64 = 0;
            loop {
                n = std::hint::black_box(n.wrapping_add(1));
            }
        }
        Some("grab") => {
            let mut hoard: Vec<Vec<u8>> = Vec::new();
            loop {
                hoard.push(vec![1u8; 1 << 20]);
                std::hint::black_box(&hoard);
            }
        }
        _ => {
            let mut out = Map::new();
            out.insert("event".into(), Value::from(event.name()));
            Ok(vec![(format!("{}:1", event.name()), out)])
        }
    }
}

const HOSTILE: Trigger = Trigger {
    name: "hostile-trigger",
    title: "When a test needs a trigger that misbehaves",
    description: "Spins, grabs memory, or maps meeting.started to its event type.",
    events: &["meeting.started"],
    connection: ConnectionKind::User,
    classic_scopes: &[],
    granular_scopes: &[],
    params: &[Param::control(
        "mode",
        ParamType::Choice(&["spin", "grab", "echo"]),
        "How to misbehave",
    )],
    fields: &[&[Field::new("event", FieldType::Text, "Zoom's event type")]],
    example_event: r#"{"event":"meeting.started","payload":{"object":{}}}"#,
    map: misbehave,
};

wrk_zoom_sdk::export_trigger!(HOSTILE);
