//! The wrk-zoom guest SDK: exports an action declaration as a component.
//!
//! An action crate is two lines: it names a declaration from the
//! [`catalog`] (or its own [`Action`] constant) and exports it with
//! [`export_action!`]. What an action *is* (declarations, validation,
//! request planning) lives in the pure `wrk-zoom-spec` crate, which this
//! one re-exports; here is the guest side: HTTP over `wasi:http` ([`http`]),
//! Zoom's answers and errors, the runners of the few actions a declaration
//! alone cannot run, and the glue to the generated WIT bindings.
//!
//! The component is built for `wasm32-wasip2` and imports nothing but
//! standard WASI; the pure parts compile and are unit-tested natively.

#![warn(missing_docs)]

mod bindings;
mod guest;
pub mod http;
mod runners;
mod trigger_bindings;
mod trigger_guest;
mod vtt;
mod zoom;

/// Property tests: hostile parameters for every action of the catalog.
#[cfg(test)]
mod proptests;

pub use wrk_zoom_spec::ids::MeetingRef;
pub use wrk_zoom_spec::request::Request;
pub use wrk_zoom_spec::values::{Value, Values};
pub use wrk_zoom_spec::{
    Action, Call, ConnectionKind, CustomPlan, CustomRun, Failure, InvalidParam, ItemParts, Method,
    Param, ParamKind, ParamLocation, ParamType, RateCategory, Reply, Rule, Runner, catalog, plan,
};

pub use runners::run;
pub use wrk_zoom_spec::triggers;

/// What [`export_action!`] expands to: the generated bindings and the
/// glue that converts to and from them. Not an API.
#[doc(hidden)]
pub mod __bindings {
    pub use crate::bindings::*;
    pub use crate::guest::{describe, plan, run};
}

/// Exports an [`Action`] declaration as this crate's component.
///
/// ```ignore
/// wrk_zoom_sdk::export_action!(wrk_zoom_sdk::catalog::meetings::RETRIEVE_MEETING);
/// ```
#[macro_export]
macro_rules! export_action {
    ($action:path) => {
        struct ZoomAction;

        impl $crate::__bindings::exports::wrk::zoom::action::Guest for ZoomAction {
            fn describe() -> $crate::__bindings::wrk::zoom::types::ActionInfo {
                $crate::__bindings::describe(&$action)
            }

            fn plan(
                params: ::std::vec::Vec<(::std::string::String, ::std::string::String)>,
            ) -> ::core::result::Result<
                $crate::__bindings::wrk::zoom::types::PlannedRequest,
                $crate::__bindings::wrk::zoom::types::ActionError,
            > {
                $crate::__bindings::plan(&$action, &params)
            }

            fn run(
                connection: $crate::__bindings::wrk::zoom::types::Connection,
                params: ::std::vec::Vec<(::std::string::String, ::std::string::String)>,
            ) -> ::core::result::Result<
                $crate::__bindings::wrk::zoom::types::Reply,
                $crate::__bindings::wrk::zoom::types::ActionError,
            > {
                $crate::__bindings::run(&$action, connection, &params)
            }
        }

        $crate::__bindings::__export_zoom_action!(ZoomAction with_types_in $crate::__bindings);
    };
}

/// What [`export_trigger!`] expands to: the generated trigger bindings and
/// the glue that converts to and from them. Not an API.
#[doc(hidden)]
pub mod __trigger_bindings {
    pub use crate::trigger_bindings::*;
    pub use crate::trigger_guest::{check, describe, map};
}

/// Exports a [`Trigger`](triggers::Trigger) declaration as this crate's
/// component (world `wrk:zoom/zoom-trigger`, which imports nothing).
///
/// ```ignore
/// wrk_zoom_sdk::export_trigger!(wrk_zoom_sdk::triggers::catalog::recordings::RECORDING_COMPLETED);
/// ```
#[macro_export]
macro_rules! export_trigger {
    ($trigger:path) => {
        struct ZoomTrigger;

        impl $crate::__trigger_bindings::exports::wrk::zoom::trigger::Guest for ZoomTrigger {
            fn describe() -> $crate::__trigger_bindings::exports::wrk::zoom::trigger::TriggerInfo {
                $crate::__trigger_bindings::describe(&$trigger)
            }

            fn check(
                params: ::std::vec::Vec<(::std::string::String, ::std::string::String)>,
            ) -> ::core::result::Result<
                (),
                $crate::__trigger_bindings::exports::wrk::zoom::trigger::TriggerError,
            > {
                $crate::__trigger_bindings::check(&$trigger, &params)
            }

            fn map_event(
                event: ::std::string::String,
                params: ::std::vec::Vec<(::std::string::String, ::std::string::String)>,
            ) -> ::core::result::Result<
                ::std::vec::Vec<$crate::__trigger_bindings::exports::wrk::zoom::trigger::TriggerOutput>,
                $crate::__trigger_bindings::exports::wrk::zoom::trigger::TriggerError,
            > {
                $crate::__trigger_bindings::map(&$trigger, &event, &params)
            }
        }

        $crate::__trigger_bindings::__export_zoom_trigger!(ZoomTrigger with_types_in $crate::__trigger_bindings);
    };
}
