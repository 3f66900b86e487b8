//! `zoho backup`: every attachment of every record into a directory, with a manifest of what
//! is done (JSON lines: record, attachment id, file name, path, size, sha256). A second run
//! reads the manifest and downloads only what is missing, so an interrupted backup resumes.

use std::collections::{HashSet, VecDeque};
use std::io::{BufRead, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use clap::Args;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use zoho_blocking_transport::{Attachments, DownloadOptions};
use zoho_core::ops::attachments::Attachment;
use zoho_core::{RecordId, disposition};

use crate::fail::Failure;
use crate::{Global, bar, settings, transport};

#[derive(Args)]
pub struct BackupArgs {
    /// Module API name, e.g. Leads or Pipelines.
    module: String,
    /// Record ids (more with --ids-from).
    record_ids: Vec<String>,
    /// Directory to write into (created if needed).
    #[arg(long)]
    out: PathBuf,
    /// Also read record ids from this file, one per line (`-` for standard input).
    #[arg(long)]
    ids_from: Option<PathBuf>,
    /// Downloads at once.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=10))]
    concurrency: u16,
}

/// One line of the manifest.
#[derive(Serialize, Deserialize)]
struct Entry {
    record: String,
    attachment_id: String,
    file_name: String,
    path: String,
    size: u64,
    sha256: String,
}

fn record_ids(args: &BackupArgs) -> Result<Vec<RecordId>, Failure> {
    let mut raw = args.record_ids.clone();
    if let Some(src) = &args.ids_from {
        let text = if src.as_os_str() == "-" {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .map_err(|e| Failure::io("cannot read standard input", e))?;
            s
        } else {
            std::fs::read_to_string(src)
                .map_err(|e| Failure::usage(format!("cannot read {}: {e}", src.display())))?
        };
        raw.extend(
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(str::to_owned),
        );
    }
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for r in raw {
        let id = RecordId::new(r.as_str()).map_err(|e| Failure::usage(format!("{e}.")))?;
        if seen.insert(id.clone()) {
            out.push(id);
        }
    }
    if out.is_empty() {
        return Err(Failure::usage(
            "give at least one record id (arguments or --ids-from)",
        ));
    }
    Ok(out)
}

fn load_manifest(path: &Path) -> Result<HashSet<(String, String)>, Failure> {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(HashSet::new()),
        Err(e) => return Err(Failure::io(&format!("cannot read {}", path.display()), e)),
    };
    let mut done = HashSet::new();
    for line in std::io::BufReader::new(file).lines() {
        let line = line.map_err(|e| Failure::io("cannot read the manifest", e))?;
        // A line cut by an interrupted run is not counted as done.
        if let Ok(e) = serde_json::from_str::<Entry>(&line) {
            done.insert((e.record, e.attachment_id));
        }
    }
    Ok(done)
}

