//! The wrk-zoom guest SDK: an action is a declaration.
//!
//! An action crate is two lines: it names a declaration from the
//! [`catalog`] (or its own [`Action`] constant) and exports it with
//! [`export_action!`]. Everything mechanical lives here once: parameter
//! validation ([`values`]), meeting ID / UUID encoding ([`ids`]), dates
//! ([`dates`]), request building ([`request`]), Zoom's answers and errors
//! ([`zoom`]), HTTP over `wasi:http` ([`http`]) and the runners of the few
//! actions a declaration alone cannot run ([`runners`]).
//!
//! The pure parts compile and are unit-tested natively; the component is
//! built for `wasm32-wasip2` and imports nothing but standard WASI.

pub mod catalog;
pub mod dates;
pub mod guest;
pub mod http;
pub mod ids;
pub mod request;
pub mod runners;
pub mod schema;
pub mod spec;
pub mod suggest;
pub mod values;
pub mod vtt;
pub mod zoom;

pub use request::Request;
pub use spec::{
    Action, ConnectionKind, ItemParts, Method, Param, ParamLocation, ParamType, RateCategory, Rule,
};
pub use values::{Value, Values};

/// Helpers shared by the unit tests.
#[cfg(test)]
pub(crate) mod test_support;

/// Property tests: hostile parameters for every action of the catalog.
#[cfg(test)]
mod proptests;

/// Bindings for the `wrk:zoom/zoom-action` world (generated from `wit/`).
pub mod bindings {
    wit_bindgen::generate!({
        path: "../../wit",
        world: "wrk:zoom/zoom-action",
        pub_export_macro: true,
        export_macro_name: "__export_zoom_action",
        default_bindings_module: "wrk_zoom_sdk::bindings",
    });
}

/// The connection a call runs with (the WIT `connection`): where Zoom is
/// and the token to send.
#[derive(Clone, Debug)]
pub struct Call {
    pub access_token: String,
    pub api_base: String,
}

/// A successful answer (see the WIT `reply`).
#[derive(Clone, Debug, PartialEq)]
pub struct Reply {
    pub status: u16,
    pub body: String,
    pub next_page_token: Option<String>,
}

/// One refused parameter.
#[derive(Clone, Debug, PartialEq)]
pub struct InvalidParam {
    pub name: String,
    pub message: String,
}

impl InvalidParam {
    pub fn new(name: impl Into<String>, message: impl Into<String>) -> Self {
        InvalidParam {
            name: name.into(),
            message: message.into(),
        }
    }
}

/// Why an action failed (see the WIT `action-error`).
#[derive(Clone, Debug, PartialEq)]
pub enum Failure {
    InvalidParams(Vec<InvalidParam>),
    Zoom {
        status: u16,
        code: Option<i64>,
        message: String,
        body: String,
    },
    Transport(String),
    Unexpected(String),
}

/// Plans the action's request from raw parameters (no network).
pub fn plan(action: &Action, raw: &[(String, String)]) -> Result<Request, Failure> {
    let values = values::validate(action, raw)?;
    plan_values(action, &values)
}

fn plan_values(action: &Action, values: &Values) -> Result<Request, Failure> {
    match action.custom_plan {
        Some(custom) => custom(action, values),
        None => Ok(request::build(action, values)),
    }
}

/// Validates, calls Zoom and interprets the answer.
pub fn run(action: &Action, call: &Call, raw: &[(String, String)]) -> Result<Reply, Failure> {
    let values = values::validate(action, raw)?;
    if let Some(custom) = action.custom_run {
        return custom(action, call, &values);
    }
    let request = plan_values(action, &values)?;
    let response = http::send_request(&request, call)?;
    let reply = zoom::reply(response.status, &response.body, action.list_key)?;
    match (action.list_key, action.item_parts) {
        (Some(list_key), Some(parts)) => Ok(zoom::nest_parts(reply, list_key, parts)),
        _ => Ok(reply),
    }
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

        impl $crate::bindings::exports::wrk::zoom::action::Guest for ZoomAction {
            fn describe() -> $crate::bindings::wrk::zoom::types::ActionInfo {
                $crate::guest::describe(&$action)
            }

            fn plan(
                params: ::std::vec::Vec<(::std::string::String, ::std::string::String)>,
            ) -> ::core::result::Result<
                $crate::bindings::wrk::zoom::types::PlannedRequest,
                $crate::bindings::wrk::zoom::types::ActionError,
            > {
                $crate::guest::plan(&$action, &params)
            }

            fn run(
                connection: $crate::bindings::wrk::zoom::types::Connection,
                params: ::std::vec::Vec<(::std::string::String, ::std::string::String)>,
            ) -> ::core::result::Result<
                $crate::bindings::wrk::zoom::types::Reply,
                $crate::bindings::wrk::zoom::types::ActionError,
            > {
                $crate::guest::run(&$action, connection, &params)
            }
        }

        $crate::bindings::__export_zoom_action!(ZoomAction with_types_in $crate::bindings);
    };
}
