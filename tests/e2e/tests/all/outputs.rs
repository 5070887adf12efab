//! What every action returns, against its output schema
//! (`spec/output-schemas/`, derived from Zoom's documented answers by
//! `scripts/extract-openapi.py`): every answer of the simulator, every page
//! of every list and its `--all` envelope; an instance of each operation's
//! documented answer; and the drift Zoom's answers are known to have.

use crate::conformance::one_call_each;
use crate::mismatches;
use serde_json::{Value, json};
use wrk_zoom::ZoomConnection;
use wrk_zoom::paginate::for_each_item;
use wrk_zoom_e2e::{admin, host, simulator, user};

/// The committed output schemas of `action` (an admin twin shares its user
/// action's): `schema` (one answer), and for a list it pages through `all`
/// (every page) and its `list_key`.
fn schema_file(action: &str) -> Value {
    let base = action.strip_suffix("-admin").unwrap_or(action);
    let read = |name: String| -> Option<Value> {
        let path = format!("{}/../../spec/output-schemas/{name}", crate::manifest_dir());
        let text = std::fs::read_to_string(&path).ok()?;
        Some(serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}")))
    };
    let schema = read(format!("{base}.json")).unwrap_or_else(|| panic!("{base}.json"));
    let mut file = json!({"schema": schema});
    if let Some(all) = read(format!("{base}.all.json")) {
        file["list_key"] = all["required"][0].clone();
        file["all"] = all;
    }
    file
}

#[test]
fn every_output_schema_is_valid_json_schema_for_the_33_actions() {
    let names: Vec<&str> = crate::conformance::ISSUE_ACTIONS.to_vec();
    for action in names {
        let file = schema_file(action);
        assert!(
            jsonschema::meta::is_valid(&file["schema"]),
            "{action}: not valid JSON Schema"
        );
        if let Some(all) = file.get("all") {
            assert!(jsonschema::meta::is_valid(all), "{action}: --all");
            let key = file["list_key"].as_str().unwrap();
            assert!(
                file["schema"]["required"]
                    .as_array()
                    .is_some_and(|r| r.contains(&json!(key))),
                "{action}: a page requires its list key"
            );
        }
    }
}

#[tokio::test]
async fn an_output_schema_has_the_envelope_of_all_pages_exactly_when_its_action_pages() {
    for info in host().describe_all().await.unwrap() {
        let file = schema_file(&info.name);
        assert_eq!(
            file["list_key"].as_str(),
            info.list_key.as_deref(),
            "{}: the schema's list key is the action's",
            info.name
        );
        assert_eq!(
            file.get("all").is_some(),
            info.list_key.is_some(),
            "{}",
            info.name
        );
    }
}

