//! Shared fixtures for the end-to-end tests (`tests/all`): a host with the
//! built-in components, a simulator, the test-only components, and a gated
//! HTTP server for holding a call in flight.

use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::{Notify, oneshot};
use wrk_zoom::{CallLimits, ComponentSource, Host, HostConfig, ZoomConnection};
use zoom_simulator::{RunningSimulator, SimConfig, seed};

mod built {
    include!(concat!(env!("OUT_DIR"), "/test_components.rs"));
}

/// A test-only component by crate name (`egress-probe`, `spin-forever`, ...).
pub fn test_component(name: &str) -> ComponentSource {
    let (_, bytes) = built::TEST_COMPONENTS
        .iter()
        .find(|(n, _)| *n == name)
        .unwrap_or_else(|| panic!("no test component {name}"));
    ComponentSource::Bytes {
        label: format!("test component {name}"),
        bytes: Arc::from(*bytes),
    }
}

/// The compiled-code cache the tests share: inside this crate's build
/// output, private to whoever builds it (never a fixed name under `/tmp`,
/// which another local user could create first) and kept across runs.
pub fn cache_dir() -> std::path::PathBuf {
    std::path::PathBuf::from(concat!(env!("OUT_DIR"), "/compiled-code-cache"))
}

/// The key that vouches for [`cache_dir`]'s files, outside it.
pub fn cache_key_file() -> std::path::PathBuf {
    std::path::PathBuf::from(concat!(env!("OUT_DIR"), "/compiled-code-cache.key"))
}

/// A private temporary directory, removed when dropped.
pub fn temp_dir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("wrk-zoom-e2e-")
        .tempdir()
        .expect("create a temporary directory")
}

/// A host with the built-in actions, caching compiled code in [`cache_dir`].
pub fn host() -> Host {
    host_with_limits(CallLimits::default())
}

pub fn host_with_limits(limits: CallLimits) -> Host {
    Host::new(HostConfig {
        cache_dir: Some(cache_dir()),
        cache_key_file: Some(cache_key_file()),
        limits,
        max_concurrent_calls: 64,
        ..HostConfig::default()
    })
    .expect("host starts")
}

/// A host that trusts `sim`'s certificate (a simulator started with `tls`).
pub fn host_trusting(sim: &RunningSimulator) -> Host {
    let ca = sim
        .ca_certificate_der()
        .expect("the simulator serves HTTPS");
    Host::new(HostConfig {
        cache_dir: Some(cache_dir()),
        cache_key_file: Some(cache_key_file()),
        max_concurrent_calls: 64,
        transport: wrk_zoom::transport::TransportConfig {
            extra_roots: vec![ca],
            ..Default::default()
        },
        ..HostConfig::default()
    })
    .expect("host starts")
}

pub async fn simulator() -> RunningSimulator {
    simulator_with(SimConfig::default()).await
}

pub async fn simulator_with(config: SimConfig) -> RunningSimulator {
    zoom_simulator::start(config)
        .await
        .expect("simulator starts")
}

/// The simulator's user connection.
pub fn user(sim: &RunningSimulator) -> ZoomConnection {
    ZoomConnection {
        access_token: seed::USER_TOKEN.into(),
        api_base: sim.base_url(),
        account: None,
    }
}

/// The simulator's admin connection.
pub fn admin(sim: &RunningSimulator) -> ZoomConnection {
    ZoomConnection {
        access_token: seed::ADMIN_TOKEN.into(),
        api_base: sim.base_url(),
        account: None,
    }
}

/// `[("a","b")]` → owned parameter pairs.
pub fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// An HTTP server that answers one request with `body` only when released.
pub struct GatedServer {
    pub base_url: String,
    /// Notified once the request has arrived.
    pub arrived: Arc<Notify>,
    release: Option<oneshot::Sender<()>>,
}

impl GatedServer {
    pub async fn start(body: &'static str) -> GatedServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base_url = format!("http://{}/v2", listener.local_addr().unwrap());
        let arrived = Arc::new(Notify::new());
        let (release, released) = oneshot::channel::<()>();
        let notify = arrived.clone();
        tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.expect("accept");
            let mut seen = Vec::new();
            let mut buf = [0u8; 4096];
            while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                let n = socket.read(&mut buf).await.expect("read request");
                if n == 0 {
                    return;
                }
                seen.extend_from_slice(&buf[..n]);
            }
            notify.notify_one();
            let _ = tokio::time::timeout(Duration::from_secs(30), released).await;
            let response = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = socket.write_all(response.as_bytes()).await;
        });
        GatedServer {
            base_url,
            arrived,
            release: Some(release),
        }
    }

    /// Lets the held request be answered.
    pub fn release(&mut self) {
        if let Some(tx) = self.release.take() {
            let _ = tx.send(());
        }
    }
}
