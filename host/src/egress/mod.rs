//! Egress: the only way out of a component (`WasiHttpHooks::send_request`).
//!
//! Guarantees, for every outgoing request of every call:
//! - it goes only to an allow-listed Zoom host (the API host, and Zoom's
//!   download hosts; [`policy`]); anything else is refused with
//!   `HttpRequestDenied` before a connection is made, and recorded so the
//!   host can report it;
//! - the component only ever holds a per-call stand-in token; the real token
//!   replaces it here, and only on requests to the API or Zoom's download
//!   paths, never on a hop reached by a redirect from another origin
//!   ([`credential`], [`redirects`]);
//! - it waits for a token of the connection's rate bucket before each try,
//!   and retries what is safe to retry ([`retry`], policy in
//!   [`crate::rate_limit`]): per-second 429s after `Retry-After` or backoff;
//!   5xx, timeouts and broken connections with backoff for GET, HEAD, PUT,
//!   PATCH and DELETE, and for POST only when the connection failed before
//!   any byte of the request was sent. The request body is buffered so it
//!   can be replayed; the component sees only the final answer. Daily-limit
//!   429s and POSTs that may have reached Zoom are not retried and are
//!   recorded in the [`EgressLog`], which turns them into the call's error
//!   ([`outcome`]).
//!
//! - requests leave through the process's pooled client
//!   ([`crate::transport`]): kept-alive connections, HTTP/2 where offered;
//!
//! - one call cannot exhaust the host ([`EgressLimits`]): at most
//!   `max_requests` requests in all (more are refused), `max_in_flight` at
//!   once (more wait), and request bodies of at most `max_request_body`
//!   bytes; going past a limit fails the call.
//!
//! `describe()` and `plan()` run with [`EgressHooks::sealed`]: no request
//! leaves at all.

pub mod advice;
pub mod credential;
pub mod outcome;
pub mod policy;
pub mod redirects;
pub mod retry;

pub use credential::Credential;
pub use outcome::EgressLog;
pub use policy::EgressPolicy;

use crate::model::RateCategory;
use crate::rate_limit::{Account, RetryPolicy, Table};
use crate::transport::Transport;
use std::sync::{Arc, Mutex};
use tokio::sync::Semaphore;
use wasmtime_wasi_http::{RequestOptions, WasiBody, WasiHttpHooks};

/// How much one call may send.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EgressLimits {
    /// Requests in all (tries after a 429 or a failure not counted).
    pub max_requests: u32,
    /// Requests waiting for an answer at once; more wait their turn.
    pub max_in_flight: u32,
    /// Bytes of one request body (bodies are buffered so they can be
    /// replayed).
    pub max_request_body: usize,
}

/// Hosts refused in one call that the log keeps (the rest are counted).
const DENIED_KEPT: usize = 10;

/// Pacing and retries for the requests of one call.
#[derive(Clone, Debug)]
pub struct CallPacing {
    /// The connection's shared buckets.
    pub account: Arc<Account>,
    /// How failed tries are retried.
    pub retry: RetryPolicy,
    /// The action's path template (categories Zoom reports are remembered
    /// per template).
    pub template: String,
    /// The action's declared rate label.
    pub declared: RateCategory,
    /// Main or Phone table (from the action's path).
    pub table: Table,
    /// Each request is paced as the operation it calls: for an action
    /// whose declared path is `/` (`api-call`), which calls what its
    /// caller asks for.
    pub per_request: bool,
}

impl CallPacing {
    /// The table and declared category of one request, and the key under
    /// which a category Zoom reports for it is remembered.
    pub fn bucket_for(&self, method: &str, path: &str) -> (Table, RateCategory, String) {
        if !self.per_request {
            return (self.table, self.declared, self.template.clone());
        }
        let table = Table::for_path(path);
        match crate::rate_limit::operation_of(method, path) {
            Some((template, category)) => (table, category, template.to_string()),
            // An operation the documents do not know: the action's label,
            // remembered under the action's own key.
            None => (table, self.declared, self.template.clone()),
        }
    }
}

