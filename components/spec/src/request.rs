//! From validated values to the exact Zoom request: encoded path, query
//! string and JSON body. Pure, so `plan` (dry runs) and `run` agree.

use crate::ids::encode_segment;
use crate::values::{Value, Values};
use crate::{Action, ConnectionKind, Method, ParamLocation};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Query values escape everything but unreserved characters.
const QUERY: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// One request to Zoom, relative to the API base.
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    /// HTTP method.
    pub method: Method,
    /// Encoded path and query, starting with `/`.
    pub path_and_query: String,
    /// JSON body text.
    pub body: Option<String>,
}

impl Request {
    /// `api_base` (less any trailing slash) followed by the path and query:
    /// the absolute URL when given the connection's API base, the WIT
    /// `planned-request.url` when given the placeholder `{api-base}`.
    pub fn url(&self, api_base: &str) -> String {
        format!("{}{}", api_base.trim_end_matches('/'), self.path_and_query)
    }
}

/// Encodes `pairs` as a query string (without `?`).
pub fn query_string<'a>(pairs: impl IntoIterator<Item = (&'a str, String)>) -> String {
    pairs
        .into_iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                utf8_percent_encode(k, QUERY),
                utf8_percent_encode(&v, QUERY)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Builds the declared request of `action` from validated `values`.
pub fn build(action: &Action, values: &Values) -> Request {
    let mut path = String::new();
    let mut rest = action.path;
    while let Some(open) = rest.find('{') {
        let close = open
            + rest[open..]
                .find('}')
                .expect("path templates close their braces");
        let name = &rest[open + 1..close];
        path.push_str(&rest[..open]);
        let segment = match values.get(name) {
            Some(Value::Meeting(meeting)) => meeting.path_segment(),
            Some(value) => encode_segment(&value.to_text()),
            None if name == "userId" && action.connection == ConnectionKind::User => {
                "me".to_string()
            }
            None => String::new(),
        };
        path.push_str(&segment);
        rest = &rest[close + 1..];
    }
    path.push_str(rest);

    let mut query = Vec::new();
    let mut body = serde_json::Map::new();
    for param in action.all_params() {
        let sent_default;
        let value = match (values.get(param.name), param.default) {
            (Some(value), _) => value,
            (None, Some(default)) if param.send_default => {
                sent_default = Value::Text(default.to_string());
                &sent_default
            }
            (None, _) => continue,
        };
        match param.location {
            ParamLocation::Query => match value {
                // Arrays go as repeated keys (OpenAPI's default form style)
                // unless the parameter asks for one comma-separated value.
                Value::List(items) if !param.comma_joined => {
                    query.extend(items.iter().map(|i| (param.name, i.clone())))
                }
                other => query.push((param.name, other.to_text())),
            },
            ParamLocation::Body => {
                body.insert(param.name.to_string(), value.to_json(param.kind));
            }
            ParamLocation::Path | ParamLocation::Control => {}
        }
    }
    if !query.is_empty() {
        path.push('?');
        path.push_str(&query_string(query));
    }
    let sends_body = matches!(action.method, Method::Post | Method::Patch | Method::Put);
    Request {
        method: action.method,
        path_and_query: path,
        body: sends_body.then(|| serde_json::Value::Object(body).to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values::validate;
    use crate::{Param, ParamType, RateCategory};

    const LIST: Action = Action {
        name: "list",
        title: "List",
        connection: ConnectionKind::User,
        classic_scopes: &[],
        granular_scopes: &[],
        method: Method::Get,
        path: "/users/{userId}/meetings",
        rate: RateCategory::Medium,
        list_key: Some("meetings"),
        params: &[
            Param::query("type", ParamType::Choice(&["scheduled", "live"]), "Kind"),
            Param::page_size(300),
            Param::query(
                "directions",
                ParamType::TextList(&["inbound", "outbound"]),
                "Directions",
            ),
        ],
        ..Action::BASE
    };

    const CREATE: Action = Action {
        name: "create",
        title: "Create",
        connection: ConnectionKind::User,
        method: Method::Post,
        path: "/users/{userId}/meetings",
        rate: RateCategory::Medium,
        params: &[
            Param::body("topic", ParamType::Text, "Topic"),
            Param::body("type", ParamType::Choice(&["1", "2", "3", "8"]), "Type"),
            Param::body("duration", ParamType::Integer, "Minutes"),
            Param::body("settings", ParamType::JsonObject, "Settings"),
        ],
        ..Action::BASE
    };

    use crate::test_support::raw;

    #[test]
    fn user_actions_act_as_me_and_encode_the_query() {
        let v = validate(
            &LIST,
            &raw(&[
                ("type", "live"),
                ("page_size", "50"),
                ("directions", "inbound,outbound"),
            ]),
        )
        .unwrap();
        let r = build(&LIST, &v);
        assert_eq!(
            r.path_and_query,
            "/users/me/meetings?type=live&page_size=50&directions=inbound&directions=outbound"
        );
        assert_eq!(r.body, None);
    }

    #[test]
    fn admin_twins_address_the_given_user() {
        let admin = LIST.admin("list-admin", "List (admin)", &[], &[]);
        let v = validate(&admin, &raw(&[("userId", "ada+test@example.com")])).unwrap();
        assert_eq!(
            build(&admin, &v).path_and_query,
            "/users/ada%2Btest%40example.com/meetings"
        );
        assert!(
            validate(&admin, &[]).is_err(),
            "userId is required for admin twins"
        );
    }

    #[test]
    fn body_fields_keep_their_json_types() {
        let v = validate(
            &CREATE,
            &raw(&[
                ("topic", "Standup"),
                ("type", "2"),
                ("duration", "30"),
                ("settings", r#"{"waiting_room":true}"#),
            ]),
        )
        .unwrap();
        let body: serde_json::Value =
            serde_json::from_str(&build(&CREATE, &v).body.unwrap()).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"topic": "Standup", "type": 2, "duration": 30, "settings": {"waiting_room": true}})
        );
    }
}
