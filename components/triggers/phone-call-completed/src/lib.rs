//! The `phone-call-completed` trigger component.
wrk_zoom_sdk::export_trigger!(wrk_zoom_sdk::triggers::catalog::accounts::PHONE_CALL_COMPLETED);
