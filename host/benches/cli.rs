//! `wrk-zoom run retrieve-user` as a whole process, start to result, with a
//! warm compiled-code cache, vs `curl` fetching the same URL; then where the
//! CLI's time goes, measured in this process phase by phase.
//!
//! `cargo bench -p wrk-zoom --bench cli`
//!
//! Both are run 40 times, interleaved, against the simulator in this
//! process on 127.0.0.1; medians and minimums are printed.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use wrk_zoom::{Host, HostConfig, ZoomConnection};
use zoom_simulator::{SimConfig, seed};

const RUNS: usize = 40;

fn cache_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("wrk-zoom-bench-cache")
}

/// The key that vouches for the cache's files, outside it.
fn cache_key_file() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("wrk-zoom-bench-cache.key")
}

fn timed(command: &mut Command) -> Duration {
    let started = Instant::now();
    let output = command.output().expect("the command runs");
    let took = started.elapsed();
    assert!(
        output.status.success(),
        "{command:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let user: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON on stdout");
    assert_eq!(user["id"], seed::USER_ID);
    took
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

fn main() {
    let smoke = std::env::args().any(|a| a == "--test");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let sim = rt
        .block_on(zoom_simulator::start(SimConfig::default()))
        .expect("simulator starts");
    let home = tempfile::tempdir().expect("temporary home");
    let base = sim.base_url();
    let ours = || {
        let mut c = Command::new(env!("CARGO_BIN_EXE_wrk-zoom"));
        c.args(["run", "retrieve-user", "--api-base", &base])
            .env("ZOOM_ACCESS_TOKEN", seed::USER_TOKEN)
            .env("WRK_ZOOM_CACHE_DIR", cache_dir())
            .env("WRK_ZOOM_CACHE_KEY_FILE", cache_key_file())
            .env("WRK_ZOOM_HOME", home.path())
            .stdin(Stdio::null());
        c
    };
    let curl = || {
        let mut c = Command::new("curl");
        c.args(["-sf", "-H"])
            .arg(format!("Authorization: Bearer {}", seed::USER_TOKEN))
            .arg(format!("{base}/users/me"))
            .stdin(Stdio::null());
        c
    };
    timed(&mut ours()); // fills the compiled-code cache
    if smoke {
        return;
    }
    let (mut ours_t, mut curl_t) = (Vec::new(), Vec::new());
    for _ in 0..RUNS {
        ours_t.push(timed(&mut ours()));
        curl_t.push(timed(&mut curl()));
    }
    let (ours_min, curl_min) = (ours_t.iter().min().copied(), curl_t.iter().min().copied());
    let (ours_med, curl_med) = (median(ours_t), median(curl_t));
    println!("\nwhole process, start to result (warm compiled-code cache), {RUNS} runs each");
    println!("| | median | min |");
    println!("|---|---|---|");
    println!(
        "| wrk-zoom run retrieve-user | {} | {} |",
        ms(ours_med),
        ms(ours_min.unwrap())
    );
    println!("| curl | {} | {} |", ms(curl_med), ms(curl_min.unwrap()));
    println!(
        "| ratio | {:.2}x | |",
        ours_med.as_secs_f64() / curl_med.as_secs_f64()
    );

    // Where the CLI's time goes, phase by phase, in this process.
    let phase = |f: &mut dyn FnMut()| {
        let mut samples = Vec::new();
        for _ in 0..15 {
            let t = Instant::now();
            f();
            samples.push(t.elapsed());
        }
        median(samples)
    };
    let new_host = || {
        Host::new(HostConfig {
            cache_dir: Some(cache_dir()),
            cache_key_file: Some(cache_key_file()),
            ..HostConfig::default()
        })
        .unwrap()
    };
    let engine = phase(&mut || drop(new_host()));
    let load = phase(&mut || {
        let host = new_host();
        rt.block_on(host.action("retrieve-user")).unwrap();
    });
    let host = new_host();
    rt.block_on(host.action("retrieve-user")).unwrap();
    let connection = ZoomConnection {
        access_token: seed::USER_TOKEN.into(),
        api_base: base.clone(),
        account: None,
    };
    let call = phase(&mut || {
        rt.block_on(host.run("retrieve-user", &connection, &[]))
            .unwrap();
    });
    println!("\nphases (medians of 15, in-process)");
    println!("| phase | time |");
    println!("|---|---|");
    println!("| engine and host (Host::new) | {} |", ms(engine));
    println!(
        "| compiled code from the disk cache (checked, deserialized) | {} |",
        ms(load.saturating_sub(engine))
    );
    println!(
        "| one call: fresh instance, request, answer | {} |",
        ms(call)
    );
    println!(
        "| the rest: process start, runtime, arguments, output | {} |",
        ms(ours_med.saturating_sub(load + call))
    );
}
