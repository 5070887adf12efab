//! What the host keeps to: the plan and rates it paces for, and how it
//! retries ([`RateLimitConfig`]).

use super::published::{Plan, Rate, Table, published_rate};
use super::retry::RetryPolicy;
use crate::model::RateCategory;
use std::collections::HashMap;
use std::time::Duration;

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

/// Which per-second limits the host paces itself to.
#[derive(Clone, Debug, PartialEq)]
pub struct PacingConfig {
    /// Off: requests go out as fast as calls make them (429s are still retried).
    pub enabled: bool,
    /// The plan whose published rates apply.
    pub plan: Plan,
    /// Replaces the published rate of a (table, category).
    pub overrides: HashMap<(Table, RateCategory), Rate>,
    /// Added to every window, to absorb timing jitter between this host and
    /// Zoom's counters.
    pub margin: Duration,
}

impl Default for PacingConfig {
    /// Pro plan (the smallest paid plan), 25 ms margin.
    fn default() -> Self {
        PacingConfig {
            enabled: true,
            plan: Plan::Pro,
            overrides: HashMap::new(),
            margin: Duration::from_millis(25),
        }
    }
}

impl PacingConfig {
    /// Pacing for `plan`'s published numbers.
    pub fn for_plan(plan: Plan) -> PacingConfig {
        PacingConfig {
            plan,
            ..PacingConfig::default()
        }
    }

    /// The default, with the plan from `WRK_ZOOM_PLAN` (free, pro, business)
    /// when it is set and valid (an invalid value is logged and ignored).
    /// `WRK_ZOOM_PACING=off` turns pacing off (for a server that is not
    /// Zoom, e.g. benchmarks against the simulator); 429s are still retried.
    /// `WRK_ZOOM_PACING_MARGIN_MS` widens each window (default 25), for a
    /// network whose delays vary more than that.
    pub fn from_env() -> PacingConfig {
        let mut config = PacingConfig::default();
        if let Ok(text) = std::env::var("WRK_ZOOM_PACING_MARGIN_MS") {
            match text.trim().parse::<u64>() {
                Ok(ms) if ms <= 10_000 => config.margin = Duration::from_millis(ms),
                _ => tracing::warn!(
                    "WRK_ZOOM_PACING_MARGIN_MS={text:?} is not a number of milliseconds up to 10000; using {} ms",
                    config.margin.as_millis()
                ),
            }
        }
        if std::env::var("WRK_ZOOM_PACING").is_ok_and(|v| v.eq_ignore_ascii_case("off")) {
            tracing::warn!("WRK_ZOOM_PACING=off: requests are not paced to Zoom's rate limits");
            config.enabled = false;
        }
        if let Ok(text) = std::env::var("WRK_ZOOM_PLAN") {
            match text.parse() {
                Ok(plan) => config.plan = plan,
                Err(e) => tracing::warn!("WRK_ZOOM_PLAN: {e}; pacing for the pro plan"),
            }
        }
        config
    }

    /// Sets one (table, category)'s rate.
    pub fn with_rate(mut self, table: Table, category: RateCategory, rate: Rate) -> Self {
        self.overrides.insert((table, category), rate);
        self
    }

    /// The rate the host keeps to for a (table, category).
    pub fn rate(&self, table: Table, category: RateCategory) -> Rate {
        self.overrides
            .get(&(table, category))
            .copied()
            .unwrap_or_else(|| published_rate(self.plan, table, category))
    }

    /// The time between two requests of a shared bucket: its window (plus
    /// the margin) over its requests; zero when pacing is off.
    pub fn spacing(&self, table: Table, category: RateCategory) -> Duration {
        if !self.enabled {
            return Duration::ZERO;
        }
        let rate = self.rate(table, category);
        (rate.per + self.margin) / rate.requests.max(1)
    }
}
