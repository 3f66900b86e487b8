//! `zoho restore DIR`: a backup uploaded again, to the same records or to others (a mapping
//! file), in the org the flags name (another profile, data centre or base URL: a migration).
//! What was uploaded is logged in `restored.jsonl` beside the manifest, per target; a re-run
//! skips it, and skips what the target record already has (same name and size, or the same
//! link), so an interrupted restore re-run uploads only what is missing.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use clap::Args;
use serde::{Deserialize, Serialize};
use serde_json::json;
use zoho_blocking_transport::Attachments;
use zoho_core::RecordId;

use crate::fail::Failure;
use crate::manifest::{self, Appender, Entry};
use crate::{Global, settings, transport};

#[derive(Args)]
pub struct RestoreArgs {
    /// The backup directory (what `zoho backup --out` wrote).
    dir: PathBuf,
    /// The module to restore into (default: each entry's own, as the manifest names it).
    #[arg(long)]
    module: Option<String>,
    /// Record ids to restore to: a file of `SOURCE_ID TARGET_ID` lines (space or comma); other
    /// records go to the same id.
    #[arg(long)]
    map: Option<PathBuf>,
    /// Print what would be uploaded, and stop.
    #[arg(long)]
    dry_run: bool,
}

/// One line of `restored.jsonl`.
#[derive(Serialize, Deserialize)]
struct Restored {
    target: String,
    attachment_id: String,
    record: String,
    new_id: String,
}

/// One upload to make.
struct Job<'a> {
    entry: &'a Entry,
    module: String,
    record: RecordId,
}

