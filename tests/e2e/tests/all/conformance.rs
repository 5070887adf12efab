//! Conformance with Zoom's OpenAPI documents: every action's `describe()`
//! against the committed extract `spec/zoom-operations.json` (method and
//! path, parameters and their types, scopes, rate label, list key, no
//! retired endpoint), and the simulator's answers for all 33 endpoints
//! against the operations' response schemas.
//!
//! Deviations are allowed only through the commented allow-lists below;
//! an entry that no longer excuses anything fails the test, so the lists
//! cannot go stale.

use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use wrk_zoom::model::{ActionInfo, ConnectionKind, ParamSpec, RateCategory};
use wrk_zoom::{Host, ZoomConnection};
use wrk_zoom_e2e::{admin, host, params, simulator, user};
use zoom_simulator::seed;

/// The 33 component names fixed by issue 3.
pub const ISSUE_ACTIONS: [&str; 33] = [
    "api-call",
    "create-meeting",
    "update-meeting",
    "delete-meeting",
    "retrieve-meeting",
    "retrieve-meetings",
    "retrieve-past-meeting",
    "retrieve-past-meeting-participants",
    "retrieve-meeting-transcript",
    "retrieve-meeting-recordings",
    "retrieve-all-recordings",
    "retrieve-user",
    "retrieve-user-call-history",
    "api-call-admin",
    "create-meeting-admin",
    "update-meeting-admin",
    "delete-meeting-admin",
    "retrieve-meeting-admin",
    "retrieve-meetings-admin",
    "retrieve-past-meeting-admin",
    "retrieve-past-meeting-participants-admin",
    "retrieve-meeting-transcript-admin",
    "retrieve-meeting-recordings-admin",
    "retrieve-all-recordings-admin",
    "retrieve-user-call-history-admin",
    "retrieve-meeting-detail-report",
    "retrieve-meeting-participant-report",
    "retrieve-meeting-activities-report",
    "retrieve-webinar-detail-report",
    "retrieve-history-meetings",
    "retrieve-account-call-history",
    "retrieve-call-history",
    "retrieve-phone-users",
];

/// The user-connection actions of the issue; every other one is admin.
pub const USER_ACTIONS: [&str; 13] = [
    "api-call",
    "create-meeting",
    "update-meeting",
    "delete-meeting",
    "retrieve-meeting",
    "retrieve-meetings",
    "retrieve-past-meeting",
    "retrieve-past-meeting-participants",
    "retrieve-meeting-transcript",
    "retrieve-meeting-recordings",
    "retrieve-all-recordings",
    "retrieve-user",
    "retrieve-user-call-history",
];

/// The raw-call actions: no operation of their own.
const RAW_CALL_ACTIONS: [&str; 2] = ["api-call", "api-call-admin"];

/// Which check a parameter exception excuses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Deviation {
    /// A parameter of the operation that the action does not declare.
    NotDeclared,
    /// The declared type or value set differs from the operation's.
    TypeOrValues,
    /// Required by Zoom, optional here because the action sends a default.
    SentByDefault,
}

/// A documented difference between an operation's parameter and the
/// action's declaration.
struct ParamException {
    operation: &'static str,
    param: &'static str,
    deviation: Deviation,
    /// Only for user-connection actions (else for every action of the operation).
    user_actions_only: bool,
    why: &'static str,
}

const PARAM_EXCEPTIONS: &[ParamException] = &[
    // `{userId}` of a user action is always `me`: the component fills it in,
    // so a user action cannot address anyone else. Admin twins declare it.
    ParamException {
        operation: "GET /users/{userId}",
        param: "userId",
        deviation: Deviation::NotDeclared,
        user_actions_only: true,
        why: "user actions act as `me`; only admin twins take a userId",
    },
    ParamException {
        operation: "POST /users/{userId}/meetings",
        param: "userId",
        deviation: Deviation::NotDeclared,
        user_actions_only: true,
        why: "user actions act as `me`; only admin twins take a userId",
    },
    ParamException {
        operation: "GET /users/{userId}/meetings",
        param: "userId",
        deviation: Deviation::NotDeclared,
        user_actions_only: true,
        why: "user actions act as `me`; only admin twins take a userId",
    },
    ParamException {
        operation: "GET /users/{userId}/recordings",
        param: "userId",
        deviation: Deviation::NotDeclared,
        user_actions_only: true,
        why: "user actions act as `me`; only admin twins take a userId",
    },
    ParamException {
        operation: "GET /phone/users/{userId}/call_history",
        param: "userId",
        deviation: Deviation::NotDeclared,
        user_actions_only: true,
        why: "user actions act as `me`; only admin twins take a userId",
    },
    // Zoom's login_type, encrypted_email and search_by_unique_id change how
    // `{userId}` is looked up; a user action always asks for `me`.
    ParamException {
        operation: "GET /users/{userId}",
        param: "login_type",
        deviation: Deviation::NotDeclared,
        user_actions_only: true,
        why: "a lookup option for userId; user actions always ask for `me`",
    },
    ParamException {
        operation: "GET /users/{userId}",
        param: "encrypted_email",
        deviation: Deviation::NotDeclared,
        user_actions_only: true,
        why: "a lookup option for userId; user actions always ask for `me`",
    },
    ParamException {
        operation: "GET /users/{userId}",
        param: "search_by_unique_id",
        deviation: Deviation::NotDeclared,
        user_actions_only: true,
        why: "a lookup option for userId; user actions always ask for `me`",
    },
    // Required by Zoom, whose schema defaults it to "All Activities": the
    // action sends that when the caller gives none.
    ParamException {
        operation: "GET /report/meeting_activities",
        param: "activity_type",
        deviation: Deviation::SentByDefault,
        user_actions_only: false,
        why: "sent as Zoom's own default, All Activities, when not given",
    },
    // Zoom's schema enumerates the labels ("All Activities", ...) but its
    // description documents numeric codes (-1 all, 0 created, ..., 9 ended),
    // and clients in the wild send the codes; both are accepted.
    ParamException {
        operation: "GET /report/meeting_activities",
        param: "activity_type",
        deviation: Deviation::TypeOrValues,
        user_actions_only: false,
        why: "accepts the schema's labels plus the description's numeric codes",
    },
    // Typed as a single-value string enum, but Zoom's description says "To
    // provide multiple values, separate them with commas": declared as a
    // list whose items are Zoom's enum values (checked below), sent as one
    // comma-separated value.
    ParamException {
        operation: "GET /report/history_meetings",
        param: "meeting_feature",
        deviation: Deviation::TypeOrValues,
        user_actions_only: false,
        why: "a comma-separated list of the enum's values, per Zoom's description",
    },
    // The schema is a bare string, but `download_access_token` is the only
    // value Zoom documents ("include_fields=download_access_token").
    ParamException {
        operation: "GET /meetings/{meetingId}/recordings",
        param: "include_fields",
        deviation: Deviation::TypeOrValues,
        user_actions_only: false,
        why: "a bare string in the schema; download_access_token is its only documented value",
    },
    // A bare string in the schema; the documented values are
    // meeting_recordings (default) and recording_file.
    ParamException {
        operation: "GET /users/{userId}/recordings",
        param: "trash_type",
        deviation: Deviation::TypeOrValues,
        user_actions_only: false,
        why: "a bare string in the schema; meeting_recordings and recording_file are its documented values",
    },
    // Typed as a string whose default is "false": it is a true/false flag.
    ParamException {
        operation: "GET /users/{userId}/recordings",
        param: "mc",
        deviation: Deviation::TypeOrValues,
        user_actions_only: false,
        why: "a string defaulting to \"false\" in the schema; it is a boolean flag",
    },
];

