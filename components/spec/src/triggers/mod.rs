//! What a trigger is: a declaration ([`Trigger`]) that turns one verified
//! Zoom event into zero or more outputs a workflow can map fields from.
//!
//! Pure, like the rest of this crate: the guest SDK exports a declaration as
//! a `wrk:zoom/zoom-trigger` component (which imports nothing), and the host
//! links the same declarations natively to list and describe triggers
//! without compiling them. An output is a flat JSON object whose fields the
//! declaration lists ([`Field`]); its JSON Schema is derived from that list
//! ([`output_schema`]), and its sample is the trigger's output for Zoom's
//! own documented example of the event ([`sample_output`]), so schema,
//! sample and mapping cannot drift apart.

pub mod catalog;
mod event;

pub use event::Event;

use crate::values::{self, Values};
use crate::{Action, ConnectionKind, Failure, InvalidParam, Param};
use serde_json::{Map, Value, json};

/// What JSON one output field holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldType {
    /// A string.
    Text,
    /// A whole number.
    Integer,
    /// `true` or `false`.
    Boolean,
    /// A UTC date-time string, `yyyy-MM-ddTHH:mm:ssZ`.
    DateTime,
    /// A URL.
    Url,
    /// A list of strings.
    Texts,
    /// A JSON object (e.g. the fields a change touched).
    Object,
    /// A list of JSON objects.
    Objects,
}

/// One field of a trigger's output. Every field is always present; one
/// that Zoom did not send is `null` when [`Field::nullable`].
#[derive(Clone, Copy, Debug)]
pub struct Field {
    /// Its name in the output.
    pub name: &'static str,
    /// What it holds.
    pub kind: FieldType,
    /// Whether it may be `null` (Zoom does not always send it).
    pub nullable: bool,
    /// One line for people mapping it.
    pub description: &'static str,
}

impl Field {
    /// A field that is always there.
    pub const fn new(name: &'static str, kind: FieldType, description: &'static str) -> Field {
        Field {
            name,
            kind,
            nullable: false,
            description,
        }
    }

    /// A field that is `null` when Zoom does not send it.
    pub const fn or_null(mut self) -> Field {
        self.nullable = true;
        self
    }
}

/// One output of a trigger (the WIT `trigger-output`).
#[derive(Clone, Debug, PartialEq)]
pub struct Output {
    /// What makes it itself (see the WIT): the same for the same output of
    /// a redelivered event.
    pub key: String,
    /// The output object.
    pub output: Value,
}

/// Why a trigger did not map an event (the WIT `trigger-error`).
#[derive(Clone, Debug, PartialEq)]
pub enum TriggerFailure {
    /// The parameters were refused, every problem at once.
    InvalidParams(Vec<InvalidParam>),
    /// The event is not one the trigger can read; the text says why.
    InvalidEvent(String),
}

/// Maps a verified event with validated parameters to outputs, each with
/// its key (fields left out are filled in with `null` by [`map`]).
pub type MapFn = fn(&Event, &Values) -> Result<Vec<(String, Map<String, Value>)>, String>;

/// Everything that defines one trigger.
#[derive(Clone, Copy, Debug)]
pub struct Trigger {
    /// Its name, e.g. `recording-completed`.
    pub name: &'static str,
    /// Its title as the product shows it, e.g. "When a recording is completed".
    pub title: &'static str,
    /// One or two sentences: what fires it and what each output is.
    pub description: &'static str,
    /// The Zoom event types it maps.
    pub events: &'static [&'static str],
    /// The connection whose events it takes.
    pub connection: ConnectionKind,
    /// Classic scopes, any one of which lets an app receive the events.
    pub classic_scopes: &'static [&'static str],
    /// Granular scopes, any one of which lets an app receive the events.
    pub granular_scopes: &'static [&'static str],
    /// The parameters a subscription may give (all `control`).
    pub params: &'static [Param],
    /// The fields of every output, in groups (the meeting's, the
    /// trigger's own), in order.
    pub fields: &'static [&'static [Field]],
    /// Zoom's documented example of (the first of) its events.
    pub example_event: &'static str,
    /// The mapping.
    pub map: MapFn,
}

