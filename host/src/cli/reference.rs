//! The book's reference pages, generated from the code so they never
//! disagree with the binary: every command's `--help` as clap renders it,
//! and every action's description, parameters and output. A test compares
//! them with `docs/src/reference/`; `WRK_ZOOM_BLESS=1 cargo test -p
//! wrk-zoom --bin wrk-zoom reference` writes them again.

use super::Cli;
use clap::CommandFactory;
use serde_json::Value;
use std::fmt::Write;

/// `docs/src/reference/cli.md`: every command and subcommand, its long help.
pub fn cli_page() -> String {
    let mut page = String::from(
        "# Command-line reference\n\n\
         Every command's `--help`, as `wrk-zoom` prints it (generated from the code; \
         `WRK_ZOOM_BLESS=1 cargo test -p wrk-zoom --bin wrk-zoom reference` writes it again).\n",
    );
    // Values from this machine's environment (`[env: X=value]`) stay out.
    let mut command = hide_env_values(Cli::command());
    command.build();
    write_command(&mut page, &mut command, "wrk-zoom");
    page
}

fn hide_env_values(command: clap::Command) -> clap::Command {
    let names: Vec<String> = command
        .get_subcommands()
        .map(|sub| sub.get_name().to_string())
        .collect();
    let mut command = command.mut_args(|arg| arg.hide_env_values(true));
    for name in names {
        command = command.mut_subcommand(name, hide_env_values);
    }
    command
}

fn write_command(page: &mut String, command: &mut clap::Command, path: &str) {
    let help = command.render_long_help().to_string();
    let help: Vec<&str> = help.lines().map(str::trim_end).collect();
    let _ = write!(page, "\n## `{path}`\n\n```text\n{}\n```\n", help.join("\n"));
    for sub in command.get_subcommands_mut() {
        if sub.is_hide_set() || sub.get_name() == "help" {
            continue;
        }
        let path = format!("{path} {}", sub.get_name());
        write_command(page, sub, &path);
    }
}

/// `docs/src/reference/actions.md`: each action as `describe` gives it, its
/// parameters, and the top-level fields of what it returns.
pub fn actions_page(infos: &[wrk_zoom::model::ActionInfo]) -> String {
    let mut page = String::from(
        "# Action reference\n\n\
         The 33 actions as `wrk-zoom describe NAME` describes them (generated from the code; \
         `WRK_ZOOM_BLESS=1 cargo test -p wrk-zoom --bin wrk-zoom reference` writes it again). \
         `wrk-zoom describe NAME --schema` gives the parameters as JSON Schema, \
         `--output-schema` the whole output schema and `--sample` a realistic answer.\n\n\
         | action | connection | title |\n|---|---|---|\n",
    );
    for info in infos {
        let _ = writeln!(
            page,
            "| [`{0}`](#{0}) | {1} | {2} |",
            info.name,
            info.connection.as_str(),
            cell(&info.title)
        );
    }
    for info in infos {
        write_action(&mut page, info);
    }
    page
}

