//! The `summary-completed` trigger component.
wrk_zoom_sdk::export_trigger!(wrk_zoom_sdk::triggers::catalog::recordings::SUMMARY_COMPLETED);
