//! Zoom's rate limits on the host side: pacing and the retry policy.
//!
//! Zoom's limits are per account, per rate category (Light, Medium, Heavy,
//! Resource-intensive), sized by plan, and either per second (per minute for
//! Resource-intensive) or per day; Zoom Phone endpoints have their own table.
//! This module holds:
//!
//! - [`Plan`], [`Table`], [`Rate`] and [`published_rate`]: Zoom's published
//!   numbers;
//! - [`PacingConfig`]: which plan to pace for (and per-category overrides);
//! - [`Pacer`]: one [`Account`] per connection, each with one bucket per
//!   (table, category), shared by every concurrent call on that connection;
//! - [`RetryPolicy`]: how 429s, 5xx and connection failures are retried;
//! - the classification of a 429 ([`RateLimitKind`]) and the reset time of
//!   daily limits.
//!
//! A bucket holds `requests` tokens; a spent token comes back one window
//! (plus a small margin) after it was spent, so no window of that length
//! ever sees more than `requests` requests from this host. Callers reserve
//! their send time in arrival order (first come, first served) and sleep
//! until it; a per-second 429 from Zoom pauses the whole bucket for its
//! `Retry-After`.

use crate::model::RateCategory;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

/// The account's plan, which sizes the per-second limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Plan {
    Free,
    Pro,
    /// Business, Business Plus, Education, Enterprise and Partners.
    BusinessPlus,
}

impl std::str::FromStr for Plan {
    type Err = String;
    fn from_str(s: &str) -> Result<Plan, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "free" | "basic" => Ok(Plan::Free),
            "pro" => Ok(Plan::Pro),
            "business" | "business+" | "business-plus" | "businessplus" | "education"
            | "enterprise" | "partner" | "partners" => Ok(Plan::BusinessPlus),
            other => Err(format!(
                "unknown Zoom plan '{other}'; use free, pro or business (business, education, enterprise and partners share one table)"
            )),
        }
    }
}

/// Which of Zoom's rate-limit tables applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Table {
    /// Meetings, users, reports, recordings.
    Main,
    /// Zoom Phone endpoints (`/phone/...`).
    Phone,
}

impl Table {
    /// The table of an endpoint path such as `/phone/users` or `/v2/phone/users`.
    pub fn for_path(path: &str) -> Table {
        let path = path.trim_start_matches('/');
        let path = path.strip_prefix("v2/").unwrap_or(path);
        if path == "phone" || path.starts_with("phone/") {
            Table::Phone
        } else {
            Table::Main
        }
    }
}

/// At most `requests` requests in any window of length `per`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rate {
    pub requests: u32,
    pub per: Duration,
}

impl Rate {
    pub const fn per_second(requests: u32) -> Rate {
        Rate {
            requests,
            per: Duration::from_secs(1),
        }
    }
    pub const fn per_minute(requests: u32) -> Rate {
        Rate {
            requests,
            per: Duration::from_secs(60),
        }
    }
}

