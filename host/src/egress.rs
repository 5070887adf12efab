//! Egress: the only way out of a component (`WasiHttpHooks::send_request`).
//!
//! Guarantees, for every outgoing request of every call:
//! - it goes only to an allow-listed Zoom host (the API host, and Zoom's
//!   download hosts); anything else is refused with `HttpRequestDenied`
//!   before a connection is made, and recorded so the host can report it;
//! - the component only ever holds a per-call stand-in token; the real token
//!   replaces it here, and only on allow-listed hosts.

use http_body_util::BodyExt;
use hyper::header::{AUTHORIZATION, HeaderValue};
use std::sync::{Arc, Mutex};
use wasmtime_wasi_http::{RequestOptions, WasiBody, WasiHttpHooks};

/// One host requests may go to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AllowedHost {
    /// Exactly this scheme, host and port.
    Exact {
        scheme: String,
        host: String,
        port: u16,
    },
    /// HTTPS on port 443 to this domain or any subdomain of it.
    Domain(String),
}

/// The hosts a call may reach.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EgressPolicy {
    pub allowed: Vec<AllowedHost>,
}

/// Splits a URL into (scheme, host, port).
fn parts(url: &str) -> Option<(String, String, u16)> {
    let uri: hyper::Uri = url.parse().ok()?;
    let scheme = uri.scheme_str()?.to_ascii_lowercase();
    let host = uri.host()?.to_ascii_lowercase();
    let port = uri.port_u16().or(match scheme.as_str() {
        "https" => Some(443),
        "http" => Some(80),
        _ => None,
    })?;
    Some((scheme, host, port))
}

impl EgressPolicy {
    /// The API host of `api_base`, plus `zoom.us` and its subdomains (where
    /// recordings and transcripts are downloaded) when the API is Zoom's.
    pub fn for_api_base(api_base: &str) -> Result<EgressPolicy, String> {
        let (scheme, host, port) = parts(api_base).ok_or_else(|| {
            format!("'{api_base}' is not an absolute http(s) URL; use e.g. https://api.zoom.us/v2")
        })?;
        let zoom = scheme == "https" && (host == "zoom.us" || host.ends_with(".zoom.us"));
        let mut allowed = vec![AllowedHost::Exact { scheme, host, port }];
        if zoom {
            allowed.push(AllowedHost::Domain("zoom.us".into()));
        }
        Ok(EgressPolicy { allowed })
    }

    /// Whether a request to `url` may leave the host.
    pub fn allows(&self, url: &str) -> bool {
        let Some((scheme, host, port)) = parts(url) else {
            return false;
        };
        self.allowed.iter().any(|rule| match rule {
            AllowedHost::Exact {
                scheme: s,
                host: h,
                port: p,
            } => *s == scheme && *h == host && *p == port,
            AllowedHost::Domain(domain) => {
                scheme == "https"
                    && port == 443
                    && (host == *domain || host.ends_with(&format!(".{domain}")))
            }
        })
    }
}

/// The real token and the stand-in the component sees instead.
#[derive(Clone)]
pub struct Credential {
    pub stand_in: String,
    pub token: String,
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Credential { .. }")
    }
}

/// What the hook saw during one call.
#[derive(Debug, Default)]
pub struct EgressLog {
    /// Hosts (scheme://host:port) that were refused.
    pub denied: Vec<String>,
    /// Requests sent to Zoom.
    pub sent: u64,
}

/// The per-call `wasi:http` hooks.
pub struct EgressHooks {
    policy: Arc<EgressPolicy>,
    credential: Credential,
    log: Arc<Mutex<EgressLog>>,
}

impl EgressHooks {
    pub fn new(
        policy: Arc<EgressPolicy>,
        credential: Credential,
    ) -> (EgressHooks, Arc<Mutex<EgressLog>>) {
        let log = Arc::new(Mutex::new(EgressLog::default()));
        let hooks = EgressHooks {
            policy,
            credential,
            log: log.clone(),
        };
        (hooks, log)
    }
}

type SendResult = wasmtime_wasi_http::Result<(
    hyper::Response<WasiBody>,
    Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send>,
)>;

impl WasiHttpHooks for EgressHooks {
    fn send_request(
        &mut self,
        mut request: hyper::Request<WasiBody>,
        options: Option<RequestOptions>,
        fut: Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send>,
    ) -> Box<dyn Future<Output = SendResult> + Send> {
        drop(fut);
        let url = request.uri().to_string();
        if !self.policy.allows(&url) {
            let origin = parts(&url)
                .map(|(s, h, p)| format!("{s}://{h}:{p}"))
                .unwrap_or(url);
            tracing::warn!(host = %origin, "denied a request to a host that is not allow-listed");
            self.log.lock().expect("egress log").denied.push(origin);
            return Box::new(async { Err(wasmtime_wasi_http::Error::HttpRequestDenied) });
        }
        let expected = format!("Bearer {}", self.credential.stand_in);
        let headers = request.headers_mut();
        if headers
            .get(AUTHORIZATION)
            .is_some_and(|v| v.as_bytes() == expected.as_bytes())
        {
            match HeaderValue::from_str(&format!("Bearer {}", self.credential.token)) {
                Ok(mut real) => {
                    real.set_sensitive(true);
                    headers.insert(AUTHORIZATION, real);
                }
                Err(_) => {
                    headers.remove(AUTHORIZATION);
                }
            }
        }
        self.log.lock().expect("egress log").sent += 1;
        let (method, target) = (request.method().clone(), request.uri().path().to_string());
        Box::new(async move {
            let (response, io) = wasmtime_wasi_http::default_send_request(request, options)
                .await
                .inspect_err(|e| tracing::debug!(%method, %target, "request failed: {e:?}"))?;
            tracing::debug!(%method, %target, status = %response.status(), "sent");
            let io = async move {
                io.await
                    .inspect_err(|e| tracing::debug!("connection failed: {e:?}"))
            };
            Ok((
                response.map(BodyExt::boxed_unsync),
                Box::new(io) as Box<dyn Future<Output = _> + Send>,
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zoom_policy_allows_api_and_download_hosts_only() {
        let p = EgressPolicy::for_api_base("https://api.zoom.us/v2").unwrap();
        assert!(p.allows("https://api.zoom.us/v2/users/me"));
        assert!(p.allows("https://zoom.us/rec/download/x"));
        assert!(p.allows("https://ssrweb.zoom.us/file.vtt"));
        assert!(!p.allows("http://zoom.us/rec/download/x"));
        assert!(!p.allows("https://evilzoom.us/"));
        assert!(!p.allows("https://zoom.us.evil.com/"));
        assert!(!p.allows("https://example.com/"));
    }

    #[test]
    fn sandbox_policy_allows_its_origin_only() {
        let p = EgressPolicy::for_api_base("http://127.0.0.1:4010/v2").unwrap();
        assert!(p.allows("http://127.0.0.1:4010/rec/files/a.vtt"));
        assert!(!p.allows("http://127.0.0.1:4011/v2"));
        assert!(!p.allows("https://api.zoom.us/v2"));
        assert!(EgressPolicy::for_api_base("api.zoom.us").is_err());
    }
}