fn write_action(page: &mut String, info: &wrk_zoom::model::ActionInfo) {
    let described = serde_json::to_value(info).expect("action info serialises");
    let scopes = |kind: &str| {
        described["scopes"][kind]
            .as_array()
            .map(|s| {
                s.iter()
                    .filter_map(Value::as_str)
                    .map(|s| format!("`{s}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default()
    };
    let _ = write!(
        page,
        "\n## {}\n\n{}\n\n- Connection: {}\n- Zoom request: `{} {}` (rate category {})\n",
        info.name,
        info.title,
        info.connection.as_str(),
        info.method,
        info.path,
        described["rate"].as_str().unwrap_or_default(),
    );
    let (classic, granular) = (scopes("classic"), scopes("granular"));
    match (classic.is_empty(), granular.is_empty()) {
        (true, true) => page.push_str("- Scopes: those of the endpoint it calls\n"),
        (false, true) => {
            let _ = writeln!(page, "- Scopes (any one): {classic}");
        }
        _ => {
            let _ = writeln!(page, "- Scopes (any one): {classic}; granular: {granular}");
        }
    }
    if let Some(key) = &info.list_key {
        let _ = writeln!(
            page,
            "- A paginated list of `{key}`: `--all` follows every page"
        );
    }
    page.push_str("\n| parameter | type | in | required | description |\n|---|---|---|---|---|\n");
    for param in described["params"].as_array().into_iter().flatten() {
        let mut about = param["description"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        if let Some(choices) = param["choices"].as_array() {
            let choices: Vec<String> = choices
                .iter()
                .filter_map(Value::as_str)
                .map(|c| format!("`{c}`"))
                .collect();
            let _ = write!(about, "; one of {}", choices.join(", "));
        }
        if let Some(default) = param["default"].as_str() {
            let _ = write!(about, "; default `{default}`");
        }
        match (&param["minimum"], &param["maximum"]) {
            (Value::Number(min), Value::Number(max)) => {
                let _ = write!(about, "; {min} to {max}");
            }
            (Value::Number(min), _) => {
                let _ = write!(about, "; at least {min}");
            }
            (_, Value::Number(max)) => {
                let _ = write!(about, "; at most {max}");
            }
            _ => {}
        }
        let _ = writeln!(
            page,
            "| `{}` | {} | {} | {} | {} |",
            param["name"].as_str().unwrap_or_default(),
            param["type"].as_str().unwrap_or_default(),
            param["in"].as_str().unwrap_or_default(),
            if param["required"] == true {
                "yes"
            } else {
                "no"
            },
            cell(&about)
        );
    }
    let Ok(schema) = wrk_zoom::output_schema::one_answer(info) else {
        return;
    };
    let (heading, fields) = match &info.list_key {
        Some(key) => (
            format!("Output: a page; each of `{key}` has"),
            &schema["properties"][key.as_str()]["items"]["properties"],
        ),
        None => ("Output".to_string(), &schema["properties"]),
    };
    let Some(fields) = fields.as_object() else {
        return;
    };
    let _ = write!(
        page,
        "\n{heading}:\n\n| field | type | description |\n|---|---|---|\n"
    );
    for (name, field) in fields {
        let _ = writeln!(
            page,
            "| `{name}` | {} | {} |",
            type_of(field),
            cell(first_sentence(
                field["description"].as_str().unwrap_or_default()
            ))
        );
    }
}

/// A field's JSON type as a reader says it: `string`, `integer or null`,
/// `array of object`.
fn type_of(schema: &Value) -> String {
    let named = |t: &Value| match t.as_str() {
        Some("array") => match type_of(&schema["items"]).as_str() {
            "" => "array".to_string(),
            item => format!("array of {item}"),
        },
        Some(t) => t.to_string(),
        None => String::new(),
    };
    let types: Vec<String> = match &schema["type"] {
        Value::Array(types) => types.iter().map(named).collect(),
        Value::Null => ["anyOf", "oneOf"]
            .iter()
            .filter_map(|k| schema[*k].as_array())
            .flatten()
            .map(type_of)
            .collect(),
        one => vec![named(one)],
    };
    let mut types: Vec<String> = types.into_iter().filter(|t| !t.is_empty()).collect();
    types.dedup();
    types.join(" or ")
}

fn first_sentence(text: &str) -> &str {
    let text = text.trim();
    match text.find(". ") {
        Some(end) => &text[..=end],
        None => text,
    }
}

/// Text fit for one cell of a Markdown table.
fn cell(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    fn check(name: &str, generated: &str) {
        // Read when the test runs, not baked in: a target directory shared
        // by two checkouts must not write into the other.
        let manifest = std::env::var("CARGO_MANIFEST_DIR")
            .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").into());
        let path = PathBuf::from(manifest)
            .join("../docs/src/reference")
            .join(name);
        if std::env::var_os("WRK_ZOOM_BLESS").is_some() {
            std::fs::write(&path, generated).unwrap();
            return;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == generated,
            "{} is not what the code generates; write it again with \
             `WRK_ZOOM_BLESS=1 cargo test -p wrk-zoom --bin wrk-zoom reference`",
            path.display()
        );
    }

    #[test]
    fn the_cli_reference_is_current() {
        check("cli.md", &super::cli_page());
    }

    #[test]
    fn the_action_reference_is_current() {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let host = wrk_zoom::Host::new(wrk_zoom::HostConfig::default()).unwrap();
        let infos = rt.block_on(host.describe_all()).unwrap();
        check("actions.md", &super::actions_page(&infos));
    }
}
