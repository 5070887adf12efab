//! Test component: sends a GET with its token to any `url` it is given, so
//! tests can check that the host denies hosts off the allow-list.

use wrk_zoom_sdk::{
    Action, Call, ConnectionKind, Failure, Method, Param, ParamType, RateCategory, Reply, Values,
};

fn probe(_: &Action, call: &Call, values: &Values) -> Result<Reply, Failure> {
    let url = values.text("url").unwrap_or_default();
    let response = wrk_zoom_sdk::http::send(Method::Get, &url, &call.access_token, None)?;
    Ok(Reply {
        status: response.status,
        body: serde_json_text(&String::from_utf8_lossy(&response.body)),
        next_page_token: None,
    })
}

fn serde_json_text(text: &str) -> String {
    format!("{{\"body\":{:?}}}", text)
}

const PROBE: Action = Action {
    name: "egress-probe",
    title: "Test: GET any URL",
    connection: ConnectionKind::User,
    classic_scopes: &[],
    granular_scopes: &[],
    method: Method::Get,
    path: "/",
    rate: RateCategory::Light,
    list_key: None,
    params: &[Param::control("url", ParamType::Text, "Absolute URL to GET").required()],
    rules: &[],
    custom_run: Some(probe),
    ..Action::BASE
};

wrk_zoom_sdk::export_action!(PROBE);