/// Zoom's published per-second (per-minute for Resource-intensive) limit.
///
/// Main table: Free 4/2/1/s and 10/min; Pro 30/20/10/s and 10/min;
/// Business+ 80/60/40/s and 20/min. Phone table: Pro 20/10/5/s and 5/min;
/// Business+ 40/20/10/s and 10/min (Zoom Phone needs a paid plan, so a
/// free account is paced like Pro there).
pub fn published_rate(plan: Plan, table: Table, category: RateCategory) -> Rate {
    use RateCategory::*;
    match (table, plan, category) {
        (Table::Main, Plan::Free, Light) => Rate::per_second(4),
        (Table::Main, Plan::Free, Medium) => Rate::per_second(2),
        (Table::Main, Plan::Free, Heavy) => Rate::per_second(1),
        (Table::Main, Plan::Free, ResourceIntensive) => Rate::per_minute(10),
        (Table::Main, Plan::Pro, Light) => Rate::per_second(30),
        (Table::Main, Plan::Pro, Medium) => Rate::per_second(20),
        (Table::Main, Plan::Pro, Heavy) => Rate::per_second(10),
        (Table::Main, Plan::Pro, ResourceIntensive) => Rate::per_minute(10),
        (Table::Main, Plan::BusinessPlus, Light) => Rate::per_second(80),
        (Table::Main, Plan::BusinessPlus, Medium) => Rate::per_second(60),
        (Table::Main, Plan::BusinessPlus, Heavy) => Rate::per_second(40),
        (Table::Main, Plan::BusinessPlus, ResourceIntensive) => Rate::per_minute(20),
        (Table::Phone, Plan::Free | Plan::Pro, Light) => Rate::per_second(20),
        (Table::Phone, Plan::Free | Plan::Pro, Medium) => Rate::per_second(10),
        (Table::Phone, Plan::Free | Plan::Pro, Heavy) => Rate::per_second(5),
        (Table::Phone, Plan::Free | Plan::Pro, ResourceIntensive) => Rate::per_minute(5),
        (Table::Phone, Plan::BusinessPlus, Light) => Rate::per_second(40),
        (Table::Phone, Plan::BusinessPlus, Medium) => Rate::per_second(20),
        (Table::Phone, Plan::BusinessPlus, Heavy) => Rate::per_second(10),
        (Table::Phone, Plan::BusinessPlus, ResourceIntensive) => Rate::per_minute(10),
    }
}

/// Parses a rate category as Zoom spells it (`X-RateLimit-Category`:
/// `Light`, `Medium`, `Heavy`, `Resource-intensive`) or as the host does.
pub fn parse_category(text: &str) -> Option<RateCategory> {
    let t: String = text
        .trim()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    match t.as_str() {
        "light" => Some(RateCategory::Light),
        "medium" => Some(RateCategory::Medium),
        "heavy" => Some(RateCategory::Heavy),
        "resourceintensive" => Some(RateCategory::ResourceIntensive),
        _ => None,
    }
}

/// Zoom's spelling of a category.
pub fn category_name(category: RateCategory) -> &'static str {
    match category {
        RateCategory::Light => "Light",
        RateCategory::Medium => "Medium",
        RateCategory::Heavy => "Heavy",
        RateCategory::ResourceIntensive => "Resource-intensive",
    }
}

