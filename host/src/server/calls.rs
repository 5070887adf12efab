//! What every call takes and leaves ([`Calls`]: a slot, a count), and
//! `GET /metrics`, which shows the counts.

use super::Server;
use crate::host::Host;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use tokio::sync::Semaphore;

/// What every call takes and leaves, over the REST API and `/mcp` alike:
/// one of the host's call slots (more calls at once are refused as busy),
/// and a count in `/metrics` per action and outcome.
pub(crate) struct Calls {
    host: Arc<Host>,
    /// One permit per call that may run at once.
    slots: Arc<Semaphore>,
    counts: Mutex<BTreeMap<(String, &'static str), u64>>,
}

/// What a caller is told when every call slot is taken.
pub(crate) const BUSY: &str = "the server is running as many calls as it can; try again shortly";

impl Calls {
    /// Counts calls to `host`'s actions, `max_calls` at once.
    pub(crate) fn new(host: Arc<Host>, max_calls: usize) -> Calls {
        Calls {
            host,
            slots: Arc::new(Semaphore::new(max_calls)),
            counts: Mutex::default(),
        }
    }

    /// A call slot, or `None` (counted as busy) when all are taken.
    pub(crate) fn slot(&self, action: &str) -> Option<tokio::sync::OwnedSemaphorePermit> {
        let slot = self.slots.clone().try_acquire_owned().ok();
        if slot.is_none() {
            self.count(action, "busy");
        }
        slot
    }

    pub(crate) fn count(&self, action: &str, outcome: &'static str) {
        // Bounded labels: names of no registered action share one series.
        let action = if self.host.has_action(action) {
            action.to_string()
        } else {
            "unknown".to_string()
        };
        *self
            .counts
            .lock()
            .expect("call counts")
            .entry((action, outcome))
            .or_default() += 1;
    }
}

/// A Prometheus label value: backslash, double quote and newline escaped.
pub(super) fn label(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

pub(super) async fn metrics(State(server): State<Arc<Server>>) -> Response {
    let mut text = String::from(
        "# HELP wrk_zoom_calls_total Action calls by outcome.\n# TYPE wrk_zoom_calls_total counter\n",
    );
    for ((action, outcome), count) in server.calls.counts.lock().expect("call counts").iter() {
        text.push_str(&format!(
            "wrk_zoom_calls_total{{action=\"{}\",outcome=\"{}\"}} {count}\n",
            label(action),
            label(outcome)
        ));
    }
    text.push_str(&super::events::metrics(&server).await);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped_as_prometheus_wants() {
        assert_eq!(label("a\"b\\c\nd\u{1b}"), "a\\\"b\\\\c\\nd\u{1b}");
    }
}
