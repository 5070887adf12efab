//! Parameter validation: raw name/value text in, typed values out, or every
//! problem at once. Runs before any request, in `plan` and `run` alike.

use crate::dates::{self, Date};
use crate::ids::{self, MeetingRef};
use crate::schema;
use crate::suggest::closest;
use crate::{Action, Failure, InvalidParam, Param, ParamLocation, ParamType, Rule};

/// A validated parameter value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// Free text, a date, a date-time, a choice or a user ID.
    Text(String),
    /// A whole number.
    Integer(i64),
    /// `true` or `false`.
    Boolean(bool),
    /// A JSON object or array.
    Json(serde_json::Value),
    /// The items of a list.
    List(Vec<String>),
    /// A meeting ID or UUID.
    Meeting(MeetingRef),
}

impl Value {
    /// The value as it goes into a query string or a path.
    pub fn to_text(&self) -> String {
        match self {
            Value::Text(t) => t.clone(),
            Value::Integer(n) => n.to_string(),
            Value::Boolean(b) => b.to_string(),
            Value::Json(v) => v.to_string(),
            Value::List(items) => items.join(","),
            Value::Meeting(MeetingRef::Id(id)) => id.to_string(),
            Value::Meeting(MeetingRef::Uuid(uuid)) => uuid.clone(),
        }
    }

    /// The value as a field of a JSON body.
    pub fn to_json(&self, kind: ParamType) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Value::Text(t) => match kind {
                // Zoom types these enums as integers (meeting `type`, ...).
                ParamType::Choice(choices) if choices.iter().all(|c| c.parse::<i64>().is_ok()) => t
                    .parse::<i64>()
                    .map(J::from)
                    .unwrap_or_else(|_| J::from(t.as_str())),
                _ => J::from(t.as_str()),
            },
            Value::Integer(n) => J::from(*n),
            Value::Boolean(b) => J::from(*b),
            Value::Json(v) => v.clone(),
            Value::List(items) => J::from(items.clone()),
            Value::Meeting(MeetingRef::Id(id)) => J::from(*id),
            Value::Meeting(MeetingRef::Uuid(uuid)) => J::from(uuid.as_str()),
        }
    }
}

/// Validated parameters of one call, by name.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Values {
    entries: Vec<(&'static str, Value)>,
}

impl Values {
    /// The value of the parameter `name`, if it was given.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.entries
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v)
    }

    /// The value of `name` as text (see [`Value::to_text`]), if given.
    pub fn text(&self, name: &str) -> Option<String> {
        self.get(name).map(Value::to_text)
    }

    /// An integer parameter, or the default `action` declares for it when
    /// it was not given (validation does not fill defaults in).
    pub fn integer_or_default(&self, action: &Action, name: &str) -> Option<i64> {
        match self.get(name) {
            Some(Value::Integer(n)) => Some(*n),
            _ => action
                .param(name)
                .and_then(|p| p.default)
                .and_then(|d| d.parse().ok()),
        }
    }

    /// Every given parameter with its value, in the order validated.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &Value)> {
        self.entries.iter().map(|(n, v)| (*n, v))
    }
}

