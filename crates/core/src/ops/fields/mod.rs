//! A CRM record's file-upload and image-upload fields: read which files a field holds, download
//! one, and set the field's files (upload to the file store, then update the record).
//!
//! Zoho documents these for CRM only (its v8 OpenAPI file `field_attachments.json` and the
//! update-records page); Bigin documents no such calls, so only the CRM client offers them.
//!
//! Setting a field is two calls (zoho-api-facts addendum, "File-upload fields"): upload the
//! files to the file store (`POST /crm/{v}/files`, at most 10 files of 20 MB per call), then
//! `PUT /crm/{v}/{module}/{record}` with the field set to `[{"file_id": "…"}]`, one entry per
//! file; an entry `{"id": "…", "_delete": null}` removes a file the field holds (the shape
//! Zoho's SDKs send). [`plan_upload`] makes the local decisions of that flow: every file is
//! checked before a byte is sent, files the field already holds (same name and size) are
//! skipped so that a re-run adds nothing twice, and the rest go in batches of 10.

mod download;
mod get;
mod update;

pub use download::DownloadFieldAttachment;
pub use get::GetFieldFiles;
pub use update::{RecordUpdated, SetFieldFiles};

use serde_json::{Map, Value};

use crate::error::{ApiError, InputError, printable};
use crate::ids::{AttachmentId, FileId};
use crate::ops::files::StoredFile;
use crate::ops::{Limits, file_part};

/// Files per file-store upload: Zoho's documented maximum.
pub const MAX_FILES_PER_UPLOAD: usize = 10;

/// The API name of a field, e.g. `File_Upload_1`: a letter, then letters, digits and `_`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FieldName(String);

impl FieldName {
    /// Checks `name`.
    pub fn new(name: impl Into<String>) -> Result<Self, InputError> {
        let name = name.into();
        if crate::module::is_api_name(&name) {
            Ok(Self(name))
        } else {
            Err(InputError::Invalid {
                what: "field API name",
                value: printable(&name),
                why: "expected a field's API name such as File_Upload_1 (letters, digits, _)",
            })
        }
    }

    /// The name as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for FieldName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for FieldName {
    type Err = InputError;
    fn from_str(s: &str) -> Result<Self, InputError> {
        Self::new(s)
    }
}

/// One field of one CRM record: what the field operations act on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FieldRef {
    pub version: crate::CrmVersion,
    pub module: crate::ModuleName,
    pub record: crate::RecordId,
    pub field: FieldName,
}

impl FieldRef {
    /// `{base}/crm/{v}/{module}/{record}?{query}`
    pub fn record_uri(
        &self,
        base: &crate::BaseUrl,
        query: &[(&str, &str)],
    ) -> Result<http::Uri, InputError> {
        base.join(
            &crate::Api::Crm(self.version).prefix(),
            &[self.module.as_str(), self.record.as_str()],
            query,
        )
    }
}

/// One file held by a file-upload or image-upload field, as a record's GET gives it.
///
/// Zoho's SDKs model a file-upload entry as `File_Name__s`, `Size__s`, `File_Id__s` and `id`,
/// and code in the wild reads image-upload entries as `file_Name`, `original_Size_Byte`,
/// `file_Id` and `attachment_Id`; both spellings are read, and a value of another type is left
/// out rather than failing the call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldFile {
    /// The id to download it by (`fields_attachment_id`): `attachment_Id`, else `id`.
    pub id: Option<AttachmentId>,
    /// Its file-store id (`File_Id__s` or `file_Id`).
    pub file_id: Option<String>,
    /// Its name (`File_Name__s` or `file_Name`).
    pub file_name: Option<String>,
    /// Its size in bytes (`Size__s`, `original_Size_Byte` or `file_Size`, when a whole number).
    pub size: Option<u64>,
}

impl FieldFile {
    /// Reads one entry of a field's value.
    pub fn from_json(entry: &Map<String, Value>) -> Self {
        let text = |keys: &[&str]| {
            keys.iter().find_map(|k| match entry.get(*k) {
                Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
                Some(Value::Number(n)) => Some(n.to_string()),
                _ => None,
            })
        };
        Self {
            id: text(&["attachment_Id", "id"]).and_then(|id| AttachmentId::new(id).ok()),
            file_id: text(&["File_Id__s", "file_Id"]),
            file_name: text(&["File_Name__s", "file_Name"]),
            size: text(&["Size__s", "original_Size_Byte", "file_Size"])
                .and_then(|s| s.trim().parse().ok()),
        }
    }

