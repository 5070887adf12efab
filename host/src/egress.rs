//! Egress: the only way out of a component (`WasiHttpHooks::send_request`).
//!
//! Guarantees, for every outgoing request of every call:
//! - it goes only to an allow-listed Zoom host (the API host, and Zoom's
//!   download hosts); anything else is refused with `HttpRequestDenied`
//!   before a connection is made, and recorded so the host can report it;
//! - the component only ever holds a per-call stand-in token; the real token
//!   replaces it here, and only on allow-listed hosts;
//! - with [`CallPacing`] (every [`crate::Host::run`]), it waits for a token of
//!   the connection's rate bucket before each try, and retries what is safe
//!   to retry (see [`crate::limits`]): per-second 429s after `Retry-After` or
//!   backoff; 5xx, timeouts and broken connections with backoff for GET,
//!   HEAD, PUT, PATCH and DELETE, and for POST only when the connection
//!   failed before any byte of the request was sent. The request body is
//!   buffered so it can be replayed; the component sees only the final
//!   answer. Daily-limit 429s and POSTs that may have reached Zoom are not
//!   retried and are recorded in the [`EgressLog`] for the host to report.

use crate::limits::{self, Account, RateLimitKind, RetryPolicy, Table};
use crate::model::RateCategory;
use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::header::{AUTHORIZATION, HeaderValue};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use wasmtime_wasi_http::{RequestOptions, WasiBody, WasiHttpHooks};

/// One host requests may go to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AllowedHost {
    /// Exactly this scheme, host and port.
    Exact {
        scheme: String,
        host: String,
        port: u16,
    },
    /// HTTPS on port 443 to this domain or any subdomain of it.
    Domain(String),
}

/// The hosts a call may reach.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EgressPolicy {
    pub allowed: Vec<AllowedHost>,
}

/// Splits a URL into (scheme, host, port).
fn parts(url: &str) -> Option<(String, String, u16)> {
    let uri: hyper::Uri = url.parse().ok()?;
    let scheme = uri.scheme_str()?.to_ascii_lowercase();
    let host = uri.host()?.to_ascii_lowercase();
    let port = uri.port_u16().or(match scheme.as_str() {
        "https" => Some(443),
        "http" => Some(80),
        _ => None,
    })?;
    Some((scheme, host, port))
}

impl EgressPolicy {
    /// The API host of `api_base`, plus `zoom.us` and its subdomains (where
    /// recordings and transcripts are downloaded) when the API is Zoom's.
    pub fn for_api_base(api_base: &str) -> Result<EgressPolicy, String> {
        let (scheme, host, port) = parts(api_base).ok_or_else(|| {
            format!("'{api_base}' is not an absolute http(s) URL; use e.g. https://api.zoom.us/v2")
        })?;
        let zoom = scheme == "https" && (host == "zoom.us" || host.ends_with(".zoom.us"));
        let mut allowed = vec![AllowedHost::Exact { scheme, host, port }];
        if zoom {
            allowed.push(AllowedHost::Domain("zoom.us".into()));
        }
        Ok(EgressPolicy { allowed })
    }

    /// Whether a request to `url` may leave the host.
    pub fn allows(&self, url: &str) -> bool {
        let Some((scheme, host, port)) = parts(url) else {
            return false;
        };
        self.allowed.iter().any(|rule| match rule {
            AllowedHost::Exact {
                scheme: s,
                host: h,
                port: p,
            } => *s == scheme && *h == host && *p == port,
            AllowedHost::Domain(domain) => {
                scheme == "https"
                    && port == 443
                    && (host == *domain || host.ends_with(&format!(".{domain}")))
            }
        })
    }
}

/// The real token and the stand-in the component sees instead.
#[derive(Clone)]
pub struct Credential {
    pub stand_in: String,
    pub token: String,
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Credential { .. }")
    }
}

/// What the hook saw during one call.
#[derive(Debug, Default)]
pub struct EgressLog {
    /// Hosts (scheme://host:port) that were refused.
    pub denied: Vec<String>,
    /// Requests sent to Zoom (tries included).
    pub sent: u64,
    /// Tries that were repeated (after a 429, a 5xx or a failed connection).
    pub retries: u64,
    /// A daily limit Zoom reported (not retried).
    pub daily_limit: Option<DailyLimitHit>,
    /// A request that may have reached Zoom but got no usable answer, and
    /// was not repeated because repeating it is not safe.
    pub uncertain: Option<UncertainRequest>,
}