/// Validates `raw` against the action's parameters and rules, reporting every
/// bad field at once.
pub fn validate(action: &Action, raw: &[(String, String)]) -> Result<Values, Failure> {
    let params = action.all_params();
    let mut problems = Vec::new();
    let mut values = Values::default();
    for (name, text) in raw {
        let Some(param) = params.iter().find(|p| p.name == name.as_str()) else {
            if name == "userId" && action.addresses_user() {
                problems.push(InvalidParam::new(
                    name,
                    format!("is not accepted: {} acts as the connection's own user (`me`); use {}-admin for other users", action.name, action.name),
                ));
                continue;
            }
            let hint = closest(name, params.iter().map(|p| p.name))
                .map(|c| format!("; did you mean '{c}'?"))
                .unwrap_or_else(|| {
                    let names: Vec<&str> = params.iter().map(|p| p.name).collect();
                    if names.is_empty() {
                        "; it takes no parameters".to_string()
                    } else {
                        format!("; accepted: {}", names.join(", "))
                    }
                });
            problems.push(InvalidParam::new(
                name,
                format!("is not a parameter of {}{hint}", action.name),
            ));
            continue;
        };
        if values.get(name).is_some() {
            problems.push(InvalidParam::new(
                name,
                "is given more than once; give it once",
            ));
            continue;
        }
        match parse_value(param, text).and_then(|value| no_dot_segment(param, value)) {
            Ok(value) => {
                if let (Value::Json(json), Some(schemas)) = (&value, action.body_schemas) {
                    let mut nested = Vec::new();
                    schema::check_field(schemas, param.name, json, &mut nested);
                    problems.extend(nested.into_iter().map(|(n, m)| InvalidParam::new(n, m)));
                }
                values.entries.push((param.name, value))
            }
            Err(message) => problems.push(InvalidParam::new(name, message)),
        }
    }
    for param in &params {
        if param.required && !raw.iter().any(|(n, _)| n == param.name) {
            problems.push(InvalidParam::new(
                param.name,
                format!("is required: {}", param.description),
            ));
        }
    }
    for rule in action.rules {
        check_rule(action, rule, &values, &mut problems);
    }
    if problems.is_empty() {
        Ok(values)
    } else {
        Err(Failure::InvalidParams(problems))
    }
}

/// Refuses a path parameter whose value is exactly `.` or `..`: encoded as
/// is it would be a dot segment, which clients and servers resolve
/// (`/phone/call_history/..` is `/phone/`), so the request would address a
/// different endpoint than the declared one.
fn no_dot_segment(param: &Param, value: Value) -> Result<Value, String> {
    let dots = matches!(value.to_text().as_str(), "." | "..");
    if param.location == ParamLocation::Path && dots {
        Err(
            "may not be `.` or `..`: as a path segment it would address a different endpoint"
                .into(),
        )
    } else {
        Ok(value)
    }
}

/// The items of a list given as a JSON array (`["inbound","outbound"]`, as
/// a form or `--params-file` sends it) or as comma-separated text
/// (`inbound,outbound`): both mean the same.
fn list_items(text: &str) -> Result<Vec<String>, String> {
    let trimmed = text.trim();
    let items: Vec<String> = if trimmed.starts_with('[') {
        let array: Vec<serde_json::Value> = serde_json::from_str(trimmed).map_err(|e| {
            format!("must be a JSON array of strings like [\"a\",\"b\"] or a comma-separated list like a,b; it is not valid JSON ({e})")
        })?;
        array
            .into_iter()
            .map(|item| match item {
                serde_json::Value::String(s) => Ok(s.trim().to_string()),
                serde_json::Value::Number(n) => Ok(n.to_string()),
                other => Err(format!(
                    "must be a list of strings or numbers; {other} is neither"
                )),
            })
            .collect::<Result<_, _>>()?
    } else {
        trimmed.split(',').map(|s| s.trim().to_string()).collect()
    };
    if items.is_empty() || items.iter().any(String::is_empty) {
        return Err(format!(
            "must be a list without empty items, like a,b or [\"a\",\"b\"], got '{text}'"
        ));
    }
    Ok(items)
}