/// Declared scopes that the operation does not list, with the reason.
const SCOPE_EXCEPTIONS: &[(&str, &str, &str)] = &[
    // Zoom's spec lists only `recording:read` and `phone_recording:read:admin`
    // as classic scopes of Get meeting recordings; `recording:read:admin` is
    // what admin apps hold for every other cloud-recording endpoint (List all
    // recordings, transcripts), so the admin twin names it too (flagged in
    // docs/zoom-api.md §10).
    (
        "retrieve-meeting-recordings-admin",
        "recording:read:admin",
        "the spec omits the admin form of recording:read for this one endpoint",
    ),
];

/// Actions whose declared list key differs from the spec extract's, and why.
const LIST_KEY_EXCEPTIONS: &[(&str, &str)] = &[
    // `recording_files` is every file of one meeting in one answer: no
    // next_page_token, so the host must not paginate it.
    (
        "retrieve-meeting-recordings",
        "recording_files is one meeting's files, never paginated",
    ),
    (
        "retrieve-meeting-recordings-admin",
        "recording_files is one meeting's files, never paginated",
    ),
    // One call's legs in one answer: no next_page_token.
    (
        "retrieve-call-history",
        "call_elements are one call's legs, never paginated",
    ),
];

fn spec() -> Value {
    let path = format!("{}/../../spec/zoom-operations.json", crate::manifest_dir());
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    serde_json::from_str(&text).expect("spec/zoom-operations.json is JSON")
}

async fn described() -> Vec<ActionInfo> {
    host()
        .describe_all()
        .await
        .expect("every action describes itself")
}

/// `"GET /users/{userId}"` of an action with an operation.
fn operation_key(info: &ActionInfo) -> String {
    format!("{} {}", info.method, info.path)
}

fn operation<'a>(spec: &'a Value, info: &ActionInfo) -> &'a Value {
    let key = operation_key(info);
    spec["operations"]
        .get(&key)
        .unwrap_or_else(|| panic!("{}: no operation '{key}' in the spec", info.name))
}

fn rate_label(rate: RateCategory) -> &'static str {
    match rate {
        RateCategory::Light => "LIGHT",
        RateCategory::Medium => "MEDIUM",
        RateCategory::Heavy => "HEAVY",
        RateCategory::ResourceIntensive => "RESOURCE-INTENSIVE",
    }
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|v| match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect()
        })
        .unwrap_or_default()
}

fn same_set(a: &[String], b: &[String]) -> bool {
    a.iter().collect::<BTreeSet<_>>() == b.iter().collect::<BTreeSet<_>>()
}

fn mentions(description: Option<&str>, words: &[&str]) -> bool {
    let text = description.unwrap_or_default().to_ascii_lowercase();
    words.iter().all(|w| text.contains(&w.to_ascii_lowercase()))
}

