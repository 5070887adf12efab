//! Reading one Zoom event: typed, forgiving lookups into its JSON (Zoom
//! sends a meeting id as a number in one event and as a string in the
//! next, and leaves out what it does not know).

use crate::dates::format_unix_millis;
use serde_json::{Map, Value};

/// A verified event, parsed.
#[derive(Clone, Debug)]
pub struct Event {
    body: Value,
    name: String,
}

impl Event {
    /// Parses Zoom's body; it must be a JSON object with a string `event`
    /// and an object `payload`.
    pub fn parse(text: &str) -> Result<Event, String> {
        let body: Value =
            serde_json::from_str(text).map_err(|e| format!("the event is not JSON: {e}"))?;
        let name = body
            .get("event")
            .and_then(Value::as_str)
            .ok_or("the event has no `event` type")?
            .to_string();
        if !body.get("payload").is_some_and(Value::is_object) {
            return Err(format!("the `{name}` event has no `payload` object"));
        }
        Ok(Event { body, name })
    }

    /// Zoom's event type, e.g. `recording.completed`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The whole body.
    pub fn body(&self) -> &Value {
        &self.body
    }

    /// `payload`.
    pub fn payload(&self) -> &Value {
        &self.body["payload"]
    }

    /// `payload.object` (`null` when absent).
    pub fn object(&self) -> &Value {
        &self.body["payload"]["object"]
    }

    /// `event_ts`, Unix milliseconds.
    pub fn event_ts(&self) -> Option<i64> {
        integer(&self.body["event_ts"])
    }

    /// The fields every output starts with: `event`, `event_ts`,
    /// `account_id`.
    pub fn common(&self) -> Map<String, Value> {
        let mut out = Map::new();
        out.insert("event".into(), Value::from(self.name.clone()));
        out.insert("event_ts".into(), self.event_ts().into());
        out.insert(
            "account_id".into(),
            text(&self.payload()["account_id"]).into(),
        );
        out
    }
}

/// A non-empty string (a number is given as its digits).
pub fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A whole number (a string of digits counts: Zoom sends meeting ids both
/// ways).
pub fn integer(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A date-time as Zoom writes it (kept), or Unix milliseconds (formatted).
pub fn date_time(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => n.as_i64().map(format_unix_millis),
        _ => None,
    }
}

/// Copies into `out`, under `name`, `value` as text.
pub fn put_text(out: &mut Map<String, Value>, name: &str, value: &Value) {
    out.insert(name.into(), text(value).into());
}

/// Copies into `out`, under `name`, `value` as a whole number.
pub fn put_integer(out: &mut Map<String, Value>, name: &str, value: &Value) {
    out.insert(name.into(), integer(value).into());
}

/// Copies into `out`, under `name`, `value` as a date-time.
pub fn put_date_time(out: &mut Map<String, Value>, name: &str, value: &Value) {
    out.insert(name.into(), date_time(value).into());
}
