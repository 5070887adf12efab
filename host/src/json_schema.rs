//! The parameters of an action as a JSON Schema (draft 2020-12), in the form
//! a caller of `serve` (or a form builder, or an agent) gives them: numbers
//! and booleans as JSON, lists as arrays, structured fields as objects.
//!
//! Generated from `describe()`; a built-in action's structured body fields
//! (a meeting's `settings`, `recurrence`, `tracking_fields`) get Zoom's own
//! nested schema, the one the component checks them against
//! (`spec/body-schemas/`).

use crate::model::{ActionInfo, ParamKind, ParamSpec};
use serde_json::{Map, Value, json};

/// The JSON Schema of `info`'s parameters.
pub fn parameters(info: &ActionInfo) -> Value {
    let nested = nested_schemas(&info.name);
    let properties: Map<String, Value> = info
        .params
        .iter()
        .map(|p| (p.name.clone(), property(p, nested.get(&p.name))))
        .collect();
    let required: Vec<&str> = info
        .params
        .iter()
        .filter(|p| p.required)
        .map(|p| p.name.as_str())
        .collect();
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": info.title,
        "description": format!(
            "Parameters of the wrk-zoom action {} ({} {}).",
            info.name, info.method, info.path
        ),
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    })
}

/// Zoom's schema of the structured body fields of the built-in action
/// `name`, by field.
fn nested_schemas(name: &str) -> Map<String, Value> {
    wrk_zoom_spec::catalog::by_name(name)
        .and_then(|a| a.body_schemas)
        .and_then(|text| serde_json::from_str::<Value>(text).ok())
        .and_then(|mut file| match file.get_mut("fields").map(Value::take) {
            Some(Value::Object(fields)) => Some(fields),
            _ => None,
        })
        .unwrap_or_default()
}

fn property(p: &ParamSpec, nested: Option<&Value>) -> Value {
    let numeric_choices: Option<Vec<i64>> = (p.param_type == ParamKind::Choice)
        .then(|| p.choices.iter().map(|c| c.parse().ok()).collect())
        .flatten();
    let mut schema = match p.param_type {
        ParamKind::Text => bounded(json!({"type": "string"}), p, "minLength", "maxLength"),
        ParamKind::Integer => bounded(json!({"type": "integer"}), p, "minimum", "maximum"),
        ParamKind::Boolean => json!({"type": "boolean"}),
        ParamKind::Date => json!({"type": "string", "format": "date"}),
        ParamKind::DateTime | ParamKind::DateOrDateTime => json!({"type": "string"}),
        ParamKind::Choice => match &numeric_choices {
            // Zoom types these as integers (a meeting's `type`).
            Some(numbers) => json!({"type": "integer", "enum": numbers}),
            None => json!({"type": "string", "enum": p.choices}),
        },
        ParamKind::MeetingId | ParamKind::MeetingIdOrUuid => {
            json!({"type": ["integer", "string"]})
        }
        ParamKind::UserId => json!({"type": "string", "minLength": 1}),
        ParamKind::JsonObject => nested
            .map(standard)
            .unwrap_or_else(|| json!({"type": "object"})),
        ParamKind::JsonArray => nested
            .map(standard)
            .unwrap_or_else(|| json!({"type": "array"})),
        ParamKind::TextList => {
            let item = if p.choices.is_empty() {
                json!({"type": "string"})
            } else {
                json!({"type": "string", "enum": p.choices})
            };
            let mut list = json!({"type": "array", "items": item, "minItems": 1});
            if let Some(max) = p.maximum {
                list["maxItems"] = max.into();
            }
            list
        }
    };
    schema["description"] = p.description.clone().into();
    if let Some(default) = &p.default {
        schema["default"] = match (&numeric_choices, p.param_type) {
            (Some(_), _) | (None, ParamKind::Integer) => default
                .parse::<i64>()
                .map(Value::from)
                .unwrap_or_else(|_| default.clone().into()),
            (None, ParamKind::Boolean) => default
                .parse::<bool>()
                .map(Value::from)
                .unwrap_or_else(|_| default.clone().into()),
            _ => default.clone().into(),
        };
    }
    schema
}

fn bounded(mut schema: Value, p: &ParamSpec, low: &str, high: &str) -> Value {
    if let Some(min) = p.minimum {
        schema[low] = min.into();
    }
    if let Some(max) = p.maximum {
        schema[high] = max.into();
    }
    schema
}

