//! `wrk-zoom serve` under load vs a native pass-through server that makes
//! the same upstream call, at concurrency 1, 16 and 64; then serve's memory
//! over 100,000 calls with 1,000 different tokens.
//!
//! `cargo bench -p wrk-zoom --bench serve`
//!
//! The simulator and the load generator run in this process. `wrk-zoom
//! serve` (this build's binary, pacing off: paced, one account's
//! throughput is Zoom's rate, not the host's) and the native pass-through
//! (this bench's own binary, started again as a server) each run as a
//! process of their own, so the CPU each spends is read from
//! `/proc/PID/stat`. The native server parses the same request body, sends
//! `GET /v2/users/me` with the caller's token over a keep-alive client and
//! answers the same JSON shape. The load is keep-alive, on 127.0.0.1 only,
//! each round bounded to a few seconds, the two servers taking turns.
//! Printed: calls/s, p50, p99 and CPU per call of each side, and the ratios.

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Full};
use hyper::body::Incoming;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::{Bench, Process};
use zoom_simulator::state::{TokenInfo, TokenKind};
use zoom_simulator::{SimConfig, seed};

mod support;

const API_KEY: &str = "bench-key-0123456789";
const ROUND: Duration = Duration::from_secs(4);
/// Set in the environment of this binary started again as the native
/// pass-through: the simulator's base URL.
const NATIVE_UPSTREAM: &str = "WRK_ZOOM_BENCH_NATIVE_UPSTREAM";
/// The memory phase: calls in all, over this many tokens.
const MEMORY_CALLS: usize = 100_000;
const MEMORY_TOKENS: usize = 1_000;

fn start_serve(sim_base: &str, home: &std::path::Path) -> (Process, String) {
    support::start_serve(&["--allow-api-base", sim_base], API_KEY, home, |c| {
        c.env("WRK_ZOOM_PACING", "off");
    })
}

/// This binary again, as the native pass-through; returns it and its URL.
fn start_native(sim_base: &str) -> (Process, String) {
    use std::io::BufRead;
    let mut child = std::process::Command::new(std::env::current_exe().expect("this bench"))
        .env(NATIVE_UPSTREAM, sim_base)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("start the native pass-through");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("the pass-through prints its address");
    (Process(child), line.trim().to_string())
}

/// The native pass-through: the same request in, the same upstream call,
/// the same answer shape out, on a multi-threaded runtime as serve's.
fn native_server(sim_base: String) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        println!("http://{}", listener.local_addr().unwrap());
        let upstream: Client<HttpConnector, Empty<Bytes>> =
            Client::builder(TokioExecutor::new()).build_http();
        let sim_base = Arc::new(sim_base);
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
}

/// CPU time (user + system) a process has used so far.
fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("/proc/PID/stat");
    // Fields after the command name (which may hold spaces) in parentheses.
    let fields: Vec<&str> = stat[stat.rfind(')').expect("stat") + 2..]
        .split(' ')
        .collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    // /proc counts in USER_HZ, 100 per second on Linux.
    Duration::from_millis(ticks * 10)
}

/// Resident memory of a process, in MiB.
fn rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS");
    kib / 1024.0
}

struct Round {
    calls: u64,
    p50: Duration,
    p99: Duration,
    cpu_per_call: Duration,
}

impl Round {
    fn rate(&self) -> f64 {
        self.calls as f64 / ROUND.as_secs_f64()
    }
}

/// `concurrency` callers, each calling in a loop for one round; `pid` is
/// the server whose CPU is counted.
async fn load(url: &str, body: &str, concurrency: usize, pid: u32) -> Round {
    let client: Client<HttpConnector, Full<Bytes>> = Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(concurrency)
        .build_http();
    let cpu_before = cpu_time(pid);
    let deadline = Instant::now() + ROUND;
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (client, url, body) = (client.clone(), url.to_string(), body.to_string());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while Instant::now() < deadline {
                let started = Instant::now();
                let bytes = call(&client, &url, body.clone()).await;
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
    let cpu = cpu_time(pid) - cpu_before;
    all.sort();
    let at = |q: f64| all[((all.len() as f64 * q) as usize).min(all.len() - 1)];
    Round {
        calls: all.len() as u64,
        p50: at(0.5),
        p99: at(0.99),
        cpu_per_call: cpu / all.len() as u32,
    }
}

/// One call; the answer's body (a 200, or the bench fails).
async fn call(client: &Client<HttpConnector, Full<Bytes>>, url: &str, body: String) -> Bytes {
    let request = hyper::Request::post(url)
        .header("authorization", format!("Bearer {API_KEY}"))
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body)))
        .expect("request");
    let response = client.request(request).await.expect("answered");
    let status = response.status();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&bytes));
    bytes
}

