//! Running an action: the default runner (the declared request, sent as
//! planned) and the SDK's runners, which the few catalog actions whose run
//! takes more than one request name in their declaration ([`Runner`]).

mod api_call;
mod confirm;
mod transcript;

use crate::{http, zoom};
use wrk_zoom_spec::values::{self, Values};
use wrk_zoom_spec::{Action, Call, Failure, Reply, Runner};

/// Validates, calls Zoom and interprets the answer: the action's own
/// [`CustomRun`](wrk_zoom_spec::CustomRun), else its [`Runner`], else the
/// declared request sent as planned.
pub fn run(action: &Action, call: &Call, raw: &[(String, String)]) -> Result<Reply, Failure> {
    let values = values::validate(action, raw)?;
    if let Some(custom) = action.custom_run {
        return custom(action, call, &values);
    }
    if let Some(runner) = action.runner {
        return run_named(runner, action, call, &values);
    }
    let request = wrk_zoom_spec::plan_validated(action, &values)?;
    let response = http::send_request(&request, call)?;
    let reply = zoom::reply(response.status, &response.body, action.list_key)?;
    match (action.list_key, action.item_parts) {
        (Some(list_key), Some(parts)) => Ok(zoom::nest_parts(reply, list_key, parts)),
        _ => Ok(reply),
    }
}

/// Runs `action` with the runner its declaration names.
fn run_named(
    runner: Runner,
    action: &Action,
    call: &Call,
    values: &Values,
) -> Result<Reply, Failure> {
    match runner {
        Runner::ApiCall => api_call::run(action, call, values),
        Runner::ConfirmUpdate => confirm::update(action, call, values),
        Runner::ConfirmDelete => confirm::delete(action, call, values),
        Runner::Transcript => transcript::run(action, call, values),
    }
}