impl Trigger {
    /// Every output field, in order.
    pub fn all_fields(&self) -> impl Iterator<Item = &'static Field> {
        self.fields.iter().flat_map(|group| group.iter())
    }

    /// The parameters as an action-like declaration, for [`values`]'
    /// validation (its messages then name the trigger).
    fn as_params_owner(&self) -> Action {
        Action {
            name: self.name,
            title: self.title,
            connection: self.connection,
            params: self.params,
            ..Action::BASE
        }
    }
}

/// Validates a subscription's parameters.
pub fn check(trigger: &Trigger, raw: &[(String, String)]) -> Result<Values, TriggerFailure> {
    values::validate(&trigger.as_params_owner(), raw).map_err(|failure| match failure {
        Failure::InvalidParams(problems) => TriggerFailure::InvalidParams(problems),
        other => TriggerFailure::InvalidEvent(format!("{other:?}")),
    })
}

/// Maps one event (Zoom's JSON text) with the subscription's parameters.
pub fn map(
    trigger: &Trigger,
    event: &str,
    raw: &[(String, String)],
) -> Result<Vec<Output>, TriggerFailure> {
    let values = check(trigger, raw)?;
    let event = Event::parse(event).map_err(TriggerFailure::InvalidEvent)?;
    if !trigger.events.contains(&event.name()) {
        return Err(TriggerFailure::InvalidEvent(format!(
            "{} maps {}, not `{}`",
            trigger.name,
            trigger.events.join(", "),
            event.name()
        )));
    }
    let outputs = (trigger.map)(&event, &values).map_err(TriggerFailure::InvalidEvent)?;
    Ok(outputs
        .into_iter()
        .map(|(key, fields)| Output {
            key,
            output: complete(trigger, fields),
        })
        .collect())
}

/// The output with every declared field (`null` for one the mapping left
/// out).
fn complete(trigger: &Trigger, mut fields: Map<String, Value>) -> Value {
    let mut out = Map::new();
    for field in trigger.all_fields() {
        out.insert(
            field.name.to_string(),
            fields.remove(field.name).unwrap_or(Value::Null),
        );
    }
    debug_assert!(
        fields.is_empty(),
        "{} maps undeclared fields {:?}",
        trigger.name,
        fields.keys().collect::<Vec<_>>()
    );
    Value::Object(out)
}

/// The JSON Schema (draft 2020-12) of one output, as text.
pub fn output_schema(trigger: &Trigger) -> String {
    let properties: Map<String, Value> = trigger
        .all_fields()
        .map(|field| {
            let mut schema = match field.kind {
                FieldType::Text => json!({"type": "string"}),
                FieldType::Integer => json!({"type": "integer"}),
                FieldType::Boolean => json!({"type": "boolean"}),
                FieldType::DateTime => json!({"type": "string", "format": "date-time"}),
                FieldType::Url => json!({"type": "string", "format": "uri"}),
                FieldType::Texts => json!({"type": "array", "items": {"type": "string"}}),
                FieldType::Object => json!({"type": "object"}),
                FieldType::Objects => json!({"type": "array", "items": {"type": "object"}}),
            };
            if field.nullable {
                let kind = schema["type"].clone();
                schema["type"] = json!([kind, "null"]);
            }
            schema["description"] = json!(field.description);
            (field.name.to_string(), schema)
        })
        .collect();
    let required: Vec<&str> = trigger.all_fields().map(|f| f.name).collect();
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": trigger.title,
        "description": trigger.description,
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    })
    .to_string()
}

/// One output as it would look: the first output for Zoom's documented
/// example of the trigger's event, with no parameters (`{}` if it had
/// none, which the catalog's tests rule out).
pub fn sample_output(trigger: &Trigger) -> String {
    map(trigger, trigger.example_event, &[])
        .ok()
        .and_then(|outputs| outputs.into_iter().next())
        .map(|o| o.output.to_string())
        .unwrap_or_else(|| "{}".into())
}

#[cfg(test)]
mod tests;
