//! Test component: allocates `mib` MiB in 1 MiB blocks, writing a byte in
//! every 4 KiB page and keeping every block alive, then answers
//! `{"grabbed_mib": N}`. Past the host's memory limit, growing memory fails
//! and the allocation aborts: the call traps, and tests check the host
//! survives it and serves the next call.

use wrk_zoom_sdk::{
    Action, Call, ConnectionKind, Failure, Method, Param, ParamType, RateCategory, Reply, Values,
};

const MIB: usize = 1024 * 1024;
const PAGE: usize = 4096;

/// An integer parameter, or the default its declaration states.
fn integer(action: &Action, values: &Values, name: &str) -> i64 {
    values
        .integer_or_default(action, name)
        .expect("the parameter is declared with an integer default")
}

fn grab(action: &Action, _: &Call, values: &Values) -> Result<Reply, Failure> {
    let mib = usize::try_from(integer(action, values, "mib")).unwrap_or(0);
    let mut kept: Vec<Vec<u8>> = Vec::with_capacity(mib);
    for _ in 0..mib {
        // The allocation aborts (a trap) when memory cannot grow.
        let mut block = vec![0u8; MIB];
        for at in (0..MIB).step_by(PAGE) {
            block[at] = 1;
        }
        // Keep the optimiser from dropping the writes or the block.
        kept.push(std::hint::black_box(block));
    }
    let grabbed = std::hint::black_box(&kept).len();
    Ok(Reply {
        status: 200,
        body: format!("{{\"grabbed_mib\":{grabbed}}}"),
        next_page_token: None,
    })
}

const MEMORY_GRAB: Action = Action {
    name: "memory-grab",
    title: "Test: allocate and hold memory",
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
        "How many MiB to allocate and hold, in 1 MiB blocks",
    )
    .range(1, 4096)
    .default("200")],
    rules: &[],
    custom_run: Some(grab),
    ..Action::BASE
};

wrk_zoom_sdk::export_action!(MEMORY_GRAB);
