//! The `retrieve-meeting-recordings-admin` component.
wrk_zoom_sdk::export_action!(wrk_zoom_sdk::catalog::recordings::RETRIEVE_MEETING_RECORDINGS_ADMIN);
