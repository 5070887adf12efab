//! Token pagination the way Zoom does it.
//!
//! * `page_size`: default 30, capped at the endpoint maximum; non-numeric or
//!   `< 1` is a 400 code 300 validation error.
//! * `next_page_token`: opaque; it binds the list it came from (a list id
//!   that includes the path and the filters), the offset, when it was issued
//!   and a random salt, all under a MAC keyed by a per-simulator secret. A
//!   token from another list, a forged one, or one older than
//!   [`crate::SimConfig::page_token_ttl`] → 400 code 300 "The next page token
//!   is invalid or expired.". The last page carries `""`.
//! * `page_number` (only where the endpoint has it) is honoured when no token
//!   is given.

use crate::errors::ApiError;
use crate::routes::Query;
use crate::time::now_millis;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use std::time::Duration;

/// Default `page_size` when the query has none.
pub const DEFAULT_PAGE_SIZE: usize = 30;
/// Maximum `page_size` for most lists.
pub const MAX_PAGE_SIZE: usize = 300;
/// Maximum `page_size` for `GET /phone/users`.
pub const PHONE_USERS_MAX_PAGE_SIZE: usize = 100;

/// Issues and redeems page tokens.
pub struct Pager {
    secret: [u8; 32],
    ttl: Duration,
}

/// Where one page starts and how long it is.
#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    pub page_size: usize,
    pub offset: usize,
    /// 1-based page number (derived from the offset).
    pub page_number: usize,
}

/// One page of a list plus the paging fields Zoom returns.
#[derive(Debug, Clone)]
pub struct PageOut<T> {
    pub items: Vec<T>,
    pub next_page_token: String,
    pub page_size: usize,
    pub page_number: usize,
    pub total_records: usize,
    pub page_count: usize,
}

const TOKEN_LEN: usize = 4 + 8 + 4 + 12;

impl Pager {
    /// A pager with a random secret.
    pub fn new(ttl: Duration) -> Self {
        Pager {
            secret: rand::random(),
            ttl,
        }
    }

    fn mac(&self, list_id: &str, offset: u32, issued: u64, salt: u32) -> [u8; 12] {
        let mut h = Sha256::new();
        h.update(self.secret);
        h.update((list_id.len() as u64).to_be_bytes());
        h.update(list_id.as_bytes());
        h.update(offset.to_be_bytes());
        h.update(issued.to_be_bytes());
        h.update(salt.to_be_bytes());
        let digest = h.finalize();
        let mut out = [0u8; 12];
        out.copy_from_slice(&digest[..12]);
        out
    }

    /// A token that resumes `list_id` at `offset`.
    pub fn issue(&self, list_id: &str, offset: usize) -> String {
        let offset = offset as u32;
        let issued = now_millis();
        let salt: u32 = rand::random();
        let mut bytes = Vec::with_capacity(TOKEN_LEN);
        bytes.extend_from_slice(&offset.to_be_bytes());
        bytes.extend_from_slice(&issued.to_be_bytes());
        bytes.extend_from_slice(&salt.to_be_bytes());
        bytes.extend_from_slice(&self.mac(list_id, offset, issued, salt));
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// The offset a token resumes at, if it is valid for `list_id` and fresh.
    pub fn redeem(&self, list_id: &str, token: &str) -> Result<usize, ApiError> {
        let bytes = URL_SAFE_NO_PAD
            .decode(token.trim())
            .map_err(|_| ApiError::invalid_page_token())?;
        if bytes.len() != TOKEN_LEN {
            return Err(ApiError::invalid_page_token());
        }
        let offset = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        let mut issued_b = [0u8; 8];
        issued_b.copy_from_slice(&bytes[4..12]);
        let issued = u64::from_be_bytes(issued_b);
        let salt = u32::from_be_bytes([bytes[12], bytes[13], bytes[14], bytes[15]]);
        if self.mac(list_id, offset, issued, salt)[..] != bytes[16..] {
            return Err(ApiError::invalid_page_token());
        }
        let age = now_millis().saturating_sub(issued);
        if u128::from(age) > self.ttl.as_millis() {
            return Err(ApiError::invalid_page_token());
        }
        Ok(offset as usize)
    }

    /// Reads `page_size` / `next_page_token` (and `page_number` when
    /// `allow_page_number`) from the query.
    pub fn request(
        &self,
        query: &Query,
        list_id: &str,
        max_page_size: usize,
        allow_page_number: bool,
    ) -> Result<PageRequest, ApiError> {
        let page_size = parse_page_size(query.get("page_size"), max_page_size)?;
        let token = query.get("next_page_token").unwrap_or("");
        let offset = if !token.is_empty() {
            self.redeem(list_id, token)?
        } else if allow_page_number {
            match query.get("page_number") {
                None | Some("") => 0,
                Some(raw) => match raw.trim().parse::<usize>() {
                    Ok(n) if n >= 1 => (n - 1).saturating_mul(page_size),
                    _ => {
                        return Err(ApiError::validation(
                            "page_number",
                            "must be greater than or equal to 1",
                        ));
                    }
                },
            }
        } else {
            0
        };
        Ok(PageRequest {
            page_size,
            offset,
            page_number: offset / page_size + 1,
        })
    }

    /// Cuts one page out of `items`.
    pub fn page<T: Clone>(&self, list_id: &str, req: PageRequest, items: &[T]) -> PageOut<T> {
        let total = items.len();
        let start = req.offset.min(total);
        let end = start.saturating_add(req.page_size).min(total);
        let next_page_token = if end < total {
            self.issue(list_id, end)
        } else {
            String::new()
        };
        PageOut {
            items: items[start..end].to_vec(),
            next_page_token,
            page_size: req.page_size,
            page_number: req.page_number,
            total_records: total,
            page_count: total.div_ceil(req.page_size),
        }
    }
}

/// `page_size`: absent → 30; not a number or `< 1` → 400 code 300; above the
/// maximum → the maximum.
pub fn parse_page_size(raw: Option<&str>, max: usize) -> Result<usize, ApiError> {
    match raw {
        None => Ok(DEFAULT_PAGE_SIZE.min(max)),
        Some(raw) => match raw.trim().parse::<i64>() {
            Ok(n) if n >= 1 => Ok((n as usize).min(max)),
            Ok(_) => Err(ApiError::validation(
                "page_size",
                "must be greater than or equal to 1",
            )),
            Err(_) => Err(ApiError::validation(
                "page_size",
                &format!("Invalid field value: {raw}"),
            )),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_bind_their_list_and_expire() {
        let p = Pager::new(Duration::from_secs(60));
        let t = p.issue("a", 30);
        assert_eq!(p.redeem("a", &t).unwrap(), 30);
        assert!(p.redeem("b", &t).is_err());
        assert!(p.redeem("a", "garbage").is_err());
        let p0 = Pager {
            secret: p.secret,
            ttl: Duration::ZERO,
        };
        std::thread::sleep(Duration::from_millis(5));
        assert!(p0.redeem("a", &t).is_err());
    }
}
