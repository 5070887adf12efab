//! What an operator decides about the server, validated once: the API
//! keys, the API bases callers may name, and how many calls run at once.

use crate::connection::{normalize_api_base, url_origin};
use sha2::{Digest, Sha256};

/// The shortest API key the server accepts.
pub const MIN_API_KEY_LEN: usize = 16;

/// How the server runs (see [`super::router`]).
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// The keys callers send as `Authorization: Bearer <key>`.
    pub api_keys: ApiKeys,
    /// The API bases a caller's own token may go to, besides Zoom's own
    /// HTTPS hosts ([`AllowedBase::Zoom`], always allowed).
    pub allowed_bases: Vec<AllowedBase>,
    /// The API base of a caller's token when the call names none
    /// (normalised, see [`crate::normalize_api_base`]).
    pub default_api_base: String,
    /// The `Host` headers `/mcp` answers (any when empty).
    pub mcp_allowed_hosts: Vec<String>,
    /// Calls that may run at once (over the REST API and `/mcp` together);
    /// more are answered 503 with `Retry-After`. Give the host the same
    /// number ([`crate::HostConfig::max_concurrent_calls`]).
    pub max_concurrent_calls: usize,
}

impl ServerConfig {
    /// A server with these keys, calling Zoom's own hosts only, with
    /// bare tokens going to `https://api.zoom.us/v2`, 256 calls at once.
    pub fn new(api_keys: ApiKeys) -> ServerConfig {
        ServerConfig {
            api_keys,
            allowed_bases: vec![AllowedBase::Zoom],
            default_api_base: crate::auth::DEFAULT_API_BASE.into(),
            mcp_allowed_hosts: Vec::new(),
            max_concurrent_calls: 256,
        }
    }

    /// Whether a caller's token may go to `api_base`.
    pub(super) fn admits(&self, api_base: &str) -> bool {
        AllowedBase::Zoom.admits(api_base) || self.allowed_bases.iter().any(|b| b.admits(api_base))
    }

    /// `api_base` normalised, or why it is not one.
    pub fn normalized_base(api_base: &str) -> Result<String, String> {
        normalize_api_base(api_base).map_err(|why| format!("'{api_base}' {why}"))
    }
}

/// The accepted API keys, kept as SHA-256 digests (compared in constant
/// time, [`ApiKeys::admit`]).
#[derive(Clone)]
pub struct ApiKeys(Vec<[u8; 32]>);

impl std::fmt::Debug for ApiKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ApiKeys({} keys)", self.0.len())
    }
}

impl ApiKeys {
    /// Comma-separated keys (several are all accepted, to rotate keys
    /// without downtime), each at least [`MIN_API_KEY_LEN`] characters; or
    /// why not.
    pub fn parse(text: &str) -> Result<ApiKeys, String> {
        let keys: Vec<&str> = text
            .split(',')
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .collect();
        if keys.is_empty() {
            return Err("there is none".into());
        }
        if let Some(short) = keys.iter().find(|k| k.chars().count() < MIN_API_KEY_LEN) {
            return Err(format!(
                "a key has {} characters and each must have at least {MIN_API_KEY_LEN}; e.g. `openssl rand -hex 24`",
                short.chars().count()
            ));
        }
        Ok(ApiKeys(
            keys.iter()
                .map(|k| Sha256::digest(k.as_bytes()).into())
                .collect(),
        ))
    }

    /// Whether `given` is one of the keys: equal-length digests, each
    /// compared without an early exit.
    pub fn admit(&self, given: &[u8]) -> bool {
        let given: [u8; 32] = Sha256::digest(given).into();
        self.0.iter().fold(false, |found, key| {
            let equal = given
                .iter()
                .zip(key.iter())
                .fold(0u8, |diff, (a, b)| diff | (a ^ b))
                == 0;
            found | equal
        })
    }
}

/// An origin a caller's `api_base` may name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AllowedBase {
    /// `https` on port 443 to zoom.us or a subdomain of it.
    Zoom,
    /// Exactly this scheme, host and port.
    Origin(String, String, u16),
}

impl AllowedBase {
    /// The origin of `url` (e.g. the simulator's `http://127.0.0.1:4010/v2`),
    /// or `None` when it is not an absolute http(s) URL.
    pub fn origin_of(url: &str) -> Option<AllowedBase> {
        let (scheme, host, port) = url_origin(url)?;
        Some(AllowedBase::Origin(scheme, host, port))
    }

    fn admits(&self, api_base: &str) -> bool {
        let Some((scheme, host, port)) = url_origin(api_base) else {
            return false;
        };
        match self {
            AllowedBase::Zoom => crate::is_zoom_origin(&scheme, &host, port),
            AllowedBase::Origin(s, h, p) => *s == scheme && *h == host && *p == port,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caller_api_bases_match_zoom_or_an_allowed_origin_only() {
        let zoom = AllowedBase::Zoom;
        assert!(zoom.admits("https://api.zoom.us/v2"));
        assert!(zoom.admits("https://eu01api-www4local.zoom.us/v2"));
        assert!(!zoom.admits("http://api.zoom.us/v2"));
        assert!(!zoom.admits("https://api.zoom.us:8443/v2"));
        assert!(!zoom.admits("https://evilzoom.us/v2"));
        assert!(!zoom.admits("http://169.254.169.254/latest"));
        assert!(!zoom.admits("not a url"));
        let sim = AllowedBase::origin_of("http://127.0.0.1:4010/v2").unwrap();
        assert_eq!(
            sim,
            AllowedBase::Origin("http".into(), "127.0.0.1".into(), 4010)
        );
        assert!(sim.admits("http://127.0.0.1:4010/v2"));
        assert!(!sim.admits("http://127.0.0.1:4011/v2"));
        assert!(!sim.admits("https://127.0.0.1:4010/v2"));
    }

    #[test]
    fn keys_are_at_least_sixteen_characters_and_only_they_are_admitted() {
        assert!(ApiKeys::parse(" , ").unwrap_err().contains("none"));
        assert!(
            ApiKeys::parse("0123456789abcdef,short")
                .unwrap_err()
                .contains("a key has 5 characters")
        );
        let keys = ApiKeys::parse("0123456789abcdef, fedcba9876543210").unwrap();
        assert!(keys.admit(b"0123456789abcdef"));
        assert!(keys.admit(b"fedcba9876543210"));
        assert!(!keys.admit(b"0123456789abcdeg"));
        assert!(!keys.admit(b""));
        assert_eq!(format!("{keys:?}"), "ApiKeys(2 keys)");
    }
}
