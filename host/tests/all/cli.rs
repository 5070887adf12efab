//! Runs the built `wrk-zoom` binary against the sandbox or a simulator.

use serde_json::Value;
use std::process::{Command, Output};

fn wrk_zoom(args: &[&str]) -> Output {
    // No stored connections: these tests pass tokens explicitly.
    let home = crate::temp_dir("wrk-zoom-cli-home-");
    Command::new(env!("CARGO_BIN_EXE_wrk-zoom"))
        .args(args)
        .env("WRK_ZOOM_CACHE_DIR", crate::cache_dir())
        .env("WRK_ZOOM_CACHE_KEY_FILE", crate::cache_key_file())
        .env("WRK_ZOOM_HOME", home.path())
        .env_remove("ZOOM_ACCESS_TOKEN")
        .env_remove("ZOOM_API_BASE")
        .output()
        .expect("run wrk-zoom")
}

fn stdout_json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn doctor(home: &std::path::Path, api_base: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wrk-zoom"))
        .args(["doctor", "--api-base", api_base])
        .env("WRK_ZOOM_HOME", home)
        .env("WRK_ZOOM_CACHE_DIR", crate::cache_dir())
        .env("WRK_ZOOM_CACHE_KEY_FILE", crate::cache_key_file())
        .output()
        .expect("run wrk-zoom doctor")
}

#[test]
fn doctor_passes_a_clean_setup_and_names_each_problem_with_its_fix() {
    use std::os::unix::fs::PermissionsExt;
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sim = runtime
        .block_on(zoom_simulator::start(Default::default()))
        .unwrap();
    let home = crate::temp_dir("wrk-zoom-doctor-");
    let clean = doctor(home.path(), &sim.base_url());
    let out = String::from_utf8_lossy(&clean.stdout);
    assert!(clean.status.success(), "{out}{}", stderr(&clean));
    assert!(out.contains("ok       Zoom API"), "{out}");
    assert!(out.contains("ok       clock: within 30 s"), "{out}");

    // A store others may read, holding a connection whose refresh token died.
    let store = serde_json::json!({
        "version": 1,
        "defaults": {"user": "work"},
        "connections": {"work": {
            "kind": "user", "grant": "authorization_code",
            "client_id": "id", "client_secret": "secret",
            "oauth_base": "https://zoom.us", "api_base": "https://api.zoom.us/v2",
            "access_token": "a", "refresh_token": "r", "expires_at": 0,
            "lifetime_secs": 3600, "granted_at": 0,
            "needs_login": "Zoom refused the refresh token (invalid_grant)",
        }},
    });
    let file = home.path().join("connections.json");
    std::fs::write(&file, store.to_string()).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    // And a server whose clock is an hour behind.
    sim.inject_fault(
        zoom_simulator::FaultRule::new(zoom_simulator::Fault::Answer {
            status: 401,
            headers: vec![(
                "Date".into(),
                httpdate::fmt_http_date(
                    std::time::SystemTime::now() - std::time::Duration::from_secs(3600),
                ),
            )],
            body: r#"{"code":124,"message":"Invalid access token."}"#.into(),
        })
        .path_prefix("/v2/users/me"),
    );
    let sick = doctor(home.path(), &sim.base_url());
    let out = String::from_utf8_lossy(&sick.stdout);
    assert_eq!(sick.status.code(), Some(2), "{out}{}", stderr(&sick));
    assert!(out.contains("may be read by others (mode 644)"), "{out}");
    assert!(
        out.contains(&format!("fix: chmod go-rwx {}", file.display())),
        "{out}"
    );
    assert!(
        out.contains("'work' needs a new login: Zoom refused"),
        "{out}"
    );
    assert!(
        out.contains("fix: wrk-zoom auth login --connection work"),
        "{out}"
    );
    assert!(
        out.contains("clock is 3600 s ahead of the API's") || out.contains("clock is 3601 s ahead"),
        "{out}"
    );
    assert!(
        stderr(&sick).contains("doctor found 3 problems"),
        "{}",
        stderr(&sick)
    );

    // Nothing listening: said, with what to check.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let empty = crate::temp_dir("wrk-zoom-doctor-");
    let unreachable = doctor(empty.path(), &format!("http://127.0.0.1:{port}/v2"));
    let out = String::from_utf8_lossy(&unreachable.stdout);
    assert_eq!(unreachable.status.code(), Some(2), "{out}");
    assert!(out.contains("did not answer"), "{out}");
}

