//! Is a delivery Zoom's? The checks, in order and over the raw bytes (a
//! body parsed and written again is not what Zoom signed):
//! 1. the body is at most `max_body` bytes;
//! 2. `x-zm-request-timestamp` and `x-zm-signature` are both there;
//! 3. the timestamp (Unix seconds) is within `window` of now, either way;
//! 4. `x-zm-signature` is `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{body}`
//!    under the app's secret token, or during a rotation its previous one,
//!    compared in constant time.
//!
//! An app without a secret refuses everything (fail closed). Only a
//! verified body is parsed.

use crate::auth::Secret;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::time::Duration;

/// How far a delivery's timestamp may be from now, either way.
pub const DEFAULT_WINDOW: Duration = Duration::from_secs(5 * 60);
/// The largest delivery read (Zoom's events are small JSON documents).
pub const DEFAULT_MAX_BODY: usize = 1024 * 1024;

/// An app's secret token, and the one it replaces while a rotation lasts.
#[derive(Clone)]
pub struct WebhookSecrets {
    /// The secret token of the Zoom app now.
    pub current: Secret,
    /// The previous one, accepted until the rotation ends.
    pub previous: Option<Secret>,
}

impl std::fmt::Debug for WebhookSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookSecrets")
            .field("previous", &self.previous.is_some())
            .finish_non_exhaustive()
    }
}

/// Why a delivery is not taken (the caller answers 401 and says no more).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The app has no secret token: nothing is accepted.
    #[error("the app has no secret token")]
    NoSecret,
    /// The body is over the limit.
    #[error("the body is over {limit} bytes")]
    TooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// A header is missing.
    #[error("no {0} header")]
    MissingHeader(&'static str),
    /// The timestamp is not Unix seconds.
    #[error("x-zm-request-timestamp is not a number of seconds")]
    BadTimestamp,
    /// The timestamp is too far from now (a replay, or a clock off).
    #[error("x-zm-request-timestamp is {seconds} s from now")]
    OutsideWindow {
        /// How far, in seconds.
        seconds: i64,
    },
    /// The signature matches no secret.
    #[error("x-zm-signature does not match")]
    BadSignature,
    /// Signed, but not a JSON object with an `event`.
    #[error("the body is not a Zoom event")]
    NotJson,
}

/// Checks one delivery (see the module docs). `now` is Unix seconds.
pub fn verify(
    secrets: Option<&WebhookSecrets>,
    timestamp: Option<&[u8]>,
    signature: Option<&[u8]>,
    body: &[u8],
    now: i64,
    window: Duration,
    max_body: usize,
) -> Result<(), Refusal> {
    let secrets = secrets.ok_or(Refusal::NoSecret)?;
    if body.len() > max_body {
        return Err(Refusal::TooLarge { limit: max_body });
    }
    let timestamp = timestamp.ok_or(Refusal::MissingHeader("x-zm-request-timestamp"))?;
    let signature = signature.ok_or(Refusal::MissingHeader("x-zm-signature"))?;
    let seconds: i64 = std::str::from_utf8(timestamp)
        .ok()
        .and_then(|t| t.trim().parse().ok())
        .ok_or(Refusal::BadTimestamp)?;
    let off = now.saturating_sub(seconds).saturating_abs();
    if off > window.as_secs() as i64 {
        return Err(Refusal::OutsideWindow { seconds: off });
    }
    let given = signature
        .strip_prefix(b"v0=")
        .and_then(decode_hex)
        .ok_or(Refusal::BadSignature)?;
    let matches = |secret: &Secret| {
        let mut mac = keyed(secret);
        mac.update(b"v0:");
        mac.update(timestamp);
        mac.update(b":");
        mac.update(body);
        // Constant time, and a wrong length is simply a mismatch.
        mac.verify_slice(&given).is_ok()
    };
    let current = matches(&secrets.current);
    let previous = secrets.previous.as_ref().is_some_and(matches);
    if current || previous {
        Ok(())
    } else {
        Err(Refusal::BadSignature)
    }
}

/// The answer to Zoom's `endpoint.url_validation`: `plainToken` as sent and
/// `encryptedToken`, hex HMAC-SHA256 of it under the app's secret token.
pub fn url_validation_answer(secret: &Secret, plain_token: &str) -> serde_json::Value {
    let mut mac = keyed(secret);
    mac.update(plain_token.as_bytes());
    let encrypted: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    serde_json::json!({"plainToken": plain_token, "encryptedToken": encrypted})
}

fn keyed(secret: &Secret) -> Hmac<Sha256> {
    Hmac::<Sha256>::new_from_slice(secret.expose().as_bytes())
        .expect("HMAC takes a key of any length")
}