/// Which per-second limits the host paces itself to.
#[derive(Clone, Debug, PartialEq)]
pub struct PacingConfig {
    /// Off: requests go out as fast as calls make them (429s are still retried).
    pub enabled: bool,
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
    pub fn from_env() -> PacingConfig {
        let mut config = PacingConfig::default();
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
}

/// How failed requests are retried.
#[derive(Clone, Debug, PartialEq)]
pub struct RetryPolicy {
    /// Tries per request, the first one included.
    pub max_attempts: u32,
    /// First backoff delay; it doubles on every retry...
    pub base_delay: Duration,
    /// ...up to this.
    pub max_delay: Duration,
    /// Total time one request may spend waiting between tries; a retry that
    /// would go past it is not made.
    pub max_total_wait: Duration,
    /// Time one try may take (connect, send, the whole answer).
    pub attempt_timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 6,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(8),
            max_total_wait: Duration::from_secs(60),
            attempt_timeout: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// The delay before retry number `retry` (1 = first retry): capped
    /// exponential backoff with jitter (uniform in the upper half).
    pub fn backoff(&self, retry: u32) -> Duration {
        let exp = self.base_delay.saturating_mul(
            1u32.checked_shl(retry.saturating_sub(1))
                .unwrap_or(u32::MAX),
        );
        let cap = exp.min(self.max_delay);
        let half = cap / 2;
        let jitter = cap.saturating_sub(half).as_micros() as u64;
        half + Duration::from_micros(if jitter == 0 {
            0
        } else {
            rand::random::<u64>() % (jitter + 1)
        })
    }
}

/// Everything the host knows about Zoom's limits.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RateLimitConfig {
    pub pacing: PacingConfig,
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

/// One (table, category) bucket: the send times of the last `requests`
/// requests (reserved in arrival order), and a pause after a 429.
#[derive(Debug)]
struct Bucket {
    rate: Rate,
    sent: VecDeque<Instant>,
    paused_until: Option<Instant>,
}

impl Bucket {
    /// Reserves the earliest send time at or after `now` that keeps every
    /// window of `rate.per + margin` at or under `rate.requests`.
    fn reserve(&mut self, now: Instant, margin: Duration) -> Instant {
        let window = self.rate.per + margin;
        let mut at = now;
        if let Some(p) = self.paused_until {
            if p > at {
                at = p;
            } else {
                self.paused_until = None;
            }
        }
        let cap = self.rate.requests.max(1) as usize;
        while self.sent.len() >= cap {
            let oldest = self.sent.pop_front().unwrap_or(now);
            if self.sent.len() < cap {
                at = at.max(oldest + window);
            }
        }
        // Reservations are handed out in order, so keep them sorted even if
        // a pause moved this one earlier than the last.
        if let Some(&last) = self.sent.back() {
            at = at.max(last);
        }
        self.sent.push_back(at);
        at
    }
}

/// The buckets of one connection (account), shared by its concurrent calls.
#[derive(Debug)]
pub struct Account {
    config: PacingConfig,
    buckets: Mutex<HashMap<(Table, RateCategory), Bucket>>,
    /// Categories Zoom reported (`X-RateLimit-Category`) that differ from an
    /// action's declared label, by action name.
    learned: Mutex<HashMap<String, RateCategory>>,
}

impl Account {
    fn new(config: PacingConfig) -> Account {
        Account {
            config,
            buckets: Mutex::new(HashMap::new()),
            learned: Mutex::new(HashMap::new()),
        }
    }

    /// Waits until a request in (`table`, `category`) may be sent.
    pub async fn acquire(&self, table: Table, category: RateCategory) {
        if !self.config.enabled {
            return;
        }
        let at = {
            let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
            let rate = self.config.rate(table, category);
            let bucket = buckets.entry((table, category)).or_insert_with(|| Bucket {
                rate,
                sent: VecDeque::new(),
                paused_until: None,
            });
            bucket.reserve(Instant::now(), self.config.margin)
        };
        tokio::time::sleep_until(at).await;
    }

    /// Holds every request of (`table`, `category`) back for `delay` (after
    /// a per-second 429).
    pub fn pause(&self, table: Table, category: RateCategory, delay: Duration) {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let rate = self.config.rate(table, category);
        let bucket = buckets.entry((table, category)).or_insert_with(|| Bucket {
            rate,
            sent: VecDeque::new(),
            paused_until: None,
        });
        let until = Instant::now() + delay;
        bucket.paused_until = Some(bucket.paused_until.map_or(until, |p| p.max(until)));
    }

    /// The category to pace `action` in: what Zoom last reported for it,
    /// else its declared label.
    pub fn category_of(&self, action: &str, declared: RateCategory) -> RateCategory {
        self.learned
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(action)
            .copied()
            .unwrap_or(declared)
    }

    /// Records the category Zoom reported for `action`.
    pub fn learn(&self, action: &str, declared: RateCategory, reported: RateCategory) {
        let mut learned = self.learned.lock().unwrap_or_else(|e| e.into_inner());
        if reported == declared {
            learned.remove(action);
        } else if learned.insert(action.to_string(), reported) != Some(reported) {
            tracing::debug!(
                action,
                declared = category_name(declared),
                reported = category_name(reported),
                "Zoom reports a different rate category; pacing with Zoom's"
            );
        }
    }
}

/// The accounts of a host: one [`Account`] per connection key.
#[derive(Debug)]
pub struct Pacer {
    config: RateLimitConfig,
    accounts: Mutex<HashMap<String, Arc<Account>>>,
}

impl Pacer {
    pub fn new(config: RateLimitConfig) -> Pacer {
        Pacer {
            config,
            accounts: Mutex::new(HashMap::new()),
        }
    }

