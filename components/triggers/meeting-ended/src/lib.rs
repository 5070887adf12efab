//! The `meeting-ended` trigger component.
wrk_zoom_sdk::export_trigger!(wrk_zoom_sdk::triggers::catalog::meetings::MEETING_ENDED);