#[test]
fn completions_load_in_bash_and_print_for_every_shell() {
    let script = wrk_zoom(&["completions", "bash"]);
    assert!(script.status.success(), "{}", stderr(&script));
    let dir = crate::temp_dir("wrk-zoom-completions-");
    let file = dir.path().join("wrk-zoom.bash");
    std::fs::write(&file, &script.stdout).unwrap();
    // Loaded into bash, it registers completion of `wrk-zoom` and offers
    // the subcommands.
    let bash = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "source {}; complete -p wrk-zoom; \
             f=$(complete -p wrk-zoom | sed 's/.*-F \\([^ ]*\\).*/\\1/'); \
             COMP_WORDS=(wrk-zoom de); COMP_CWORD=1; COMP_LINE='wrk-zoom de'; COMP_POINT=11; \
             \"$f\" wrk-zoom de wrk-zoom; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            file.display()
        ))
        .output()
        .expect("run bash");
    let out = String::from_utf8_lossy(&bash.stdout);
    assert!(
        bash.status.success(),
        "{}",
        String::from_utf8_lossy(&bash.stderr)
    );
    assert!(out.contains("wrk-zoom"), "{out}");
    assert!(out.lines().any(|l| l == "describe"), "{out}");
    for shell in ["zsh", "fish", "powershell"] {
        let output = wrk_zoom(&["completions", shell]);
        assert!(output.status.success(), "{shell}: {}", stderr(&output));
        assert!(
            String::from_utf8_lossy(&output.stdout).contains("wrk-zoom"),
            "{shell}"
        );
    }
}

#[test]
fn describe_schema_prints_the_parameters_as_json_schema() {
    let output = wrk_zoom(&["describe", "update-meeting", "--schema"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let schema = stdout_json(&output);
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert_eq!(schema["required"], serde_json::json!(["meetingId"]));
    assert_eq!(schema["additionalProperties"], false);
    assert_eq!(
        schema["properties"]["recurrence"]["required"],
        serde_json::json!(["type"])
    );
}

#[test]
fn listing_and_describing_actions_compiles_nothing() {
    // A fresh install: an empty compiled-code cache stays empty, because
    // the host answers from the declarations the components are built from.
    let cache = crate::temp_dir("wrk-zoom-fresh-cache-");
    let home = crate::temp_dir("wrk-zoom-cli-home-");
    for args in [
        &["actions", "--json"][..],
        &["actions"],
        &["describe", "create-meeting"],
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_wrk-zoom"))
            .args(args)
            .env("WRK_ZOOM_CACHE_DIR", cache.path())
            .env("WRK_ZOOM_HOME", home.path())
            .output()
            .expect("run wrk-zoom");
        assert!(output.status.success(), "{args:?}: {}", stderr(&output));
        assert!(!output.stdout.is_empty(), "{args:?}");
    }
    // The cache's own key file (`.key`) aside.
    let compiled: Vec<String> = std::fs::read_dir(cache.path())
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|name| !name.starts_with('.'))
                .collect()
        })
        .unwrap_or_default();
    assert!(compiled.is_empty(), "compiled for a listing: {compiled:?}");
}

