//! Every wrk-zoom action, declared once, as `const` data only. Each action
//! crate under `components/actions/` exports one of these (a test checks the
//! crates and [`ALL`] match). A declaration writes out what its action is
//! over the neutral [`Action::BASE`](crate::Action::BASE) and copies nothing
//! from a sibling; the one derivation is an admin twin, made from its user
//! twin with [`Action::admin`](crate::Action::admin) so that only what
//! differs (name, connection, scopes) is written down. Code that runs an
//! action lives in the SDK's runners, which declarations name
//! ([`Runner`](crate::Runner)).

// Each constant is one action: its `name` and `title` are its documentation.
#![allow(missing_docs)]

/// The committed output schema of a catalog action
/// (`spec/output-schemas/NAME.json`, made by `scripts/extract-openapi.py`
/// from Zoom's documented answer).
macro_rules! output_schema {
    ($name:literal) => {
        Some(include_str!(concat!(
            "../../../../spec/output-schemas/",
            $name,
            ".json"
        )))
    };
}

pub mod api_call;
pub mod meetings;
pub mod past_meetings;
pub mod phone;
pub mod recordings;
pub mod reports;
pub mod transcripts;
pub mod users;

use crate::Action;

/// All declared actions, in the order `wrk-zoom actions` lists them.
pub const ALL: &[Action] = &[
    users::RETRIEVE_USER,
    meetings::CREATE_MEETING,
    meetings::CREATE_MEETING_ADMIN,
    meetings::UPDATE_MEETING,
    meetings::UPDATE_MEETING_ADMIN,
    meetings::DELETE_MEETING,
    meetings::DELETE_MEETING_ADMIN,
    meetings::RETRIEVE_MEETING,
    meetings::RETRIEVE_MEETING_ADMIN,
    meetings::RETRIEVE_MEETINGS,
    meetings::RETRIEVE_MEETINGS_ADMIN,
    past_meetings::RETRIEVE_PAST_MEETING,
    past_meetings::RETRIEVE_PAST_MEETING_ADMIN,
    past_meetings::RETRIEVE_PAST_MEETING_PARTICIPANTS,
    past_meetings::RETRIEVE_PAST_MEETING_PARTICIPANTS_ADMIN,
    transcripts::RETRIEVE_MEETING_TRANSCRIPT,
    transcripts::RETRIEVE_MEETING_TRANSCRIPT_ADMIN,
    recordings::RETRIEVE_MEETING_RECORDINGS,
    recordings::RETRIEVE_MEETING_RECORDINGS_ADMIN,
    recordings::RETRIEVE_ALL_RECORDINGS,
    recordings::RETRIEVE_ALL_RECORDINGS_ADMIN,
    phone::RETRIEVE_USER_CALL_HISTORY,
    phone::RETRIEVE_USER_CALL_HISTORY_ADMIN,
    phone::RETRIEVE_ACCOUNT_CALL_HISTORY,
    phone::RETRIEVE_CALL_HISTORY,
    phone::RETRIEVE_PHONE_USERS,
    reports::RETRIEVE_MEETING_DETAIL_REPORT,
    reports::RETRIEVE_MEETING_PARTICIPANT_REPORT,
    reports::RETRIEVE_MEETING_ACTIVITIES_REPORT,
    reports::RETRIEVE_WEBINAR_DETAIL_REPORT,
    reports::RETRIEVE_HISTORY_MEETINGS,
    api_call::API_CALL,
    api_call::API_CALL_ADMIN,
];

