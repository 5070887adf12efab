//! Pacing: one [`Account`] per connection, each with one bucket per
//! (table, category), shared by every concurrent call on that connection.
//!
//! A bucket holds `requests` tokens; a spent token comes back one window
//! (plus a small margin) after it was spent, so no window of that length
//! ever sees more than `requests` requests from this host. Callers reserve
//! their send time in arrival order (first come, first served) and sleep
//! until it; a per-second 429 from Zoom pauses the whole bucket for its
//! `Retry-After`. A daily-limit 429 is remembered until its reset: later
//! requests in that bucket fail at once instead of asking Zoom again.
//!
//! With a shared store ([`SharedPacing`]) the buckets live there instead,
//! shared by every process on the store; if the store cannot be reached,
//! a process paces itself alone (and says so) rather than fail calls.

use super::config::{PacingConfig, RateLimitConfig};
use super::published::{Rate, Table, category_name};
use super::shared::{BucketId, KnownDailyLimit, SharedPacing, Slot};
use crate::model::RateCategory;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

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

    /// Gives back a reservation that was never used.
    fn release(&mut self, at: Instant) {
        if let Some(i) = self.sent.iter().rposition(|t| *t == at) {
            self.sent.remove(i);
        }
    }
}

/// The buckets of one connection (account), shared by its concurrent calls.
#[derive(Debug)]
pub struct Account {
    /// The connection's rate-limit key.
    key: String,
    config: PacingConfig,
    /// Buckets shared with other processes, when there is a shared store.
    shared: Option<Arc<dyn SharedPacing>>,
    buckets: Mutex<HashMap<(Table, RateCategory), Bucket>>,
    /// Daily limits used up, until their reset.
    daily: Mutex<HashMap<(Table, RateCategory), KnownDailyLimit>>,
    /// Categories Zoom reported (`X-RateLimit-Category`) that differ from the
    /// declared label, by operation path template.
    learned: Mutex<HashMap<String, RateCategory>>,
}

impl Account {
    fn new(key: &str, config: PacingConfig, shared: Option<Arc<dyn SharedPacing>>) -> Account {
        Account {
            key: key.to_string(),
            config,
            shared,
            buckets: Mutex::new(HashMap::new()),
            daily: Mutex::new(HashMap::new()),
            learned: Mutex::new(HashMap::new()),
        }
    }

    fn bucket_id(&self, table: Table, category: RateCategory) -> BucketId {
        BucketId {
            account: self.key.clone(),
            bucket: format!(
                "{}/{}",
                table.name(),
                category_name(category).to_ascii_lowercase()
            ),
        }
    }

    /// Waits until a request in (`table`, `category`) may be sent, or
    /// returns the daily limit known to be used up for it.
    pub async fn acquire(
        &self,
        table: Table,
        category: RateCategory,
    ) -> Result<(), KnownDailyLimit> {
        if let Some(known) = self.known_daily_limit(table, category) {
            return Err(known);
        }
        if let Some(shared) = &self.shared {
            let id = self.bucket_id(table, category);
            let spacing = self.config.spacing(table, category);
            // Taken in a task of its own: a wait dropped while the store
            // answers still gives back the slot it was granted.
            let taking = tokio::spawn({
                let (shared, id) = (shared.clone(), id.clone());
                async move { shared.take_slot(&id, spacing).await }
            });
            let mut reservation = SharedReservation {
                shared: shared.clone(),
                id,
                spacing,
                state: SlotState::Taking(taking),
            };
            match reservation.taken().await {
                Ok(Slot::DailyLimit(known)) => {
                    self.remember_daily_limit(table, category, known.clone());
                    return Err(known);
                }
                Ok(Slot::Granted { wait, token }) => {
                    reservation.state = SlotState::Granted(token);
                    tokio::time::sleep(wait).await;
                    // Used: nothing to give back (dropped normally, so its
                    // Arc and strings are freed).
                    reservation.state = SlotState::Done;
                    return Ok(());
                }
                Err(e) => tracing::warn!(
                    account = %self.key,
                    "the shared rate limits cannot be reached ({e}); pacing this process alone"
                ),
            }
        }
        if !self.config.enabled {
            return Ok(());
        }
        let at = self.with_bucket(table, category, |bucket| {
            bucket.reserve(Instant::now(), self.config.margin)
        });
        // A wait dropped before its time (its call ended or timed out) gives
        // the slot back: a request that never went out must not hold back
        // the ones after it.
        let reservation = Reservation {
            account: self,
            table,
            category,
            at,
        };
        tokio::time::sleep_until(at).await;
        std::mem::forget(reservation);
        Ok(())
    }

