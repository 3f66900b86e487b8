//! Project automation.
//!
//! - `cargo xtask ci [--no-release]`: everything CI checks, in its order (`.ci/run` is this);
//!   see `ci.rs`. Exits non-zero on the first failure.
//! - `cargo xtask release <patch|minor|major> [--dry-run]`: see `release.rs`.
//! - `cargo xtask fuzz [--seconds N] [TARGET...]`: see `fuzz.rs`.
//! - `cargo xtask readme`: builds every Rust block of README.md as a crate outside the
//!   workspace, with only the dependencies the README names, and runs each twice against the
//!   emulator.
//! - `cargo xtask bench-emulator [MiB]`: uploads and downloads one file (default 100 MiB)
//!   through a release `zoho-emulator --data-dir` with curl, then sends an upload whose text
//!   field is 1 GiB, and reports wall times and the emulator's peak resident memory (VmHWM).
//!   Linux only (reads /proc).
//! - `cargo xtask bench [rounds] [backup-rounds]`: the one benchmark report, curl measured in
//!   the same run, over http and https: 100 MB up and down (`bench-transfer`), 1000 sequential
//!   list calls with callgrind instruction counts (`bench-calls`), the CLI's start-up plus one
//!   list and a 1000-file backup at concurrency 1/4/10 against a curl-per-file loop
//!   (`bench-cli`), and the typed parse (`bench-parse`). Linux only (reads /proc; needs curl,
//!   python3, valgrind and GNU time). `rounds` (default: 9 for the transfers, whose disk
//!   writes vary most, 5 for the calls) applies to both when given.
//! - `cargo xtask bench-transfer [MB] [runs]`: uploads and downloads one file (default 100 MB)
//!   through a release emulator with curl, the blocking client and the async client, each
//!   phase in its own process, `runs` paired rounds after a warm-up one (default 15), over
//!   http then https; reports every sample, the median times (transfer by each client's own
//!   clock, and whole process) and each client's peak resident memory.
//! - `cargo xtask bench-calls [calls] [rounds]`: `calls` sequential list calls (default 1000)
//!   in one process for curl and both clients, over http and https, in paired rounds (default
//!   5): wall, CPU per call, connections opened, peak RSS, and instructions per call under
//!   callgrind; see `bench_calls.rs`.
//! - `cargo xtask bench-cli [files] [rounds]`: `zoho` against curl; see `bench_cli.rs`.
//! - `cargo xtask bench-parse`: a 200-item attachment page parsed typed against
//!   `serde_json::Value`, in process, timed and under callgrind; see `bench_parse.rs`.
//! - `cargo xtask fleet [workers] [minutes] [scale]`: `workers` processes (default 8) share one
//!   refresh token through a `redis-server` for `minutes` of emulated time (default 20, run 60
//!   times faster than real time) with 60-second tokens; fails on any `Access Denied` or more
//!   than 10 tokens in a 10-minute window.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::Instant;

