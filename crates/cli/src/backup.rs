//! `zoho backup`: every attachment of every record into a directory, with a manifest of what
//! is done (`manifest.rs`). A second run downloads only what is missing, so an interrupted
//! backup resumes; a record or file that fails is reported by id at the end (exit 5) while the
//! rest goes on; `--dry-run` prints the plan; `zoho backup verify DIR` checks a backup.

use std::collections::{HashSet, VecDeque};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use clap::{Args, Subcommand};
use serde_json::json;
use zoho_blocking_transport::{Attachments, DownloadOptions};
use zoho_core::ops::attachments::Attachment;
use zoho_core::{RecordId, disposition};

use crate::fail::Failure;
use crate::manifest::{self, Appender, Entry};
use crate::progress::Progress;
use crate::{Global, settings, transport};

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct BackupArgs {
    #[command(subcommand)]
    check: Option<BackupCmd>,
    /// Module API name, e.g. Leads or Pipelines.
    #[arg(required = true)]
    module: Option<String>,
    /// Record ids (more with --ids-from).
    record_ids: Vec<String>,
    /// Directory to write into (created if needed).
    #[arg(long, required = true)]
    out: Option<PathBuf>,
    /// Also read record ids from this file, one per line (`-` for standard input).
    #[arg(long)]
    ids_from: Option<PathBuf>,
    /// Every record of the module, walked through the records list (`page`, then CRM v8's
    /// `page_token`), instead of ids given.
    #[arg(long, conflicts_with_all = ["record_ids", "ids_from"])]
    all_records: bool,
    /// Downloads at once.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=10))]
    concurrency: u16,
    /// Stop before Zoho's API credits for the day fall to this many (as CRM v8 reports them
    /// once half are used), leaving them to the org's other work.
    #[arg(long, default_value_t = 1000)]
    credits_floor: u64,
    /// List what would be backed up (records, files, links, bytes, API calls) and stop:
    /// nothing is downloaded or written.
    #[arg(long)]
    dry_run: bool,
}

#[derive(Subcommand)]
enum BackupCmd {
    /// Re-hash every file of a backup against its manifest; report missing, changed and extra
    /// files (exit 5 if any).
    Verify {
        /// The backup directory.
        dir: PathBuf,
        /// Forget the missing and changed files in the manifest (and remove the changed
        /// ones), so that the next `zoho backup` fetches them again.
        #[arg(long)]
        fix: bool,
    },
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

pub fn run(g: &Global, args: &BackupArgs) -> Result<(), Failure> {
    if let Some(BackupCmd::Verify { dir, fix }) = &args.check {
        return crate::verify::run(g, dir, *fix);
    }
    let (Some(module), Some(out)) = (args.module.as_deref(), args.out.as_deref()) else {
        return Err(Failure::usage("give a module and --out DIR"));
    };
    let api = settings::api(g)?;
    let t = transport(g)?;
    let records = if args.all_records {
        all_records(&t, api, module)?
    } else {
        record_ids(args)?
    };
    let manifest_path = manifest::path_in(out);
    // Done: in the manifest, and (for a file) still there at its size; a file removed or cut
    // since is fetched again (`backup verify --fix` forgets changed ones).
    let done: HashSet<(String, String)> = manifest::load::<Entry>(&manifest_path)?
        .into_iter()
        .filter(|e| {
            e.link_url.is_some()
                || std::fs::metadata(out.join(&e.path)).is_ok_and(|m| m.len() == e.size)
        })
        .map(|e| (e.record, e.attachment_id))
        .collect();

    // List everything first, so the total is known and nothing is fetched twice. A record
    // that cannot be listed is reported at the end; the others go on.
    let mut jobs: VecDeque<(RecordId, Attachment)> = VecDeque::new();
    let mut links: Vec<Entry> = Vec::new();
    let (mut already, mut list_calls) = (0usize, 0usize);
    let mut failures: Vec<String> = Vec::new();
    for record in &records {
        let ops = zoho_core::ops::Attachments::parse(api, module, record.as_str())
            .map_err(|e| Failure::usage(format!("{e}.")))?;
        let a = Attachments::new(&t, ops);
        list_calls += 1;
        for item in a.list_all(a.list_op().per_page(200)) {
            let item = match item {
                Ok(i) => i,
                Err(e) => {
                    let f = Failure::from(e);
                    if f.code == crate::fail::AUTH {
                        return Err(f); // every record would fail the same way
                    }
                    failures.push(format!("record {record}: {}", f.message));
                    break;
                }
            };
            if done.contains(&(record.to_string(), item.id.to_string())) {
                already += 1;
            } else if let Some(url) = &item.link_url {
                links.push(Entry {
                    module: Some(module.to_owned()),
                    record: record.to_string(),
                    attachment_id: item.id.to_string(),
                    file_name: item.file_name.clone().unwrap_or_default(),
                    path: String::new(),
                    size: 0,
                    sha256: String::new(),
                    link_url: Some(url.clone()),
                });
            } else {
                jobs.push_back((record.clone(), item));
            }
        }
    }
    let total_bytes: u64 = jobs.iter().map(|(_, a)| a.size.unwrap_or(0)).sum();
    let to_fetch = jobs.len();
    if args.dry_run {
        let plan = json!({
            "dry_run": true, "records": records.len(), "files": to_fetch, "bytes": total_bytes,
            "links": links.len(), "already_done": already,
            "api_calls": { "lists_made": list_calls, "downloads_to_make": to_fetch },
        });
        if g.json {
            out!("{plan}");
        } else {
            out!(
                "Would back up {to_fetch} file(s), {total_bytes} bytes, and {} link(s) from {} record(s) into {} ({already} already there): {to_fetch} download call(s) after the {list_calls} list call(s) made. Nothing was written.",
                links.len(),
                records.len(),
                out.display()
            );
        }
        return Ok(());
    }
    std::fs::create_dir_all(out)
        .map_err(|e| Failure::io(&format!("cannot create {}", out.display()), e))?;
    let manifest = Appender::open(&manifest_path)?;
    for link in &links {
        manifest.append(link)?;
    }
    // Each record's directory made once, before any download, not once per file.
    let dirs: HashSet<&str> = jobs.iter().map(|(r, _)| r.as_str()).collect();
    for record in dirs {
        let dir = out.join(record);
        std::fs::create_dir_all(&dir).map_err(|e| Failure::io("cannot create a directory", e))?;
        crate::interrupt::watch(&dir);
    }
    let pb = Progress::bar_only(g, &format!("backing up {to_fetch} file(s)"), total_bytes);
    let queue = Mutex::new(jobs);
    let failures = Mutex::new(failures);
    let fetched = Mutex::new((0usize, 0u64));
    let stopped = std::sync::atomic::AtomicBool::new(false);
    let workers = usize::from(args.concurrency).min(to_fetch.max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    if t.credits_remaining()
                        .is_some_and(|c| c <= args.credits_floor)
                    {
                        stopped.store(true, std::sync::atomic::Ordering::Relaxed);
                        return;
                    }
                    let Some((record, item)) = queue.lock().ok().and_then(|mut q| q.pop_front())
                    else {
                        return;
                    };
                    let got = fetch_one(g, api, &t, (module, out), &record, &item, &pb)
                        .and_then(|entry| manifest.append(&entry).map(|()| entry));
                    match got {
                        Ok(entry) => {
                            if let Ok(mut n) = fetched.lock() {
                                n.0 += 1;
                                n.1 += entry.size;
                            }
                        }
                        Err(f) => {
                            if let Ok(mut all) = failures.lock() {
                                all.push(format!("{record}/{}: {}", item.id, f.message));
                            }
                        }
                    }
                }
            });
        }
    });
    pb.done(0);
    let (count, bytes) = fetched.into_inner().unwrap_or_default();
    let failures = failures.into_inner().unwrap_or_default();
    if g.json {
        out!(
            "{}",
            json!({ "records": records.len(), "downloaded": count, "bytes": bytes, "already_done": already, "links": links.len(), "failed": failures, "manifest": manifest_path })
        );
    } else {
        out!(
            "Backed up {count} attachment(s), {bytes} bytes, and {} link(s) from {} record(s) into {}; {already} already there.",
            links.len(),
            records.len(),
            out.display()
        );
        for f in &failures {
            out!("  failed: {f}");
        }
    }
    if stopped.into_inner() {
        let left = queue.into_inner().map_or(0, |q| q.len());
        return Err(Failure::partial(format!(
            "stopped with {} API credits left for the day (--credits-floor {}); {left} file(s) not fetched yet: run the same command once the credits reset to fetch them.",
            t.credits_remaining().unwrap_or_default(),
            args.credits_floor
        )));
    }
    if !failures.is_empty() {
        return Err(Failure::partial(format!(
            "{} item(s) could not be backed up (listed above); run the same command again to retry them.",
            failures.len()
        )));
    }
    Ok(())
}

