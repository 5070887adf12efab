//! Test component: returns the access token it was given, so tests can
//! check that components only ever see a stand-in.

use wrk_zoom_sdk::{Action, Call, ConnectionKind, Failure, Method, RateCategory, Reply, Values};

fn echo(_: &Action, call: &Call, _: &Values) -> Result<Reply, Failure> {
    Ok(Reply {
        status: 200,
        body: format!(
            "{{\"access_token\":{:?},\"api_base\":{:?}}}",
            call.access_token, call.api_base
        ),
        next_page_token: None,
    })
}

const ECHO: Action = Action {
    name: "echo-token",
    title: "Test: echo the connection",
    connection: ConnectionKind::User,
    classic_scopes: &[],
    granular_scopes: &[],
    method: Method::Get,
    path: "/",
    rate: RateCategory::Light,
    list_key: None,
    params: &[],
    rules: &[],
    custom_run: Some(echo),
    ..Action::BASE
};

wrk_zoom_sdk::export_action!(ECHO);
