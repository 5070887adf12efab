//! One action call through `Host::run` (a fresh component instance per call,
//! as in production) against a native keep-alive client sending the same
//! request to the same simulator, over HTTP and over HTTPS; plus what a
//! call costs without the network (instantiation and `plan()`), compile
//! time per component, and the phases of a CLI start.
//!
//! `cargo bench -p wrk-zoom --bench calls`
//!
//! Both sides keep connections alive (the host through its pooled
//! transport), send `GET /v2/users/me` with the same bearer token and parse
//! the JSON answer. The host runs with pacing off. After criterion it prints
//! a side-by-side summary (the two interleaved, so a noisy machine slows
//! both alike): medians and their ratio.

use bytes::Bytes;
use criterion::Criterion;
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use std::sync::Arc;
use std::time::{Duration, Instant};
use wrk_zoom::rate_limit::{PacingConfig, RateLimitConfig};
use wrk_zoom::transport::TransportConfig;
use wrk_zoom::{ComponentSource, Host, HostConfig, ZoomConnection};
use zoom_simulator::{RunningSimulator, SimConfig, seed};

const ACTION: &str = "retrieve-user";

type Native = Client<hyper_rustls::HttpsConnector<HttpConnector>, Empty<Bytes>>;

struct Side {
    sim: RunningSimulator,
    host: Host,
    native: Native,
}

fn cache_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("wrk-zoom-bench-cache")
}

/// The key that vouches for the cache's files, outside it.
fn cache_key_file() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("wrk-zoom-bench-cache.key")
}

fn unpaced() -> RateLimitConfig {
    RateLimitConfig {
        pacing: PacingConfig {
            enabled: false,
            ..PacingConfig::default()
        },
        ..RateLimitConfig::default()
    }
}

fn native_client(ca: Option<Vec<u8>>) -> Native {
    let mut roots = rustls::RootCertStore::empty();
    if let Some(ca) = ca {
        roots.add(ca.into()).expect("the simulator's CA");
    }
    let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("TLS versions")
    .with_root_certificates(roots)
    .with_no_client_auth();
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_or_http()
        .enable_http1()
        .build();
    Client::builder(hyper_util::rt::TokioExecutor::new()).build(https)
}

impl Side {
    async fn new(tls: bool) -> Side {
        let sim = zoom_simulator::start(SimConfig {
            tls,
            ..SimConfig::default()
        })
        .await
        .expect("simulator starts");
        let ca = sim.ca_certificate_der();
        let host = Host::new(HostConfig {
            cache_dir: Some(cache_dir()),
            cache_key_file: Some(cache_key_file()),
            transport: TransportConfig {
                extra_roots: ca.clone().into_iter().collect(),
                ..TransportConfig::default()
            },
            ..HostConfig::default()
        })
        .expect("host starts")
        .with_rate_limits(unpaced());
        host.action(ACTION).await.expect("the action loads");
        Side {
            native: native_client(ca),
            sim,
            host,
        }
    }

    fn connection(&self) -> ZoomConnection {
        ZoomConnection {
            access_token: seed::USER_TOKEN.into(),
            api_base: self.sim.base_url(),
            account: None,
        }
    }

    async fn host_call(&self) {
        let reply = self
            .host
            .run(ACTION, &self.connection(), &[])
            .await
            .expect("the call succeeds");
        assert_eq!(reply.body["id"], seed::USER_ID);
    }

