//! What an action returns, as JSON Schema (draft 2020-12): one answer as
//! the component describes it (`describe()`'s output schema, components of
//! `wrk:zoom@0.2.0`), and what following every page returns, which the host
//! makes (the CLI's `--all`, serve's `"all": true`): the items of the
//! component's page schema, and the totals ([`crate::paginate::PageSummary::totals`]).

use crate::error::HostError;
use crate::model::ActionInfo;
use serde_json::{Value, json};

const DRAFT: &str = "https://json-schema.org/draft/2020-12/schema";

/// The schema of one answer of `info` (a page, for a list), or an error
/// that says why there is none.
pub fn one_answer(info: &ActionInfo) -> Result<Value, HostError> {
    page_schema(info).cloned().ok_or_else(|| none(info))
}

/// The schema of what following every page of `info` returns, or an error
/// that says why there is none (not a list, or no output schema).
pub fn all_pages(info: &ActionInfo) -> Result<Value, HostError> {
    let Some(list_key) = &info.list_key else {
        return Err(HostError::InvalidInput {
            field: "all".into(),
            message: format!(
                "{} does not return a paginated list; its one answer is all it returns",
                info.name
            ),
        });
    };
    let page = one_answer(info)?;
    let item = list_item(&page, list_key).cloned().unwrap_or(json!({}));
    Ok(json!({
        "$schema": DRAFT,
        "$comment": format!(
            "What following every page of {} returns (the CLI's --all, serve's \"all\": true): the items of every page and the totals.",
            info.name
        ),
        "type": "object",
        "description": "Every page of the list: the items, then the totals.",
        "required": [list_key, "total_records", "truncated"],
        "properties": {
            list_key: {"type": "array", "items": item},
            "total_records": {"type": "integer", "description": "Items returned."},
            "truncated": {"type": "boolean", "description": "Whether it stopped before the end (a maximum)."},
            "next_page_token": {"type": "string", "description": "Where to continue, when truncated."},
            "left_in_last_page": {"type": "integer", "description": "Items of the last page not returned."},
            "window": {
                "type": "object",
                "description": "The month window next_page_token belongs to.",
                "properties": {"from": {"type": "string"}, "to": {"type": "string"}},
            },
        },
    }))
}

/// `schema` to embed in another document (OpenAPI's components, an MCP
/// tool): without `$schema` and `$comment`, and for MCP (`object_root`)
/// with `"type": "object"` at the root, which MCP asks of an output schema.
pub fn embedded(schema: &Value, object_root: bool) -> serde_json::Map<String, Value> {
    let mut out = match schema {
        Value::Object(o) => o.clone(),
        _ => serde_json::Map::new(),
    };
    out.remove("$schema");
    out.remove("$comment");
    if object_root {
        out.entry("type").or_insert_with(|| json!("object"));
    }
    out
}

/// The schema of one item of `info`'s list, when it pages through one and
/// says what it returns.
pub fn list_items(info: &ActionInfo) -> Option<Value> {
    list_item(page_schema(info)?, info.list_key.as_deref()?).cloned()
}

/// The schema of one answer, read from `describe()`'s text if not yet.
fn page_schema(info: &ActionInfo) -> Option<&Value> {
    info.output_schema.as_ref()?.value()
}

/// A realistic instance of `schema`: every declared field, with its
/// documented example when it fits, else a plain value of its type, so a
/// builder can map fields before any call. It validates against `schema`
/// (a test proves it for every action).
pub fn sample(schema: &Value) -> Value {
    sample_at(schema, "", 0)
}

fn sample_at(schema: &Value, name: &str, depth: usize) -> Value {
    if depth > 32 {
        return Value::Null;
    }
    if let Some(value) = schema.get("const") {
        return value.clone();
    }
    let mut merged = serde_json::Map::new();
    for part in schema["allOf"].as_array().into_iter().flatten() {
        if let Value::Object(o) = sample_at(part, name, depth + 1) {
            merged.extend(o);
        }
    }
    if let Some(first) = schema["anyOf"].as_array().and_then(|a| a.first()) {
        let value = sample_at(first, name, depth + 1);
        if !value.is_object() || merged.is_empty() {
            return value;
        }
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ if schema.get("properties").is_some() || !merged.is_empty() => vec!["object"],
        _ if schema.get("items").is_some() => vec!["array"],
        _ => vec![],
    };
    let fits = |v: &Value| {
        types.iter().any(|t| match *t {
            "string" => v.is_string(),
            "integer" => v.is_i64() || v.is_u64(),
            "number" => v.is_number(),
            "boolean" => v.is_boolean(),
            _ => false,
        })
    };
    if let Some(example) = schema["examples"]
        .as_array()
        .and_then(|e| e.iter().find(|v| fits(v)))
    {
        return example.clone();
    }
    match types.iter().find(|t| **t != "null").copied() {
        Some("object") => {
            for (field, sub) in schema["properties"].as_object().into_iter().flatten() {
                merged.insert(field.clone(), sample_at(sub, field, depth + 1));
            }
            Value::Object(merged)
        }
        Some("array") => json!([sample_at(&schema["items"], name, depth + 1)]),
        Some("integer") => json!(1),
        Some("number") => json!(1.5),
        Some("boolean") => json!(true),
        Some("string") => match schema["format"].as_str() {
            Some("date-time") => json!("2026-12-01T15:00:00Z"),
            Some("date") => json!("2026-12-01"),
            Some("email") => json!("someone@example.com"),
            _ => json!(format!(
                "{} text",
                if name.is_empty() { "some" } else { name }
            )),
        },
        _ if !merged.is_empty() => Value::Object(merged),
        _ if types.is_empty() => json!({}),
        _ => Value::Null,
    }
}

/// The item schema of the list under `key` (at the top, or in an `allOf`).
fn list_item<'a>(schema: &'a Value, key: &str) -> Option<&'a Value> {
    if let Some(list) = schema["properties"].get(key) {
        return list.get("items");
    }
    schema["allOf"]
        .as_array()?
        .iter()
        .find_map(|part| list_item(part, key))
}

fn none(info: &ActionInfo) -> HostError {
    HostError::InvalidInput {
        field: "action".into(),
        message: format!(
            "{} does not say what it returns (a component built against wrk:zoom@0.1.0, or one that leaves it out)",
            info.name
        ),
    }
}
