//! Fault injection: per-test rules that make the next matching requests
//! fail the way Zoom (or the network) does — 429 rate limits with Zoom's
//! headers and bodies, 5xx, connections dropped before or after the request
//! is processed, slow responses, trickled bodies and bodies cut off midway.
//!
//! Rules are matched in insertion order against the method and the RAW path
//! (e.g. `/v2/users/me/meetings`). A rule may let `skip` matching requests
//! through first and then fire `times` times (`None` = on every match).

use crate::errors::ApiError;
use crate::time::{format_datetime, now_secs};
use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use bytes::Bytes;
use http_body::Frame;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// Zoom's rate-limit labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateLabel {
    Light,
    Medium,
    Heavy,
    ResourceIntensive,
}

impl RateLabel {
    /// Header spelling (`X-RateLimit-Category`).
    pub fn as_str(self) -> &'static str {
        match self {
            RateLabel::Light => "Light",
            RateLabel::Medium => "Medium",
            RateLabel::Heavy => "Heavy",
            RateLabel::ResourceIntensive => "Resource-intensive",
        }
    }

    /// Per-second limit (Business+ plan, main table).
    pub fn per_second(self) -> u32 {
        match self {
            RateLabel::Light => 80,
            RateLabel::Medium => 60,
            RateLabel::Heavy => 40,
            RateLabel::ResourceIntensive => 20,
        }
    }

    /// Daily limit shown on daily-limit 429s.
    pub fn daily(self) -> u32 {
        match self {
            RateLabel::Light => 6_000,
            RateLabel::Medium => 2_000,
            RateLabel::Heavy | RateLabel::ResourceIntensive => 60_000,
        }
    }
}

/// What to do to a matching request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// 429 per-second limit (`X-RateLimit-Type: QPS`, `Retry-After: 1`).
    RateLimitPerSecond,
    /// 429 daily account limit (`X-RateLimit-Type: Daily-limit`,
    /// `Retry-After` = next 00:00 UTC as an ISO date-time).
    RateLimitDaily,
    /// 429 "You have exceeded the daily rate limit (100) of Meeting
    /// Create/Update API requests ..." (the per-user meeting cap).
    MeetingDailyCap,
    /// A server error with this status (500 gets a JSON body, 502/503/504
    /// an HTML gateway page).
    ServerError(u16),
    /// Close the connection without a response; the request is NOT applied.
    DropBeforeProcessing,
    /// Apply the request, then close the connection without a response.
    DropAfterProcessing,
    /// Wait this long before processing and answering.
    Delay(Duration),
    /// Answer normally but send the body in small chunks with this pause
    /// between them.
    TrickleBody(Duration),
    /// Apply the request, send the headers (with the full Content-Length) and
    /// half the body, then break the connection.
    CutOffBody,
    /// Answer exactly this instead of processing the request: for servers
    /// that say absurd things (`Retry-After: 1e300`, a token that lives
    /// 10^12 seconds).
    Answer {
        /// HTTP status.
        status: u16,
        /// Headers, as given (invalid ones are left out).
        headers: Vec<(String, String)>,
        /// The body, sent as JSON.
        body: String,
    },
}

/// When a fault fires.
#[derive(Debug, Clone)]
pub struct FaultRule {
    pub fault: Fault,
    /// Only this method (e.g. `"POST"`); `None` = any.
    pub method: Option<String>,
    /// Only raw paths starting with this (e.g. `"/v2/users/me/meetings"`); `None` = any.
    pub path_prefix: Option<String>,
    /// Let this many matching requests through first.
    pub skip: usize,
    /// Fire this many times, then retire; `None` = forever.
    pub times: Option<usize>,
}

