//! The stand-in token swap: the component holds a per-call stand-in; the
//! real token replaces it here, only on requests that may carry it
//! ([`super::EgressPolicy::carries_token`], and not reached by a redirect
//! from another origin); elsewhere the stand-in is removed.

use hyper::HeaderMap;
use hyper::header::{AUTHORIZATION, HeaderValue};

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
/// request `carries` it, and removes it otherwise. Any other `Authorization`
/// header is left as the component wrote it (it holds no credential of ours).
pub fn authorize(carries: bool, credential: &Credential, headers: &mut HeaderMap) {
    let expected = format!("Bearer {}", credential.stand_in);
    if headers
        .get(AUTHORIZATION)
        .is_none_or(|v| v.as_bytes() != expected.as_bytes())
    {
        return;
    }
    if !carries {
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
        let credential = Credential {
            stand_in: "wrkzoom-standin-1".into(),
            token: "real-token".into(),
        };
        let stand_in = || {
            let mut headers = HeaderMap::new();
            headers.insert(AUTHORIZATION, "Bearer wrkzoom-standin-1".parse().unwrap());
            headers
        };

        let mut headers = stand_in();
        authorize(true, &credential, &mut headers);
        assert_eq!(headers[AUTHORIZATION], "Bearer real-token");
        assert!(headers[AUTHORIZATION].is_sensitive());

        let mut headers = stand_in();
        authorize(false, &credential, &mut headers);
        assert!(headers.get(AUTHORIZATION).is_none());

        let mut other = HeaderMap::new();
        other.insert(AUTHORIZATION, "Bearer something-else".parse().unwrap());
        authorize(true, &credential, &mut other);
        assert_eq!(other[AUTHORIZATION], "Bearer something-else");

        let mut none = HeaderMap::new();
        authorize(true, &credential, &mut none);
        assert!(none.get(AUTHORIZATION).is_none());
    }
}
