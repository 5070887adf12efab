//! Rate limits in PostgreSQL (see [`SharedPacing`]): every statement is one
//! atomic step on one row, timed by the database's clock, so replicas with
//! skewed clocks still agree.

use super::{Postgres, error};
use crate::error::StoreError;
use crate::rate_limit::{BucketId, KnownDailyLimit, SharedPacing, Slot};
use async_trait::async_trait;
use std::time::Duration;

/// Takes the next slot, unless the daily limit is used up: the earliest
/// slot given back that is still ahead (`returned_us`), else a new one at
/// the later of `next_allowed_us` and now (which moves one spacing on).
/// Either way a slot of the original schedule, so slots stay a spacing
/// apart. Returns how long to wait, the slot's start (`slot_us`, its
/// token), and the daily limit, if any. Returned slots already past are
/// dropped.
const TAKE_SLOT: &str = "
WITH clock AS (SELECT (extract(epoch FROM clock_timestamp()) * 1000000)::bigint AS now_us)
INSERT INTO wrk_zoom.wrk_zoom_rate_limits AS r (account, bucket, next_allowed_us, slot_us)
SELECT $1, $2, clock.now_us + $3, clock.now_us FROM clock
ON CONFLICT (account, bucket) DO UPDATE SET
    slot_us = CASE WHEN r.daily_resets_at * 1000000 > (SELECT now_us FROM clock)
        THEN r.slot_us
        ELSE coalesce(
            (SELECT min(x) FROM unnest(r.returned_us) x WHERE x > (SELECT now_us FROM clock)),
            greatest(r.next_allowed_us, (SELECT now_us FROM clock)))
    END,
    next_allowed_us = CASE
        WHEN r.daily_resets_at * 1000000 > (SELECT now_us FROM clock)
            OR EXISTS (SELECT 1 FROM unnest(r.returned_us) x WHERE x > (SELECT now_us FROM clock))
        THEN r.next_allowed_us
        ELSE greatest(r.next_allowed_us, (SELECT now_us FROM clock)) + $3
    END,
    returned_us = CASE WHEN r.daily_resets_at * 1000000 > (SELECT now_us FROM clock)
        THEN r.returned_us
        ELSE array(SELECT x FROM unnest(r.returned_us) x WHERE x > (SELECT now_us FROM clock)
                   ORDER BY x OFFSET 1)
    END
RETURNING r.slot_us - (SELECT now_us FROM clock),
    r.slot_us,
    r.daily_resets_at * 1000000 > (SELECT now_us FROM clock),
    r.daily_resets_at, r.daily_limit, r.daily_message";

/// Gives back the slot starting at `$4`: the newest one moves
/// `next_allowed_us` back to it; any other still ahead joins `returned_us`
/// for the next taker (one already past is gone). One atomic step, so it
/// holds whichever replica gives back or takes at the same time.
const GIVE_BACK: &str = "
WITH clock AS (SELECT (extract(epoch FROM clock_timestamp()) * 1000000)::bigint AS now_us)
UPDATE wrk_zoom.wrk_zoom_rate_limits SET
    next_allowed_us = CASE WHEN next_allowed_us = $4::bigint + $3::bigint
        THEN $4::bigint ELSE next_allowed_us END,
    returned_us = CASE
        WHEN next_allowed_us = $4::bigint + $3::bigint OR $4::bigint <= (SELECT now_us FROM clock)
        THEN returned_us
        ELSE array(SELECT x FROM unnest(returned_us || $4::bigint) x
                   WHERE x > (SELECT now_us FROM clock) ORDER BY x)
    END
WHERE account = $1 AND bucket = $2";

fn micros(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX / 4)
}

/// Forgets rows idle for a day whose daily limit is not in force: a bare
/// token's buckets, and any other left behind (see
/// [`SharedPacing::forget_idle`]).
const FORGET_IDLE: &str = "
DELETE FROM wrk_zoom.wrk_zoom_rate_limits
WHERE next_allowed_us < (extract(epoch FROM clock_timestamp()) * 1000000)::bigint - 86400000000
  AND (daily_resets_at IS NULL OR daily_resets_at < extract(epoch FROM clock_timestamp()))";

