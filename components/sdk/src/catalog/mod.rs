//! Every wrk-zoom action, declared once, as `const` data only. Each action
//! crate under `components/actions/` exports one of these (a test checks the
//! crates and [`ALL`] match). A declaration writes out what its action is
//! over the neutral [`Action::BASE`](crate::Action::BASE) and copies nothing
//! from a sibling; the one derivation is an admin twin, made from its user
//! twin with [`Action::admin`](crate::Action::admin) so that only what
//! differs (name, connection, scopes) is written down. Code that runs an
//! action lives in [`runners`](crate::runners), which declarations name.

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

#[cfg(test)]
mod tests {
    use super::*;

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

    /// A minimal valid value for a parameter of this kind.
    fn sample(param: &crate::Param) -> String {
        use crate::ParamType;
        let text = match (param.name, param.kind) {
            ("path", _) => "/users/me",
            ("from", _) => "2026-11-01",
            ("to", _) => "2026-11-28",
            (_, ParamType::Choice(choices) | ParamType::TextList(choices))
                if !choices.is_empty() =>
            {
                choices[0]
            }
            (_, ParamType::MeetingId | ParamType::MeetingIdOrUuid) => "85123456789",
            (_, ParamType::UserId) => "ada@example.com",
            (_, ParamType::Integer) => "1",
            (_, ParamType::Boolean) => "true",
            (_, ParamType::Date | ParamType::DateOrDateTime) => "2026-11-01",
            (_, ParamType::DateTime) => "2026-11-01T10:00:00Z",
            (_, ParamType::JsonObject) => "{}",
            (_, ParamType::JsonArray) => "[]",
            _ => "abc",
        };
        text.to_string()
    }

    #[test]
    fn every_action_plans_its_request_from_minimal_params() {
        for action in ALL {
            let required: Vec<(String, String)> = action
                .all_params()
                .into_iter()
                .filter(|p| p.required)
                .map(|p| (p.name.to_string(), sample(p)))
                .collect();
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
