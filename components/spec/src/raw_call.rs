//! The request of `api-call` and `api-call-admin`
//! ([`catalog::api_call`](crate::catalog::api_call)), computed from the
//! control parameters `method`, `path`, `query` and `body` instead of the
//! declaration's path template (its `custom_plan`).
//!
//! Trust boundary: the path is the one thing a caller writes into the URL,
//! so it is checked before any request exists. It must start with a single
//! `/`, and is refused (as invalid `path`) when it is an absolute URL, holds
//! `..` or `.` segments or backslashes, literally or percent-encoded at any
//! depth, control characters or whitespace, `?`/`#` (query parameters go in
//! `query`), or `{placeholders}`. The result can only ever address the API
//! base's own host; the host's egress policy is a second line, not the first.

use crate::request::{self, Request};
use crate::values::{Value, Values};
use crate::{Action, Failure, InvalidParam, Method};
use percent_encoding::percent_decode_str;
use serde_json::Value as Json;

/// Builds the request from the control parameters, refusing unsafe paths.
pub fn plan(_action: &Action, values: &Values) -> Result<Request, Failure> {
    let mut problems = Vec::new();
    let method = values
        .text("method")
        .and_then(|m| Method::parse(&m))
        .unwrap_or(Method::Get);
    let path = values.text("path").unwrap_or_default();
    if let Err(message) = check_path(&path) {
        problems.push(InvalidParam::new("path", message));
    }
    let query = match values.get("query") {
        Some(Value::Json(Json::Object(object))) => match query_pairs(object) {
            Ok(pairs) => pairs,
            Err(message) => {
                problems.push(InvalidParam::new("query", message));
                Vec::new()
            }
        },
        _ => Vec::new(),
    };
    let sends_body = matches!(method, Method::Post | Method::Put | Method::Patch);
    let body = match values.text("body") {
        None => None,
        Some(_) if !sends_body => {
            problems.push(InvalidParam::new(
                "body",
                format!(
                    "is only sent with POST, PUT or PATCH, not {}; leave it out",
                    method.as_str()
                ),
            ));
            None
        }
        // Sent as written (key order kept), once it is known to be JSON.
        Some(text) => match serde_json::from_str::<Json>(&text) {
            Ok(_) => Some(text.trim().to_string()),
            Err(e) => {
                problems.push(InvalidParam::new(
                    "body",
                    format!("must be JSON text; it is not valid JSON ({e})"),
                ));
                None
            }
        },
    };
    if !problems.is_empty() {
        return Err(Failure::InvalidParams(problems));
    }
    let mut path_and_query = path;
    if !query.is_empty() {
        path_and_query.push('?');
        path_and_query.push_str(&request::query_string(
            query.iter().map(|(k, v)| (k.as_str(), v.clone())),
        ));
    }
    Ok(Request {
        method,
        path_and_query,
        body,
    })
}

/// Checks that `path` can only name an endpoint under the API base.
pub fn check_path(path: &str) -> Result<(), String> {
    let lower = path.to_ascii_lowercase();
    if lower.starts_with("http:")
        || lower.starts_with("https:")
        || path.contains("://")
        || path.starts_with("//")
    {
        return Err(format!(
            "must be a path relative to the API base such as /users/me/meetings, not an absolute URL ('{path}')"
        ));
    }
    if !path.starts_with('/') {
        return Err(format!(
            "must start with '/', e.g. /users/me/meetings; got '{path}'"
        ));
    }
    if lower == "/v2" || lower.starts_with("/v2/") {
        return Err(
            "must leave out /v2: it is relative to the API base, which already ends in /v2".into(),
        );
    }
    // Every layer of percent-encoding, down to the text an upstream would
    // see; a path still encoded after that many layers is refused (fail
    // closed rather than check only some layers).
    const LAYERS: usize = 4;
    let mut layers = vec![path.to_string()];
    loop {
        let last = layers.last().expect("starts with the path");
        let decoded = percent_decode_str(last).decode_utf8_lossy().into_owned();
        if &decoded == last {
            break;
        }
        if layers.len() > LAYERS {
            return Err(format!(
                "is percent-encoded more than {LAYERS} times over; send it decoded"
            ));
        }
        layers.push(decoded);
    }
    let encoded = |layer: usize| if layer == 0 { "" } else { " (percent-encoded)" };
    for (layer, text) in layers.iter().enumerate() {
        if text.chars().any(|c| c.is_control()) {
            return Err(format!(
                "must not contain control characters{}",
                encoded(layer)
            ));
        }
        if text.contains('\\') {
            return Err(format!("must not contain backslashes{}", encoded(layer)));
        }
        if text.contains("..") || text.split('/').any(|segment| segment == ".") {
            return Err(format!(
                "must not contain '..' or '.' segments{}",
                encoded(layer)
            ));
        }
    }
    if path.chars().any(char::is_whitespace) {
        return Err("must not contain spaces; percent-encode them as %20".into());
    }
    if path.contains(['?', '#']) {
        return Err("must not contain '?' or '#'; give query parameters in 'query'".into());
    }
    if path.contains(['{', '}']) {
        return Err(format!(
            "has a placeholder; replace it with a value (e.g. {{userId}} with me) in '{path}'"
        ));
    }
    Ok(())
}

