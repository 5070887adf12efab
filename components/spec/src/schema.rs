//! Structured body fields (`settings`, `recurrence`, `tracking_fields` of a
//! meeting) checked against Zoom's own schema before anything is sent.
//!
//! The schemas are extracted from Zoom's OpenAPI documents into
//! `spec/body-schemas/` by `scripts/extract-openapi.py`, which keeps only the
//! keywords checked here and stops on any other, so a new construct in
//! Zoom's documents is noticed rather than silently unchecked. A small
//! checker of that subset instead of a JSON Schema crate: the general
//! validators bring regex engines and URL parsers into every component.
//!
//! Zoom ignores a misspelt key without a word (`audio_recording` for
//! `auto_recording` schedules a meeting that never records), so unknown keys
//! are refused with the closest known name.

use crate::dates;
use crate::suggest::closest;
use serde_json::{Map, Value as Json};

/// One problem: where (`settings.jbh_time`, `tracking_fields[0].field`) and
/// what is wrong there.
pub type Problem = (String, String);

/// Every problem of the structured body field `name` against the schemas
/// of its action (`spec/body-schemas/*.json`: `{"fields": {name: schema}}`).
/// A field the file does not describe is not checked.
pub fn check_field(schemas: &str, name: &str, value: &Json, problems: &mut Vec<Problem>) {
    let schemas: Json = match serde_json::from_str(schemas) {
        Ok(schemas) => schemas,
        Err(e) => {
            problems.push((
                name.into(),
                format!("cannot be checked: the action's schema is broken ({e})"),
            ));
            return;
        }
    };
    if let Some(schema) = schemas.get("fields").and_then(|f| f.get(name)) {
        check(value, schema, name, problems);
    }
}

/// Every problem of `value` (the field `path`) against `schema`.
pub fn check(value: &Json, schema: &Json, path: &str, problems: &mut Vec<Problem>) {
    let Some(schema) = schema.as_object() else {
        return;
    };
    let expected = schema.get("type").and_then(Json::as_str);
    if let Some(expected) = expected
        && !has_type(value, expected)
    {
        problems.push((
            path.to_string(),
            format!("must be {}, got {}", a_type(expected), describe(value)),
        ));
        return;
    }
    match value {
        Json::Object(fields) => check_object(fields, schema, path, problems),
        Json::Array(items) => {
            let count = items.len() as u64;
            if let Some(max) = bound(schema, "maxItems").filter(|m| count > *m) {
                problems.push((
                    path.into(),
                    format!("has {count} items; Zoom takes at most {max}"),
                ));
            }
            if let Some(min) = bound(schema, "minItems").filter(|m| count < *m) {
                problems.push((
                    path.into(),
                    format!("has {count} items; Zoom needs at least {min}"),
                ));
            }
            if let Some(item_schema) = schema.get("items") {
                for (i, item) in items.iter().enumerate() {
                    check(item, item_schema, &format!("{path}[{i}]"), problems);
                }
            }
        }
        Json::String(text) => check_text(text, schema, path, problems),
        Json::Number(_) => check_number(value, schema, path, problems),
        Json::Bool(_) | Json::Null => check_enum(value, schema, path, problems),
    }
}

fn check_object(
    fields: &Map<String, Json>,
    schema: &Map<String, Json>,
    path: &str,
    problems: &mut Vec<Problem>,
) {
    let properties = schema.get("properties").and_then(Json::as_object);
    if let Some(known) = properties {
        for (key, value) in fields {
            let where_ = format!("{path}.{key}");
            match known.get(key) {
                Some(sub) => check(value, sub, &where_, problems),
                None => problems.push((where_, unknown_key(key, known, path))),
            }
        }
    }
    let required = schema.get("required").and_then(Json::as_array);
    for name in required.into_iter().flatten().filter_map(Json::as_str) {
        if !fields.contains_key(name) {
            problems.push((format!("{path}.{name}"), format!("is required in {path}")));
        }
    }
}

