//! Pagination at scale: 100,000 past-meeting participants over 334 pages
//! (page_size 300) from the simulator, through the action components in the
//! host vs a native Rust client (hyper) making the same requests, in the
//! same process and run.
//!
//! `cargo bench -p wrk-zoom --bench pagination`
//!
//! Both sides keep their connection alive (the host through its pooled
//! transport, the native side with hyper-util's pooled client), send the
//! same GETs with the same bearer token, parse each page's JSON and hand
//! over every participant. The host runs with pacing
//! off (the native client does not pace either), so the numbers compare the
//! cost of the sandbox: a fresh component instance per page, the egress
//! hook, and the copies across the component boundary.
//!
//! After criterion's measurements it prints a summary: the median time of
//! each side, their ratio, and the peak memory growth of each (VmHWM from
//! `/proc/self/status`, reset through `/proc/self/clear_refs` before each
//! run), for 10,000 and for 100,000 items, to show memory does not grow with
//! the number of items.

use criterion::Criterion;
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use wrk_zoom::paginate::for_each_item;
use wrk_zoom::rate_limit::{PacingConfig, RateLimitConfig};
use wrk_zoom::{Host, HostConfig, ZoomConnection};
use zoom_simulator::{RunningSimulator, SimConfig, seed};

const ITEMS: usize = 100_000;
const PAGES: u64 = 334;
const ACTION: &str = "retrieve-past-meeting-participants";

struct Setup {
    rt: tokio::runtime::Runtime,
    host: Host,
    sim: RunningSimulator,
}

impl Setup {
    fn new() -> Setup {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .expect("tokio runtime");
        let sim = rt
            .block_on(zoom_simulator::start(SimConfig {
                large_past_meeting_participants: ITEMS,
                ..SimConfig::default()
            }))
            .expect("simulator starts");
        let host = Host::new(HostConfig {
            // Private to whoever builds (cargo's per-target temporary directory).
            cache_dir: Some(
                std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("wrk-zoom-bench-cache"),
            ),
            cache_key_file: Some(
                std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("wrk-zoom-bench-cache.key"),
            ),
            ..HostConfig::default()
        })
        .expect("host starts")
        .with_rate_limits(RateLimitConfig {
            pacing: PacingConfig {
                enabled: false,
                ..PacingConfig::default()
            },
            ..RateLimitConfig::default()
        });
        // Compile the component outside the measurements.
        rt.block_on(host.action(ACTION)).expect("the action loads");
        Setup { rt, host, sim }
    }

    fn connection(&self) -> ZoomConnection {
        ZoomConnection {
            access_token: seed::USER_TOKEN.into(),
            api_base: self.sim.base_url(),
            account: None,
        }
    }

    /// Every item through the components; returns (items, pages).
    fn components(&self, max: Option<u64>) -> (u64, u64) {
        let id = seed::LARGE_PAST_MEETING_ID.to_string();
        let params = vec![
            ("meetingId".to_string(), id),
            ("page_size".to_string(), "300".to_string()),
        ];
        let mut count = 0u64;
        let summary = self
            .rt
            .block_on(for_each_item(
                &self.host,
                ACTION,
                &self.connection(),
                &params,
                max,
                |item| {
                    if item.get("id").is_some() {
                        count += 1;
                    }
                    Ok(())
                },
            ))
            .expect("pagination through the host");
        assert_eq!(count, summary.items);
        (summary.items, summary.pages)
    }

    /// Every item through a native hyper client; returns (items, pages).
    fn native(&self, max: Option<u64>) -> (u64, u64) {
        self.rt
            .block_on(native_pages(self.sim.addr(), max))
            .expect("pagination through hyper")
    }
}

/// The native baseline's client: hyper-util's pooled keep-alive client.
fn native_client() -> &'static Client<HttpConnector, Empty<Bytes>> {
    static CLIENT: std::sync::OnceLock<Client<HttpConnector, Empty<Bytes>>> =
        std::sync::OnceLock::new();
    CLIENT.get_or_init(|| Client::builder(TokioExecutor::new()).build_http())
}

/// One GET on a kept-alive connection; the body parsed as JSON.
async fn native_get(addr: SocketAddr, path_and_query: &str) -> Result<serde_json::Value, String> {
    let request = hyper::Request::get(format!("http://{addr}{path_and_query}"))
        .header("authorization", format!("Bearer {}", seed::USER_TOKEN))
        .header("accept", "application/json")
        .body(Empty::<Bytes>::new())
        .map_err(|e| e.to_string())?;
    let response = native_client()
        .request(request)
        .await
        .map_err(|e| e.to_string())?;
    if response.status() != 200 {
        return Err(format!("status {}", response.status()));
    }
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    serde_json::from_slice(&body).map_err(|e| e.to_string())
}