/// The id of every record of `module`, page by page.
fn all_records(
    t: &zoho_blocking_transport::Transport,
    api: zoho_core::Api,
    module: &str,
) -> Result<Vec<RecordId>, Failure> {
    let module = zoho_core::ModuleName::new(module).map_err(|e| Failure::usage(format!("{e}.")))?;
    let mut next = Some(zoho_core::ops::records::ListRecordIds::new(api, module));
    let mut ids = Vec::new();
    while let Some(op) = next {
        let page = t.execute(&op)?;
        ids.extend(page.ids.iter().cloned());
        next = op.next(&page)?;
    }
    Ok(ids)
}

fn fetch_one(
    g: &Global,
    api: zoho_core::Api,
    t: &zoho_blocking_transport::Transport,
    (module, out): (&str, &Path),
    record: &RecordId,
    item: &Attachment,
    pb: &Progress,
) -> Result<Entry, Failure> {
    let ops = zoho_core::ops::Attachments::parse(api, module, record.as_str())
        .map_err(|e| Failure::usage(e.to_string()))?;
    let a = Attachments::new(t, ops);
    let dir = out.join(record.as_str());
    let name =
        disposition::safe_file_name(item.file_name.as_deref().unwrap_or_default(), "attachment");
    let path = dir.join(format!("{}-{name}", item.id));
    let last = Mutex::new(0u64);
    let each = Progress::events_only(g, &format!("{record}/{}", item.id), item.size);
    let report = |n: u64, total: Option<u64>| {
        if let Ok(mut l) = last.lock() {
            pb.add(n.saturating_sub(*l));
            *l = n;
        }
        each.report(n, total);
    };
    let got = a.download_to_path(
        item.id.clone(),
        &path,
        &DownloadOptions {
            progress: Some(&report),
            // Only what the manifest does not list as done is fetched: a file left by an
            // earlier, unfinished run is replaced.
            overwrite: true,
            // With no Content-Length, the list's size tells a cut body.
            expected_len: item.size,
            // Hashed as it is written, not read back.
            sha256: true,
            ..Default::default()
        },
    );
    let got = got.map_err(|e| {
        let f = Failure::from(e);
        each.failed(&f.message);
        f
    })?;
    each.done(got.bytes);
    let sha256 = match got.sha256_hex() {
        Some(hex) => hex,
        None => {
            manifest::sha256_of(&path).map_err(|e| Failure::io("cannot read back a download", e))?
        }
    };
    Ok(Entry {
        module: Some(module.to_owned()),
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
        link_url: None,
    })
}