fn sha256_of(path: &Path) -> std::io::Result<String> {
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

pub fn run(g: &Global, args: &BackupArgs) -> Result<(), Failure> {
    let records = record_ids(args)?;
    let api = settings::api(g)?;
    let t = transport(g)?;
    std::fs::create_dir_all(&args.out)
        .map_err(|e| Failure::io(&format!("cannot create {}", args.out.display()), e))?;
    let manifest_path = args.out.join("manifest.jsonl");
    let done = load_manifest(&manifest_path)?;

    // List everything first, so the total is known and nothing is fetched twice.
    let mut jobs: VecDeque<(RecordId, Attachment)> = VecDeque::new();
    let (mut already, mut links) = (0usize, 0usize);
    for record in &records {
        let ops = zoho_core::ops::Attachments::parse(api, &args.module, record.as_str())
            .map_err(|e| Failure::usage(format!("{e}.")))?;
        let a = Attachments::new(&t, ops);
        for item in a.list_all(a.list_op().per_page(200)) {
            let item = item?;
            if item.link_url.is_some() {
                links += 1;
            } else if done.contains(&(record.to_string(), item.id.to_string())) {
                already += 1;
            } else {
                jobs.push_back((record.clone(), item));
            }
        }
    }
    let total_bytes: u64 = jobs.iter().map(|(_, a)| a.size.unwrap_or(0)).sum();
    let to_fetch = jobs.len();
    let pb = bar(g, total_bytes, &format!("backing up {to_fetch} file(s)"));
    let queue = Mutex::new(jobs);
    let manifest = Mutex::new(
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&manifest_path)
            .map_err(|e| Failure::io(&format!("cannot open {}", manifest_path.display()), e))?,
    );
    let failures: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let fetched = Mutex::new((0usize, 0u64));
    let workers = usize::from(args.concurrency).min(to_fetch.max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let Some((record, item)) = queue.lock().ok().and_then(|mut q| q.pop_front())
                    else {
                        return;
                    };
                    match fetch_one(api, &t, &args.module, &args.out, &record, &item, &pb) {
                        Ok(entry) => {
                            if let Ok(mut f) = manifest.lock() {
                                let _writing = crate::interrupt::writing();
                                let line = serde_json::to_string(&entry).unwrap_or_default();
                                let _ = writeln!(f, "{line}").and_then(|()| f.flush());
                            }
                            if let Ok(mut n) = fetched.lock() {
                                n.0 += 1;
                                n.1 += entry.size;
                            }
                        }
                        Err(f) => {
                            if let Ok(mut all) = failures.lock() {
                                all.push(format!("{}/{}: {}", record, item.id, f.message));
                            }
                        }
                    }
                }
            });
        }
    });
    pb.finish_and_clear();
    let (count, bytes) = fetched.into_inner().unwrap_or_default();
    let failures = failures.into_inner().unwrap_or_default();
    if g.json {
        out!(
            "{}",
            json!({ "records": records.len(), "downloaded": count, "bytes": bytes, "already_done": already, "links_skipped": links, "failed": failures, "manifest": manifest_path })
        );
    } else {
        out!(
            "Backed up {count} attachment(s), {bytes} bytes, from {} record(s) into {}; {already} already there, {links} link(s) skipped.",
            records.len(),
            args.out.display()
        );
        for f in &failures {
            out!("  failed: {f}");
        }
    }
    if !failures.is_empty() {
        return Err(Failure::partial(format!(
            "{} attachment(s) could not be backed up; run the same command again to retry them.",
            failures.len()
        )));
    }
    Ok(())
}

fn fetch_one(
    api: zoho_core::Api,
    t: &zoho_blocking_transport::Transport,
    module: &str,
    out: &Path,
    record: &RecordId,
    item: &Attachment,
    pb: &indicatif::ProgressBar,
) -> Result<Entry, Failure> {
    let ops = zoho_core::ops::Attachments::parse(api, module, record.as_str())
        .map_err(|e| Failure::usage(e.to_string()))?;
    let a = Attachments::new(t, ops);
    let dir = out.join(record.as_str());
    std::fs::create_dir_all(&dir).map_err(|e| Failure::io("cannot create a directory", e))?;
    crate::interrupt::watch(&dir);
    let name =
        disposition::safe_file_name(item.file_name.as_deref().unwrap_or_default(), "attachment");
    let path = dir.join(format!("{}-{name}", item.id));
    let last = Mutex::new(0u64);
    let report = |n: u64, _total: Option<u64>| {
        if let Ok(mut l) = last.lock() {
            pb.inc(n.saturating_sub(*l));
            *l = n;
        }
    };
    let got = a.download_to_path(
        item.id.clone(),
        &path,
        &DownloadOptions {
            progress: Some(&report),
            // Only what the manifest does not list as done is fetched: a file left by an
            // earlier, unfinished run is replaced.
            overwrite: true,
            ..Default::default()
        },
    )?;
    let sha256 = sha256_of(&path).map_err(|e| Failure::io("cannot read back a download", e))?;
    Ok(Entry {
        record: record.to_string(),
        attachment_id: item.id.to_string(),
        file_name: item.file_name.clone().unwrap_or_default(),
        path: path
            .strip_prefix(out)
            .unwrap_or(&path)
            .display()
            .to_string(),
        size: got.bytes,
        sha256,
    })
}