/// What a call may send.
enum Egress {
    /// Nothing at all (`describe()`, `plan()`).
    Sealed,
    /// Allow-listed hosts, with the real token swapped in and paced.
    Open {
        transport: Arc<Transport>,
        policy: Arc<EgressPolicy>,
        credential: Credential,
        pacing: Arc<CallPacing>,
        limits: EgressLimits,
        in_flight: Arc<Semaphore>,
        redirects: Arc<Mutex<redirects::Redirects>>,
    },
}

/// The per-call `wasi:http` hooks.
pub struct EgressHooks {
    egress: Egress,
    log: Arc<Mutex<EgressLog>>,
}

impl EgressHooks {
    /// Hooks that let a call reach the hosts of `policy`, with `credential`
    /// swapped in and requests paced and retried; the log records what
    /// happened.
    pub fn new(
        transport: Arc<Transport>,
        policy: Arc<EgressPolicy>,
        credential: Credential,
        pacing: CallPacing,
        limits: EgressLimits,
    ) -> (EgressHooks, Arc<Mutex<EgressLog>>) {
        let log = Arc::new(Mutex::new(EgressLog::default()));
        let hooks = EgressHooks {
            egress: Egress::Open {
                transport,
                policy,
                credential,
                pacing: Arc::new(pacing),
                limits,
                in_flight: Arc::new(Semaphore::new(limits.max_in_flight.max(1) as usize)),
                redirects: Arc::default(),
            },
            log: log.clone(),
        };
        (hooks, log)
    }

    /// Hooks that refuse every request.
    pub fn sealed() -> EgressHooks {
        EgressHooks {
            egress: Egress::Sealed,
            log: Arc::default(),
        }
    }