/// A daily-limit 429.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DailyLimitHit {
    /// Which limit, in words (e.g. "Zoom's per-user daily limit of 100
    /// meeting creates and updates").
    pub limit: String,
    /// When it resets, `YYYY-MM-DDTHH:MM:SSZ` (00:00 UTC).
    pub resets_at: String,
    /// Zoom's message.
    pub message: String,
}

/// A request whose outcome is unknown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UncertainRequest {
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// What went wrong.
    pub cause: String,
    /// What to check before sending it again.
    pub check: String,
}

/// Pacing and retries for the requests of one call.
#[derive(Clone, Debug)]
pub struct CallPacing {
    /// The connection's shared buckets.
    pub account: Arc<Account>,
    pub retry: RetryPolicy,
    /// The action's name (categories Zoom reports are remembered per action).
    pub action: String,
    /// The action's declared rate label.
    pub declared: RateCategory,
    /// Main or Phone table (from the action's path).
    pub table: Table,
}

/// The per-call `wasi:http` hooks.
pub struct EgressHooks {
    policy: Arc<EgressPolicy>,
    credential: Credential,
    log: Arc<Mutex<EgressLog>>,
    pacing: Option<Arc<CallPacing>>,
}

impl EgressHooks {
    pub fn new(
        policy: Arc<EgressPolicy>,
        credential: Credential,
    ) -> (EgressHooks, Arc<Mutex<EgressLog>>) {
        let log = Arc::new(Mutex::new(EgressLog::default()));
        let hooks = EgressHooks {
            policy,
            credential,
            log: log.clone(),
            pacing: None,
        };
        (hooks, log)
    }

    /// Paces and retries this call's requests (see the module docs).
    pub fn with_pacing(mut self, pacing: CallPacing) -> EgressHooks {
        self.pacing = Some(Arc::new(pacing));
        self
    }
}

type SendResult = wasmtime_wasi_http::Result<(
    hyper::Response<WasiBody>,
    Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send>,
)>;

impl WasiHttpHooks for EgressHooks {
    fn send_request(
        &mut self,
        mut request: hyper::Request<WasiBody>,
        options: Option<RequestOptions>,
        fut: Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send>,
    ) -> Box<dyn Future<Output = SendResult> + Send> {
        drop(fut);
        let url = request.uri().to_string();
        if !self.policy.allows(&url) {
            let origin = parts(&url)
                .map(|(s, h, p)| format!("{s}://{h}:{p}"))
                .unwrap_or(url);
            tracing::warn!(host = %origin, "denied a request to a host that is not allow-listed");
            lock(&self.log).denied.push(origin);
            return Box::new(async { Err(wasmtime_wasi_http::Error::HttpRequestDenied) });
        }
        let expected = format!("Bearer {}", self.credential.stand_in);
        let headers = request.headers_mut();
        if headers
            .get(AUTHORIZATION)
            .is_some_and(|v| v.as_bytes() == expected.as_bytes())
        {
            match HeaderValue::from_str(&format!("Bearer {}", self.credential.token)) {
                Ok(mut real) => {
                    real.set_sensitive(true);
                    headers.insert(AUTHORIZATION, real);
                }
                Err(_) => {
                    headers.remove(AUTHORIZATION);
                }
            }
        }
        if let Some(pacing) = self.pacing.clone() {
            let log = self.log.clone();
            return Box::new(async move {
                let response = send_paced(&pacing, &log, request, options).await?;
                Ok((
                    response,
                    Box::new(async { Ok(()) }) as Box<dyn Future<Output = _> + Send>,
                ))
            });
        }
        lock(&self.log).sent += 1;
        let (method, target) = (request.method().clone(), request.uri().path().to_string());
        Box::new(async move {
            let (response, io) = wasmtime_wasi_http::default_send_request(request, options)
                .await
                .inspect_err(|e| tracing::debug!(%method, %target, "request failed: {e:?}"))?;
            tracing::debug!(%method, %target, status = %response.status(), "sent");
            let io = async move {
                io.await
                    .inspect_err(|e| tracing::debug!("connection failed: {e:?}"))
            };
            Ok((
                response.map(BodyExt::boxed_unsync),
                Box::new(io) as Box<dyn Future<Output = _> + Send>,
            ))
        })
    }
}