/// Whether a declared parameter's type fits the operation's schema, or why not.
fn type_fits(param: &ParamSpec, schema: &Value) -> Result<(), String> {
    let ty = schema["type"].as_str().unwrap_or_default();
    let format = schema["format"].as_str();
    let values = strings(&schema["enum"]);
    let description = schema["description"].as_str();
    let fits = match param.param_type.as_str() {
        "text" => ty == "string" && values.is_empty() && format.is_none(),
        "integer" => ty == "integer" && values.is_empty(),
        "boolean" => ty == "boolean",
        // A date is `string/date`, or a bare string documented as yyyy-mm-dd.
        "date" => {
            ty == "string"
                && (format == Some("date")
                    || (format.is_none() && mentions(description, &["yyyy-mm-dd"])))
        }
        "date-time" => ty == "string" && format == Some("date-time"),
        // Zoom Phone's `string/date` documented as "yyyy-mm-dd or
        // yyyy-MM-dd'T'HH:mm:ss'Z'".
        "date-or-date-time" => {
            ty == "string"
                && format == Some("date")
                && mentions(description, &["yyyy-mm-dd", "HH:mm:ss"])
        }
        "choice" => {
            (ty == "string" || ty == "integer")
                && !values.is_empty()
                && same_set(&param.choices, &values)
        }
        "meeting-id" => ty == "integer" && matches!(format, None | Some("int64")),
        "meeting-id-or-uuid" | "user-id" => ty == "string" && values.is_empty(),
        "json-object" => ty == "object",
        "json-array" => ty == "array",
        "text-list" => {
            let items = &schema["items"];
            ty == "array"
                && items["type"] == "string"
                && same_set(&param.choices, &strings(&items["enum"]))
        }
        other => return Err(format!("unknown parameter type '{other}'")),
    };
    if !fits {
        return Err(format!(
            "declared {} {:?} but Zoom has {}",
            param.param_type,
            param.choices,
            json!({"type": ty, "format": format, "enum": values, "items": schema.get("items")})
        ));
    }
    // Bounds: where Zoom states one, the declaration has the same.
    let (lo, hi) = match param.param_type.as_str() {
        "text" => (None, schema["maxLength"].as_i64()),
        "integer" => (schema["minimum"].as_i64(), schema["maximum"].as_i64()),
        _ => (None, None),
    };
    if hi.is_some() && param.maximum != hi {
        return Err(format!(
            "declared maximum {:?} but Zoom's is {hi:?}",
            param.maximum
        ));
    }
    if lo.is_some() && param.minimum != lo {
        return Err(format!(
            "declared minimum {:?} but Zoom's is {lo:?}",
            param.minimum
        ));
    }
    if let (Some(declared), Some(zoom)) = (&param.default, schema.get("default")) {
        let zoom = match zoom {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        if *declared != zoom {
            return Err(format!(
                "declared default '{declared}' but Zoom's is '{zoom}'"
            ));
        }
    }
    Ok(())
}

/// The operation's parameters by name: `(location, required, schema)`.
fn operation_params(op: &Value) -> BTreeMap<String, (String, bool, Value)> {
    let mut out = BTreeMap::new();
    // `to` is documented only as "required with from": its format is the
    // one `from`'s description gives.
    let from_description = op["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["name"] == "from")
        .and_then(|p| p["description"].as_str())
        .unwrap_or_default()
        .to_string();
    for p in op["parameters"].as_array().into_iter().flatten() {
        let mut p = p.clone();
        if p["name"] == "to" {
            let own = p["description"].as_str().unwrap_or_default();
            p["description"] = json!(format!("{own} {from_description}"));
        }
        out.insert(
            p["name"].as_str().unwrap().to_string(),
            (
                p["in"].as_str().unwrap().to_string(),
                p["required"].as_bool().unwrap_or(false),
                p.clone(),
            ),
        );
    }
    if let Some(body) = op["request_body"].as_object() {
        let required = strings(&body["required_properties"]);
        for (name, schema) in body["properties"].as_object().into_iter().flatten() {
            out.insert(
                name.clone(),
                ("body".to_string(), required.contains(name), schema.clone()),
            );
        }
    }
    out
}

/// Every parameter problem of one action; `used` collects the exceptions
/// that excused something.
fn parameter_problems(
    info: &ActionInfo,
    op: &Value,
    used: &mut BTreeSet<(&'static str, &'static str)>,
) -> Vec<String> {
    let key = operation_key(info);
    let mut excused = |param: &str, deviation: Deviation| {
        PARAM_EXCEPTIONS
            .iter()
            .find(|e| {
                e.operation == key
                    && e.param == param
                    && e.deviation == deviation
                    && (!e.user_actions_only || info.connection == ConnectionKind::User)
            })
            .map(|e| {
                assert!(!e.why.is_empty());
                used.insert((e.operation, e.param));
            })
            .is_some()
    };
    let zoom = operation_params(op);
    let mut problems = Vec::new();
    for (name, (location, required, schema)) in &zoom {
        match info.param(name) {
            None => {
                if !excused(name, Deviation::NotDeclared) {
                    problems.push(format!(
                        "{name} ({location}{}) is not declared",
                        if *required { ", required" } else { "" }
                    ));
                }
            }
            Some(declared) => {
                if declared.location.as_str() != *location {
                    problems.push(format!(
                        "{name} is declared in {} but Zoom has it in {location}",
                        declared.location
                    ));
                }
                if *required && !declared.required && !excused(name, Deviation::SentByDefault) {
                    problems.push(format!("{name} is required by Zoom but optional here"));
                }
                if !*required && declared.required {
                    problems.push(format!("{name} is optional for Zoom but required here"));
                }
                if let Err(why) = type_fits(declared, schema)
                    && !excused(name, Deviation::TypeOrValues)
                {
                    problems.push(format!("{name}: {why}"));
                }
            }
        }
    }
    for declared in &info.params {
        if !zoom.contains_key(&declared.name) {
            problems.push(format!(
                "{} ({}) is not a parameter of {key}",
                declared.name, declared.location
            ));
        }
    }
    problems
}

#[tokio::test]
async fn the_host_describes_exactly_the_33_actions_of_the_issue() {
    let infos = described().await;
    let names: BTreeSet<&str> = infos.iter().map(|i| i.name.as_str()).collect();
    let expected: BTreeSet<&str> = ISSUE_ACTIONS.iter().copied().collect();
    assert_eq!(infos.len(), 33);
    assert_eq!(names, expected);
    for info in &infos {
        let kind = if USER_ACTIONS.contains(&info.name.as_str()) {
            ConnectionKind::User
        } else {
            ConnectionKind::Admin
        };
        assert_eq!(info.connection, kind, "{} connection kind", info.name);
        assert!(!info.title.is_empty(), "{} has a title", info.name);
        for p in &info.params {
            assert!(
                !p.description.is_empty(),
                "{}: {} has no description",
                info.name,
                p.name
            );
        }
    }
}

#[tokio::test]
async fn every_action_calls_a_current_operation_of_the_spec_by_method_and_path() {
    let spec = spec();
    let infos = described().await;
    let retired: Vec<&String> = spec["retired"].as_object().unwrap().keys().collect();
    assert!(
        !retired.is_empty(),
        "the extract lists the retired call-log endpoints"
    );
    for info in &infos {
        let mapped = &spec["actions"][&info.name];
        assert!(
            mapped.is_object(),
            "{} is missing from spec actions",
            info.name
        );
        if RAW_CALL_ACTIONS.contains(&info.name.as_str()) {
            // No fixed endpoint: the template is the API base itself, and the
            // real method and path are the caller's (control) parameters.
            assert_eq!(mapped["operation"], Value::Null, "{}", info.name);
            assert_eq!(info.path, "/", "{} has no fixed path", info.name);
            assert!(!info.path.contains('{'), "{}", info.name);
            assert!(
                info.params.iter().all(|p| p.location.as_str() == "control"),
                "{}: every parameter is a control parameter: {:?}",
                info.name,
                info.params
            );
            for name in ["method", "path"] {
                assert!(
                    info.param(name).is_some_and(|p| p.required),
                    "{}: {name} is required",
                    info.name
                );
            }
            assert!(info.scopes.classic.is_empty() && info.scopes.granular.is_empty());
            assert_eq!(info.list_key, None);
            continue;
        }
        let key = operation_key(info);
        assert_eq!(
            mapped["operation"], key,
            "{} uses the operation the spec maps it to",
            info.name
        );
        let op = operation(&spec, info);
        assert_eq!(op["method"], info.method, "{}", info.name);
        assert_eq!(op["path"], info.path, "{}", info.name);
        assert_eq!(
            op["deprecated"], false,
            "{} uses a deprecated operation",
            info.name
        );
        assert!(
            !retired.contains(&&key),
            "{} uses the retired endpoint {key}",
            info.name
        );
        assert!(
            !info.path.contains("call_logs"),
            "{} uses a retired call-log path",
            info.name
        );
        assert_eq!(
            mapped["connection"],
            match info.connection {
                ConnectionKind::User => "user",
                ConnectionKind::Admin => "admin",
            },
            "{}",
            info.name
        );
    }
}

#[tokio::test]
async fn every_action_declares_its_operations_parameters_with_the_same_names_types_and_values() {
    let spec = spec();
    let mut used = BTreeSet::new();
    let mut failures = Vec::new();
    for info in described().await {
        if RAW_CALL_ACTIONS.contains(&info.name.as_str()) {
            continue;
        }
        let op = operation(&spec, &info);
        for problem in parameter_problems(&info, op, &mut used) {
            failures.push(format!("{}: {problem}", info.name));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    for e in PARAM_EXCEPTIONS {
        assert!(
            used.contains(&(e.operation, e.param)),
            "the exception for {} {} ({}) excuses nothing any more; remove it",
            e.operation,
            e.param,
            e.why
        );
    }
}

#[tokio::test]
async fn meeting_feature_takes_a_list_of_exactly_zooms_feature_values() {
    let spec = spec();
    let info = host()
        .action("retrieve-history-meetings")
        .await
        .unwrap()
        .info
        .clone();
    let declared = info.param("meeting_feature").unwrap();
    assert_eq!(declared.param_type.as_str(), "text-list");
    let zoom = operation_params(operation(&spec, &info))["meeting_feature"]
        .2
        .clone();
    assert_eq!(zoom["type"], "string");
    assert!(same_set(&declared.choices, &strings(&zoom["enum"])));
    let planned = host()
        .plan(
            "retrieve-history-meetings",
            &params(&[
                ("from", "2026-11-01"),
                ("to", "2026-11-28"),
                ("meeting_feature", "poll,waiting_room"),
            ]),
        )
        .await
        .unwrap();
    assert!(
        planned
            .url
            .ends_with("&meeting_feature=poll%2Cwaiting_room"),
        "one comma-separated value: {}",
        planned.url
    );
}

#[test]
fn the_type_check_refuses_mismatched_types_enums_and_bounds() {
    let param = |kind: &str, choices: &[&str]| ParamSpec {
        name: "x".into(),
        param_type: serde_json::from_value(json!(kind)).unwrap(),
        location: wrk_zoom::model::ParamLocation::Query,
        required: false,
        description: "x".into(),
        choices: choices.iter().map(|s| s.to_string()).collect(),
        default: None,
        minimum: None,
        maximum: None,
    };
    let int64 = json!({"type": "integer", "format": "int64"});
    assert!(type_fits(&param("meeting-id", &[]), &int64).is_ok());
    assert!(type_fits(&param("meeting-id-or-uuid", &[]), &int64).is_err());
    assert!(
        type_fits(
            &param("meeting-id-or-uuid", &[]),
            &json!({"type": "string"})
        )
        .is_ok()
    );
    let labels = json!({"type": "string", "enum": ["a", "b"]});
    assert!(type_fits(&param("choice", &["a", "b"]), &labels).is_ok());
    assert!(type_fits(&param("choice", &["a"]), &labels).is_err());
    assert!(type_fits(&param("text", &[]), &labels).is_err());
    let codes = json!({"type": "integer", "enum": [0, 1]});
    assert!(type_fits(&param("choice", &["0", "1"]), &codes).is_ok());
    let list = json!({"type": "array", "items": {"type": "string", "enum": ["in", "out"]}});
    assert!(type_fits(&param("text-list", &["in", "out"]), &list).is_ok());
    assert!(type_fits(&param("text-list", &["in", "out", "x"]), &list).is_err());
    let mut capped = param("integer", &[]);
    capped.maximum = Some(100);
    assert!(type_fits(&capped, &json!({"type": "integer", "maximum": 300})).is_err());
    capped.maximum = Some(300);
    assert!(type_fits(&capped, &json!({"type": "integer", "maximum": 300})).is_ok());
    assert!(
        type_fits(
            &param("date", &[]),
            &json!({"type": "string", "format": "date"})
        )
        .is_ok()
    );
    assert!(type_fits(&param("date", &[]), &json!({"type": "string"})).is_err());
}

#[tokio::test]
async fn scopes_are_the_operations_own_and_match_the_connection_kind() {
    let spec = spec();
    let mut failures = Vec::new();
    let mut used = BTreeSet::new();
    for info in described().await {
        if RAW_CALL_ACTIONS.contains(&info.name.as_str()) {
            continue;
        }
        let op = operation(&spec, &info);
        let classic = strings(&op["classic_scopes"]);
        let granular = strings(&op["granular_scopes"]);
        // Every scope of the action's level (user-level or `:admin`) that
        // Zoom lists is declared, so any one the connection holds is shown.
        let mapped = &spec["actions"][&info.name];
        for (declared, level, kind) in [
            (
                &info.scopes.classic,
                strings(&mapped["classic_scopes"]),
                "classic",
            ),
            (
                &info.scopes.granular,
                strings(&mapped["granular_scopes"]),
                "granular",
            ),
        ] {
            for scope in level {
                if !declared.contains(&scope) {
                    failures.push(format!(
                        "{}: {kind} scope {scope} of its level is not declared",
                        info.name
                    ));
                }
            }
        }
        if info.scopes.classic.is_empty() && info.scopes.granular.is_empty() {
            failures.push(format!("{} declares no scope", info.name));
        }
        for (declared, allowed, kind) in [
            (&info.scopes.classic, &classic, "classic"),
            (&info.scopes.granular, &granular, "granular"),
        ] {
            for scope in declared {
                if !allowed.contains(scope) {
                    match SCOPE_EXCEPTIONS
                        .iter()
                        .find(|(a, s, _)| *a == info.name && s == scope)
                    {
                        Some((a, s, _)) => {
                            used.insert((*a, *s));
                        }
                        None => failures.push(format!(
                            "{}: {kind} scope {scope} is not among {allowed:?}",
                            info.name
                        )),
                    }
                }
                let admin_scope = scope.ends_with(":admin");
                match info.connection {
                    ConnectionKind::Admin if !admin_scope => failures.push(format!(
                        "{}: admin action with user-level scope {scope}",
                        info.name
                    )),
                    ConnectionKind::User if admin_scope || scope.ends_with(":master") => failures
                        .push(format!(
                            "{}: user action with admin scope {scope}",
                            info.name
                        )),
                    _ => {}
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    for (action, scope, why) in SCOPE_EXCEPTIONS {
        assert!(
            used.contains(&(*action, *scope)),
            "scope exception {action} {scope} ({why}) excuses nothing; remove it"
        );
    }
}

#[tokio::test]
async fn rate_categories_equal_the_operations_labels() {
    let spec = spec();
    for info in described().await {
        if RAW_CALL_ACTIONS.contains(&info.name.as_str()) {
            // The label of the endpoint called applies; the declaration
            // says the lightest.
            assert_eq!(info.rate, RateCategory::Light, "{}", info.name);
            continue;
        }
        let op = operation(&spec, &info);
        assert_eq!(
            op["rate_label"],
            rate_label(info.rate),
            "{}: rate category",
            info.name
        );
    }
}

/// The schema of `name` under a (possibly `allOf`-composed) object schema.
fn property<'a>(schema: &'a Value, name: &str) -> Option<&'a Value> {
    if let Some(p) = schema["properties"].get(name) {
        return Some(p);
    }
    ["allOf", "oneOf", "anyOf"]
        .iter()
        .flat_map(|k| schema[*k].as_array().into_iter().flatten())
        .find_map(|s| property(s, name))
}

#[tokio::test]
async fn list_keys_are_arrays_of_the_success_response_and_paginated_lists_take_a_page_token() {
    let spec = spec();
    for info in described().await {
        if RAW_CALL_ACTIONS.contains(&info.name.as_str()) {
            continue;
        }
        let op = operation(&spec, &info);
        let mapped = spec["actions"][&info.name]["list_key"].as_str();
        match info.list_key.as_deref() {
            Some(key) => {
                let schema = &op["responses"]["200"]["schema"];
                let list = property(schema, key)
                    .unwrap_or_else(|| panic!("{}: no '{key}' in the 200 schema", info.name));
                assert_eq!(list["type"], "array", "{}: '{key}' is an array", info.name);
                assert_eq!(mapped, Some(key), "{}: list key", info.name);
                assert!(
                    property(schema, "next_page_token").is_some(),
                    "{}: a paginated answer carries next_page_token",
                    info.name
                );
                for p in ["page_size", "next_page_token"] {
                    assert!(
                        info.param(p)
                            .is_some_and(|p| p.location.as_str() == "query"),
                        "{}: paginated, so it takes {p}",
                        info.name
                    );
                }
            }
            None => {
                if mapped.is_some() {
                    assert!(
                        LIST_KEY_EXCEPTIONS.iter().any(|(a, _)| *a == info.name),
                        "{}: the spec maps list key {mapped:?}, the action has none",
                        info.name
                    );
                    assert!(info.param("next_page_token").is_none(), "{}", info.name);
                }
            }
        }
    }
    for (action, why) in LIST_KEY_EXCEPTIONS {
        let info = host().action(action).await.unwrap().info.clone();
        assert_eq!(info.list_key, None, "{action}: {why}");
        assert!(
            spec["actions"][action]["list_key"].is_string(),
            "{action}: {why}"
        );
    }
}

// ---------------------------------------------------------------------------
// Response schemas.

/// Checks `value` against an OpenAPI schema object (type, properties,
/// items, enum, allOf/oneOf/anyOf, nullable; unknown properties allowed),
/// pushing one line per mismatch, each with its JSON path.
pub fn check_schema(schema: &Value, value: &Value, path: &str, errors: &mut Vec<String>) {
    if value.is_null() && schema["nullable"] == true {
        return;
    }
    if let Some(all) = schema["allOf"].as_array() {
        for s in all {
            check_schema(s, value, path, errors);
        }
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(options) = schema[key].as_array() {
            let fits_one = options.iter().any(|s| {
                let mut e = Vec::new();
                check_schema(s, value, path, &mut e);
                e.is_empty()
            });
            if !fits_one {
                errors.push(format!("{path}: fits none of the {key} schemas: {value}"));
            }
        }
    }
    let ty = schema["type"]
        .as_str()
        .or_else(|| (schema.get("properties").is_some()).then_some("object"));
    let type_ok = match ty {
        None => true,
        Some("object") => value.is_object(),
        Some("array") => value.is_array(),
        Some("string") => value.is_string(),
        Some("integer") => value.is_i64() || value.is_u64(),
        Some("number") => value.is_number(),
        Some("boolean") => value.is_boolean(),
        Some(other) => {
            errors.push(format!("{path}: unknown schema type '{other}'"));
            return;
        }
    };
    if !type_ok {
        errors.push(format!(
            "{path}: expected {}, got {value}",
            ty.unwrap_or_default()
        ));
        return;
    }
    if let Some(allowed) = schema["enum"].as_array()
        && !allowed.contains(value)
    {
        errors.push(format!(
            "{path}: {value} is not one of {}",
            Value::from(allowed.clone())
        ));
    }
    if let (Some(props), Some(object)) = (schema["properties"].as_object(), value.as_object()) {
        for (name, sub) in props {
            if let Some(v) = object.get(name) {
                check_schema(sub, v, &format!("{path}.{name}"), errors);
            }
        }
    }
    if let (Some(items), Some(array)) = (schema.get("items"), value.as_array()) {
        for (i, v) in array.iter().enumerate() {
            check_schema(items, v, &format!("{path}[{i}]"), errors);
        }
    }
}

#[test]
fn the_schema_checker_names_the_path_of_every_mismatch() {
    let schema = json!({
        "allOf": [
            {"type": "object", "properties": {"total_records": {"type": "integer"}}},
            {"type": "object", "properties": {"participants": {"type": "array", "items": {
                "type": "object",
                "properties": {
                    "join_time": {"type": "string", "format": "date-time"},
                    "status": {"type": "string", "enum": ["in_meeting", "in_waiting_room"]},
                    "registrant_id": {"type": "string", "nullable": true},
                    "id": {"oneOf": [{"type": "string"}, {"type": "integer"}]}
                }
            }}}}
        ]
    });
    let ok = json!({"total_records": 2, "extra": [1], "participants": [
        {"join_time": "2026-11-28T10:00:00Z", "status": "in_meeting", "registrant_id": null, "id": 3},
        {"join_time": "2026-11-28T10:01:00Z", "id": "x", "unknown": true}
    ]});
    let mut errors = Vec::new();
    check_schema(&schema, &ok, "$", &mut errors);
    assert!(errors.is_empty(), "{errors:?}");

    let bad = json!({"total_records": "2", "participants": [
        {}, {}, {},
        {"join_time": 1764324000, "status": "gone", "registrant_id": 5, "id": true}
    ]});
    let mut errors = Vec::new();
    check_schema(&schema, &bad, "$", &mut errors);
    assert_eq!(errors.len(), 5, "{errors:#?}");
    assert!(errors[0].starts_with("$.total_records: expected integer"));
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with("$.participants[3].join_time: expected string"))
    );
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with("$.participants[3].status: \"gone\" is not one of"))
    );
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with("$.participants[3].registrant_id: expected string"))
    );
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with("$.participants[3].id: fits none of the oneOf"))
    );
}

