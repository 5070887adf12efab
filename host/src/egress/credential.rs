//! The stand-in token swap: the component holds a per-call stand-in; the
//! real token replaces it here, only on requests the policy says carry it
//! ([`EgressPolicy::carries_token`]); elsewhere the stand-in is removed.

use super::EgressPolicy;
use hyper::header::{AUTHORIZATION, HeaderValue};
use hyper::{HeaderMap, Method};

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

/// Replaces `Authorization: Bearer <stand-in>` with the real token when the
/// request may carry it, and removes it otherwise. Any other `Authorization`
/// header is left as the component wrote it (it holds no credential of ours).
pub fn authorize(
    policy: &EgressPolicy,
    credential: &Credential,
    method: &Method,
    url: &str,
    headers: &mut HeaderMap,
) {
    let expected = format!("Bearer {}", credential.stand_in);
    if headers
        .get(AUTHORIZATION)
        .is_none_or(|v| v.as_bytes() != expected.as_bytes())
    {
        return;
    }
    if !policy.carries_token(method.as_str(), url) {
        headers.remove(AUTHORIZATION);
        return;
    }
    match HeaderValue::from_str(&format!("Bearer {}", credential.token)) {
        Ok(mut real) => {
            real.set_sensitive(true);
            headers.insert(AUTHORIZATION, real);
        }
        Err(_) => {
            headers.remove(AUTHORIZATION);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_stand_in_is_swapped_and_only_where_the_token_may_go() {
        let policy = EgressPolicy::for_api_base("https://api.zoom.us/v2").unwrap();
        let credential = Credential {
            stand_in: "wrkzoom-standin-1".into(),
            token: "real-token".into(),
        };
        let stand_in = || {
            let mut headers = HeaderMap::new();
            headers.insert(AUTHORIZATION, "Bearer wrkzoom-standin-1".parse().unwrap());
            headers
        };
        let api = "https://api.zoom.us/v2/users/me";

        let mut headers = stand_in();
        authorize(&policy, &credential, &Method::GET, api, &mut headers);
        assert_eq!(headers[AUTHORIZATION], "Bearer real-token");
        assert!(headers[AUTHORIZATION].is_sensitive());

        for (method, url) in [
            (Method::TRACE, api),
            (Method::GET, "https://status.zoom.us/"),
        ] {
            let mut headers = stand_in();
            authorize(&policy, &credential, &method, url, &mut headers);
            assert!(headers.get(AUTHORIZATION).is_none(), "{method} {url}");
        }

        let mut other = HeaderMap::new();
        other.insert(AUTHORIZATION, "Bearer something-else".parse().unwrap());
        authorize(&policy, &credential, &Method::GET, api, &mut other);
        assert_eq!(other[AUTHORIZATION], "Bearer something-else");

        let mut none = HeaderMap::new();
        authorize(&policy, &credential, &Method::GET, api, &mut none);
        assert!(none.get(AUTHORIZATION).is_none());
    }
}