    pub fn config(&self) -> &RateLimitConfig {
        &self.config
    }

    /// The shared buckets of the connection `key` (see [`account_key`]).
    pub fn account(&self, key: &str) -> Arc<Account> {
        self.accounts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(key.to_string())
            .or_insert_with(|| Arc::new(Account::new(self.config.pacing.clone())))
            .clone()
    }
}

/// The key of a connection's shared buckets: the API base and the account
/// (a stored connection's account or name), or, for a bare token, a hash of
/// the token (the token itself is never kept).
pub fn account_key(connection: &crate::host::ZoomConnection) -> String {
    let base = connection.api_base.trim_end_matches('/');
    match &connection.account {
        Some(account) => format!("{base}#account:{account}"),
        None => {
            use sha2::{Digest, Sha256};
            let digest = Sha256::digest(connection.access_token.as_bytes());
            let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
            format!("{base}#token:{hex}")
        }
    }
}

/// What a 429 means.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RateLimitKind {
    /// A per-second (or per-minute) limit: wait and retry.
    PerSecond,
    /// The account's daily limit of a category.
    Daily,
    /// Zoom's per-user daily cap on meeting creates and updates (100).
    MeetingDailyCap,
}

/// Classifies a 429 from its `X-RateLimit-Type` header and Zoom's message.
pub fn classify_429(limit_type: Option<&str>, message: &str) -> RateLimitKind {
    let lower = message.to_ascii_lowercase();
    if lower.contains("meeting create/update") {
        return RateLimitKind::MeetingDailyCap;
    }
    let daily_header = limit_type.is_some_and(|t| {
        let t = t.trim().to_ascii_lowercase();
        t.starts_with("daily") || t.contains("day")
    });
    if daily_header || lower.contains("daily rate limit") {
        RateLimitKind::Daily
    } else {
        RateLimitKind::PerSecond
    }
}

