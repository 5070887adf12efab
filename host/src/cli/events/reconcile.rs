//! `events reconcile`: Zoom's webhook logs (failed deliveries of the last
//! 7 days, read with an admin token, so the bodies need no signature) into
//! the inbox, each event once.

use super::{ZoomAccess, admin_calls, invalid, since_ms};
use crate::cli::{Store, print_json};
use clap::Args;
use std::sync::Arc;
use wrk_zoom::HostError;
use wrk_zoom::events::EventStore;

#[derive(Args)]
pub struct ReconcileArgs {
    /// The app, as registered with `events app add`.
    app: String,
    /// Zoom's id of the app (default: the one given to `events app add
    /// --zoom-app-id`).
    #[arg(long)]
    zoom_app_id: Option<String>,
    /// From this time (RFC 3339, or a duration ago like `2h`); Zoom keeps 7
    /// days.
    #[arg(long, value_name = "TIME", default_value = "7d")]
    since: String,
    /// Every logged delivery, not only the failed ones.
    #[arg(long)]
    all: bool,
    /// Zoom's side (scope marketplace_app:read:admin).
    #[command(flatten)]
    zoom: ZoomAccess,
}

pub(super) async fn reconcile(
    args: ReconcileArgs,
    store: &Store,
    events: Arc<dyn EventStore>,
) -> Result<(), HostError> {
    let app = events.apps().await?.remove(&args.app).ok_or_else(|| {
        invalid(
            "app",
            format!(
                "there is no app '{}'; `wrk-zoom events app list` lists them",
                args.app
            ),
        )
    })?;
    let zoom_app_id = args.zoom_app_id.or(app.zoom_app_id).ok_or_else(|| {
        invalid(
            "--zoom-app-id",
            "Zoom's id of the app is needed for its webhook logs: pass --zoom-app-id (Zoom shows it in the app's URL on marketplace.zoom.us)".into(),
        )
    })?;
    // Zoom answers only a range within 7 days.
    let from =
        since_ms(&args.since)?.max(wrk_zoom::clock::now_millis() - (7 * 24 * 3600 - 60) * 1000);
    // Routed by account like any event: the token store, when there is one.
    let tokens = store.open().await.ok().map(|c| c.store().clone());
    let receiver = wrk_zoom::events::Receiver::start(events, tokens, Default::default()).await?;
    let path = format!("/marketplace/apps/{zoom_app_id}/webhook_logs");
    let app_name = args.app.clone();
    let (read, taken) = admin_calls(store, args.zoom, async |call| {
        let (mut read, mut taken, mut page_token) = (0u64, 0u64, String::new());
        loop {
            let mut query = serde_json::json!({
                "from": wrk_zoom::clock::format_utc(from / 1000),
                "to": wrk_zoom::clock::format_utc(wrk_zoom::clock::now_secs()),
                "type": if args.all { 1 } else { 2 },
                "page_size": 300,
            });
            if !page_token.is_empty() {
                query["next_page_token"] = page_token.clone().into();
            }
            let params = vec![
                ("method".to_string(), "GET".to_string()),
                ("path".to_string(), path.clone()),
                ("query".to_string(), query.to_string()),
            ];
            let body = call.run(&params).await?.into_result();
            for log in body["webhook_logs"].as_array().into_iter().flatten() {
                let Some(request_body) = log["request_body"].as_str() else {
                    continue;
                };
                read += 1;
                // A logged body that is no event (a validation) is skipped.
                let is_event = serde_json::from_str::<serde_json::Value>(request_body)
                    .ok()
                    .and_then(|v| {
                        v.get("event")?
                            .as_str()
                            .map(|e| e != "endpoint.url_validation")
                    })
                    .unwrap_or(false);
                if !is_event {
                    continue;
                }
                let request_id = log["request_id"].as_str().filter(|id| !id.is_empty());
                let appended = receiver
                    .take_trusted(&app_name, request_body, request_id, "reconcile")
                    .await?;
                if matches!(appended, wrk_zoom::events::Appended::New(_)) {
                    taken += 1;
                }
            }
            page_token = body["next_page_token"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            if page_token.is_empty() {
                return Ok((read, taken));
            }
        }
    })
    .await?;
    eprintln!(
        "read {read} logged deliveries of '{}' since {}; {taken} were missing from the inbox and are kept now (`serve` hands them on)",
        args.app,
        wrk_zoom::clock::format_utc(from / 1000)
    );
    print_json(&serde_json::json!({"read": read, "taken": taken}))
}
