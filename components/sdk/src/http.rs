//! Outbound HTTP over `wasi:http/outgoing-handler`, the component's only
//! way out. Blocking and sequential: one request at a time, the whole answer
//! read before returning. Everything it returns is a [`Failure`] or bytes.

use wasip2::http::outgoing_handler;
use wasip2::http::types::{ErrorCode, Fields, OutgoingBody, OutgoingRequest, Scheme};
use wasip2::io::streams::StreamError;
use wrk_zoom_spec::request::Request;
use wrk_zoom_spec::{Call, Failure, Method};

/// A response with its body read in full.
#[derive(Debug)]
pub struct Response {
    /// The HTTP status.
    pub status: u16,
    /// The `Location` header of a redirect.
    pub location: Option<String>,
    /// The whole body.
    pub body: Vec<u8>,
}

/// Splits an absolute URL into scheme, authority and path with query (the
/// parts a `wasi:http` request is built from), or `None` if it is not an
/// absolute http(s) URL.
pub fn split_url(url: &str) -> Option<(Scheme, &str, &str)> {
    let (scheme, rest) = url.split_once("://")?;
    let scheme = match scheme.to_ascii_lowercase().as_str() {
        "https" => Scheme::Https,
        "http" => Scheme::Http,
        _ => return None,
    };
    let (authority, path) = match rest.find(['/', '?']) {
        Some(i) => rest.split_at(i),
        None => (rest, "/"),
    };
    (!authority.is_empty()).then_some((scheme, authority, path))
}

/// Sends a planned [`Request`] to the call's API base with its token and
/// reads the whole answer.
pub fn send_request(request: &Request, call: &Call) -> Result<Response, Failure> {
    send(
        request.method,
        &request.url(&call.api_base),
        &call.access_token,
        request.body.as_deref(),
    )
}

/// Sends one request with a Bearer token and reads the whole answer.
pub fn send(
    method: Method,
    url: &str,
    token: &str,
    body: Option<&str>,
) -> Result<Response, Failure> {
    send_with(method, url, Some(token), body)
}