impl FaultRule {
    /// A rule that fires once on any request.
    pub fn new(fault: Fault) -> Self {
        FaultRule {
            fault,
            method: None,
            path_prefix: None,
            skip: 0,
            times: Some(1),
        }
    }
    pub fn method(mut self, method: &str) -> Self {
        self.method = Some(method.to_ascii_uppercase());
        self
    }
    pub fn path_prefix(mut self, prefix: &str) -> Self {
        self.path_prefix = Some(prefix.to_string());
        self
    }
    pub fn skip(mut self, n: usize) -> Self {
        self.skip = n;
        self
    }
    pub fn times(mut self, n: usize) -> Self {
        self.times = Some(n);
        self
    }
    pub fn always(mut self) -> Self {
        self.times = None;
        self
    }

    fn matches(&self, method: &str, raw_path: &str) -> bool {
        self.method.as_deref().is_none_or(|m| m == method)
            && self
                .path_prefix
                .as_deref()
                .is_none_or(|p| raw_path.starts_with(p))
    }
}

/// Picks (and consumes) the fault for this request, if any.
pub fn take(rules: &mut Vec<FaultRule>, method: &str, raw_path: &str) -> Option<Fault> {
    let mut fired = None;
    for rule in rules.iter_mut() {
        if !rule.matches(method, raw_path) {
            continue;
        }
        if rule.skip > 0 {
            rule.skip -= 1;
            continue;
        }
        if let Some(n) = rule.times.as_mut() {
            if *n == 0 {
                continue;
            }
            *n -= 1;
        }
        fired = Some(rule.fault.clone());
        break;
    }
    rules.retain(|r| r.times != Some(0));
    fired
}

/// The error hyper sees when a fault drops the connection.
#[derive(Debug)]
pub struct ConnectionDropped;

impl std::fmt::Display for ConnectionDropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}

impl std::error::Error for ConnectionDropped {}

fn next_midnight() -> String {
    let now = now_secs();
    format_datetime(now - now.rem_euclid(86_400) + 86_400)
}

fn set(resp: &mut Response, name: &'static str, value: String) {
    if let Ok(v) = HeaderValue::from_str(&value) {
        resp.headers_mut().insert(name, v);
    }
}

/// 429 response for a rate-limit fault.
pub fn rate_limited(kind: &Fault, label: RateLabel) -> Response {
    let (message, typ, limit, retry) = match kind {
        Fault::RateLimitDaily => (
            "You have reached the maximum daily rate limit for this API. Refer to the response header for details on when you can make another request.".to_string(),
            "Daily-limit",
            label.daily(),
            next_midnight(),
        ),
        Fault::MeetingDailyCap => (meeting_cap_message(100), "Daily-limit", 100, next_midnight()),
        _ => (
            "You have reached the maximum per-second rate limit for this API. Try again later."
                .to_string(),
            "QPS",
            label.per_second(),
            "1".to_string(),
        ),
    };
    let label = if *kind == Fault::MeetingDailyCap {
        RateLabel::Light
    } else {
        label
    };
    let mut resp = ApiError::new(StatusCode::TOO_MANY_REQUESTS, 429, message).into_response();
    set(
        &mut resp,
        "x-ratelimit-category",
        label.as_str().to_string(),
    );
    set(&mut resp, "x-ratelimit-type", typ.to_string());
    set(&mut resp, "x-ratelimit-limit", limit.to_string());
    set(&mut resp, "x-ratelimit-remaining", "0".to_string());
    set(&mut resp, "retry-after", retry);
    resp
}

/// Zoom's message for the per-user meeting create/update cap.
pub fn meeting_cap_message(cap: u32) -> String {
    format!(
        "You have exceeded the daily rate limit ({cap}) of Meeting Create/Update API requests permitted for this particular user. You may resume these requests at GMT 00:00:00."
    )
}

/// 429 for the per-user meeting cap (used by the create/update handlers).
pub fn meeting_cap_error(cap: u32) -> Response {
    let mut resp =
        ApiError::new(StatusCode::TOO_MANY_REQUESTS, 429, meeting_cap_message(cap)).into_response();
    set(&mut resp, "x-ratelimit-category", "Light".to_string());
    set(&mut resp, "x-ratelimit-type", "Daily-limit".to_string());
    set(&mut resp, "x-ratelimit-limit", cap.to_string());
    set(&mut resp, "x-ratelimit-remaining", "0".to_string());
    set(&mut resp, "retry-after", next_midnight());
    resp
}