    /// Holds every request of (`table`, `category`) back for `delay` (after
    /// a per-second 429).
    pub async fn pause(&self, table: Table, category: RateCategory, delay: Duration) {
        let until = Instant::now() + delay;
        self.with_bucket(table, category, |bucket| {
            bucket.paused_until = Some(bucket.paused_until.map_or(until, |p| p.max(until)));
        });
        if let Some(shared) = &self.shared
            && let Err(e) = shared.pause(&self.bucket_id(table, category), delay).await
        {
            tracing::warn!(account = %self.key, "cannot share a rate-limit pause: {e}");
        }
    }

    /// Records that the daily limit of (`table`, `category`) is used up
    /// until `known.resets_at`: later requests fail at once (in every
    /// process on a shared store).
    pub async fn record_daily_limit(
        &self,
        table: Table,
        category: RateCategory,
        known: KnownDailyLimit,
    ) {
        self.remember_daily_limit(table, category, known.clone());
        if let Some(shared) = &self.shared
            && let Err(e) = shared
                .record_daily_limit(&self.bucket_id(table, category), &known)
                .await
        {
            tracing::warn!(account = %self.key, "cannot share a used-up daily limit: {e}");
        }
    }

    fn remember_daily_limit(&self, table: Table, category: RateCategory, known: KnownDailyLimit) {
        self.daily
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert((table, category), known);
    }

    /// The daily limit of (`table`, `category`) this process knows to be
    /// used up, until its reset.
    fn known_daily_limit(&self, table: Table, category: RateCategory) -> Option<KnownDailyLimit> {
        let mut daily = self.daily.lock().unwrap_or_else(|e| e.into_inner());
        let known = daily.get(&(table, category))?;
        if known.resets_at > crate::clock::now_secs() {
            return Some(known.clone());
        }
        daily.remove(&(table, category));
        None
    }

    /// Runs `f` on the bucket of (`table`, `category`), made on first use.
    fn with_bucket<T>(
        &self,
        table: Table,
        category: RateCategory,
        f: impl FnOnce(&mut Bucket) -> T,
    ) -> T {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let rate = self.config.rate(table, category);
        f(buckets.entry((table, category)).or_insert_with(|| Bucket {
            rate,
            sent: VecDeque::new(),
            paused_until: None,
        }))
    }

    /// Whether nothing of this account is pending at `now`: no send within
    /// a window, no pause and no daily limit still in force. Forgetting
    /// such an account changes no pacing decision.
    fn is_settled(&self, now: Instant) -> bool {
        let margin = self.config.margin;
        let buckets_settled = self
            .buckets
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .all(|b| {
                b.paused_until.is_none_or(|p| p <= now)
                    && b.sent
                        .back()
                        .is_none_or(|last| *last + b.rate.per + margin <= now)
            });
        let today = crate::clock::now_secs();
        buckets_settled
            && self
                .daily
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .values()
                .all(|d| d.resets_at <= today)
    }

    /// The category to pace the operation `key` (its path template) in:
    /// what Zoom last reported for it, else its declared label.
    pub fn category_of(&self, key: &str, declared: RateCategory) -> RateCategory {
        self.learned
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)
            .copied()
            .unwrap_or(declared)
    }

    /// Records the category Zoom reported for the operation `key`.
    pub fn learn(&self, key: &str, declared: RateCategory, reported: RateCategory) {
        let mut learned = self.learned.lock().unwrap_or_else(|e| e.into_inner());
        if reported == declared {
            learned.remove(key);
        } else if learned.insert(key.to_string(), reported) != Some(reported) {
            tracing::debug!(
                operation = key,
                declared = category_name(declared),
                reported = category_name(reported),
                "Zoom reports a different rate category; pacing with Zoom's"
            );
        }
    }
}

/// Where a wait for a shared slot is.
enum SlotState {
    /// The store is taking the slot.
    Taking(tokio::task::JoinHandle<Result<Slot, crate::error::StoreError>>),
    /// Granted (this token), its time not reached yet.
    Granted(i64),
    /// Used, refused, or nothing to give back.
    Done,
}

/// A slot of a shared bucket being taken or not yet reached: given back
/// when dropped before its time (once taken, if it was still being taken).
struct SharedReservation {
    shared: Arc<dyn SharedPacing>,
    id: BucketId,
    spacing: Duration,
    state: SlotState,
}

