//! Pagination: follows `next_page_token` by re-invoking `run` until the
//! last page or `max` items, handing items to a sink as they arrive so
//! memory does not grow with the size of the list: one page is held at a
//! time, and each item is handed over (and dropped) before the next page is
//! asked for. A `next_page_token` Zoom refuses as invalid or expired (code
//! 300) is reported as [`HostError::PageTokenExpired`].

use crate::connection::ZoomConnection;
use crate::error::HostError;
use crate::host::Host;
use crate::model::{ActionInfo, Reply};

/// How a paginated run ended.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PageSummary {
    /// The list key, e.g. `participants`.
    pub list_key: String,
    /// Items handed to the sink.
    pub items: u64,
    /// Pages fetched.
    pub pages: u64,
    /// Whether it stopped before the end of the list (because of `max`).
    pub truncated: bool,
    /// The token to continue from when truncated.
    pub next_page_token: Option<String>,
    /// Items of the last page fetched that were not handed to the sink
    /// because `max` was reached in the middle of the page.
    pub left_in_last_page: u64,
    /// When a range longer than Zoom's one month was split and the run
    /// stopped (truncated) inside one of its windows: that window's
    /// `from` and `to`, which `next_page_token` belongs to.
    pub window: Option<(String, String)>,
}

impl PageSummary {
    /// The totals a run over every page ends with, as `wrk-zoom run --all`
    /// and `serve` write them after the items: `total_records` and
    /// `truncated`, and when truncated where to continue
    /// (`next_page_token`, `left_in_last_page`, `window`).
    pub fn totals(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut totals = serde_json::Map::new();
        totals.insert("total_records".into(), self.items.into());
        totals.insert("truncated".into(), self.truncated.into());
        if self.truncated {
            totals.insert(
                "next_page_token".into(),
                self.next_page_token.clone().unwrap_or_default().into(),
            );
            if self.left_in_last_page > 0 {
                totals.insert("left_in_last_page".into(), self.left_in_last_page.into());
            }
            if let Some((from, to)) = &self.window {
                totals.insert("window".into(), serde_json::json!({"from": from, "to": to}));
            }
        }
        totals
    }
}

/// Where the items of a run over every page go, as they arrive.
///
/// A closure `FnMut(Value) -> io::Result<()>` is a sink that ignores page
/// ends. An error from the sink (e.g. a closed pipe) stops the run.
pub trait ItemSink {
    /// One item of the list, in order.
    fn item(&mut self, item: serde_json::Value) -> std::io::Result<()>;

    /// Every item of a page was handed over; `running` holds the totals so
    /// far. The next page is asked for only once this returns, so a sink
    /// that sends each page on (a stream with backpressure) holds one page.
    // Not `Send`: a run over every page borrows across its pages and runs
    // on one thread.
    #[allow(async_fn_in_trait)]
    async fn page_done(&mut self, running: &PageSummary) -> std::io::Result<()> {
        let _ = running;
        Ok(())
    }
}

impl<F: FnMut(serde_json::Value) -> std::io::Result<()>> ItemSink for F {
    fn item(&mut self, item: serde_json::Value) -> std::io::Result<()> {
        self(item)
    }
}

/// Runs a paginated action from the first page (or the `next_page_token`
/// given in `params`) to the end, or until `max` items, with a bare token.
/// The action is resolved once, so every page runs on the same component.
/// (Stored connections: [`crate::call::Caller::call_all`].)
pub async fn for_each_item(
    host: &Host,
    action: &str,
    connection: &ZoomConnection,
    params: &[(String, String)],
    max: Option<u64>,
    mut sink: impl FnMut(serde_json::Value) -> std::io::Result<()>,
) -> Result<PageSummary, HostError> {
    let action = host.action(action).await?;
    let run_page =
        async |page: &[(String, String)]| host.run_action(&action, connection, page).await;
    for_each_page_item(&action.info, run_page, params, max, &mut sink).await
}

/// Consecutive windows of at most one month (Zoom's limit for reports,
/// recordings and phone history) covering `from`..=`to`, when `params` give
/// both as dates and they are further apart than that; `None` otherwise.
fn month_windows(info: &ActionInfo, params: &[(String, String)]) -> Option<Vec<(String, String)>> {
    use wrk_zoom_spec::dates::Date;
    info.param("from")?;
    info.param("to")?;
    let given = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
    };
    let (from, to) = (Date::parse(given("from")?)?, Date::parse(given("to")?)?);
    if to <= from.plus_one_month() {
        return None;
    }
    let mut windows = Vec::new();
    let mut start = from;
    while start <= to {
        let next = start.plus_one_month();
        let end = next.previous_day().min(to);
        windows.push((start.to_string(), end.to_string()));
        start = next;
    }
    Some(windows)
}

/// The pagination loop for the action described by `info`, with `run_page`
/// running it for one page's parameters (e.g. on a stored connection that
/// renews its token between pages), telling `sink` of every page's end
/// with the running totals (for a progress display, or to send the page on).
///
/// A `from`..`to` range of dates longer than Zoom's one month is split into
/// month windows, run in order; an item already handed over (the same JSON)
/// is not handed over again.
pub async fn for_each_page_item(
    info: &ActionInfo,
    mut run_page: impl AsyncFnMut(&[(String, String)]) -> Result<Reply, HostError>,
    params: &[(String, String)],
    max: Option<u64>,
    sink: &mut impl ItemSink,
) -> Result<PageSummary, HostError> {
    let Some(windows) = month_windows(info, params) else {
        return page_through(info, &mut run_page, params, max, sink).await;
    };
    let mut total = PageSummary::default();
    let mut seen = std::collections::HashSet::new();
    for (from, to) in windows {
        let mut window_params: Vec<(String, String)> = params
            .iter()
            .filter(|(k, _)| k != "from" && k != "to")
            .cloned()
            .collect();
        window_params.push(("from".into(), from.clone()));
        window_params.push(("to".into(), to.clone()));
        let left = max.map(|m| m.saturating_sub(total.items));
        let mut window_sink = WindowSink {
            sink: &mut *sink,
            seen: &mut seen,
            before: &total,
        };
        let summary =
            page_through(info, &mut run_page, &window_params, left, &mut window_sink).await?;
        total.list_key = summary.list_key;
        total.items += summary.items;
        total.pages += summary.pages;
        if summary.truncated {
            total.truncated = true;
            total.next_page_token = summary.next_page_token;
            total.left_in_last_page = summary.left_in_last_page;
            total.window = Some((from, to));
            return Ok(total);
        }
    }
    Ok(total)
}