/// The response of [`Fault::Answer`].
pub fn answer(status: u16, headers: &[(String, String)], body: &str) -> Response {
    let mut resp = Response::new(Body::from(body.to_string()));
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=UTF-8"),
    );
    for (name, value) in headers {
        if let (Ok(name), Ok(value)) = (
            axum::http::HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            resp.headers_mut().insert(name, value);
        }
    }
    resp
}

/// A 5xx response.
pub fn server_error(status: u16) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if status == StatusCode::INTERNAL_SERVER_ERROR {
        return ApiError::new(status, 500, "Internal Server Error.").into_response();
    }
    let reason = status.canonical_reason().unwrap_or("Server Error");
    let html = format!(
        "<html>\r\n<head><title>{code} {reason}</title></head>\r\n<body>\r\n<center><h1>{code} {reason}</h1></center>\r\n</body>\r\n</html>\r\n",
        code = status.as_u16()
    );
    let mut resp = Response::new(Body::from(html));
    *resp.status_mut() = status;
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
    resp
}

/// A body that yields the first half of `data`, waits a moment (so the
/// headers and that half reach the client), and then fails, so hyper aborts
/// the connection after a partial body.
pub struct CutOffBody {
    first: Option<Bytes>,
    sleep: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl http_body::Body for CutOffBody {
    type Data = Bytes;
    type Error = ConnectionDropped;
    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, ConnectionDropped>>> {
        if let Some(b) = self.first.take() {
            self.sleep = Some(Box::pin(tokio::time::sleep(Duration::from_millis(50))));
            return Poll::Ready(Some(Ok(Frame::data(b))));
        }
        if let Some(sleep) = self.sleep.as_mut()
            && sleep.as_mut().poll(cx).is_pending()
        {
            return Poll::Pending;
        }
        Poll::Ready(Some(Err(ConnectionDropped)))
    }
}

/// A body that sends `data` in 16-byte chunks with `delay` between them.
pub struct TrickleBody {
    data: Bytes,
    delay: Duration,
    sleep: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl http_body::Body for TrickleBody {
    type Data = Bytes;
    type Error = std::convert::Infallible;
    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if self.data.is_empty() {
            return Poll::Ready(None);
        }
        if let Some(sleep) = self.sleep.as_mut() {
            if sleep.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            self.sleep = None;
        }
        let n = self.data.len().min(16);
        let chunk = self.data.split_to(n);
        let delay = self.delay;
        self.sleep = Some(Box::pin(tokio::time::sleep(delay)));
        Poll::Ready(Some(Ok(Frame::data(chunk))))
    }
}

/// Rebuilds `resp` with a body that is cut off halfway (Content-Length kept).
pub async fn cut_off(resp: Response) -> Response {
    use http_body_util::BodyExt;
    let (mut parts, body) = resp.into_parts();
    let bytes = body
        .collect()
        .await
        .map(|c| c.to_bytes())
        .unwrap_or_default();
    let half = bytes.slice(0..bytes.len() / 2);
    parts.headers.insert(
        header::CONTENT_LENGTH,
        HeaderValue::from(bytes.len().max(1)),
    );
    Response::from_parts(
        parts,
        Body::new(CutOffBody {
            first: Some(half),
            sleep: None,
        }),
    )
}

/// Rebuilds `resp` with a trickled body.
pub async fn trickle(resp: Response, delay: Duration) -> Response {
    use http_body_util::BodyExt;
    let (mut parts, body) = resp.into_parts();
    let bytes = body
        .collect()
        .await
        .map(|c| c.to_bytes())
        .unwrap_or_default();
    parts
        .headers
        .insert(header::CONTENT_LENGTH, HeaderValue::from(bytes.len()));
    Response::from_parts(
        parts,
        Body::new(TrickleBody {
            data: bytes,
            delay,
            sleep: None,
        }),
    )
}
