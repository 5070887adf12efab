//! The `retrieve-user-call-history` component.
wrk_zoom_sdk::export_action!(wrk_zoom_sdk::catalog::phone::RETRIEVE_USER_CALL_HISTORY);
