//! What the whole-process benchmarks share: the child processes they start,
//! the compiled-code cache, and the simulator on a runtime of its own.

#![allow(dead_code)] // each bench uses a part

use std::process::Child;
use zoom_simulator::{RunningSimulator, SimConfig};

/// Kills the child when dropped.
pub struct Process(pub Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `wrk-zoom serve` (this build's binary) with `args` and the bench's API
/// key, home and cache; `configure` adds what else the bench needs. Returns
/// the process and the base URL it prints.
pub fn start_serve(
    args: &[&str],
    api_key: &str,
    home: &std::path::Path,
    configure: impl FnOnce(&mut std::process::Command),
) -> (Process, String) {
    use std::io::BufRead;
    use std::process::Stdio;
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_wrk-zoom"));
    command
        .arg("serve")
        .args(["--port", "0"])
        .args(args)
        .env("WRK_ZOOM_API_KEY", api_key)
        .env("WRK_ZOOM_HOME", home)
        .env("WRK_ZOOM_CACHE_DIR", cache_dir())
        .env("WRK_ZOOM_CACHE_KEY_FILE", cache_key_file())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    configure(&mut command);
    let mut child = command.spawn().expect("start wrk-zoom serve");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    std::io::BufReader::new(stdout)
        .read_line(&mut line)
        .expect("serve prints its address");
    (Process(child), line.trim().to_string())
}

/// The compiled-code cache every bench shares (under cargo's target dir).
pub fn cache_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("wrk-zoom-bench-cache")
}

/// The key that vouches for the cache's files, outside it.
pub fn cache_key_file() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("wrk-zoom-bench-cache.key")
}

/// The simulator on one worker thread of its own, a runtime for the load,
/// and every built-in action compiled into [`cache_dir`] (so a server's
/// background compiling does not run during the measurements).
pub struct Bench {
    pub sim: RunningSimulator,
    /// Runs the load generator (and anything else of the bench's).
    pub rt: tokio::runtime::Runtime,
    _sim_rt: tokio::runtime::Runtime,
}

impl Bench {
    pub fn start(config: SimConfig) -> Bench {
        let sim_rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let sim = sim_rt
            .block_on(zoom_simulator::start(config))
            .expect("simulator starts");
        let rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap();
        let host = wrk_zoom::Host::new(wrk_zoom::HostConfig {
            cache_dir: Some(cache_dir()),
            cache_key_file: Some(cache_key_file()),
            ..wrk_zoom::HostConfig::default()
        })
        .expect("host starts");
        rt.block_on(host.warm_up());
        Bench {
            sim,
            rt,
            _sim_rt: sim_rt,
        }
    }
}
