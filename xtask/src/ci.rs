//! `cargo xtask ci`: everything CI checks, in the order it checks it; `.ci/run` is this and
//! nothing else. What a fresh machine lacks is installed here, and each install says what it
//! installs and from where: `redis-server` and `curl` from Debian's packages (apt-get),
//! Zoho's Python SDK from PyPI into `target/zoho-sdk-venv`, `cargo-semver-checks` and (where
//! a nightly toolchain is installed) `cargo-fuzz` from crates.io.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::{Guard, cargo};

/// Runs every step; the first failure stops the run. `release_dry_run` false leaves out the
/// last step (the release's own run of CI).
pub fn run(release_dry_run: bool) -> Result<(), String> {
    let root = std::env::current_dir().map_err(|e| e.to_string())?;
    let started = Instant::now();
    step("format", || cargo_ok(&["fmt", "--all", "--", "--check"]))?;
    step("clippy (warnings denied)", || {
        cargo_ok(&[
            "clippy",
            "--workspace",
            "--all-targets",
            "--locked",
            "--",
            "-D",
            "warnings",
        ])
    })?;
    step("the core stays free of I/O crates", || {
        free_of(
            &["tree", "-p", "zoho-core", "-e", "normal", "--locked"],
            &["reqwest", "ureq", "hyper", "tokio"],
        )
    })?;
    step("the blocking clients stay free of tokio", || {
        for p in ["zoho-crm", "zoho-bigin"] {
            free_of(
                &[
                    "tree",
                    "-p",
                    p,
                    "--no-default-features",
                    "--features",
                    "blocking",
                    "-e",
                    "normal",
                    "--locked",
                ],
                &["tokio", "hyper", "reqwest"],
            )?;
        }
        Ok(())
    })?;
    step(
        "the examples run (against an in-process emulator)",
        examples,
    )?;
    step("the README's first command", || {
        cargo_ok(&["run", "--locked", "-q", "-p", "zoho-cli", "--", "demo"])?;
        cargo_quiet(&[
            "run",
            "--locked",
            "-q",
            "-p",
            "zoho-core",
            "--example",
            "wire",
        ])
    })?;
    step(
        "every README's Rust blocks, each a crate outside the workspace, run twice",
        crate::readme::run,
    )?;
    step("docs build with warnings denied", || {
        let status = Command::new(cargo())
            .args([
                "doc",
                "--workspace",
                "--no-deps",
                "--all-features",
                "--locked",
                "-q",
            ])
            .env("RUSTDOCFLAGS", "-D warnings")
            .status()
            .map_err(|e| e.to_string())?;
        ok(status, "cargo doc")
    })?;
    step("MSRV: a build on the declared version if installed", || {
        msrv(&root)
    })?;
    step(
        "redis-server for the fleet tests (Debian's package; the tests start their own)",
        || debian("redis-server", "redis-server"),
    )?;
    step(
        "tests (the README's test command: cargo test --workspace)",
        || cargo_ok(&["test", "--workspace", "--locked"]),
    )?;
    step(
        "a fleet of 8 workers on one Redis store: no Access Denied, <= 10 tokens per 10 minutes",
        || {
            crate::fleet::run(&crate::fleet::Plan {
                workers: 8,
                minutes: 20,
                scale: 60.0,
            })
        },
    )?;
    step(
        "the emulator against Zoho's own Python SDK and the doc pages' curl commands",
        || python_checks(&root),
    )?;
    step(
        "fuzz smoke: every target for a few seconds on nightly",
        || crate::fuzz::smoke(&root),
    )?;
    if release_dry_run {
        let level = crate::release::declared_level(&root)?;
        step(
            "release --dry-run (a patch unless CHANGELOG.md declares a breaking change): packages, their builds, semver against the last release",
            || crate::release::run(level, true, false),
        )?;
    }
    eprintln!(
        "== xtask ci: all checks passed in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn step(name: &str, f: impl FnOnce() -> Result<(), String>) -> Result<(), String> {
    eprintln!("== {name}");
    let started = Instant::now();
    f().map_err(|e| format!("{name}: {e}"))?;
    eprintln!("   ({:.0} s)", started.elapsed().as_secs_f64());
    Ok(())
}

fn ok(status: std::process::ExitStatus, what: &str) -> Result<(), String> {
    if status.success() {
        Ok(())
    } else {
        Err(format!("{what} failed ({status})"))
    }
}

pub(crate) fn cargo_ok(args: &[&str]) -> Result<(), String> {
    let status = Command::new(cargo())
        .args(args)
        .status()
        .map_err(|e| format!("could not run cargo: {e}"))?;
    ok(status, &format!("cargo {}", args.join(" ")))
}

/// A cargo command whose output is not wanted (only its success).
fn cargo_quiet(args: &[&str]) -> Result<(), String> {
    crate::run(Command::new(cargo()).args(args)).map(drop)
}

/// `cargo tree ...` names none of the `forbidden` crates.
fn free_of(args: &[&str], forbidden: &[&str]) -> Result<(), String> {
    let tree = crate::run(Command::new(cargo()).args(args))?;
    match tree
        .lines()
        .find(|l| forbidden.iter().any(|c| l.contains(&format!(" {c} v"))))
    {
        Some(line) => Err(format!("cargo {} has {}", args.join(" "), line.trim())),
        None => Ok(()),
    }
}

fn examples() -> Result<(), String> {
    let run = |package: &str, features: &[&str], example: &str| {
        let mut args = vec!["run", "--locked", "-q", "-p", package];
        args.extend_from_slice(features);
        args.extend_from_slice(&["--example", example]);
        crate::run(Command::new(cargo()).args(&args))
    };
    run("zoho-crm", &[], "async_attachments")?;
    run(
        "zoho-crm",
        &["--features", "blocking"],
        "blocking_attachments",
    )?;
    let custom = run("zoho-crm", &["--no-default-features"], "custom_transport")?;
    print!("{custom}");
    let has = |start: &str, end: &str| {
        custom
            .lines()
            .any(|l| l.starts_with(start) && l.ends_with(end))
    };
    if !has("429 retried: ", " (2 answered 429)") {
        return Err("custom_transport did not retry its 429s".into());
    }
    if !has(
        "401 refreshed and replayed: ",
        " after 2 requests and 1 token request",
    ) {
        return Err("custom_transport did not refresh and replay its 401".into());
    }
    run("zoho-bigin", &[], "async_photo")?;
    run("zoho-bigin", &["--features", "blocking"], "blocking_photo")?;
    Ok(())
}

fn msrv(root: &Path) -> Result<(), String> {
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).map_err(|e| e.to_string())?;
    let msrv = manifest
        .lines()
        .find_map(|l| l.strip_prefix("rust-version = \""))
        .and_then(|v| v.strip_suffix('"'))
        .ok_or("Cargo.toml declares no rust-version")?;
    let toolchains = crate::run(Command::new("rustup").args(["toolchain", "list"]))?;
    if toolchains.lines().any(|l| l.starts_with(msrv)) {
        cargo_ok(&[
            &format!("+{msrv}"),
            "build",
            "--workspace",
            "--locked",
            "-q",
        ])
    } else {
        eprintln!(
            "rust {msrv} is not installed here: clippy's incompatible_msrv (warnings denied) stands in"
        );
        Ok(())
    }
}

