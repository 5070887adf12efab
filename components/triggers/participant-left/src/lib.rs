//! The `participant-left` trigger component.
wrk_zoom_sdk::export_trigger!(wrk_zoom_sdk::triggers::catalog::meetings::PARTICIPANT_LEFT);
