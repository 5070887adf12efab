//! Custom runners: the few actions whose request is computed, or whose run
//! takes more than one request, plug these functions into their declaration
//! (`custom_plan`, `custom_run`). Every other action is run by the SDK's
//! default runner from its declaration alone.

pub mod api_call;
pub mod confirm;
pub mod transcript;
