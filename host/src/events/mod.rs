//! Zoom's events, coming in. Today: checking that a delivery is Zoom's
//! ([`verify`]) and answering Zoom's URL validation
//! ([`url_validation_answer`]), both over the bytes as received and from
//! native code, with no component on the path. The route (`POST
//! /v1/events/zoom/{app}` in `crate::server`), the inbox that keeps an event
//! before the answer, and delivery to workflows build on these.

mod verify;

pub use verify::{
    DEFAULT_MAX_BODY, DEFAULT_WINDOW, Refusal, WebhookSecrets, url_validation_answer, verify,
};
