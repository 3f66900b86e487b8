//! `zoho attachments`: list, upload (files checked first, `--skip-existing`), upload a link,
//! download (never over a file without `--force`), delete one or many.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::Subcommand;
use serde_json::json;
use zoho_blocking_transport::{Attachments, DownloadOptions, Transport};
use zoho_core::ops::attachments::DeleteOutcome;
use zoho_core::{AttachmentId, Operation};

use crate::fail::Failure;
use crate::progress::Progress;
use crate::{Global, interrupt, settings, transport};

#[derive(Subcommand)]
pub(crate) enum AttachmentsCmd {
    /// List attachments, walking all pages (or one, with --page).
    List {
        /// The module's API name, e.g. Leads or Deals.
        module: String,
        /// The record's id.
        record_id: String,
        /// Stop after this many.
        #[arg(long)]
        limit: Option<usize>,
        /// The fields to ask for, comma-separated (default: id, name, size, times, owner,
        /// parent, `$link_url`, `$type`, `$file_id`); with --json, every field Zoho returns is
        /// printed.
        #[arg(long, value_delimiter = ',')]
        fields: Vec<String>,
        /// Only this page (from 1) instead of every page.
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
        page: Option<u32>,
        /// Attachments per page, 1 to 200.
        #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..=200))]
        per_page: u32,
    },
    /// Upload files (every one is checked before the first is sent).
    Upload {
        /// The module's API name, e.g. Leads or Deals.
        module: String,
        /// The record's id.
        record_id: String,
        /// Regular files to upload.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Skip files whose name and size are already on the record (a re-run after a failure
        /// sends only what is missing).
        #[arg(long)]
        skip_existing: bool,
    },
    /// Attach a link.
    UploadLink {
        /// The module's API name, e.g. Leads or Deals.
        module: String,
        /// The record's id.
        record_id: String,
        /// The link to attach (http or https).
        url: String,
        #[arg(long)]
        title: Option<String>,
    },
    /// Download attachments into a directory under their (safe) names.
    Download {
        /// The module's API name, e.g. Leads or Deals.
        module: String,
        /// The record's id.
        record_id: String,
        /// Attachment ids (from `zoho attachments list`).
        #[arg(required = true)]
        ids: Vec<String>,
        /// Directory to write into.
        #[arg(long, default_value = ".")]
        out: PathBuf,
        /// Replace files that exist.
        #[arg(long)]
        force: bool,
    },
    /// Delete one or more attachments.
    Delete {
        /// The module's API name, e.g. Leads or Deals.
        module: String,
        /// The record's id.
        record_id: String,
        /// Attachment ids (from `zoho attachments list`).
        #[arg(required = true)]
        ids: Vec<String>,
    },
}

fn ids(raw: &[String]) -> Result<Vec<AttachmentId>, Failure> {
    raw.iter()
        .map(|s| AttachmentId::new(s.as_str()).map_err(|e| Failure::usage(format!("{e}."))))
        .collect()
}

fn handle(g: &Global, t: &Transport, module: &str, record: &str) -> Result<Attachments, Failure> {
    let ops = zoho_core::ops::Attachments::parse(settings::api(g)?, module, record)
        .map_err(|e| Failure::usage(format!("{e}.")))?;
    Ok(Attachments::new(t, ops))
}

