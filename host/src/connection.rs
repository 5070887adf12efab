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
        let base = self.api_base.trim_end_matches('/');
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
}
