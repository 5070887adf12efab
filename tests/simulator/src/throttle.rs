//! Per-second rate limits enforced the way Zoom does: when a rate label has
//! a limit ([`crate::SimConfig::per_second_limits`]), a request that would
//! make more than that many requests of the label within one second gets
//! Zoom's per-second 429 (`X-RateLimit-Type: QPS`, `Retry-After: 1`).
//!
//! The throttle also counts what it saw, so tests can assert on the
//! simulator's side: how many requests it refused, and the most requests of
//! a label it accepted within any one second.

use crate::faults::RateLabel;
use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

struct Window {
    label: RateLabel,
    limit: u32,
    /// Arrival times of the requests accepted in the last second.
    accepted: VecDeque<Instant>,
    /// Most requests accepted within one second so far.
    peak: u32,
}

/// Sliding one-second windows, one per limited label.
pub struct Throttle {
    windows: Mutex<Vec<Window>>,
    refused: AtomicU64,
}

impl Throttle {
    pub fn new(limits: &[(RateLabel, u32)]) -> Throttle {
        Throttle {
            windows: Mutex::new(
                limits
                    .iter()
                    .map(|&(label, limit)| Window {
                        label,
                        limit,
                        accepted: VecDeque::new(),
                        peak: 0,
                    })
                    .collect(),
            ),
            refused: AtomicU64::new(0),
        }
    }

    /// Whether a request of `label` arriving now is within the limit (and,
    /// if so, counts it).
    pub fn admit(&self, label: RateLabel) -> bool {
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        let Some(w) = windows.iter_mut().find(|w| w.label == label) else {
            return true;
        };
        let now = Instant::now();
        while w
            .accepted
            .front()
            .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(1))
        {
            w.accepted.pop_front();
        }
        if w.accepted.len() >= w.limit as usize {
            self.refused.fetch_add(1, Ordering::Relaxed);
            return false;
        }
        w.accepted.push_back(now);
        w.peak = w.peak.max(w.accepted.len() as u32);
        true
    }

    /// Requests refused with a per-second 429 so far.
    pub fn refused(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }

    /// The most requests of `label` accepted within one second (0 when the
    /// label has no limit).
    pub fn peak(&self, label: RateLabel) -> u32 {
        self.windows
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .find(|w| w.label == label)
            .map_or(0, |w| w.peak)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_above_the_limit_within_a_second() {
        let t = Throttle::new(&[(RateLabel::Light, 3)]);
        assert!(t.admit(RateLabel::Light));
        assert!(t.admit(RateLabel::Light));
        assert!(t.admit(RateLabel::Light));
        assert!(!t.admit(RateLabel::Light));
        assert!(t.admit(RateLabel::Medium), "unlimited label");
        assert_eq!(t.refused(), 1);
        assert_eq!(t.peak(RateLabel::Light), 3);
    }
}
