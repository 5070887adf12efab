//! Following every page of a list (`"all": true`): one JSON answer with
//! the totals, or NDJSON streamed as the pages arrive.

use super::Server;
use super::errors::{error_response, log_safe, public_json};
use super::request::RunRequest;
use crate::error::HostError;
use crate::paginate::{ItemSink, PageSummary};
use axum::Json;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

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

/// Every page of the call `request` names, into `sink`.
async fn call_all(
    server: &Server,
    name: &str,
    request: RunRequest,
    sink: &mut impl ItemSink,
) -> Result<PageSummary, HostError> {
    let max = request.max;
    let (call, params) = server.prepare(name, request).await?;
    call.run_all(&params, max, sink).await
}

/// NDJSON lines of one page, sent on when the page ends: the sender waits
/// while the caller is slow, so a run holds a few pages at most.
struct LineSink {
    lines: String,
    tx: tokio::sync::mpsc::Sender<bytes::Bytes>,
}

impl ItemSink for LineSink {
    fn item(&mut self, item: serde_json::Value) -> std::io::Result<()> {
        if self.tx.is_closed() {
            return Err(std::io::ErrorKind::BrokenPipe.into());
        }
        self.lines.push_str(&item.to_string());
        self.lines.push('\n');
        Ok(())
    }

    async fn page_done(&mut self, _: &PageSummary) -> std::io::Result<()> {
        if self.lines.is_empty() {
            return Ok(());
        }
        let page = std::mem::take(&mut self.lines);
        self.tx
            .send(page.into())
            .await
            .map_err(|_| std::io::ErrorKind::BrokenPipe.into())
    }
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
            let mut collect = |item| {
                items.push(item);
                Ok(())
            };
            let outcome = call_all(&server, &name, request, &mut collect).await;
            let body = outcome.map(|summary| {
                server.calls.count(&name, "ok");
                let mut body = serde_json::Map::new();
                body.insert(summary.list_key.clone(), items.into());
                body.extend(summary.totals());
                serde_json::Value::Object(body)
            });
            if let Err(e) = &body {
                server.calls.count(&name, e.kind());
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
        let mut sink = LineSink {
            lines: String::new(),
            tx: tx.clone(),
        };
        let outcome = call_all(&server, &name, request, &mut sink).await;
        let last = match outcome {
            Ok(summary) => {
                server.calls.count(&name, "ok");
                serde_json::json!({"summary": summary.totals()})
            }
            Err(e) => {
                server.calls.count(&name, e.kind());
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

/// A response body fed line by line from a channel.
pub(super) struct ChannelBody(pub(super) tokio::sync::mpsc::Receiver<bytes::Bytes>);

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
