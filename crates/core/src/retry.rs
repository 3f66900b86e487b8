//! The retry decision as a pure function: transports report what happened and get back "stop"
//! or "retry after this long". Randomness (jitter) and time are passed in.
//!
//! Rules:
//! - 429 and 503 mean the server did not process the request: retried for every method.
//! - 500, 502 and 504 may come after processing: retried only for idempotent requests.
//! - A connection that failed before the request was sent is retried for every method; one
//!   that failed after (or timed out) only for idempotent requests.
//! - Nothing is retried whose body cannot be sent again (a consumed stream).
//! - `Retry-After` (seconds or an HTTP date) is honoured; a wait longer than `max_delay` stops.
//! - Otherwise the wait is exponential from `base_delay`, capped at `max_delay`, with jitter.
//! - Attempts are capped at `max_attempts` and the total time at `max_elapsed`.

use std::time::{Duration, SystemTime};

use http::{HeaderMap, StatusCode, header};

/// Retry limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 disables retries).
    pub max_attempts: u32,
    /// Wait before the first retry, doubled for each one after.
    pub base_delay: Duration,
    /// Longest single wait.
    pub max_delay: Duration,
    /// Longest time from the first attempt to the start of the last.
    pub max_elapsed: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            max_elapsed: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn never() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }
}

/// What went wrong with an attempt.
#[derive(Clone, Copy, Debug)]
pub enum Failure<'a> {
    /// The server answered with this status and headers.
    Status(StatusCode, &'a HeaderMap),
    /// The connection could not be made (DNS, refused, TLS handshake): nothing was sent.
    Connect,
    /// The connection failed or timed out after the request (or part of it) was sent.
    AfterSend,
}

/// The attempt that just failed.
#[derive(Clone, Copy, Debug)]
pub struct Attempt {
    /// Its number, from 1.
    pub number: u32,
    /// Time since the first attempt started.
    pub elapsed: Duration,
    /// True for requests that may be repeated (GET, DELETE).
    pub idempotent: bool,
    /// True when the body can be sent again (empty, in memory, or a file that can be reopened).
    pub rewindable: bool,
    /// The current time, to read a `Retry-After` date.
    pub now: SystemTime,
    /// A random number in `[0, 1)` for jitter.
    pub jitter: f64,
}

/// What to do next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Return the failure to the caller.
    Stop,
    /// Wait this long, then send again.
    RetryAfter(Duration),
}

/// Decides whether and when to retry.
pub fn decide(policy: &RetryPolicy, failure: Failure<'_>, attempt: Attempt) -> Decision {
    if attempt.number >= policy.max_attempts || !attempt.rewindable {
        return Decision::Stop;
    }
    let (retryable, headers) = match failure {
        Failure::Status(s, h) => {
            let code = s.as_u16();
            let unprocessed = code == 429 || code == 503;
            let maybe_processed = matches!(code, 500 | 502 | 504);
            (
                unprocessed || (maybe_processed && attempt.idempotent),
                Some(h),
            )
        }
        Failure::Connect => (true, None),
        Failure::AfterSend => (attempt.idempotent, None),
    };
    if !retryable {
        return Decision::Stop;
    }
    let delay = match headers.and_then(|h| retry_after(h, attempt.now)) {
        Some(d) if d > policy.max_delay => return Decision::Stop,
        Some(d) => d,
        None => backoff(policy, attempt.number, attempt.jitter),
    };
    if attempt.elapsed.saturating_add(delay) > policy.max_elapsed {
        return Decision::Stop;
    }
    Decision::RetryAfter(delay)
}

/// `base * 2^(n-1)`, capped, then spread over its upper half: `[d/2, d)`.
fn backoff(policy: &RetryPolicy, number: u32, jitter: f64) -> Duration {
    let exp = policy.base_delay.saturating_mul(
        1u32.checked_shl(number.saturating_sub(1))
            .unwrap_or(u32::MAX),
    );
    let capped = exp.min(policy.max_delay);
    let j = if jitter.is_finite() {
        jitter.clamp(0.0, 1.0)
    } else {
        0.0
    };
    capped / 2 + capped.mul_f64(j / 2.0)
}