fn lock(log: &Mutex<EgressLog>) -> std::sync::MutexGuard<'_, EgressLog> {
    log.lock().unwrap_or_else(|e| e.into_inner())
}

/// Answers up to this size are read whole before the component sees them,
/// so a body that breaks off midway can be fetched again; bigger ones
/// (downloads) are passed on as they stream.
const BUFFERED_BODY_LIMIT: usize = 16 * 1024 * 1024;

/// How one try ended.
enum Attempt {
    /// An answer; `None` body = the body streams on (too big to buffer).
    Answer(hyper::Response<WasiBody>, Option<Bytes>),
    /// The connection failed before any byte of the request was written.
    NotSent(wasmtime_wasi_http::Error),
    /// It failed after the request (or part of it) may have reached Zoom.
    MaybeSent(wasmtime_wasi_http::Error),
    /// A failure that trying again cannot fix (bad URL, bad certificate).
    Fatal(wasmtime_wasi_http::Error),
}

fn classify_error(e: wasmtime_wasi_http::Error) -> Attempt {
    use wasmtime_wasi_http::Error as E;
    match e {
        E::Connect(_)
        | E::ConnectionRefused
        | E::ConnectionTimeout
        | E::DnsTimeout
        | E::DnsError { .. }
        | E::DestinationNotFound
        | E::DestinationUnavailable
        | E::Tls(_)
        | E::TlsProtocolError => Attempt::NotSent(e),
        E::HttpRequestUriInvalid
        | E::HttpRequestDenied
        | E::HttpRequestMethodInvalid
        | E::InvalidDnsNameError(_)
        | E::TlsCertificateError
        | E::DestinationIpProhibited
        | E::HttpRequestBodySize(_) => Attempt::Fatal(e),
        other => Attempt::MaybeSent(other),
    }
}

fn full_body(bytes: Bytes) -> WasiBody {
    http_body_util::Full::new(bytes)
        .map_err(|never| match never {})
        .boxed_unsync()
}

/// One try: connect, send, and read the answer (whole when it is small).
async fn attempt(request: hyper::Request<WasiBody>, options: Option<RequestOptions>) -> Attempt {
    let (response, io) = match wasmtime_wasi_http::default_send_request(request, options).await {
        Ok(sent) => sent,
        Err(e) => return classify_error(e),
    };
    // The connection task reads the body; it ends when the body is done.
    tokio::spawn(async move {
        if let Err(e) = io.await {
            tracing::debug!("connection failed: {e:?}");
        }
    });
    let (parts, mut body) = response.into_parts();
    let mut chunks: Vec<Bytes> = Vec::new();
    let mut size = 0usize;
    loop {
        match body.frame().await {
            None => break,
            Some(Err(e)) => {
                return Attempt::MaybeSent(match classify_error(e) {
                    Attempt::NotSent(e) | Attempt::MaybeSent(e) | Attempt::Fatal(e) => e,
                    Attempt::Answer(..) => wasmtime_wasi_http::Error::HttpResponseIncomplete,
                });
            }
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    size += data.len();
                    chunks.push(data);
                }
                if size > BUFFERED_BODY_LIMIT {
                    let streamed = PrefixedBody {
                        prefix: chunks.into(),
                        rest: body.boxed_unsync(),
                    };
                    return Attempt::Answer(
                        hyper::Response::from_parts(parts, streamed.boxed_unsync()),
                        None,
                    );
                }
            }
        }
    }
    let bytes = if chunks.len() == 1 {
        chunks.pop().unwrap_or_default()
    } else {
        let mut all = bytes::BytesMut::with_capacity(size);
        for c in chunks {
            all.extend_from_slice(&c);
        }
        all.freeze()
    };
    Attempt::Answer(
        hyper::Response::from_parts(parts, full_body(bytes.clone())),
        Some(bytes),
    )
}

/// The bytes already read, then the rest of the body.
struct PrefixedBody {
    prefix: std::collections::VecDeque<Bytes>,
    rest: WasiBody,
}

