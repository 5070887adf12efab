//! Secrets at rest: client secrets and tokens are encrypted with the
//! operator's key (`WRK_ZOOM_STORE_KEY`) before they reach the database.
//!
//! XChaCha20-Poly1305 with a random 24-byte nonce per value. The associated
//! data binds the value to everything that decides where its secrets go
//! ([`Binding`]: the connection's name, kind, grant, client ID, OAuth and
//! API bases, account ID) and to its key id and format, so a sealed value
//! copied onto another row, or left on a row whose unsealed columns were
//! edited (e.g. `oauth_base` pointed elsewhere), does not open: the
//! connection is reported damaged instead of its secrets being sent
//! elsewhere. Each value names its key by a short id, so a wrong key is
//! reported as such, and the keys of `WRK_ZOOM_STORE_OLD_KEYS` still open
//! values sealed before a rotation (they are sealed again with the current
//! key when next written).
//!
//! Format 1 (before this binding) used the name alone: such rows still
//! open, but only where their bases pass the same check as every stored
//! connection's (Zoom's HTTPS hosts, or an origin the operator allows, see
//! `crate::auth::StoredBases`), and they are sealed in the current
//! format when next written. A row downgraded to format 1 by someone who
//! can write the database therefore still sends its secrets only to Zoom.

use crate::error::StoreError;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use sha2::{Digest, Sha256};

const NONCE_LEN: usize = 24;
/// Sealed with the connection's name alone as associated data (read only).
pub const FORMAT_NAME_ONLY: i16 = 1;
/// Sealed with a [`Binding`], the key id and this number as associated data.
pub const FORMAT_BOUND: i16 = 2;
/// The format [`Keys::seal`] writes.
pub const FORMAT: i16 = FORMAT_BOUND;
const HOW_TO_MAKE_ONE: &str =
    "32 random bytes in base64, e.g. the output of `head -c 32 /dev/urandom | base64`";

struct Key {
    id: String,
    cipher: XChaCha20Poly1305,
}

impl Key {
    /// A key from its text. A weak one (see `guessable`) is refused as the
    /// key that seals; as an old key (`old`), which only opens what it
    /// sealed before a rotation away from it, it is accepted with a warning.
    fn parse(text: &str, variable: &str, old: bool) -> Result<Key, StoreError> {
        fn guessable(bytes: &[u8]) -> bool {
            let distinct = bytes
                .iter()
                .collect::<std::collections::BTreeSet<_>>()
                .len();
            bytes.iter().all(|b| (0x20..0x7f).contains(b)) || distinct < 12
        }
        let text = text.trim();
        let bytes = if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            (0..32)
                .map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16))
                .collect::<Result<Vec<u8>, _>>()
                .ok()
        } else {
            [
                &base64::engine::general_purpose::STANDARD,
                &base64::engine::general_purpose::URL_SAFE,
                &base64::engine::general_purpose::STANDARD_NO_PAD,
                &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            ]
            .iter()
            .find_map(|engine| engine.decode(text).ok())
        };
        let bytes = match bytes {
            // Text, or a few repeated bytes, is not a key: a value sealed
            // with it could be opened by guessing (each value names its key
            // by a short id, a fast check for a guess).
            Some(bytes) if bytes.len() == 32 && guessable(&bytes) => {
                if !old {
                    return Err(StoreError::new(format!(
                        "{variable} decodes to text or to a few repeated bytes, which can be guessed; it must be {HOW_TO_MAKE_ONE} (to move away from this key, set the new one and list this one in WRK_ZOOM_STORE_OLD_KEYS until every connection was written again)"
                    )));
                }
                tracing::warn!(
                    "{variable} decodes to text or to a few repeated bytes, which can be guessed; remove it once every connection was written again with WRK_ZOOM_STORE_KEY"
                );
                bytes
            }
            Some(bytes) if bytes.len() == 32 => bytes,
            Some(bytes) => {
                return Err(StoreError::new(format!(
                    "{variable} decodes to {} bytes, not 32; it must be {HOW_TO_MAKE_ONE}",
                    bytes.len()
                )));
            }
            None => {
                return Err(StoreError::new(format!(
                    "{variable} is neither base64 nor hex; it must be {HOW_TO_MAKE_ONE}"
                )));
            }
        };
        let digest = Sha256::new()
            .chain_update(b"wrk-zoom store key\0")
            .chain_update(&bytes)
            .finalize();
        Ok(Key {
            id: digest[..4].iter().map(|b| format!("{b:02x}")).collect(),
            cipher: XChaCha20Poly1305::new_from_slice(&bytes)
                .map_err(|_| StoreError::new(format!("{variable} is not a usable key")))?,
        })
    }
}

