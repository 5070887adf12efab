//! One request under the call's pacing and retry policy: each try waits
//! for a token of the rate bucket, is read whole when small (so a body that
//! breaks off can be fetched again), and is retried only when that is safe.

use super::advice::{uncertain_check, zoom_message};
use super::outcome::{DailyLimitHit, EgressLog, UncertainRequest};
use super::{CallPacing, EgressLimits};
use crate::rate_limit::{self, KnownDailyLimit, RateLimitKind};
use crate::transport::{self, Transport};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll};
use std::time::Duration;
use wasmtime_wasi_http::{RequestOptions, WasiBody};

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

/// A transport failure as the component sees it (the detail is logged).
fn attempt_failed(failure: transport::Failure) -> Attempt {
    use wasmtime_wasi_http::Error as E;
    match failure {
        transport::Failure::NotSent(why) => {
            tracing::debug!("not sent: {why}");
            Attempt::NotSent(E::Connect(std::io::Error::other(why)))
        }
        transport::Failure::MaybeSent(why) => {
            tracing::debug!("may have been sent: {why}");
            Attempt::MaybeSent(E::ConnectionTerminated)
        }
        transport::Failure::TimedOut => Attempt::MaybeSent(E::ConnectionReadTimeout),
        transport::Failure::Fatal(why) => {
            tracing::debug!("failed: {why}");
            if why.contains("certificate") {
                Attempt::Fatal(E::TlsCertificateError)
            } else {
                Attempt::Fatal(E::InternalError(Some(why)))
            }
        }
    }
}

fn full_body(bytes: Bytes) -> WasiBody {
    http_body_util::Full::new(bytes)
        .map_err(|never| match never {})
        .boxed_unsync()
}

