//! Test component: answers with a reply whose body is the JSON text of one
//! string of `mib` MiB (`"aaa…"`, `mib` MiB plus the two quotes), so tests
//! can check the host's memory cap (a reply larger than the memory limit
//! traps while it is built) and its cap on the size of a returned reply.

use wrk_zoom_sdk::{
    Action, Call, ConnectionKind, Failure, Method, Param, ParamType, RateCategory, Reply, Values,
};

const MIB: usize = 1024 * 1024;

/// An integer parameter, or the default its declaration states.
fn integer(action: &Action, values: &Values, name: &str) -> i64 {
    values
        .integer_or_default(action, name)
        .expect("the parameter is declared with an integer default")
}

fn big_result(action: &Action, _: &Call, values: &Values) -> Result<Reply, Failure> {
    let mib = usize::try_from(integer(action, values, "mib")).unwrap_or(0);
    // One allocation of exactly the reply's size: `"` + mib MiB of `a` + `"`.
    // If memory cannot grow that far, the allocation aborts: a trap.
    let mut text = vec![b'a'; mib * MIB + 2];
    text[0] = b'"';
    let last = text.len() - 1;
    text[last] = b'"';
    let body = String::from_utf8(text).map_err(|e| Failure::Unexpected(e.to_string()))?;
    Ok(Reply {
        status: 200,
        body,
        next_page_token: None,
    })
}

const BIG_RESULT: Action = Action {
    name: "big-result",
    title: "Test: return a huge reply",
    connection: ConnectionKind::User,
    classic_scopes: &[],
    granular_scopes: &[],
    method: Method::Get,
    path: "/",
    rate: RateCategory::Light,
    list_key: None,
    params: &[Param::control(
        "mib",
        ParamType::Integer,
        "Size of the reply body in MiB (one JSON string of that many bytes)",
    )
    .range(0, 1024)
    .default("100")],
    rules: &[],
    custom_run: Some(big_result),
    ..Action::BASE
};

wrk_zoom_sdk::export_action!(BIG_RESULT);
