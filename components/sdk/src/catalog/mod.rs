//! Every wrk-zoom action, declared once. Each action crate under
//! `components/actions/` exports one of these; admin twins are derived from
//! their user twins with [`Action::admin`](crate::Action::admin), so only
//! what differs (name, connection, scopes) is written down.

pub mod meetings;
pub mod past_meetings;
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
            let admin_scoped = action
                .classic_scopes
                .iter()
                .chain(action.granular_scopes)
                .all(|s| s.ends_with(":admin"));
            assert_eq!(
                action.connection == crate::Connection::Admin,
                admin_scoped,
                "{} scopes must match its connection kind",
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
                    .is_some_and(|p| p.location == crate::In::Path);
                assert!(
                    declared || name == "userId",
                    "{}: {{{name}}} is not a path param",
                    action.name
                );
                rest = &rest[close + 1..];
            }
        }
    }
}