impl hyper::body::Body for PrefixedBody {
    type Data = Bytes;
    type Error = wasmtime_wasi_http::Error;
    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<hyper::body::Frame<Bytes>, Self::Error>>> {
        if let Some(chunk) = self.prefix.pop_front() {
            return Poll::Ready(Some(Ok(hyper::body::Frame::data(chunk))));
        }
        Pin::new(&mut self.rest).poll_frame(cx)
    }
}

fn header<'a>(response: &'a hyper::Response<WasiBody>, name: &str) -> Option<&'a str> {
    response.headers().get(name).and_then(|v| v.to_str().ok())
}

/// Zoom's `message` from an error body, else the body itself (shortened).
fn zoom_message(body: &[u8]) -> String {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("message")?.as_str().map(str::to_string))
        .unwrap_or_else(|| String::from_utf8_lossy(body).chars().take(200).collect())
}

/// What to check after a POST that may have been applied.
fn uncertain_check(path: &str, body: &[u8]) -> String {
    let topic = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("topic")?.as_str().map(str::to_string));
    let rest = path.trim_start_matches('/');
    let rest = rest.strip_prefix("v2/").unwrap_or(rest);
    let segs: Vec<&str> = rest.split('/').collect();
    if let ["users", user, "meetings"] = segs.as_slice() {
        let topic = topic
            .map(|t| format!(" with topic '{t}'"))
            .unwrap_or_default();
        return format!(
            "list the meetings of user '{user}' (retrieve-meetings, GET /users/{user}/meetings) and look for a meeting{topic} created just now before creating it again"
        );
    }
    format!(
        "check in Zoom (GET the resource this POST {path} creates or changes) whether it was applied before sending it again"
    )
}