async fn native_pages(addr: SocketAddr, max: Option<u64>) -> Result<(u64, u64), String> {
    let base = format!(
        "/v2/past_meetings/{}/participants?page_size=300",
        seed::LARGE_PAST_MEETING_ID
    );
    let (mut items, mut pages) = (0u64, 0u64);
    let mut token = String::new();
    loop {
        let url = if token.is_empty() {
            base.clone()
        } else {
            let encoded: String = url::form_urlencoded::byte_serialize(token.as_bytes()).collect();
            format!("{base}&next_page_token={encoded}")
        };
        let mut page = native_get(addr, &url).await?;
        pages += 1;
        if let serde_json::Value::Array(list) = page["participants"].take() {
            for item in list {
                if max.is_some_and(|m| items >= m) {
                    break;
                }
                if item.get("id").is_some() {
                    items += 1;
                }
            }
        }
        token = page["next_page_token"].as_str().unwrap_or("").to_string();
        if token.is_empty() || max.is_some_and(|m| items >= m) {
            return Ok((items, pages));
        }
    }
}

/// A field of `/proc/self/status` in KiB (`VmRSS`, `VmHWM`).
fn status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Runs `f` and returns its peak memory growth in KiB (None where
/// /proc does not allow resetting the peak).
fn peak_growth_kib(f: impl FnOnce()) -> Option<u64> {
    std::fs::write("/proc/self/clear_refs", "5").ok()?;
    let before = status_kib("VmRSS:")?;
    f();
    let peak = status_kib("VmHWM:")?;
    Some(peak.saturating_sub(before))
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn min(samples: &[Duration]) -> Duration {
    samples.iter().copied().min().unwrap_or_default()
}

fn mib(kib: Option<u64>) -> String {
    kib.map(|k| format!("{:.1} MiB", k as f64 / 1024.0))
        .unwrap_or_else(|| "n/a".into())
}

/// The allocator the `wrk-zoom` binary ships with, for both sides.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let setup = Setup::new();
    assert_eq!(setup.components(None), (ITEMS as u64, PAGES));
    assert_eq!(setup.native(None), (ITEMS as u64, PAGES));

    let mut criterion = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(12))
        .configure_from_args();
    let mut group = criterion.benchmark_group("pagination_100k_items_334_pages");
    group.bench_function("components", |b| b.iter(|| setup.components(None)));
    group.bench_function("native_keep_alive", |b| b.iter(|| setup.native(None)));
    group.finish();
    criterion.final_summary();

    // Summary: five timed runs of each, interleaved so both see the same
    // machine load; the best and the median of each, and memory.
    let (mut comp, mut native) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        let t = Instant::now();
        setup.components(None);
        comp.push(t.elapsed());
        let t = Instant::now();
        setup.native(None);
        native.push(t.elapsed());
    }
    let (comp_best, native_best) = (min(&comp), min(&native));
    let (comp, native) = (median(comp), median(native));
    let comp_10k = peak_growth_kib(|| {
        setup.components(Some(10_000));
    });
    let comp_100k = peak_growth_kib(|| {
        setup.components(None);
    });
    let native_10k = peak_growth_kib(|| {
        setup.native(Some(10_000));
    });
    let native_100k = peak_growth_kib(|| {
        setup.native(None);
    });
    println!();
    println!(
        "pagination: {ITEMS} items over {PAGES} pages (page_size 300), same process, same simulator"
    );
    println!(
        "  components (host, pacing off): {:>8.2} s  ({:.0} items/s, {:.1} ms/page)",
        comp.as_secs_f64(),
        ITEMS as f64 / comp.as_secs_f64(),
        comp.as_secs_f64() * 1000.0 / PAGES as f64
    );
    println!(
        "  native hyper client:           {:>8.2} s  ({:.0} items/s, {:.1} ms/page)",
        native.as_secs_f64(),
        ITEMS as f64 / native.as_secs_f64(),
        native.as_secs_f64() * 1000.0 / PAGES as f64
    );
    println!(
        "  ratio components / native:     {:>8.2}x median, {:.2}x best of 5 ({:.2} s / {:.2} s)",
        comp.as_secs_f64() / native.as_secs_f64(),
        comp_best.as_secs_f64() / native_best.as_secs_f64(),
        comp_best.as_secs_f64(),
        native_best.as_secs_f64()
    );
    println!(
        "  peak memory growth, components: {} at 10,000 items, {} at 100,000 items",
        mib(comp_10k),
        mib(comp_100k)
    );
    println!(
        "  peak memory growth, native:     {} at 10,000 items, {} at 100,000 items",
        mib(native_10k),
        mib(native_100k)
    );
    println!(
        "  process peak (VmHWM, simulator with 100,000 seeded records included): {}",
        mib(status_kib("VmHWM:"))
    );
}
