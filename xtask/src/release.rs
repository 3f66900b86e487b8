//! `cargo xtask release <patch|minor|major> [--dry-run]`: everything a release needs short of
//! publishing, which stays a human's step.
//!
//! 1. The workspace version and every internal dependency's requirement move in lockstep (the
//!    README's `zoho-crm = "0.1"` lines too when the requirement changes), and Cargo.lock with
//!    them; CHANGELOG.md's "Unreleased" section goes under the new version.
//! 2. The whole CI runs (`cargo xtask ci`) on the bumped tree, unless CI is what called us (or
//!    `--no-ci` says it just passed on this commit).
//! 3. Every publishable crate is packaged in dependency order and each package is built from
//!    its tarball (`cargo package --workspace`), with the packages' sizes reported.
//! 4. `cargo-semver-checks` compares each library's public API with the previous release (the
//!    tag `v{version}`, or else the commit `Release {version}` that this command makes) and
//!    refuses what the bump does not allow: a breaking change in a patch or minor release.
//! 5. It prints the `cargo publish` commands in order, then the tag and push.
//!
//! `--dry-run` does all of it on a copy of the checkout's files under `target/release-dry-run`,
//! and leaves the checkout as it was. Without it the bumped files are committed as
//! `Release {version}` once every check has passed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{cargo, run as output};

/// Which part of the version moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Patch,
    Minor,
    Major,
}

impl Level {
    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "patch" => Ok(Level::Patch),
            "minor" => Ok(Level::Minor),
            "major" => Ok(Level::Major),
            _ => Err(format!(
                "`{s}` is not a release level: use patch, minor or major"
            )),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Level::Patch => "patch",
            Level::Minor => "minor",
            Level::Major => "major",
        }
    }
}

/// A version `major.minor.patch` (the workspace uses no pre-release or build parts).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Version(u64, u64, u64);

impl Version {
    pub fn parse(s: &str) -> Result<Self, String> {
        let parts: Vec<u64> = s
            .split('.')
            .map(|p| {
                p.parse()
                    .map_err(|_| format!("`{s}` is not a version x.y.z"))
            })
            .collect::<Result<_, _>>()?;
        match parts[..] {
            [a, b, c] => Ok(Version(a, b, c)),
            _ => Err(format!("`{s}` is not a version x.y.z")),
        }
    }

    pub fn bump(self, level: Level) -> Self {
        let Version(a, b, c) = self;
        match level {
            Level::Patch => Version(a, b, c + 1),
            Level::Minor => Version(a, b + 1, 0),
            Level::Major => Version(a + 1, 0, 0),
        }
    }

