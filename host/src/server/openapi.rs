//! The OpenAPI 3.1 document of the `serve` API (`GET /openapi.json`),
//! generated from the actions' `describe()`: one operation per action,
//! whose `params` are the action's JSON Schema ([`crate::json_schema`]).

use crate::model::ActionInfo;
use serde_json::{Map, Value, json};

/// The error object of every failed call (`--json-errors`).
fn error_schema() -> Value {
    json!({
        "type": "object",
        "required": ["error", "message"],
        "properties": {
            "error": {"type": "string", "description": "What failed, e.g. invalid-params, zoom, auth"},
            "category": {"type": "string", "description": "The kind of failure (absent for a missing API key or a busy server)"},
            "message": {"type": "string", "description": "One sentence a person can act on"},
        },
    })
}

fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    })
}

/// The document for `actions`, in their order.
pub fn document(actions: &[ActionInfo]) -> Value {
    let mut paths = Map::new();
    paths.insert(
        "/health".into(),
        json!({"get": {
            "operationId": "health",
            "summary": "Whether the server runs (no API key needed)",
            "security": [],
            "responses": {"200": {"description": "It runs", "content": {"application/json": {
                "schema": {"type": "object", "properties": {
                    "status": {"type": "string"}, "actions": {"type": "integer"}}}}}}},
        }}),
    );
    paths.insert(
        "/v1/actions".into(),
        json!({"get": {
            "operationId": "listActions",
            "summary": "Every action's describe(): scopes, endpoint, rate label, parameters",
            "responses": {
                "200": {"description": "The actions", "content": {"application/json": {
                    "schema": {"type": "array", "items": {"type": "object"}}}}},
                "401": error_response("No or a wrong API key"),
            },
        }}),
    );
    paths.insert(
        "/v1/events/zoom/{app}".into(),
        json!({"post": {
            "operationId": "zoomEvent",
            "summary": "Zoom's event deliveries for a registered app (`wrk-zoom events app add APP`): no API key, Zoom's x-zm-signature over the raw body is checked instead; the URL validation is answered",
            "security": [],
            "parameters": [
                {"name": "app", "in": "path", "required": true, "schema": {"type": "string"}},
                {"name": "x-zm-request-timestamp", "in": "header", "required": true, "schema": {"type": "string"}},
                {"name": "x-zm-signature", "in": "header", "required": true, "schema": {"type": "string"}},
                {"name": "x-zm-request-id", "in": "header", "schema": {"type": "string"}}],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object",
                "required": ["event"], "properties": {"event": {"type": "string"}, "event_ts": {"type": "integer"},
                "payload": {"type": "object"}}}}}},
            "responses": {
                "200": {"description": "Kept (or already kept) before this answer; for endpoint.url_validation, the answer",
                    "content": {"application/json": {"schema": {"type": "object", "properties": {
                        "plainToken": {"type": "string"}, "encryptedToken": {"type": "string"}}}}}},
                "401": {"description": "Refused (signature, timestamp, headers, size, unknown app); no detail"},
                "500": {"description": "Not kept (the store failed): Zoom tries again"},
            },
        }}),
    );
    paths.insert(
        "/v1/events".into(),
        json!({"get": {
            "operationId": "pullEvents",
            "summary": "Zoom's events as Zoom sent them, with `wrk_zoom` added, after a cursor; long-poll, NDJSON or SSE",
            "parameters": [
                {"name": "after", "in": "query", "schema": {"type": "integer", "minimum": 0}, "description": "Events after this id (acknowledges it for a consumer)"},
                {"name": "consumer", "in": "query", "schema": {"type": "string"}, "description": "A durable cursor's name"},
                {"name": "type", "in": "query", "schema": {"type": "string"}, "description": "Event types, comma-separated; `recording.*` for a prefix"},
                {"name": "account", "in": "query", "schema": {"type": "string"}},
                {"name": "connection", "in": "query", "schema": {"type": "string"}},
                {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}},
                {"name": "wait", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 60}, "description": "Seconds to wait for an event"},
                {"name": "format", "in": "query", "schema": {"enum": ["json", "ndjson", "sse"]}},
                {"name": "trigger", "in": "query", "schema": {"type": "string"}, "description": "Hand on this trigger's outputs for the events it maps (`outputs` instead of `events`)"},
                {"name": "params", "in": "query", "schema": {"type": "string"}, "description": "With trigger: its parameters as a JSON object"},
                {"name": "Last-Event-ID", "in": "header", "schema": {"type": "string"}}],
            "responses": {
                "200": {"description": "The events and the cursor past them", "content": {
                    "application/json": {"schema": {"type": "object", "properties": {
                        "events": {"type": "array", "items": {"type": "object", "required": ["event", "wrk_zoom"],
                            "properties": {"event": {"type": "string"}, "event_ts": {"type": "integer"},
                                "payload": {"type": "object"}, "download_token": {"type": "string"},
                                "wrk_zoom": {"type": "object", "properties": {
                                    "id": {"type": "integer"}, "app": {"type": "string"},
                                    "account_id": {"type": ["string", "null"]},
                                    "connections": {"type": "array", "items": {"type": "string"}},
                                    "received_at": {"type": "integer"}, "dedupe_key": {"type": "string"},
                                    "source": {"type": "string"}}}}}},
                        "outputs": {"type": "array", "items": trigger_item()},
                        "cursor": {"type": "integer"}}}},
                    "application/x-ndjson": {"schema": {"type": "string"}},
                    "text/event-stream": {"schema": {"type": "string"}}}},
                "400": error_response("A parameter is wrong"),
                "401": error_response("No or a wrong API key"),
                "404": error_response("This server takes no events (its event store could not be opened)"),
                "500": error_response("The event store failed"),
            },
        }}),
    );
    trigger_paths(&mut paths);
    paths.insert(
        "/v1/actions/{name}/schema".into(),
        json!({"get": {
            "operationId": "actionSchema",
            "summary": "An action's parameters as JSON Schema (draft 2020-12)",
            "parameters": [{"name": "name", "in": "path", "required": true,
                            "schema": {"type": "string"}}],
            "responses": {
                "200": {"description": "The schema", "content": {"application/json": {
                    "schema": {"type": "object"}}}},
                "400": error_response("No such action"),
                "401": error_response("No or a wrong API key"),
            },
        }}),
    );
    paths.insert(
        "/v1/actions/{name}/output-schema".into(),
        json!({"get": {
            "operationId": "actionOutputSchema",
            "summary": "What an action returns, as JSON Schema (draft 2020-12): one answer, or with all=true every page",
            "parameters": [
                {"name": "name", "in": "path", "required": true, "schema": {"type": "string"}},
                {"name": "all", "in": "query", "required": false, "schema": {"type": "boolean"},
                 "description": "What following every page of a list returns"},
            ],
            "responses": {
                "200": {"description": "The schema", "content": {"application/json": {
                    "schema": {"type": "object"}}}},
                "400": error_response("No such action, no output schema, or not a list (with all)"),
                "401": error_response("No or a wrong API key"),
            },
        }}),
    );
    let mut schemas = Map::new();
    schemas.insert("Error".into(), error_schema());
    for info in actions {
        paths.insert(format!("/v1/actions/{}", info.name), run_operation(info));
        if let Ok(one) = crate::output_schema::one_answer(info) {
            let one = crate::output_schema::embedded(&one, false);
            schemas.insert(info.name.clone(), Value::Object(one));
        }
        if let Ok(all) = crate::output_schema::all_pages(info) {
            let all = crate::output_schema::embedded(&all, false);
            schemas.insert(format!("{}.all", info.name), Value::Object(all));
        }
    }
    json!({
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {
            "title": "wrk-zoom serve",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Zoom actions, each a sandboxed WebAssembly component, over HTTP. Every route but /health needs the server's API key as a bearer token.",
        },
        "security": [{"apiKey": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer"}},
            "schemas": schemas,
        },
    })
}