/// A program from Debian's packages, installed with apt-get when it is missing.
pub(crate) fn debian(program: &str, package: &str) -> Result<(), String> {
    if on_path(program) {
        return Ok(());
    }
    eprintln!("{program} is missing: installing Debian's {package} with apt-get");
    let status = Command::new("apt-get")
        .args(["update", "-qq"])
        .status()
        .map_err(|e| format!("apt-get: {e}"))?;
    ok(status, "apt-get update")?;
    let status = Command::new("apt-get")
        .args(["install", "-y", "-qq", package])
        .stdout(Stdio::null())
        .status()
        .map_err(|e| format!("apt-get: {e}"))?;
    ok(status, &format!("apt-get install {package}"))
}

pub(crate) fn on_path(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A cargo subcommand from crates.io, installed with `cargo install --locked` when missing.
pub(crate) fn cargo_tool(tool: &str, about: &str) -> Result<(), String> {
    if on_path(&format!("cargo-{tool}")) {
        return Ok(());
    }
    eprintln!("cargo-{tool} is missing: installing it from crates.io ({about})");
    cargo_ok(&["install", "--locked", "-q", &format!("cargo-{tool}")])
}

/// Zoho's official Python SDK (PyPI `zohocrmsdk8-0`, in a venv under target/) and the doc
/// pages' curl commands, against a debug emulator.
fn python_checks(root: &Path) -> Result<(), String> {
    debian("curl", "curl")?;
    let venv = root.join("target/zoho-sdk-venv");
    let python = venv.join("bin/python");
    if !python.exists() {
        eprintln!("making a venv for Zoho's Python SDK: {}", venv.display());
        crate::run(Command::new("python3").arg("-m").arg("venv").arg(&venv))?;
    }
    eprintln!("pip install zohocrmsdk8-0 (from PyPI)");
    crate::run(Command::new(venv.join("bin/pip")).args(["install", "-q", "zohocrmsdk8-0"]))?;
    cargo_ok(&["build", "--locked", "-q", "-p", "zoho-emulator"])?;
    let mut child = Command::new(root.join("target/debug/zoho-emulator"))
        .args(["--port", "0"])
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not start the emulator: {e}"))?;
    let stdout = child.stdout.take().ok_or("the emulator has no stdout")?;
    let _guard = Guard(child);
    let mut base = None;
    for line in BufReader::new(stdout).lines() {
        let line = line.map_err(|e| e.to_string())?;
        if let Some(v) = line.strip_prefix("base_url=") {
            base = Some(v.to_owned());
        }
        if line.starts_with("admin=") {
            break;
        }
    }
    let base = base.ok_or("the emulator printed no base_url")?;
    let status = Command::new(&python)
        .arg("scripts/python_sdk_check.py")
        .arg(&base)
        .status()
        .map_err(|e| e.to_string())?;
    ok(status, "scripts/python_sdk_check.py")?;
    let docs = root.join("../shared/zoho-docs");
    if !docs.is_dir() {
        return Err(format!(
            "{} is missing beside the clone (Zoho's doc pages)",
            docs.display()
        ));
    }
    let status = Command::new("python3")
        .arg("scripts/doc_curls.py")
        .arg(&base)
        .arg(&docs)
        .status()
        .map_err(|e| e.to_string())?;
    ok(status, "scripts/doc_curls.py")
}
