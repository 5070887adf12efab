//! The `participant-joined` trigger component.
wrk_zoom_sdk::export_trigger!(wrk_zoom_sdk::triggers::catalog::meetings::PARTICIPANT_JOINED);