/// A `spec/body-schemas` schema in standard JSON Schema: unknown keys are
/// refused (as the component refuses them), and a comma-separated enum
/// becomes the pattern of such a list.
fn standard(schema: &Value) -> Value {
    let Some(fields) = schema.as_object() else {
        return schema.clone();
    };
    let mut out = Map::new();
    for (key, value) in fields {
        match key.as_str() {
            "properties" => {
                let properties: Map<String, Value> = value
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(name, sub)| (name.clone(), standard(sub)))
                    .collect();
                out.insert(key.clone(), properties.into());
                out.insert("additionalProperties".into(), false.into());
            }
            "items" => {
                out.insert(key.clone(), standard(value));
            }
            "x-comma-separated" => {}
            "enum" if fields.get("x-comma-separated") == Some(&Value::Bool(true)) => {
                let choices: Vec<String> = value
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|c| c.as_str().map(regex_escape))
                    .collect();
                let one = format!("({})", choices.join("|"));
                out.insert("pattern".into(), format!("^{one}(,{one})*$").into());
            }
            _ => {
                out.insert(key.clone(), value.clone());
            }
        }
    }
    out.into()
}

fn regex_escape(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            let special = "\\.+*?()|[]{}^$".contains(c);
            special.then_some('\\').into_iter().chain([c])
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use wrk_zoom_spec::catalog;

    /// The declared `describe()` of the built-in action `name`.
    fn declared(name: &str) -> ActionInfo {
        ActionInfo::from(catalog::by_name(name).expect("a built-in action"))
    }

    fn schema_of(name: &str) -> Value {
        parameters(&declared(name))
    }

    fn accepts(schema: &Value, params: Value) -> bool {
        jsonschema::draft202012::new(schema)
            .expect("compiles")
            .is_valid(&params)
    }

    #[test]
    fn every_actions_schema_is_valid_json_schema_and_names_its_required_parameters() {
        assert_eq!(catalog::ALL.len(), 33);
        for action in catalog::ALL {
            let schema = schema_of(action.name);
            assert!(
                jsonschema::meta::is_valid(&schema),
                "{}: not a valid JSON Schema",
                action.name
            );
            let info = declared(action.name);
            let required: Vec<Value> = info
                .params
                .iter()
                .filter(|p| p.required)
                .map(|p| p.name.clone().into())
                .collect();
            assert_eq!(schema["required"], Value::from(required), "{}", action.name);
            // Nothing at all is what a call without parameters sends.
            assert_eq!(
                accepts(&schema, json!({})),
                info.params.iter().all(|p| !p.required),
                "{}",
                action.name
            );
        }
    }

    #[test]
    fn a_meetings_schema_means_what_the_component_accepts() {
        let schema = schema_of("create-meeting");
        let good = json!({
            "topic": "Weekly", "type": 8, "duration": 30, "default_password": true,
            "settings": {"auto_recording": "cloud", "waiting_room": true},
            "recurrence": {"type": 2, "weekly_days": "2,4", "end_times": 10},
            "tracking_fields": [{"field": "Team", "value": "Ops"}],
        });
        assert!(accepts(&schema, good));
        for bad in [
            json!({"topc": "x"}),
            json!({"type": 4}),
            json!({"duration": 2000}),
            json!({"settings": {"audio_recording": "cloud"}}),
            json!({"settings": {"jbh_time": 7}}),
            json!({"recurrence": {"weekly_days": "2"}}),
            json!({"recurrence": {"type": 2, "weekly_days": "1,9"}}),
            json!({"tracking_fields": [{"value": "Ops"}]}),
        ] {
            assert!(!accepts(&schema, bad.clone()), "accepted {bad}");
        }
    }

    #[test]
    fn lists_and_defaults_are_typed_as_json() {
        let schema = schema_of("retrieve-user-call-history");
        let directions = &schema["properties"]["directions"];
        assert_eq!(directions["type"], "array");
        assert_eq!(directions["maxItems"], 2);
        assert_eq!(schema["properties"]["page_size"]["default"], 30);
        assert!(accepts(
            &schema,
            json!({"directions": ["inbound", "outbound"]})
        ));
        assert!(!accepts(&schema, json!({"directions": ["sideways"]})));
    }
}
