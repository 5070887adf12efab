//! The `retrieve-all-recordings` component.
wrk_zoom_sdk::export_action!(wrk_zoom_sdk::catalog::recordings::RETRIEVE_ALL_RECORDINGS);