fn unknown_key(key: &str, known: &Map<String, Json>, path: &str) -> String {
    let names = known.keys().map(String::as_str);
    match closest(key, names) {
        Some(near) => format!("is not a field of {path} that Zoom knows; did you mean '{near}'?"),
        None if known.len() <= 12 => {
            let names: Vec<&str> = known.keys().map(String::as_str).collect();
            format!(
                "is not a field of {path} that Zoom knows; known: {}",
                names.join(", ")
            )
        }
        None => format!(
            "is not one of the {} fields of {path} that Zoom knows (Zoom would ignore it)",
            known.len()
        ),
    }
}

fn check_text(text: &str, schema: &Map<String, Json>, path: &str, problems: &mut Vec<Problem>) {
    let len = text.chars().count() as u64;
    if let Some(max) = bound(schema, "maxLength").filter(|m| len > *m) {
        problems.push((
            path.into(),
            format!("is {len} characters long; at most {max} are allowed"),
        ));
    }
    if let Some(min) = bound(schema, "minLength").filter(|m| len < *m) {
        problems.push((
            path.into(),
            format!("is {len} characters long; at least {min} are required"),
        ));
    }
    if schema.get("format").and_then(Json::as_str) == Some("date-time")
        && dates::normalize_date_time(text).is_none()
    {
        problems.push((
            path.into(),
            format!("must be a date-time such as 2026-12-01T09:00:00Z, got '{text}'"),
        ));
    }
    let comma_separated = schema.get("x-comma-separated") == Some(&Json::Bool(true));
    if comma_separated {
        for item in text.split(',') {
            check_enum(&Json::from(item.trim()), schema, path, problems);
        }
    } else {
        check_enum(&Json::from(text), schema, path, problems);
    }
}

fn check_number(value: &Json, schema: &Map<String, Json>, path: &str, problems: &mut Vec<Problem>) {
    let n = value.as_f64().unwrap_or_default();
    if let Some(max) = schema
        .get("maximum")
        .and_then(Json::as_f64)
        .filter(|m| n > *m)
    {
        problems.push((path.into(), format!("must be at most {max}, got {value}")));
    }
    if let Some(min) = schema
        .get("minimum")
        .and_then(Json::as_f64)
        .filter(|m| n < *m)
    {
        problems.push((path.into(), format!("must be at least {min}, got {value}")));
    }
    check_enum(value, schema, path, problems);
}

fn check_enum(value: &Json, schema: &Map<String, Json>, path: &str, problems: &mut Vec<Problem>) {
    let Some(allowed) = schema.get("enum").and_then(Json::as_array) else {
        return;
    };
    if allowed.contains(value) {
        return;
    }
    let texts: Vec<String> = allowed.iter().map(plain).collect();
    // A near miss of a name is a typo; of a number it is just another number.
    let hint = value
        .as_str()
        .filter(|text| text.parse::<f64>().is_err())
        .and_then(|text| closest(text, texts.iter().map(String::as_str)))
        .map(|near| format!(" (did you mean '{near}'?)"))
        .unwrap_or_default();
    problems.push((
        path.into(),
        format!(
            "must be one of {}, got {}{hint}",
            texts.join(", "),
            describe(value)
        ),
    ));
}

fn has_type(value: &Json, expected: &str) -> bool {
    match expected {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        _ => true,
    }
}

fn a_type(expected: &str) -> &str {
    match expected {
        "object" => "a JSON object",
        "array" => "a JSON array",
        "string" => "text (a JSON string)",
        "integer" => "a whole number",
        "number" => "a number",
        "boolean" => "true or false",
        other => other,
    }
}

/// A value as a person reads it in an error message.
fn describe(value: &Json) -> String {
    match value {
        Json::String(s) => format!("the text \"{s}\""),
        Json::Object(_) => "an object".into(),
        Json::Array(_) => "an array".into(),
        other => other.to_string(),
    }
}

fn plain(value: &Json) -> String {
    value
        .as_str()
        .map_or_else(|| value.to_string(), str::to_string)
}