mod bench;
mod bench_calls;
mod bench_cli;
mod bench_parse;
mod ci;
mod fleet;
mod fuzz;
mod readme;
mod release;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("ci") => ci::run(!args.iter().any(|a| a == "--no-release")),
        Some("release") => match args.get(1).map(|l| release::Level::parse(l)) {
            Some(Ok(level)) => {
                let dry_run = args.iter().any(|a| a == "--dry-run");
                let ci = !args.iter().any(|a| a == "--no-ci");
                release::run(level, dry_run, ci)
            }
            Some(Err(e)) => Err(e),
            None => Err(String::from(
                "usage: cargo xtask release <patch|minor|major> [--dry-run] [--no-ci]",
            )),
        },
        Some("fuzz") => fuzz::run(&args[1..]),
        Some("bench") => {
            // The one report: every part below, over http and https, curl in the same run.
            let n = |i: usize, d: usize| args.get(i).and_then(|s| s.parse().ok()).unwrap_or(d);
            let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
            bench::run(100, n(1, 9), false)
                .and_then(|()| bench::run(100, n(1, 9), true))
                .and_then(|()| bench_calls::run(1000, n(1, 5)))
                .and_then(|()| bench_cli::run(1000, n(2, 3)))
                .and_then(|()| bench_parse::report(&root))
        }
        Some("bench-transfer") => {
            let mb = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(100);
            let runs = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(15);
            bench::run(mb, runs, false).and_then(|()| bench::run(mb, runs, true))
        }
        Some("bench-cli") => {
            let n = |i: usize, d: usize| args.get(i).and_then(|s| s.parse().ok()).unwrap_or(d);
            bench_cli::run(n(1, 1000), n(2, 3))
        }
        Some("bench-calls") => {
            let n = |i: usize, d: usize| args.get(i).and_then(|s| s.parse().ok()).unwrap_or(d);
            bench_calls::run(n(1, 1000), n(2, 5))
        }
        Some("bench-parse") => {
            bench_parse::report(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".."))
        }
        Some("bench-parse-loop") => {
            let root = std::env::var_os("ZOHO_BENCH_ROOT").map_or_else(
                || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".."),
                PathBuf::from,
            );
            let n = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1);
            bench_parse::parse_loop(&root, args.get(1).map_or("", String::as_str), n)
        }
        Some("bench-client") => bench::client(&args[1..]),
        Some("fleet") => {
            let n = |i: usize, d: u64| args.get(i).and_then(|s| s.parse().ok()).unwrap_or(d);
            fleet::run(&fleet::Plan {
                workers: n(1, 8) as usize,
                minutes: n(2, 20),
                scale: n(3, 60) as f64,
            })
        }
        Some("fleet-worker") => fleet::worker(&args[1..]),
        Some("readme") => readme::run(),
        Some("bench-emulator") => {
            let mib = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(100);
            bench_emulator(mib)
        }
        _ => Err(String::from(
            "usage: cargo xtask ci [--no-release] | release <patch|minor|major> [--dry-run] [--no-ci] | fuzz [--seconds N] [TARGET...] | readme | bench [rounds] [backup-rounds] | bench-transfer [MB] [runs] | bench-calls [calls] [rounds] | bench-cli [files] [rounds] | bench-parse | bench-emulator [MiB] | fleet [workers] [minutes] [scale]\n\n  ci               everything CI runs (.ci/run is this): fmt --check, clippy -D warnings, examples, READMEs, docs, tests, fleet, Zoho's Python SDK, fuzz smoke, release patch --dry-run\n  release          bump, CHANGELOG, CI, cargo package (built from the tarballs), cargo-semver-checks, the publish commands in order\n  fuzz             every fuzz target for N seconds (default 60) on nightly\n  readme           every README Rust block built alone and run twice against the emulator\n  bench            the one report, http and https, curl in the same run: 100 MB up and down, 1000 list calls (and callgrind), the CLI's start-up and list, a 1000-file backup at concurrency 1/4/10, the typed parse\n  bench-emulator   100 MiB up and down through zoho-emulator --data-dir, its peak RSS\n  fleet            8 workers on one Redis store, 20 emulated minutes of 60 s tokens: no Access Denied, <= 10 tokens per 10 minutes",
        )),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

pub(crate) fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| String::from("cargo"))
}

