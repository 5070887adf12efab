// `retrieve-user` against one contract version's generated `bindings`:
// included by `retrieve-user-v0-1` and `retrieve-user-v0-3`, which differ
// only in the version and in the fields that version's `action-info` adds.

/// The component, its `describe()` with `$field: $value` added, its answers
/// marked `"contract": $contract`.
macro_rules! retrieve_user_component {
    ($contract:literal, { $($field:ident: $value:expr),* $(,)? }) => {
        use bindings::exports::wrk::zoom::action::Guest;
        use bindings::wrk::zoom::types as wit;
        use wrk_zoom_sdk::catalog::users::RETRIEVE_USER;
        use wrk_zoom_sdk::{Call, Failure};

        struct RetrieveUser;

        impl Guest for RetrieveUser {
            fn describe() -> wit::ActionInfo {
                wit::ActionInfo {
                    name: RETRIEVE_USER.name.into(),
                    title: concat!("Retrieve a user from Zoom (built against wrk:zoom@", $contract, ")").into(),
                    connection: wit::ConnectionKind::User,
                    classic_scopes: texts(RETRIEVE_USER.classic_scopes),
                    granular_scopes: texts(RETRIEVE_USER.granular_scopes),
                    method: "GET".into(),
                    path: RETRIEVE_USER.path.into(),
                    rate: wit::RateCategory::Light,
                    list_key: None,
                    params: Vec::new(),
                    $($field: $value,)*
                }
            }

            fn plan(params: Vec<(String, String)>) -> Result<wit::PlannedRequest, wit::ActionError> {
                let request = wrk_zoom_sdk::plan(&RETRIEVE_USER, &params).map_err(error)?;
                Ok(wit::PlannedRequest {
                    method: request.method.as_str().into(),
                    url: request.url("{api-base}"),
                    headers: vec![("Accept".into(), "application/json".into())],
                    body: request.body,
                })
            }

            fn run(
                connection: wit::Connection,
                params: Vec<(String, String)>,
            ) -> Result<wit::Reply, wit::ActionError> {
                let call = Call {
                    access_token: connection.access_token,
                    api_base: connection.api_base,
                };
                let reply = wrk_zoom_sdk::run(&RETRIEVE_USER, &call, &params).map_err(error)?;
                let mut body: serde_json::Value = serde_json::from_str(&reply.body)
                    .map_err(|e| error(Failure::Unexpected(e.to_string())))?;
                body["contract"] = $contract.into();
                Ok(wit::Reply {
                    status: reply.status,
                    body: body.to_string(),
                    next_page_token: reply.next_page_token,
                })
            }
        }

        fn texts(list: &[&str]) -> Vec<String> {
            list.iter().map(|s| s.to_string()).collect()
        }

        fn error(failure: Failure) -> wit::ActionError {
            match failure {
                Failure::InvalidParams(list) => wit::ActionError::InvalidParams(
                    list.into_iter()
                        .map(|p| wit::InvalidParam {
                            name: p.name,
                            message: p.message,
                        })
                        .collect(),
                ),
                Failure::Zoom {
                    status,
                    code,
                    message,
                    body,
                } => wit::ActionError::Zoom(wit::ZoomError {
                    status,
                    code,
                    message,
                    body,
                }),
                Failure::Transport(m) => wit::ActionError::Transport(m),
                Failure::Unexpected(m) => wit::ActionError::UnexpectedResponse(m),
            }
        }

        bindings::export!(RetrieveUser with_types_in bindings);
    };
}