/// The operator's keys: the current one seals, every one opens.
pub struct Keys {
    current: Key,
    previous: Vec<Key>,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keys")
            .field("current", &self.current.id)
            .finish_non_exhaustive()
    }
}

impl Keys {
    /// `WRK_ZOOM_STORE_KEY`, and `WRK_ZOOM_STORE_OLD_KEYS` (comma-separated)
    /// after a rotation.
    pub fn from_env() -> Result<Keys, StoreError> {
        let current = std::env::var("WRK_ZOOM_STORE_KEY")
            .ok()
            .filter(|k| !k.trim().is_empty())
            .ok_or_else(|| {
                StoreError::new(format!(
                    "the PostgreSQL store encrypts client secrets and tokens: set WRK_ZOOM_STORE_KEY to {HOW_TO_MAKE_ONE} (the same key on every replica)"
                ))
            })?;
        let previous = std::env::var("WRK_ZOOM_STORE_OLD_KEYS").unwrap_or_default();
        let previous: Vec<&str> = previous
            .split(',')
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .collect();
        Keys::new(&current, &previous)
    }

    /// The current key and older ones (base64 or hex, 32 bytes each).
    pub fn new(current: &str, previous: &[&str]) -> Result<Keys, StoreError> {
        Ok(Keys {
            current: Key::parse(current, "WRK_ZOOM_STORE_KEY", false)?,
            previous: previous
                .iter()
                .map(|k| Key::parse(k, "a key in WRK_ZOOM_STORE_OLD_KEYS", true))
                .collect::<Result<_, _>>()?,
        })
    }

    /// The id of the key that seals (stored beside each value).
    pub fn current_id(&self) -> &str {
        &self.current.id
    }

    /// Whether one of these keys has id `key_id`.
    pub fn knows(&self, key_id: &str) -> bool {
        std::iter::once(&self.current)
            .chain(&self.previous)
            .any(|k| k.id == key_id)
    }

    /// Encrypts `plain` for `binding` with the current key, in `FORMAT`:
    /// nonce then ciphertext.
    pub fn seal(&self, binding: &Binding, plain: &[u8]) -> Result<Vec<u8>, StoreError> {
        let nonce: [u8; NONCE_LEN] = rand::random();
        let aad = binding.associated_data(FORMAT, &self.current.id);
        let sealed = self
            .current
            .cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plain,
                    aad: &aad,
                },
            )
            .map_err(|_| StoreError::new("cannot encrypt a secret"))?;
        Ok([nonce.as_slice(), &sealed].concat())
    }

    /// Decrypts what [`Keys::seal`] made for `binding` with the key
    /// `key_id`, in `format`.
    pub fn open(
        &self,
        binding: &Binding,
        format: i16,
        key_id: &str,
        sealed: &[u8],
    ) -> Result<Vec<u8>, StoreError> {
        let name = binding.name;
        if format != FORMAT_NAME_ONLY && format != FORMAT_BOUND {
            return Err(StoreError::new(format!(
                "the secrets of connection '{name}' are sealed in format {format}, which this wrk-zoom does not know: upgrade wrk-zoom, or log in again with `wrk-zoom auth login --connection {name}`"
            )));
        }
        let key = std::iter::once(&self.current)
            .chain(&self.previous)
            .find(|k| k.id == key_id)
            .ok_or_else(|| {
                StoreError::new(format!(
                    "the secrets of connection '{name}' were encrypted with another key (id {key_id}; WRK_ZOOM_STORE_KEY is {}): set WRK_ZOOM_STORE_KEY to the key the replicas use, or add the old one to WRK_ZOOM_STORE_OLD_KEYS",
                    self.current.id
                ))
            })?;
        let damaged = || {
            StoreError::new(format!(
                "the stored connection '{name}' is damaged: its secrets do not decrypt with what its row says (its columns were edited, or the secrets moved from another connection), so they are not used; log in again with `wrk-zoom auth login --connection {name}`"
            ))
        };
        if sealed.len() < NONCE_LEN {
            return Err(damaged());
        }
        let aad = binding.associated_data(format, key_id);
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        key.cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: &aad,
                },
            )
            .map_err(|_| damaged())
    }
}

