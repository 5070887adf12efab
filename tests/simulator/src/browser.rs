//! A browser for tests: plain HTTP/1.1 GETs over 127.0.0.1, and the user
//! who consents on the simulator's authorize page so an OAuth login can run
//! without a real browser.

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// GETs an `http://` URL; returns the status and the `Location` header.
pub async fn http_get(url: &str) -> (u16, Option<String>) {
    let rest = url.strip_prefix("http://").expect("an http:// URL");
    let (authority, target) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let mut stream = tokio::net::TcpStream::connect(authority)
        .await
        .unwrap_or_else(|e| panic!("connect to {authority}: {e}"));
    let request =
        format!("GET {target} HTTP/1.1\r\nhost: {authority}\r\nconnection: close\r\n\r\n");
    stream
        .write_all(request.as_bytes())
        .await
        .expect("send the request");
    let mut response = Vec::new();
    stream
        .read_to_end(&mut response)
        .await
        .expect("read the answer");
    let text = String::from_utf8_lossy(&response);
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let location = text
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("location:"))
        .map(|l| l["location:".len()..].trim().to_string());
    (status, location)
}

/// What a consenting user's browser does: open the authorize URL (as the
/// admin with `as_admin`), then follow the redirect to the app's loopback
/// listener.
pub async fn consent(authorize_url: &str, as_admin: bool) {
    let url = if as_admin {
        format!("{authorize_url}&sim_as=admin")
    } else {
        authorize_url.to_string()
    };
    let (status, location) = http_get(&url).await;
    assert_eq!(status, 302, "authorize answered {status}");
    let (status, _) = http_get(&location.expect("a redirect to the app")).await;
    assert_eq!(status, 200, "the loopback page answered {status}");
}
