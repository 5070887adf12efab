//! Test component: a second version of `retrieve-user` that answers
//! `{"version": 2}` without calling Zoom, for the hot-swap tests.

use wrk_zoom_sdk::catalog::users::RETRIEVE_USER;
use wrk_zoom_sdk::{Action, Call, Failure, Reply, Values};

fn version_two(_: &Action, _: &Call, _: &Values) -> Result<Reply, Failure> {
    Ok(Reply {
        status: 200,
        body: r#"{"version":2}"#.into(),
        next_page_token: None,
    })
}

const RETRIEVE_USER_V2: Action = Action {
    title: "Retrieve a user from Zoom (test version 2)",
    custom_run: Some(version_two),
    ..RETRIEVE_USER
};

wrk_zoom_sdk::export_action!(RETRIEVE_USER_V2);