/// Sends a request under the call's pacing and retry policy; see the
/// module docs.
async fn send_paced(
    pacing: &CallPacing,
    log: &Mutex<EgressLog>,
    request: hyper::Request<WasiBody>,
    options: Option<RequestOptions>,
) -> wasmtime_wasi_http::Result<hyper::Response<WasiBody>> {
    let (parts, body) = request.into_parts();
    let body = body.collect().await?.to_bytes();
    let method = parts.method.clone();
    let path = parts.uri.path().to_string();
    let repeatable = method != hyper::Method::POST;
    let policy = &pacing.retry;
    let mut retries = 0u32;
    let mut waited = Duration::ZERO;
    loop {
        let category = pacing.account.category_of(&pacing.action, pacing.declared);
        pacing.account.acquire(pacing.table, category).await;
        let mut builder = hyper::Request::builder()
            .method(parts.method.clone())
            .uri(parts.uri.clone())
            .version(parts.version);
        if let Some(headers) = builder.headers_mut() {
            *headers = parts.headers.clone();
        }
        let request = builder
            .body(full_body(body.clone()))
            .map_err(|e| wasmtime_wasi_http::Error::InternalError(Some(e.to_string())))?;
        lock(log).sent += 1;
        let outcome =
            match tokio::time::timeout(policy.attempt_timeout, attempt(request, options)).await {
                Ok(outcome) => outcome,
                Err(_) => Attempt::MaybeSent(wasmtime_wasi_http::Error::ConnectionReadTimeout),
            };
        // Why to try again, and after how long (None = hand back `outcome`).
        let mut retry_after: Option<Duration> = None;
        match &outcome {
            Attempt::Answer(response, body_bytes) => {
                let status = response.status().as_u16();
                if let Some(reported) =
                    header(response, "x-ratelimit-category").and_then(limits::parse_category)
                {
                    pacing
                        .account
                        .learn(&pacing.action, pacing.declared, reported);
                }
                tracing::debug!(%method, target = %path, status, "sent");
                if status == 429 {
                    let message = body_bytes.as_deref().map(zoom_message).unwrap_or_default();
                    let limit_type = header(response, "x-ratelimit-type");
                    let now = crate::clock::now_secs();
                    let asked = header(response, "retry-after")
                        .and_then(|v| limits::parse_retry_after(v, now));
                    match limits::classify_429(limit_type, &message) {
                        RateLimitKind::PerSecond => {
                            let delay = asked.unwrap_or_else(|| policy.backoff(retries + 1));
                            let category =
                                pacing.account.category_of(&pacing.action, pacing.declared);
                            pacing.account.pause(pacing.table, category, delay);
                            retry_after = Some(delay);
                        }
                        kind => {
                            let reset = header(response, "retry-after")
                                .and_then(crate::clock::parse_date_time)
                                .filter(|t| *t > now)
                                .unwrap_or_else(|| crate::clock::next_utc_midnight(now));
                            let limit_n = header(response, "x-ratelimit-limit")
                                .map(str::trim)
                                .filter(|v| !v.is_empty());
                            let limit = if kind == RateLimitKind::MeetingDailyCap {
                                format!(
                                    "Zoom's per-user daily limit of {} meeting creates and updates",
                                    limit_n.unwrap_or("100")
                                )
                            } else {
                                let cat = header(response, "x-ratelimit-category")
                                    .and_then(limits::parse_category)
                                    .unwrap_or(category);
                                format!(
                                    "Zoom's daily {} rate limit for the account{}",
                                    limits::category_name(cat),
                                    limit_n
                                        .map(|n| format!(" ({n} requests a day)"))
                                        .unwrap_or_default()
                                )
                            };
                            tracing::warn!(%limit, "daily rate limit reached; not retrying");
                            lock(log).daily_limit = Some(DailyLimitHit {
                                limit,
                                resets_at: crate::clock::format_utc(reset),
                                message,
                            });
                        }
                    }
                } else if status >= 500 {
                    if repeatable {
                        retry_after = Some(policy.backoff(retries + 1));
                    } else {
                        lock(log).uncertain = Some(UncertainRequest {
                            method: method.to_string(),
                            path: path.clone(),
                            cause: format!("Zoom answered {status} and may have applied it"),
                            check: uncertain_check(&path, &body),
                        });
                    }
                }
            }
            Attempt::NotSent(e) => {
                tracing::debug!(%method, target = %path, "connection failed before sending: {e}");
                retry_after = Some(policy.backoff(retries + 1));
            }
            Attempt::MaybeSent(e) => {
                tracing::debug!(%method, target = %path, "request failed: {e}");
                if repeatable {
                    retry_after = Some(policy.backoff(retries + 1));
                } else {
                    lock(log).uncertain = Some(UncertainRequest {
                        method: method.to_string(),
                        path: path.clone(),
                        cause: format!("the connection failed after the request was sent ({e})"),
                        check: uncertain_check(&path, &body),
                    });
                }
            }
            Attempt::Fatal(_) => {}
        }
        let retry = retry_after.filter(|delay| {
            retries + 1 < policy.max_attempts && waited + *delay <= policy.max_total_wait
        });
        match (retry, outcome) {
            (Some(delay), _) => {
                retries += 1;
                waited += delay;
                lock(log).retries += 1;
                tracing::debug!(%method, target = %path, retry = retries, ?delay, "retrying");
                tokio::time::sleep(delay).await;
            }
            (None, Attempt::Answer(response, _)) => return Ok(response),
            (None, Attempt::NotSent(e) | Attempt::MaybeSent(e) | Attempt::Fatal(e)) => {
                return Err(e);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zoom_policy_allows_api_and_download_hosts_only() {
        let p = EgressPolicy::for_api_base("https://api.zoom.us/v2").unwrap();
        assert!(p.allows("https://api.zoom.us/v2/users/me"));
        assert!(p.allows("https://zoom.us/rec/download/x"));
        assert!(p.allows("https://ssrweb.zoom.us/file.vtt"));
        assert!(!p.allows("http://zoom.us/rec/download/x"));
        assert!(!p.allows("https://evilzoom.us/"));
        assert!(!p.allows("https://zoom.us.evil.com/"));
        assert!(!p.allows("https://example.com/"));
    }

    #[test]
    fn sandbox_policy_allows_its_origin_only() {
        let p = EgressPolicy::for_api_base("http://127.0.0.1:4010/v2").unwrap();
        assert!(p.allows("http://127.0.0.1:4010/rec/files/a.vtt"));
        assert!(!p.allows("http://127.0.0.1:4011/v2"));
        assert!(!p.allows("https://api.zoom.us/v2"));
        assert!(EgressPolicy::for_api_base("api.zoom.us").is_err());
    }
}