fn parse_value(param: &Param, text: &str) -> Result<Value, String> {
    if text.is_empty() && param.kind != ParamType::Text {
        return Err("is empty; give a value or leave the parameter out".into());
    }
    let range = || match (param.min, param.max) {
        (Some(lo), Some(hi)) => format!(" from {lo} to {hi}"),
        (Some(lo), None) => format!(" of at least {lo}"),
        (None, Some(hi)) => format!(" of at most {hi}"),
        (None, None) => String::new(),
    };
    match param.kind {
        ParamType::Text => {
            let len = text.chars().count() as i64;
            if param.required && text.trim().is_empty() {
                return Err("is empty; give a value".into());
            }
            if let Some(max) = param.max.filter(|m| len > *m) {
                return Err(format!("is {len} characters long; at most {max} are allowed"));
            }
            if let Some(min) = param.min.filter(|m| len < *m) {
                return Err(format!("is {len} characters long; at least {min} are required"));
            }
            Ok(Value::Text(text.to_string()))
        }
        ParamType::Integer => {
            let n: i64 = text
                .trim()
                .parse()
                .map_err(|_| format!("must be a whole number{}, got '{text}'", range()))?;
            let below = param.min.is_some_and(|lo| n < lo);
            let above = param.max.is_some_and(|hi| n > hi);
            if below || above {
                return Err(format!("must be a whole number{}, got {n}", range()));
            }
            Ok(Value::Integer(n))
        }
        ParamType::Boolean => match text.trim().to_ascii_lowercase().as_str() {
            "true" => Ok(Value::Boolean(true)),
            "false" => Ok(Value::Boolean(false)),
            _ => Err(format!("must be true or false, got '{text}'")),
        },
        ParamType::Date => Date::parse(text.trim())
            .map(|_| Value::Text(text.trim().to_string()))
            .ok_or_else(|| format!("must be a date as yyyy-mm-dd (e.g. 2026-11-28), got '{text}'")),
        ParamType::DateTime => dates::normalize_date_time(text)
            .map(Value::Text)
            .ok_or_else(|| {
                format!("must be a date-time such as 2026-12-01T09:00:00Z (UTC), 2026-12-01T11:00:00+02:00 (an offset) or 2026-12-01T09:00:00 (local, read in `timezone`), got '{text}'")
            }),
        ParamType::DateOrDateTime => dates::parse_date_or_date_time(text.trim())
            .map(|_| Value::Text(text.trim().to_string()))
            .ok_or_else(|| format!("must be yyyy-mm-dd or yyyy-MM-ddTHH:mm:ssZ, got '{text}'")),
        ParamType::Choice(choices) => {
            if choices.contains(&text) {
                Ok(Value::Text(text.to_string()))
            } else {
                let hint = closest(text, choices.iter().copied())
                    .map(|c| format!(" (did you mean '{c}'?)"))
                    .unwrap_or_default();
                Err(format!("must be one of {}, got '{text}'{hint}", choices.join(", ")))
            }
        }
        ParamType::TextList(choices) => {
            let items = list_items(text)?;
            if let Some(max) = param.max.filter(|m| items.len() as i64 > *m) {
                return Err(format!(
                    "has {} items; Zoom takes at most {max}",
                    items.len()
                ));
            }
            if let Some(bad) = items
                .iter()
                .find(|i| !choices.is_empty() && !choices.contains(&i.as_str()))
            {
                return Err(format!(
                    "has '{bad}'; each item must be one of {}",
                    choices.join(", ")
                ));
            }
            Ok(Value::List(items))
        }
        ParamType::MeetingId => ids::parse_meeting_id(text.trim()).map(|id| Value::Meeting(MeetingRef::Id(id))),
        ParamType::MeetingIdOrUuid => ids::parse_meeting_ref(text).map(Value::Meeting),
        ParamType::UserId => ids::parse_user_id(text).map(Value::Text),
        ParamType::JsonObject => match serde_json::from_str::<serde_json::Value>(text) {
            Ok(v @ serde_json::Value::Object(_)) => Ok(Value::Json(v)),
            Ok(_) => Err(format!("must be a JSON object like {{\"key\": \"value\"}}, got '{text}'")),
            Err(e) => Err(format!("must be a JSON object; it is not valid JSON ({e})")),
        },
        ParamType::JsonArray => match serde_json::from_str::<serde_json::Value>(text) {
            Ok(v @ serde_json::Value::Array(_)) => Ok(Value::Json(v)),
            Ok(_) => Err(format!("must be a JSON array like [{{\"field\": \"x\"}}], got '{text}'")),
            Err(e) => Err(format!("must be a JSON array; it is not valid JSON ({e})")),
        },
    }
}

