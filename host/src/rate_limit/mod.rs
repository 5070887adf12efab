//! Zoom's rate limits on the host side: pacing and the retry policy.
//!
//! Zoom's limits are per account, per rate category (Light, Medium, Heavy,
//! Resource-intensive), sized by plan, and either per second (per minute for
//! Resource-intensive) or per day; Zoom Phone endpoints have their own table.
//!
//! - `published`: [`Plan`], [`Table`], [`Rate`] and [`published_rate`],
//!   Zoom's published numbers;
//! - `pacer`: [`PacingConfig`] (which plan to pace for, per-category
//!   overrides) and [`Pacer`], the shared buckets of every account;
//! - `retry`: [`RetryPolicy`], how 429s, 5xx and connection failures are
//!   retried;
//! - `operations`: Zoom's label of every operation, for requests whose
//!   endpoint the action does not fix (`api-call`);
//! - `shared`: [`SharedPacing`], the seam for buckets shared by several
//!   processes (a shared store implements it);
//! - `response`: what a 429 says ([`RateLimitKind`], `Retry-After`, the
//!   daily-limit sentence).

mod operations;
mod pacer;
mod published;
mod response;
mod retry;
mod shared;

pub use operations::operation_of;
pub use pacer::{Account, Pacer, PacingConfig};
pub use published::{Plan, Rate, Table, category_name, parse_category, published_rate};
pub use response::{
    RateLimitKind, classify_429, daily_limit_description, daily_reset, parse_retry_after,
};
pub use retry::RetryPolicy;
pub use shared::{BucketId, KnownDailyLimit, SharedPacing, Slot};

/// Everything the host knows about Zoom's limits.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RateLimitConfig {
    /// Which per-second limits to pace to.
    pub pacing: PacingConfig,
    /// How failed requests are retried.
    pub retry: RetryPolicy,
}

impl RateLimitConfig {
    /// Pacing from the environment (`WRK_ZOOM_PLAN`), default retries.
    pub fn from_env() -> RateLimitConfig {
        RateLimitConfig {
            pacing: PacingConfig::from_env(),
            retry: RetryPolicy::default(),
        }
    }
}
