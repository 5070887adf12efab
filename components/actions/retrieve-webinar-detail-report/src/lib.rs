//! The `retrieve-webinar-detail-report` component.
wrk_zoom_sdk::export_action!(wrk_zoom_sdk::catalog::reports::RETRIEVE_WEBINAR_DETAIL_REPORT);
