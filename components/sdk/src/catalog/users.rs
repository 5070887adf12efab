//! The connection's own user.

use crate::spec::{Action, ConnectionKind, Method, Param, ParamType, RateCategory};

pub const RETRIEVE_USER: Action = Action {
    name: "retrieve-user",
    title: "Retrieve a user from Zoom",
    connection: ConnectionKind::User,
    classic_scopes: &["user:read", "user:write", "user_profile", "user_info:read"],
    granular_scopes: &["user:read:user"],
    method: Method::Get,
    path: "/users/{userId}",
    rate: RateCategory::Light,
    params: &[
        Param::query(
            "login_type",
            ParamType::Choice(&[
                "0", "1", "11", "21", "23", "24", "27", "97", "98", "99", "100", "101",
            ]),
            "Login method: 0 Facebook, 1 Google, 11 Phone, 21 WeChat, 23 Alipay, 24 Apple, 27 Microsoft, 97 Mobile, 98 RingCentral, 99 API, 100 Zoom Work email, 101 SSO",
        ),
        Param::query(
            "encrypted_email",
            ParamType::Boolean,
            "Whether userId is an encrypted email address",
        )
        .default("false"),
        Param::query(
            "search_by_unique_id",
            ParamType::Boolean,
            "Whether userId is an employee unique ID",
        ),
    ],
    ..Action::BASE
};