/// Calls `first..last` of the memory phase at concurrency 16, call `i`
/// with token `i % MEMORY_TOKENS`.
async fn calls_over_tokens(url: &str, base: &str, first: usize, last: usize) {
    let client: Client<HttpConnector, Full<Bytes>> =
        Client::builder(TokioExecutor::new()).build_http();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(first));
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let (client, url, base, next) = (
            client.clone(),
            url.to_string(),
            base.to_string(),
            next.clone(),
        );
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= last {
                    break;
                }
                let body = serde_json::json!({
                    "params": {}, "token": token(i % MEMORY_TOKENS), "api_base": base,
                });
                call(&client, &url, body.to_string()).await;
            }
        }));
    }
    for task in tasks {
        task.await.expect("caller");
    }
}

fn token(i: usize) -> String {
    format!("bench-token-{i:04}")
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

fn us(d: Duration) -> String {
    format!("{:.0} µs", d.as_secs_f64() * 1e6)
}

/// The allocator the `wrk-zoom` binary ships with, for the pass-through (this binary started again), as `wrk-zoom serve` has it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    if let Ok(upstream) = std::env::var(NATIVE_UPSTREAM) {
        return native_server(upstream);
    }
    // Criterion passes its flags to every bench target; a `--test` run
    // (cargo test --benches) only checks that this starts.
    let smoke = std::env::args().any(|a| a == "--test");
    let bench = Bench::start(SimConfig::default());
    let (rt, base) = (&bench.rt, bench.sim.base_url());
    for i in 0..MEMORY_TOKENS {
        bench.sim.insert_token(
            &token(i),
            TokenInfo {
                kind: TokenKind::User,
                user_id: seed::USER_ID.into(),
                scopes: seed::USER_SCOPES.iter().map(|s| s.to_string()).collect(),
                expires_at: None,
            },
        );
    }
    let home = tempfile::tempdir().expect("temporary home");
    let (serve, serve_url) = start_serve(&base, home.path());
    let (native, native_url) = start_native(&base);
    let (serve_pid, native_pid) = (serve.0.id(), native.0.id());
    // Settled after start-up, before any call.
    std::thread::sleep(Duration::from_millis(500));
    let idle = rss_mib(serve_pid);
    let body =
        serde_json::json!({"params": {}, "token": seed::USER_TOKEN, "api_base": base}).to_string();
    let serve_call = format!("{serve_url}/v1/actions/retrieve-user");
    let native_call = format!("{native_url}/v1/actions/retrieve-user");
    // Warm both (the first serve call may compile the component).
    rt.block_on(load(&serve_call, &body, 1, serve_pid));
    rt.block_on(load(&native_call, &body, 1, native_pid));
    if smoke {
        return;
    }
    println!(
        "serve under load: retrieve-user, {} s per round, 127.0.0.1",
        ROUND.as_secs()
    );
    println!(
        "| concurrency | serve calls/s | p50 | p99 | CPU/call | native calls/s | p50 | p99 | CPU/call | calls/s ratio | p99 ratio | CPU ratio |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    for concurrency in [1, 16, 64] {
        let ours = rt.block_on(load(&serve_call, &body, concurrency, serve_pid));
        let theirs = rt.block_on(load(&native_call, &body, concurrency, native_pid));
        println!(
            "| {concurrency} | {:.0} | {} | {} | {} | {:.0} | {} | {} | {} | {:.2}x | {:.2}x | {:.2}x |",
            ours.rate(),
            ms(ours.p50),
            ms(ours.p99),
            us(ours.cpu_per_call),
            theirs.rate(),
            ms(theirs.p50),
            ms(theirs.p99),
            us(theirs.cpu_per_call),
            ours.rate() / theirs.rate(),
            ours.p99.as_secs_f64() / theirs.p99.as_secs_f64(),
            ours.cpu_per_call.as_secs_f64() / theirs.cpu_per_call.as_secs_f64(),
        );
    }
    // Memory: every token once, then 99 times more.
    let first = MEMORY_TOKENS;
    rt.block_on(calls_over_tokens(&serve_call, &base, 0, first));
    let after_first = rss_mib(serve_pid);
    rt.block_on(calls_over_tokens(&serve_call, &base, first, MEMORY_CALLS));
    let after_all = rss_mib(serve_pid);
    println!();
    println!("serve's resident memory (VmRSS), {MEMORY_TOKENS} tokens, concurrency 16");
    println!(
        "| idle, before any call | after the first {first} calls | after {MEMORY_CALLS} calls | growth |"
    );
    println!("|---|---|---|---|");
    println!(
        "| {idle:.1} MiB | {after_first:.1} MiB | {after_all:.1} MiB | {:.2}x |",
        after_all / after_first
    );
}
