//! The `retrieve-meeting-activities-report` component.
wrk_zoom_sdk::export_action!(wrk_zoom_sdk::catalog::reports::RETRIEVE_MEETING_ACTIVITIES_REPORT);
