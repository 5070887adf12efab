//! The gateway: one Zoom action behind `wasi:http/incoming-handler`, so that
//! hosts that only serve HTTP (`wasmtime serve`, Spin, wasmCloud, Fastly)
//! can run it. It imports `wrk:zoom/action@0.2.0`; the build composes it
//! with each action into `<action>.http.wasm` (see README.md).
//!
//! - `GET /`: the action's `describe()`, as `wrk-zoom describe` prints it;
//! - `GET /output-schema`: what it returns, as `wrk-zoom describe
//!   --output-schema` prints it;
//! - `POST /` with `{"params": {...}}` and `Authorization: Bearer <Zoom
//!   token>`: one `run()` against `ZOOM_API_BASE` (default Zoom's), answered
//!   with the JSON and HTTP status of `wrk-zoom serve`.

mod bindings {
    wit_bindgen::generate!({
        inline: "package wrk:zoom-gateway; world gateway { import wrk:zoom/action@0.2.0; }",
        path: "../../wit/v0.2.0",
        world: "wrk:zoom-gateway/gateway",
        generate_all,
    });
}

use bindings::wrk::zoom::action;
use bindings::wrk::zoom::types as wit;
use serde_json::{Value, json};
use std::io::{Read, Write};
use wasip2::http::types::{
    Fields, IncomingRequest, Method, OutgoingBody, OutgoingResponse, ResponseOutparam,
};

/// Zoom's API base, unless `ZOOM_API_BASE` says otherwise.
const DEFAULT_API_BASE: &str = "https://api.zoom.us/v2";
/// The largest request body read (axum's default in `wrk-zoom serve`).
const MAX_BODY: u64 = 2 * 1024 * 1024;

struct Gateway;

impl wasip2::exports::http::incoming_handler::Guest for Gateway {
    fn handle(request: IncomingRequest, out: ResponseOutparam) {
        let (status, body) = answer(request);
        respond(out, status, &body);
    }
}

wasip2::http::proxy::export!(Gateway);

/// A failure as `wrk-zoom serve` shows it: HTTP status and the
/// `--json-errors` object.
struct Failure {
    status: u16,
    body: Value,
}

fn answer(request: IncomingRequest) -> (u16, Value) {
    let path = request.path_with_query().unwrap_or_default();
    let path = path.split('?').next().unwrap_or_default();
    if path == "/output-schema" && matches!(request.method(), Method::Get) {
        return output_schema(&action::describe());
    }
    if path != "/" {
        let message = "this gateway serves one action at /: GET describes it, POST runs it; GET /output-schema says what it returns";
        return (404, json!({"error": "not-found", "message": message}));
    }
    match request.method() {
        Method::Get => (200, describe(&action::describe())),
        Method::Post => match run(request) {
            Ok(reply) => (200, reply),
            Err(failure) => (failure.status, failure.body),
        },
        _ => {
            let message = "use GET / for the description, POST / to run the action";
            (
                405,
                json!({"error": "method-not-allowed", "message": message}),
            )
        }
    }
}

/// `GET /output-schema`: what the action returns, as JSON Schema, as
/// `wrk-zoom describe --output-schema` prints it.
fn output_schema(info: &wit::ActionInfo) -> (u16, Value) {
    match info
        .output_schema
        .as_deref()
        .map(serde_json::from_str::<Value>)
    {
        Some(Ok(schema)) => (200, schema),
        _ => {
            let message = format!("{} does not say what it returns", info.name);
            (404, json!({"error": "not-found", "message": message}))
        }
    }
}

/// One `run()`: the token from `Authorization`, the parameters from the
/// body, the API base from the environment.
fn run(request: IncomingRequest) -> Result<Value, Failure> {
    let name = action::describe().name;
    let token = bearer(&request).ok_or_else(|| {
        failure(
            403,
            "no-connection",
            "auth",
            "no access token: send a Zoom access token as `Authorization: Bearer <token>`".into(),
        )
    })?;
    let params = params(&name, request)?;
    let connection = wit::Connection {
        access_token: token,
        api_base: api_base(),
    };
    let reply = action::run(&connection, &params).map_err(|e| action_failure(&name, e))?;
    let body: Value = serde_json::from_str(&reply.body).map_err(|e| {
        internal(
            format!("{name} returned a body that is not JSON: {e}"),
            "unexpected-response",
        )
    })?;
    Ok(json!({
        "status": reply.status,
        "body": body,
        "next_page_token": reply.next_page_token,
    }))
}