/// Today and 20 days ago (UTC, yyyy-mm-dd): a window within one month that
/// holds every seeded past meeting.
pub fn last_20_days() -> (String, String) {
    let now = zoom_simulator::time::now_secs();
    (
        zoom_simulator::time::format_date(now - 20 * 86_400),
        zoom_simulator::time::format_date(now),
    )
}

/// One call: action, admin connection?, parameters, and the operation
/// whose response schema applies.
pub type OneCall = (&'static str, bool, Vec<(String, String)>, &'static str);

/// One valid call of every action.
pub fn one_call_each() -> Vec<OneCall> {
    let (from, to) = last_20_days();
    let (from, to) = (from.as_str(), to.as_str());
    let id = |n: i64| n.to_string();
    let user_meeting = id(seed::FIRST_USER_MEETING_ID);
    let other_meeting = id(seed::FIRST_OTHER_USER_MEETING_ID);
    let user_meeting_2 = id(seed::FIRST_USER_MEETING_ID + 1);
    let other_meeting_2 = id(seed::FIRST_OTHER_USER_MEETING_ID + 1);
    let ordinary = id(seed::ORDINARY_PAST_MEETING_ID);
    let other_past = id(seed::OTHER_USER_PAST_MEETING_ID);
    let report_path = format!("/report/meetings/{}", seed::BIG_PAST_MEETING_ID);
    let window = [("from", from), ("to", to)];
    let with = |base: &[(&str, &str)], more: &[(&str, &str)]| {
        params(&base.iter().chain(more).copied().collect::<Vec<_>>())
    };
    vec![
        (
            "api-call",
            false,
            params(&[("method", "GET"), ("path", "/users/me")]),
            "GET /users/{userId}",
        ),
        (
            "api-call-admin",
            true,
            params(&[("method", "GET"), ("path", &report_path)]),
            "GET /report/meetings/{meetingId}",
        ),
        (
            "create-meeting",
            false,
            params(&[
                ("topic", "Conformance"),
                ("start_time", "2026-12-01T09:00:00Z"),
                ("duration", "30"),
            ]),
            "POST /users/{userId}/meetings",
        ),
        (
            "create-meeting-admin",
            true,
            params(&[("userId", seed::OTHER_USER_ID), ("topic", "Conformance")]),
            "POST /users/{userId}/meetings",
        ),
        (
            "update-meeting",
            false,
            params(&[("meetingId", &user_meeting), ("topic", "Renamed")]),
            "PATCH /meetings/{meetingId}",
        ),
        (
            "update-meeting-admin",
            true,
            params(&[("meetingId", &other_meeting), ("topic", "Renamed")]),
            "PATCH /meetings/{meetingId}",
        ),
        (
            "delete-meeting",
            false,
            params(&[("meetingId", &user_meeting_2)]),
            "DELETE /meetings/{meetingId}",
        ),
        (
            "delete-meeting-admin",
            true,
            params(&[("meetingId", &other_meeting_2)]),
            "DELETE /meetings/{meetingId}",
        ),
        (
            "retrieve-meeting",
            false,
            params(&[("meetingId", &user_meeting)]),
            "GET /meetings/{meetingId}",
        ),
        (
            "retrieve-meeting-admin",
            true,
            params(&[("meetingId", &other_meeting)]),
            "GET /meetings/{meetingId}",
        ),
        (
            "retrieve-meetings",
            false,
            vec![],
            "GET /users/{userId}/meetings",
        ),
        (
            "retrieve-meetings-admin",
            true,
            params(&[("userId", seed::OTHER_USER_ID)]),
            "GET /users/{userId}/meetings",
        ),
        (
            "retrieve-past-meeting",
            false,
            params(&[("meetingId", &ordinary)]),
            "GET /past_meetings/{meetingId}",
        ),
        (
            "retrieve-past-meeting-admin",
            true,
            params(&[("meetingId", seed::OTHER_USER_PAST_MEETING_UUID)]),
            "GET /past_meetings/{meetingId}",
        ),
        (
            "retrieve-past-meeting-participants",
            false,
            params(&[("meetingId", &ordinary)]),
            "GET /past_meetings/{meetingId}/participants",
        ),
        (
            "retrieve-past-meeting-participants-admin",
            true,
            params(&[("meetingId", &other_past)]),
            "GET /past_meetings/{meetingId}/participants",
        ),
        (
            "retrieve-meeting-transcript",
            false,
            params(&[("meetingId", &ordinary)]),
            "GET /meetings/{meetingId}/transcript",
        ),
        (
            "retrieve-meeting-transcript-admin",
            true,
            params(&[("meetingId", &other_past)]),
            "GET /meetings/{meetingId}/transcript",
        ),
        (
            "retrieve-meeting-recordings",
            false,
            params(&[
                ("meetingId", &ordinary),
                ("include_fields", "download_access_token"),
                ("ttl", "600"),
            ]),
            "GET /meetings/{meetingId}/recordings",
        ),
        (
            "retrieve-meeting-recordings-admin",
            true,
            params(&[("meetingId", &other_past)]),
            "GET /meetings/{meetingId}/recordings",
        ),
        (
            "retrieve-all-recordings",
            false,
            params(&window),
            "GET /users/{userId}/recordings",
        ),
        (
            "retrieve-all-recordings-admin",
            true,
            with(&window, &[("userId", seed::OTHER_USER_ID)]),
            "GET /users/{userId}/recordings",
        ),
        ("retrieve-user", false, vec![], "GET /users/{userId}"),
        (
            "retrieve-user-call-history",
            false,
            vec![],
            "GET /phone/users/{userId}/call_history",
        ),
        (
            "retrieve-user-call-history-admin",
            true,
            params(&[("userId", seed::USER_ID)]),
            "GET /phone/users/{userId}/call_history",
        ),
        (
            "retrieve-meeting-detail-report",
            true,
            params(&[("meetingId", &ordinary)]),
            "GET /report/meetings/{meetingId}",
        ),
        (
            "retrieve-meeting-participant-report",
            true,
            params(&[
                ("meetingId", &ordinary),
                ("include_fields", "registrant_id"),
            ]),
            "GET /report/meetings/{meetingId}/participants",
        ),
        (
            "retrieve-meeting-activities-report",
            true,
            with(&window, &[("activity_type", "All Activities")]),
            "GET /report/meeting_activities",
        ),
        (
            "retrieve-webinar-detail-report",
            true,
            params(&[("webinarId", &id(seed::WEBINAR_ID))]),
            "GET /report/webinars/{webinarId}",
        ),
        (
            "retrieve-history-meetings",
            true,
            params(&window),
            "GET /report/history_meetings",
        ),
        (
            "retrieve-account-call-history",
            true,
            vec![],
            "GET /phone/call_history",
        ),
        (
            "retrieve-call-history",
            true,
            params(&[("callHistoryUuid", seed::CALL_HISTORY_UUID)]),
            "GET /phone/call_history/{callHistoryUuid}",
        ),
        ("retrieve-phone-users", true, vec![], "GET /phone/users"),
    ]
}

