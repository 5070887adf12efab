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

/// The compiled-code cache every bench shares (under cargo's target dir).
pub fn cache_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("wrk-zoom-bench-cache")
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
