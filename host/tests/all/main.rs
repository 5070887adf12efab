//! The `wrk-zoom` command line as a user sees it: stdout, stderr, exit codes.

mod auth;
mod cli;
mod cluster;
mod docs;
mod events;
mod events_triggers;
mod events_websocket;
mod mcp;
mod pg;
// The event store on PostgreSQL (pg_events.rs), named so that `.ci/cluster`'s
// `cluster::` filter runs it.
#[path = "pg_events.rs"]
mod events_cluster;
mod serve;
mod websocket_cluster;

/// The compiled-code cache the CLI tests share: under cargo's per-target
/// temporary directory, private to whoever builds (never a fixed name under
/// `/tmp` that another local user could create first), kept across runs.
pub fn cache_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("wrk-zoom-cli-cache")
}

/// The key that vouches for [`cache_dir`]'s files, outside it (as a
/// configuration directory holds it), shared by every test's processes.
pub fn cache_key_file() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("wrk-zoom-cli-cache.key")
}

/// Sends `request` (a whole HTTP/1.1 request with `Connection: close`) to
/// `addr` as it is and reads the answer to its end: the status and the body.
pub fn http_exchange(addr: &str, request: &[u8]) -> (u16, String) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream.write_all(request).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response[9..12].parse().unwrap();
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

/// Starts `command` (a `wrk-zoom serve ...` with its stderr chosen) with
/// its stdout piped, and reads the base URL `serve` prints first, once it
/// listens.
pub fn spawn_serve(command: &mut std::process::Command) -> (std::process::Child, String) {
    use std::io::BufRead;
    let mut child = command
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("start wrk-zoom serve");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    (child, line.trim().to_string())
}

/// A private temporary directory, removed when dropped.
pub fn temp_dir(prefix: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(prefix)
        .tempdir()
        .expect("create a temporary directory")
}

/// Runs `command` (a `wrk-zoom auth login ...`), approving the authorize URL
/// it prints at the simulator at `origin`, in place of a browser.
pub async fn login_in_place_of_a_browser(
    mut command: tokio::process::Command,
    origin: &str,
    as_admin: bool,
) -> std::process::Output {
    use std::process::Stdio;
    use tokio::io::{AsyncBufReadExt, AsyncReadExt};
    use tokio::time::{Duration, timeout};
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn login");
    let mut stdout = child.stdout.take().unwrap();
    let mut lines = tokio::io::BufReader::new(child.stderr.take().unwrap()).lines();
    let mut seen = String::new();
    let url = loop {
        let line = timeout(Duration::from_secs(60), lines.next_line())
            .await
            .expect("the authorize URL is printed in time")
            .unwrap()
            .unwrap_or_else(|| panic!("login ended before printing a URL:\n{seen}"));
        seen.push_str(&line);
        seen.push('\n');
        if let Some(url) = line.trim().strip_prefix("http") {
            break format!("http{url}");
        }
    };
    assert!(
        url.starts_with(&format!("{origin}/oauth/authorize?")),
        "{url}"
    );
    zoom_simulator::browser::consent(&url, as_admin).await;
    while let Ok(Some(line)) = lines.next_line().await {
        seen.push_str(&line);
        seen.push('\n');
    }
    let mut out = Vec::new();
    stdout.read_to_end(&mut out).await.unwrap();
    let status = child.wait().await.unwrap();
    std::process::Output {
        status,
        stdout: out,
        stderr: seen.into_bytes(),
    }
}

/// The origin of `sim`'s WebSocket as `WRK_ZOOM_ALLOW_BASE` takes it
/// (`http://127.0.0.1:PORT`).
pub fn websocket_origin(sim: &zoom_simulator::RunningSimulator) -> String {
    let url = sim.websocket_url();
    let host = url
        .trim_start_matches("ws://")
        .split('/')
        .next()
        .unwrap_or_default();
    format!("http://{host}")
}
