//! Redirects from another origin. A component follows redirects itself, so
//! each hop reaches the host as a separate request and the host cannot tell
//! a hop from a fresh request by looking at it. What it can know is what it
//! answered: every 3xx this call received and where its `Location` points.
//! A URL some answer of this call redirected to from another origin (or from
//! a URL itself reached that way) never gets the real token, whatever the
//! policy says of the URL alone, as curl and browsers drop `Authorization`
//! when a redirect changes origin.
//!
//! What it cannot know: where a component learned a URL it requests without
//! a redirect (a `download_url` in a JSON answer, or its own code). Those
//! are judged by the URL alone ([`super::EgressPolicy::carries_token`]).
//! The SDK also drops the stand-in on a cross-origin hop, so the token is
//! refused on both sides.

use sha2::{Digest, Sha256};
use std::collections::HashSet;
use url::Url;

/// The redirect targets of one call that were reached across origins.
#[derive(Debug, Default)]
pub struct Redirects {
    across: HashSet<[u8; 32]>,
}

/// A URL as a comparable key: normalised by the WHATWG rules (case, default
/// port, dot segments), without a fragment, hashed so a server's long
/// `Location`s cost 32 bytes each (a call makes at most 1,000 requests).
fn key(mut url: Url) -> [u8; 32] {
    url.set_fragment(None);
    Sha256::digest(url.as_str().as_bytes()).into()
}

impl Redirects {
    /// Notes an answer to `url`: a redirect (`status` 3xx with `location`)
    /// to another origin, or from a URL itself reached across origins,
    /// marks its target.
    pub fn note(&mut self, url: &str, status: u16, location: Option<&str>) {
        let (true, Some(location)) = ((300..400).contains(&status), location) else {
            return;
        };
        let Ok(from) = Url::parse(url) else {
            return;
        };
        let Ok(to) = from.join(location.trim()) else {
            return;
        };
        if to.origin() != from.origin() || self.across.contains(&key(from)) {
            self.across.insert(key(to));
        }
    }

    /// Whether `url` was reached by a redirect from another origin.
    pub fn reached_across_origins(&self, url: &str) -> bool {
        Url::parse(url).is_ok_and(|url| self.across.contains(&key(url)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_targets_of_cross_origin_redirects_are_marked() {
        let mut redirects = Redirects::default();
        // Same origin: the simulator's and Zoom's download to its file.
        redirects.note(
            "https://zoom.us/rec/download/a",
            302,
            Some("/rec/files/a.vtt"),
        );
        assert!(!redirects.reached_across_origins("https://zoom.us/rec/files/a.vtt"));
        // Another host, another scheme, another port.
        redirects.note(
            "https://api.zoom.us/v2/x",
            302,
            Some("https://us06web.zoom.us/rec/download/b#frag"),
        );
        redirects.note("https://zoom.us/rec/c", 301, Some("http://zoom.us/rec/c"));
        redirects.note("https://zoom.us/rec/d", 307, Some("//zoom.us:8443/rec/d"));
        for url in [
            "https://us06web.zoom.us/rec/download/b",
            "https://US06WEB.zoom.us:443/rec/download/b",
            "http://zoom.us/rec/c",
            "https://zoom.us:8443/rec/d",
        ] {
            assert!(redirects.reached_across_origins(url), "{url}");
        }
        // Not redirects.
        redirects.note("https://zoom.us/a", 200, Some("https://status.zoom.us/a"));
        redirects.note("https://zoom.us/a", 302, None);
        assert!(!redirects.reached_across_origins("https://status.zoom.us/a"));
        assert!(!redirects.reached_across_origins("https://us06web.zoom.us/rec/download/other"));
    }

    #[test]
    fn a_chain_stays_marked_after_it_left_its_origin() {
        let mut redirects = Redirects::default();
        redirects.note(
            "https://ssrweb.zoom.us/f",
            302,
            Some("https://zoom.us/rec/download/a"),
        );
        // Back on one origin, still reached through the other one.
        redirects.note(
            "https://zoom.us/rec/download/a",
            302,
            Some("/rec/x/../download/b"),
        );
        assert!(redirects.reached_across_origins("https://zoom.us/rec/download/b"));
        assert!(redirects.reached_across_origins("https://zoom.us/rec/x/../download/b"));
    }
}