/// What a connection's sealed secrets are bound to: its name and the
/// unsealed fields that decide where the secrets are sent.
pub struct Binding<'a> {
    /// The connection's name.
    pub name: &'a str,
    /// (label, value) in a fixed order; `None` for an absent field.
    pub fields: Vec<(&'static str, Option<&'a str>)>,
}

impl Binding<'_> {
    /// The associated data of `format`: the name alone (format 1), or a
    /// canonical encoding of a tag, the name, the key id and every field,
    /// each as label, NUL, presence byte, 4-byte big-endian length, value
    /// (unambiguous whatever the values hold).
    fn associated_data(&self, format: i16, key_id: &str) -> Vec<u8> {
        if format == FORMAT_NAME_ONLY {
            return self.name.as_bytes().to_vec();
        }
        let mut aad = format!("wrk-zoom sealed secrets, format {format}\0").into_bytes();
        let mut fields = vec![("name", Some(self.name)), ("key_id", Some(key_id))];
        fields.extend(self.fields.iter().copied());
        for (label, value) in fields {
            aad.extend_from_slice(label.as_bytes());
            aad.push(0);
            aad.push(u8::from(value.is_some()));
            let value = value.unwrap_or_default().as_bytes();
            aad.extend_from_slice(&u32::try_from(value.len()).unwrap_or(u32::MAX).to_be_bytes());
            aad.extend_from_slice(value);
        }
        aad
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    const OTHER: &str = "ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1eff";

    fn bound<'a>(name: &'a str, oauth_base: &'a str) -> Binding<'a> {
        Binding {
            name,
            fields: vec![("oauth_base", Some(oauth_base)), ("account_id", None)],
        }
    }

    #[test]
    fn a_sealed_secret_opens_only_for_its_connection_and_shows_no_plain_text() {
        let keys = Keys::new(KEY, &[]).unwrap();
        let sales = bound("sales", "https://zoom.us");
        let sealed = keys.seal(&sales, b"refresh-token-value").unwrap();
        assert!(
            !sealed.windows(b"refresh".len()).any(|w| w == b"refresh"),
            "the plain text shows"
        );
        let id = keys.current_id();
        assert_eq!(
            keys.open(&sales, FORMAT, id, &sealed).unwrap(),
            b"refresh-token-value"
        );
        let moved = keys
            .open(&bound("support", "https://zoom.us"), FORMAT, id, &sealed)
            .unwrap_err()
            .to_string();
        assert!(
            moved.contains("damaged")
                && moved.contains("'support'")
                && moved.contains("auth login"),
            "{moved}"
        );
        let mut altered = sealed.clone();
        *altered.last_mut().unwrap() ^= 1;
        assert!(keys.open(&sales, FORMAT, id, &altered).is_err());
        // Two seals of one value differ (a fresh nonce each).
        assert_ne!(sealed, keys.seal(&sales, b"refresh-token-value").unwrap());
    }

    #[test]
    fn an_edited_binding_or_format_does_not_open() {
        let keys = Keys::new(KEY, &[]).unwrap();
        let id = keys.current_id();
        let sealed = keys
            .seal(&bound("sales", "https://zoom.us"), b"secret")
            .unwrap();
        let redirected = bound("sales", "https://evil.example");
        let err = keys.open(&redirected, FORMAT, id, &sealed).unwrap_err();
        assert!(err.to_string().contains("damaged"), "{err}");
        // An absent field differs from an empty one.
        let mut emptied = bound("sales", "https://zoom.us");
        emptied.fields[1].1 = Some("");
        assert!(keys.open(&emptied, FORMAT, id, &sealed).is_err());
        // A bound value read as format 1 (the name alone) does not open.
        let sales = bound("sales", "https://zoom.us");
        assert!(keys.open(&sales, FORMAT_NAME_ONLY, id, &sealed).is_err());
        let unknown = keys.open(&sales, 7, id, &sealed).unwrap_err().to_string();
        assert!(
            unknown.contains("format 7") && unknown.contains("upgrade"),
            "{unknown}"
        );
    }

    #[test]
    fn a_value_of_format_1_opens_with_the_name_alone() {
        let keys = Keys::new(KEY, &[]).unwrap();
        let nonce = [7u8; NONCE_LEN];
        let old = keys
            .current
            .cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: b"secret",
                    aad: b"sales",
                },
            )
            .unwrap();
        let sealed = [nonce.as_slice(), &old].concat();
        let any = bound("sales", "https://evil.example");
        let id = keys.current_id();
        assert_eq!(
            keys.open(&any, FORMAT_NAME_ONLY, id, &sealed).unwrap(),
            b"secret"
        );
        assert!(keys.open(&any, FORMAT, id, &sealed).is_err());
    }

    #[test]
    fn a_wrong_key_is_named_and_an_old_key_still_opens() {
        let old = Keys::new(OTHER, &[]).unwrap();
        let sales = bound("sales", "https://zoom.us");
        let sealed = old.seal(&sales, b"secret").unwrap();
        let rotated = Keys::new(KEY, &[]).unwrap();
        let err = rotated
            .open(&sales, FORMAT, old.current_id(), &sealed)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("another key") && err.contains("WRK_ZOOM_STORE_OLD_KEYS"),
            "{err}"
        );
        let with_old = Keys::new(KEY, &[OTHER]).unwrap();
        assert_eq!(
            with_old
                .open(&sales, FORMAT, old.current_id(), &sealed)
                .unwrap(),
            b"secret"
        );
    }

    #[test]
    fn keys_that_are_not_32_bytes_are_refused_with_how_to_make_one() {
        for bad in ["short", "AAECAwQ=", &"ab".repeat(31)] {
            let err = Keys::new(bad, &[]).unwrap_err().to_string();
            assert!(
                err.contains("WRK_ZOOM_STORE_KEY") && err.contains("/dev/urandom"),
                "{err}"
            );
        }
        // Hex works as well as base64.
        assert!(Keys::new(OTHER, &[]).is_ok());
    }

    #[test]
    fn keys_that_can_be_guessed_are_refused_with_how_to_make_one() {
        use base64::Engine;
        let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
        for weak in [
            // base64 of 32 ASCII characters.
            b64(b"tests-only store key of 32 bytes"),
            b64(&[0u8; 32]),
            b64(&[1, 2, 3, 4].repeat(8)),
            "41".repeat(32),
        ] {
            let err = Keys::new(&weak, &[]).unwrap_err().to_string();
            assert!(
                err.contains("WRK_ZOOM_STORE_KEY") && err.contains("/dev/urandom"),
                "{weak}: {err}"
            );
            // As an old key it still opens what it sealed (to rotate away).
            let weak_keys = Keys {
                current: Key::parse(&weak, "test", true).unwrap(),
                previous: Vec::new(),
            };
            let sales = bound("sales", "https://zoom.us");
            let sealed = weak_keys.seal(&sales, b"secret").unwrap();
            let rotated = Keys::new(KEY, &[&weak]).unwrap();
            assert_eq!(
                rotated
                    .open(&sales, FORMAT, weak_keys.current_id(), &sealed)
                    .unwrap(),
                b"secret"
            );
        }
        let random: [u8; 32] = rand::random();
        assert!(Keys::new(&b64(&random), &[]).is_ok());
    }
}
