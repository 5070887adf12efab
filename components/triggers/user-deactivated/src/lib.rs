//! The `user-deactivated` trigger component.
wrk_zoom_sdk::export_trigger!(wrk_zoom_sdk::triggers::catalog::accounts::USER_DEACTIVATED);
