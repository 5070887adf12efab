//! The stand-in token swap: the component holds a per-call stand-in; the
//! real token replaces it here, on requests the policy allowed.

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

/// Replaces `Authorization: Bearer <stand-in>` with the real token. Any
/// other `Authorization` header is left as the component wrote it (it holds
/// no credential of ours).
pub fn swap_stand_in(headers: &mut HeaderMap, credential: &Credential) {
    let expected = format!("Bearer {}", credential.stand_in);
    if headers
        .get(AUTHORIZATION)
        .is_some_and(|v| v.as_bytes() == expected.as_bytes())
    {
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_stand_in_is_swapped_for_the_real_token() {
        let credential = Credential {
            stand_in: "wrkzoom-standin-1".into(),
            token: "real-token".into(),
        };
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, "Bearer wrkzoom-standin-1".parse().unwrap());
        swap_stand_in(&mut headers, &credential);
        assert_eq!(headers[AUTHORIZATION], "Bearer real-token");
        assert!(headers[AUTHORIZATION].is_sensitive());

        let mut other = HeaderMap::new();
        other.insert(AUTHORIZATION, "Bearer something-else".parse().unwrap());
        swap_stand_in(&mut other, &credential);
        assert_eq!(other[AUTHORIZATION], "Bearer something-else");

        let mut none = HeaderMap::new();
        swap_stand_in(&mut none, &credential);
        assert!(none.get(AUTHORIZATION).is_none());
    }
}
