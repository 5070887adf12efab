//! The `user-created` trigger component.
wrk_zoom_sdk::export_trigger!(wrk_zoom_sdk::triggers::catalog::accounts::USER_CREATED);
