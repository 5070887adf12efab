//! The `retrieve-call-history` component.
wrk_zoom_sdk::export_action!(wrk_zoom_sdk::catalog::phone::RETRIEVE_CALL_HISTORY);
