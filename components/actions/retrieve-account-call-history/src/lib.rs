//! The `retrieve-account-call-history` component.
wrk_zoom_sdk::export_action!(wrk_zoom_sdk::catalog::phone::RETRIEVE_ACCOUNT_CALL_HISTORY);
