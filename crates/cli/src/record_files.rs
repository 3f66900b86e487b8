//! `zoho record-files`: a CRM record's file-upload and image-upload fields (list, upload,
//! remove: `field_files.rs`; download) and its emails' attachments (CRM only: Bigin documents
//! neither); downloads go into a directory under the server's safe name, never over a file
//! without `--force`.

use std::path::{Path, PathBuf};

use clap::Subcommand;
use zoho_blocking_transport::{DownloadOptions, DownloadedFile, RecordFiles};
use zoho_core::Api;

use crate::attachments::refuse_overwrite;
use crate::fail::Failure;
use crate::{Global, interrupt, settings, transport};

#[derive(Subcommand)]
pub(crate) enum RecordFilesCmd {
    /// List the files a file-upload or image-upload field holds (with the ids `field` and
    /// `remove` take).
    List {
        /// The module's API name, e.g. Leads or Deals.
        module: String,
        /// The record's id.
        record_id: String,
        /// The field's API name, e.g. File_Upload_1.
        #[arg(long)]
        field: String,
    },
    /// Put files in a file-upload or image-upload field: every file is checked first, files
    /// the field already holds (same name and size) are skipped, the rest are stored in the
    /// file store (10 per call) and set in the field.
    Upload {
        /// The module's API name, e.g. Leads or Deals.
        module: String,
        /// The record's id.
        record_id: String,
        /// The field's API name, e.g. File_Upload_1.
        #[arg(long)]
        field: String,
        /// Regular files, at most 20 MB each.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Remove files from a file-upload or image-upload field, by the ids `list` prints.
    Remove {
        /// The module's API name, e.g. Leads or Deals.
        module: String,
        /// The record's id.
        record_id: String,
        /// The field's API name, e.g. File_Upload_1.
        #[arg(long)]
        field: String,
        /// The files' ids in the field.
        #[arg(required = true)]
        ids: Vec<String>,
    },
    /// Download the file of a file-upload or image-upload field, by the `attachment_Id` in the
    /// field's value.
    Field {
        /// The module's API name, e.g. Leads or Deals.
        module: String,
        /// The record's id.
        record_id: String,
        /// The field attachment's id (`attachment_Id` in the field's value).
        attachment_id: String,
        /// Directory to write into (created if missing).
        #[arg(long, default_value = ".")]
        out: PathBuf,
        /// Replace a file of the same name.
        #[arg(long)]
        force: bool,
    },
    /// Download an attachment of an email sent from or to the record, by the email's details.
    Email {
        /// The module's API name, e.g. Leads or Contacts.
        module: String,
        /// The record's id.
        record_id: String,
        /// The id of the user whose mailbox has the email.
        #[arg(long)]
        user_id: String,
        /// The email's message id.
        #[arg(long)]
        message_id: String,
        /// The attachment's id, as the email's details give it.
        #[arg(long)]
        id: String,
        /// The attachment's name, as the email's details give it.
        #[arg(long)]
        name: String,
        /// Directory to write into (created if missing).
        #[arg(long, default_value = ".")]
        out: PathBuf,
        /// Replace a file of the same name.
        #[arg(long)]
        force: bool,
    },
}

pub(crate) fn run(g: &Global, cmd: RecordFilesCmd) -> Result<(), Failure> {
    let Api::Crm(version) = settings::api(g)? else {
        return Err(Failure::usage(
            "Zoho documents file-upload fields and email attachment downloads for CRM only: drop --product bigin.",
        ));
    };
    let handle = |module: &str, record: &str| -> Result<RecordFiles, Failure> {
        let bad = |e: zoho_core::InputError| Failure::usage(format!("{e}."));
        let module = zoho_core::ModuleName::new(module).map_err(bad)?;
        let record = zoho_core::RecordId::new(record).map_err(bad)?;
        Ok(RecordFiles::new(&transport(g)?, version, module, record))
    };
    let prepare = |out: &Path, force: bool| -> Result<DownloadOptions<'static>, Failure> {
        std::fs::create_dir_all(out).map_err(zoho_core::Error::file("create", out))?;
        interrupt::watch(out);
        Ok(DownloadOptions {
            overwrite: force,
            ..Default::default()
        })
    };
    let (got, out, what) = match cmd {
        RecordFilesCmd::List {
            module,
            record_id,
            field,
        } => return crate::field_files::list(g, &handle(&module, &record_id)?, &field),
        RecordFilesCmd::Upload {
            module,
            record_id,
            field,
            files,
        } => return crate::field_files::upload(g, &handle(&module, &record_id)?, &field, &files),
        RecordFilesCmd::Remove {
            module,
            record_id,
            field,
            ids,
        } => return crate::field_files::remove(g, &handle(&module, &record_id)?, &field, &ids),
        RecordFilesCmd::Field {
            module,
            record_id,
            attachment_id,
            out,
            force,
        } => {
            let h = handle(&module, &record_id)?;
            let id = attachment_id
                .parse()
                .map_err(|e: zoho_core::InputError| Failure::usage(format!("{e}.")))?;
            let opts = prepare(&out, force)?;
            let got = h.download_field_attachment_to_dir(id, &out, &opts);
            (got, out, format!("field attachment {attachment_id}"))
        }
        RecordFilesCmd::Email {
            module,
            record_id,
            user_id,
            message_id,
            id,
            name,
            out,
            force,
        } => {
            let h = handle(&module, &record_id)?;
            let opts = prepare(&out, force)?;
            let got =
                h.download_email_attachment_to_dir(&user_id, &message_id, &id, &name, &out, &opts);
            (got, out, format!("email attachment {name}"))
        }
    };
    let got: DownloadedFile = got.map_err(|e| refuse_overwrite(e, &out))?;
    crate::photo::report_download(g, &format!("the {what}"), &got)?;
    Ok(())
}