fn date_of(values: &Values, name: &str) -> Option<Date> {
    values
        .text(name)
        .and_then(|t| dates::parse_date_or_date_time(&t))
}

fn check_rule(action: &Action, rule: &Rule, values: &Values, problems: &mut Vec<InvalidParam>) {
    match *rule {
        Rule::DateWindow {
            from,
            to,
            required,
            to_with_from,
        } => {
            let (has_from, has_to) = (values.get(from).is_some(), values.get(to).is_some());
            let already = |n: &str| problems.iter().any(|p| p.name == n);
            if required {
                // Missing ones are already reported as required.
                if !has_from || !has_to {
                    return;
                }
            }
            if to_with_from && has_from && !has_to && !already(to) {
                problems.push(InvalidParam::new(
                    to,
                    format!("is required when '{from}' is given (a range of at most one month)"),
                ));
            }
            if let (Some(start), Some(end)) = (date_of(values, from), date_of(values, to)) {
                if end < start {
                    problems.push(InvalidParam::new(
                        to,
                        format!("must not be before '{from}'"),
                    ));
                } else if end > start.plus_one_month() {
                    problems.push(InvalidParam::new(
                        to,
                        format!("must be at most one month after '{from}' (Zoom's limit); split the range, or follow every page, which splits it into months for you"),
                    ));
                }
            }
        }
        Rule::Requires(dependent, on) => {
            if values.get(dependent).is_some() && values.get(on).is_none() {
                problems.push(InvalidParam::new(
                    dependent,
                    format!("is only valid together with '{on}'"),
                ));
            }
        }
        Rule::UtcIgnoresZone { time, zone } => {
            if let (Some(Value::Text(at)), Some(tz)) = (values.get(time), values.get(zone))
                && at.ends_with('Z')
            {
                let local = at.trim_end_matches('Z');
                problems.push(InvalidParam::new(
                    time,
                    format!(
                        "is a moment in UTC ({at}) and {zone} is {tz}: Zoom would start the meeting at {at} and only show it in {tz}. For a local time in {tz}, write it without Z or offset (e.g. {local}); to keep this moment, leave out {zone}",
                        tz = tz.to_text()
                    ),
                ));
            }
        }
        Rule::ChangesSomething => {
            let body: Vec<&str> = action
                .all_params()
                .into_iter()
                .filter(|p| p.location == ParamLocation::Body)
                .map(|p| p.name)
                .collect();
            // A field given but refused counts as given (its own problem says why).
            let given = |name: &&str| {
                values.get(name).is_some() || problems.iter().any(|p| p.name == *name)
            };
            if let Some(first) = body.first()
                && !body.iter().any(given)
            {
                problems.push(InvalidParam::new(
                    *first,
                    format!(
                        "or another field to change is needed: the update changes nothing; give at least one of {} (an empty update still counts against Zoom's daily limit)",
                        body.join(", ")
                    ),
                ));
            }
        }
        Rule::OnlyWith { when, allowed, why } => {
            if values.get(when).is_some() {
                for param in action
                    .all_params()
                    .into_iter()
                    .filter(|p| p.location == ParamLocation::Body)
                    .filter(|p| !allowed.contains(&p.name) && values.get(p.name).is_some())
                {
                    problems.push(InvalidParam::new(
                        param.name,
                        format!("cannot be changed with {when}: {why}"),
                    ));
                }
            }
        }
        Rule::NotWithFlag { params, flag, why } => {
            if matches!(values.get(flag), Some(Value::Boolean(true))) {
                for param in params.iter().copied().filter(|p| values.get(p).is_some()) {
                    problems.push(InvalidParam::new(
                        param,
                        format!("cannot be used with {flag}=true: {why}"),
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ConnectionKind, Method, RateCategory};

    const ACTION: Action = Action {
        name: "example",
        title: "Example",
        connection: ConnectionKind::User,
        classic_scopes: &[],
        granular_scopes: &[],
        method: Method::Get,
        path: "/report/{meetingId}",
        rate: RateCategory::Heavy,
        list_key: Some("items"),
        params: &[
            Param::path(
                "meetingId",
                ParamType::MeetingIdOrUuid,
                "Meeting ID or UUID",
            ),
            Param::page_size(300),
            Param::query("type", ParamType::Choice(&["live", "scheduled"]), "Kind"),
            Param::query("from", ParamType::Date, "Start date"),
            Param::query("to", ParamType::Date, "End date"),
            Param::body("settings", ParamType::JsonObject, "Settings"),
            Param::body("topic", ParamType::Text, "Topic").max_len(10),
        ],
        rules: &[Rule::DateWindow {
            from: "from",
            to: "to",
            required: false,
            to_with_from: true,
        }],
        ..Action::BASE
    };

    use crate::test_support::raw;

    fn problems(pairs: &[(&str, &str)]) -> Vec<InvalidParam> {
        match validate(&ACTION, &raw(pairs)) {
            Err(Failure::InvalidParams(p)) => p,
            other => panic!("expected invalid params, got {other:?}"),
        }
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let p = problems(&[
            ("page_size", "500"),
            ("type", "liv"),
            ("from", "2026-02-30"),
            ("settings", "[1]"),
            ("topic", "far too long a topic"),
            ("pagesize", "3"),
        ]);
        let names: Vec<&str> = p.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "page_size",
                "type",
                "from",
                "settings",
                "topic",
                "pagesize",
                "meetingId"
            ]
        );
        assert!(p[0].message.contains("from 1 to 300"));
        assert!(p[1].message.contains("did you mean 'live'"));
        assert!(p[2].message.contains("yyyy-mm-dd"));
        assert!(p[3].message.contains("JSON object"));
        assert!(p[4].message.contains("at most 10"));
        assert!(p[5].message.contains("did you mean 'page_size'"));
        assert!(p[6].message.contains("required"));
    }

    #[test]
    fn date_windows_are_at_most_one_month() {
        let p = problems(&[
            ("meetingId", "1234567890"),
            ("from", "2026-01-01"),
            ("to", "2026-02-02"),
        ]);
        assert_eq!(p[0].name, "to");
        assert!(p[0].message.contains("at most one month"));
        let p = problems(&[("meetingId", "1234567890"), ("from", "2026-01-01")]);
        assert!(p[0].message.contains("required when 'from'"));
        let ok = validate(
            &ACTION,
            &raw(&[
                ("meetingId", "1234567890"),
                ("from", "2026-01-31"),
                ("to", "2026-02-28"),
            ]),
        );
        assert!(ok.is_ok());
    }

    #[test]
    fn no_path_param_may_be_a_dot_segment() {
        const FILE: Action = Action {
            name: "file",
            title: "File",
            path: "/files/{fileId}/{kind}",
            params: &[
                Param::path("fileId", ParamType::Text, "File"),
                Param::path("kind", ParamType::Choice(&["a", "..", "."]), "Kind"),
                Param::query("q", ParamType::Text, "Query text"),
            ],
            ..Action::BASE
        };
        let Err(Failure::InvalidParams(p)) =
            validate(&FILE, &raw(&[("fileId", ".."), ("kind", "."), ("q", "..")]))
        else {
            panic!("dot segments must be refused");
        };
        let names: Vec<&str> = p.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["fileId", "kind"], "a query value may be '..'");
        assert!(
            p.iter()
                .all(|p| p.message.starts_with("may not be `.` or `..`"))
        );
        assert!(validate(&FILE, &raw(&[("fileId", "..."), ("kind", "a")])).is_ok());
    }

    #[test]
    fn valid_values_are_typed() {
        let v = validate(
            &ACTION,
            &raw(&[("meetingId", "851 2345 6789"), ("page_size", "300")]),
        )
        .unwrap();
        assert_eq!(
            v.get("meetingId"),
            Some(&Value::Meeting(MeetingRef::Id(85123456789)))
        );
        assert_eq!(v.get("page_size"), Some(&Value::Integer(300)));
    }
}
