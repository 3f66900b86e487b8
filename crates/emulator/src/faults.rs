//! Fault injection for client tests, and the counters that show what was injected.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::response::Response;
use serde::{Deserialize, Serialize};

use crate::App;
use crate::store::lock;
use crate::zoho::err;

/// What to inject. Set at start ([`crate::Config::faults`], `--faults JSON`) or at any time with
/// `PUT /__emulator/faults` or [`crate::Emulator::set_faults`]; setting a plan restarts its
/// request count.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FaultPlan {
    /// Answer the next `count` API requests with `status` (429, 500 or 503).
    pub fail_next: Option<FailNext>,
    /// Answer the `n`-th API request after the plan is set (1-based) with `status`.
    pub fail_nth: Option<FailNth>,
    /// Answer 429 TOO_MANY_REQUESTS while more than this many API requests are in flight
    /// (Zoho's concurrency limit: 10 on the Standard edition).
    pub max_in_flight: Option<usize>,
    /// Wait this many milliseconds before answering each API request.
    pub delay_ms: u64,
    /// Cut the connection after `after_bytes` body bytes of the next `count` downloads.
    pub drop_downloads: Option<DropDownloads>,
    /// Send every download without Content-Length (chunked), ending it cleanly after at most
    /// this many bytes: a short body only the list's `Size` can tell.
    pub short_downloads: Option<u64>,
    /// Access tokens issued from now on expire after this many seconds.
    pub token_lifetime_secs: Option<u64>,
    /// Token answers from now on name this `api_domain` instead of the emulator's own URL (to
    /// check that a client follows it only where it may).
    pub api_domain: Option<String>,
    /// The day's API credits from now on, as Zoho counts them (zoho-api-facts addendum): each
    /// API call costs one; once half are used every answer carries `X-API-CREDITS-REMAINING`;
    /// with none left, 429 TOO_MANY_REQUESTS.
    pub api_credits: Option<u64>,
}

/// See [`FaultPlan::fail_next`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FailNext {
    /// 429, 500 or 503.
    pub status: u16,
    /// How many requests.
    pub count: u32,
    /// A `Retry-After` header (seconds) on these answers.
    #[serde(default)]
    pub retry_after_secs: Option<u64>,
}

/// See [`FaultPlan::fail_nth`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FailNth {
    /// Which request, from 1.
    pub n: u64,
    /// 429, 500 or 503.
    pub status: u16,
}

/// See [`FaultPlan::drop_downloads`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DropDownloads {
    /// Bytes sent before the cut.
    pub after_bytes: u64,
    /// How many downloads.
    pub count: u32,
}

/// Counters, from `GET /__emulator/stats` or [`crate::Emulator::stats`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// API requests received (`/crm/...`, `/bigin/...`).
    pub api_requests: u64,
    /// Requests to `/oauth/v2/token`.
    pub token_requests: u64,
    /// Access tokens issued.
    pub tokens_issued: u64,
    /// Token requests refused by the per-refresh-token limit.
    pub token_limit_refusals: u64,
    /// The most access tokens one refresh token minted within any one window of the limit.
    pub most_tokens_in_a_window: u64,
    /// The most API requests in flight at once.
    pub most_in_flight: u64,
    /// Connections accepted.
    pub connections: u64,
    /// Injected faults, by kind.
    pub injected: Injected,
}

/// Injected faults, by kind.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Injected {
    /// 429 answers from `fail_next` / `fail_nth`.
    pub status_429: u64,
    /// 500 answers from `fail_next` / `fail_nth`.
    pub status_500: u64,
    /// 503 answers from `fail_next` / `fail_nth`.
    pub status_503: u64,
    /// 429 answers from `max_in_flight`.
    pub concurrency_429: u64,
    /// Requests delayed by `delay_ms`.
    pub delayed: u64,
    /// Downloads cut by `drop_downloads`.
    pub dropped_downloads: u64,
    /// INVALID_TOKEN answers for tokens that expired (early or on time) or were expired by hand.
    pub expired_tokens: u64,
    /// 429 answers because `api_credits` ran out.
    pub credits_429: u64,
}

