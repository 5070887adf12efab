//! Test component: starts `count` GET requests to `{api_base}/users/me` at
//! once, waiting for none of them, so tests can check that the host caps
//! the requests in flight per call, survives the flood and serves the next
//! call.
//!
//! It stops at the first request the host refuses and answers (status 200)
//! `{"started": N, "first_error": "..."}`, `first_error` being `null` when
//! every request started.

use wasip2::http::outgoing_handler;
use wasip2::http::types::{
    Fields, FutureIncomingResponse, Method as WasiMethod, OutgoingBody, OutgoingRequest,
};
use wrk_zoom_sdk::{
    Action, Call, ConnectionKind, Failure, Method, Param, ParamType, RateCategory, Reply, Values,
};

/// An integer parameter, or the default its declaration states.
fn integer(action: &Action, values: &Values, name: &str) -> i64 {
    values
        .integer_or_default(action, name)
        .expect("the parameter is declared with an integer default")
}

fn flood(action: &Action, call: &Call, values: &Values) -> Result<Reply, Failure> {
    let count = integer(action, values, "count");
    let url = format!("{}/users/me", call.api_base.trim_end_matches('/'));
    let (scheme, authority, path) = wrk_zoom_sdk::http::split_url(&url)
        .ok_or_else(|| Failure::Transport(format!("'{url}' is not an absolute http(s) URL")))?;
    let headers: Vec<(String, Vec<u8>)> = vec![
        ("accept".into(), b"application/json".to_vec()),
        (
            "authorization".into(),
            format!("Bearer {}", call.access_token).into_bytes(),
        ),
    ];
    let build = |what: &str| Failure::Transport(format!("could not build request: {what}"));

    // The handles of the started requests are kept, never dropped: at the
    // end they are leaked (`mem::forget`), so every request stays in flight
    // until the host tears the call's store down. The host, not this
    // component, has to bound and reclaim them.
    let mut pending: Vec<FutureIncomingResponse> = Vec::new();
    let mut first_error: Option<String> = None;
    for _ in 0..count {
        let fields = Fields::from_list(&headers).map_err(|e| build(&format!("headers ({e:?})")))?;
        let request = OutgoingRequest::new(fields);
        request
            .set_method(&WasiMethod::Get)
            .map_err(|()| build("method"))?;
        request
            .set_scheme(Some(&scheme))
            .map_err(|()| build("scheme"))?;
        request
            .set_authority(Some(authority))
            .map_err(|()| build("authority"))?;
        request
            .set_path_with_query(Some(path))
            .map_err(|()| build("path"))?;
        let body = request.body().map_err(|()| build("body"))?;
        match outgoing_handler::handle(request, None) {
            Ok(response) => pending.push(response),
            Err(code) => {
                first_error = Some(format!("{code:?}"));
                break;
            }
        }
        // An empty body: the request is complete once it is finished.
        if let Err(code) = OutgoingBody::finish(body, None) {
            first_error = Some(format!("finishing the request body: {code:?}"));
            break;
        }
    }
    let started = pending.len();
    std::mem::forget(pending);
    Ok(Reply {
        status: 200,
        body: serde_json::json!({ "started": started, "first_error": first_error }).to_string(),
        next_page_token: None,
    })
}

const FLOOD: Action = Action {
    name: "flood",
    title: "Test: start many requests without waiting for any",
    connection: ConnectionKind::User,
    classic_scopes: &[],
    granular_scopes: &[],
    method: Method::Get,
    path: "/users/{userId}",
    rate: RateCategory::Light,
    list_key: None,
    params: &[Param::control(
        "count",
        ParamType::Integer,
        "How many GET /users/me requests to start without waiting (stops at the first refused)",
    )
    .range(1, 100_000)
    .default("10000")],
    rules: &[],
    custom_run: Some(flood),
    ..Action::BASE
};

wrk_zoom_sdk::export_action!(FLOOD);