#[tokio::test]
async fn simulator_answers_for_all_33_endpoints_validate_against_the_response_schemas() {
    let spec = spec();
    let (host, sim): (Host, _) = (host(), simulator().await);
    let calls = one_call_each();
    let called: BTreeSet<&str> = calls.iter().map(|(a, ..)| *a).collect();
    assert_eq!(
        called,
        ISSUE_ACTIONS.iter().copied().collect::<BTreeSet<_>>()
    );
    let mut failures = Vec::new();
    for (action, is_admin, action_params, op_key) in &calls {
        let conn: ZoomConnection = if *is_admin { admin(&sim) } else { user(&sim) };
        let reply = match host.run(action, &conn, action_params).await {
            Ok(reply) => reply,
            Err(e) => {
                failures.push(format!("{action}: {e}"));
                continue;
            }
        };
        let responses = &spec["operations"][*op_key]["responses"];
        let Some(response) = responses.get(reply.status.to_string()) else {
            failures.push(format!(
                "{action}: status {} is not a success status of {op_key} ({:?})",
                reply.status,
                responses.as_object().map(|r| r.keys().collect::<Vec<_>>())
            ));
            continue;
        };
        match response.get("schema").filter(|s| !s.is_null()) {
            None => {
                // Update and delete confirm what they did (Zoom's 204 has no
                // body); anything else must pass Zoom's empty answer on.
                let confirmed = reply.body["updated"] == true || reply.body["deleted"] == true;
                if reply.body != Value::Null && !confirmed {
                    failures.push(format!(
                        "{action}: {op_key} answers no body, got {}",
                        reply.body
                    ));
                }
            }
            Some(schema) => {
                assert!(
                    reply.body.as_object().is_some_and(|o| !o.is_empty()),
                    "{action}: an empty answer proves nothing: {}",
                    reply.body
                );
                let mut errors = Vec::new();
                check_schema(schema, &reply.body, "$", &mut errors);
                failures.extend(errors.into_iter().map(|e| format!("{action}: {e}")));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The 33 titles, exactly as the product overview lists them.
const PRODUCT_TITLES: [(&str, &str); 33] = [
    ("api-call", "Perform an API call in Zoom"),
    ("create-meeting", "Create a meeting in Zoom"),
    ("update-meeting", "Update a meeting in Zoom"),
    ("delete-meeting", "Delete a meeting in Zoom"),
    ("retrieve-meeting", "Retrieve a meeting from Zoom"),
    ("retrieve-meetings", "Retrieve meetings from Zoom"),
    (
        "retrieve-past-meeting",
        "Retrieve past meeting details from Zoom",
    ),
    (
        "retrieve-past-meeting-participants",
        "Retrieve past meeting participants from Zoom",
    ),
    (
        "retrieve-meeting-transcript",
        "Retrieve a meeting transcript from Zoom",
    ),
    (
        "retrieve-meeting-recordings",
        "Retrieve meeting recordings from Zoom",
    ),
    (
        "retrieve-all-recordings",
        "Retrieve all recordings from Zoom",
    ),
    ("retrieve-user", "Retrieve a user from Zoom"),
    (
        "retrieve-user-call-history",
        "Retrieve user call history from Zoom",
    ),
    (
        "api-call-admin",
        "Perform an API call in Zoom (Admin Scopes)",
    ),
    (
        "create-meeting-admin",
        "Create a meeting in Zoom (Admin Scopes)",
    ),
    (
        "update-meeting-admin",
        "Update a meeting in Zoom (Admin Scopes)",
    ),
    (
        "delete-meeting-admin",
        "Delete a meeting in Zoom (Admin Scopes)",
    ),
    (
        "retrieve-meeting-admin",
        "Retrieve a meeting from Zoom (Admin Scopes)",
    ),
    (
        "retrieve-meetings-admin",
        "Retrieve meetings from Zoom (Admin Scopes)",
    ),
    (
        "retrieve-past-meeting-admin",
        "Retrieve past meeting details from Zoom (Admin Scopes)",
    ),
    (
        "retrieve-past-meeting-participants-admin",
        "Retrieve past meeting participants from Zoom (Admin Scopes)",
    ),
    (
        "retrieve-meeting-transcript-admin",
        "Retrieve a meeting transcript from Zoom (Admin Scopes)",
    ),
    (
        "retrieve-meeting-recordings-admin",
        "Retrieve meeting recordings from Zoom (Admin Scopes)",
    ),
    (
        "retrieve-all-recordings-admin",
        "Retrieve all recordings from Zoom (Admin Scopes)",
    ),
    (
        "retrieve-meeting-detail-report",
        "Retrieve meeting detail reports from Zoom (Admin Scopes)",
    ),
    (
        "retrieve-meeting-participant-report",
        "Retrieve meeting participant reports from Zoom (Admin Scopes)",
    ),
    (
        "retrieve-meeting-activities-report",
        "Retrieve a meeting activities report from Zoom (Admin Scopes)",
    ),
    (
        "retrieve-webinar-detail-report",
        "Retrieve webinar detail reports from Zoom (Admin Scopes)",
    ),
    (
        "retrieve-history-meetings",
        "Retrieve history meeting and webinar list from Zoom (Admin Scopes)",
    ),
    (
        "retrieve-user-call-history-admin",
        "Retrieve user call history from Zoom (Admin Scopes)",
    ),
    (
        "retrieve-account-call-history",
        "Retrieve accounts call history from Zoom (Admin Scopes)",
    ),
    (
        "retrieve-call-history",
        "Retrieve call history from Zoom (Admin Scopes)",
    ),
    (
        "retrieve-phone-users",
        "Retrieve phone users from Zoom (Admin Scopes)",
    ),
];

#[tokio::test]
async fn titles_are_the_products_and_admin_actions_say_so() {
    let infos = host().describe_all().await.unwrap();
    let titles: BTreeMap<&str, &str> = infos
        .iter()
        .map(|i| (i.name.as_str(), i.title.as_str()))
        .collect();
    assert_eq!(titles, BTreeMap::from(PRODUCT_TITLES));
    for info in &infos {
        assert_eq!(
            info.title.ends_with(" (Admin Scopes)"),
            info.connection == ConnectionKind::Admin,
            "{}: {}",
            info.name,
            info.title
        );
    }
}

#[tokio::test]
async fn the_account_call_historys_recording_default_is_zooms_and_said() {
    let spec = spec();
    let info = host()
        .action("retrieve-account-call-history")
        .await
        .unwrap()
        .info
        .clone();
    let zoom = operation_params(operation(&spec, &info))["recording_status"]
        .2
        .clone();
    let declared = info.param("recording_status").unwrap();
    assert_eq!(declared.default.as_deref(), zoom["default"].as_str());
    assert_eq!(declared.default.as_deref(), Some("recorded"));
    assert!(
        declared.description.contains("recorded calls only"),
        "{}",
        declared.description
    );
}

#[tokio::test]
async fn every_builtin_components_own_describe_equals_the_declaration_the_host_lists() {
    // `wrk-zoom actions` and `describe` answer from the declarations without
    // compiling; each component must describe itself exactly so.
    let host = wrk_zoom_e2e::host();
    let names = host.action_names();
    assert_eq!(names.len(), 33);
    for name in names {
        let listed = host.info(&name).await.unwrap();
        let own = host
            .builtin_info(&name)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("{name} is not built in"));
        assert_eq!(
            own, listed,
            "{name}: the component describes itself differently"
        );
    }
}