/// The live plan and its progress.
#[derive(Default)]
pub struct FaultState {
    pub plan: FaultPlan,
    pub seen: u64,
    pub fail_next_left: u32,
    pub drops_left: u32,
    pub credits_used: u64,
}

impl FaultState {
    /// Installs a plan.
    pub fn set(&mut self, plan: FaultPlan) {
        self.fail_next_left = plan.fail_next.as_ref().map_or(0, |f| f.count);
        self.drops_left = plan.drop_downloads.as_ref().map_or(0, |d| d.count);
        self.seen = 0;
        self.credits_used = 0;
        self.plan = plan;
    }
}

/// Counts an API request in flight for as long as it lives.
pub struct InFlight(Arc<AtomicUsize>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Applies the plan to an API request before it is handled: either a guard to keep while
/// handling it, or the injected answer.
pub async fn before(app: &App) -> Result<InFlight, Response> {
    let now_in_flight = app.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    let guard = InFlight(Arc::clone(&app.in_flight));
    let (delay, status, retry_after) = {
        let mut f = lock(&app.faults);
        let mut stats = lock(&app.stats);
        stats.api_requests += 1;
        stats.most_in_flight = stats.most_in_flight.max(now_in_flight as u64);
        f.seen += 1;
        if f.plan.max_in_flight.is_some_and(|max| now_in_flight > max) {
            stats.injected.concurrency_429 += 1;
            return Err(err::too_many_requests());
        }
        let mut status = None;
        let mut retry_after = None;
        if let Some(nth) = &f.plan.fail_nth
            && nth.n == f.seen
        {
            status = Some(nth.status);
        }
        if status.is_none() && f.fail_next_left > 0 {
            f.fail_next_left -= 1;
            status = f.plan.fail_next.as_ref().map(|x| x.status);
            retry_after = f.plan.fail_next.as_ref().and_then(|x| x.retry_after_secs);
        }
        if let Some(s) = status {
            match s {
                429 => stats.injected.status_429 += 1,
                503 => stats.injected.status_503 += 1,
                _ => stats.injected.status_500 += 1,
            }
        }
        let delay = f.plan.delay_ms;
        if delay > 0 {
            stats.injected.delayed += 1;
        }
        (delay, status, retry_after)
    };
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    if let Some(s) = status {
        let mut resp = match s {
            429 => err::too_many_requests(),
            503 => err::service_unavailable(),
            _ => err::internal_error(),
        };
        if let Some(secs) = retry_after {
            resp.headers_mut()
                .insert(http::header::RETRY_AFTER, http::HeaderValue::from(secs));
        }
        return Err(resp);
    }
    Ok(guard)
}

/// Charges an API call one credit when the plan counts them: the credits left, to report once
/// half are used (`Ok(None)` before that, or when not counted), or the 429 when none are left.
pub fn charge_credit(app: &App) -> Result<Option<u64>, Response> {
    let mut f = lock(&app.faults);
    let Some(total) = f.plan.api_credits else {
        return Ok(None);
    };
    if f.credits_used >= total {
        drop(f);
        lock(&app.stats).injected.credits_429 += 1;
        return Err(err::too_many_requests());
    }
    f.credits_used += 1;
    let left = total - f.credits_used;
    Ok((f.credits_used.saturating_mul(2) >= total).then_some(left))
}

/// How many bytes of this download to send before cutting the connection, if a drop is planned.
pub fn take_drop(app: &App) -> Option<u64> {
    let mut f = lock(&app.faults);
    if f.drops_left == 0 {
        return None;
    }
    f.drops_left -= 1;
    lock(&app.stats).injected.dropped_downloads += 1;
    f.plan.drop_downloads.as_ref().map(|d| d.after_bytes)
}
