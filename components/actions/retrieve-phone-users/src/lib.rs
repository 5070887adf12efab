//! The `retrieve-phone-users` component.
wrk_zoom_sdk::export_action!(wrk_zoom_sdk::catalog::phone::RETRIEVE_PHONE_USERS);
