//! The attempt loop of one call, as a value: the driver reports how an attempt went and is told
//! what to do next. No I/O, no clock: time and randomness come in with each step.

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::Response;

use crate::response::is_invalid_token;
use crate::retry::{self, Attempt, Decision, Failure, RetryPolicy};

/// How one attempt went, as the driver saw it.
#[derive(Clone, Copy, Debug)]
pub enum Outcome<'a> {
    /// A 2xx head: the body is the driver's to read or stream.
    Success,
    /// Any other answer, read whole.
    Answer(&'a Response<Bytes>),
    /// The connection could not be made (DNS, refused, TLS handshake): nothing was sent.
    Connect,
    /// The connection failed or timed out after the request (or part of it) went out, or a 2xx
    /// body was cut before its end.
    AfterSend,
    /// A local problem (a source that cannot be opened, a bad request): never retried.
    Local,
}

/// What the driver does next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next {
    /// Hand the answer to the operation (a success, or an error it turns into a typed error).
    Done,
    /// The token was refused: get a new one (naming the refused one) and send again at once.
    Refresh,
    /// Wait this long, then send again (reset whatever the attempt wrote first).
    Retry(Duration),
    /// Stop: return the answer (for `Answer`) or the attempt's error to the caller.
    Fail,
}

/// What varies from step to step and the engine may not read by itself.
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    /// The wall clock, to read `Retry-After` dates.
    pub now: SystemTime,
    /// Time since the call's first attempt started.
    pub elapsed: Duration,
    /// A random number in `[0, 1)` for jitter ([`retry::jitter`]).
    pub jitter: f64,
}

/// One call's attempts: retries as [`retry::decide`] says, and one refresh-and-replay after
/// `401 INVALID_TOKEN` when a new token can be had and the body can be sent again.
#[derive(Clone, Debug)]
pub struct Call {
    policy: RetryPolicy,
    idempotent: bool,
    rewindable: bool,
    can_refresh: bool,
    attempt: u32,
    replayed: bool,
}

impl Call {
    /// A call under `policy`. `idempotent`: it may be repeated (GET, DELETE). `rewindable`: its
    /// body (and, for a download, its target) can be sent (reset) again. `can_refresh`: a new
    /// token can be minted (false for a fixed access token).
    pub fn new(policy: RetryPolicy, idempotent: bool, rewindable: bool, can_refresh: bool) -> Self {
        Self {
            policy,
            idempotent,
            rewindable,
            can_refresh,
            attempt: 0,
            replayed: false,
        }
    }

    /// The attempt about to be sent, from 1.
    pub fn start_attempt(&mut self) -> u32 {
        self.attempt += 1;
        self.attempt
    }

    /// Attempts started so far.
    pub fn attempts(&self) -> u32 {
        self.attempt
    }

    /// What to do after an attempt that ended in `outcome`.
    pub fn step(&mut self, outcome: Outcome<'_>, clock: Clock) -> Next {
        let attempt = Attempt {
            number: self.attempt.max(1),
            elapsed: clock.elapsed,
            idempotent: self.idempotent,
            rewindable: self.rewindable,
            now: clock.now,
            jitter: clock.jitter,
        };
        let failure = match outcome {
            Outcome::Success => return Next::Done,
            Outcome::Local => return Next::Fail,
            Outcome::Answer(resp) if is_invalid_token(resp) => {
                if self.can_refresh && self.rewindable && !self.replayed {
                    self.replayed = true;
                    return Next::Refresh;
                }
                return Next::Done;
            }
            Outcome::Answer(resp) => Failure::Status(resp.status(), resp.headers()),
            Outcome::Connect => Failure::Connect,
            Outcome::AfterSend => Failure::AfterSend,
        };
        match retry::decide(&self.policy, failure, attempt) {
            Decision::RetryAfter(d) => Next::Retry(d),
            Decision::Stop if matches!(outcome, Outcome::Answer(_)) => Next::Done,
            Decision::Stop => Next::Fail,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clock() -> Clock {
        Clock {
            now: SystemTime::UNIX_EPOCH,
            elapsed: Duration::ZERO,
            jitter: 0.5,
        }
    }

    fn answer(status: u16, body: &str) -> Response<Bytes> {
        let mut r = Response::new(Bytes::from(body.to_owned()));
        *r.status_mut() = http::StatusCode::from_u16(status).unwrap();
        r
    }

    const INVALID: &str =
        r#"{"code":"INVALID_TOKEN","details":{},"message":"invalid oauth token","status":"error"}"#;

    #[test]
    fn invalid_token_refreshes_once_then_hands_the_error_over() {
        let mut c = Call::new(RetryPolicy::default(), false, true, true);
        c.start_attempt();
        assert_eq!(
            c.step(Outcome::Answer(&answer(401, INVALID)), clock()),
            Next::Refresh
        );
        c.start_attempt();
        assert_eq!(
            c.step(Outcome::Answer(&answer(401, INVALID)), clock()),
            Next::Done
        );
    }

    #[test]
    fn a_fixed_token_is_not_replayed() {
        let mut c = Call::new(RetryPolicy::default(), true, true, false);
        c.start_attempt();
        assert_eq!(
            c.step(Outcome::Answer(&answer(401, INVALID)), clock()),
            Next::Done
        );
    }

    #[test]
    fn a_consumed_body_is_not_replayed() {
        let mut c = Call::new(RetryPolicy::default(), false, false, true);
        c.start_attempt();
        assert_eq!(
            c.step(Outcome::Answer(&answer(401, INVALID)), clock()),
            Next::Done
        );
        let mut c = Call::new(RetryPolicy::default(), false, false, true);
        c.start_attempt();
        assert_eq!(
            c.step(Outcome::Answer(&answer(429, "{}")), clock()),
            Next::Done
        );
    }

    #[test]
    fn statuses_and_connections() {
        let mut c = Call::new(RetryPolicy::default(), false, true, true);
        c.start_attempt();
        assert!(matches!(
            c.step(Outcome::Answer(&answer(503, "")), clock()),
            Next::Retry(_)
        ));
        c.start_attempt();
        assert_eq!(
            c.step(Outcome::Answer(&answer(500, "")), clock()),
            Next::Done
        );
        c.start_attempt();
        assert!(matches!(c.step(Outcome::Connect, clock()), Next::Retry(_)));
        c.start_attempt();
        assert_eq!(c.step(Outcome::AfterSend, clock()), Next::Fail);
        assert_eq!(c.step(Outcome::Local, clock()), Next::Fail);
        assert_eq!(c.step(Outcome::Success, clock()), Next::Done);
    }

    #[test]
    fn a_cut_download_is_retried_until_the_attempts_run_out() {
        let policy = RetryPolicy::default();
        let mut c = Call::new(policy, true, true, true);
        for _ in 1..policy.max_attempts {
            c.start_attempt();
            assert!(matches!(
                c.step(Outcome::AfterSend, clock()),
                Next::Retry(_)
            ));
        }
        c.start_attempt();
        assert_eq!(c.step(Outcome::AfterSend, clock()), Next::Fail);
        assert_eq!(c.attempts(), policy.max_attempts);
    }
}