fn decode_hex(hex: &[u8]) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    hex.chunks(2)
        .map(|pair| {
            let text = std::str::from_utf8(pair).ok()?;
            u8::from_str_radix(text, 16).ok()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] = br#"{"event":"meeting.created","payload":{"account_id":"A1"}}"#;
    /// Computed independently (Python's hmac) for secret `s3cr3t`,
    /// timestamp 1700000000 and [`BODY`].
    const SIGNATURE: &[u8] = b"v0=29a28fe09246226c300730bef5ef288d49b5150b24284da8d9de1b66282cb54d";
    const NOW: i64 = 1_700_000_000;

    fn secrets(current: &str, previous: Option<&str>) -> WebhookSecrets {
        WebhookSecrets {
            current: Secret::new(current),
            previous: previous.map(Secret::new),
        }
    }

    fn check(
        s: Option<&WebhookSecrets>,
        ts: &[u8],
        sig: &[u8],
        body: &[u8],
        now: i64,
    ) -> Result<(), Refusal> {
        verify(
            s,
            Some(ts),
            Some(sig),
            body,
            now,
            DEFAULT_WINDOW,
            DEFAULT_MAX_BODY,
        )
    }

    #[test]
    fn a_delivery_signed_with_the_current_or_previous_secret_is_zooms() {
        let ts = b"1700000000";
        assert_eq!(
            check(Some(&secrets("s3cr3t", None)), ts, SIGNATURE, BODY, NOW),
            Ok(())
        );
        // During a rotation the old secret still verifies, and the new one.
        assert_eq!(
            check(
                Some(&secrets("new", Some("s3cr3t"))),
                ts,
                SIGNATURE,
                BODY,
                NOW + 299
            ),
            Ok(())
        );
        assert_eq!(
            check(
                Some(&secrets("other", Some("older"))),
                ts,
                SIGNATURE,
                BODY,
                NOW
            ),
            Err(Refusal::BadSignature)
        );
    }

    #[test]
    fn the_bytes_as_received_are_what_is_signed() {
        let ts = b"1700000000";
        let s = secrets("s3cr3t", None);
        // The same JSON written again (another key order, spacing) is refused.
        let rewritten = br#"{"payload":{"account_id":"A1"},"event":"meeting.created"}"#;
        assert_eq!(
            check(Some(&s), ts, SIGNATURE, rewritten, NOW),
            Err(Refusal::BadSignature)
        );
        let spaced = br#"{"event": "meeting.created","payload":{"account_id":"A1"}}"#;
        assert_eq!(
            check(Some(&s), ts, SIGNATURE, spaced, NOW),
            Err(Refusal::BadSignature)
        );
        // Another timestamp with the same signature is refused.
        assert_eq!(
            check(Some(&s), b"1700000001", SIGNATURE, BODY, NOW),
            Err(Refusal::BadSignature)
        );
    }

    #[test]
    fn every_check_refuses_in_order_and_without_a_secret_nothing_passes() {
        let s = secrets("s3cr3t", None);
        let ts = b"1700000000";
        assert_eq!(
            check(None, ts, SIGNATURE, BODY, NOW),
            Err(Refusal::NoSecret)
        );
        assert_eq!(
            verify(
                Some(&s),
                Some(ts),
                Some(SIGNATURE),
                BODY,
                NOW,
                DEFAULT_WINDOW,
                10
            ),
            Err(Refusal::TooLarge { limit: 10 })
        );
        assert_eq!(
            verify(
                Some(&s),
                None,
                Some(SIGNATURE),
                BODY,
                NOW,
                DEFAULT_WINDOW,
                DEFAULT_MAX_BODY
            ),
            Err(Refusal::MissingHeader("x-zm-request-timestamp"))
        );
        assert_eq!(
            verify(
                Some(&s),
                Some(ts),
                None,
                BODY,
                NOW,
                DEFAULT_WINDOW,
                DEFAULT_MAX_BODY
            ),
            Err(Refusal::MissingHeader("x-zm-signature"))
        );
        assert_eq!(
            check(Some(&s), b"soon", SIGNATURE, BODY, NOW),
            Err(Refusal::BadTimestamp)
        );
        assert_eq!(
            check(Some(&s), ts, SIGNATURE, BODY, NOW + 301),
            Err(Refusal::OutsideWindow { seconds: 301 })
        );
        assert_eq!(
            check(Some(&s), ts, SIGNATURE, BODY, NOW - 301),
            Err(Refusal::OutsideWindow { seconds: 301 })
        );
        for bad in [
            &b"29a28fe0"[..],
            b"v0=zz",
            b"v0=29a",
            b"v1=29a28fe09246226c300730bef5ef288d49b5150b24284da8d9de1b66282cb54d",
        ] {
            assert_eq!(
                check(Some(&s), ts, bad, BODY, NOW),
                Err(Refusal::BadSignature),
                "{bad:?}"
            );
        }
        assert_eq!(
            check(Some(&s), ts, SIGNATURE, BODY, NOW),
            Ok(()),
            "the same delivery within its window passes"
        );
    }

    #[test]
    fn the_url_validation_answer_is_the_hmac_of_the_plain_token() {
        // RFC 4231, test case 2.
        let answer = url_validation_answer(&Secret::new("Jefe"), "what do ya want for nothing?");
        assert_eq!(answer["plainToken"], "what do ya want for nothing?");
        assert_eq!(
            answer["encryptedToken"],
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn the_secrets_never_show_in_debug_output() {
        let text = format!("{:?}", secrets("s3cr3t", Some("older")));
        assert!(
            !text.contains("s3cr3t") && !text.contains("older"),
            "{text}"
        );
    }
}