impl SharedReservation {
    /// The slot being taken, once the store has answered (from then on,
    /// nothing to give back unless it is granted).
    async fn taken(&mut self) -> Result<Slot, String> {
        let SlotState::Taking(taking) = &mut self.state else {
            return Err("no slot is being taken".into());
        };
        let taken = taking.await;
        self.state = SlotState::Done;
        match taken {
            Ok(result) => result.map_err(|e| e.to_string()),
            Err(e) => Err(format!("the task taking the slot failed: {e}")),
        }
    }
}

impl Drop for SharedReservation {
    fn drop(&mut self) {
        let state = std::mem::replace(&mut self.state, SlotState::Done);
        if matches!(state, SlotState::Done) {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let (shared, id, spacing) = (self.shared.clone(), self.id.clone(), self.spacing);
        runtime.spawn(async move {
            let token = match state {
                SlotState::Granted(token) => token,
                SlotState::Taking(taking) => match taking.await {
                    Ok(Ok(Slot::Granted { token, .. })) => token,
                    _ => return,
                },
                SlotState::Done => return,
            };
            if let Err(e) = shared.give_back(&id, spacing, token).await {
                tracing::debug!("cannot give back an unused rate-limit slot: {e}");
            }
        });
    }
}

/// A reserved send time not yet reached; released when dropped.
struct Reservation<'a> {
    account: &'a Account,
    table: Table,
    category: RateCategory,
    at: Instant,
}

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        let at = self.at;
        self.account
            .with_bucket(self.table, self.category, |bucket| bucket.release(at));
    }
}

/// An account unused this long, with nothing pending, is forgotten (each
/// bare token has an account of its own, so they would pile up).
const IDLE_ACCOUNT: Duration = Duration::from_secs(10 * 60);
/// Past this many accounts, every one with nothing pending is forgotten,
/// however recently used.
const MAX_ACCOUNTS: usize = 10_000;
/// How often the accounts are swept (and at most once a second when
/// there are too many).
const SWEEP_EVERY: Duration = Duration::from_secs(60);
/// How often a shared store is asked to forget its idle buckets.
const SHARED_SWEEP_EVERY: Duration = Duration::from_secs(60 * 60);

/// The accounts, each with when it was last asked for.
#[derive(Debug)]
struct Accounts {
    by_key: HashMap<String, (Arc<Account>, Instant)>,
    last_sweep: Instant,
    last_shared_sweep: Option<Instant>,
}

impl Accounts {
    /// Forgets every account not in use by a call, unused for `idle`, and
    /// with nothing pending at `now`.
    fn sweep(&mut self, now: Instant, idle: Duration) {
        self.last_sweep = now;
        self.by_key.retain(|_, (account, used)| {
            Arc::strong_count(account) > 1
                || now.saturating_duration_since(*used) < idle
                || !account.is_settled(now)
        });
    }
}

/// The accounts of a host: one [`Account`] per connection key.
#[derive(Debug)]
pub struct Pacer {
    config: RateLimitConfig,
    shared: Option<Arc<dyn SharedPacing>>,
    accounts: Mutex<Accounts>,
}

impl Pacer {
    /// Accounts paced and retried by `config`.
    pub fn new(config: RateLimitConfig) -> Pacer {
        Pacer {
            config,
            shared: None,
            accounts: Mutex::new(Accounts {
                by_key: HashMap::new(),
                last_sweep: Instant::now(),
                last_shared_sweep: None,
            }),
        }
    }

    /// The same, with buckets and daily limits shared through `shared`.
    pub fn with_shared(mut self, shared: Arc<dyn SharedPacing>) -> Pacer {
        self.shared = Some(shared);
        self
    }

    /// The configuration in use.
    pub fn config(&self) -> &RateLimitConfig {
        &self.config
    }

    /// The shared buckets of the connection `key` (see
    /// [`ZoomConnection::rate_limit_key`](crate::ZoomConnection::rate_limit_key)).
    pub fn account(&self, key: &str) -> Arc<Account> {
        let now = Instant::now();
        let mut accounts = self.accounts.lock().unwrap_or_else(|e| e.into_inner());
        let since = now.saturating_duration_since(accounts.last_sweep);
        if since >= SWEEP_EVERY {
            accounts.sweep(now, IDLE_ACCOUNT);
            self.sweep_shared(&mut accounts, now);
        } else if accounts.by_key.len() >= MAX_ACCOUNTS && since >= Duration::from_secs(1) {
            accounts.sweep(now, Duration::ZERO);
        }
        let (account, used) = accounts.by_key.entry(key.to_string()).or_insert_with(|| {
            let account = Account::new(key, self.config.pacing.clone(), self.shared.clone());
            (Arc::new(account), now)
        });
        *used = now;
        account.clone()
    }

