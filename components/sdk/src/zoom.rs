//! Zoom's answers: success bodies, page tokens and the error body shape
//! `{"code": N, "message": "..."}`.

use crate::{Failure, Reply};

/// Turns Zoom's error answer into a [`Failure::Zoom`].
pub fn error(status: u16, body: &[u8]) -> Failure {
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
pub fn reply(status: u16, body: &[u8], list_key: Option<&str>) -> Result<Reply, Failure> {
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
    let json: serde_json::Value = serde_json::from_slice(body).map_err(|e| {
        Failure::Unexpected(format!(
            "Zoom answered {status} with a body that is not JSON ({e}): {}",
            String::from_utf8_lossy(&body[..body.len().min(200)])
        ))
    })?;
    let next_page_token = match list_key {
        Some(key) => {
            if !json.is_object() {
                return Err(Failure::Unexpected(format!(
                    "expected a JSON object with a '{key}' list, got {}",
                    kind_of(&json)
                )));
            }
            json.get("next_page_token")
                .and_then(|t| t.as_str())
                .filter(|t| !t.is_empty())
                .map(str::to_string)
        }
        None => None,
    };
    Ok(Reply {
        status,
        body: String::from_utf8_lossy(body).into_owned(),
        next_page_token,
    })
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
    fn empty_success_is_null_and_garbage_is_unexpected() {
        assert_eq!(reply(204, b"", None).unwrap().body, "null");
        assert!(matches!(
            reply(200, b"<html>", None),
            Err(Failure::Unexpected(_))
        ));
    }
}