/// The sink of one month window: drops items an earlier window handed over
/// (the same JSON), and counts the earlier windows in the running totals.
struct WindowSink<'a, S> {
    sink: &'a mut S,
    seen: &'a mut std::collections::HashSet<u64>,
    before: &'a PageSummary,
}

impl<S: ItemSink> ItemSink for WindowSink<'_, S> {
    fn item(&mut self, item: serde_json::Value) -> std::io::Result<()> {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        item.to_string().hash(&mut hasher);
        if self.seen.insert(hasher.finish()) {
            self.sink.item(item)
        } else {
            Ok(())
        }
    }

    async fn page_done(&mut self, window: &PageSummary) -> std::io::Result<()> {
        let mut running = self.before.clone();
        running.items += window.items;
        running.pages += window.pages;
        self.sink.page_done(&running).await
    }
}

/// Every page of one range (see [`for_each_page_item`]).
async fn page_through(
    info: &ActionInfo,
    run_page: &mut impl AsyncFnMut(&[(String, String)]) -> Result<Reply, HostError>,
    params: &[(String, String)],
    max: Option<u64>,
    sink: &mut impl ItemSink,
) -> Result<PageSummary, HostError> {
    let action = info.name.as_str();
    let list_key = info
        .list_key
        .clone()
        .ok_or_else(|| HostError::InvalidParams {
            action: action.to_string(),
            problems: vec![crate::model::InvalidParam {
                name: "--all".into(),
                message: format!("{action} does not return a paginated list; run it without --all"),
            }],
        })?;
    let mut params: Vec<(String, String)> = params.to_vec();
    // Without a page_size, ask for the largest page the endpoint allows
    // (fewer requests against the rate limits); with a small --max, for
    // exactly that many, so the returned token resumes right after the last
    // item printed.
    if let Some(spec) = info.param("page_size")
        && !params.iter().any(|(k, _)| k == "page_size")
        && max != Some(0)
    {
        let cap = spec.maximum.unwrap_or(30).max(1) as u64;
        let size = max.map_or(cap, |m| m.min(cap));
        params.push(("page_size".into(), size.to_string()));
    }
    let mut summary = PageSummary {
        list_key: list_key.clone(),
        ..PageSummary::default()
    };
    if max == Some(0) {
        summary.truncated = true;
        return Ok(summary);
    }
    let mut token: Option<String> = params
        .iter()
        .find(|(k, _)| k == "next_page_token")
        .map(|(_, v)| v.clone());
    params.retain(|(k, _)| k != "next_page_token");
    loop {
        let mut page_params = params.clone();
        if let Some(t) = &token {
            page_params.push(("next_page_token".into(), t.clone()));
        }
        let reply = match run_page(&page_params).await {
            Ok(reply) => reply,
            Err(HostError::Zoom {
                code: Some(300),
                message,
                ..
            }) if token.is_some() && is_page_token_error(&message) => {
                return Err(HostError::PageTokenExpired {
                    action: action.to_string(),
                    message,
                });
            }
            Err(e) => return Err(e),
        };
        summary.pages += 1;
        let mut body = reply.body;
        let items = match body.get_mut(&list_key).map(serde_json::Value::take) {
            Some(serde_json::Value::Array(items)) => items,
            None | Some(serde_json::Value::Null) => Vec::new(),
            Some(other) => {
                return Err(HostError::UnexpectedResponse(format!(
                    "'{list_key}' is not a list in Zoom's answer: {}",
                    truncate(&other.to_string())
                )));
            }
        };
        let count = items.len() as u64;
        for (i, item) in items.into_iter().enumerate() {
            if max.is_some_and(|m| summary.items >= m) {
                summary.left_in_last_page = count - i as u64;
                break;
            }
            sink.item(item).map_err(output_failed)?;
            summary.items += 1;
        }
        sink.page_done(&summary).await.map_err(output_failed)?;
        let next = reply.next_page_token;
        if next.is_some() && next == token {
            return Err(HostError::UnexpectedResponse(format!(
                "Zoom returned the same next_page_token twice on page {}; stopping to avoid a loop",
                summary.pages
            )));
        }
        let reached_max = max.is_some_and(|m| summary.items >= m);
        if reached_max && (next.is_some() || summary.left_in_last_page > 0) {
            summary.truncated = true;
            summary.next_page_token = next;
            return Ok(summary);
        }
        match next {
            Some(next) => token = Some(next),
            None => return Ok(summary),
        }
    }
}

/// Zoom's code-300 message for a bad page token ("The next page token is
/// invalid or expired.").
fn is_page_token_error(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("page token") || m.contains("next_page_token")
}

fn output_failed(e: std::io::Error) -> HostError {
    HostError::Internal(format!("cannot write output: {e}"))
}

fn truncate(text: &str) -> String {
    text.chars().take(120).collect()
}
