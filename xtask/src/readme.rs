//! `cargo xtask readme`: every Rust block of README.md and of each crate's README, built as a crate of its own outside the
//! workspace (so it gets no dev-dependency by accident) with exactly the dependencies the
//! `toml` blocks since the previous Rust block name, then run twice in one scratch directory
//! against a fresh emulator of its own: a block must run as pasted, and its second run must not trip on
//! what the first left.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use crate::cargo;

/// One README program: its dependency lines and its source.
struct Block {
    /// `README.md line 40`, `crates/crm/README.md line 12`.
    at: String,
    deps: Vec<String>,
    source: String,
}

pub fn run() -> Result<(), String> {
    let root = std::env::current_dir().map_err(|e| e.to_string())?;
    let mut blocks = Vec::new();
    for readme in readmes(&root)? {
        let text = std::fs::read_to_string(root.join(&readme)).map_err(|e| e.to_string())?;
        blocks.extend(self::blocks(&readme, &text)?);
    }
    let work = root.join("target/readme");
    let _ = std::fs::remove_dir_all(&work);
    let mut crates = Vec::new();
    for (i, b) in blocks.iter().enumerate() {
        let dir = work.join(format!("block-{}", i + 1));
        write_crate(&root, &dir, i + 1, b)?;
        crates.push(dir);
    }
    let build = |dir: &Path| {
        let status = Command::new(cargo())
            .args(["build", "-q", "--manifest-path"])
            .arg(dir.join("Cargo.toml"))
            .env("CARGO_TARGET_DIR", work.join("target"))
            .status()
            .map_err(|e| e.to_string())?;
        status
            .success()
            .then_some(())
            .ok_or(format!("{} does not build", dir.display()))
    };
    for (dir, b) in crates.iter().zip(&blocks) {
        build(dir).map_err(|e| format!("{}: {e}", b.at))?;
    }
    let status = Command::new(cargo())
        .args(["build", "-q", "-p", "zoho-emulator"])
        .status()
        .map_err(|e| e.to_string())?;
    if !status.success() {
        return Err("zoho-emulator does not build".into());
    }
    for (i, (dir, b)) in crates.iter().zip(&blocks).enumerate() {
        let bin = work.join(format!("target/debug/readme-block-{}", i + 1));
        run_twice(&root, &bin, &dir.join("run")).map_err(|e| format!("{}: {e}", b.at))?;
        println!("{}: built alone, ran twice", b.at);
    }
    Ok(())
}

/// Runs a block's program twice in one scratch directory against a fresh emulator (each block
/// its own, so that the blocks' token requests stay within Zoho's 10 per 10 minutes).
fn run_twice(root: &Path, bin: &Path, scratch: &Path) -> Result<(), String> {
    std::fs::create_dir_all(scratch).map_err(|e| e.to_string())?;
    let mut emulator = Command::new(root.join("target/debug/zoho-emulator"))
        .args(["--port", "0"])
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start zoho-emulator: {e}"))?;
    let result = emulator_vars(&mut emulator).and_then(|vars| {
        for round in 1..=2 {
            let out = Command::new(bin)
                .current_dir(scratch)
                .envs(vars.iter().map(|(k, v)| (k.as_str(), v.as_str())))
                .output()
                .map_err(|e| e.to_string())?;
            if !out.status.success() {
                return Err(format!(
                    "run {round} failed: {}{}",
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                ));
            }
        }
        Ok(())
    });
    let _ = emulator.kill();
    let _ = emulator.wait();
    result
}

/// The workspace's README.md, then each published crate's (crates/*/README.md, by name).
fn readmes(root: &Path) -> Result<Vec<String>, String> {
    let mut out = vec![String::from("README.md")];
    let mut crates: Vec<String> = std::fs::read_dir(root.join("crates"))
        .map_err(|e| e.to_string())?
        .filter_map(|d| d.ok()?.file_name().into_string().ok())
        .filter(|name| root.join("crates").join(name).join("README.md").is_file())
        .map(|name| format!("crates/{name}/README.md"))
        .collect();
    crates.sort();
    out.extend(crates);
    Ok(out)
}

/// The Rust blocks with the `toml` dependency lines that come before each (since the last one).
fn blocks(file: &str, text: &str) -> Result<Vec<Block>, String> {
    let mut out = Vec::new();
    let mut deps = Vec::new();
    let mut lines = text.lines().enumerate();
    while let Some((n, line)) = lines.next() {
        let Some(lang) = line.strip_prefix("```") else {
            continue;
        };
        let mut body = Vec::new();
        for (_, l) in lines.by_ref() {
            if l.starts_with("```") {
                break;
            }
            body.push(l);
        }
        if lang == "toml" {
            deps.extend(
                body.iter()
                    .filter(|l| !l.starts_with('['))
                    .map(|l| l.to_string()),
            );
        } else if lang.starts_with("rust") {
            out.push(Block {
                at: format!("{file} line {}", n + 1),
                deps: std::mem::take(&mut deps),
                source: body.join("\n") + "\n",
            });
        }
    }
    if out.is_empty() && file == "README.md" {
        return Err(format!("{file} has no Rust block"));
    }
    Ok(out)
}

/// A package outside the workspace: the block's dependencies, the project's crates patched in
/// from this checkout, and the workspace's lock file for the same versions.
fn write_crate(root: &Path, dir: &Path, n: usize, b: &Block) -> Result<(), String> {
    let io = |e: std::io::Error| format!("{}: {e}", dir.display());
    std::fs::create_dir_all(dir.join("src")).map_err(io)?;
    let crates = [
        ("zoho-core", "core"),
        ("zoho-fs", "fs"),
        ("zoho-token-store", "token-store"),
        ("zoho-emulator", "emulator"),
        ("zoho-blocking-transport", "blocking-transport"),
        ("zoho-async-transport", "async-transport"),
        ("zoho-crm", "crm"),
        ("zoho-bigin", "bigin"),
    ];
    let patches: Vec<String> = crates
        .iter()
        .map(|(name, path)| format!("{name} = {{ path = {:?} }}", root.join("crates").join(path)))
        .collect();
    let manifest = format!(
        "[package]\nname = \"readme-block-{n}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n[dependencies]\n{}\n\n[patch.crates-io]\n{}\n\n[workspace]\n",
        b.deps.join("\n"),
        patches.join("\n")
    );
    std::fs::write(dir.join("Cargo.toml"), manifest).map_err(io)?;
    std::fs::write(dir.join("src/main.rs"), &b.source).map_err(io)?;
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).map_err(io)?;
    Ok(())
}

/// The variables of the emulator's `export` line.
fn emulator_vars(emulator: &mut std::process::Child) -> Result<Vec<(String, String)>, String> {
    let stdout = emulator.stdout.take().ok_or("the emulator has no stdout")?;
    for line in BufReader::new(stdout).lines() {
        let line = line.map_err(|e| e.to_string())?;
        if let Some(rest) = line.strip_prefix("export ") {
            return Ok(rest
                .split_whitespace()
                .filter_map(|kv| kv.split_once('='))
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect());
        }
    }
    Err("the emulator printed no export line".into())
}