/// [`send`], with `Authorization: Bearer <token>` only when there is a token.
fn send_with(
    method: Method,
    url: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> Result<Response, Failure> {
    let (scheme, authority, path) = split_url(url)
        .ok_or_else(|| Failure::Transport(format!("'{url}' is not an absolute http(s) URL")))?;
    let host = authority.to_string();
    let fail =
        |what: &str| Failure::Transport(format!("could not build the request to {host}: {what}"));
    let mut headers: Vec<(String, Vec<u8>)> = vec![("accept".into(), b"application/json".to_vec())];
    if let Some(token) = token {
        headers.push((
            "authorization".into(),
            format!("Bearer {token}").into_bytes(),
        ));
    }
    if let Some(body) = body {
        headers.push(("content-type".into(), b"application/json".to_vec()));
        headers.push(("content-length".into(), body.len().to_string().into_bytes()));
    }
    let fields = Fields::from_list(&headers).map_err(|e| fail(&format!("bad header ({e:?})")))?;
    let request = OutgoingRequest::new(fields);
    let wasi_method = match method {
        Method::Get => wasip2::http::types::Method::Get,
        Method::Post => wasip2::http::types::Method::Post,
        Method::Put => wasip2::http::types::Method::Put,
        Method::Patch => wasip2::http::types::Method::Patch,
        Method::Delete => wasip2::http::types::Method::Delete,
    };
    request
        .set_method(&wasi_method)
        .map_err(|()| fail("method"))?;
    request
        .set_scheme(Some(&scheme))
        .map_err(|()| fail("scheme"))?;
    request
        .set_authority(Some(authority))
        .map_err(|()| fail("authority"))?;
    request
        .set_path_with_query(Some(path))
        .map_err(|()| fail("path"))?;
    // A request without a body has no body stream at all: the host sends
    // it at once instead of waiting for the stream to be finished.
    let outgoing_body = match body {
        Some(_) => Some(request.body().map_err(|()| fail("body"))?),
        None => None,
    };

    // Start the exchange before writing the body, so a large body streams
    // to the host instead of filling its buffer.
    let pending = outgoing_handler::handle(request, None).map_err(|e| error_code(&host, e))?;
    if let (Some(body), Some(outgoing_body)) = (body, outgoing_body) {
        let stream = outgoing_body.write().map_err(|()| fail("body stream"))?;
        for chunk in body.as_bytes().chunks(4096) {
            stream
                .blocking_write_and_flush(chunk)
                .map_err(|e| stream_failure(&host, "sending the request body", e))?;
        }
        drop(stream);
        OutgoingBody::finish(outgoing_body, None).map_err(|e| error_code(&host, e))?;
    }

    pending.subscribe().block();
    let response = match pending.get() {
        Some(Ok(Ok(response))) => response,
        Some(Ok(Err(code))) => return Err(error_code(&host, code)),
        Some(Err(())) | None => return Err(Failure::Transport(format!("no answer from {host}"))),
    };
    let status = response.status();
    let location = response
        .headers()
        .get("location")
        .first()
        .map(|v| String::from_utf8_lossy(v).into_owned());
    let incoming = response.consume().map_err(|()| fail("response body"))?;
    let stream = incoming
        .stream()
        .map_err(|()| fail("response body stream"))?;
    let mut body = Vec::new();
    loop {
        match stream.blocking_read(64 * 1024) {
            Ok(chunk) => body.extend_from_slice(&chunk),
            Err(StreamError::Closed) => break,
            Err(e) => {
                return Err(stream_failure(
                    &host,
                    "reading the answer (it was cut off)",
                    e,
                ));
            }
        }
    }
    Ok(Response {
        status,
        location,
        body,
    })
}

fn error_code(host: &str, code: ErrorCode) -> Failure {
    match code {
        ErrorCode::HttpRequestDenied => Failure::Transport(format!(
            "the host denied the request to {host}: it is not an allowed Zoom host"
        )),
        ErrorCode::ConnectionRefused => {
            Failure::Transport(format!("{host} refused the connection"))
        }
        ErrorCode::ConnectionTimeout | ErrorCode::HttpResponseTimeout => {
            Failure::Transport(format!("{host} did not answer in time"))
        }
        ErrorCode::TlsCertificateError => Failure::Transport(format!(
            "{host}'s TLS certificate is not trusted (a private CA must be added to the host's trusted roots, e.g. WRK_ZOOM_CA_FILE)"
        )),
        ErrorCode::ConnectionTerminated => Failure::Transport(format!(
            "the connection to {host} closed before Zoom answered"
        )),
        other => Failure::Transport(format!("request to {host} failed: {other:?}")),
    }
}

fn stream_failure(host: &str, doing: &str, error: StreamError) -> Failure {
    match error {
        StreamError::Closed => {
            Failure::Transport(format!("{host} closed the connection while {doing}"))
        }
        StreamError::LastOperationFailed(e) => Failure::Transport(format!(
            "{doing} from {host} failed: {}",
            e.to_debug_string()
        )),
    }
}

/// GETs `url`, following up to five redirects (download links answer 302),
/// as curl and browsers do: the token goes along only while the origin
/// (scheme, host, port) stays the one it was sent to first, and a redirect
/// from HTTPS to plain HTTP is refused (`next_hop`).
pub fn get_following_redirects(url: &str, token: &str) -> Result<Response, Failure> {
    follow_redirects(url, token, |url, token| {
        send_with(Method::Get, url, token, None)
    })
}

/// [`get_following_redirects`] over any `send` (a URL and the token to send
/// with it, if any), so the redirect rules are tested natively.
fn follow_redirects(
    url: &str,
    token: &str,
    mut send: impl FnMut(&str, Option<&str>) -> Result<Response, Failure>,
) -> Result<Response, Failure> {
    let mut url = url.to_string();
    let mut token = Some(token);
    for _ in 0..=5 {
        let response = send(&url, token)?;
        match (response.status, &response.location) {
            (301 | 302 | 303 | 307 | 308, Some(location)) => {
                let hop = next_hop(&url, location)?;
                // Once dropped, never picked up again (curl does the same).
                token = token.filter(|_| hop.with_token);
                url = hop.url;
            }
            _ => return Ok(response),
        }
    }
    Err(Failure::Transport(format!(
        "too many redirects fetching {url}"
    )))
}

/// Where a redirect leads, and whether the token may go along.
#[derive(Debug, PartialEq, Eq)]
struct Hop {
    /// The absolute URL of the next request.
    url: String,
    /// Whether it has the same origin as the URL that answered, so keeps
    /// `Authorization`.
    with_token: bool,
}

/// The next request after `current` answered a redirect to `location`:
/// refused when it leaves HTTPS for plain HTTP (the file, and any token,
/// would cross the network in clear); with the token only on the same
/// origin, so a download link can never hand the caller's Zoom token to
/// another host.
fn next_hop(current: &str, location: &str) -> Result<Hop, Failure> {
    let url = resolve(current, location.trim());
    let (from, to) = (origin(current), origin(&url));
    if let (Some(("https", ..)), Some(("http", ..))) = (&from, &to) {
        return Err(Failure::Transport(format!(
            "refused the redirect from {current} to {url}: it leaves HTTPS for plain HTTP, \
             where the download could be read or changed on the way; the server must \
             redirect to an https:// URL"
        )));
    }
    let with_token = from.is_some() && from == to;
    Ok(Hop { url, with_token })
}

/// The origin of an absolute http(s) URL: scheme, lower-case host (without
/// user info) and port (the scheme's default when none is given).
fn origin(url: &str) -> Option<(&'static str, String, u16)> {
    let (scheme, authority, _) = split_url(url)?;
    let (scheme, default_port) = match scheme {
        Scheme::Https => ("https", 443),
        Scheme::Http => ("http", 80),
        Scheme::Other(_) => return None,
    };
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    // `[::1]:8080`: the port is after the bracket.
    let port_at = host_port
        .rfind(':')
        .filter(|&i| !host_port[i..].contains(']'));
    let (host, port) = match port_at {
        Some(i) if i + 1 < host_port.len() => (&host_port[..i], host_port[i + 1..].parse().ok()?),
        Some(i) => (&host_port[..i], default_port),
        None => (host_port, default_port),
    };
    Some((scheme, host.to_ascii_lowercase(), port))
}

/// Resolves a `Location` header against the URL it answered.
fn resolve(base: &str, location: &str) -> String {
    // Absolute when it starts with a scheme (`https:`), not when `://`
    // appears later (`/next?to=https://…`).
    let scheme_len = location.find(':').filter(|&i| {
        i > 0
            && location[..i]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
            && location[..1].chars().all(|c| c.is_ascii_alphabetic())
    });
    if scheme_len.is_some() {
        return location.to_string();
    }
    if let Some(rest) = location.strip_prefix("//") {
        // Scheme-relative: same scheme, another host.
        let scheme = base.split("://").next().unwrap_or("https");
        return format!("{scheme}://{rest}");
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

#[cfg(test)]
mod tests {
    use super::{Failure, Hop, Response, follow_redirects, next_hop, resolve, split_url};

    fn redirect(to: &str) -> Response {
        Response {
            status: 302,
            location: Some(to.into()),
            body: Vec::new(),
        }
    }

    fn ok() -> Response {
        Response {
            status: 200,
            location: None,
            body: b"file".to_vec(),
        }
    }

    /// The requests sent, each with the token it carried.
    type Sent = Vec<(String, Option<String>)>;

    /// Follows redirects from `start` over made-up answers (by URL).
    fn follow(start: &str, answers: &[(&str, &str)]) -> (Result<Response, Failure>, Sent) {
        let mut sent = Vec::new();
        let result = follow_redirects(start, "tok", |url, token| {
            sent.push((url.to_string(), token.map(str::to_string)));
            Ok(match answers.iter().find(|(from, _)| *from == url) {
                Some((_, to)) => redirect(to),
                None => ok(),
            })
        });
        (result, sent)
    }

    #[test]
    fn a_redirect_from_https_to_http_is_refused() {
        let (result, sent) = follow(
            "https://zoom.us/rec/download/a",
            &[("https://zoom.us/rec/download/a", "http://127.0.0.1:9/x")],
        );
        let Err(Failure::Transport(message)) = result else {
            panic!("followed: {result:?}");
        };
        assert!(
            message.contains("http://127.0.0.1:9/x") && message.contains("plain HTTP"),
            "{message}"
        );
        assert_eq!(sent.len(), 1, "nothing sent to the http URL: {sent:?}");
        // http to http (a sandbox) is no downgrade.
        assert!(next_hop("http://127.0.0.1:4010/rec/a", "/rec/files/a.vtt").is_ok());
    }

    #[test]
    fn the_token_goes_along_only_on_the_same_origin() {
        let (result, sent) = follow(
            "https://zoom.us/rec/download/a",
            &[
                ("https://zoom.us/rec/download/a", "/rec/files/a"),
                ("https://zoom.us/rec/files/a", "https://other.example/x"),
                // Back to the first origin: still no token.
                ("https://other.example/x", "https://zoom.us/rec/files/b"),
            ],
        );
        assert_eq!(result.unwrap().status, 200);
        let tok = Some("tok".to_string());
        assert_eq!(
            sent,
            vec![
                ("https://zoom.us/rec/download/a".to_string(), tok.clone()),
                ("https://zoom.us/rec/files/a".to_string(), tok),
                ("https://other.example/x".to_string(), None),
                ("https://zoom.us/rec/files/b".to_string(), None),
            ]
        );
    }

    #[test]
    fn an_origin_is_scheme_host_and_port() {
        let hop = |to| next_hop("https://zoom.us/rec/a", to).unwrap();
        let same = |url: &str| Hop {
            url: url.to_string(),
            with_token: true,
        };
        assert_eq!(hop("/rec/b"), same("https://zoom.us/rec/b"));
        assert_eq!(
            hop("https://ZOOM.us:443/rec/b"),
            same("https://ZOOM.us:443/rec/b")
        );
        assert_eq!(
            hop("https://x@zoom.us/rec/b"),
            same("https://x@zoom.us/rec/b")
        );
        for other in [
            "https://ssrweb.zoom.us/f",
            "https://zoom.us:8443/f",
            "//other.example/f",
            "https://zoom.us@other.example/f",
        ] {
            assert!(!hop(other).with_token, "{other}");
        }
        assert!(
            !next_hop("http://[::1]:80/a", "http://[::1]:81/b")
                .unwrap()
                .with_token
        );
        assert!(
            next_hop("http://[::1]/a", "http://[::1]:80/b")
                .unwrap()
                .with_token
        );
    }

    #[test]
    fn a_relative_location_with_a_url_in_its_query_stays_relative() {
        assert_eq!(
            resolve("https://zoom.us/rec/a", "/next?to=https://x.example/"),
            "https://zoom.us/next?to=https://x.example/"
        );
        assert_eq!(
            resolve("https://zoom.us/rec/a", "//ssrweb.zoom.us/f"),
            "https://ssrweb.zoom.us/f"
        );
    }

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

    #[test]
    fn urls_split_into_authority_and_path() {
        let (_, authority, path) = split_url("http://127.0.0.1:4010/v2/users/me?x=1").unwrap();
        assert_eq!((authority, path), ("127.0.0.1:4010", "/v2/users/me?x=1"));
        let (_, authority, path) = split_url("https://api.zoom.us").unwrap();
        assert_eq!((authority, path), ("api.zoom.us", "/"));
        assert!(split_url("ftp://x/").is_none());
        assert!(split_url("/relative").is_none());
    }
}
