//! Progress people can read and machines can follow: on a terminal a bar with its rate and ETA
//! that says `retrying (N)` when a transfer starts again; with `--progress json`, JSON lines on
//! stderr — `start`, `progress` (at most five a second per item, and at its end), `retry`,
//! `done`, `error` — for dashboards; nothing otherwise.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::Global;

/// `--progress`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Mode {
    /// A bar on a terminal (not with --json), nothing otherwise.
    #[default]
    Auto,
    /// JSON lines on stderr.
    Json,
    /// Nothing.
    None,
}

/// The progress of one transfer (or of a whole backup, `bar_only`).
pub struct Progress {
    pb: indicatif::ProgressBar,
    json: bool,
    item: String,
    last: AtomicU64,
    retries: AtomicU64,
    emitted: Mutex<Option<Instant>>,
}

impl Progress {
    /// Starts showing `item` of `len` bytes (when known).
    pub fn start(g: &Global, item: &str, len: Option<u64>) -> Self {
        let p = Self::new(g, item, len, true, true);
        p.event("start", json!({ "total": len }));
        p
    }

    /// A bar alone (a backup's total), no JSON events of its own.
    pub fn bar_only(g: &Global, item: &str, len: u64) -> Self {
        Self::new(g, item, Some(len), false, true)
    }

    /// JSON events alone (each file of a backup, whose bar is the total's).
    pub fn events_only(g: &Global, item: &str, len: Option<u64>) -> Self {
        let p = Self::new(g, item, len, true, false);
        p.event("start", json!({ "total": len }));
        p
    }

    fn new(g: &Global, item: &str, len: Option<u64>, events: bool, bar: bool) -> Self {
        let json = events && g.progress == Mode::Json;
        let bar = bar && g.progress == Mode::Auto && !g.json && std::io::stderr().is_terminal();
        let pb = if bar {
            let pb = indicatif::ProgressBar::new(len.unwrap_or(0));
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{msg:30!} [{bar:30}] {bytes:>10}/{total_bytes:10} {bytes_per_sec:>12} ETA {eta}",
            ) {
                pb.set_style(style.progress_chars("=> "));
            }
            pb.set_message(item.to_owned());
            pb
        } else {
            indicatif::ProgressBar::hidden()
        };
        Self {
            pb,
            json,
            item: item.to_owned(),
            last: AtomicU64::new(0),
            retries: AtomicU64::new(0),
            emitted: Mutex::new(None),
        }
    }

    /// Bytes so far, of `total` when known. Fewer than before means a new attempt.
    pub fn report(&self, n: u64, total: Option<u64>) {
        if let Some(t) = total {
            self.pb.set_length(t);
        }
        if n < self.last.swap(n, Ordering::Relaxed) {
            let r = self.retries.fetch_add(1, Ordering::Relaxed) + 1;
            self.pb.set_message(format!("{} retrying ({r})", self.item));
            self.event("retry", json!({ "attempt": r + 1 }));
        }
        self.pb.set_position(n);
        if self.json {
            let now = Instant::now();
            let mut at = self
                .emitted
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let due = at.is_none_or(|t| now - t >= Duration::from_millis(200));
            if due || total == Some(n) {
                *at = Some(now);
                drop(at);
                self.event("progress", json!({ "bytes": n, "total": total }));
            }
        }
    }

    /// How many times the transfer started again.
    #[cfg(test)]
    pub fn retries(&self) -> u64 {
        self.retries.load(Ordering::Relaxed)
    }

    /// Adds `n` bytes (a backup's total bar).
    pub fn add(&self, n: u64) {
        self.pb.inc(n);
    }

    /// The transfer ended well.
    pub fn done(&self, bytes: u64) {
        self.pb.finish_and_clear();
        self.event("done", json!({ "bytes": bytes }));
    }

    /// The transfer failed.
    pub fn failed(&self, why: &str) {
        self.pb.finish_and_clear();
        self.event("error", json!({ "message": why }));
    }

    fn event(&self, event: &str, mut fields: serde_json::Value) {
        if !self.json {
            return;
        }
        fields["event"] = json!(event);
        fields["item"] = json!(self.item);
        // A closed stderr costs the events, not the transfer.
        use std::io::Write;
        let _ = writeln!(std::io::stderr().lock(), "{fields}");
    }
}
