//! `zoho photo`: upload, download (never over a file without `--force`) and delete a record's
//! photo.

use std::path::{Path, PathBuf};

use clap::Subcommand;
use serde_json::json;
use zoho_blocking_transport::{DownloadOptions, DownloadedFile, Photo};

use crate::attachments::refuse_overwrite;
use crate::fail::Failure;
use crate::{Global, interrupt, settings, transport};

#[derive(Subcommand)]
pub(crate) enum PhotoCmd {
    /// Upload a PNG, JPEG, GIF or BMP image as the record's photo.
    Upload {
        /// The module's API name, e.g. Leads or Deals.
        module: String,
        /// The record's id.
        record_id: String,
        /// A PNG, JPEG, GIF or BMP file.
        file: PathBuf,
        /// Run no workflow rules for this upload (sends `restrict_triggers=workflow`).
        #[arg(long)]
        restrict_triggers: bool,
    },
    /// Download the record's photo.
    Download {
        /// The module's API name, e.g. Leads or Deals.
        module: String,
        /// The record's id.
        record_id: String,
        /// File to write.
        #[arg(long)]
        out: PathBuf,
        /// Replace the file if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Delete the record's photo.
    Delete {
        /// The module's API name, e.g. Contacts.
        module: String,
        /// The record's id.
        record_id: String,
    },
}

pub(crate) fn run(g: &Global, cmd: PhotoCmd) -> Result<(), Failure> {
    let t = transport(g)?;
    let handle = |module: &str, record: &str| -> Result<Photo, Failure> {
        let ops = zoho_core::ops::Photo::parse(settings::api(g)?, module, record)
            .map_err(|e| Failure::usage(format!("{e}.")))?;
        Ok(Photo::new(&t, ops))
    };
    match cmd {
        PhotoCmd::Upload {
            module,
            record_id,
            file,
            restrict_triggers,
        } => {
            handle(&module, &record_id)?
                .restrict_triggers(restrict_triggers)
                .upload_file(&file)?;
            if g.json {
                out!("{}", json!({ "uploaded": file }));
            } else {
                out!("Uploaded {} as the photo of {record_id}.", file.display());
            }
        }
        PhotoCmd::Download {
            module,
            record_id,
            out,
            force,
        } => {
            interrupt::watch(out.parent().unwrap_or(Path::new(".")));
            let opts = DownloadOptions {
                overwrite: force,
                ..Default::default()
            };
            let got = handle(&module, &record_id)?
                .download_to_path(&out, &opts)
                .map_err(|e| refuse_overwrite(e, out.parent().unwrap_or(Path::new("."))))?;
            report_download(g, &format!("the photo of {record_id}"), &got)?;
        }
        PhotoCmd::Delete { module, record_id } => {
            handle(&module, &record_id)?.delete()?;
            if g.json {
                out!("{}", json!({ "deleted": record_id }));
            } else {
                out!("Deleted the photo of {record_id}.");
            }
        }
    }
    Ok(())
}

/// One downloaded file, as `--json` or a sentence naming `what` was downloaded.
pub(crate) fn report_download(g: &Global, what: &str, got: &DownloadedFile) -> Result<(), Failure> {
    if g.json {
        out!(
            "{}",
            json!({ "path": got.path, "bytes": got.bytes, "content_type": got.head.content_type })
        );
    } else {
        out!(
            "Downloaded {what} to {} ({} bytes).",
            got.path.display(),
            got.bytes
        );
    }
    Ok(())
}
