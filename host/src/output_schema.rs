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
    info.output_schema.clone().ok_or_else(|| none(info))
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
