//! Test component: `run` never returns, so tests can check that the epoch
//! deadline stops it and the host serves the next call.

use wrk_zoom_sdk::{Action, Call, ConnectionKind, Failure, Method, RateCategory, Reply, Values};

fn spin(_: &Action, _: &Call, _: &Values) -> Result<Reply, Failure> {
    let mut n: u64 = 0;
    loop {
        n = std::hint::black_box(n.wrapping_add(1));
    }
}

const SPIN: Action = Action {
    name: "spin-forever",
    title: "Test: loop forever",
    connection: ConnectionKind::User,
    classic_scopes: &[],
    granular_scopes: &[],
    method: Method::Get,
    path: "/",
    rate: RateCategory::Light,
    list_key: None,
    params: &[],
    rules: &[],
    custom_run: Some(spin),
    ..Action::BASE
};

wrk_zoom_sdk::export_action!(SPIN);
