//! The SDK's runners: the few catalog actions whose run takes more than one
//! request name one of these in their declaration ([`Runner`]). Every other
//! action is run by the default runner ([`crate::run`]) from its
//! declaration alone.

mod api_call;
mod confirm;
mod transcript;

use wrk_zoom_spec::values::Values;
use wrk_zoom_spec::{Action, Call, Failure, Reply, Runner};

/// Runs `action` with the runner its declaration names.
pub(crate) fn run(
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