    /// Asks the shared store, at most once every [`SHARED_SWEEP_EVERY`], to
    /// forget buckets idle for a day (in the background).
    fn sweep_shared(&self, accounts: &mut Accounts, now: Instant) {
        let Some(shared) = &self.shared else {
            return;
        };
        if accounts
            .last_shared_sweep
            .is_some_and(|last| now.saturating_duration_since(last) < SHARED_SWEEP_EVERY)
        {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        accounts.last_shared_sweep = Some(now);
        let shared = shared.clone();
        runtime.spawn(async move {
            match shared.forget_idle().await {
                Ok(0) => {}
                Ok(n) => tracing::debug!("forgot {n} idle shared rate-limit buckets"),
                Err(e) => tracing::debug!("cannot forget idle shared rate-limit buckets: {e}"),
            }
        });
    }

    #[cfg(test)]
    fn account_count(&self) -> usize {
        self.accounts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .by_key
            .len()
    }

    #[cfg(test)]
    fn sweep_at(&self, now: Instant, idle: Duration) {
        self.accounts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .sweep(now, idle);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_category_zoom_reports_replaces_the_declared_one() {
        let account = Account::new("test", PacingConfig::default(), None);
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

    #[tokio::test]
    async fn waits_dropped_before_their_time_give_their_slots_back() {
        let account = Account::new("test", PacingConfig::default(), None);
        let (table, category) = (Table::Main, RateCategory::Medium);
        // 1,000 calls reserve a slot each (20/s: minutes ahead), then end.
        for _ in 0..1_000 {
            let wait = account.acquire(table, category);
            let _ = tokio::time::timeout(Duration::ZERO, wait).await;
        }
        // Only slots whose time had come (at most one window's worth) stay.
        let left = account.with_bucket(table, category, |bucket| bucket.sent.len());
        assert!(left <= 20, "{left} reservations outlived their waits");
        let now = Instant::now();
        let next = account.with_bucket(table, category, |bucket| {
            bucket.reserve(now, Duration::ZERO)
        });
        assert!(
            next <= now + Duration::from_secs(1),
            "the next request waits at most one window, not {:?}",
            next - now
        );
    }

    #[tokio::test]
    async fn idle_accounts_are_forgotten_unless_something_is_pending() {
        let pacer = Pacer::new(RateLimitConfig::default());
        let (table, category) = (Table::Main, RateCategory::Light);
        // Bare tokens: one account each, used once.
        for i in 0..100 {
            pacer
                .account(&format!("https://api.zoom.us/v2#token:{i}"))
                .acquire(table, category)
                .await
                .unwrap();
        }
        // One whose daily limit is used up for a while yet.
        pacer
            .account("https://api.zoom.us/v2#token:daily")
            .record_daily_limit(
                table,
                category,
                KnownDailyLimit {
                    resets_at: crate::clock::now_secs() + 3_600,
                    limit: "daily".into(),
                    message: "used up".into(),
                },
            )
            .await;
        // One a call still holds.
        let held = pacer.account("https://api.zoom.us/v2#token:held");
        assert_eq!(pacer.account_count(), 102);

        // Recently used: kept.
        pacer.sweep_at(Instant::now(), IDLE_ACCOUNT);
        assert_eq!(pacer.account_count(), 102);
        // Idle for longer than IDLE_ACCOUNT: only what is pending or held stays.
        pacer.sweep_at(
            Instant::now() + IDLE_ACCOUNT + Duration::from_secs(1),
            IDLE_ACCOUNT,
        );
        assert_eq!(pacer.account_count(), 2);
        let daily = pacer.account("https://api.zoom.us/v2#token:daily");
        assert!(
            daily.acquire(table, category).await.is_err(),
            "the limit is still known"
        );
        drop((held, daily));
    }

    #[tokio::test]
    async fn too_many_accounts_are_swept_whatever_their_age() {
        let pacer = Pacer::new(RateLimitConfig::default());
        for i in 0..MAX_ACCOUNTS + 10 {
            pacer.account(&format!("https://api.zoom.us/v2#token:{i}"));
        }
        // Past the bound, a sweep (at most once a second) keeps nothing idle.
        pacer.accounts.lock().unwrap().last_sweep = Instant::now() - Duration::from_secs(2);
        pacer.account("https://api.zoom.us/v2#token:next");
        assert_eq!(pacer.account_count(), 1);
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
