//! The handles of both transports, written once: `Attachments`, `Photo`, `RecordFiles` and
//! `FileStore`, each a
//! small value over a transport that turns a method call into a core operation and runs it.
//!
//! The blocking and the async transport expand [`transport_handles!`](crate::transport_handles)
//! with their own keywords and I/O types, so the two surfaces cannot drift apart, and rustdoc
//! shows each with plain signatures (`fn list(&self) -> Result<..>` or `async fn list`). The
//! expansion expects, in the transport crate: `Transport` (with `execute`, `execute_with`,
//! `download` and `download_to_temp`), `DownloadOptions`, `DownloadedFile`,
//! `local::blocking(work)` (file work, run off an async runtime) and the `zoho-fs` crate,
//! blocking or async like the rest. It adds `Source` (the upload sources, over the transport's
//! reader type), and `Transport::download_to_path` and `Transport::download_to_dir` over
//! `download_to_temp`. Nothing here does I/O; the transport's code (and `zoho-fs`) does.

/// Expands the handles for one transport (see the [module docs](crate::handles)).
// `crate::` in the expansion names the transport's own items on purpose.
#[allow(clippy::crate_in_macro_def)]
#[doc(hidden)]
#[macro_export]
macro_rules! transport_handles {
    (
        async: [$($async:tt)*],
        await: [$($await:tt)*],
        reader: [$($reader:tt)*],
        boxed_reader: [$($boxed:tt)*],
        box_reader: [$($box_it:tt)*],
        writer: [$($writer:tt)*],
    ) => {
        /// Bytes for a multipart source slot.
        pub enum Source {
            /// A file, opened (again for each retry) when sent.
            Path(std::path::PathBuf),
            /// Bytes in memory.
            Bytes($crate::bytes::Bytes),
            /// A reader, read once: a call using it is not retried after it was sent.
            Reader(std::sync::Mutex<Option<$($boxed)*>>),
            /// A file, like `Path`, that reports the bytes read so far (from 0 again on a retry).
            PathWithProgress(std::path::PathBuf, std::sync::Arc<dyn Fn(u64) + Send + Sync>),
        }

        impl Source {
            /// A one-shot reader source.
            pub fn reader(r: $($reader)*) -> Self {
                Source::Reader(std::sync::Mutex::new(Some($($box_it)*(r))))
            }

            /// A file source reporting to `opts.progress` (bytes read so far, `len`), if set.
            pub fn with_progress(path: &Path, len: u64, opts: &$crate::UploadOptions) -> Self {
                match opts.progress.clone() {
                    Some(p) => {
                        Source::PathWithProgress(path.to_owned(), std::sync::Arc::new(move |n| p(n, len)))
                    }
                    None => Source::Path(path.to_owned()),
                }
            }

            pub(crate) fn rewindable(&self) -> bool {
                !matches!(self, Source::Reader(_))
            }

            /// The reader, taken out: a second attempt cannot have it.
            pub(crate) fn take_reader(
                m: &std::sync::Mutex<Option<$($boxed)*>>,
            ) -> Result<$($boxed)*, Error> {
                let taken = m.lock().ok().and_then(|mut r| r.take());
                taken.ok_or_else(|| {
                    let why = "this upload's reader was already read by an earlier attempt";
                    Error::transport($crate::TransportKind::Other, why)
                })
            }
        }

        impl std::fmt::Debug for Source {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                match self {
                    Source::Path(p) | Source::PathWithProgress(p, _) => {
                        write!(f, "Source::Path({})", p.display())
                    }
                    Source::Bytes(b) => write!(f, "Source::Bytes({} bytes)", b.len()),
                    Source::Reader(_) => f.write_str("Source::Reader"),
                }
            }
        }

        use std::path::Path;

        use $crate::ops::attachments::{
            AttachmentPage, DeleteAttachments, DeleteResult, Deleted, ListAttachments, Uploaded,
        };
        use $crate::ops::files::{GetFile, StoredFile, UploadFiles};
        use $crate::ops::photo::{ImageType, StatusMessage};
        use $crate::{ApiError, AttachmentId, CrmVersion, DownloadHead, Error, FileId, Operation};

        use crate::{DownloadOptions, DownloadedFile, Transport};

        impl Transport {
            /// Downloads to exactly `path`, through a temporary file beside it that is renamed
            /// on success and removed on failure (or when an async download's future is
            /// dropped), so `path` never holds a partial file. An existing `path` is refused
            /// before anything is sent, and never replaced at the end, unless `opts.overwrite`.
            pub $($async)* fn download_to_path<D: $crate::Download + Sync>(
                &self,
                d: &D,
                path: impl AsRef<Path>,
                opts: &DownloadOptions<'_>,
            ) -> Result<DownloadedFile, Error> {
                let (path, overwrite) = (path.as_ref().to_owned(), opts.overwrite);
                if !overwrite {
                    let target = path.clone();
                    crate::local::blocking(move || zoho_fs::refuse_existing(&target))$($await)*?;
                }
                let (tmp, head, bytes, sha256) =
                    self.download_to_temp(d, &path, None, opts)$($await)*?;
                let target = path.clone();
                crate::local::blocking(move || tmp.persist(&target, overwrite))$($await)*?;
                Ok(DownloadedFile::new(path, bytes, sha256, head))
            }

            /// Downloads into directory `dir` under the server's file name made safe
            /// ([`DownloadHead::safe_file_name`]), or `fallback_name`. Unless `opts.overwrite`,
            /// an existing file of that name is refused as soon as the answer's head names it
            /// (before its body is fetched) and is never replaced at the end.
            pub $($async)* fn download_to_dir<D: $crate::Download + Sync>(
                &self,
                d: &D,
                dir: impl AsRef<Path>,
                fallback_name: &str,
                opts: &DownloadOptions<'_>,
            ) -> Result<DownloadedFile, Error> {
                let (dir, overwrite) = (dir.as_ref(), opts.overwrite);
                let name = |head: &DownloadHead| dir.join(head.safe_file_name(fallback_name));
                let refuse = (!overwrite)
                    .then_some(&name as &(dyn Fn(&DownloadHead) -> std::path::PathBuf + Sync));
                let beside = dir.join(fallback_name);
                let (tmp, head, bytes, sha256) =
                    self.download_to_temp(d, &beside, refuse, opts)$($await)*?;
                let path = name(&head);
                let target = path.clone();
                crate::local::blocking(move || tmp.persist(&target, overwrite))$($await)*?;
                Ok(DownloadedFile::new(path, bytes, sha256, head))
            }
        }

        /// The length of a regular file (anything else is refused before a byte is sent).
        $($async)* fn file_len(path: &Path) -> Result<u64, Error> {
            let path = path.to_owned();
            crate::local::blocking(move || zoho_fs::file_len(&path))$($await)*
        }

        /// Up to the first 16 bytes of a file, to tell an image's type.
        $($async)* fn file_head(path: &Path) -> Result<Vec<u8>, Error> {
            let path = path.to_owned();
            crate::local::blocking(move || zoho_fs::file_head(&path))$($await)*
        }

        fn name_of(path: &Path) -> String {
            path.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        }

        /// The attachments of one record.
        #[derive(Debug)]
        pub struct Attachments {
            t: Transport,
            ops: $crate::ops::Attachments,
        }

        impl Attachments {
            /// A handle over `t`.
            pub fn new(t: &Transport, ops: $crate::ops::Attachments) -> Self {
                Self { t: t.clone(), ops }
            }

            /// Only the first page, with default fields (Zoho's default page size): every page
            /// is `pages`, every attachment `list_all`.
            pub $($async)* fn list(&self) -> Result<AttachmentPage, Error> {
                self.t.execute(&self.ops.list())$($await)*
            }

            /// One page as `op` asks (start from [`Self::list_op`]).
            pub $($async)* fn list_page(&self, op: &ListAttachments) -> Result<AttachmentPage, Error> {
                self.t.execute(op)$($await)*
            }

            /// The list operation, to set fields, page size or filters.
            pub fn list_op(&self) -> ListAttachments {
                self.ops.list()
            }

            /// The upload operation for `len` bytes named `file_name`, to check it or run it
            /// with [`Transport::execute_with`] and a source of your own.
            pub fn upload_op(
                &self,
                file_name: &str,
                len: u64,
            ) -> $crate::ops::attachments::UploadAttachment {
                self.ops.upload(file_name, len)
            }

            /// Uploads a file, streamed from disk (and reopened if the call is retried).
            pub $($async)* fn upload_file(&self, path: impl AsRef<Path>) -> Result<Uploaded, Error> {
                self.upload_file_with(path, &$crate::UploadOptions::default())$($await)*
            }

            /// [`upload_file`](Self::upload_file), with a progress callback.
            pub $($async)* fn upload_file_with(
                &self,
                path: impl AsRef<Path>,
                opts: &$crate::UploadOptions,
            ) -> Result<Uploaded, Error> {
                let path = path.as_ref();
                let len = file_len(path)$($await)*?;
                let name = opts.file_name.clone().unwrap_or_else(|| name_of(path));
                let op = self.ops.upload(&name, len);
                let op = $crate::operation::Timed(&op, opts.timeout);
                self.t.execute_with(&op, &[Source::with_progress(path, len, opts)])$($await)*
            }

            /// Uploads `len` bytes from a reader under `file_name` (not retried once sent).
            pub $($async)* fn upload_reader(
                &self,
                file_name: &str,
                len: u64,
                reader: $($reader)*,
            ) -> Result<Uploaded, Error> {
                let op = self.ops.upload(file_name, len);
                self.t.execute_with(&op, &[Source::reader(reader)])$($await)*
            }

            /// Attaches a link, with an optional title.
            pub $($async)* fn upload_link(&self, url: &str, title: Option<&str>) -> Result<Uploaded, Error> {
                let mut op = self.ops.upload_link(url);
                if let Some(t) = title {
                    op = op.title(t);
                }
                self.t.execute(&op)$($await)*
            }

            /// Streams an attachment into `out` (not sent again if cut: a writer cannot be
            /// reset; the `download_to_*` methods are).
            pub $($async)* fn download_to_writer(
                &self,
                id: AttachmentId,
                out: $($writer)*,
                opts: &DownloadOptions<'_>,
            ) -> Result<(DownloadHead, u64), Error> {
                self.t.download(&self.ops.download(id), out, opts)$($await)*
            }

            /// Downloads an attachment to exactly `path` (never leaving a partial file there;
            /// an existing file is kept unless `opts.overwrite`).
            pub $($async)* fn download_to_path(
                &self,
                id: AttachmentId,
                path: impl AsRef<Path>,
                opts: &DownloadOptions<'_>,
            ) -> Result<DownloadedFile, Error> {
                self.t.download_to_path(&self.ops.download(id), path, opts)$($await)*
            }

            /// Downloads an attachment into `dir` under its (safe) server name (an existing file
            /// is refused before the body is fetched, unless `opts.overwrite`).
            pub $($async)* fn download_to_dir(
                &self,
                id: AttachmentId,
                dir: impl AsRef<Path>,
                opts: &DownloadOptions<'_>,
            ) -> Result<DownloadedFile, Error> {
                let fallback = format!("attachment-{id}");
                let d = self.ops.download(id);
                self.t.download_to_dir(&d, dir, &fallback, opts)$($await)*
            }

            /// Deletes one attachment.
            pub $($async)* fn delete(&self, id: AttachmentId) -> Result<Deleted, Error> {
                self.t.execute(&self.ops.delete(id))$($await)*
            }

            /// Deletes many, in batches; one outcome per id, whatever happened to its batch.
            pub $($async)* fn delete_many(
                &self,
                ids: impl IntoIterator<Item = AttachmentId>,
            ) -> Result<Vec<DeleteResult>, Error> {
                let batches = self.ops.delete_many(ids).batches()?;
                let mut results = Vec::with_capacity(batches.len());
                for b in batches {
                    let r = self.t.execute(&b)$($await)*;
                    results.push((b, r));
                }
                Ok(DeleteAttachments::merge(results))
            }
        }

        /// The photo of one record.
        #[derive(Debug)]
        pub struct Photo {
            t: Transport,
            ops: $crate::ops::Photo,
            restrict_triggers: bool,
        }

        impl Photo {
            /// A handle over `t`.
            pub fn new(t: &Transport, ops: $crate::ops::Photo) -> Self {
                Self { t: t.clone(), ops, restrict_triggers: false }
            }

            /// Uploads from this handle send `restrict_triggers=workflow`, so that Zoho runs
            /// no workflow rules for them.
            pub fn restrict_triggers(mut self, yes: bool) -> Self {
                self.restrict_triggers = yes;
                self
            }

            /// Uploads an image file (PNG, JPEG, GIF or BMP, by its first bytes).
            pub $($async)* fn upload_file(&self, path: impl AsRef<Path>) -> Result<StatusMessage, Error> {
                let path = path.as_ref();
                let len = file_len(path)$($await)*?;
                let head = file_head(path)$($await)*?;
                let mut op = self.ops.upload(&name_of(path), len).restrict_workflow_triggers(self.restrict_triggers);
                if let Some(kind) = ImageType::sniff(&head) {
                    op = op.image_type(kind);
                }
                self.t.execute_with(&op, &[Source::Path(path.to_owned())])$($await)*
            }

            /// Streams the photo into `out`.
            pub $($async)* fn download_to_writer(
                &self,
                out: $($writer)*,
                opts: &DownloadOptions<'_>,
            ) -> Result<(DownloadHead, u64), Error> {
                self.t.download(&self.ops.download(), out, opts)$($await)*
            }

            /// Downloads the photo to exactly `path` (kept if it exists, unless `opts.overwrite`).
            pub $($async)* fn download_to_path(
                &self,
                path: impl AsRef<Path>,
                opts: &DownloadOptions<'_>,
            ) -> Result<DownloadedFile, Error> {
                self.t.download_to_path(&self.ops.download(), path, opts)$($await)*
            }

            /// Deletes the photo.
            pub $($async)* fn delete(&self) -> Result<StatusMessage, Error> {
                self.t.execute(&self.ops.delete())$($await)*
            }
        }

        /// The files of one CRM record beyond its attachments: those in its file-upload and
        /// image-upload fields, and its emails' attachments (Zoho documents both for CRM only).
        #[derive(Debug)]
        pub struct RecordFiles {
            t: Transport,
            version: CrmVersion,
            module: $crate::ModuleName,
            record: $crate::RecordId,
        }

        impl RecordFiles {
            /// A handle over `t`.
            pub fn new(
                t: &Transport,
                version: CrmVersion,
                module: $crate::ModuleName,
                record: $crate::RecordId,
            ) -> Self {
                Self { t: t.clone(), version, module, record }
            }

            fn field_op(&self, id: AttachmentId) -> $crate::ops::fields::DownloadFieldAttachment {
                $crate::ops::fields::DownloadFieldAttachment::new(
                    self.version,
                    self.module.clone(),
                    self.record.clone(),
                    id,
                )
            }

            fn email_op(
                &self,
                user_id: &str,
                message_id: &str,
                id: &str,
                name: &str,
            ) -> Result<$crate::ops::emails::DownloadEmailAttachment, Error> {
                Ok($crate::ops::emails::DownloadEmailAttachment::new(
                    self.version,
                    self.module.clone(),
                    self.record.clone(),
                    $crate::RecordId::new(user_id)?,
                    message_id,
                    id,
                    name,
                )?)
            }

            fn field_ref(&self, field: &$crate::ops::fields::FieldName) -> $crate::ops::fields::GetFieldFiles {
                $crate::ops::fields::GetFieldFiles::new(
                    self.version,
                    self.module.clone(),
                    self.record.clone(),
                    field.clone(),
                )
            }

            /// The files a file-upload or image-upload field holds.
            pub $($async)* fn field_files(
                &self,
                field: &$crate::ops::fields::FieldName,
            ) -> Result<Vec<$crate::ops::fields::FieldFile>, Error> {
                self.t.execute(&self.field_ref(field))$($await)*
            }

            /// Puts files in a file-upload or image-upload field: each checked before a byte
            /// is sent, those the field already holds (same name and size) skipped, the rest
            /// uploaded to the file store (10 per call), then the record updated with their
            /// ids. One outcome per file and the update's are kept in the report; only a
            /// failure that is not Zoho's answer (the network, the token) fails the call.
            pub $($async)* fn upload_to_field<P: AsRef<Path>>(
                &self,
                field: &$crate::ops::fields::FieldName,
                paths: &[P],
            ) -> Result<$crate::ops::fields::FieldUploadReport, Error> {
                use $crate::ops::fields::{FieldUploadFile, FieldUploadReport, SetFieldFiles};
                let mut files = Vec::with_capacity(paths.len());
                for p in paths {
                    let p = p.as_ref();
                    files.push(FieldUploadFile { path: name_of(p), len: file_len(p)$($await)*? });
                }
                let limits = $crate::ops::Limits::default();
                $crate::ops::fields::plan_upload(&files, &[], false, &limits)?;
                let existing = self.field_files(field)$($await)*?;
                let plan = $crate::ops::fields::plan_upload(&files, &existing, true, &limits)?;
                let mut report = FieldUploadReport::new(files.len());
                for batch in &plan.batches {
                    let mut op = UploadFiles::new(self.version);
                    let mut sources = Vec::with_capacity(batch.len());
                    for &i in batch {
                        op = op.file(&files[i].path, files[i].len);
                        sources.push(Source::Path(paths[i].as_ref().to_path_buf()));
                    }
                    let results = self.t.execute_with(&op, &sources)$($await)*?;
                    report.record_batch(batch, results)?;
                }
                let ids = report.stored_ids();
                if !ids.is_empty() {
                    let op = SetFieldFiles::new(
                        self.version,
                        self.module.clone(),
                        self.record.clone(),
                        field.clone(),
                    )
                    .add_files(ids);
                    report.update = match self.t.execute(&op)$($await)* {
                        Ok(u) => Some(Ok(u)),
                        Err(Error::Api(e)) => Some(Err(e)),
                        Err(e) => return Err(e),
                    };
                }
                Ok(report)
            }

            /// Removes files from a file-upload or image-upload field, by the ids its value
            /// gives ([`FieldFile::id`]($crate::ops::fields::FieldFile::id)).
            pub $($async)* fn remove_from_field(
                &self,
                field: &$crate::ops::fields::FieldName,
                ids: impl IntoIterator<Item = AttachmentId>,
            ) -> Result<$crate::ops::fields::RecordUpdated, Error> {
                let op = $crate::ops::fields::SetFieldFiles::new(
                    self.version,
                    self.module.clone(),
                    self.record.clone(),
                    field.clone(),
                )
                .remove_files(ids);
                self.t.execute(&op)$($await)*
            }

            /// Downloads the file of a file-upload or image-upload field (by the
            /// `attachment_Id` in the field's value) into `dir`, under its safe server name.
            pub $($async)* fn download_field_attachment_to_dir(
                &self,
                id: AttachmentId,
                dir: impl AsRef<Path>,
                opts: &DownloadOptions<'_>,
            ) -> Result<DownloadedFile, Error> {
                let fallback = format!("field-attachment-{id}");
                self.t.download_to_dir(&self.field_op(id), dir, &fallback, opts)$($await)*
            }

            /// Downloads a field's file to exactly `path`.
            pub $($async)* fn download_field_attachment_to_path(
                &self,
                id: AttachmentId,
                path: impl AsRef<Path>,
                opts: &DownloadOptions<'_>,
            ) -> Result<DownloadedFile, Error> {
                self.t.download_to_path(&self.field_op(id), path, opts)$($await)*
            }

            /// Downloads attachment `id` named `name` of email `message_id` (in `user_id`'s
            /// mailbox) into `dir`, under the server's safe name, or `name` made safe.
            pub $($async)* fn download_email_attachment_to_dir(
                &self,
                user_id: &str,
                message_id: &str,
                id: &str,
                name: &str,
                dir: impl AsRef<Path>,
                opts: &DownloadOptions<'_>,
            ) -> Result<DownloadedFile, Error> {
                let op = self.email_op(user_id, message_id, id, name)?;
                let fallback = $crate::disposition::safe_file_name(name, "email-attachment");
                self.t.download_to_dir(&op, dir, &fallback, opts)$($await)*
            }

            /// Downloads an email's attachment to exactly `path`.
            pub $($async)* fn download_email_attachment_to_path(
                &self,
                user_id: &str,
                message_id: &str,
                id: &str,
                name: &str,
                path: impl AsRef<Path>,
                opts: &DownloadOptions<'_>,
            ) -> Result<DownloadedFile, Error> {
                let op = self.email_op(user_id, message_id, id, name)?;
                self.t.download_to_path(&op, path, opts)$($await)*
            }
        }

        /// The CRM file store.
        #[derive(Debug)]
        pub struct FileStore {
            t: Transport,
            version: CrmVersion,
        }

        impl FileStore {
            /// A handle over `t`.
            pub fn new(t: &Transport, version: CrmVersion) -> Self {
                Self { t: t.clone(), version }
            }

            /// Uploads files; one result per file.
            pub $($async)* fn upload_files<P: AsRef<Path>>(
                &self,
                paths: &[P],
            ) -> Result<Vec<Result<StoredFile, ApiError>>, Error> {
                let mut op = UploadFiles::new(self.version);
                let mut sources = Vec::new();
                for p in paths {
                    let p = p.as_ref();
                    op = op.file(&name_of(p), file_len(p)$($await)*?);
                    sources.push(Source::Path(p.to_path_buf()));
                }
                self.t.execute_with(&op, &sources)$($await)*
            }

            /// Downloads a stored file to exactly `path` (kept if it exists, unless
            /// `opts.overwrite`).
            pub $($async)* fn get_to_path(
                &self,
                id: FileId,
                path: impl AsRef<Path>,
                opts: &DownloadOptions<'_>,
            ) -> Result<DownloadedFile, Error> {
                let d = GetFile::new(self.version, id);
                self.t.download_to_path(&d, path, opts)$($await)*
            }

            /// Runs any operation on the same transport.
            pub $($async)* fn execute<O: Operation + Sync>(&self, op: &O) -> Result<O::Output, Error> {
                self.t.execute(op)$($await)*
            }
        }
    };
}