#[test]
fn actions_json_describes_every_action_with_its_parameters() {
    let output = wrk_zoom(&["actions", "--json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let actions = stdout_json(&output);
    let actions = actions.as_array().unwrap();
    assert!(actions.len() >= 6);
    for action in actions {
        for key in [
            "name",
            "title",
            "connection",
            "scopes",
            "method",
            "path",
            "rate",
            "list_key",
            "params",
        ] {
            assert!(action.get(key).is_some(), "{} lacks {key}", action["name"]);
        }
        for param in action["params"].as_array().unwrap() {
            for key in ["name", "type", "in", "required", "description"] {
                assert!(
                    param.get(key).is_some(),
                    "{}.{} lacks {key}",
                    action["name"],
                    param["name"]
                );
            }
        }
    }
    let participants = actions
        .iter()
        .find(|a| a["name"] == "retrieve-past-meeting-participants")
        .unwrap();
    assert_eq!(participants["list_key"], "participants");
    assert_eq!(participants["rate"], "medium");
    assert_eq!(participants["params"][0]["type"], "meeting-id-or-uuid");
}

#[test]
fn sandbox_all_prints_every_meeting_once_and_says_it_is_the_sandbox() {
    let output = wrk_zoom(&["run", "retrieve-meetings", "--sandbox", "--all"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let result = stdout_json(&output);
    let meetings = result["meetings"].as_array().unwrap();
    assert_eq!(
        meetings.len(),
        zoom_simulator::seed::USER_SCHEDULED_MEETING_COUNT
    );
    let mut ids: Vec<_> = meetings.iter().map(|m| m["id"].as_i64().unwrap()).collect();
    ids.dedup();
    assert_eq!(ids.len(), meetings.len());
    assert_eq!(result["total_records"], meetings.len());
    assert_eq!(result["truncated"], false);
    assert!(stderr(&output).contains("sandbox"), "{}", stderr(&output));
    assert!(
        !stderr(&output).contains("items/s"),
        "no progress display when stderr is not a terminal"
    );
}

#[test]
fn all_shows_progress_on_a_terminal() {
    // `script` (util-linux) gives the command a pseudo-terminal and copies
    // what it shows to our stdout.
    let command = format!(
        "{} run retrieve-meetings --sandbox --all page_size=10 > /dev/null",
        env!("CARGO_BIN_EXE_wrk-zoom")
    );
    let home = crate::temp_dir("wrk-zoom-cli-home-");
    let output = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env("WRK_ZOOM_CACHE_DIR", crate::cache_dir())
        .env("WRK_ZOOM_CACHE_KEY_FILE", crate::cache_key_file())
        .env("WRK_ZOOM_HOME", home.path())
        .output()
        .expect("run script(1) from util-linux");
    assert!(output.status.success(), "{}", stderr(&output));
    let screen = String::from_utf8_lossy(&output.stdout);
    assert!(screen.contains("45 items, 5 pages"), "{screen}");
    assert!(screen.contains("items/s"), "{screen}");
}

#[test]
fn table_output_shows_key_columns_of_a_list_and_a_summary_of_an_object() {
    let page = wrk_zoom(&[
        "run",
        "retrieve-meetings",
        "--sandbox",
        "-o",
        "table",
        "page_size=5",
    ]);
    assert!(page.status.success(), "{}", stderr(&page));
    let text = String::from_utf8_lossy(&page.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("ID") && lines[0].contains("TOPIC"),
        "{text}"
    );
    assert!(lines[0].contains("START_TIME"), "{text}");
    assert_eq!(
        lines.len(),
        1 + 5 + 1,
        "header, 5 rows, the next-page line: {text}"
    );
    assert!(lines[6].contains("next_page_token="), "{text}");
    assert!(!text.contains('\u{1b}'), "no colour on a pipe: {text:?}");

    let all = wrk_zoom(&[
        "run",
        "retrieve-meetings",
        "--sandbox",
        "--all",
        "-o",
        "table",
    ]);
    assert!(all.status.success(), "{}", stderr(&all));
    let rows = String::from_utf8_lossy(&all.stdout).lines().count();
    let count = zoom_simulator::seed::USER_SCHEDULED_MEETING_COUNT;
    assert_eq!(rows, 1 + count);
    assert!(
        stderr(&all).contains(&format!("{count} items")),
        "{}",
        stderr(&all)
    );

    let user = wrk_zoom(&["run", "retrieve-user", "--sandbox", "-o", "table"]);
    let text = String::from_utf8_lossy(&user.stdout);
    assert!(
        text.lines()
            .any(|l| l.starts_with("email") && l.contains(zoom_simulator::seed::USER_EMAIL)),
        "{text}"
    );
}

#[test]
fn colour_only_on_a_terminal_and_never_with_no_color() {
    let on_terminal = |no_color: bool| {
        let command = format!(
            "{}{} run retrieve-user --sandbox -o table; {} run nope",
            if no_color { "export NO_COLOR=1; " } else { "" },
            env!("CARGO_BIN_EXE_wrk-zoom"),
            env!("CARGO_BIN_EXE_wrk-zoom"),
        );
        let home = crate::temp_dir("wrk-zoom-cli-home-");
        let output = Command::new("script")
            .args(["-qec", &format!("sh -c '{command}'"), "/dev/null"])
            .env("WRK_ZOOM_CACHE_DIR", crate::cache_dir())
            .env("WRK_ZOOM_CACHE_KEY_FILE", crate::cache_key_file())
            .env("WRK_ZOOM_HOME", home.path())
            .env_remove("NO_COLOR")
            .output()
            .expect("run script(1) from util-linux");
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let coloured = on_terminal(false);
    assert!(
        coloured.contains("\u{1b}[1m"),
        "bold keys on a terminal: {coloured:?}"
    );
    assert!(coloured.contains("error:"), "{coloured:?}");
    let plain = on_terminal(true);
    assert!(plain.contains("email"), "{plain:?}");
    assert!(!plain.contains("\u{1b}["), "NO_COLOR honoured: {plain:?}");
}

#[test]
fn max_truncates_and_gives_the_token_to_continue() {
    let output = wrk_zoom(&[
        "run",
        "retrieve-meetings",
        "--sandbox",
        "--all",
        "--max",
        "10",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let result = stdout_json(&output);
    assert_eq!(result["meetings"].as_array().unwrap().len(), 10);
    assert_eq!(result["truncated"], true);
    assert!(!result["next_page_token"].as_str().unwrap().is_empty());
}

#[test]
fn ndjson_prints_one_item_per_line() {
    let output = wrk_zoom(&["run", "retrieve-meetings", "--sandbox", "--all", "--ndjson"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let lines: Vec<Value> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        lines.len(),
        zoom_simulator::seed::USER_SCHEDULED_MEETING_COUNT
    );
    assert!(lines.iter().all(|m| m["id"].is_i64()));
}

#[test]
fn dry_run_prints_the_request_without_credentials() {
    let output = wrk_zoom(&[
        "run",
        "create-meeting",
        "topic=Standup",
        "duration=30",
        "--dry-run",
        "--token",
        "secret-token",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let plan = stdout_json(&output);
    assert_eq!(plan["method"], "POST");
    assert!(
        plan["url"]
            .as_str()
            .unwrap()
            .ends_with("/users/me/meetings")
    );
    assert_eq!(
        plan["body"],
        serde_json::json!({"topic": "Standup", "duration": 30})
    );
    assert!(!String::from_utf8_lossy(&output.stdout).contains("secret-token"));
}

#[test]
fn params_file_values_are_used_and_arguments_override_them() {
    let dir = crate::temp_dir("wrk-zoom-params-");
    let path = dir.path().join("params.json");
    std::fs::write(
        &path,
        r#"{"topic": "From file", "duration": 45, "settings": {"waiting_room": true}}"#,
    )
    .unwrap();
    let output = wrk_zoom(&[
        "run",
        "create-meeting",
        "--params-file",
        path.to_str().unwrap(),
        "topic=From args",
        "--dry-run",
    ]);
    let _ = std::fs::remove_file(&path);
    assert!(output.status.success(), "{}", stderr(&output));
    let plan = stdout_json(&output);
    assert_eq!(plan["body"]["topic"], "From args");
    assert_eq!(plan["body"]["duration"], 45);
    assert_eq!(plan["body"]["settings"]["waiting_room"], true);
}

#[test]
fn a_misspelt_parameter_is_named_with_the_closest_one() {
    let output = wrk_zoom(&["run", "create-meeting", "topc=Standup", "--dry-run"]);
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(
        err.contains("topc") && err.contains("did you mean 'topic'"),
        "{err}"
    );
}

#[test]
fn an_unknown_action_is_named_with_the_closest_one() {
    let output = wrk_zoom(&["run", "retrieve-meeting-participants", "--sandbox"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("did you mean 'retrieve-past-meeting-participants'"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn json_errors_adds_a_json_object_with_every_bad_field() {
    let output = wrk_zoom(&[
        "run",
        "retrieve-meetings",
        "page_size=500",
        "type=soon",
        "--dry-run",
        "--json-errors",
    ]);
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    let json: Value = serde_json::from_str(err.lines().last().unwrap()).unwrap();
    assert_eq!(json["error"], "invalid-params");
    assert_eq!(json["exit_code"], 2);
    let names: Vec<&str> = json["params"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["page_size", "type"]);
}

#[test]
fn a_malformed_api_base_is_invalid_input_naming_the_field() {
    let output = wrk_zoom(&[
        "run",
        "retrieve-user",
        "--token",
        "t",
        "--api-base",
        "api.zoom.us/v2",
        "--json-errors",
    ]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let err = stderr(&output);
    assert!(err.contains("invalid api_base"), "{err}");
    assert!(
        err.contains("https://api.zoom.us/v2"),
        "names the accepted form: {err}"
    );
    assert!(!err.contains("could not reach Zoom"), "{err}");
}

#[test]
fn running_without_a_token_is_an_auth_error() {
    let output = wrk_zoom(&["run", "retrieve-user"]);
    assert_eq!(output.status.code(), Some(4));
    assert!(stderr(&output).contains("--token"), "{}", stderr(&output));
}

#[test]
fn a_zoom_error_is_reported_with_its_code_and_exit_status_3() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sim = runtime
        .block_on(zoom_simulator::start(Default::default()))
        .unwrap();
    let unknown = zoom_simulator::seed::UNKNOWN_MEETING_ID.to_string();
    let meeting = format!("meetingId={unknown}");
    let output = wrk_zoom(&[
        "run",
        "retrieve-meeting",
        &meeting,
        "--api-base",
        &sim.base_url(),
        "--token",
        zoom_simulator::seed::USER_TOKEN,
    ]);
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    let err = stderr(&output);
    assert!(err.contains("code 3001") && err.contains(&unknown), "{err}");
    assert!(
        !err.contains(zoom_simulator::seed::USER_TOKEN),
        "tokens never appear in errors"
    );
}

#[test]
fn sandbox_command_serves_the_simulator_and_prints_its_base_url() {
    use std::io::BufRead;
    let mut child = Command::new(env!("CARGO_BIN_EXE_wrk-zoom"))
        .args(["sandbox", "--port", "0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line.trim().to_string();
    assert!(
        base.starts_with("http://127.0.0.1:") && base.ends_with("/v2"),
        "{base}"
    );
    let output = wrk_zoom(&[
        "run",
        "retrieve-user",
        "--api-base",
        &base,
        "--token",
        zoom_simulator::seed::USER_TOKEN,
    ]);
    child.kill().unwrap();
    let _ = child.wait();
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout_json(&output)["id"], zoom_simulator::seed::USER_ID);
}

#[test]
fn list_parameters_mean_the_same_as_json_arrays_and_comma_lists() {
    let dir = crate::temp_dir("wrk-zoom-lists-");
    let file = dir.path().join("params.json");
    std::fs::write(
        &file,
        r#"{"directions": ["inbound", "outbound"], "site_ids": ["s1", "s2"]}"#,
    )
    .unwrap();
    let from_file = wrk_zoom(&[
        "run",
        "retrieve-account-call-history",
        "--dry-run",
        "--params-file",
        file.to_str().unwrap(),
    ]);
    let from_args = wrk_zoom(&[
        "run",
        "retrieve-account-call-history",
        "--dry-run",
        "directions=inbound,outbound",
        r#"site_ids=["s1","s2"]"#,
    ]);
    assert!(from_file.status.success(), "{}", stderr(&from_file));
    assert!(from_args.status.success(), "{}", stderr(&from_args));
    let url = stdout_json(&from_file)["url"].as_str().unwrap().to_string();
    assert_eq!(url, stdout_json(&from_args)["url"].as_str().unwrap());
    assert!(url.contains("site_ids=s1&site_ids=s2"), "{url}");
}

/// `describe --output-schema` and `--sample`: what an action returns, and a
/// realistic answer that fits it, before any account is connected.
#[test]
fn describe_says_what_an_action_returns_and_shows_a_sample_that_fits() {
    let schema = wrk_zoom(&["describe", "retrieve-meetings", "--output-schema"]);
    assert!(schema.status.success(), "{}", stderr(&schema));
    let schema = stdout_json(&schema);
    assert_eq!(schema["required"], serde_json::json!(["meetings"]));
    let sample = wrk_zoom(&["describe", "retrieve-meetings", "--sample"]);
    assert!(sample.status.success(), "{}", stderr(&sample));
    let sample = stdout_json(&sample);
    assert!(sample["meetings"][0]["topic"].is_string(), "{sample}");
    let validator = jsonschema::draft202012::new(&schema).unwrap();
    assert!(validator.is_valid(&sample), "{sample}");

    let all = wrk_zoom(&["describe", "retrieve-meetings", "--sample", "--all"]);
    assert!(all.status.success(), "{}", stderr(&all));
    let all = stdout_json(&all);
    assert!(
        all["meetings"].is_array() && all["truncated"].is_boolean(),
        "{all}"
    );

    let not_a_list = wrk_zoom(&["describe", "retrieve-user", "--output-schema", "--all"]);
    assert_eq!(not_a_list.status.code(), Some(2));
    assert!(
        stderr(&not_a_list).contains("retrieve-user does not return a paginated list"),
        "{}",
        stderr(&not_a_list)
    );
    let alone = wrk_zoom(&["describe", "retrieve-user", "--all"]);
    assert_eq!(alone.status.code(), Some(2));
    assert!(stderr(&alone).contains("--all: goes with --output-schema or --sample"));
}

/// `-o table` takes its columns from what an item is: an empty page still
/// shows them.
#[test]
fn a_table_of_an_empty_page_shows_the_columns_the_output_schema_declares() {
    let out = wrk_zoom(&[
        "run",
        "retrieve-meetings",
        "--sandbox",
        "--all",
        "-o",
        "table",
        "--max",
        "0",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "ID  UUID  TOPIC  START_TIME  DURATION  TYPE\n"
    );
}
