//! `zoho record-files list|upload|remove`: the files of a CRM record's file-upload or
//! image-upload field. An upload checks every file first, skips those the field already holds
//! (same name and size, so a re-run adds nothing twice), stores the rest in the file store and
//! sets the field; each file's outcome is printed, and the exit code says whether all of them
//! are in the field (0), some (5) or none (1).

use std::path::PathBuf;

use serde_json::json;
use zoho_blocking_transport::RecordFiles;
use zoho_core::AttachmentId;
use zoho_core::ops::fields::{FieldFileOutcome, FieldName, FieldUploadReport};

use crate::Global;
use crate::fail::Failure;

fn usage(e: zoho_core::InputError) -> Failure {
    Failure::usage(format!("{e}."))
}

/// Prints the files `field` holds.
pub(crate) fn list(g: &Global, h: &RecordFiles, field: &str) -> Result<(), Failure> {
    let field = FieldName::new(field).map_err(usage)?;
    let files = h.field_files(&field)?;
    for f in &files {
        let id = f.id.as_ref().map(AttachmentId::as_str);
        if g.json {
            out!(
                "{}",
                json!({ "id": id, "file_name": f.file_name, "size": f.size, "file_id": f.file_id })
            );
        } else {
            let size = f
                .size
                .map_or_else(|| "-".to_owned(), |s| format!("{s} bytes"));
            out!(
                "{}  {}  {size}",
                id.unwrap_or("-"),
                f.file_name.as_deref().unwrap_or("-")
            );
        }
    }
    if !g.json {
        eprintln!("{} file(s) in {field}", files.len());
    }
    Ok(())
}

/// Puts `files` in `field` and reports each one.
pub(crate) fn upload(
    g: &Global,
    h: &RecordFiles,
    field: &str,
    files: &[PathBuf],
) -> Result<(), Failure> {
    let field = FieldName::new(field).map_err(usage)?;
    let report = h.upload_to_field(&field, files)?;
    print_report(g, &field, files, &report)?;
    let landed = report.files.iter().any(|f| match f {
        FieldFileOutcome::AlreadyThere => true,
        FieldFileOutcome::Stored(_) => matches!(report.update, Some(Ok(_))),
        FieldFileOutcome::Refused(_) => false,
    });
    if report.is_complete() {
        Ok(())
    } else if landed {
        Err(Failure::partial(format!(
            "some files are not in {field} (listed above): run the same command again to send only those."
        )))
    } else if let Some(Err(e)) = report.update {
        Err(Failure::from(zoho_core::Error::Api(e)))
    } else {
        Err(Failure {
            message: format!("none of the files was put in {field} (listed above)."),
            code: crate::fail::API,
        })
    }
}

fn print_report(
    g: &Global,
    field: &FieldName,
    files: &[PathBuf],
    report: &FieldUploadReport,
) -> Result<(), Failure> {
    let update_error = match &report.update {
        Some(Err(e)) => Some(e.to_string()),
        _ => None,
    };
    for (path, outcome) in files.iter().zip(&report.files) {
        let (state, file_id, error) = match outcome {
            FieldFileOutcome::AlreadyThere => ("already_there", None, None),
            FieldFileOutcome::Stored(s) if update_error.is_some() => {
                ("stored_not_set", Some(s.id.as_str()), update_error.clone())
            }
            FieldFileOutcome::Stored(s) => ("added", Some(s.id.as_str()), None),
            FieldFileOutcome::Refused(e) => ("refused", None, Some(e.to_string())),
        };
        if g.json {
            out!(
                "{}",
                json!({ "path": path, "field": field.as_str(), "outcome": state, "file_id": file_id, "error": error })
            );
        } else {
            let p = path.display();
            match state {
                "already_there" => out!("{p}: already in {field}, not sent again."),
                "added" => out!("{p}: added to {field}."),
                "stored_not_set" => out!(
                    "{p}: stored (file id {}) but not put in {field}: {}",
                    file_id.unwrap_or("-"),
                    error.unwrap_or_default()
                ),
                _ => out!(
                    "{p}: refused by the file store: {}",
                    error.unwrap_or_default()
                ),
            }
        }
    }
    Ok(())
}

/// Removes the files with these ids (from `zoho record-files list`) from `field`.
pub(crate) fn remove(
    g: &Global,
    h: &RecordFiles,
    field: &str,
    ids: &[String],
) -> Result<(), Failure> {
    let field = FieldName::new(field).map_err(usage)?;
    let ids: Vec<AttachmentId> = ids
        .iter()
        .map(|s| AttachmentId::new(s.as_str()).map_err(usage))
        .collect::<Result<_, _>>()?;
    let n = ids.len();
    h.remove_from_field(&field, ids)?;
    if g.json {
        out!("{}", json!({ "field": field.as_str(), "removed": n }));
    } else {
        out!("Removed {n} file(s) from {field}.");
    }
    Ok(())
}
