//! Property tests: whatever text a caller sends, planning any action of the
//! [`catalog`](crate::catalog) never panics. It returns a request that stays
//! under the declared endpoint, or the list of refused parameters.
//!
//! Each case applies its hostile input to every action of
//! [`catalog::ALL`](crate::catalog::ALL) (and, for the single-parameter
//! property, to every parameter of each), through the same [`plan`] the
//! component's `plan` export and `run` call first, and through
//! [`guest::plan`], the export itself.

use crate::guest;
use percent_encoding::percent_decode_str;
use proptest::prelude::*;
use proptest::sample::Index;
use wrk_zoom_spec::catalog::ALL;
use wrk_zoom_spec::request::Request;
use wrk_zoom_spec::test_support::{SPECIAL, hostile_text, sample};
use wrk_zoom_spec::{Action, Failure, plan};

/// Cases per property: each case plans every action, so this stays quick.
const CASES: u32 = 64;

/// Every required parameter of `action` with a valid sample value.
fn required(action: &Action) -> Vec<(String, String)> {
    action
        .all_params()
        .into_iter()
        .filter(|p| p.required)
        .map(|p| (p.name.to_string(), sample(p)))
        .collect()
}

/// `params` with `name` set to `value` (replacing its sample, if any).
fn with(mut params: Vec<(String, String)>, name: &str, value: &str) -> Vec<(String, String)> {
    params.retain(|(n, _)| n != name);
    params.push((name.to_string(), value.to_string()));
    params
}

/// Plans `params` natively and through the component export, and checks the
/// outcome: a safe request, or a non-empty list of refused parameters, each
/// one given or declared.
fn check(action: &Action, params: &[(String, String)]) -> Result<(), TestCaseError> {
    let outcome = plan(action, params);
    let exported = guest::plan(action, params);
    prop_assert_eq!(
        exported.is_ok(),
        outcome.is_ok(),
        "{}: the export and the SDK disagree",
        action.name
    );
    match outcome {
        Ok(request) => check_request(action, &request),
        Err(Failure::InvalidParams(problems)) => {
            prop_assert!(
                !problems.is_empty(),
                "{}: refused without a reason",
                action.name
            );
            for problem in &problems {
                // A nested problem (`settings.jbh_time`) belongs to its field.
                let field = problem.name.split(['.', '[']).next().unwrap_or_default();
                let known =
                    params.iter().any(|(n, _)| *n == problem.name) || action.param(field).is_some();
                prop_assert!(
                    known,
                    "{}: a problem with '{}', which is neither given nor declared",
                    action.name,
                    problem.name
                );
                prop_assert!(!problem.message.is_empty());
            }
            Ok(())
        }
        Err(other) => Err(TestCaseError::fail(format!(
            "{}: planning failed with {other:?}, not with invalid parameters",
            action.name
        ))),
    }
}

/// A planned request names an endpoint under the declared one: no dot
/// segments (literal or percent-encoded once), nothing unencoded, JSON body.
fn check_request(action: &Action, request: &Request) -> Result<(), TestCaseError> {
    let text = &request.path_and_query;
    let path = text.split('?').next().unwrap_or_default();
    prop_assert!(path.starts_with('/'), "{}: {text}", action.name);
    for segment in path.split('/') {
        let decoded = percent_decode_str(segment).decode_utf8_lossy();
        prop_assert!(
            !matches!(segment, "." | "..") && !matches!(decoded.as_ref(), "." | ".."),
            "{}: a dot segment in {text}",
            action.name
        );
    }
    if action.custom_plan.is_none() {
        let fixed = action.path.split('{').next().unwrap_or_default();
        prop_assert!(
            path.starts_with(fixed),
            "{}: {text} is not under {fixed}",
            action.name
        );
        prop_assert!(
            text.bytes().all(|b| b.is_ascii_graphic()),
            "{}: unencoded text in {text:?}",
            action.name
        );
        prop_assert_eq!(request.method, action.method);
    } else {
        prop_assert!(
            !text.chars().any(|c| c.is_control() || c.is_whitespace()),
            "{}: control characters or spaces in {text:?}",
            action.name
        );
    }
    if let Some(body) = &request.body {
        prop_assert!(
            serde_json::from_str::<serde_json::Value>(body).is_ok(),
            "{}: the body is not JSON: {body}",
            action.name
        );
    }
    Ok(())
}

/// A parameter to give: one the action declares (picked per action) or a
/// name of the caller's own.
#[derive(Clone, Debug)]
enum Name {
    Declared(Index),
    Unknown(String),
}

fn name() -> impl Strategy<Value = Name> {
    prop_oneof![
        3 => any::<Index>().prop_map(Name::Declared),
        1 => hostile_text().prop_map(Name::Unknown),
    ]
}

/// Every [`SPECIAL`] value in every parameter of every action, so the
/// known-dangerous values are always tried, not only when drawn.
#[test]
fn every_special_value_in_any_declared_param_plans_or_is_refused() {
    for text in SPECIAL {
        for action in ALL {
            for param in action.all_params() {
                let params = with(required(action), param.name, text);
                if let Err(e) = check(action, &params) {
                    panic!("{}: {} = {text:?}: {e}", action.name, param.name);
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    /// Every parameter of every action, one at a time, set to hostile text
    /// (the other required parameters valid).
    #[test]
    fn any_text_in_any_declared_param_plans_or_is_refused(text in hostile_text()) {
        for action in ALL {
            for param in action.all_params() {
                check(action, &with(required(action), param.name, &text))?;
            }
        }
    }

    /// Any mix of declared and unknown parameters, repeated or not, with or
    /// without the required ones.
    #[test]
    fn any_mix_of_params_plans_or_is_refused(
        given in prop::collection::vec((name(), hostile_text()), 0..8),
        with_required in any::<bool>(),
    ) {
        for action in ALL {
            let declared = action.all_params();
            let mut params = if with_required { required(action) } else { Vec::new() };
            for (name, value) in &given {
                let name = match name {
                    Name::Declared(_) if declared.is_empty() => continue,
                    Name::Declared(index) => declared[index.index(declared.len())].name.to_string(),
                    Name::Unknown(name) => name.clone(),
                };
                params.push((name, value.clone()));
            }
            check(action, &params)?;
        }
    }

    /// Parameters an action does not declare are refused, each by its name,
    /// whatever the name.
    #[test]
    fn unknown_params_are_refused_by_name(
        unknown in prop::collection::vec((hostile_text(), hostile_text()), 1..4),
    ) {
        for action in ALL {
            let mut params = required(action);
            let extra: Vec<&(String, String)> = unknown
                .iter()
                .filter(|(name, _)| action.param(name).is_none())
                .collect();
            params.extend(extra.iter().map(|p| (*p).clone()));
            check(action, &params)?;
            if extra.is_empty() {
                continue;
            }
            let Err(Failure::InvalidParams(problems)) = plan(action, &params) else {
                return Err(TestCaseError::fail(format!("{}: {extra:?} were accepted", action.name)));
            };
            for (name, _) in extra {
                prop_assert!(
                    problems.iter().any(|p| p.name == *name),
                    "{}: '{}' is not among the refused: {:?}", action.name, name, problems
                );
            }
        }
    }
}
