//! `zoho backup verify DIR`: every file of a backup re-hashed against its manifest; missing,
//! changed and extra files reported, and exit 5 when there is any. With `--fix`, the missing
//! and changed ones leave the manifest (rewritten atomically) and changed files are removed, so
//! the next backup fetches them again.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde_json::json;

use crate::Global;
use crate::fail::Failure;
use crate::manifest::{self, Entry};

pub fn run(g: &Global, dir: &Path, fix: bool) -> Result<(), Failure> {
    let manifest_path = manifest::path_in(dir);
    if !manifest_path.is_file() {
        return Err(Failure::usage(format!(
            "{} has no manifest.jsonl: give the directory `zoho backup --out` wrote",
            dir.display()
        )));
    }
    let entries = manifest::load::<Entry>(&manifest_path)?;
    let (mut ok, mut missing, mut changed) = (0usize, Vec::new(), Vec::new());
    let mut listed: HashSet<PathBuf> = HashSet::new();
    for e in entries.iter().filter(|e| e.link_url.is_none()) {
        let path = dir.join(&e.path);
        listed.insert(path.clone());
        match std::fs::metadata(&path) {
            Err(_) => missing.push(e.path.clone()),
            Ok(m) if m.len() != e.size => changed.push(e.path.clone()),
            Ok(_) => match manifest::sha256_of(&path) {
                Ok(h) if h == e.sha256 => ok += 1,
                Ok(_) => changed.push(e.path.clone()),
                Err(err) => {
                    return Err(Failure::io(&format!("cannot read {}", path.display()), err));
                }
            },
        }
    }
    let mut extra = Vec::new();
    extra_files(dir, dir, &listed, &mut extra)?;
    extra.sort();
    if g.json {
        out!(
            "{}",
            json!({ "ok": ok, "missing": missing, "changed": changed, "extra": extra })
        );
    } else {
        out!(
            "{ok} file(s) match the manifest; {} missing, {} changed, {} extra.",
            missing.len(),
            changed.len(),
            extra.len()
        );
        for m in &missing {
            out!("  missing: {m}");
        }
        for c in &changed {
            out!("  changed: {c}");
        }
        for x in &extra {
            out!("  extra:   {x}");
        }
    }
    if missing.is_empty() && changed.is_empty() && extra.is_empty() {
        return Ok(());
    }
    if fix && !(missing.is_empty() && changed.is_empty()) {
        let bad: HashSet<&String> = missing.iter().chain(&changed).collect();
        for c in &changed {
            let _ = std::fs::remove_file(dir.join(c));
        }
        let mut text = String::new();
        for e in entries.iter().filter(|e| !bad.contains(&e.path)) {
            text.push_str(&serde_json::to_string(e).map_err(|x| Failure::usage(x.to_string()))?);
            text.push('\n');
        }
        let _writing = crate::interrupt::writing();
        zoho_token_store::write_private_atomic(&manifest_path, text.as_bytes())
            .map_err(|e| Failure::io("cannot rewrite the manifest", e))?;
        return Err(Failure::partial(format!(
            "{} file(s) forgotten in the manifest: run the same `zoho backup` command to fetch them again",
            bad.len()
        )));
    }
    Err(Failure::partial(
        "the backup does not match its manifest (listed above): `zoho backup verify --fix` forgets the missing and changed files, and the same `zoho backup` command then fetches them again",
    ))
}

/// Files under `dir` the manifest does not list (the manifest itself and restore's own log
/// aside), as paths relative to `root`.
fn extra_files(
    root: &Path,
    dir: &Path,
    listed: &HashSet<PathBuf>,
    out: &mut Vec<String>,
) -> Result<(), Failure> {
    let read = std::fs::read_dir(dir)
        .map_err(|e| Failure::io(&format!("cannot read {}", dir.display()), e))?;
    for entry in read {
        let entry = entry.map_err(|e| Failure::io(&format!("cannot read {}", dir.display()), e))?;
        let path = entry.path();
        if path.is_dir() {
            extra_files(root, &path, listed, out)?;
            continue;
        }
        let own = dir == root
            && matches!(
                entry.file_name().to_str(),
                Some("manifest.jsonl" | "restored.jsonl")
            );
        if !own && !listed.contains(&path) {
            let rel = path.strip_prefix(root).unwrap_or(&path);
            out.push(rel.display().to_string());
        }
    }
    Ok(())
}
