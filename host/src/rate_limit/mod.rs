//! Zoom's rate limits on the host side: pacing and the retry policy.
//!
//! Zoom's limits are per account, per rate category (Light, Medium, Heavy,
//! Resource-intensive), sized by plan, and either per second (per minute for
//! Resource-intensive) or per day; Zoom Phone endpoints have their own table.
//!
//! - `published`: [`Plan`], [`Table`], [`Rate`] and [`published_rate`],
//!   Zoom's published numbers;
//! - `config`: [`RateLimitConfig`], [`PacingConfig`] (which plan to pace
//!   for, per-category overrides, from the environment at the edge);
//! - `pacer`: [`Pacer`], the shared buckets of every account;
//! - `retry`: [`RetryPolicy`], how 429s, 5xx and connection failures are
//!   retried;
//! - `operations`: Zoom's label of every operation, for requests whose
//!   endpoint the action does not fix (`api-call`);
//! - `shared`: [`SharedPacing`], the seam for buckets shared by several
//!   processes (a shared store implements it);
//! - `response`: what a 429 says ([`RateLimitKind`], `Retry-After`, the
//!   daily-limit sentence).

mod config;
mod operations;
mod pacer;
mod published;
mod response;
mod retry;
mod shared;

pub use config::{PacingConfig, RateLimitConfig};
pub use operations::operation_of;
pub use pacer::{Account, Pacer};
pub use published::{Plan, Rate, Table, category_name, parse_category, published_rate};
pub use response::{
    RateLimitKind, classify_429, daily_limit_description, daily_reset, parse_retry_after,
};
pub use retry::RetryPolicy;
pub use shared::{BucketId, KnownDailyLimit, SharedPacing, Slot};