    /// True when this is a file named `name` of `len` bytes (the size is compared when known).
    pub fn is_same_file(&self, name: &str, len: u64) -> bool {
        self.file_name
            .as_deref()
            .is_some_and(|n| crate::ops::same_file_name(name, n))
            && self.size.is_none_or(|s| s == len)
    }
}

/// A file to put in a field: the name it goes up under and its length.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldUploadFile {
    /// The path or name given (its base name is sent).
    pub path: String,
    /// Its length in bytes.
    pub len: u64,
}

/// What [`plan_upload`] decided: which files (by index) go up, in batches, and which the field
/// already holds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldUploadPlan {
    /// Indices of the files to upload, at most [`MAX_FILES_PER_UPLOAD`] per batch.
    pub batches: Vec<Vec<usize>>,
    /// Indices of the files the field already holds (same name and size): not sent again.
    pub already_there: Vec<usize>,
}

/// Checks every file against the file store's limits (name, blocked type, 20 MB) before
/// anything is sent, leaves out those `existing` already holds when `skip_existing`, and groups
/// the rest in batches of 10. The same file named twice is refused: it would be added twice.
pub fn plan_upload(
    files: &[FieldUploadFile],
    existing: &[FieldFile],
    skip_existing: bool,
    limits: &Limits,
) -> Result<FieldUploadPlan, InputError> {
    if files.is_empty() {
        return Err(InputError::Empty {
            what: "the list of files to put in the field",
        });
    }
    let mut plan = FieldUploadPlan::default();
    let mut names: Vec<String> = Vec::new();
    let mut send = Vec::new();
    for (i, f) in files.iter().enumerate() {
        let part = file_part(
            &f.path,
            f.len,
            None,
            limits.store_file_max_bytes,
            &limits.blocked_extensions,
            "the CRM file store",
        )?;
        if names.contains(&part.name) {
            return Err(InputError::Invalid {
                what: "list of files",
                value: printable(&part.name),
                why: "this name is given twice: the field would hold it twice",
            });
        }
        if skip_existing && existing.iter().any(|e| e.is_same_file(&part.name, f.len)) {
            plan.already_there.push(i);
        } else {
            send.push(i);
        }
        names.push(part.name);
    }
    plan.batches = send
        .chunks(MAX_FILES_PER_UPLOAD)
        .map(<[usize]>::to_vec)
        .collect();
    Ok(plan)
}

/// What happened to one file given to a field upload.
#[derive(Clone, Debug, PartialEq)]
pub enum FieldFileOutcome {
    /// The field already held it (same name and size): not sent again.
    AlreadyThere,
    /// Stored in the file store, and put in the field unless the update failed.
    Stored(StoredFile),
    /// The file store refused it.
    Refused(ApiError),
}

/// The outcome of putting files in a field: one entry per file given, in order, and the
/// record update (none when no file was stored).
#[derive(Clone, Debug, PartialEq)]
pub struct FieldUploadReport {
    /// One per file given, in order.
    pub files: Vec<FieldFileOutcome>,
    /// The record update with the stored files' ids; `None` when nothing was stored.
    pub update: Option<Result<RecordUpdated, ApiError>>,
}

impl FieldUploadReport {
    /// A report for `n` files, none sent yet (each starts as already there, and each batch's
    /// results replace its entries).
    pub fn new(n: usize) -> Self {
        Self {
            files: vec![FieldFileOutcome::AlreadyThere; n],
            update: None,
        }
    }

    /// Records one batch's results (one per file, in order, as
    /// [`UploadFiles`](crate::ops::files::UploadFiles) gives them).
    pub fn record_batch(
        &mut self,
        batch: &[usize],
        results: Vec<Result<StoredFile, ApiError>>,
    ) -> Result<(), crate::Error> {
        if results.len() != batch.len() {
            return Err(crate::Error::Decode {
                status: http::StatusCode::OK,
                path: String::from("data"),
                message: format!(
                    "expected one result per file: sent {}, got {}",
                    batch.len(),
                    results.len()
                ),
                body: bytes::Bytes::new(),
            });
        }
        for (&i, r) in batch.iter().zip(results) {
            if let Some(slot) = self.files.get_mut(i) {
                *slot = match r {
                    Ok(f) => FieldFileOutcome::Stored(f),
                    Err(e) => FieldFileOutcome::Refused(e),
                };
            }
        }
        Ok(())
    }

    /// The file-store ids of the files stored, to put in the field.
    pub fn stored_ids(&self) -> Vec<FileId> {
        self.files
            .iter()
            .filter_map(|f| match f {
                FieldFileOutcome::Stored(s) => Some(s.id.clone()),
                _ => None,
            })
            .collect()
    }

