//! End-to-end tests: the real action components in the real host against
//! the Zoom simulator on 127.0.0.1. One binary, a module per topic.

mod actions;
mod auth;
mod conformance;
mod encoding;
mod every_action;
mod hostile;
mod isolation;
mod outputs;
mod pagination;
mod resilience;
mod swap;
mod transport;
mod validation;