#[async_trait]
impl SharedPacing for Postgres {
    async fn forget_idle(&self) -> Result<u64, StoreError> {
        self.client()
            .await?
            .execute(FORGET_IDLE, &[])
            .await
            .map_err(|e| error("forget idle rate-limit buckets", e))
    }

    async fn take_slot(&self, id: &BucketId, spacing: Duration) -> Result<Slot, StoreError> {
        let row = self
            .client()
            .await?
            .query_one(TAKE_SLOT, &[&id.account, &id.bucket, &micros(spacing)])
            .await
            .map_err(|e| error("take a rate-limit slot", e))?;
        if row.get::<_, Option<bool>>(2) == Some(true) {
            return Ok(Slot::DailyLimit(KnownDailyLimit {
                resets_at: row.get::<_, Option<i64>>(3).unwrap_or_default(),
                limit: row.get::<_, Option<String>>(4).unwrap_or_default(),
                message: row.get::<_, Option<String>>(5).unwrap_or_default(),
            }));
        }
        let wait: i64 = row.get(0);
        Ok(Slot::Granted {
            wait: Duration::from_micros(wait.max(0) as u64),
            token: row.get(1),
        })
    }

    async fn give_back(
        &self,
        id: &BucketId,
        spacing: Duration,
        token: i64,
    ) -> Result<(), StoreError> {
        self.client()
            .await?
            .execute(
                GIVE_BACK,
                &[&id.account, &id.bucket, &micros(spacing), &token],
            )
            .await
            .map_err(|e| error("give back a rate-limit slot", e))?;
        Ok(())
    }

    async fn pause(&self, id: &BucketId, delay: Duration) -> Result<(), StoreError> {
        self.client()
            .await?
            .execute(
                "INSERT INTO wrk_zoom.wrk_zoom_rate_limits AS r (account, bucket, next_allowed_us)
                 VALUES ($1, $2, (extract(epoch FROM clock_timestamp()) * 1000000)::bigint + $3)
                 ON CONFLICT (account, bucket) DO UPDATE
                 SET next_allowed_us = greatest(r.next_allowed_us, EXCLUDED.next_allowed_us),
                     -- Nothing new goes out before the pause ends.
                     returned_us = '{}'",
                &[&id.account, &id.bucket, &micros(delay)],
            )
            .await
            .map_err(|e| error("pause a rate-limit bucket", e))?;
        Ok(())
    }

    async fn record_daily_limit(
        &self,
        id: &BucketId,
        limit: &KnownDailyLimit,
    ) -> Result<(), StoreError> {
        self.client()
            .await?
            .execute(
                // Never past the next UTC midnight plus a day by the
                // database's clock (`rate_limit::latest_daily_reset` bounds
                // it by the replica's), so a replica with a skewed clock
                // cannot lock a bucket for longer either; of two live
                // records the later reset stands, within that bound.
                "WITH bound AS (SELECT extract(epoch FROM
                     date_trunc('day', clock_timestamp() AT TIME ZONE 'UTC'))::bigint + 172800 AS latest,
                     extract(epoch FROM clock_timestamp())::bigint AS now_s)
                 INSERT INTO wrk_zoom.wrk_zoom_rate_limits AS r
                     (account, bucket, next_allowed_us, daily_resets_at, daily_limit, daily_message)
                 SELECT $1, $2, 0, least($3, latest), $4, $5 FROM bound
                 ON CONFLICT (account, bucket) DO UPDATE
                 SET daily_resets_at = least(
                         greatest(CASE WHEN r.daily_resets_at > (SELECT now_s FROM bound)
                                       THEN r.daily_resets_at END,
                                  EXCLUDED.daily_resets_at),
                         (SELECT latest FROM bound)),
                     daily_limit = EXCLUDED.daily_limit, daily_message = EXCLUDED.daily_message",
                &[
                    &id.account,
                    &id.bucket,
                    &limit.resets_at,
                    &limit.limit,
                    &limit.message,
                ],
            )
            .await
            .map_err(|e| error("record a used-up daily limit", e))?;
        Ok(())
    }
}