    /// True when every file is in the field: each already there or stored, and the update
    /// (if one was needed) succeeded.
    pub fn is_complete(&self) -> bool {
        !self
            .files
            .iter()
            .any(|f| matches!(f, FieldFileOutcome::Refused(_)))
            && !matches!(self.update, Some(Err(_)))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn entry(j: Value) -> FieldFile {
        FieldFile::from_json(j.as_object().unwrap())
    }

    fn files(n: usize) -> Vec<FieldUploadFile> {
        (0..n)
            .map(|i| FieldUploadFile {
                path: format!("/tmp/f{i}.pdf"),
                len: 10,
            })
            .collect()
    }

    #[test]
    fn field_entries_in_both_spellings() {
        let f = entry(serde_json::json!({
            "File_Name__s": "a.pdf", "Size__s": "57", "File_Id__s": "abc", "id": "5725767000000500001"
        }));
        assert_eq!(f.id.unwrap().as_str(), "5725767000000500001");
        assert_eq!(
            (f.file_name.as_deref(), f.size, f.file_id.as_deref()),
            (Some("a.pdf"), Some(57), Some("abc"))
        );
        let img = entry(serde_json::json!({
            "file_Name": "b.png", "original_Size_Byte": 70, "file_Id": "x",
            "attachment_Id": "5725767000000500002", "id": null
        }));
        assert_eq!(img.id.unwrap().as_str(), "5725767000000500002");
        assert_eq!(img.size, Some(70));
        // A size Zoho writes for people ("2 KB") is unknown, not an error.
        let loose = entry(serde_json::json!({ "File_Name__s": "c", "Size__s": "2 KB", "id": [1] }));
        assert_eq!((loose.size, loose.id), (None, None));
    }

    #[test]
    fn plans_skip_what_is_there_and_batch_by_ten() {
        let there = [entry(
            serde_json::json!({ "File_Name__s": "f3.pdf", "Size__s": "10" }),
        )];
        let plan = plan_upload(&files(12), &there, true, &Limits::default()).unwrap();
        assert_eq!(plan.already_there, vec![3]);
        assert_eq!(plan.batches.len(), 2);
        assert_eq!(plan.batches[0].len(), 10);
        assert_eq!(plan.batches[1], vec![11]);
        assert!(!plan.batches.concat().contains(&3));
        // Without skipping, every file goes up; another size is another file.
        let plan = plan_upload(&files(12), &there, false, &Limits::default()).unwrap();
        assert_eq!(plan.batches.concat().len(), 12);
        let mut bigger = files(4);
        bigger[3].len = 11;
        let plan = plan_upload(&bigger, &there, true, &Limits::default()).unwrap();
        assert!(plan.already_there.is_empty());
    }

    #[test]
    fn reports_keep_each_files_outcome() {
        let mut r = FieldUploadReport::new(3);
        let stored = |id: &str| {
            Ok(StoredFile {
                name: String::from("x"),
                id: FileId::new(id).unwrap(),
            })
        };
        let refused = ApiError {
            status: http::StatusCode::OK,
            code: crate::ErrorCode::parse("VIRUS_DETECTED"),
            message: String::new(),
            details: Value::Null,
            scopes_needed: Vec::new(),
        };
        assert!(r.record_batch(&[0, 2], vec![stored("a")]).is_err());
        r.record_batch(&[0, 2], vec![stored("a"), Err(refused)])
            .unwrap();
        assert_eq!(r.files[1], FieldFileOutcome::AlreadyThere);
        assert_eq!(r.stored_ids(), vec![FileId::new("a").unwrap()]);
        assert!(!r.is_complete());
        r.files[2] = FieldFileOutcome::AlreadyThere;
        assert!(r.is_complete());
    }

    #[test]
    fn plans_refuse_bad_files_before_sending() {
        let mut f = files(2);
        f[1].len = 20_000_001;
        let e = plan_upload(&f, &[], true, &Limits::default()).unwrap_err();
        assert!(e.to_string().contains("f1.pdf"), "{e}");
        let twice = [files(1), files(1)].concat();
        let e = plan_upload(&twice, &[], true, &Limits::default()).unwrap_err();
        assert!(e.to_string().contains("twice"), "{e}");
        assert!(plan_upload(&[], &[], true, &Limits::default()).is_err());
        let exe = [FieldUploadFile {
            path: "run.EXE".into(),
            len: 1,
        }];
        assert!(plan_upload(&exe, &[], true, &Limits::default()).is_err());
        assert!(FieldName::new("File_Upload_1").is_ok());
        assert!(FieldName::new("1x").is_err());
        assert!(FieldName::new("a&fields=id").is_err());
    }
}