/// Kills the child when dropped.
pub(crate) struct Guard(pub(crate) Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A `/proc/PID/status` field in kB.
pub(crate) fn proc_kb(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

pub(crate) fn run(cmd: &mut Command) -> Result<String, String> {
    let out = cmd.output().map_err(|e| format!("{cmd:?}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{cmd:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn bench_emulator(mib: u64) -> Result<(), String> {
    let (root, work) = prepare(&["zoho-emulator"], "zoho-bench-emulator")?;
    let input = work.join("input.bin");
    write_file(&input, mib * 1024 * 1024)?;

    let (guard, base, token) = start_emulator(&root, &work.join("data"))?;
    let pid = guard.0.id();
    let idle_kb = proc_kb(pid, "VmRSS:").unwrap_or(0);
    let url = format!("{base}/crm/v8/Leads/5725767000000010001/Attachments");
    let auth = format!("Authorization: Zoho-oauthtoken {token}");

    let start = Instant::now();
    let answer = run(Command::new("curl")
        .args(["-sS", "--fail-with-body", "-X", "POST", "-H", &auth, "-F"])
        .arg(format!("file=@{}", input.display()))
        .arg(&url))?;
    let upload = start.elapsed();
    let after_upload_kb = proc_kb(pid, "VmHWM:").unwrap_or(0);
    let answer: serde_json::Value =
        serde_json::from_str(&answer).map_err(|e| format!("{e}: {answer}"))?;
    let id = answer["data"][0]["details"]["id"]
        .as_str()
        .ok_or_else(|| format!("no attachment id in {answer}"))?
        .to_owned();

    let output = work.join("output.bin");
    let start = Instant::now();
    run(Command::new("curl")
        .args(["-sS", "--fail", "-H", &auth, "-o"])
        .arg(&output)
        .arg(format!("{url}/{id}")))?;
    let download = start.elapsed();
    let peak_kb = proc_kb(pid, "VmHWM:").unwrap_or(0);

    // A multipart upload whose text field is 1 GiB: refused past the field limit, the rest
    // of the body read and dropped.
    let text = work.join("title.txt");
    write_text(&text, 1 << 30)?;
    let start = Instant::now();
    let answer = run(Command::new("curl")
        .args(["-sS", "-X", "POST", "-H", &auth, "-F"])
        .arg(format!("title=<{}", text.display()))
        .args(["-F", "attachmentUrl=https://www.zoho.com/crm/"])
        .arg(&url))?;
    let text_upload = start.elapsed();
    let text_peak_kb = proc_kb(pid, "VmHWM:").unwrap_or(0);
    let _ = std::fs::remove_file(&text);
    drop(guard);

    let same = files_equal(&input, &output)?;
    let _ = std::fs::remove_dir_all(&work);
    println!("zoho-emulator --data-dir, {mib} MiB file, curl as the client:");
    println!(
        "  resident memory idle:            {:>8.1} MiB",
        idle_kb as f64 / 1024.0
    );
    println!(
        "  peak resident after upload:      {:>8.1} MiB  ({:.2} s)",
        after_upload_kb as f64 / 1024.0,
        upload.as_secs_f64()
    );
    println!(
        "  peak resident after download:    {:>8.1} MiB  ({:.2} s)",
        peak_kb as f64 / 1024.0,
        download.as_secs_f64()
    );
    println!("  downloaded bytes identical:      {same}");
    println!(
        "  peak resident after a 1 GiB text field: {:>5.1} MiB  ({:.2} s, answered {})",
        text_peak_kb as f64 / 1024.0,
        text_upload.as_secs_f64(),
        answer.trim()
    );
    println!(
        "  target: peak under 64 MiB -> {}",
        if peak_kb.max(text_peak_kb) < 64 * 1024 {
            "met"
        } else {
            "NOT met"
        }
    );
    if !same {
        return Err(String::from(
            "the downloaded file differs from the uploaded one",
        ));
    }
    Ok(())
}

/// Builds `packages` in release mode and makes a fresh scratch directory; returns the
/// workspace root and the directory.
pub(crate) fn prepare(packages: &[&str], name: &str) -> Result<(PathBuf, PathBuf), String> {
    eprintln!("== building {} (release)", packages.join(", "));
    let mut cmd = Command::new(cargo());
    cmd.args(["build", "--release", "--locked", "-q"]);
    for p in packages {
        cmd.args(["-p", p]);
    }
    run(&mut cmd)?;
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let work = std::env::temp_dir().join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).map_err(|e| e.to_string())?;
    Ok((root, work))
}

/// Starts the release emulator with a data directory; returns it with its base URL and token.
pub(crate) fn start_emulator(
    root: &Path,
    data_dir: &Path,
) -> Result<(Guard, String, String), String> {
    let mut child = Command::new(root.join("target/release/zoho-emulator"))
        .args(["--port", "0", "--data-dir"])
        .arg(data_dir)
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not start the emulator: {e}"))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let guard = Guard(child);
    let (mut base, mut token) = (String::new(), String::new());
    // The emulator prints its settings, ending with the `admin=` line.
    for line in BufReader::new(stdout).lines() {
        let line = line.map_err(|e| e.to_string())?;
        if let Some(v) = line.strip_prefix("base_url=") {
            base = v.to_owned();
        }
        if let Some(v) = line.strip_prefix("access_token=") {
            token = v.to_owned();
        }
        if line.starts_with("admin=") {
            break;
        }
    }
    if base.is_empty() {
        return Err(String::from("the emulator printed no base_url"));
    }
    Ok((guard, base, token))
}

pub(crate) fn write_file(path: &Path, len: u64) -> Result<(), String> {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).map_err(|e| e.to_string())?);
    let mut block = vec![0u8; 1 << 20];
    let mut x: u32 = 0x9e37_79b9;
    for b in block.iter_mut() {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        *b = x as u8;
    }
    let mut left = len;
    while left > 0 {
        let n = left.min(block.len() as u64) as usize;
        f.write_all(&block[..n]).map_err(|e| e.to_string())?;
        block.rotate_left(7);
        left -= n as u64;
    }
    f.flush().map_err(|e| e.to_string())
}

/// A text file of `len` bytes (one long line, as a field's value would be).
fn write_text(path: &Path, len: u64) -> Result<(), String> {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).map_err(|e| e.to_string())?);
    let block = vec![b't'; 1 << 20];
    let mut left = len;
    while left > 0 {
        let n = left.min(block.len() as u64) as usize;
        f.write_all(&block[..n]).map_err(|e| e.to_string())?;
        left -= n as u64;
    }
    f.flush().map_err(|e| e.to_string())
}

pub(crate) fn files_equal(a: &Path, b: &Path) -> Result<bool, String> {
    use std::io::Read;
    let open = |p: &Path| {
        std::fs::File::open(p)
            .map(std::io::BufReader::new)
            .map_err(|e| e.to_string())
    };
    let (mut x, mut y) = (open(a)?, open(b)?);
    let (mut bx, mut by) = (vec![0u8; 1 << 16], vec![0u8; 1 << 16]);
    loop {
        let n = x.read(&mut bx).map_err(|e| e.to_string())?;
        let m = y.read_exact(&mut by[..n]).map(|()| n);
        match m {
            Ok(_) if n == 0 => return Ok(y.read(&mut by).map_err(|e| e.to_string())? == 0),
            Ok(_) if bx[..n] == by[..n] => {}
            _ => return Ok(false),
        }
    }
}
