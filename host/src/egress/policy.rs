//! The allow-list: which hosts a call's requests may go to.

/// One host requests may go to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AllowedHost {
    /// Exactly this scheme, host and port.
    Exact {
        /// `http` or `https`.
        scheme: String,
        /// Lower-case host name or address.
        host: String,
        /// Port (the scheme's default when the URL gives none).
        port: u16,
    },
    /// HTTPS on port 443 to this domain or any subdomain of it.
    Domain(String),
}

/// The hosts a call may reach.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EgressPolicy {
    /// Any one of these admits a request.
    pub allowed: Vec<AllowedHost>,
}

/// `scheme://host:port` of a URL, for messages.
pub fn origin(url: &str) -> Option<String> {
    parts(url).map(|(s, h, p)| format!("{s}://{h}:{p}"))
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
