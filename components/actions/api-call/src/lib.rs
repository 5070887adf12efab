//! The `api-call` component.
wrk_zoom_sdk::export_action!(wrk_zoom_sdk::catalog::api_call::API_CALL);
