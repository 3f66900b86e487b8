//! `cargo xtask fuzz [--seconds N] [TARGET...]`: every fuzz target under `fuzz/` (cargo-fuzz,
//! libFuzzer, on the nightly toolchain) for N seconds each (default 60), seeded from the
//! response fixtures (`crates/core/tests/fixtures`) and `fuzz/seeds/<target>`; prints the
//! executions of each and fails on the first crash, naming its reproducer in
//! `fuzz/artifacts/<target>/`.
//!
//! CI runs [`smoke`]: a few seconds of each target where a nightly toolchain is installed, and
//! a plain line saying it was skipped where none is.

use std::path::Path;
use std::process::{Command, Stdio};

/// Every target, as `fuzz/Cargo.toml` names them.
pub const TARGETS: &[&str] = &[
    "answers",
    "disposition",
    "token_answers",
    "error_envelope",
    "emulator_multipart",
    "emulator_query",
];

/// Targets whose inputs are whole HTTP answers, seeded with every fixture.
const FROM_FIXTURES: &[&str] = &["answers", "token_answers", "error_envelope"];

/// Seconds per target in CI's smoke run.
const SMOKE_SECONDS: u64 = 10;

pub fn run(args: &[String]) -> Result<(), String> {
    let mut seconds = 60;
    let mut only = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--seconds" => {
                seconds = it
                    .next()
                    .and_then(|s| s.parse().ok())
                    .filter(|&s: &u64| s > 0)
                    .ok_or("--seconds needs a whole number of seconds above 0")?;
            }
            t if TARGETS.contains(&t) => only.push(t),
            other => {
                return Err(format!(
                    "`{other}` is not a fuzz target: {}",
                    TARGETS.join(", ")
                ));
            }
        }
    }
    let root = std::env::current_dir().map_err(|e| e.to_string())?;
    if !nightly() {
        return Err(
            "cargo fuzz needs a nightly toolchain: rustup toolchain install nightly".into(),
        );
    }
    let targets = if only.is_empty() {
        TARGETS.to_vec()
    } else {
        only
    };
    fuzz(&root, &targets, seconds)
}

/// A few seconds of every target on nightly; where there is no nightly, says so and passes.
pub fn smoke(root: &Path) -> Result<(), String> {
    if !nightly() {
        println!(
            "no nightly toolchain here: fuzz smoke skipped (rustup toolchain install nightly, then cargo xtask fuzz)"
        );
        return Ok(());
    }
    fuzz(root, TARGETS, SMOKE_SECONDS)
}

fn nightly() -> bool {
    Command::new("rustup")
        .args(["run", "nightly", "rustc", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn fuzz(root: &Path, targets: &[&str], seconds: u64) -> Result<(), String> {
    crate::ci::cargo_tool("fuzz", "about two minutes' build, once")?;
    let dir = root.join("fuzz");
    eprintln!("== cargo +nightly fuzz build (every target, with AddressSanitizer)");
    let status = Command::new("cargo")
        .args(["+nightly", "fuzz", "build"])
        .current_dir(&dir)
        .status()
        .map_err(|e| format!("cargo +nightly fuzz: {e}"))?;
    if !status.success() {
        return Err("the fuzz targets do not build".into());
    }
    let mut report = Vec::new();
    for target in targets {
        let corpus = dir.join("corpus").join(target);
        seed(root, target, &corpus)?;
        eprintln!("== fuzz {target} for {seconds} s");
        let seeds = dir.join("seeds").join(target);
        let artifacts = dir.join("artifacts").join(target);
        let before = count(&artifacts);
        let out = Command::new("cargo")
            .args(["+nightly", "fuzz", "run", target])
            .arg(&corpus)
            .args(seeds.is_dir().then_some(&seeds))
            .args([
                "--",
                &format!("-max_total_time={seconds}"),
                "-print_final_stats=1",
                "-max_len=65536",
            ])
            .current_dir(&dir)
            .stdout(Stdio::inherit())
            .output()
            .map_err(|e| format!("cargo +nightly fuzz run {target}: {e}"))?;
        let log = String::from_utf8_lossy(&out.stderr);
        let stat = |name: &str| {
            log.lines()
                .find_map(|l| l.strip_prefix(&format!("stat::{name}:")))
                .map(|v| v.trim().to_owned())
                .unwrap_or_else(|| String::from("?"))
        };
        if !out.status.success() {
            let tail: Vec<&str> = log.lines().rev().take(40).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            let what = if count(&artifacts) > before {
                format!(
                    "found a crash: its input is in fuzz/artifacts/{target}/, and \
                     `cargo +nightly fuzz run {target} <file>` replays it"
                )
            } else {
                String::from("did not run")
            };
            return Err(format!("fuzz target {target} {what}:\n{}", tail.join("\n")));
        }
        report.push(format!(
            "  {target:<20} {:>10} executions in {seconds} s, {:>6} exec/s, corpus {} inputs, no crash",
            stat("number_of_executed_units"),
            stat("average_exec_per_sec"),
            count(&corpus),
        ));
    }
    println!("fuzzing, {seconds} s per target:");
    for line in report {
        println!("{line}");
    }
    Ok(())
}

/// Puts the seeds a target starts from into its corpus: every fixture answer for the answer
/// parsers, the fixtures' Content-Disposition values for the disposition parser. (The
/// emulator targets' seeds are in `fuzz/seeds/<target>`, passed as a second corpus.)
fn seed(root: &Path, target: &str, corpus: &Path) -> Result<(), String> {
    let io = |e: std::io::Error| format!("{}: {e}", corpus.display());
    std::fs::create_dir_all(corpus).map_err(io)?;
    let fixtures = root.join("crates/core/tests/fixtures");
    for product in std::fs::read_dir(&fixtures).map_err(|e| e.to_string())? {
        let product = product.map_err(|e| e.to_string())?.path();
        for f in std::fs::read_dir(&product).map_err(|e| e.to_string())? {
            let f = f.map_err(|e| e.to_string())?.path();
            let bytes = std::fs::read(&f).map_err(|e| format!("{}: {e}", f.display()))?;
            let name = format!(
                "fixture-{}-{}",
                product.file_name().unwrap_or_default().to_string_lossy(),
                f.file_name().unwrap_or_default().to_string_lossy()
            );
            let seed = if FROM_FIXTURES.contains(&target) {
                Some(bytes)
            } else if target == "disposition" {
                String::from_utf8_lossy(&bytes)
                    .lines()
                    .find_map(|l| l.strip_prefix("Content-Disposition:"))
                    .map(|v| v.trim().as_bytes().to_vec())
            } else {
                None
            };
            if let Some(seed) = seed {
                std::fs::write(corpus.join(name), seed).map_err(io)?;
            }
        }
    }
    Ok(())
}

fn count(dir: &Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |d| d.count())
}