/// The query object as name/value pairs, in name order; lists become
/// repeated names.
fn query_pairs(object: &serde_json::Map<String, Json>) -> Result<Vec<(String, String)>, String> {
    let scalar = |name: &str, value: &Json| match value {
        Json::String(s) => Ok(s.clone()),
        Json::Number(n) => Ok(n.to_string()),
        Json::Bool(b) => Ok(b.to_string()),
        other => Err(format!(
            "has '{name}' set to {other}; values must be strings, numbers, booleans or lists of them"
        )),
    };
    let mut pairs = Vec::new();
    for (name, value) in object {
        if name.is_empty() {
            return Err("has an empty parameter name".into());
        }
        match value {
            Json::Array(items) => {
                for item in items {
                    pairs.push((name.clone(), scalar(name, item)?));
                }
            }
            other => pairs.push((name.clone(), scalar(name, other)?)),
        }
    }
    Ok(pairs)
}

#[cfg(test)]
mod tests {
    use super::check_path;
    use crate::catalog::api_call::{API_CALL, API_CALL_ADMIN};
    use crate::{Failure, Method, plan};

    use crate::test_support::raw;

    fn refused(path: &str) -> String {
        match plan(&API_CALL, &raw(&[("method", "GET"), ("path", path)])) {
            Err(Failure::InvalidParams(p)) => {
                assert_eq!(p.len(), 1, "{p:?}");
                assert_eq!(p[0].name, "path");
                p[0].message.clone()
            }
            other => panic!("'{path}' must be refused, got {other:?}"),
        }
    }

    #[test]
    fn absolute_urls_are_refused() {
        for path in [
            "https://evil.example/v2/users",
            "http://evil.example",
            "HTTPS://evil.example",
            "//evil.example/users",
        ] {
            assert!(refused(path).contains("absolute URL"), "{path}");
        }
    }

    #[test]
    fn paths_must_start_with_a_slash() {
        assert!(refused("users/me").contains("must start with '/'"));
        assert!(refused("/v2/users/me").contains("leave out /v2"));
    }

    #[test]
    fn dot_dot_traversal_is_refused_plain_and_encoded() {
        for path in [
            "/users/../oauth/token",
            "/users/..",
            "/users/%2e%2e/admin",
            "/users/%2E%2E/admin",
            "/users%2f..%2fadmin",
            "/users/.%2E/admin",
            "/users/%252e%252e/admin",
            "/users/./me",
            "/users/%2e/me",
        ] {
            assert!(refused(path).contains("'..'"), "{path}");
        }
        // Encoded deeper than is checked: refused, not waved through.
        let deep = "/users/%25252525252e%25252525252e/admin";
        assert!(
            refused(deep).contains("more than 4 times"),
            "{}",
            refused(deep)
        );
    }

    #[test]
    fn backslashes_are_refused_plain_and_encoded() {
        assert!(refused("/users\\me").contains("backslash"));
        assert!(refused("/users/%5cme").contains("backslash"));
        assert!(refused("/users/%255Cme").contains("backslash"));
    }

    #[test]
    fn control_characters_are_refused_plain_and_encoded() {
        assert!(refused("/users/me\n").contains("control characters"));
        assert!(refused("/users/me%0d%0aX-Injected: 1").contains("control characters"));
        assert!(refused("/users/me%00").contains("control characters"));
    }

    #[test]
    fn spaces_queries_and_placeholders_are_refused() {
        assert!(refused("/users/ada lovelace").contains("spaces"));
        assert!(refused("/users/me/meetings?type=live").contains("'query'"));
        assert!(refused("/users/{userId}/meetings").contains("placeholder"));
    }

    #[test]
    fn double_encoded_uuids_and_emails_pass() {
        let r = plan(
            &API_CALL_ADMIN,
            &raw(&[
                ("method", "GET"),
                ("path", "/past_meetings/%252FajXp112QmuoKj4854875%253D%253D"),
            ]),
        )
        .unwrap();
        assert_eq!(
            r.path_and_query,
            "/past_meetings/%252FajXp112QmuoKj4854875%253D%253D"
        );
        assert!(check_path("/users/ada@example.com/meetings").is_ok());
    }

    #[test]
    fn query_object_is_encoded_and_body_is_sent_only_with_post_put_patch() {
        let r = plan(
            &API_CALL,
            &raw(&[
                ("method", "POST"),
                ("path", "/users/me/meetings"),
                (
                    "query",
                    r#"{"type":"scheduled","page_size":30,"show":true,"ids":["a b","c"]}"#,
                ),
                ("body", r#"{ "topic": "Standup" }"#),
            ]),
        )
        .unwrap();
        assert_eq!(r.method, Method::Post);
        assert_eq!(
            r.path_and_query,
            "/users/me/meetings?ids=a%20b&ids=c&page_size=30&show=true&type=scheduled"
        );
        assert_eq!(r.body.as_deref(), Some(r#"{ "topic": "Standup" }"#));

        let Err(Failure::InvalidParams(p)) = plan(
            &API_CALL,
            &raw(&[
                ("method", "DELETE"),
                ("path", "/meetings/1"),
                ("body", "{}"),
                ("query", r#"{"nested":{"a":1}}"#),
            ]),
        ) else {
            panic!("a DELETE body and a nested query value must be refused");
        };
        let names: Vec<&str> = p.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["query", "body"]);
        let Err(Failure::InvalidParams(p)) = plan(
            &API_CALL,
            &raw(&[
                ("method", "PATCH"),
                ("path", "/meetings/1"),
                ("body", "{topic"),
            ]),
        ) else {
            panic!("invalid JSON must be refused");
        };
        assert!(p[0].message.contains("not valid JSON"));
    }

    #[test]
    fn method_and_path_are_required() {
        let Err(Failure::InvalidParams(p)) = plan(&API_CALL, &[]) else {
            panic!("method and path are required");
        };
        let names: Vec<&str> = p.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["method", "path"]);
    }
}