    async fn native_call(&self) {
        let request = hyper::Request::get(format!("{}/users/me", self.sim.base_url()))
            .header("authorization", format!("Bearer {}", seed::USER_TOKEN))
            .header("accept", "application/json")
            .body(Empty::new())
            .expect("request");
        let response = self.native.request(request).await.expect("answered");
        assert_eq!(response.status(), 200);
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        let user: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
        assert_eq!(user["id"], seed::USER_ID);
    }
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn micros(d: Duration) -> String {
    format!("{:.0} µs", d.as_secs_f64() * 1e6)
}

/// The allocator the `wrk-zoom` binary ships with, for both sides of each comparison.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let plain = rt.block_on(Side::new(false));
    let tls = rt.block_on(Side::new(true));
    let mut c = Criterion::default()
        .configure_from_args()
        .sample_size(50)
        .measurement_time(Duration::from_secs(4));
    {
        let mut group = c.benchmark_group("one call (retrieve-user)");
        for (label, side) in [("http", &plain), ("https", &tls)] {
            group.bench_function(format!("host {label}"), |b| {
                b.to_async(&rt).iter(|| side.host_call())
            });
            group.bench_function(format!("native keep-alive {label}"), |b| {
                b.to_async(&rt).iter(|| side.native_call())
            });
        }
        group.finish();
    }
    // No network: a fresh instance and the component's plan().
    let params = vec![("meetingId".to_string(), "85123456789".to_string())];
    c.bench_function("instantiate + plan (no network)", |b| {
        b.to_async(&rt).iter(|| async {
            plain
                .host
                .plan("retrieve-meeting", &params)
                .await
                .expect("plans")
        })
    });
    // Compiling one component (no cache), as on a fresh install.
    let uncached = Host::new(HostConfig {
        cache_dir: None,
        ..HostConfig::default()
    })
    .expect("host starts");
    let bytes = wrk_zoom::builtin_component(ACTION).expect("built in");
    {
        let mut group = c.benchmark_group("startup");
        group.sample_size(10);
        group.bench_function("compile one component (no cache)", |b| {
            b.to_async(&rt).iter(|| async {
                uncached
                    .load(ComponentSource::Builtin(bytes))
                    .await
                    .unwrap()
            })
        });
        group.bench_function("Host::new (engine)", |b| {
            b.iter(|| {
                Host::new(HostConfig {
                    cache_dir: Some(cache_dir()),
                    cache_key_file: Some(cache_key_file()),
                    ..HostConfig::default()
                })
                .unwrap()
            })
        });
        group.bench_function("Host::new + load from the warm disk cache", |b| {
            b.to_async(&rt).iter(|| async {
                let host = Host::new(HostConfig {
                    cache_dir: Some(cache_dir()),
                    cache_key_file: Some(cache_key_file()),
                    ..HostConfig::default()
                })
                .unwrap();
                host.action(ACTION).await.unwrap()
            })
        });
        group.finish();
    }
    c.final_summary();

    // Side by side, interleaved, so the ratio holds on a noisy machine:
    // on the multi-threaded runtime above, and on a current-thread runtime
    // as the CLI runs a call (simulator, host and native client on it).
    let current = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let (plain_ct, tls_ct) =
        current.block_on(async { (Side::new(false).await, Side::new(true).await) });
    println!("\nsummary: one retrieve-user call, medians of 400 interleaved calls");
    println!("| runtime | transport | host (component) | native keep-alive | ratio |");
    println!("|---|---|---|---|---|");
    for (runtime, rt, plain, tls) in [
        ("multi-threaded", &rt, &plain, &tls),
        ("current-thread", &current, &plain_ct, &tls_ct),
    ] {
        for (label, side) in [("http", plain), ("https", tls)] {
            let (mut host_times, mut native_times) = (Vec::new(), Vec::new());
            rt.block_on(async {
                for _ in 0..400 {
                    let t = Instant::now();
                    side.host_call().await;
                    host_times.push(t.elapsed());
                    let t = Instant::now();
                    side.native_call().await;
                    native_times.push(t.elapsed());
                }
            });
            let (h, n) = (median(host_times), median(native_times));
            println!(
                "| {runtime} | {label} | {} | {} | {:.2}x |",
                micros(h),
                micros(n),
                h.as_secs_f64() / n.as_secs_f64()
            );
            println!(
                "  ({runtime}, {label}: {} connections for 800+ calls)",
                side.sim.connections_accepted()
            );
        }
    }
}