#[tokio::test]
async fn every_answer_of_every_action_and_every_page_fits_its_output_schema() {
    let (host, sim) = (host(), simulator().await);
    let mut failures = Vec::new();
    for (action, is_admin, params, _) in one_call_each() {
        let conn: ZoomConnection = if is_admin { admin(&sim) } else { user(&sim) };
        let file = schema_file(action);
        let result = match host.run(action, &conn, &params).await {
            Ok(reply) => reply.into_result(),
            Err(e) => {
                failures.push(format!("{action}: {e}"));
                continue;
            }
        };
        failures.extend(
            mismatches(&file["schema"], &result)
                .into_iter()
                .map(|m| format!("{action}: {m}")),
        );
        let Some(all) = file.get("all") else {
            continue;
        };
        // Every page, and the envelope `--all` and serve's `"all": true` answer.
        let key = file["list_key"].as_str().unwrap().to_string();
        let mut items = Vec::new();
        let paged: Vec<_> = params
            .iter()
            .filter(|(k, _)| k != "next_page_token")
            .cloned()
            .collect();
        let summary = for_each_item(&host, action, &conn, &paged, None, |item| {
            items.push(item);
            Ok(())
        })
        .await;
        match summary {
            Ok(summary) => {
                let mut envelope = serde_json::Map::new();
                envelope.insert(key.clone(), Value::Array(items));
                envelope.extend(summary.totals());
                failures.extend(
                    mismatches(all, &Value::Object(envelope))
                        .into_iter()
                        .map(|m| format!("{action} (all pages): {m}")),
                );
            }
            Err(e) => failures.push(format!("{action} (all pages): {e}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// An instance of a trimmed OpenAPI schema (`spec/zoom-operations.json`):
/// every documented property with a value of its type (its first
/// documented value when it has some), or null for every nullable one.
fn documented_instance(schema: &Value, nulls: bool) -> Value {
    if nulls && schema["nullable"] == true {
        return Value::Null;
    }
    if let Some(all) = schema["allOf"].as_array() {
        let mut merged = serde_json::Map::new();
        for part in all {
            if let Value::Object(o) = documented_instance(part, nulls) {
                merged.extend(o);
            }
        }
        return Value::Object(merged);
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(first) = schema[key].as_array().and_then(|o| o.first()) {
            return documented_instance(first, nulls);
        }
    }
    if let Some(value) = schema["enum"].as_array().and_then(|e| e.first()) {
        return value.clone();
    }
    match schema["type"].as_str() {
        Some("array") => json!([documented_instance(&schema["items"], nulls)]),
        Some("string") => json!("text"),
        Some("integer") => json!(7),
        Some("number") => json!(1.5),
        Some("boolean") => json!(true),
        _ => match schema["properties"].as_object() {
            Some(props) => Value::Object(
                props
                    .iter()
                    .map(|(k, s)| (k.clone(), documented_instance(s, nulls)))
                    .collect(),
            ),
            None => json!({}),
        },
    }
}

#[test]
fn every_answer_zoom_documents_fits_the_output_schema() {
    let spec: Value = serde_json::from_str(include_str!("../../../../spec/zoom-operations.json"))
        .expect("the extract is JSON");
    let mut failures = Vec::new();
    let mut checked = 0;
    for (action, _, _, op_key) in one_call_each() {
        let file = schema_file(action);
        // Our own shapes (confirmations, the transcript, a raw call) are
        // checked against the simulator's answers above.
        let documented = &spec["operations"][op_key]["responses"];
        let Some(zoom) = ["200", "201"]
            .iter()
            .find_map(|s| documented.get(*s))
            .and_then(|r| r.get("schema"))
            .filter(|s| !s.is_null())
        else {
            continue;
        };
        if [
            "update-meeting",
            "delete-meeting",
            "retrieve-meeting-transcript",
            "api-call",
        ]
        .contains(&action.strip_suffix("-admin").unwrap_or(action))
        {
            continue;
        }
        for nulls in [false, true] {
            let mut instance = documented_instance(zoom, nulls);
            // The identifiers a workflow keys on are always there.
            if let (Some(key), Value::Object(o)) = (file["list_key"].as_str(), &mut instance) {
                o.entry(key).or_insert(json!([]));
            }
            checked += 1;
            failures.extend(
                mismatches(&file["schema"], &instance)
                    .into_iter()
                    .map(|m| format!("{action} (nulls: {nulls}): {m}")),
            );
        }
    }
    assert!(checked >= 40, "{checked} documented answers checked");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Drift Zoom's answers are known to have (SDK trackers, see
/// ../shared/docs/peers-outputs-mcp-events.md): pagination fields missing,
/// a list without its pagination, ids as strings.
#[tokio::test]
async fn the_documented_drift_of_zooms_answers_is_accepted() {
    let (host, sim) = (host(), simulator().await);
    for (action, is_admin, params) in [
        ("retrieve-meetings", false, vec![]),
        (
            "retrieve-all-recordings",
            false,
            wrk_zoom_e2e::params(&[
                ("from", &crate::conformance::last_20_days().0),
                ("to", &crate::conformance::last_20_days().1),
            ]),
        ),
        ("retrieve-phone-users", true, vec![]),
    ] {
        let conn = if is_admin { admin(&sim) } else { user(&sim) };
        let mut page = host.run(action, &conn, &params).await.unwrap().body;
        let schema = schema_file(action)["schema"].clone();
        assert!(mismatches(&schema, &page).is_empty(), "{action}: as sent");
        let object = page.as_object_mut().unwrap();
        for field in [
            "page_count",
            "page_number",
            "page_size",
            "next_page_token",
            "total_records",
        ] {
            object.remove(field);
        }
        assert!(
            mismatches(&schema, &page).is_empty(),
            "{action} without its pagination: {:?}",
            mismatches(&schema, &page)
        );
        let key = schema_file(action)["list_key"]
            .as_str()
            .unwrap()
            .to_string();
        for item in page[&key].as_array_mut().unwrap() {
            if let Some(id) = item.get("id").cloned() {
                item["id"] = match id {
                    Value::Number(n) => json!(n.to_string()),
                    Value::String(s) => s.parse::<i64>().map(Value::from).unwrap_or(json!(s)),
                    other => other,
                };
            }
            if let Some(o) = item.as_object_mut() {
                o.insert("a_field_zoom_added_later".into(), json!({"x": 1}));
            }
        }
        assert!(
            mismatches(&schema, &page).is_empty(),
            "{action} with ids of the other type and new fields: {:?}",
            mismatches(&schema, &page)
        );
    }
    // A page that is not an object, or lacks its list, is refused: the
    // schema still says something.
    let schema = schema_file("retrieve-meetings")["schema"].clone();
    assert!(!mismatches(&schema, &json!({"total_records": 1})).is_empty());
    assert!(!mismatches(&schema, &json!([1, 2])).is_empty());
    // Loose is not anything: a documented field of another type is refused.
    assert!(!mismatches(&schema, &json!({"meetings": [{"id": true}]})).is_empty());
    assert!(!mismatches(&schema, &json!({"meetings": [{"topic": {"x": 1}}]})).is_empty());
    assert!(mismatches(&schema, &json!({"meetings": [{"topic": null}]})).is_empty());
}

/// Each component's own `describe()` carries its committed output schema,
/// and the host's schema of every page is the committed one.
#[tokio::test]
async fn every_component_describes_its_output_and_the_host_adds_the_envelope_of_all_pages() {
    let host = host();
    for name in crate::conformance::ISSUE_ACTIONS {
        let loaded = host.action(name).await.unwrap();
        assert_eq!(loaded.contract(), "0.2.0", "{name}");
        let file = schema_file(name);
        assert_eq!(
            loaded.info.output_schema.as_ref().and_then(|s| s.value()),
            Some(&file["schema"]),
            "{name}: describe() carries spec/output-schemas"
        );
        match wrk_zoom::output_schema::all_pages(&loaded.info) {
            Ok(mut all) => {
                let mut committed = file["all"].clone();
                all.as_object_mut().unwrap().remove("$comment");
                committed.as_object_mut().unwrap().remove("$comment");
                assert_eq!(all, committed, "{name}: the envelope of every page");
            }
            Err(e) => {
                assert!(file.get("all").is_none(), "{name}: {e}");
                assert!(
                    e.to_string().contains("does not return a paginated list"),
                    "{e}"
                );
            }
        }
    }
}

/// The sample `describe --sample` prints fits the schema, for every action
/// and every list's pages.
#[tokio::test]
async fn every_sample_fits_its_output_schema() {
    for info in host().describe_all().await.unwrap() {
        let one = wrk_zoom::output_schema::one_answer(&info).unwrap();
        let sample = wrk_zoom::output_schema::sample(&one);
        assert!(
            sample.as_object().is_some_and(|o| !o.is_empty()) || info.is_raw_call(),
            "{}: {sample}",
            info.name
        );
        assert_eq!(
            mismatches(&one, &sample),
            Vec::<String>::new(),
            "{}",
            info.name
        );
        if let Ok(all) = wrk_zoom::output_schema::all_pages(&info) {
            let sample = wrk_zoom::output_schema::sample(&all);
            assert_eq!(
                mismatches(&all, &sample),
                Vec::<String>::new(),
                "{} --all",
                info.name
            );
            let key = info.list_key.as_deref().unwrap();
            assert_eq!(
                sample[key].as_array().map(Vec::len),
                Some(1),
                "{}",
                info.name
            );
        }
    }
}