fn run_operation(info: &ActionInfo) -> Value {
    let mut params = crate::json_schema::parameters(info);
    if let Some(fields) = params.as_object_mut() {
        fields.remove("$schema");
    }
    let list = info.list_key.is_some();
    let mut properties = json!({
        "params": params,
        "token": {"type": "string", "minLength": 1, "description": "A Zoom access token (else a stored connection is used)"},
        "api_base": {"type": "string", "description": "With token: Zoom's API base (default https://api.zoom.us/v2)"},
        "connection": {
            "type": "string",
            "pattern": crate::auth::CONNECTION_NAME_PATTERN,
            "description": format!("A stored connection's name: {}", crate::auth::CONNECTION_NAME_RULE),
        },
    });
    if list {
        properties["all"] =
            json!({"type": "boolean", "description": "Follow every page (as wrk-zoom run --all)"});
        properties["max"] = json!({"type": "integer", "minimum": 0, "description": "With all: stop after this many items"});
    }
    let has_output = info
        .output_schema
        .as_ref()
        .and_then(|s| s.value())
        .is_some();
    let body = match has_output {
        true => json!({"$ref": format!("#/components/schemas/{}", info.name),
                       "description": "The action's answer"}),
        false => json!({"description": "The action's answer (it does not say its shape)"}),
    };
    let one = json!({
        "type": "object",
        "required": ["status", "body"],
        "properties": {
            "status": {"type": "integer", "description": "Zoom's HTTP status"},
            "body": body,
            "next_page_token": {"type": ["string", "null"]},
        },
    });
    let answer = match (list, has_output) {
        (true, true) => json!({"anyOf": [
            one,
            {"$ref": format!("#/components/schemas/{}.all", info.name),
             "description": "With all: the items of every page and the totals"},
        ]}),
        (true, false) => {
            json!({"anyOf": [one, {"type": "object", "description": "With all: the items of every page and the totals"}]})
        }
        _ => one,
    };
    let mut ok = json!({"application/json": {"schema": answer}});
    if list {
        ok["application/x-ndjson"] = json!({"schema": {"type": "string", "description": "With all and Accept: application/x-ndjson: one item per line, then the totals"}});
    }
    json!({"post": {
        "operationId": info.name,
        "summary": info.title,
        "description": format!("{} {} on a {} connection; Zoom rate label {:?}.", info.method, info.path, info.connection, info.rate),
        "requestBody": {"required": true, "content": {"application/json": {"schema": {
            "type": "object",
            "properties": properties,
            "additionalProperties": false,
        }}}},
        "responses": {
            "200": {"description": "Zoom answered", "content": ok},
            "400": error_response("Invalid parameters (every problem at once) or request"),
            "401": error_response("No or a wrong API key"),
            "403": error_response("No usable credentials, or a token Zoom refused or that lacks a scope"),
            "500": error_response("The server failed to run the action"),
            "502": error_response("Zoom answered with an error, could not be reached, or a create's outcome is unknown"),
            "503": error_response("The server runs as many calls as it can; try again (Retry-After)"),
            "504": error_response("The call took too long"),
        },
    }})
}

