//! Where and as whom an action calls Zoom.

/// A Zoom access token and the API base it is used against.
#[derive(Clone)]
pub struct ZoomConnection {
    /// The OAuth access token. The component never sees it: it gets a
    /// per-call stand-in that the egress hook swaps for this one.
    pub access_token: String,
    /// API base URL, e.g. `https://api.zoom.us/v2`.
    pub api_base: String,
    /// Which Zoom account the calls count against, for the shared
    /// rate-limit buckets (a stored connection's account or name). `None`
    /// keys the buckets by the token, so a renewed token starts afresh.
    pub account: Option<String>,
}

impl std::fmt::Debug for ZoomConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ZoomConnection")
            .field("api_base", &self.api_base)
            .finish_non_exhaustive()
    }
}

impl ZoomConnection {
    /// The key of this connection's shared rate-limit buckets: the API base
    /// and the account (a stored connection's account or name), or, for a
    /// bare token, a hash of the token (the token itself is never kept).
    pub fn rate_limit_key(&self) -> String {
        // One key per base however it is spelled (`/v2`, `/v2/`, `//v2`).
        let normalized = normalize_api_base(&self.api_base);
        let base = match &normalized {
            Ok(base) => base.as_str(),
            Err(_) => self.api_base.trim_end_matches('/'),
        };
        match &self.account {
            Some(account) => format!("{base}#account:{account}"),
            None => {
                use sha2::{Digest, Sha256};
                let digest = Sha256::digest(self.access_token.as_bytes());
                let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
                format!("{base}#token:{hex}")
            }
        }
    }
}

/// `(scheme, host, port)` of an absolute http(s) URL, lower-cased, with the
/// scheme's default port when the URL gives none.
pub fn url_origin(url: &str) -> Option<(String, String, u16)> {
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

/// The one spelling of an API base, before it keys anything (rate limits):
/// `scheme://host[:port]/path` with the scheme and host lower-cased, the
/// default port left out, repeated `/` collapsed and no trailing `/`. A
/// base with a query, a fragment or user info is refused (the text says
/// why).
pub fn normalize_api_base(url: &str) -> Result<String, String> {
    if url.contains(['#', '?']) {
        return Err("has a query or a fragment; an API base is a scheme, a host and a path".into());
    }
    let uri: hyper::Uri = url
        .parse()
        .map_err(|_| "is not an absolute http(s) URL".to_string())?;
    let (scheme, host, port) =
        url_origin(url).ok_or_else(|| "is not an absolute http(s) URL".to_string())?;
    if uri.authority().is_some_and(|a| a.as_str().contains('@')) {
        return Err("has user info; an API base is a scheme, a host and a path".into());
    }
    let default_port = matches!((scheme.as_str(), port), ("https", 443) | ("http", 80));
    let host = if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host
    };
    let mut out = format!("{scheme}://{host}");
    if !default_port {
        out.push_str(&format!(":{port}"));
    }
    for segment in uri.path().split('/').filter(|s| !s.is_empty()) {
        out.push('/');
        out.push_str(segment);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_renewed_token_keeps_its_accounts_buckets() {
        let conn = |token: &str, account: Option<&str>| ZoomConnection {
            access_token: token.into(),
            api_base: "https://api.zoom.us/v2/".into(),
            account: account.map(str::to_string),
        };
        let key = |token, account| conn(token, account).rate_limit_key();
        assert_eq!(key("old", Some("acct-1")), key("new", Some("acct-1")));
        assert_ne!(key("t", Some("acct-1")), key("t", Some("acct-2")));
        assert_ne!(key("a", None), key("b", None));
        assert!(!key("secret-token", None).contains("secret-token"));
    }

    #[test]
    fn api_base_spellings_key_the_same_or_are_refused() {
        let key = |base: &str| {
            ZoomConnection {
                access_token: "t".into(),
                api_base: base.into(),
                account: None,
            }
            .rate_limit_key()
        };
        let one = key("https://api.zoom.us/v2");
        for same in [
            "https://api.zoom.us/v2/",
            "https://api.zoom.us//v2",
            "https://api.zoom.us//v2//",
            "HTTPS://API.zoom.us:443/v2",
        ] {
            assert_eq!(key(same), one, "{same}");
            assert_eq!(
                normalize_api_base(same).unwrap(),
                "https://api.zoom.us/v2",
                "{same}"
            );
        }
        for refused in [
            "https://api.zoom.us/v2#1",
            "https://api.zoom.us/v2?x=1",
            "https://me@api.zoom.us/v2",
            "api.zoom.us/v2",
            "not a url",
        ] {
            assert!(normalize_api_base(refused).is_err(), "{refused}");
        }
        assert_eq!(
            normalize_api_base("http://127.0.0.1:4010/v2/").unwrap(),
            "http://127.0.0.1:4010/v2"
        );
    }
}
