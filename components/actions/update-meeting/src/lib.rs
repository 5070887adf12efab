//! The `update-meeting` component.
wrk_zoom_sdk::export_action!(wrk_zoom_sdk::catalog::meetings::UPDATE_MEETING);