/// One output of a trigger as it is handed on.
fn trigger_item() -> Value {
    json!({"type": "object", "required": ["trigger", "event_id", "key", "output"], "properties": {
        "trigger": {"type": "string"}, "event_id": {"type": "integer"},
        "key": {"type": "string", "description": "What makes the output itself: the same for a redelivered event"},
        "output": {"type": "object", "description": "Valid against the trigger's output schema"}}})
}

/// The triggers' routes.
fn trigger_paths(paths: &mut Map<String, Value>) {
    let name =
        json!({"name": "name", "in": "path", "required": true, "schema": {"type": "string"}});
    let unknown = error_response("No trigger of that name");
    paths.insert(
        "/v1/triggers".into(),
        json!({"get": {
            "operationId": "listTriggers",
            "summary": "Every trigger's describe(): the Zoom events it maps, scopes, parameters",
            "responses": {
                "200": {"description": "The triggers", "content": {"application/json": {
                    "schema": {"type": "array", "items": {"type": "object"}}}}},
                "401": error_response("No or a wrong API key"),
            },
        }}),
    );
    for (path, id, summary) in [
        (
            "output-schema",
            "triggerOutputSchema",
            "What each output of the trigger is, as JSON Schema (draft 2020-12)",
        ),
        (
            "sample",
            "triggerSample",
            "One output as it would look (for Zoom's documented example of the event)",
        ),
    ] {
        paths.insert(
            format!("/v1/triggers/{{name}}/{path}"),
            json!({"get": {
                "operationId": id,
                "summary": summary,
                "parameters": [name],
                "responses": {
                    "200": {"description": summary, "content": {"application/json": {"schema": {"type": "object"}}}},
                    "400": unknown,
                    "401": error_response("No or a wrong API key"),
                },
            }}),
        );
    }
    paths.insert(
        "/v1/triggers/{name}/subscriptions".into(),
        json!({"post": {
            "operationId": "subscribeToTrigger",
            "summary": "POST each output of the trigger for the events from now on to a URL: signed as Standard Webhooks sign, one request per output with its own webhook-id (the idempotency key), retried until a 2xx",
            "parameters": [name],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {
                "type": "object", "required": ["url"], "additionalProperties": false, "properties": {
                    "url": {"type": "string", "format": "uri"},
                    "params": {"type": "object", "description": "The trigger's parameters (`GET /v1/triggers`)"},
                    "account": {"type": "string", "description": "Only this Zoom account's events"},
                    "connection": {"type": "string", "description": "Only events routed to this stored connection"}}}}}},
            "responses": {
                "201": {"description": "Subscribed; the signing secret is shown only now", "content": {"application/json": {
                    "schema": {"type": "object", "properties": {"id": {"type": "string"}, "url": {"type": "string"},
                        "signing_secret": {"type": "string"}, "filter": {"type": "object"}}}}}},
                "400": error_response("An unknown trigger, a parameter it refuses, or a URL that is not http(s)"),
                "401": error_response("No or a wrong API key"),
                "404": error_response("This server takes no events (its event store could not be opened)"),
            },
        }}),
    );
    paths.insert(
        "/v1/subscriptions/{id}".into(),
        json!({"delete": {
            "operationId": "unsubscribe",
            "summary": "Stop a push subscription",
            "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
            "responses": {
                "204": {"description": "Removed"},
                "401": error_response("No or a wrong API key"),
                "404": error_response("No such subscription, or this server takes no events"),
            },
        }}),
    );
}
