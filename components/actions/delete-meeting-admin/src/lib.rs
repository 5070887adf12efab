//! The `delete-meeting-admin` component.
wrk_zoom_sdk::export_action!(wrk_zoom_sdk::catalog::meetings::DELETE_MEETING_ADMIN);
