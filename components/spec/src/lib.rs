//! What a wrk-zoom action is, as plain data and pure functions: the
//! declaration ([`Action`]), the [`catalog`] of every action, parameter
//! validation ([`values`]), meeting IDs and UUIDs ([`ids`]), dates
//! ([`dates`]), Zoom's body schemas ([`schema`]), "did you mean"
//! ([`suggest`]), and the request an action sends ([`request`], [`plan`],
//! [`raw_call`]).
//!
//! No wasm and no guest bindings: the guest SDK (`wrk-zoom-sdk`) builds the
//! components from these declarations, and the host links the same ones
//! natively to list and describe actions without compiling them. With the
//! `serde` feature, the enums the host serialises derive serde in the
//! WIT's kebab-case spelling.

#![warn(missing_docs)]

pub mod catalog;
pub mod dates;
pub mod ids;
mod kinds;
pub mod raw_call;
pub mod request;
pub mod schema;
mod spec;
pub mod suggest;
pub mod triggers;
mod types;
pub mod values;

/// Helpers shared by the unit tests of this crate and the SDK: parameter
/// pairs, a valid sample value for each parameter, hostile text.
#[cfg(any(test, feature = "test-support"))]
#[doc(hidden)]
pub mod test_support;

pub use kinds::{ConnectionKind, Method, ParamKind, ParamLocation, ParamType, RateCategory};
pub use spec::{Action, CustomPlan, CustomRun, ItemParts, Param, Rule, Runner, USER_ID};
pub use types::{Call, Failure, InvalidParam, Reply};

use request::Request;
use values::Values;

/// Plans the action's request from raw parameters (no network).
pub fn plan(action: &Action, raw: &[(String, String)]) -> Result<Request, Failure> {
    let values = values::validate(action, raw)?;
    plan_validated(action, &values)
}

/// Plans the action's request from parameters [`values::validate`] accepted.
pub fn plan_validated(action: &Action, values: &Values) -> Result<Request, Failure> {
    match action.custom_plan {
        Some(custom) => custom(action, values),
        None => Ok(request::build(action, values)),
    }
}
