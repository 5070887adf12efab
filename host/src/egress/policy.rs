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
    /// Whether Zoom's download paths (`/rec/…` on [Zoom's download
    /// hosts](is_zoom_download_host)) carry the real token too, as Zoom's
    /// recording and transcript downloads need (only when the API is Zoom's).
    pub zoom_downloads: bool,
}

/// The methods Zoom's API uses; no other method ever carries the token
/// (a `TRACE` echoes its headers back).
const TOKEN_METHODS: [&str; 6] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"];

/// Where Zoom serves recording and transcript downloads.
const ZOOM_DOWNLOAD_PREFIX: &str = "/rec/";

/// The hosts Zoom's recording and transcript `download_url`s name, the only
/// ones besides the API that get the real token: `zoom.us` and the regional
/// web hosts `<2 letters><2 digits>web.zoom.us` (`us02web`, `us06web`, …).
/// Sources: the `download_url` shapes in shared/docs/zoom-api.md §9-§10
/// (`https://<host>/rec/meeting/transcript/download/…`, `zoom.us/rec/…`) and
/// the answers of Get meeting recordings and the recording webhooks seen in
/// the wild (`https://us06web.zoom.us/rec/webhook_download/…`). Not
/// `ssrweb.zoom.us` or any other subdomain (a subdomain may be run by a third
/// party): downloads answer 302 to a signed file URL there, which needs no
/// token, and which the SDK fetches without `Authorization` (another origin).
pub fn is_zoom_download_host(host: &str) -> bool {
    if host == "zoom.us" {
        return true;
    }
    let Some(label) = host.strip_suffix("web.zoom.us") else {
        return false;
    };
    let b = label.as_bytes();
    b.len() == 4
        && b[..2].iter().all(u8::is_ascii_lowercase)
        && b[2..].iter().all(u8::is_ascii_digit)
}

/// Whether `path` says plainly where it goes: no `.` or `..` segment (nor
/// `..;x`, which some servers read as `..`), and no percent-encoded dot,
/// slash, backslash or percent sign (nor a bare backslash), which a server
/// may decode, once or twice, or normalise into one. `/rec/../oauth/token`
/// is not a download path, whatever its prefix says.
fn is_plain_path(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    !["%2e", "%2f", "%5c", "%25", "\\"]
        .iter()
        .any(|bad| lower.contains(bad))
        && !path.split('/').any(|segment| {
            let name = segment.split(';').next().unwrap_or(segment);
            name == "." || name == ".."
        })
}

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
        let zoom = crate::zoom_hosts::is_zoom_origin(&scheme, &host, port);
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
    /// or, when the API is Zoom's, to a plain `/rec/…` path on one of
    /// [Zoom's download hosts](is_zoom_download_host) over HTTPS on 443.
    /// The URL alone decides; a hop reached by a redirect from another
    /// origin is refused the token by the caller ([`super::redirects`]).
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
        let (scheme, host, port) = &origin;
        self.zoom_downloads
            && scheme == "https"
            && *port == 443
            && is_zoom_download_host(host)
            && uri.path().starts_with(ZOOM_DOWNLOAD_PREFIX)
            && is_plain_path(uri.path())
    }

    /// Whether `url` is on the API's own origin (where Zoom's rate-limit
    /// answers come from).
    pub fn is_api(&self, url: &str) -> bool {
        parts(url).is_some_and(|origin| self.api.as_ref().is_some_and(|api| matches(api, &origin)))
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
            (
                &zoom,
                "GET",
                "https://us06web.zoom.us/rec/download/abc.def/ghi",
                true,
            ),
            (&zoom, "GET", "https://US02WEB.zoom.us/rec/download/a", true),
            (&zoom, "GET", "https://zoom.us/rec/webhook_download/a", true),
            (
                &zoom,
                "GET",
                "https://zoom.us/rec/download/a?x=%2e%2e",
                true,
            ),
            // Only Zoom's download hosts, exactly (S3): any other
            // subdomain may be run by someone else.
            (&zoom, "GET", "https://status.zoom.us/rec/x", false),
            (&zoom, "GET", "https://ssrweb.zoom.us/rec/x", false),
            (&zoom, "GET", "https://us6web.zoom.us/rec/x", false),
            (&zoom, "GET", "https://usa06web.zoom.us/rec/x", false),
            (&zoom, "GET", "https://evil.us06web.zoom.us/rec/x", false),
            (&zoom, "GET", "https://u506web.zoom.us/rec/x", false),
            // Only plain paths: no dot segments, no encoded dots or slashes.
            (&zoom, "GET", "https://zoom.us/rec/../oauth/token", false),
            (&zoom, "GET", "https://zoom.us/rec/./download/a", false),
            (&zoom, "GET", "https://zoom.us/rec/download/..", false),
            (
                &zoom,
                "GET",
                "https://zoom.us/rec/%2e%2e/oauth/token",
                false,
            ),
            (&zoom, "GET", "https://zoom.us/rec/%2E./oauth/token", false),
            (
                &zoom,
                "GET",
                "https://zoom.us/rec/a%2F..%2Foauth/token",
                false,
            ),
            (
                &zoom,
                "GET",
                "https://zoom.us/rec/a%5c..%5coauth/token",
                false,
            ),
            (
                &zoom,
                "GET",
                "https://zoom.us/rec/%252e%252e/oauth/token",
                false,
            ),
            (&zoom, "GET", "https://zoom.us/rec/..;x/oauth/token", false),
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
    fn rate_limit_answers_are_trusted_from_the_api_origin_only() {
        let zoom = EgressPolicy::for_api_base("https://api.zoom.us/v2").unwrap();
        assert!(zoom.is_api("https://api.zoom.us/v2/users/me"));
        assert!(zoom.is_api("https://API.zoom.us:443/v2/x"));
        assert!(!zoom.is_api("https://zoom.us/rec/download/a"));
        assert!(!zoom.is_api("https://us06web.zoom.us/rec/download/a"));
        assert!(!zoom.is_api("http://api.zoom.us/v2/users/me"));
        assert!(!EgressPolicy::default().is_api("https://api.zoom.us/v2"));
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