/// A random number in `[0, 1)` for [`Attempt::jitter`], from the standard library's random
/// hasher keys (no clock, no extra crate).
pub fn jitter() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(0x6a69_7474_6572);
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// Reads `Retry-After` as delay-seconds or an HTTP date relative to `now`.
pub fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let v = headers.get(header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(v).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt(number: u32, idempotent: bool, rewindable: bool) -> Attempt {
        Attempt {
            number,
            elapsed: Duration::ZERO,
            idempotent,
            rewindable,
            now: SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000),
            jitter: 0.0,
        }
    }

    fn status(code: u16) -> StatusCode {
        StatusCode::from_u16(code).unwrap()
    }

    #[test]
    fn decision_table() {
        let p = RetryPolicy::default();
        let h = HeaderMap::new();
        let retry = Decision::RetryAfter(Duration::from_millis(250));
        // (failure, idempotent, rewindable, expected)
        let cases: Vec<(Failure<'_>, bool, bool, Decision)> = vec![
            (Failure::Status(status(429), &h), false, true, retry),
            (Failure::Status(status(503), &h), false, true, retry),
            (Failure::Status(status(500), &h), true, true, retry),
            (Failure::Status(status(502), &h), true, true, retry),
            (Failure::Status(status(504), &h), true, true, retry),
            (
                Failure::Status(status(500), &h),
                false,
                true,
                Decision::Stop,
            ),
            (
                Failure::Status(status(502), &h),
                false,
                true,
                Decision::Stop,
            ),
            (Failure::Status(status(400), &h), true, true, Decision::Stop),
            (Failure::Status(status(401), &h), true, true, Decision::Stop),
            (Failure::Status(status(404), &h), true, true, Decision::Stop),
            (
                Failure::Status(status(415), &h),
                false,
                true,
                Decision::Stop,
            ),
            (
                Failure::Status(status(429), &h),
                true,
                false,
                Decision::Stop,
            ),
            (Failure::Connect, false, true, retry),
            (Failure::Connect, false, false, Decision::Stop),
            (Failure::AfterSend, true, true, retry),
            (Failure::AfterSend, false, true, Decision::Stop),
        ];
        for (i, (f, idem, rew, want)) in cases.into_iter().enumerate() {
            assert_eq!(
                decide(&p, f, attempt(1, idem, rew)),
                want,
                "case {i}: {f:?}"
            );
        }
    }

    #[test]
    fn attempts_are_capped_and_backoff_grows() {
        let p = RetryPolicy::default();
        let f = Failure::Connect;
        let d = |n| decide(&p, f, attempt(n, true, true));
        assert_eq!(d(1), Decision::RetryAfter(Duration::from_millis(250)));
        assert_eq!(d(2), Decision::RetryAfter(Duration::from_millis(500)));
        assert_eq!(d(3), Decision::RetryAfter(Duration::from_millis(1000)));
        assert_eq!(d(4), Decision::Stop);
        let mut a = attempt(1, true, true);
        a.jitter = 0.999;
        match decide(&p, f, a) {
            Decision::RetryAfter(x) => {
                assert!(x >= Duration::from_millis(499) && x < Duration::from_millis(500))
            }
            Decision::Stop => panic!("expected retry"),
        }
        let huge = RetryPolicy {
            max_attempts: 100,
            ..p
        };
        assert_eq!(
            decide(&huge, f, attempt(60, true, true)),
            Decision::RetryAfter(Duration::from_secs(15))
        );
        assert_eq!(
            decide(&RetryPolicy::never(), f, attempt(1, true, true)),
            Decision::Stop
        );
    }

    #[test]
    fn retry_after_is_honoured() {
        let p = RetryPolicy::default();
        let mut h = HeaderMap::new();
        h.insert(header::RETRY_AFTER, "7".parse().unwrap());
        assert_eq!(
            decide(
                &p,
                Failure::Status(status(429), &h),
                attempt(1, false, true)
            ),
            Decision::RetryAfter(Duration::from_secs(7))
        );
        let a = attempt(1, false, true);
        let date = httpdate::fmt_http_date(a.now + Duration::from_secs(12));
        h.insert(header::RETRY_AFTER, date.parse().unwrap());
        assert_eq!(
            decide(&p, Failure::Status(status(503), &h), a),
            Decision::RetryAfter(Duration::from_secs(12))
        );
        h.insert(header::RETRY_AFTER, "3600".parse().unwrap());
        assert_eq!(
            decide(&p, Failure::Status(status(429), &h), a),
            Decision::Stop
        );
        h.insert(header::RETRY_AFTER, "soon".parse().unwrap());
        assert_eq!(
            decide(&p, Failure::Status(status(429), &h), a),
            Decision::RetryAfter(Duration::from_millis(250))
        );
    }

    #[test]
    fn jitter_is_in_range_and_varies() {
        let xs: Vec<f64> = (0..64).map(|_| jitter()).collect();
        assert!(xs.iter().all(|x| (0.0..1.0).contains(x)));
        assert!(xs.windows(2).any(|w| w[0] != w[1]));
    }

    #[test]
    fn total_time_is_capped() {
        let p = RetryPolicy::default();
        let mut a = attempt(1, true, true);
        a.elapsed = Duration::from_millis(119_750);
        assert_eq!(
            decide(&p, Failure::Connect, a),
            Decision::RetryAfter(Duration::from_millis(250))
        );
        a.elapsed = Duration::from_millis(119_751);
        assert_eq!(decide(&p, Failure::Connect, a), Decision::Stop);
    }
}
