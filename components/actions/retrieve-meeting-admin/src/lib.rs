//! The `retrieve-meeting-admin` component.
wrk_zoom_sdk::export_action!(wrk_zoom_sdk::catalog::meetings::RETRIEVE_MEETING_ADMIN);