pub fn run(g: &Global, args: &RestoreArgs) -> Result<(), Failure> {
    let dir = &args.dir;
    let entries = manifest::load::<Entry>(&manifest::path_in(dir))?;
    if entries.is_empty() {
        return Err(Failure::usage(format!(
            "{} has no manifest entries: give the directory `zoho backup --out` wrote",
            dir.display()
        )));
    }
    let map = read_map(args.map.as_deref())?;
    // Every input is checked before the first upload.
    let mut jobs = Vec::with_capacity(entries.len());
    for e in &entries {
        let module = match (&args.module, &e.module) {
            (Some(m), _) | (None, Some(m)) => m.clone(),
            (None, None) => {
                return Err(Failure::usage(
                    "the manifest does not name the module (an older backup): pass --module",
                ));
            }
        };
        let source =
            RecordId::new(e.record.as_str()).map_err(|x| Failure::usage(format!("{x}.")))?;
        let record = map.get(&source).cloned().unwrap_or(source);
        if e.link_url.is_none() {
            let len = zoho_fs::file_len(&dir.join(&e.path)).map_err(|x| {
                Failure::usage(format!("{x}: run `zoho backup verify {}`.", dir.display()))
            })?;
            if len != e.size {
                return Err(Failure::usage(format!(
                    "{} is {len} bytes, the manifest says {}: run `zoho backup verify {}`.",
                    e.path,
                    e.size,
                    dir.display()
                )));
            }
        }
        jobs.push(Job {
            entry: e,
            module,
            record,
        });
    }
    let t = transport(g)?;
    let api = settings::api(g)?;
    let target = format!("{} {:?}", t.api_base(), api);
    let log_path = dir.join("restored.jsonl");
    let done: HashSet<(String, String)> = manifest::load::<Restored>(&log_path)?
        .into_iter()
        .filter(|r| r.target == target)
        .map(|r| (r.attachment_id, r.record))
        .collect();
    // What each target record has: names with sizes, and links.
    let mut present: HashMap<(String, String), HashSet<(String, u64)>> = HashMap::new();
    let (mut uploaded, mut skipped, mut failures) = (0usize, 0usize, Vec::new());
    let log = if args.dry_run {
        None
    } else {
        Some(Appender::open(&log_path)?)
    };
    for job in &jobs {
        let e = job.entry;
        if done.contains(&(e.attachment_id.clone(), job.record.to_string())) {
            skipped += 1;
            continue;
        }
        let ops = zoho_core::ops::Attachments::parse(api, &job.module, job.record.as_str())
            .map_err(|x| Failure::usage(format!("{x}.")))?;
        let a = Attachments::new(&t, ops);
        let key = (job.module.clone(), job.record.to_string());
        if !present.contains_key(&key) {
            let mut have = HashSet::new();
            for item in a.list_all(a.list_op().per_page(200)) {
                let item = item?;
                match (&item.link_url, item.file_name, item.size) {
                    (Some(url), _, _) => {
                        have.insert((url.clone(), 0));
                    }
                    (None, Some(n), Some(s)) => {
                        have.insert((n, s));
                    }
                    _ => {}
                }
            }
            present.insert(key.clone(), have);
        }
        let mark = match &e.link_url {
            Some(url) => (url.clone(), 0),
            None => (e.file_name.clone(), e.size),
        };
        if present.get(&key).is_some_and(|h| h.contains(&mark)) {
            skipped += 1;
            continue;
        }
        let Some(log) = &log else {
            uploaded += 1; // a dry run counts what it would send
            continue;
        };
        let up = match &e.link_url {
            Some(url) => a.upload_link(
                url,
                Some(&e.file_name)
                    .filter(|n| !n.is_empty())
                    .map(String::as_str),
            ),
            // Under the name it had, not the backup's `ID-NAME`.
            None => a.upload_file_with(
                dir.join(&e.path),
                &zoho_core::UploadOptions {
                    file_name: Some(e.file_name.clone()).filter(|n| !n.is_empty()),
                    ..Default::default()
                },
            ),
        };
        match up {
            Ok(up) => {
                log.append(&Restored {
                    target: target.clone(),
                    attachment_id: e.attachment_id.clone(),
                    record: job.record.to_string(),
                    new_id: up.id.to_string(),
                })?;
                if let Some(h) = present.get_mut(&key) {
                    h.insert(mark);
                }
                uploaded += 1;
            }
            Err(x) => {
                let f = Failure::from(x);
                if f.code == crate::fail::AUTH {
                    return Err(f);
                }
                failures.push(format!(
                    "{} ({}) to {}: {}",
                    e.attachment_id, e.file_name, job.record, f.message
                ));
            }
        }
    }
    let verb = if args.dry_run {
        "Would upload"
    } else {
        "Uploaded"
    };
    if g.json {
        out!(
            "{}",
            json!({ "dry_run": args.dry_run, "uploaded": uploaded, "skipped": skipped, "failed": failures })
        );
    } else {
        out!("{verb} {uploaded} attachment(s); {skipped} already there, skipped.");
        for f in &failures {
            out!("  failed: {f}");
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(Failure::partial(format!(
            "{} attachment(s) were not restored (listed above); run the same command again to retry them.",
            failures.len()
        )))
    }
}

/// `SOURCE TARGET` lines (space or comma; `#` comments).
fn read_map(path: Option<&Path>) -> Result<HashMap<RecordId, RecordId>, Failure> {
    let Some(path) = path else {
        return Ok(HashMap::new());
    };
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::usage(format!("cannot read {}: {e}", path.display())))?;
    let mut map = HashMap::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let ids: Vec<&str> = line
            .split([',', ' ', '\t'])
            .filter(|s| !s.is_empty())
            .collect();
        let bad = || {
            Failure::usage(format!(
                "{} line {}: give `SOURCE_ID TARGET_ID`",
                path.display(),
                n + 1
            ))
        };
        let [from, to] = ids.as_slice() else {
            return Err(bad());
        };
        let from = RecordId::new(*from).map_err(|_| bad())?;
        let to = RecordId::new(*to).map_err(|_| bad())?;
        map.insert(from, to);
    }
    Ok(map)
}