fn bound(schema: &Map<String, Json>, key: &str) -> Option<u64> {
    schema.get(key).and_then(Json::as_u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn problems(value: Json, schema: Json) -> Vec<Problem> {
        let mut out = Vec::new();
        check(&value, &schema, "settings", &mut out);
        out
    }

    #[test]
    fn every_nested_problem_is_named_at_once() {
        let schema = json!({"type": "object", "properties": {
            "auto_recording": {"type": "string", "enum": ["local", "cloud", "none"]},
            "jbh_time": {"type": "integer", "enum": [0, 5, 10, 15]},
            "waiting_room": {"type": "boolean"},
            "waiting_room_options": {"type": "object", "properties": {
                "mode": {"type": "string", "enum": ["follow_setting", "custom"]}}},
        }});
        let found = problems(
            json!({"audio_recording": "cloud", "jbh_time": 7, "waiting_room": "yes",
                   "waiting_room_options": {"mode": "Custom"}}),
            schema,
        );
        assert_eq!(
            found,
            vec![
                (
                    "settings.audio_recording".to_string(),
                    "is not a field of settings that Zoom knows; did you mean 'auto_recording'?"
                        .to_string()
                ),
                (
                    "settings.jbh_time".into(),
                    "must be one of 0, 5, 10, 15, got 7".into()
                ),
                (
                    "settings.waiting_room".into(),
                    "must be true or false, got the text \"yes\"".into()
                ),
                (
                    "settings.waiting_room_options.mode".into(),
                    "must be one of follow_setting, custom, got the text \"Custom\" (did you mean 'custom'?)"
                        .into()
                ),
            ]
        );
    }

    #[test]
    fn required_keys_bounds_and_array_items_are_checked() {
        let schema = json!({"type": "object", "required": ["type"], "properties": {
            "type": {"type": "integer", "enum": [1, 2, 3]},
            "end_times": {"type": "integer", "maximum": 60},
            "end_date_time": {"type": "string", "format": "date-time"},
        }});
        let mut found = problems(
            json!({"end_times": 61, "end_date_time": "next week"}),
            schema,
        );
        found.sort();
        let names: Vec<&str> = found.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "settings.end_date_time",
                "settings.end_times",
                "settings.type"
            ]
        );
        assert_eq!(found[1].1, "must be at most 60, got 61");
        assert_eq!(found[2].1, "is required in settings");

        let list = json!({"type": "array", "maxItems": 2, "items": {"type": "object",
            "required": ["field"], "properties": {"field": {"type": "string"}}}});
        let mut out = Vec::new();
        check(
            &json!([{"field": "a"}, {"value": "b"}, {"field": 3}]),
            &list,
            "tracking_fields",
            &mut out,
        );
        assert_eq!(
            out,
            vec![
                (
                    "tracking_fields".to_string(),
                    "has 3 items; Zoom takes at most 2".to_string()
                ),
                (
                    "tracking_fields[1].value".into(),
                    "is not a field of tracking_fields[1] that Zoom knows; known: field".into()
                ),
                (
                    "tracking_fields[1].field".into(),
                    "is required in tracking_fields[1]".into()
                ),
                (
                    "tracking_fields[2].field".into(),
                    "must be text (a JSON string), got 3".into()
                ),
            ]
        );
    }

    #[test]
    fn comma_separated_enums_check_each_item() {
        let schema = json!({"type": "object", "properties": {"weekly_days": {
            "type": "string", "enum": ["1", "2", "3", "4", "5", "6", "7"], "x-comma-separated": true}}});
        assert!(problems(json!({"weekly_days": "1,3"}), schema.clone()).is_empty());
        assert!(problems(json!({"weekly_days": "2"}), schema.clone()).is_empty());
        let found = problems(json!({"weekly_days": "1,8"}), schema);
        assert_eq!(found.len(), 1);
        assert!(found[0].1.contains("got the text \"8\""), "{found:?}");
    }

    #[test]
    fn a_valid_value_passes() {
        let schema = json!({"type": "object", "properties": {
            "approval_type": {"type": "integer", "enum": [0, 1, 2]},
            "alternative_hosts": {"type": "string"}}});
        assert!(
            problems(
                json!({"approval_type": 2, "alternative_hosts": "a@b.c"}),
                schema
            )
            .is_empty()
        );
    }
}