    /// The requirement users write for it: `0.1`, `1.2`.
    fn requirement(self) -> String {
        format!("{}.{}", self.0, self.1)
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

pub fn run(level: Level, dry_run: bool, with_ci: bool) -> Result<(), String> {
    let root = std::env::current_dir().map_err(|e| e.to_string())?;
    let manifest = read(&root.join("Cargo.toml"))?;
    let current = Version::parse(&workspace_version(&manifest)?)?;
    let next = current.bump(level);
    let baseline_rev = previous_release(&root, current)?;
    eprintln!(
        "release {} {current} -> {next}{}; API compared with {baseline_rev}",
        level.name(),
        if dry_run { " (dry run)" } else { "" }
    );
    if !dry_run {
        let dirty = output(Command::new("git").args(["status", "--porcelain"]))?;
        if !dirty.trim().is_empty() {
            return Err(format!(
                "the checkout has uncommitted changes: commit or stash them first\n{dirty}"
            ));
        }
    }
    let work = if dry_run {
        copy_tracked(&root, &root.join("target/release-dry-run/tree"))?
    } else {
        root.clone()
    };
    let target = root.join("target");

    bump(&root, &work, current, next)?;
    changelog(&work, next, dry_run)?;
    let lock = cargo_in(&work, &target)
        .args(["update", "--workspace", "--offline", "-q"])
        .status()
        .map_err(|e| e.to_string())?;
    if !lock.success() {
        return Err("cargo update --workspace could not move Cargo.lock to the new version".into());
    }
    if with_ci {
        eprintln!("== the whole CI on {next}");
        let status = Command::new(cargo())
            .args(["xtask", "ci", "--no-release"])
            .current_dir(&work)
            .status()
            .map_err(|e| e.to_string())?;
        if !status.success() {
            return Err(format!("CI failed on {next}: nothing was released"));
        }
    }
    let crates = publish_order(&work, &target)?;
    package(&work, &target, &crates, next)?;
    semver(
        &root,
        &work,
        &target,
        &baseline_rev,
        level,
        current,
        &crates,
    )?;

    if !dry_run {
        crate::run(Command::new("git").args(["commit", "-qam", &format!("Release {next}")]))?;
        eprintln!("committed `Release {next}`");
    }
    println!(
        "{} {next}: every check passed. Publish in this order:",
        if dry_run { "dry run of" } else { "release" }
    );
    for (name, _) in &crates {
        println!("  cargo publish -p {name}");
    }
    println!("then tag the release commit and push it:");
    println!("  git tag -a v{next} -m \"zoho-files {next}\"");
    println!("  git push origin main v{next}");
    if dry_run {
        println!(
            "(dry run: nothing in the checkout changed; the bumped copy is {})",
            work.display()
        );
    }
    Ok(())
}

/// Cargo in the release tree, with the checkout's target directory (its builds kept).
fn cargo_in(work: &Path, target: &Path) -> Command {
    let mut cmd = Command::new(cargo());
    cmd.current_dir(work).env("CARGO_TARGET_DIR", target);
    cmd
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

/// `version = "x.y.z"` of `[workspace.package]`.
fn workspace_version(manifest: &str) -> Result<String, String> {
    let mut in_package = false;
    for line in manifest.lines() {
        if line.starts_with('[') {
            in_package = line.trim() == "[workspace.package]";
        } else if in_package && let Some(v) = line.strip_prefix("version = \"") {
            return Ok(v.trim_end_matches('"').to_owned());
        }
    }
    Err("Cargo.toml has no version under [workspace.package]".into())
}

/// The previous release: the tag `v{version}`, or else the commit `Release {version}`.
fn previous_release(root: &Path, version: Version) -> Result<String, String> {
    let tag = format!("v{version}");
    let has_tag = Command::new("git")
        .args([
            "rev-parse",
            "-q",
            "--verify",
            &format!("refs/tags/{tag}^{{commit}}"),
        ])
        .current_dir(root)
        .output()
        .map_err(|e| format!("git: {e}"))?;
    if has_tag.status.success() {
        return Ok(tag);
    }
    let subject = format!("^Release {}$", version.to_string().replace('.', "\\."));
    let commit = output(
        Command::new("git")
            .args(["log", "-n1", "--format=%H", "--grep", &subject])
            .current_dir(root),
    )?;
    let commit = commit.trim();
    if commit.is_empty() {
        return Err(format!(
            "no previous release of {version} to compare the API with: neither a tag {tag} nor a \
             commit `Release {version}` is in this clone's history (a shallow clone? \
             `git fetch --tags --unshallow`)"
        ));
    }
    Ok(commit.to_owned())
}

/// The files git tracks or would (as they are on disk, edits and new files included) copied to
/// `dir`, symlinks kept.
fn copy_tracked(root: &Path, dir: &Path) -> Result<PathBuf, String> {
    let _ = std::fs::remove_dir_all(dir);
    let files = output(
        Command::new("git")
            .args([
                "ls-files",
                "-z",
                "--cached",
                "--others",
                "--exclude-standard",
            ])
            .current_dir(root),
    )?;
    for file in files.split('\0').filter(|f| !f.is_empty()) {
        let (from, to) = (root.join(file), dir.join(file));
        let io = |e: std::io::Error| format!("{}: {e}", to.display());
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        match std::fs::read_link(&from) {
            Ok(link) => symlink(&link, &to).map_err(io)?,
            Err(_) if from.exists() => {
                std::fs::copy(&from, &to).map_err(io)?;
            }
            Err(_) => {} // deleted in the working tree
        }
    }
    Ok(dir.to_owned())
}

#[cfg(unix)]
fn symlink(link: &Path, to: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(link, to)
}

#[cfg(not(unix))]
fn symlink(_link: &Path, _to: &Path) -> std::io::Result<()> {
    Err(std::io::Error::other(
        "the release dry run copies symlinks on Unix only",
    ))
}

/// The workspace version, the internal dependencies' `version = "…"` (in every manifest), and
/// the `zoho-… = "x.y"` requirements shown in the Markdown files.
fn bump(root: &Path, work: &Path, from: Version, to: Version) -> Result<(), String> {
    let mut manifests = vec![work.join("Cargo.toml")];
    for dir in std::fs::read_dir(work.join("crates")).map_err(|e| e.to_string())? {
        let manifest = dir.map_err(|e| e.to_string())?.path().join("Cargo.toml");
        if manifest.is_file() {
            manifests.push(manifest);
        }
    }
    let (old, new) = (format!("\"{from}\""), format!("\"{to}\""));
    for path in &manifests {
        let text = read(path)?;
        let mut in_package = false;
        let mut out = String::with_capacity(text.len());
        for line in text.split_inclusive('\n') {
            if line.starts_with('[') {
                in_package = line.trim() == "[workspace.package]";
            }
            let ours = line.starts_with("zoho-") && line.contains("version = ");
            let package_version = in_package && line.starts_with("version = ");
            if ours || package_version {
                out.push_str(&line.replace(&old, &new));
            } else {
                out.push_str(line);
            }
        }
        write(path, &out)?;
    }
    let (old_req, new_req) = (from.requirement(), to.requirement());
    if old_req != new_req {
        let files = output(
            Command::new("git")
                .args(["ls-files", "*.md"])
                .current_dir(root),
        )?;
        let files: Vec<PathBuf> = files.lines().map(|f| work.join(f)).collect();
        for path in files.iter().filter(|p| p.is_file()) {
            let text = read(path)?;
            let out: String = text
                .split_inclusive('\n')
                .map(|line| {
                    if line.starts_with("zoho-") {
                        line.replace(&format!("\"{old_req}\""), &format!("\"{new_req}\""))
                    } else {
                        line.to_owned()
                    }
                })
                .collect();
            if out != text {
                write(path, &out)?;
            }
        }
    }
    let after = workspace_version(&read(&work.join("Cargo.toml"))?)?;
    if after != to.to_string() {
        return Err(format!(
            "the workspace version is {after} after the bump, not {to}"
        ));
    }
    Ok(())
}

/// CHANGELOG.md: the "## Unreleased" section's entries move under "## {version} — {date}".
fn changelog(work: &Path, version: Version, dry_run: bool) -> Result<(), String> {
    let path = work.join("CHANGELOG.md");
    let text = read(&path)?;
    let heading = "## Unreleased\n";
    let start = text
        .find(heading)
        .ok_or("CHANGELOG.md has no `## Unreleased` section")?;
    let body_start = start + heading.len();
    let body_end = text[body_start..]
        .find("\n## ")
        .map_or(text.len(), |i| body_start + i + 1);
    let body = text[body_start..body_end].trim();
    if body.is_empty() {
        if !dry_run {
            return Err(
                "CHANGELOG.md says nothing under `## Unreleased`: write what changed first".into(),
            );
        }
        eprintln!(
            "warning: CHANGELOG.md says nothing under `## Unreleased` (a release would refuse)"
        );
    }
    let body = if body.is_empty() {
        String::new()
    } else {
        format!("{body}\n\n")
    };
    let out = format!(
        "{}{heading}\n## {version} — {}\n\n{body}{}",
        &text[..start],
        today(),
        &text[body_end..]
    );
    write(&path, &out)
}

/// Today's date, `YYYY-MM-DD` (UTC), from the system clock.
fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    civil((secs / 86_400) as i64)
}

/// Days since 1970-01-01 as `YYYY-MM-DD` (Howard Hinnant's civil_from_days).
fn civil(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The publishable crates (name, has a library), each after every workspace crate it depends on
/// in any way (crates.io wants even a dev-dependency published first).
fn publish_order(work: &Path, target: &Path) -> Result<Vec<(String, bool)>, String> {
    let meta = output(cargo_in(work, target).args([
        "metadata",
        "--format-version",
        "1",
        "--no-deps",
        "--locked",
        "--offline",
    ]))?;
    let meta: serde_json::Value = serde_json::from_str(&meta).map_err(|e| e.to_string())?;
    let packages = meta["packages"]
        .as_array()
        .ok_or("cargo metadata: no packages")?;
    let publishable = |p: &serde_json::Value| p["publish"].as_array().is_none_or(|r| !r.is_empty());
    let mut deps: BTreeMap<String, (Vec<String>, bool)> = BTreeMap::new();
    for p in packages.iter().filter(|p| publishable(p)) {
        let name = p["name"].as_str().unwrap_or_default().to_owned();
        let on: Vec<String> = p["dependencies"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|d| d["path"].is_string())
            .filter_map(|d| d["name"].as_str().map(str::to_owned))
            .collect();
        let lib = p["targets"].as_array().into_iter().flatten().any(|t| {
            t["kind"]
                .as_array()
                .is_some_and(|k| k.iter().any(|k| k == "lib"))
        });
        deps.insert(name, (on, lib));
    }
    for (name, (on, _)) in &deps {
        if let Some(d) = on.iter().find(|d| !deps.contains_key(*d)) {
            return Err(format!(
                "{name} depends on {d}, which is not published: crates.io would refuse {name}"
            ));
        }
    }
    let mut order: Vec<(String, bool)> = Vec::new();
    while order.len() < deps.len() {
        let ready = deps.iter().find(|(name, (on, _))| {
            !order.iter().any(|(n, _)| n == *name)
                && on.iter().all(|d| order.iter().any(|(n, _)| n == d))
        });
        match ready {
            Some((name, (_, lib))) => order.push((name.clone(), *lib)),
            None => return Err("the workspace crates depend on each other in a cycle".into()),
        }
    }
    Ok(order)
}

/// `cargo package` of every publishable crate, each built from its own tarball against the
/// others' (cargo's local registry for the workspace), and each package's size.
fn package(
    work: &Path,
    target: &Path,
    crates: &[(String, bool)],
    version: Version,
) -> Result<(), String> {
    eprintln!("== cargo package, each package built from its tarball");
    forget_unpacked(crates, version);
    // The same goes for what cargo built of them as registry crates: a registry version is
    // taken to never change, so its build would be reused. `cargo clean -p` drops our crates'
    // builds only (their dependencies stay built).
    let status = cargo_in(work, target)
        .args(["clean", "-q", "--offline"])
        .args(crates.iter().flat_map(|(name, _)| ["-p", name]))
        .status()
        .map_err(|e| e.to_string())?;
    if !status.success() {
        return Err("cargo clean of the earlier package builds failed".into());
    }
    let status = cargo_in(work, target)
        .args(["package", "--locked", "--allow-dirty"])
        .args(crates.iter().flat_map(|(name, _)| ["-p", name]))
        .status()
        .map_err(|e| e.to_string())?;
    if !status.success() {
        return Err("cargo package failed".into());
    }
    println!("packages ({version}):");
    for (name, _) in crates {
        let file = target.join(format!("package/{name}-{version}.crate"));
        let len = std::fs::metadata(&file)
            .map_err(|e| format!("{}: {e}", file.display()))?
            .len();
        println!("  {name:<26} {:>7.1} KiB", len as f64 / 1024.0);
    }
    Ok(())
}

/// Removes what an earlier `cargo package` of the same version unpacked from its local
/// registry (`$CARGO_HOME/registry/src/-<hash>/<crate>-<version>`): cargo keys that directory by
/// the registry's path, not by the package's contents, and would build the next run's
/// packages against the earlier sources. crates.io's directories are never touched.
fn forget_unpacked(crates: &[(String, bool)], version: Version) {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
    let Some(src) = home.map(|h| h.join("registry/src")) else {
        return;
    };
    let Ok(registries) = std::fs::read_dir(&src) else {
        return;
    };
    for registry in registries.flatten() {
        if !registry.file_name().to_string_lossy().starts_with('-') {
            continue; // a real registry such as index.crates.io-…
        }
        for (name, _) in crates {
            let stale = registry.path().join(format!("{name}-{version}"));
            if stale.is_dir() && std::fs::remove_dir_all(&stale).is_ok() {
                eprintln!("removed {} (an earlier dry run's sources)", stale.display());
            }
        }
    }
}

/// cargo-semver-checks on every published library against the baseline's source.
fn semver(
    root: &Path,
    work: &Path,
    target: &Path,
    baseline_rev: &str,
    level: Level,
    current: Version,
    crates: &[(String, bool)],
) -> Result<(), String> {
    crate::ci::cargo_tool("semver-checks", "a few minutes' build, once")?;
    let baseline = root.join("target/release-dry-run/baseline");
    let _ = std::fs::remove_dir_all(&baseline);
    std::fs::create_dir_all(&baseline).map_err(|e| e.to_string())?;
    let archive = Command::new("git")
        .args(["archive", "--format=tar", baseline_rev])
        .current_dir(root)
        .output()
        .map_err(|e| format!("git archive: {e}"))?;
    if !archive.status.success() {
        return Err(format!("git archive {baseline_rev} failed"));
    }
    let tar = baseline.join("baseline.tar");
    std::fs::write(&tar, &archive.stdout).map_err(|e| e.to_string())?;
    crate::run(
        Command::new("tar")
            .arg("-xf")
            .arg(&tar)
            .arg("-C")
            .arg(&baseline),
    )?;
    eprintln!(
        "== cargo semver-checks: the public API against {baseline_rev}, as a {} release",
        level.name()
    );
    let libraries = crates.iter().filter(|(_, lib)| *lib);
    let status = cargo_in(work, target)
        .args(["semver-checks", "--baseline-root"])
        .arg(&baseline)
        .args(["--release-type", checked_as(level, current).name()])
        .args(libraries.flat_map(|(name, _)| ["-p", name]))
        .status()
        .map_err(|e| e.to_string())?;
    if !status.success() {
        return Err(format!(
            "cargo semver-checks found changes a {} release may not make (above): make it a {} \
             release, or keep the old API",
            level.name(),
            if level == Level::Patch && current.0 == 0 {
                "minor"
            } else {
                "major"
            }
        ));
    }
    Ok(())
}

/// What cargo-semver-checks is told to allow: before 1.0 a minor release (0.1 to 0.2) is the
/// one that may break, which it names major (it takes `--release-type minor` as 1.x's minor).
fn checked_as(level: Level, current: Version) -> Level {
    match (level, current.0) {
        (Level::Minor, 0) => Level::Major,
        _ => level,
    }
}

/// The level CI's dry run checks: a patch, unless CHANGELOG.md's "Unreleased" section has a
/// `### Breaking` heading, which asks for the release that may break (a minor one before 1.0).
/// A breaking change that the CHANGELOG does not declare fails CI.
pub fn declared_level(root: &Path) -> Result<Level, String> {
    let text = read(&root.join("CHANGELOG.md"))?;
    let version = Version::parse(&workspace_version(&read(&root.join("Cargo.toml"))?)?)?;
    Ok(level_in(&text, version))
}

fn level_in(changelog: &str, version: Version) -> Level {
    let unreleased = changelog
        .split("\n## ")
        .find(|s| s.starts_with("Unreleased"))
        .unwrap_or_default();
    let breaking = unreleased
        .lines()
        .any(|l| l.trim_start().starts_with("### Breaking"));
    match (breaking, version.0) {
        (false, _) => Level::Patch,
        (true, 0) => Level::Minor,
        (true, _) => Level::Major,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_bump_and_reset() {
        let v = Version::parse("0.1.9").unwrap_or(Version(9, 9, 9));
        assert_eq!(v.bump(Level::Patch).to_string(), "0.1.10");
        assert_eq!(v.bump(Level::Minor).to_string(), "0.2.0");
        assert_eq!(v.bump(Level::Major).to_string(), "1.0.0");
        assert!(Version::parse("0.1").is_err());
        assert!(Version::parse("0.1.x").is_err());
        assert!(Level::parse("huge").is_err_and(|e| e.contains("patch, minor or major")));
    }

    #[test]
    fn the_workspace_version_is_read_from_its_section() {
        let toml = "[package]\nversion = \"9.9.9\"\n[workspace.package]\nversion = \"0.1.0\"\n";
        assert_eq!(workspace_version(toml).as_deref(), Ok("0.1.0"));
    }

    #[test]
    fn days_become_dates() {
        assert_eq!(civil(0), "1970-01-01");
        assert_eq!(civil(11_016), "2000-02-29");
        assert_eq!(civil(20_789), "2026-12-02");
    }

    #[test]
    fn a_declared_breaking_change_asks_for_the_breaking_level() {
        let v0 = Version(0, 1, 0);
        let plain =
            "# Changelog\n\n## Unreleased\n\n### Fixed\n- x\n\n## 0.1.0\n\n### Breaking\n- old\n";
        assert_eq!(level_in(plain, v0), Level::Patch);
        let breaking = "# Changelog\n\n## Unreleased\n\n### Breaking\n- y\n\n## 0.1.0\n";
        assert_eq!(level_in(breaking, v0), Level::Minor);
        assert_eq!(level_in(breaking, Version(1, 2, 0)), Level::Major);
        assert_eq!(
            checked_as(Level::Minor, v0),
            Level::Major,
            "0.1 to 0.2 may break"
        );
        assert_eq!(checked_as(Level::Minor, Version(1, 2, 0)), Level::Minor);
        assert_eq!(checked_as(Level::Patch, v0), Level::Patch);
    }
}