pub(crate) fn run(g: &Global, cmd: AttachmentsCmd) -> Result<(), Failure> {
    let t = transport(g)?;
    match cmd {
        AttachmentsCmd::List {
            module,
            record_id,
            limit,
            fields,
            page,
            per_page,
        } => {
            let a = handle(g, &t, &module, &record_id)?;
            let mut op = a.list_op().per_page(per_page);
            if !fields.is_empty() {
                op = op.fields(fields.iter().map(|f| f.trim().to_owned()));
            }
            let items: Box<dyn Iterator<Item = Result<_, zoho_core::Error>>> = match page {
                Some(p) => Box::new(a.list_page(&op.page(p))?.attachments.into_iter().map(Ok)),
                None => Box::new(a.list_all(op)),
            };
            let mut n = 0;
            for item in items.take(limit.unwrap_or(usize::MAX)) {
                let item: zoho_core::ops::attachments::Attachment = item?;
                n += 1;
                if g.json {
                    let mut v = json!({ "id": item.id, "file_name": item.file_name, "size": item.size, "created_time": item.created_time, "link_url": item.link_url, "file_id": item.file_id });
                    if let Some(obj) = v.as_object_mut() {
                        let typed = [
                            ("Created_By", json!(item.created_by)),
                            ("Modified_By", json!(item.modified_by)),
                            ("$type", json!(item.kind)),
                            ("$editable", json!(item.editable)),
                            ("$state", json!(item.state)),
                        ];
                        for (k, x) in typed.into_iter().filter(|(_, x)| !x.is_null()) {
                            obj.insert(k.to_owned(), x);
                        }
                        obj.extend(item.other.clone());
                    }
                    out!("{v}");
                } else {
                    let what = item.link_url.as_deref().map_or_else(
                        || format!("{} bytes", item.size.unwrap_or(0)),
                        |u| format!("link {u}"),
                    );
                    out!(
                        "{}  {}  {}",
                        item.id,
                        item.file_name.as_deref().unwrap_or("-"),
                        what
                    );
                }
            }
            if !g.json {
                eprintln!("{n} attachment(s)");
            }
            Ok(())
        }
        AttachmentsCmd::Upload {
            module,
            record_id,
            files,
            skip_existing,
        } => {
            let a = handle(g, &t, &module, &record_id)?;
            let plan = check_uploads(&t, &a, &files)?;
            // Same name and size already on the record: a re-run after a failure sends only
            // what is missing.
            let mut present: Vec<(String, u64)> = Vec::new();
            if skip_existing {
                for item in a.list_all(a.list_op().per_page(200)) {
                    let item = item?;
                    if let (Some(n), Some(s)) = (item.file_name, item.size) {
                        present.push((n, s));
                    }
                }
            }
            let (mut uploaded, mut skipped) = (Vec::new(), 0usize);
            for (i, (f, name, len)) in plan.iter().enumerate() {
                let there = present
                    .iter()
                    .any(|(n, s)| s == len && zoho_core::ops::same_file_name(name, n));
                if there {
                    skipped += 1;
                    if g.json {
                        out!(
                            "{}",
                            json!({ "skipped": f, "reason": "already on the record" })
                        );
                    } else {
                        out!("Skipped {}: already on the record.", f.display());
                    }
                    continue;
                }
                let p = Arc::new(Progress::start(g, name, Some(*len)));
                let report = Arc::clone(&p);
                let opts = zoho_core::UploadOptions {
                    progress: Some(Arc::new(move |n, len| report.report(n, Some(len)))),
                    ..Default::default()
                };
                let up = match a.upload_file_with(f, &opts) {
                    Ok(up) => up,
                    Err(e) => {
                        let failed = Failure::from(e);
                        p.failed(&failed.message);
                        if uploaded.is_empty() {
                            return Err(failed);
                        }
                        let rest: Vec<String> = plan[i + 1..]
                            .iter()
                            .map(|p| p.0.display().to_string())
                            .collect();
                        return Err(Failure::partial(format!(
                            "uploaded {}; {} failed: {} Not tried: {}. Run the same command with --skip-existing to send only what is missing.",
                            uploaded.join(", "),
                            f.display(),
                            failed.message,
                            if rest.is_empty() {
                                "none".to_owned()
                            } else {
                                rest.join(", ")
                            }
                        )));
                    }
                };
                p.done(*len);
                uploaded.push(f.display().to_string());
                if g.json {
                    out!("{}", json!({ "uploaded": f, "id": up.id }));
                } else {
                    out!("Uploaded {} as attachment {}.", f.display(), up.id);
                }
            }
            if skipped > 0 && !g.json {
                eprintln!(
                    "{} uploaded, {skipped} skipped (already on the record).",
                    uploaded.len()
                );
            }
            Ok(())
        }
        AttachmentsCmd::UploadLink {
            module,
            record_id,
            url,
            title,
        } => {
            let up = handle(g, &t, &module, &record_id)?.upload_link(&url, title.as_deref())?;
            if g.json {
                out!("{}", json!({ "uploaded": url, "id": up.id }));
            } else {
                out!("Attached {url} as attachment {}.", up.id);
            }
            Ok(())
        }
        AttachmentsCmd::Download {
            module,
            record_id,
            ids: raw,
            out,
            force,
        } => {
            let a = handle(g, &t, &module, &record_id)?;
            std::fs::create_dir_all(&out)
                .map_err(|e| Failure::io(&format!("cannot create {}", out.display()), e))?;
            interrupt::watch(&out);
            for id in ids(&raw)? {
                let p = Progress::start(g, id.as_str(), None);
                let report = |n, total| p.report(n, total);
                let opts = DownloadOptions {
                    progress: Some(&report),
                    overwrite: force,
                    ..Default::default()
                };
                let got = a
                    .download_to_dir(id.clone(), &out, &opts)
                    .map_err(|e| refuse_overwrite(e, &out))
                    .inspect_err(|f| p.failed(&f.message))?;
                p.done(got.bytes);
                if g.json {
                    out!(
                        "{}",
                        json!({ "id": id, "path": got.path, "bytes": got.bytes })
                    );
                } else {
                    out!(
                        "Downloaded attachment {id} to {} ({} bytes).",
                        got.path.display(),
                        got.bytes
                    );
                }
            }
            Ok(())
        }
        AttachmentsCmd::Delete {
            module,
            record_id,
            ids: raw,
        } => {
            let a = handle(g, &t, &module, &record_id)?;
            let mut ids = ids(&raw)?;
            if ids.len() == 1 {
                // One id: the single delete, which both products document (Bigin documents no
                // bulk delete; its errors exit as any call's do).
                let id = ids.remove(0);
                a.delete(id.clone())?;
                if g.json {
                    out!("{}", json!({ "id": id, "deleted": true, "error": null }));
                } else {
                    out!("Deleted {id}.");
                }
                return Ok(());
            }
            let results = a.delete_many(ids)?;
            let failed = results.iter().filter(|r| !r.outcome.is_deleted()).count();
            for r in &results {
                let why = match &r.outcome {
                    DeleteOutcome::Deleted { .. } => None,
                    DeleteOutcome::Failed(e) => Some(e.to_string()),
                    DeleteOutcome::NoResult => Some(String::from("Zoho returned no result for it")),
                    DeleteOutcome::BatchFailed(e) => Some(e.to_string()),
                };
                if g.json {
                    out!(
                        "{}",
                        json!({ "id": r.id, "deleted": why.is_none(), "error": why })
                    );
                } else {
                    match why {
                        None => out!("Deleted {}.", r.id),
                        Some(w) => out!("Not deleted {}: {w}", r.id),
                    }
                }
            }
            if failed == results.len() {
                // Nothing was done: not "partly done", but what Zoho refused.
                let mut f =
                    Failure::partial(format!("none of the {failed} attachment(s) was deleted."));
                f.code = crate::fail::API;
                return Err(f);
            }
            if failed > 0 {
                return Err(Failure::partial(format!(
                    "{failed} of {} attachment(s) were not deleted.",
                    results.len()
                )));
            }
            Ok(())
        }
    }
}