/// How long `Retry-After` asks to wait: seconds, or a date-time
/// (`2020-05-31T00:00:00Z`, as Zoom sends on daily limits, or an HTTP date).
pub fn parse_retry_after(value: &str, now_unix: i64) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs));
    }
    let at = crate::clock::parse_date_time(value)?;
    Some(Duration::from_secs(
        at.saturating_sub(now_unix).max(0) as u64
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_renewed_token_keeps_its_accounts_buckets() {
        let conn = |token: &str, account: Option<&str>| crate::host::ZoomConnection {
            access_token: token.into(),
            api_base: "https://api.zoom.us/v2/".into(),
            account: account.map(str::to_string),
        };
        assert_eq!(
            account_key(&conn("old", Some("acct-1"))),
            account_key(&conn("new", Some("acct-1")))
        );
        assert_ne!(
            account_key(&conn("t", Some("acct-1"))),
            account_key(&conn("t", Some("acct-2")))
        );
        assert_ne!(account_key(&conn("a", None)), account_key(&conn("b", None)));
        assert!(!account_key(&conn("secret-token", None)).contains("secret-token"));
    }

    #[test]
    fn published_numbers() {
        use RateCategory::*;
        assert_eq!(
            published_rate(Plan::Free, Table::Main, Light),
            Rate::per_second(4)
        );
        assert_eq!(
            published_rate(Plan::Pro, Table::Main, Medium),
            Rate::per_second(20)
        );
        assert_eq!(
            published_rate(Plan::BusinessPlus, Table::Main, ResourceIntensive),
            Rate::per_minute(20)
        );
        assert_eq!(
            published_rate(Plan::BusinessPlus, Table::Phone, Heavy),
            Rate::per_second(10)
        );
        assert_eq!(
            Table::for_path("/phone/users/me/call_history"),
            Table::Phone
        );
        assert_eq!(Table::for_path("/v2/phone/call_history"), Table::Phone);
        assert_eq!(Table::for_path("/users/me/meetings"), Table::Main);
        assert_eq!("Business".parse::<Plan>(), Ok(Plan::BusinessPlus));
        assert!("gold".parse::<Plan>().is_err());
    }

    #[test]
    fn categories_parse_as_zoom_spells_them() {
        assert_eq!(
            parse_category("Resource-intensive"),
            Some(RateCategory::ResourceIntensive)
        );
        assert_eq!(parse_category(" heavy "), Some(RateCategory::Heavy));
        assert_eq!(parse_category("QPS"), None);
    }

    #[test]
    fn classifies_429s() {
        assert_eq!(
            classify_429(Some("Daily-limit"), "whatever"),
            RateLimitKind::Daily
        );
        assert_eq!(
            classify_429(
                Some("QPS"),
                "You have reached the maximum per-second rate limit for this API. Try again later."
            ),
            RateLimitKind::PerSecond
        );
        assert_eq!(
            classify_429(
                None,
                "You have exceeded the daily rate limit (100) of Meeting Create/Update API requests permitted for this particular user."
            ),
            RateLimitKind::MeetingDailyCap
        );
        assert_eq!(classify_429(None, ""), RateLimitKind::PerSecond);
    }

    #[test]
    fn retry_after_in_seconds_and_dates() {
        assert_eq!(parse_retry_after("1", 0), Some(Duration::from_secs(1)));
        let now = crate::clock::parse_date_time("2020-05-30T23:59:00Z").unwrap();
        assert_eq!(
            parse_retry_after("2020-05-31T00:00:00Z", now),
            Some(Duration::from_secs(60))
        );
        assert_eq!(
            parse_retry_after("Sun, 31 May 2020 00:00:00 GMT", now),
            Some(Duration::from_secs(60))
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(crate::clock::format_utc(now + 60), "2020-05-31T00:00:00Z");
        assert_eq!(
            crate::clock::format_utc(crate::clock::next_utc_midnight(now)),
            "2020-05-31T00:00:00Z"
        );
    }

    #[test]
    fn backoff_is_capped_and_jittered() {
        let p = RetryPolicy::default();
        for retry in 1..40 {
            let d = p.backoff(retry);
            assert!(d <= p.max_delay, "{d:?}");
        }
        let first = p.backoff(1);
        assert!(first >= p.base_delay / 2 && first <= p.base_delay);
    }

    #[test]
    fn the_category_zoom_reports_replaces_the_declared_one() {
        let account = Account::new(PacingConfig::default());
        let declared = RateCategory::Light;
        assert_eq!(account.category_of("create-meeting", declared), declared);
        account.learn("create-meeting", declared, RateCategory::Medium);
        assert_eq!(
            account.category_of("create-meeting", declared),
            RateCategory::Medium
        );
        assert_eq!(account.category_of("retrieve-user", declared), declared);
        account.learn("create-meeting", declared, declared);
        assert_eq!(account.category_of("create-meeting", declared), declared);
    }

    #[test]
    fn a_bucket_never_lets_more_than_its_rate_through_in_a_window() {
        let mut bucket = Bucket {
            rate: Rate::per_second(5),
            sent: VecDeque::new(),
            paused_until: None,
        };
        let margin = Duration::from_millis(25);
        let start = Instant::now();
        // 23 callers arrive at once; each gets a send time in order.
        let times: Vec<Instant> = (0..23).map(|_| bucket.reserve(start, margin)).collect();
        assert!(
            times.windows(2).all(|w| w[0] <= w[1]),
            "first come, first served"
        );
        let window = Duration::from_secs(1) + margin;
        for (i, t) in times.iter().enumerate() {
            let in_window = times[i..].iter().take_while(|u| **u < *t + window).count();
            assert!(in_window <= 5, "{in_window} requests in one window");
        }
        assert_eq!(times[4], start, "the first five go at once");
        assert_eq!(times[5], start + window);
        assert_eq!(times[22], start + window * 4);
        // A pause after a 429 holds the next one back.
        bucket.paused_until = Some(times[22] + Duration::from_secs(30));
        let paused = bucket.reserve(start, margin);
        assert_eq!(paused, times[22] + Duration::from_secs(30));
    }
}
