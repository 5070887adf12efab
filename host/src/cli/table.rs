//! `-o table`: a readable table of a list's key columns (topic, start time,
//! id, ...) and a short summary of a single object. Colour (a bold header)
//! only on a terminal and never with `NO_COLOR`: `anstream` strips the
//! styling otherwise.

use serde_json::Value;
use std::io::Write;

/// The columns people look for first, in the order they are shown.
const KEY_COLUMNS: &[&str] = &[
    "id",
    "uuid",
    "topic",
    "start_time",
    "duration",
    "type",
    "name",
    "user_name",
    "email",
    "user_email",
    "join_time",
    "leave_time",
    "direction",
    "caller_name",
    "callee_name",
    "result",
    "file_type",
    "status",
];

/// At most this many columns, each at most this wide.
const MAX_COLUMNS: usize = 6;
const MAX_WIDTH: usize = 40;

/// The output stream: styled on a terminal, plain otherwise or with `NO_COLOR`.
pub fn stdout() -> anstream::AutoStream<std::io::Stdout> {
    anstream::AutoStream::auto(std::io::stdout())
}

fn header_style() -> anstyle::Style {
    anstyle::Style::new().bold()
}

/// A cell's text: scalars as they read, nested values summarised.
fn cell(value: Option<&Value>) -> String {
    let text = match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(items)) => format!("[{} items]", items.len()),
        Some(Value::Object(_)) => "{…}".into(),
        Some(other) => other.to_string(),
    };
    let text: String = text.chars().filter(|c| !c.is_control()).collect();
    if text.chars().count() > MAX_WIDTH {
        let cut: String = text.chars().take(MAX_WIDTH - 1).collect();
        format!("{cut}…")
    } else {
        text
    }
}

/// The table of `items`, its columns chosen from the first items.
pub struct Table {
    columns: Vec<String>,
    widths: Vec<usize>,
}