fn bearer(request: &IncomingRequest) -> Option<String> {
    let values = request.headers().get("authorization");
    let value = String::from_utf8(values.into_iter().next()?).ok()?;
    let token = value.strip_prefix("Bearer ")?.trim();
    (!token.is_empty()).then(|| token.to_string())
}

fn api_base() -> String {
    wasip2::cli::environment::get_environment()
        .into_iter()
        .find(|(k, v)| k == "ZOOM_API_BASE" && !v.trim().is_empty())
        .map_or_else(|| DEFAULT_API_BASE.to_string(), |(_, v)| v.trim().into())
        .trim_end_matches('/')
        .to_string()
}

/// The body's `params` as the text pairs the action takes: strings as they
/// are, other JSON values (numbers, booleans, objects, arrays) as JSON text,
/// as `wrk-zoom serve` does.
fn params(name: &str, request: IncomingRequest) -> Result<Vec<(String, String)>, Failure> {
    let refuse = |problem: String| {
        let message = format!(
            "must be a JSON object like {{\"params\": {{...}}}}, with the Zoom access token as `Authorization: Bearer <token>`: {problem}"
        );
        invalid_params(name, vec![("body".into(), message)])
    };
    let mut bytes = Vec::new();
    let body = request
        .consume()
        .map_err(|()| refuse("it cannot be read".into()))?;
    body.stream()
        .map_err(|()| refuse("it cannot be read".into()))?
        .take(MAX_BODY + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| refuse(format!("it cannot be read: {e}")))?;
    if bytes.len() as u64 > MAX_BODY {
        return Err(refuse(format!("it is longer than {MAX_BODY} bytes")));
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Vec::new());
    }
    let object = match serde_json::from_slice(&bytes) {
        Ok(Value::Object(object)) => object,
        Ok(_) => return Err(refuse("it is not an object".into())),
        Err(e) => return Err(refuse(e.to_string())),
    };
    let mut params = Vec::new();
    for (key, value) in object {
        match (key.as_str(), value) {
            ("params", Value::Object(map)) => {
                params = map
                    .into_iter()
                    .map(|(k, v)| match v {
                        Value::String(s) => (k, s),
                        other => (k, other.to_string()),
                    })
                    .collect();
            }
            ("params", _) => return Err(refuse("\"params\" is not an object".into())),
            (other, _) => {
                return Err(refuse(format!(
                    "unknown field `{other}`, expected `params`"
                )));
            }
        }
    }
    Ok(params)
}

fn failure(status: u16, error: &str, category: &str, message: String) -> Failure {
    let exit_code = match category {
        "invalid-input" => 2,
        "zoom" => 3,
        "auth" => 4,
        "transport" | "timeout" | "uncertain" => 5,
        _ => 1,
    };
    Failure {
        status,
        body: json!({"error": error, "category": category, "message": message, "exit_code": exit_code}),
    }
}

/// An internal failure: the details go to stderr (the host's log), the
/// caller gets `serve`'s public sentence.
fn internal(detail: String, error: &str) -> Failure {
    let _ = writeln!(std::io::stderr(), "wrk-zoom gateway: {detail}");
    let message = "the server failed to run the action; its log has the details";
    failure(500, error, "internal", message.into())
}

fn invalid_params(name: &str, problems: Vec<(String, String)>) -> Failure {
    let text: Vec<String> = problems.iter().map(|(n, m)| format!("{n} {m}")).collect();
    let mut f = failure(
        400,
        "invalid-params",
        "invalid-input",
        format!("invalid parameters for {name}: {}", text.join("; ")),
    );
    f.body["params"] = problems
        .into_iter()
        .map(|(name, message)| json!({"name": name, "message": message}))
        .collect();
    f
}

