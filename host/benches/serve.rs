//! `wrk-zoom serve` under load vs a native pass-through server that makes
//! the same upstream call, at concurrency 1, 16 and 64.
//!
//! `cargo bench -p wrk-zoom --bench serve`
//!
//! The simulator runs in this process; `wrk-zoom serve` (this build's
//! binary) runs as its own process with pacing off (`WRK_ZOOM_PACING=off`:
//! paced, one account's throughput is Zoom's rate, not the host's), and the
//! native server runs here on its own runtime: it parses the same request
//! body, sends `GET /v2/users/me` with the caller's token over a keep-alive
//! client and answers the same JSON shape. The load generator is a Rust
//! client here (keep-alive, on 127.0.0.1 only), each round bounded to a few
//! seconds. Printed: calls/s, p50 and p99 of each side, and the ratio.

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Full};
use hyper::body::Incoming;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::{Bench, Process};
use zoom_simulator::{SimConfig, seed};

mod support;

const API_KEY: &str = "bench-key-0123456789";
const ROUND: Duration = Duration::from_secs(4);

fn start_serve(sim_base: &str, home: &std::path::Path) -> (Process, String) {
    support::start_serve(&["--allow-api-base", sim_base], API_KEY, home, |c| {
        c.env("WRK_ZOOM_PACING", "off");
    })
}

/// The native pass-through: the same request in, the same upstream call,
/// the same answer shape out.
async fn native_server(sim_base: String) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let upstream: Client<HttpConnector, Empty<Bytes>> =
        Client::builder(TokioExecutor::new()).build_http();
    let sim_base = Arc::new(sim_base);
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let (upstream, sim_base) = (upstream.clone(), sim_base.clone());
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
                    let (upstream, sim_base) = (upstream.clone(), sim_base.clone());
                    async move {
                        let body = req.into_body().collect().await?.to_bytes();
                        let call: serde_json::Value =
                            serde_json::from_slice(&body).unwrap_or_default();
                        let token = call["token"].as_str().unwrap_or_default().to_string();
                        let request = hyper::Request::get(format!("{sim_base}/users/me"))
                            .header("authorization", format!("Bearer {token}"))
                            .body(Empty::new())
                            .expect("request");
                        let response = upstream.request(request).await.expect("upstream");
                        let status = response.status().as_u16();
                        let bytes = response.into_body().collect().await?.to_bytes();
                        let answer: serde_json::Value =
                            serde_json::from_slice(&bytes).unwrap_or_default();
                        let out = serde_json::json!({
                            "status": status, "body": answer, "next_page_token": null,
                        });
                        Ok::<_, hyper::Error>(hyper::Response::new(Full::new(Bytes::from(
                            out.to_string(),
                        ))))
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    addr
}

struct Round {
    calls: u64,
    p50: Duration,
    p99: Duration,
}

/// `concurrency` callers, each calling in a loop for one round.
async fn load(url: &str, body: &str, concurrency: usize) -> Round {
    let client: Client<HttpConnector, Full<Bytes>> = Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(concurrency)
        .build_http();
    let deadline = Instant::now() + ROUND;
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (client, url, body) = (client.clone(), url.to_string(), body.to_string());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while Instant::now() < deadline {
                let request = hyper::Request::post(&url)
                    .header("authorization", format!("Bearer {API_KEY}"))
                    .header("content-type", "application/json")
                    .body(Full::new(Bytes::from(body.clone())))
                    .expect("request");
                let started = Instant::now();
                let response = client.request(request).await.expect("answered");
                assert_eq!(response.status(), 200);
                let bytes = response
                    .into_body()
                    .collect()
                    .await
                    .expect("body")
                    .to_bytes();
                latencies.push(started.elapsed());
                let reply: serde_json::Value = serde_json::from_slice(&bytes).expect("JSON");
                assert_eq!(reply["body"]["id"], seed::USER_ID);
            }
            latencies
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.expect("caller"));
    }
    all.sort();
    let at = |q: f64| all[((all.len() as f64 * q) as usize).min(all.len() - 1)];
    Round {
        calls: all.len() as u64,
        p50: at(0.5),
        p99: at(0.99),
    }
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

fn main() {
    // Criterion passes its flags to every bench target; a `--test` run
    // (cargo test --benches) only checks that this starts.
    let smoke = std::env::args().any(|a| a == "--test");
    let bench = Bench::start(SimConfig::default());
    let (rt, base) = (&bench.rt, bench.sim.base_url());
    let home = tempfile::tempdir().expect("temporary home");
    let (_serve, serve_url) = start_serve(&base, home.path());
    let native = rt.block_on(native_server(base.clone()));
    let body =
        serde_json::json!({"params": {}, "token": seed::USER_TOKEN, "api_base": base}).to_string();
    let serve_call = format!("{serve_url}/v1/actions/retrieve-user");
    let native_call = format!("http://{native}/v1/actions/retrieve-user");
    // Warm both (the first serve call may compile the component).
    rt.block_on(load(&serve_call, &body, 1));
    if smoke {
        return;
    }
    println!(
        "serve under load: retrieve-user, {} s per round, 127.0.0.1",
        ROUND.as_secs()
    );
    println!(
        "| concurrency | wrk-zoom serve calls/s | p50 | p99 | native calls/s | p50 | p99 | ratio |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for concurrency in [1, 16, 64] {
        let ours = rt.block_on(load(&serve_call, &body, concurrency));
        let theirs = rt.block_on(load(&native_call, &body, concurrency));
        let rate = |r: &Round| r.calls as f64 / ROUND.as_secs_f64();
        println!(
            "| {concurrency} | {:.0} | {} | {} | {:.0} | {} | {} | {:.2}x |",
            rate(&ours),
            ms(ours.p50),
            ms(ours.p99),
            rate(&theirs),
            ms(theirs.p50),
            ms(theirs.p99),
            rate(&ours) / rate(&theirs)
        );
    }
}
