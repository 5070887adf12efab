//! End-to-end tests: the real action components in the real host against
//! the Zoom simulator on 127.0.0.1. One binary, a module per topic.

mod actions;
mod encoding;
mod isolation;
mod pagination;
mod swap;
mod validation;
