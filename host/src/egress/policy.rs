//! The allow-list: which hosts a call's requests may go to, and the
//! narrower set of requests that may carry the real token.

use crate::connection::url_origin as parts;

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
    /// The API's own origin: requests there carry the real token.
    pub api: Option<AllowedHost>,
    /// Whether Zoom's download paths (`https://zoom.us/rec/…` and
    /// `https://<sub>.zoom.us/rec/…`) carry the real token too, as Zoom's
    /// recording and transcript downloads need (only when the API is Zoom's).
    pub zoom_downloads: bool,
}

/// The methods Zoom's API uses; no other method ever carries the token
/// (a `TRACE` echoes its headers back).
const TOKEN_METHODS: [&str; 6] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"];

/// Where Zoom serves recording and transcript downloads.
const ZOOM_DOWNLOAD_PREFIX: &str = "/rec/";

/// `scheme://host:port` of a URL, for messages.
pub fn origin(url: &str) -> Option<String> {
    parts(url).map(|(s, h, p)| format!("{s}://{h}:{p}"))
}

impl EgressPolicy {
    /// The API host of `api_base`, plus `zoom.us` and its subdomains (where
    /// recordings and transcripts are downloaded) when the API is Zoom's.
    pub fn for_api_base(api_base: &str) -> Result<EgressPolicy, String> {
        let (scheme, host, port) = parts(api_base).ok_or_else(|| {
            format!("'{api_base}' is not an absolute http(s) URL; use e.g. https://api.zoom.us/v2")
        })?;
        let zoom = scheme == "https" && (host == "zoom.us" || host.ends_with(".zoom.us"));
        let api = AllowedHost::Exact { scheme, host, port };
        let mut allowed = vec![api.clone()];
        if zoom {
            allowed.push(AllowedHost::Domain("zoom.us".into()));
        }
        Ok(EgressPolicy {
            allowed,
            api: Some(api),
            zoom_downloads: zoom,
        })
    }

    /// Whether a request (already [allowed](Self::allows)) may carry the
    /// real token: a method of [`TOKEN_METHODS`], to the API's own origin,
    /// or, when the API is Zoom's, to a Zoom download path over HTTPS.
    pub fn carries_token(&self, method: &str, url: &str) -> bool {
        if !TOKEN_METHODS.contains(&method) {
            return false;
        }
        let Ok(uri) = url.parse::<hyper::Uri>() else {
            return false;
        };
        let Some(origin) = parts(url) else {
            return false;
        };
        if self.api.as_ref().is_some_and(|api| matches(api, &origin)) {
            return true;
        }
        self.zoom_downloads
            && matches(&AllowedHost::Domain("zoom.us".into()), &origin)
            && uri.path().starts_with(ZOOM_DOWNLOAD_PREFIX)
    }

    /// Whether a request to `url` may leave the host.
    pub fn allows(&self, url: &str) -> bool {
        let Some(origin) = parts(url) else {
            return false;
        };
        self.allowed.iter().any(|rule| matches(rule, &origin))
    }
}

fn matches(rule: &AllowedHost, (scheme, host, port): &(String, String, u16)) -> bool {
    match rule {
        AllowedHost::Exact {
            scheme: s,
            host: h,
            port: p,
        } => s == scheme && h == host && p == port,
        AllowedHost::Domain(domain) => {
            scheme == "https"
                && *port == 443
                && (host == domain || host.ends_with(&format!(".{domain}")))
        }
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
    fn the_real_token_goes_to_the_api_and_zoom_download_paths_only() {
        let zoom = EgressPolicy::for_api_base("https://api.zoom.us/v2").unwrap();
        let sandbox = EgressPolicy::for_api_base("http://127.0.0.1:4010/v2").unwrap();
        let table = [
            (&zoom, "GET", "https://api.zoom.us/v2/users/me", true),
            (
                &zoom,
                "POST",
                "https://api.zoom.us/v2/users/me/meetings",
                true,
            ),
            (&zoom, "PATCH", "https://api.zoom.us/v2/meetings/1", true),
            (
                &zoom,
                "DELETE",
                "https://API.zoom.us:443/v2/meetings/1",
                true,
            ),
            (&zoom, "HEAD", "https://api.zoom.us/v2/users/me", true),
            (&zoom, "PUT", "https://api.zoom.us/v2/x", true),
            (&zoom, "TRACE", "https://api.zoom.us/v2/users/me", false),
            (&zoom, "OPTIONS", "https://api.zoom.us/v2/users/me", false),
            (&zoom, "CONNECT", "https://api.zoom.us/v2/users/me", false),
            (&zoom, "get", "https://api.zoom.us/v2/users/me", false),
            (&zoom, "GET", "https://zoom.us/rec/download/abc", true),
            (
                &zoom,
                "GET",
                "https://us06web.zoom.us/rec/meeting/transcript/download/t",
                true,
            ),
            (&zoom, "GET", "https://status.zoom.us/", false),
            (&zoom, "GET", "https://foo.zoom.us/anything", false),
            (&zoom, "GET", "https://foo.zoom.us/recx/download", false),
            (&zoom, "GET", "http://zoom.us/rec/download/abc", false),
            (&zoom, "GET", "https://zoom.us:8443/rec/download/abc", false),
            (&zoom, "GET", "https://evilzoom.us/rec/download/abc", false),
            (&zoom, "GET", "https://example.com/rec/download/abc", false),
            (&sandbox, "GET", "http://127.0.0.1:4010/v2/users/me", true),
            (
                &sandbox,
                "GET",
                "http://127.0.0.1:4010/rec/download/abc",
                true,
            ),
            (&sandbox, "GET", "http://127.0.0.1:4011/v2/users/me", false),
            (&sandbox, "GET", "https://zoom.us/rec/download/abc", false),
            (
                &EgressPolicy::default(),
                "GET",
                "https://api.zoom.us/v2/users/me",
                false,
            ),
        ];
        for (policy, method, url, expected) in table {
            assert_eq!(
                policy.carries_token(method, url),
                expected,
                "{method} {url}"
            );
        }
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
