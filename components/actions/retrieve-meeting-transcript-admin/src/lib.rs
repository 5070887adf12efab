//! The `retrieve-meeting-transcript-admin` component.
wrk_zoom_sdk::export_action!(wrk_zoom_sdk::catalog::transcripts::RETRIEVE_MEETING_TRANSCRIPT_ADMIN);