/// One try: send on a pooled connection, and read the answer (whole when
/// it is small).
async fn attempt(
    transport: &Transport,
    request: hyper::Request<Full<Bytes>>,
    first_byte: Duration,
) -> Attempt {
    let response = match transport.send(request, first_byte).await {
        Ok(response) => response,
        Err(failure) => return attempt_failed(failure),
    };
    let (parts, body) = response.into_parts();
    let mut body = body.map_err(wasmtime_wasi_http::Error::from).boxed_unsync();
    let mut chunks: Vec<Bytes> = Vec::new();
    let mut size = 0usize;
    loop {
        match body.frame().await {
            None => break,
            Some(Err(e)) => {
                tracing::debug!("the answer broke off: {e}");
                return Attempt::MaybeSent(wasmtime_wasi_http::Error::HttpResponseIncomplete);
            }
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    size += data.len();
                    chunks.push(data);
                }
                if size > BUFFERED_BODY_LIMIT {
                    let streamed = PrefixedBody {
                        prefix: chunks.into(),
                        rest: body,
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

fn lock(log: &Mutex<EgressLog>) -> std::sync::MutexGuard<'_, EgressLog> {
    log.lock().unwrap_or_else(|e| e.into_inner())
}

/// Sends a request under the call's pacing and retry policy; see the
/// module docs. Zoom's rate-limit answers (`X-RateLimit-Category`, 429s) are
/// believed only `from_api` (the request went to the API's own origin): a
/// download host that answers 429 can neither pause nor lock the account's
/// buckets; its 429 is handed back as a failed request.
pub async fn send_paced(
    transport: &Transport,
    pacing: &CallPacing,
    log: &Mutex<EgressLog>,
    request: hyper::Request<WasiBody>,
    options: Option<RequestOptions>,
    limits: &EgressLimits,
    from_api: bool,
) -> wasmtime_wasi_http::Result<hyper::Response<WasiBody>> {
    let (parts, body) = request.into_parts();
    // Buffered so it can be replayed, so bounded.
    let body = match http_body_util::Limited::new(body, limits.max_request_body)
        .collect()
        .await
    {
        Ok(collected) => collected.to_bytes(),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => {
            lock(log).over_limit.get_or_insert_with(|| {
                format!(
                    "a request body of more than {} bytes",
                    limits.max_request_body
                )
            });
            return Err(wasmtime_wasi_http::Error::HttpRequestBodySize(None));
        }
        Err(e) => {
            return Err(match e.downcast::<wasmtime_wasi_http::Error>() {
                Ok(e) => *e,
                Err(e) => wasmtime_wasi_http::Error::InternalError(Some(e.to_string())),
            });
        }
    };
    let method = parts.method.clone();
    let path = parts.uri.path().to_string();
    let repeatable = method != hyper::Method::POST;
    // A POST that may have been applied: what is recorded instead of a retry.
    let uncertain = |cause: String| UncertainRequest {
        method: method.to_string(),
        path: path.clone(),
        cause,
        check: uncertain_check(&path, &body),
    };
    let policy = &pacing.retry;
    // What the component asked for, within the try's own bound.
    let first_byte = options
        .and_then(|o| o.first_byte_timeout)
        .unwrap_or(policy.attempt_timeout)
        .min(policy.attempt_timeout);
    let mut retries = 0u32;
    let mut waited = Duration::ZERO;
    loop {
        let (table, declared, key) = pacing.bucket_for(method.as_str(), &path);
        let category = pacing.account.category_of(&key, declared);
        if let Err(known) = pacing.account.acquire(table, category).await {
            // Used up until its reset (seen by this or another process):
            // asking Zoom again would only count against the account.
            lock(log).daily_limit = Some(DailyLimitHit {
                limit: known.limit,
                resets_at: crate::clock::format_utc(known.resets_at),
                message: known.message,
            });
            return Err(wasmtime_wasi_http::Error::HttpRequestDenied);
        }
        let mut builder = hyper::Request::builder()
            .method(parts.method.clone())
            .uri(parts.uri.clone())
            .version(parts.version);
        if let Some(headers) = builder.headers_mut() {
            *headers = parts.headers.clone();
        }
        let request = builder
            .body(Full::new(body.clone()))
            .map_err(|e| wasmtime_wasi_http::Error::InternalError(Some(e.to_string())))?;
        lock(log).sent += 1;
        let tried = attempt(transport, request, first_byte);
        let outcome = match tokio::time::timeout(policy.attempt_timeout, tried).await {
            Ok(outcome) => outcome,
            Err(_) => Attempt::MaybeSent(wasmtime_wasi_http::Error::ConnectionReadTimeout),
        };
        // Why to try again, and after how long (None = hand back `outcome`).
        let mut retry_after: Option<Duration> = None;
        match &outcome {
            Attempt::Answer(response, body_bytes) => {
                let status = response.status().as_u16();
                if let Some(reported) = header(response, "x-ratelimit-category")
                    .and_then(rate_limit::parse_category)
                    .filter(|_| from_api)
                {
                    pacing.account.learn(&key, declared, reported);
                }
                tracing::debug!(%method, target = %path, status, "sent");
                if status == 429 && from_api {
                    let message = body_bytes.as_deref().map(zoom_message).unwrap_or_default();
                    let limit_type = header(response, "x-ratelimit-type");
                    let now = crate::clock::now_secs();
                    let asked = header(response, "retry-after")
                        .and_then(|v| rate_limit::parse_retry_after(v, now));
                    match rate_limit::classify_429(limit_type, &message) {
                        RateLimitKind::PerSecond => {
                            let delay = asked.unwrap_or_else(|| policy.backoff(retries + 1));
                            let category = pacing.account.category_of(&key, declared);
                            // The bucket pauses at most as long as a request may
                            // wait in all: a server's absurd Retry-After must not
                            // stall every call on the account. A delay over that
                            // budget is not waited for (no retry below).
                            pacing
                                .account
                                .pause(table, category, delay.min(policy.max_total_wait))
                                .await;
                            retry_after = Some(delay);
                        }
                        kind => {
                            let reset =
                                rate_limit::daily_reset(header(response, "retry-after"), now);
                            let reported = header(response, "x-ratelimit-category")
                                .and_then(rate_limit::parse_category);
                            let limit = rate_limit::daily_limit_description(
                                &kind,
                                header(response, "x-ratelimit-limit"),
                                reported.unwrap_or(category),
                            );
                            tracing::warn!(%limit, "daily rate limit reached; not retrying");
                            if kind == RateLimitKind::Daily {
                                // Account-wide: later requests in the
                                // category fail at once until the reset.
                                let known = KnownDailyLimit {
                                    resets_at: reset,
                                    limit: limit.clone(),
                                    message: message.clone(),
                                };
                                let category = reported.unwrap_or(category);
                                pacing
                                    .account
                                    .record_daily_limit(table, category, known)
                                    .await;
                            }
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
                        lock(log).uncertain = Some(uncertain(format!(
                            "Zoom answered {status} and may have applied it"
                        )));
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
                    lock(log).uncertain = Some(uncertain(format!(
                        "the connection failed after the request was sent ({e})"
                    )));
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
