//! The `retrieve-past-meeting` component.
wrk_zoom_sdk::export_action!(wrk_zoom_sdk::catalog::past_meetings::RETRIEVE_PAST_MEETING);
