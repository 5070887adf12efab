//! The connection's own user.

use crate::{Action, ConnectionKind, Method, RateCategory};

pub const RETRIEVE_USER: Action = Action {
    name: "retrieve-user",
    title: "Retrieve a user from Zoom",
    connection: ConnectionKind::User,
    classic_scopes: &["user:read", "user:write", "user_profile", "user_info:read"],
    granular_scopes: &["user:read:user"],
    method: Method::Get,
    path: "/users/{userId}",
    rate: RateCategory::Light,
    // Zoom's login_type, encrypted_email and search_by_unique_id change how
    // `{userId}` is looked up; a user action always asks for `me`, so they
    // would do nothing here.
    output_schema: output_schema!("retrieve-user"),
    ..Action::BASE
};
