//! Which origins are Zoom's: the one rule the OAuth client, `serve`'s
//! `api_base` check and the egress policy share, since each decides where
//! a secret may be sent.

/// Whether an origin is HTTPS on port 443 to `zoom.us` or a subdomain of it
/// (`host` in lower case, as the URL parsers give it).
pub fn is_zoom_origin(scheme: &str, host: &str, port: u16) -> bool {
    scheme == "https" && port == 443 && (host == "zoom.us" || host.ends_with(".zoom.us"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zoom_is_https_on_its_own_domain_and_port_only() {
        assert!(is_zoom_origin("https", "zoom.us", 443));
        assert!(is_zoom_origin("https", "api.zoom.us", 443));
        assert!(!is_zoom_origin("http", "api.zoom.us", 443));
        assert!(!is_zoom_origin("https", "api.zoom.us", 8443));
        assert!(!is_zoom_origin("https", "evilzoom.us", 443));
        assert!(!is_zoom_origin("https", "zoom.us.evil.example", 443));
    }
}
