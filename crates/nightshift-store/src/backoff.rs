//! Retry policy: how many attempts a task gets and how long it waits between them.
//!
//! Exponential backoff with "full jitter" (AWS architecture blog, "Exponential Backoff and
//! Jitter"): the delay before retry `n` is uniform in `[cap/2, cap]` where
//! `cap = min(max_delay, base * 2^(n-1))`. Keeping the lower half avoids retrying a flapping
//! dependency almost immediately, while the jitter spreads out tasks that failed together.

use std::time::Duration;

use rand::Rng;

/// When and whether a failed attempt is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (`MAX_RETRIES`); a task runs at most `1 + max_retries`
    /// times.
    pub max_retries: u32,
    /// Delay before the first retry, before jitter.
    pub base_delay: Duration,
    /// Upper bound of any delay.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 3,
            base_delay: Duration::from_secs(5),
            max_delay: Duration::from_secs(300),
        }
    }
}

impl RetryPolicy {
    /// The upper bound of the delay after `attempts` attempts have failed (`attempts >= 1`),
    /// before jitter.
    pub fn ceiling(&self, attempts: u32) -> Duration {
        let exponent = attempts.saturating_sub(1).min(30);
        self.base_delay
            .saturating_mul(1u32 << exponent)
            .min(self.max_delay)
    }

    /// The delay before the next attempt after `attempts` failed ones, or `None` when retries are
    /// exhausted.
    pub fn next_delay(&self, attempts: u32, rng: &mut impl Rng) -> Option<Duration> {
        if attempts > self.max_retries {
            return None;
        }
        let ceiling = self.ceiling(attempts);
        let ceiling_ms = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
        let low_ms = ceiling_ms / 2;
        Some(Duration::from_millis(rng.random_range(low_ms..=ceiling_ms)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{SeedableRng, rngs::StdRng};

    #[test]
    fn schedule_doubles_until_the_cap_and_stops_after_max_retries() {
        let policy = RetryPolicy {
            max_retries: 5,
            base_delay: Duration::from_secs(2),
            max_delay: Duration::from_secs(10),
        };
        let ceilings: Vec<u64> = (1..=5).map(|n| policy.ceiling(n).as_secs()).collect();
        assert_eq!(ceilings, vec![2, 4, 8, 10, 10]);

        let mut rng = StdRng::seed_from_u64(7);
        for attempts in 1..=5 {
            for _ in 0..200 {
                let delay = policy.next_delay(attempts, &mut rng).unwrap();
                let ceiling = policy.ceiling(attempts);
                assert!(
                    delay <= ceiling && delay >= ceiling / 2,
                    "{delay:?} vs {ceiling:?}"
                );
            }
        }
        assert_eq!(policy.next_delay(6, &mut rng), None);
    }

    #[test]
    fn jitter_spreads_delays() {
        let policy = RetryPolicy::default();
        let mut rng = StdRng::seed_from_u64(1);
        let delays: std::collections::BTreeSet<_> = (0..50)
            .map(|_| policy.next_delay(2, &mut rng).unwrap())
            .collect();
        assert!(
            delays.len() > 40,
            "jitter should rarely repeat: {}",
            delays.len()
        );
    }
}
