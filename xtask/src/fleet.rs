//! `cargo xtask fleet`: a fleet sharing one refresh token through Redis, run for 20 minutes of
//! emulated time with 60-second tokens, must never be refused a token (`Access Denied`) and
//! never mint more than Zoho's 10 tokens in any 10 minutes. Half the workers use the blocking
//! client, half the async one; each is a process of its own, as on separate hosts.

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use zoho_crm::zoho_core::{ScaledTime, TokenBudget};
use zoho_emulator::{Config, Emulator};

const RECORD: &str = "5725767000000010001";

/// The fleet's settings: `workers`, for `minutes` of emulated time running `scale` times
/// faster than real time.
pub struct Plan {
    pub workers: usize,
    pub minutes: u64,
    pub scale: f64,
}

pub fn run(plan: &Plan) -> Result<(), String> {
    let redis = zoho_parity::RedisServer::start()
        .map_err(|e| format!("redis-server ({e}): apt-get install redis-server"))?;
    let emu = Emulator::start(Config {
        token_lifetime_secs: 60,
        time_scale: plan.scale,
        ..Config::default()
    })
    .map_err(|e| format!("the emulator: {e}"))?;
    let (anchor, scale) = emu.time();
    let anchor_ms = anchor
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_err(|e| e.to_string())?
        .as_millis();
    let minutes = plan.minutes;
    eprintln!(
        "== fleet: {} workers, {minutes} min of emulated time ({:.0} s real), 60 s tokens, \
         Redis at {}",
        plan.workers,
        minutes as f64 * 60.0 / scale,
        redis.url()
    );
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let started = Instant::now();
    let children: Vec<_> = (0..plan.workers)
        .map(|i| {
            let kind = if i % 2 == 0 { "blocking" } else { "async" };
            Command::new(&exe)
                .args(["fleet-worker", kind, emu.base_url(), redis.url()])
                .args([
                    anchor_ms.to_string(),
                    scale.to_string(),
                    minutes.to_string(),
                ])
                .stdout(Stdio::piped())
                .spawn()
                .map_err(|e| format!("a worker: {e}"))
        })
        .collect::<Result<_, _>>()?;
    let mut calls = 0u64;
    let mut slowest = 0f64;
    let mut failures = Vec::new();
    for (i, child) in children.into_iter().enumerate() {
        let out = child.wait_with_output().map_err(|e| e.to_string())?;
        let text = String::from_utf8_lossy(&out.stdout);
        let v: serde_json::Value = serde_json::from_str(text.trim())
            .map_err(|e| format!("worker {i} ({}): {e}: {text}", out.status))?;
        calls += v["calls"].as_u64().unwrap_or(0);
        slowest = slowest.max(v["slowest_ms"].as_f64().unwrap_or(0.0));
        if let Some(e) = v["error"].as_str() {
            failures.push(format!("worker {i}: {e}"));
        }
    }
    let real = started.elapsed();
    let s = emu.stats();
    println!(
        "fleet of {} workers (half blocking, half async), {minutes} min emulated in {:.1} s:",
        plan.workers,
        real.as_secs_f64()
    );
    println!("  API calls made:                       {calls}");
    println!("  calls that failed:                    {}", failures.len());
    println!(
        "  slowest call (real time, waits in):   {slowest:.1} ms = {:.1} s emulated",
        slowest * scale / 1000.0
    );
    println!(
        "  token requests:                       {}",
        s.token_requests
    );
    println!(
        "  tokens issued:                        {}",
        s.tokens_issued
    );
    println!(
        "  refused (Access Denied):              {}",
        s.token_limit_refusals
    );
    println!(
        "  most tokens in any 10-minute window:  {}",
        s.most_tokens_in_a_window
    );
    println!(
        "  expired tokens met (401, refreshed):  {}",
        s.injected.expired_tokens
    );
    let limit = u64::from(TokenBudget::default().tokens);
    if !failures.is_empty() {
        return Err(failures.join("; "));
    }
    if s.token_limit_refusals > 0 || s.most_tokens_in_a_window > limit {
        return Err(format!(
            "the fleet went past Zoho's token limit ({} refused, {} in one window)",
            s.token_limit_refusals, s.most_tokens_in_a_window
        ));
    }
    Ok(())
}

/// One worker: list calls one after another (one per emulated second) until the emulated
/// end, with its tokens in Redis. Prints `{"calls":N}` or `{"calls":N,"error":"..."}`.
pub fn worker(args: &[String]) -> Result<(), String> {
    let [kind, base, redis, anchor_ms, scale, minutes] = args else {
        return Err(String::from(
            "usage: xtask fleet-worker <blocking|async> BASE REDIS ANCHOR_MS SCALE MINUTES",
        ));
    };
    let num = |s: &str| s.parse::<f64>().map_err(|e| format!("{s}: {e}"));
    let anchor = SystemTime::UNIX_EPOCH + Duration::from_millis(num(anchor_ms)? as u64);
    let time = ScaledTime {
        anchor,
        scale: num(scale)?,
    };
    let store = zoho_token_store::RedisTokenStore::new(redis).map_err(|e| e.to_string())?;
    let mut config = zoho_crm::ClientConfig::for_base_url(
        base.parse().map_err(|e| format!("{e}"))?,
        zoho_crm::Credentials::refresh_token(
            zoho_emulator::CLIENT_ID,
            zoho_emulator::CLIENT_SECRET,
            zoho_emulator::REFRESH_TOKEN,
        ),
    );
    config.token_store = Some(Arc::new(store));
    config.clock = Some(Arc::new(time));
    let end = anchor + Duration::from_secs(num(minutes)? as u64 * 60);
    let pause = Duration::from_secs(1).div_f64(time.scale.max(1.0));
    let mut calls = 0u64;
    let mut slowest = Duration::ZERO;
    let now = || zoho_crm::zoho_core::TimeSource::now(&time);
    let err = |e: zoho_crm::Error| e.to_string();
    let result = match kind.as_str() {
        "blocking" => (|| {
            let crm = zoho_crm::blocking::Client::new(config).map_err(err)?;
            let a = crm.attachments("Leads", RECORD).map_err(err)?;
            while now() < end {
                let t = Instant::now();
                a.list().map_err(err)?;
                slowest = slowest.max(t.elapsed());
                calls += 1;
                std::thread::sleep(pause);
            }
            Ok(())
        })(),
        "async" => match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Err(e) => Err(e.to_string()),
            Ok(rt) => rt.block_on(async {
                let crm = zoho_crm::Client::new(config).map_err(err)?;
                let a = crm.attachments("Leads", RECORD).map_err(err)?;
                while now() < end {
                    let t = Instant::now();
                    a.list().await.map_err(err)?;
                    slowest = slowest.max(t.elapsed());
                    calls += 1;
                    tokio::time::sleep(pause).await;
                }
                Ok(())
            }),
        },
        other => return Err(format!("unknown client {other}")),
    };
    let error = result.err();
    println!(
        "{}",
        serde_json::json!({
            "calls": calls,
            "slowest_ms": slowest.as_secs_f64() * 1000.0,
            "error": error
        })
    );
    Ok(())
}