    fn log(&self) -> std::sync::MutexGuard<'_, EgressLog> {
        self.log.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn deny(&self, url: String) -> Box<dyn Future<Output = SendResult> + Send> {
        let origin = policy::origin(&url).unwrap_or(url);
        let mut log = self.log();
        if log.denied.len() < DENIED_KEPT {
            tracing::warn!(host = %origin, "denied a request to a host that is not allow-listed");
            log.denied.push(origin);
        }
        Box::new(async { Err(wasmtime_wasi_http::Error::HttpRequestDenied) })
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
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
        let Egress::Open {
            transport,
            policy,
            credential,
            pacing,
            limits,
            in_flight,
            redirects,
        } = &self.egress
        else {
            return self.deny(url);
        };
        if !policy.allows(&url) {
            return self.deny(url);
        }
        {
            let mut log = self.log();
            if log.requests >= u64::from(limits.max_requests) {
                log.over_limit
                    .get_or_insert_with(|| format!("more than {} requests", limits.max_requests));
                return Box::new(async { Err(wasmtime_wasi_http::Error::HttpRequestDenied) });
            }
            log.requests += 1;
        }
        let carries = policy.carries_token(request.method().as_str(), &url)
            && !lock(redirects).reached_across_origins(&url);
        credential::authorize(carries, credential, request.headers_mut());
        // Zoom's rate-limit answers are believed only from the API itself.
        let from_api = policy.is_api(&url);
        let (pacing, log, limits) = (pacing.clone(), self.log.clone(), *limits);
        let (in_flight, transport) = (in_flight.clone(), transport.clone());
        let redirects = redirects.clone();
        Box::new(async move {
            // Waits here, before any rate-limit slot is taken.
            let _turn = in_flight
                .acquire_owned()
                .await
                .map_err(|_| wasmtime_wasi_http::Error::InternalError(None))?;
            let response = retry::send_paced(
                &transport, &pacing, &log, request, options, &limits, from_api,
            )
            .await?;
            let location = response.headers().get(hyper::header::LOCATION);
            lock(&redirects).note(
                &url,
                response.status().as_u16(),
                location.and_then(|v| v.to_str().ok()),
            );
            Ok((
                response,
                Box::new(async { Ok(()) }) as Box<dyn Future<Output = _> + Send>,
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rate_limit::{Pacer, RateLimitConfig};

    fn pacing(template: &str, declared: RateCategory, per_request: bool) -> CallPacing {
        CallPacing {
            account: Pacer::new(RateLimitConfig::default()).account("test"),
            retry: RetryPolicy::default(),
            template: template.into(),
            declared,
            table: Table::for_path(template),
            per_request,
        }
    }

    /// Hooks for a call whose API is `api` and which may also reach
    /// `other` (as Zoom's download hosts are reached): the real token is
    /// `real-token`, the component's stand-in `stand-in`.
    fn call_hooks(
        api: &zoom_simulator::RunningSimulator,
        other: &zoom_simulator::RunningSimulator,
    ) -> (EgressHooks, Arc<Mutex<EgressLog>>, Arc<Account>) {
        let exact = |origin: String| {
            let (scheme, host, port) = crate::connection::url_origin(&origin).unwrap();
            policy::AllowedHost::Exact { scheme, host, port }
        };
        let policy = EgressPolicy {
            allowed: vec![exact(api.origin()), exact(other.origin())],
            api: Some(exact(api.origin())),
            zoom_downloads: false,
        };
        let pacing = pacing("/users/{userId}", RateCategory::Light, false);
        let account = pacing.account.clone();
        let transport =
            Transport::new(&crate::transport::TransportConfig::default()).expect("a transport");
        let credential = Credential {
            stand_in: "stand-in".into(),
            token: "real-token".into(),
        };
        let limits = EgressLimits {
            max_requests: 100,
            max_in_flight: 4,
            max_request_body: 1024,
        };
        let (hooks, log) = EgressHooks::new(
            Arc::new(transport),
            Arc::new(policy),
            credential,
            pacing,
            limits,
        );
        (hooks, log, account)
    }

    /// A GET of `url` with the stand-in, as a component sends it.
    async fn get(hooks: &mut EgressHooks, url: &str) -> u16 {
        use http_body_util::BodyExt;
        let body = http_body_util::Empty::new()
            .map_err(|never| match never {})
            .boxed_unsync();
        let request = hyper::Request::get(url)
            .header("authorization", "Bearer stand-in")
            .body(body)
            .unwrap();
        let sent = hooks.send_request(request, None, Box::new(async { Ok(()) }));
        let (response, _) = Box::into_pin(sent).await.expect("an answer");
        response.status().as_u16()
    }

    fn authorization_of(sim: &zoom_simulator::RunningSimulator, path: &str) -> Vec<Option<String>> {
        sim.requests()
            .into_iter()
            .filter(|r| r.raw_path == path)
            .map(|r| r.authorization)
            .collect()
    }

    #[tokio::test]
    async fn no_token_on_a_hop_a_redirect_from_another_origin_led_to() {
        use zoom_simulator::{Fault, FaultRule, SimConfig, start};
        let api = start(SimConfig::default()).await.unwrap();
        let other = start(SimConfig::default()).await.unwrap();
        let target = format!("{}/v2/users/me", api.origin());
        other.inject_fault(
            FaultRule::new(Fault::Answer {
                status: 302,
                headers: vec![("location".into(), target.clone())],
                body: String::new(),
            })
            .path_prefix("/hop"),
        );
        let (mut hooks, _, _) = call_hooks(&api, &other);
        assert_eq!(
            get(&mut hooks, &format!("{}/hop", other.origin())).await,
            302
        );
        get(&mut hooks, &target).await;
        // A fresh call (no redirect) to the same URL gets the token.
        let (mut fresh, _, _) = call_hooks(&api, &other);
        get(&mut fresh, &target).await;
        assert_eq!(authorization_of(&other, "/hop"), vec![None]);
        assert_eq!(
            authorization_of(&api, "/v2/users/me"),
            vec![None, Some("Bearer real-token".into())],
            "the hop after the redirect went without the token; a fresh request with it"
        );
    }

    #[tokio::test]
    async fn a_daily_limit_answer_from_another_host_than_the_api_locks_nothing() {
        use zoom_simulator::{Fault, FaultRule, SimConfig, start};
        let api = start(SimConfig::default()).await.unwrap();
        let other = start(SimConfig::default()).await.unwrap();
        let reset =
            crate::clock::format_utc(crate::clock::next_utc_midnight(crate::clock::now_secs()));
        let daily = || Fault::Answer {
            status: 429,
            headers: vec![
                ("x-ratelimit-type".into(), "Daily-limit".into()),
                ("x-ratelimit-category".into(), "Light".into()),
                ("retry-after".into(), reset.clone()),
            ],
            body: r#"{"code":429,"message":"daily"}"#.into(),
        };
        other.inject_fault(FaultRule::new(daily()).always());
        let (mut hooks, log, account) = call_hooks(&api, &other);
        let download = format!("{}/rec/download/x", other.origin());
        assert_eq!(get(&mut hooks, &download).await, 429);
        assert_eq!(other.requests().len(), 1, "a failed request, not retried");
        assert!(log.lock().unwrap().daily_limit.is_none());
        let me = format!("{}/v2/users/me", api.origin());
        get(&mut hooks, &me).await;
        assert_eq!(api.requests().len(), 1, "the API is still asked");
        assert!(
            account
                .acquire(Table::Main, RateCategory::Light)
                .await
                .is_ok()
        );

        // The same answer from the API is believed.
        api.inject_fault(FaultRule::new(daily()));
        assert_eq!(get(&mut hooks, &me).await, 429);
        assert!(log.lock().unwrap().daily_limit.is_some());
        assert!(
            account
                .acquire(Table::Main, RateCategory::Light)
                .await
                .is_err()
        );
    }

    #[test]
    fn api_call_is_paced_like_the_operation_it_calls() {
        let api_call = pacing("/", RateCategory::Light, true);
        assert_eq!(
            api_call.bucket_for("GET", "/v2/report/meetings/85123456789"),
            (
                Table::Main,
                RateCategory::Heavy,
                "/report/meetings/{meetingId}".to_string()
            )
        );
        assert_eq!(
            api_call.bucket_for("GET", "/v2/phone/users?page_size=10"),
            (
                Table::Phone,
                RateCategory::Medium,
                "/phone/users".to_string()
            )
        );
        // Unknown to the documents: the action's own label and key.
        assert_eq!(
            api_call.bucket_for("GET", "/v2/not/an/endpoint"),
            (Table::Main, RateCategory::Light, "/".to_string())
        );
        // Any other action: its declaration, whatever the request.
        let meetings = pacing("/users/{userId}/meetings", RateCategory::Medium, false);
        assert_eq!(
            meetings.bucket_for("GET", "/v2/report/meetings/1"),
            (
                Table::Main,
                RateCategory::Medium,
                "/users/{userId}/meetings".to_string()
            )
        );
    }

    #[test]
    fn a_category_zoom_reports_is_remembered_per_operation() {
        let api_call = pacing("/", RateCategory::Light, true);
        let (_, declared, key) = api_call.bucket_for("GET", "/v2/users/me");
        api_call.account.learn(&key, declared, RateCategory::Medium);
        assert_eq!(
            api_call.account.category_of(&key, declared),
            RateCategory::Medium
        );
        let (_, declared, other) = api_call.bucket_for("GET", "/v2/report/meetings/1");
        assert_eq!(
            api_call.account.category_of(&other, declared),
            RateCategory::Heavy,
            "another operation of the same action keeps its own"
        );
    }
}
