//! `wrk-zoom mcp` driven by rmcp's client, as an agent's MCP client would:
//! over the child process's stdio, against the sandbox.

use rmcp::ServiceExt;
use rmcp::model::CallToolRequestParams;
use rmcp::transport::TokioChildProcess;
use serde_json::{Value, json};
use zoom_simulator::seed;

async fn client(
    extra: &[&str],
    home: &std::path::Path,
) -> rmcp::service::RunningService<rmcp::RoleClient, ()> {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_wrk-zoom"));
    command
        .args(["mcp", "--sandbox"])
        .args(extra)
        .env("WRK_ZOOM_HOME", home)
        .env("WRK_ZOOM_CACHE_DIR", crate::cache_dir())
        .env("WRK_ZOOM_CACHE_KEY_FILE", crate::cache_key_file());
    ().serve(TokioChildProcess::new(command).expect("start wrk-zoom mcp"))
        .await
        .expect("the MCP session starts")
}

fn arguments(value: Value) -> serde_json::Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => panic!("arguments are an object"),
    }
}

fn text(result: &rmcp::model::CallToolResult) -> String {
    result
        .content
        .iter()
        .filter_map(|c| c.as_text().map(|t| t.text.clone()))
        .collect()
}

#[tokio::test]
async fn an_mcp_client_lists_every_action_as_a_tool_and_calls_a_read_and_a_create() {
    let home = crate::temp_dir("wrk-zoom-mcp-home-");
    let client = client(&[], home.path()).await;
    let tools = client.list_all_tools().await.expect("tools/list");
    assert_eq!(tools.len(), 33);
    for tool in &tools {
        let schema = Value::Object((*tool.input_schema).clone());
        assert!(
            jsonschema::meta::is_valid(&schema),
            "{}: not JSON Schema",
            tool.name
        );
        // Every tool says what its structured content is: an object schema.
        let output =
            Value::Object((**tool.output_schema.as_ref().expect("an output schema")).clone());
        assert!(jsonschema::meta::is_valid(&output), "{}", tool.name);
        assert_eq!(output["type"], "object", "{}", tool.name);
        let hints = tool.annotations.as_ref().expect("annotations");
        match tool.name.as_ref() {
            "retrieve-user" => assert_eq!(hints.read_only_hint, Some(true)),
            "delete-meeting" => {
                assert_eq!(hints.read_only_hint, Some(false));
                assert_eq!(hints.destructive_hint, Some(true));
            }
            "create-meeting" => assert_eq!(hints.idempotent_hint, Some(false)),
            _ => {}
        }
    }

    // A read: the JSON result as structured content.
    let user = client
        .call_tool(CallToolRequestParams::new("retrieve-user"))
        .await
        .expect("tools/call");
    assert_ne!(user.is_error, Some(true), "{}", text(&user));
    assert_eq!(
        user.structured_content.as_ref().unwrap()["email"],
        seed::USER_EMAIL
    );
    // The structured content conforms to the tool's output schema.
    let conforms = |tool: &str, content: &Value| {
        let tool = tools.iter().find(|t| t.name == tool).unwrap();
        let schema = Value::Object((**tool.output_schema.as_ref().unwrap()).clone());
        let validator = jsonschema::draft202012::new(&schema).expect("compiles");
        let errors: Vec<String> = validator
            .iter_errors(content)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{errors:?}");
        assert!(!validator.is_valid(&json!("not an object")));
    };
    conforms("retrieve-user", user.structured_content.as_ref().unwrap());

    // A create, with typed arguments (numbers and objects as JSON).
    let created = client
        .call_tool(
            CallToolRequestParams::new("create-meeting").with_arguments(arguments(json!({
                "topic": "Planned by an agent", "duration": 30, "settings": {"waiting_room": true},
            }))),
        )
        .await
        .expect("tools/call");
    assert_ne!(created.is_error, Some(true), "{}", text(&created));
    let meeting = created.structured_content.unwrap();
    conforms("create-meeting", &meeting);
    assert_eq!(meeting["topic"], "Planned by an agent");
    assert!(meeting["id"].is_number(), "{meeting}");

    // Errors are tool errors with the CLI's one sentence.
    let bad = client
        .call_tool(
            CallToolRequestParams::new("create-meeting").with_arguments(arguments(json!({
                "topc": "typo",
            }))),
        )
        .await
        .expect("tools/call");
    assert_eq!(bad.is_error, Some(true));
    assert!(
        text(&bad).contains("did you mean 'topic'"),
        "{}",
        text(&bad)
    );
    client.cancel().await.expect("the session ends");
}

#[tokio::test]
async fn read_only_and_named_actions_limit_the_tools() {
    let home = crate::temp_dir("wrk-zoom-mcp-home-");
    let client = client(&["--read-only"], home.path()).await;
    let tools = client.list_all_tools().await.expect("tools/list");
    assert!(!tools.is_empty());
    for tool in &tools {
        let hints = tool.annotations.as_ref().unwrap();
        assert_eq!(hints.read_only_hint, Some(true), "{}", tool.name);
        assert!(!tool.name.starts_with("api-call"), "{}", tool.name);
    }
    assert!(!tools.iter().any(|t| t.name == "delete-meeting"));
    client.cancel().await.expect("the session ends");

    let client = client_named(home.path()).await;
    let names: Vec<String> = client
        .list_all_tools()
        .await
        .expect("tools/list")
        .into_iter()
        .map(|t| t.name.to_string())
        .collect();
    assert_eq!(names, ["retrieve-meeting", "retrieve-user"]);
    client.cancel().await.expect("the session ends");
}

async fn client_named(
    home: &std::path::Path,
) -> rmcp::service::RunningService<rmcp::RoleClient, ()> {
    client(&["--actions", "retrieve-user,retrieve-meeting"], home).await
}
