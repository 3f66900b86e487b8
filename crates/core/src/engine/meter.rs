//! What the engine watches across the calls of a client: the API credits Zoho says are left
//! (`X-API-CREDITS-REMAINING`, sent by CRM v8 once half the day's credits are used; zoho-api-facts
//! addendum) and the pace of requests (`ClientConfig::max_requests_per_second`).

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use http::HeaderMap;

/// The header CRM v8 reports the day's remaining credits in.
pub const CREDITS_REMAINING: &str = "x-api-credits-remaining";

/// Credits left and the next free request slot.
#[derive(Debug)]
pub(crate) struct Meter {
    /// `u64::MAX` until an answer says.
    credits: AtomicU64,
    /// The least time between two requests, if paced.
    gap: Option<Duration>,
    next: Mutex<Option<Instant>>,
}

impl Meter {
    pub(crate) fn new(max_requests_per_second: Option<f64>) -> Self {
        let gap = max_requests_per_second
            .filter(|r| r.is_finite() && *r > 0.0)
            .map(|r| Duration::from_secs_f64(1.0 / r));
        Self {
            credits: AtomicU64::new(u64::MAX),
            gap,
            next: Mutex::new(None),
        }
    }

    /// Takes in an answer's headers.
    pub(crate) fn note(&self, headers: &HeaderMap) {
        let left = headers
            .get(CREDITS_REMAINING)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        if let Some(left) = left {
            self.credits.store(left, Ordering::Relaxed);
        }
    }

    /// `sent`, its answer's headers taken in.
    pub(crate) fn noted<B, E>(
        &self,
        sent: Result<http::Response<B>, E>,
    ) -> Result<http::Response<B>, E> {
        if let Ok(resp) = &sent {
            self.note(resp.headers());
        }
        sent
    }

    /// The credits left, as the latest answer that said so gave them.
    pub(crate) fn credits(&self) -> Option<u64> {
        Some(self.credits.load(Ordering::Relaxed)).filter(|c| *c != u64::MAX)
    }

    /// How long to wait, from `now`, before sending: each request takes the next slot, so
    /// callers at once are spread `gap` apart.
    pub(crate) fn slot(&self, now: Instant) -> Duration {
        let Some(gap) = self.gap else {
            return Duration::ZERO;
        };
        let mut next = self
            .next
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let at = next.map_or(now, |n| n.max(now));
        *next = Some(at + gap);
        at - now
    }
}

/// A bandwidth budget shared by every transfer of a client
/// (`ClientConfig::max_bytes_per_second`): each piece of a body, sent or received, books its
/// time at the rate, and waits for the pieces booked before it.
#[derive(Debug)]
pub struct Throttle {
    bytes_per_second: f64,
    next: Mutex<Option<Instant>>,
}

impl Throttle {
    /// A budget of `bytes_per_second` (none for 0).
    pub fn new(bytes_per_second: u64) -> Option<std::sync::Arc<Self>> {
        (bytes_per_second > 0).then(|| {
            std::sync::Arc::new(Self {
                bytes_per_second: bytes_per_second as f64,
                next: Mutex::new(None),
            })
        })
    }

    /// How long to wait, from `now`, before `n` more bytes go (or are taken in).
    pub fn take(&self, n: u64, now: Instant) -> Duration {
        let mut next = self
            .next
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let at = next.map_or(now, |t| t.max(now));
        *next = Some(at + Duration::from_secs_f64(n as f64 / self.bytes_per_second));
        at - now
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credits_are_read_from_the_latest_answer_that_gives_them() {
        let m = Meter::new(None);
        assert_eq!(m.credits(), None);
        let mut h = HeaderMap::new();
        h.insert(CREDITS_REMAINING, http::HeaderValue::from_static("1234"));
        m.note(&h);
        assert_eq!(m.credits(), Some(1234));
        m.note(&HeaderMap::new());
        assert_eq!(
            m.credits(),
            Some(1234),
            "an answer without it changes nothing"
        );
        h.insert(CREDITS_REMAINING, http::HeaderValue::from_static("junk"));
        m.note(&h);
        assert_eq!(m.credits(), Some(1234));
    }

    #[test]
    fn a_throttle_spreads_bytes_at_its_rate_across_transfers() {
        assert!(Throttle::new(0).is_none());
        let t = Throttle::new(1000).unwrap();
        let t0 = Instant::now();
        assert_eq!(
            t.take(500, t0),
            Duration::ZERO,
            "the first piece goes at once"
        );
        assert_eq!(
            t.take(1000, t0),
            Duration::from_millis(500),
            "after the first's time"
        );
        // Another transfer at the same moment waits behind both.
        assert_eq!(t.take(1, t0), Duration::from_millis(1500));
        // After a pause the budget does not pile up.
        assert_eq!(t.take(100, t0 + Duration::from_secs(10)), Duration::ZERO);
    }

    #[test]
    fn paced_requests_take_slots_a_gap_apart() {
        let m = Meter::new(Some(4.0));
        let t0 = Instant::now();
        assert_eq!(m.slot(t0), Duration::ZERO);
        assert_eq!(m.slot(t0), Duration::from_millis(250));
        assert_eq!(m.slot(t0), Duration::from_millis(500));
        // Later than the slots booked: at once.
        assert_eq!(m.slot(t0 + Duration::from_secs(5)), Duration::ZERO);
        assert_eq!(Meter::new(None).slot(t0), Duration::ZERO);
        assert_eq!(Meter::new(Some(0.0)).slot(t0), Duration::ZERO);
    }
}
