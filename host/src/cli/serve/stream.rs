//! Following every page of a list (`"all": true`): one JSON answer with
//! the totals, or NDJSON streamed as the pages arrive.

use super::*;

/// The totals after the items, as `wrk-zoom run --all` prints them.
fn totals(summary: &PageSummary) -> serde_json::Map<String, serde_json::Value> {
    let mut tail = serde_json::Map::new();
    tail.insert("total_records".into(), summary.items.into());
    tail.insert("truncated".into(), summary.truncated.into());
    if summary.truncated {
        tail.insert(
            "next_page_token".into(),
            summary.next_page_token.clone().unwrap_or_default().into(),
        );
        if summary.left_in_last_page > 0 {
            tail.insert("left_in_last_page".into(), summary.left_in_last_page.into());
        }
        if let Some((from, to)) = &summary.window {
            tail.insert("window".into(), serde_json::json!({"from": from, "to": to}));
        }
    }
    tail
}

/// Runs `run` on a thread of its own with a current-thread runtime, holding
/// the call's `slot` until it ends: a paginated run outlives its handler
/// when it streams, and its futures borrow across pages (not `Send`).
fn on_own_thread<F, Fut>(slot: tokio::sync::OwnedSemaphorePermit, run: F)
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = ()>,
{
    std::thread::spawn(move || {
        let _slot = slot;
        match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(runtime) => runtime.block_on(run()),
            Err(e) => tracing::error!("cannot start a runtime for a paginated run: {e}"),
        }
    });
}

/// `"all": true`: one JSON object like `wrk-zoom run --all`, or, with
/// `Accept: application/x-ndjson`, one item per line as the pages arrive
/// (memory stays flat) and a last line `{"summary": {...}}` (or
/// `{"error": {...}}` when a page fails after the stream began).
pub(super) async fn run_all(
    server: Arc<Server>,
    name: String,
    request: RunRequest,
    ndjson: bool,
    slot: tokio::sync::OwnedSemaphorePermit,
) -> Response {
    if !ndjson {
        let (done, outcome) = tokio::sync::oneshot::channel();
        on_own_thread(slot, move || async move {
            let mut items = Vec::new();
            let outcome = server
                .call_all(&name, request, async |page| {
                    items.extend(page);
                    true
                })
                .await;
            let body = outcome.map(|summary| {
                server.count(&name, "ok");
                let mut body = serde_json::Map::new();
                body.insert(summary.list_key.clone(), items.into());
                body.extend(totals(&summary));
                serde_json::Value::Object(body)
            });
            if let Err(e) = &body {
                server.count(&name, e.kind());
            }
            let _ = done.send(body);
        });
        return match outcome.await {
            Ok(Ok(body)) => Json(body).into_response(),
            Ok(Err(e)) => error_response(&e),
            Err(_) => error_response(&HostError::Internal("the paginated run stopped".into())),
        };
    }
    let (tx, rx) = tokio::sync::mpsc::channel::<bytes::Bytes>(4);
    on_own_thread(slot, move || async move {
        let outcome = server
            .call_all(&name, request, async |page| {
                let mut lines = String::new();
                for item in page {
                    lines.push_str(&item.to_string());
                    lines.push('\n');
                }
                lines.is_empty() || tx.send(lines.into()).await.is_ok()
            })
            .await;
        let last = match outcome {
            Ok(summary) => {
                server.count(&name, "ok");
                serde_json::json!({"summary": totals(&summary)})
            }
            Err(e) => {
                server.count(&name, e.kind());
                tracing::warn!("a streamed run failed: {}", log_safe(&e.to_string()));
                serde_json::json!({"error": public_json(&e)})
            }
        };
        let _ = tx.send(format!("{last}\n").into()).await;
    });
    (
        [(header::CONTENT_TYPE, "application/x-ndjson")],
        axum::body::Body::new(ChannelBody(rx)),
    )
        .into_response()
}

/// A response body fed line by line from a channel; the sender waits while
/// the caller is slow, so a run never holds more than a few pages.
struct ChannelBody(tokio::sync::mpsc::Receiver<bytes::Bytes>);

impl hyper::body::Body for ChannelBody {
    type Data = bytes::Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<bytes::Bytes>, Self::Error>>> {
        self.0
            .poll_recv(cx)
            .map(|line| line.map(|bytes| Ok(hyper::body::Frame::data(bytes))))
    }
}