/// Every file of an upload checked before the first byte goes out: a regular file (no
/// directory, FIFO or device), readable, and within Zoho's size and type rules. Returns each
/// with its name and length.
fn check_uploads(
    t: &Transport,
    a: &Attachments,
    files: &[PathBuf],
) -> Result<Vec<(PathBuf, String, u64)>, Failure> {
    let mut plan = Vec::with_capacity(files.len());
    for f in files {
        let local = |e: zoho_core::Error| Failure::usage(format!("{e}. Nothing was uploaded."));
        let len = zoho_fs::file_len(f).map_err(local)?;
        std::fs::File::open(f).map_err(|e| {
            Failure::usage(format!(
                "cannot read {}: {e}. Nothing was uploaded.",
                f.display()
            ))
        })?;
        let name = f
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        a.upload_op(&name, len)
            .request(&t.api_base())
            .map_err(|e| Failure::usage(format!("{}: {e}. Nothing was uploaded.", f.display())))?;
        plan.push((f.clone(), name, len));
    }
    Ok(plan)
}

/// A refused overwrite is a usage error with its fix.
pub(crate) fn refuse_overwrite(e: zoho_core::Error, dir: &Path) -> Failure {
    match e {
        zoho_core::Error::FileExists { path } => Failure::usage(format!(
            "{} already exists (in {}): pass --force to replace it.",
            path.file_name()
                .map_or(path.display(), |n| Path::new(n).display()),
            dir.display()
        )),
        e => Failure::from(e),
    }
}
