//! The runner of `api-call` and `api-call-admin` ([`Runner::ApiCall`]):
//! sends the request [`raw_call::plan`] computed from the control
//! parameters (where its path is checked) and surfaces the page token.
//!
//! [`Runner::ApiCall`]: wrk_zoom_spec::Runner::ApiCall

use crate::{http, zoom};
use serde_json::Value as Json;
use wrk_zoom_spec::raw_call;
use wrk_zoom_spec::values::Values;
use wrk_zoom_spec::{Action, Call, Failure, Reply};

/// Sends the planned call; a 2xx answer is the reply (empty body: `null`),
/// any other status a [`Failure::Zoom`].
pub fn run(action: &Action, call: &Call, values: &Values) -> Result<Reply, Failure> {
    let request = raw_call::plan(action, values)?;
    let response = http::send_request(&request, call)?;
    let mut reply = zoom::reply(response.status, &response.body, None)?;
    // Surface a page token so the caller can pass it back in `query`.
    reply.next_page_token = serde_json::from_str::<Json>(&reply.body)
        .ok()
        .and_then(|json| json.get("next_page_token")?.as_str().map(str::to_string))
        .filter(|t| !t.is_empty());
    Ok(reply)
}
