//! The `retrieve-user` component.
wrk_zoom_sdk::export_action!(wrk_zoom_sdk::catalog::users::RETRIEVE_USER);
