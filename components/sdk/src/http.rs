//! Outbound HTTP over `wasi:http` (through wstd). The only place the SDK
//! touches the network; everything it returns is a [`Failure`] or bytes.

use crate::Failure;
use crate::spec::Method;
use wstd::http::{Body, Client, ErrorCode, Request};

/// A response with its body read in full.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub location: Option<String>,
    pub body: Vec<u8>,
}

/// Sends one request with a Bearer token and reads the whole answer.
pub fn send(
    method: Method,
    url: &str,
    token: &str,
    body: Option<&str>,
) -> Result<Response, Failure> {
    wstd::runtime::block_on(async {
        let mut builder = Request::builder()
            .method(method.as_str())
            .uri(url)
            .header("Accept", "application/json")
            .header("Authorization", format!("Bearer {token}"));
        if body.is_some() {
            builder = builder.header("Content-Type", "application/json");
        }
        let request = builder
            .body(
                body.map(|b| Body::from(b.to_string()))
                    .unwrap_or_else(Body::empty),
            )
            .map_err(|e| {
                Failure::Transport(format!("could not build the request to {url}: {e}"))
            })?;
        let mut response = Client::new()
            .send(request)
            .await
            .map_err(|e| transport_failure(url, e))?;
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = response
            .body_mut()
            .contents()
            .await
            .map_err(|e| Failure::Transport(format!("the answer from {url} was cut off: {e:#}")))?
            .to_vec();
        Ok(Response {
            status,
            location,
            body,
        })
    })
}

/// GETs `url`, following up to five redirects (download links answer 302).
pub fn get_following_redirects(url: &str, token: &str) -> Result<Response, Failure> {
    let mut url = url.to_string();
    for _ in 0..=5 {
        let response = send(Method::Get, &url, token, None)?;
        match (response.status, &response.location) {
            (301 | 302 | 303 | 307 | 308, Some(location)) => url = resolve(&url, location),
            _ => return Ok(response),
        }
    }
    Err(Failure::Transport(format!(
        "too many redirects fetching {url}"
    )))
}

/// Resolves a `Location` header against the URL it answered.
fn resolve(base: &str, location: &str) -> String {
    if location.contains("://") {
        return location.to_string();
    }
    let after_scheme = base.find("://").map(|i| i + 3).unwrap_or(0);
    let origin_end = base[after_scheme..]
        .find('/')
        .map(|i| after_scheme + i)
        .unwrap_or(base.len());
    if location.starts_with('/') {
        format!("{}{location}", &base[..origin_end])
    } else {
        let dir_end = base
            .rfind('/')
            .filter(|i| *i >= origin_end)
            .unwrap_or(origin_end);
        format!("{}/{location}", &base[..dir_end])
    }
}

fn transport_failure(url: &str, error: wstd::http::Error) -> Failure {
    let host = url
        .split("://")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .unwrap_or(url);
    match error.downcast_ref::<ErrorCode>() {
        Some(ErrorCode::HttpRequestDenied) => Failure::Transport(format!(
            "the host denied the request to {host}: it is not an allowed Zoom host"
        )),
        Some(code) => Failure::Transport(format!("request to {host} failed: {code:?}")),
        None => Failure::Transport(format!("request to {host} failed: {error:#}")),
    }
}

#[cfg(test)]
mod tests {
    use super::resolve;

    #[test]
    fn redirects_resolve_against_the_answering_url() {
        let base = "https://zoom.us/rec/download/abc?x=1";
        assert_eq!(
            resolve(base, "https://ssrweb.zoom.us/file.vtt"),
            "https://ssrweb.zoom.us/file.vtt"
        );
        assert_eq!(
            resolve(base, "/rec/files/abc.vtt"),
            "https://zoom.us/rec/files/abc.vtt"
        );
        assert_eq!(
            resolve(base, "abc.vtt"),
            "https://zoom.us/rec/download/abc.vtt"
        );
    }
}
