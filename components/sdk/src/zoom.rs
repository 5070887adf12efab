//! Zoom's answers: success bodies, page tokens and the error body shape
//! `{"code": N, "message": "..."}`.

use serde_json::Value as Json;
use wrk_zoom_spec::{Failure, ItemParts, Reply};

/// Turns Zoom's error answer into a [`Failure::Zoom`].
pub(crate) fn error(status: u16, body: &[u8]) -> Failure {
    let text = String::from_utf8_lossy(body).into_owned();
    let parsed: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    let code = parsed
        .as_ref()
        .and_then(|v| v.get("code"))
        .and_then(|c| c.as_i64());
    let message = parsed
        .as_ref()
        .and_then(|v| v.get("message").or_else(|| v.get("reason")))
        .and_then(|m| m.as_str())
        .map(str::to_string)
        .unwrap_or_else(|| format!("HTTP {status} from Zoom"));
    Failure::Zoom {
        status,
        code,
        message,
        body: text,
    }
}

/// Interprets Zoom's answer to the action's request.
pub(crate) fn reply(status: u16, body: &[u8], list_key: Option<&str>) -> Result<Reply, Failure> {
    if !(200..300).contains(&status) {
        return Err(error(status, body));
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Reply {
            status,
            body: "null".into(),
            next_page_token: None,
        });
    }
    // Checked and read without building the document (the host parses
    // it once; a page of 300 items is 100 KB of JSON).
    let next_page_token = match list_key {
        None => {
            serde_json::from_slice::<serde::de::IgnoredAny>(body)
                .map_err(|e| not_json(status, body, e))?;
            None
        }
        Some(key) => {
            let head: PageHead = serde_json::from_slice(body).map_err(|e| {
                if e.is_data() {
                    Failure::Unexpected(format!(
                        "expected a JSON object with a '{key}' list, got {}",
                        kind_of_text(body)
                    ))
                } else {
                    not_json(status, body, e)
                }
            })?;
            head.next_page_token
                .as_ref()
                .and_then(Json::as_str)
                .filter(|t| !t.is_empty())
                .map(str::to_string)
        }
    };
    Ok(Reply {
        status,
        body: String::from_utf8_lossy(body).into_owned(),
        next_page_token,
    })
}

/// Copies the entries of `parts.array` into the list items they belong to
/// (same `parts.key`), each item under the name `parts.array`; the page's
/// own array stays as Zoom sent it.
pub(crate) fn nest_parts(reply: Reply, list_key: &str, parts: ItemParts) -> Reply {
    let Ok(mut page) = serde_json::from_str::<Json>(&reply.body) else {
        return reply;
    };
    let entries = page
        .get(parts.array)
        .and_then(Json::as_array)
        .cloned()
        .unwrap_or_default();
    let Some(items) = page.get_mut(list_key).and_then(Json::as_array_mut) else {
        return reply;
    };
    for item in items.iter_mut() {
        let key = item.get(parts.key).cloned();
        let own: Vec<Json> = entries
            .iter()
            .filter(|e| key.is_some() && e.get(parts.key) == key.as_ref())
            .cloned()
            .collect();
        if let Some(fields) = item.as_object_mut() {
            fields.entry(parts.array).or_insert(Json::Array(own));
        }
    }
    Reply {
        body: page.to_string(),
        ..reply
    }
}

/// The part of a list page the component needs: its token (every other
/// field is skipped without being stored).
#[derive(serde::Deserialize)]
struct PageHead {
    #[serde(default)]
    next_page_token: Option<Json>,
}

fn not_json(status: u16, body: &[u8], e: serde_json::Error) -> Failure {
    Failure::Unexpected(format!(
        "Zoom answered {status} with a body that is not JSON ({e}): {}",
        String::from_utf8_lossy(&body[..body.len().min(200)])
    ))
}

/// What kind of JSON value `body` (valid JSON, not an object) is.
fn kind_of_text(body: &[u8]) -> &'static str {
    serde_json::from_slice::<Json>(body)
        .map(|v| kind_of(&v))
        .unwrap_or("something else")
}

fn kind_of(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zoom_errors_keep_code_and_message() {
        let f = error(
            404,
            br#"{"code":3001,"message":"Meeting does not exist: 1."}"#,
        );
        assert_eq!(
            f,
            Failure::Zoom {
                status: 404,
                code: Some(3001),
                message: "Meeting does not exist: 1.".into(),
                body: r#"{"code":3001,"message":"Meeting does not exist: 1."}"#.into()
            }
        );
        let f = error(502, b"<html>bad gateway</html>");
        assert!(
            matches!(f, Failure::Zoom { code: None, ref message, .. } if message == "HTTP 502 from Zoom")
        );
    }

    #[test]
    fn last_page_has_no_token() {
        let r = reply(200, br#"{"next_page_token":"","items":[]}"#, Some("items")).unwrap();
        assert_eq!(r.next_page_token, None);
        let r = reply(
            200,
            br#"{"next_page_token":"abc","items":[]}"#,
            Some("items"),
        )
        .unwrap();
        assert_eq!(r.next_page_token.as_deref(), Some("abc"));
    }

    #[test]
    fn each_call_gets_its_own_legs() {
        let page = br#"{"next_page_token":"t","call_logs":[{"call_id":"1"},{"call_id":"2"},{"x":0}],
            "call_elements":[{"call_id":"1","leg":"a"},{"call_id":"2","leg":"b"},{"call_id":"1","leg":"c"}]}"#;
        let parts = ItemParts {
            array: "call_elements",
            key: "call_id",
        };
        let r = nest_parts(
            reply(200, page, Some("call_logs")).unwrap(),
            "call_logs",
            parts,
        );
        let body: Json = serde_json::from_str(&r.body).unwrap();
        let legs = |i: usize| -> Vec<&str> {
            body["call_logs"][i]["call_elements"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["leg"].as_str().unwrap())
                .collect()
        };
        assert_eq!(legs(0), ["a", "c"]);
        assert_eq!(legs(1), ["b"]);
        assert!(legs(2).is_empty(), "an item without the key gets none");
        assert_eq!(body["call_elements"].as_array().unwrap().len(), 3);
        assert_eq!(r.next_page_token.as_deref(), Some("t"));
    }

    #[test]
    fn empty_success_is_null_and_garbage_is_unexpected() {
        assert_eq!(reply(204, b"", None).unwrap().body, "null");
        assert!(matches!(
            reply(200, b"<html>", None),
            Err(Failure::Unexpected(_))
        ));
    }
}