/// The declaration of the action called `name`, if the catalog has one.
pub fn by_name(name: &str) -> Option<&'static Action> {
    ALL.iter().find(|action| action.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::sample;

    #[test]
    fn names_are_unique_and_admin_twins_are_admin() {
        let mut names: Vec<&str> = ALL.iter().map(|a| a.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), ALL.len());
        for action in ALL {
            // Admin actions hold only `:admin` scopes, user actions none; an
            // empty list (api-call: scopes are per endpoint) fits either.
            let mut scopes = action.classic_scopes.iter().chain(action.granular_scopes);
            let matches = match action.connection {
                crate::ConnectionKind::Admin => scopes.all(|s| s.ends_with(":admin")),
                crate::ConnectionKind::User => scopes.all(|s| !s.ends_with(":admin")),
            };
            assert!(
                matches,
                "{} scopes must match its connection kind",
                action.name
            );
        }
    }

    #[test]
    fn declarations_state_name_title_and_path() {
        for action in ALL {
            assert!(
                !action.name.is_empty() && !action.title.is_empty(),
                "a declaration without a name or title: {action:?}"
            );
            assert!(
                action.path.starts_with('/'),
                "{}: the path must start with '/'",
                action.name
            );
        }
    }

    #[test]
    fn path_templates_name_declared_params() {
        for action in ALL {
            let mut rest = action.path;
            while let Some(open) = rest.find('{') {
                let close = open + rest[open..].find('}').unwrap();
                let name = &rest[open + 1..close];
                let declared = action
                    .param(name)
                    .is_some_and(|p| p.location == crate::ParamLocation::Path);
                assert!(
                    declared || name == "userId",
                    "{}: {{{name}}} is not a path param",
                    action.name
                );
                rest = &rest[close + 1..];
            }
        }
    }

    #[test]
    fn every_action_plans_its_request_from_minimal_params() {
        for action in ALL {
            let mut required: Vec<(String, String)> = action
                .all_params()
                .into_iter()
                .filter(|p| p.required)
                .map(|p| (p.name.to_string(), sample(p)))
                .collect();
            // An update must change something: give it one field.
            if action
                .rules
                .iter()
                .any(|r| matches!(r, crate::Rule::ChangesSomething))
            {
                required.push(("topic".into(), "Renamed".into()));
            }
            let request = crate::plan(action, &required).unwrap_or_else(|f| {
                panic!("{} does not plan from {required:?}: {f:?}", action.name)
            });
            let fixed = action.path.split('{').next().unwrap_or_default();
            assert!(
                request.path_and_query.starts_with(fixed),
                "{}: {} is not under {fixed}",
                action.name,
                request.path_and_query
            );
            if action.custom_plan.is_none() {
                assert_eq!(request.method, action.method, "{}", action.name);
                assert!(
                    !request.path_and_query.contains('{'),
                    "{}: {}",
                    action.name,
                    request.path_and_query
                );
            }
        }
    }

    /// `components/actions/`, one crate per action.
    fn actions_dir() -> std::path::PathBuf {
        // Read when the test runs (cargo sets it), not baked in at build time:
        // a target directory shared by two checkouts must not read the other.
        let dir = std::env::var("CARGO_MANIFEST_DIR")
            .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string());
        std::path::PathBuf::from(dir).join("../actions")
    }

    /// The crates under `components/actions/` (directories with a
    /// `Cargo.toml`), sorted.
    fn action_crates() -> Vec<String> {
        let dir = actions_dir();
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
            .map(|entry| entry.expect("a directory entry").path())
            .filter(|path| path.join("Cargo.toml").is_file())
            .map(|path| path.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    /// The entries of [`ALL`] as written in this file: (module, constant).
    fn all_as_written() -> Vec<(&'static str, &'static str)> {
        let source = include_str!("mod.rs");
        let start = source
            .find("pub const ALL: &[Action] = &[")
            .expect("ALL is declared in catalog/mod.rs");
        let list = &source[start..];
        let list = &list[list.find("= &[").unwrap() + 4..list.find("];").unwrap()];
        list.split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .map(|entry| {
                entry
                    .split_once("::")
                    .unwrap_or_else(|| panic!("'{entry}' is not module::CONSTANT"))
            })
            .collect()
    }

    /// The argument of the one `export_action!(...)` in an action crate's
    /// `lib.rs`, without whitespace.
    fn exported(lib: &str) -> Result<String, String> {
        let mut calls = lib.match_indices("export_action!(");
        let Some((at, call)) = calls.next() else {
            return Err("has no export_action!(...)".into());
        };
        if calls.next().is_some() {
            return Err("has more than one export_action!".into());
        }
        let argument = &lib[at + call.len()..];
        let end = argument
            .find(')')
            .ok_or("has an unclosed export_action!(")?;
        Ok(argument[..end].split_whitespace().collect())
    }

    #[test]
    fn action_crates_are_exactly_the_catalog() {
        let mut declared: Vec<&str> = ALL.iter().map(|a| a.name).collect();
        declared.sort();
        let crates = action_crates();
        let missing: Vec<&&str> = declared
            .iter()
            .filter(|name| !crates.iter().any(|c| c == *name))
            .collect();
        let undeclared: Vec<&String> = crates
            .iter()
            .filter(|c| !declared.contains(&c.as_str()))
            .collect();
        assert!(
            missing.is_empty() && undeclared.is_empty(),
            "components/actions/ must hold one crate per action of catalog::ALL: \
             declared without a crate: {missing:?}; crates not in catalog::ALL: {undeclared:?}"
        );
        assert_eq!(crates, declared);
    }

    #[test]
    fn each_action_crate_exports_its_declaration() {
        let written = all_as_written();
        assert_eq!(
            written.len(),
            ALL.len(),
            "catalog::ALL as parsed: {written:?}"
        );
        for ((module, constant), action) in written.into_iter().zip(ALL) {
            assert_eq!(
                constant,
                action.name.to_ascii_uppercase().replace('-', "_"),
                "catalog::ALL: {module}::{constant} declares '{}'",
                action.name
            );
            let dir = actions_dir().join(action.name);
            let read = |file: &str| {
                std::fs::read_to_string(dir.join(file))
                    .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.join(file).display()))
            };
            let manifest = read("Cargo.toml");
            assert!(
                manifest
                    .lines()
                    .any(|line| line.replace(' ', "") == format!("name=\"{}\"", action.name)),
                "components/actions/{}/Cargo.toml must name the crate {0}",
                action.name
            );
            let lib = read("src/lib.rs");
            assert_eq!(
                exported(&lib)
                    .map_err(|e| format!("components/actions/{}/src/lib.rs {e}", action.name)),
                Ok(format!("wrk_zoom_sdk::catalog::{module}::{constant}")),
                "components/actions/{}/src/lib.rs must export its declaration",
                action.name
            );
        }
    }

    #[test]
    fn every_parameter_is_described_in_one_line() {
        for action in ALL {
            for param in action.all_params() {
                assert!(
                    !param.description.is_empty() && !param.description.contains('\n'),
                    "{}: {} needs a one-line description",
                    action.name,
                    param.name
                );
            }
        }
    }
}