impl Table {
    /// Columns from `sample` (the first page) and `schema` (what an item
    /// is, when the action says): the key columns present in the sample,
    /// or, on an empty page, those the schema declares; else the first
    /// scalar fields the schema declares, or the first item's.
    pub fn for_items(sample: &[Value], schema: Option<&Value>) -> Table {
        let declared: Vec<(String, bool)> = schema.map(scalar_properties).unwrap_or_default();
        let present = |key: &str| match sample.is_empty() {
            false => sample.iter().any(|i| i.get(key).is_some()),
            true => declared.iter().any(|(name, _)| name == key),
        };
        let mut columns: Vec<String> = KEY_COLUMNS
            .iter()
            .filter(|k| present(k))
            .map(|k| k.to_string())
            .take(MAX_COLUMNS)
            .collect();
        if columns.is_empty() {
            columns = declared
                .iter()
                .filter(|(_, scalar)| *scalar)
                .map(|(name, _)| name.clone())
                .take(MAX_COLUMNS)
                .collect();
        }
        if columns.is_empty()
            && let Some(Value::Object(first)) = sample.first()
        {
            columns = first
                .iter()
                .filter(|(_, v)| !v.is_object() && !v.is_array())
                .map(|(k, _)| k.clone())
                .take(MAX_COLUMNS)
                .collect();
        }
        let widths = columns
            .iter()
            .map(|c| {
                sample
                    .iter()
                    .map(|i| cell(i.get(c)).chars().count())
                    .chain([c.chars().count()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        Table { columns, widths }
    }

    pub fn header(&self, out: &mut (impl Write + ?Sized)) -> std::io::Result<()> {
        let style = header_style();
        let line = self.line(self.columns.iter().map(|c| c.to_uppercase()));
        writeln!(out, "{style}{line}{style:#}")
    }

    pub fn row(&self, out: &mut (impl Write + ?Sized), item: &Value) -> std::io::Result<()> {
        writeln!(
            out,
            "{}",
            self.line(self.columns.iter().map(|c| cell(item.get(c))))
        )
    }

    fn line(&self, cells: impl Iterator<Item = String>) -> String {
        let padded: Vec<String> = cells
            .zip(&self.widths)
            .map(|(text, width)| {
                let pad = width.saturating_sub(text.chars().count());
                format!("{text}{}", " ".repeat(pad))
            })
            .collect();
        padded.join("  ").trim_end().to_string()
    }
}

/// The fields an item schema declares (its own and its `allOf` parts'), in
/// its order, each with whether it is a scalar (not an object or array).
fn scalar_properties(schema: &Value) -> Vec<(String, bool)> {
    let mut fields: Vec<(String, bool)> = Vec::new();
    for (name, field) in schema["properties"].as_object().into_iter().flatten() {
        let types: Vec<&str> = match &field["type"] {
            Value::String(t) => vec![t.as_str()],
            Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
            _ => vec!["object"],
        };
        let scalar = !types.iter().any(|t| *t == "object" || *t == "array");
        fields.push((name.clone(), scalar));
    }
    for part in schema["allOf"].as_array().into_iter().flatten() {
        fields.extend(scalar_properties(part));
    }
    fields
}

/// A single answer: a list page as a table, an object as `key: value`
/// lines of its scalar fields (nested ones counted), anything else as JSON.
pub fn print(
    out: &mut (impl Write + ?Sized),
    body: &Value,
    list_key: Option<&str>,
    item_schema: Option<&Value>,
) -> std::io::Result<()> {
    if let Some(items) = list_key.and_then(|k| body.get(k)).and_then(Value::as_array) {
        let table = Table::for_items(items, item_schema);
        table.header(out)?;
        for item in items {
            table.row(out, item)?;
        }
        if let Some(token) = body.get("next_page_token").and_then(Value::as_str)
            && !token.is_empty()
        {
            writeln!(out, "(more: next_page_token={token}, or --all)")?;
        }
        return Ok(());
    }
    let Value::Object(fields) = body else {
        return writeln!(out, "{body}");
    };
    let width = fields.keys().map(|k| k.chars().count()).max().unwrap_or(0);
    let style = header_style();
    for (key, value) in fields {
        writeln!(out, "{style}{key:width$}{style:#}  {}", cell(Some(value)))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn printed(body: Value, list_key: Option<&str>) -> String {
        let mut out = Vec::new();
        // As on a pipe: the styling stripped.
        print(
            &mut anstream::StripStream::new(&mut out),
            &body,
            list_key,
            None,
        )
        .unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn an_empty_page_shows_the_columns_its_schema_declares() {
        let schema = json!({"allOf": [{"properties": {
            "topic": {"type": ["string", "null"]},
            "id": {"type": ["integer", "string"]},
            "settings": {"type": "object"},
        }}]});
        let table = Table::for_items(&[], Some(&schema));
        let mut out = Vec::new();
        table
            .header(&mut anstream::StripStream::new(&mut out))
            .unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "ID  TOPIC\n");
        // No key column: the declared scalar fields, never a nested one.
        let schema = json!({"properties": {
            "talk_seconds": {"type": "number"}, "legs": {"type": "array"}, "caller": {"type": "string"},
        }});
        let items = [json!({"caller": "Ada", "talk_seconds": 3.5, "legs": [1]})];
        assert_eq!(
            Table::for_items(&items, Some(&schema)).columns,
            ["caller", "talk_seconds"]
        );
        // Without a schema, the first item's scalars, as before.
        assert_eq!(
            Table::for_items(&items, None).columns,
            ["caller", "talk_seconds"]
        );
    }

    #[test]
    fn a_list_shows_its_key_columns_aligned() {
        let text = printed(
            json!({"meetings": [
                {"id": 1, "topic": "Standup", "start_time": "2026-12-01T09:00:00Z", "settings": {}},
                {"id": 22, "topic": "A much longer topic", "start_time": "2026-12-02T09:00:00Z"},
            ], "next_page_token": "abc"}),
            Some("meetings"),
        );
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "ID  TOPIC                START_TIME");
        assert_eq!(lines[1], "1   Standup              2026-12-01T09:00:00Z");
        assert_eq!(lines[2], "22  A much longer topic  2026-12-02T09:00:00Z");
        assert_eq!(lines[3], "(more: next_page_token=abc, or --all)");
    }

    #[test]
    fn an_object_is_summarised_and_long_or_hostile_text_is_cut() {
        let text = printed(
            json!({"email": "a@b.c", "topic": "x".repeat(80), "evil": "a\u{1b}[31mb", "files": [1, 2]}),
            None,
        );
        assert!(text.contains("email  a@b.c"), "{text}");
        assert!(
            text.contains(&format!("topic  {}…", "x".repeat(39))),
            "{text}"
        );
        assert!(
            text.contains("evil   a[31mb"),
            "control characters dropped: {text}"
        );
        assert!(text.contains("files  [2 items]"), "{text}");
    }
}
