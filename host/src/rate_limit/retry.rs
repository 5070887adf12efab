//! How failed requests are retried: attempts, backoff, waiting budget.

use std::time::Duration;

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
