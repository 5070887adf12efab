//! The `retrieve-history-meetings` component.
wrk_zoom_sdk::export_action!(wrk_zoom_sdk::catalog::reports::RETRIEVE_HISTORY_MEETINGS);