/// The action's error as the host maps it (`HostError` and its category).
fn action_failure(name: &str, error: wit::ActionError) -> Failure {
    match error {
        wit::ActionError::InvalidParams(list) => invalid_params(
            name,
            list.into_iter().map(|p| (p.name, p.message)).collect(),
        ),
        wit::ActionError::Zoom(z) => {
            // A refused token or a missing scope is a credentials problem.
            let auth = z.status == 401 || matches!(z.code, Some(4711 | 124));
            let code = z.code.map(|c| format!(" (code {c})")).unwrap_or_default();
            let message = format!("Zoom answered {}{code}: {}", z.status, z.message);
            let mut f = if auth {
                failure(403, "zoom", "auth", message)
            } else {
                failure(502, "zoom", "zoom", message)
            };
            f.body["status"] = z.status.into();
            f.body["code"] = z.code.into();
            f.body["body"] = serde_json::from_str(&z.body).unwrap_or(Value::String(z.body));
            f
        }
        wit::ActionError::Transport(m) => failure(
            502,
            "transport",
            "transport",
            format!("could not reach Zoom: {m}"),
        ),
        wit::ActionError::UnexpectedResponse(m) => internal(
            format!("Zoom answered in an unexpected way: {m}"),
            "unexpected-response",
        ),
    }
}

/// `describe()` in the JSON of `wrk-zoom describe`.
fn describe(info: &wit::ActionInfo) -> Value {
    let params: Vec<Value> = info
        .params
        .iter()
        .map(|p| {
            let mut spec = json!({
                "name": p.name,
                "type": param_type(p.kind),
                "in": match p.location {
                    wit::ParamLocation::Path => "path",
                    wit::ParamLocation::Query => "query",
                    wit::ParamLocation::Body => "body",
                    wit::ParamLocation::Control => "control",
                },
                "required": p.required,
                "description": p.description,
            });
            if !p.choices.is_empty() {
                spec["choices"] = json!(p.choices);
            }
            if let Some(default) = &p.default_value {
                spec["default"] = json!(default);
            }
            if let Some(minimum) = p.minimum {
                spec["minimum"] = json!(minimum);
            }
            if let Some(maximum) = p.maximum {
                spec["maximum"] = json!(maximum);
            }
            spec
        })
        .collect();
    json!({
        "name": info.name,
        "title": info.title,
        "connection": match info.connection {
            wit::ConnectionKind::User => "user",
            wit::ConnectionKind::Admin => "admin",
        },
        "scopes": {"classic": info.classic_scopes, "granular": info.granular_scopes},
        "method": info.method,
        "path": info.path,
        "rate": match info.rate {
            wit::RateCategory::Light => "light",
            wit::RateCategory::Medium => "medium",
            wit::RateCategory::Heavy => "heavy",
            wit::RateCategory::ResourceIntensive => "resource-intensive",
        },
        "list_key": info.list_key,
        "params": params,
    })
}

fn param_type(kind: wit::ParamType) -> &'static str {
    use wit::ParamType as T;
    match kind {
        T::Text => "text",
        T::Integer => "integer",
        T::Boolean => "boolean",
        T::Date => "date",
        T::DateTime => "date-time",
        T::DateOrDateTime => "date-or-date-time",
        T::Choice => "choice",
        T::MeetingId => "meeting-id",
        T::MeetingIdOrUuid => "meeting-id-or-uuid",
        T::UserId => "user-id",
        T::JsonObject => "json-object",
        T::JsonArray => "json-array",
        T::TextList => "text-list",
    }
}

/// Sends `body` as the JSON answer with `status`.
fn respond(out: ResponseOutparam, status: u16, body: &Value) {
    let mut headers = vec![("content-type".to_string(), b"application/json".to_vec())];
    if status == 405 {
        headers.push(("allow".to_string(), b"GET, POST".to_vec()));
    }
    let headers = Fields::from_list(&headers).expect("valid header names");
    let response = OutgoingResponse::new(headers);
    response.set_status_code(status).expect("a valid status");
    let outgoing = response.body().expect("the body is taken once");
    ResponseOutparam::set(out, Ok(response));
    {
        let mut stream = outgoing.write().expect("the stream is taken once");
        // A caller that went away is no error of ours.
        let _ = stream.write_all(body.to_string().as_bytes());
        let _ = stream.flush();
    }
    let _ = OutgoingBody::finish(outgoing, None);
}
