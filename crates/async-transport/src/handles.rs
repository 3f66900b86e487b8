//! What users call: the attachments and photo of a record, and the CRM file store, each a small
//! handle over a [`Transport`] for one product and version.

use std::path::Path;

use futures_util::Stream;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite};
use zoho_core::ops::attachments::{
    Attachment, AttachmentPage, DeleteAttachments, DeleteResult, Deleted, ListAttachments, Uploaded,
};
use zoho_core::ops::files::{GetFile, StoredFile, UploadFiles};
use zoho_core::ops::photo::StatusMessage;
use zoho_core::pager::Pager;
use zoho_core::{ApiError, AttachmentId, CrmVersion, DownloadHead, Error, FileId};

use crate::{DownloadOptions, DownloadedFile, Source, Transport, transport_err};

async fn file_len(path: &Path) -> Result<u64, Error> {
    let meta = tokio::fs::metadata(path).await.map_err(transport_err)?;
    if !meta.is_file() {
        return Err(Error::Input(zoho_core::InputError::InvalidFileName {
            name: path.display().to_string(),
            why: "it is not a regular file",
        }));
    }
    Ok(meta.len())
}

fn name_of(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The attachments of one record.
#[derive(Debug)]
pub struct Attachments<'a> {
    t: &'a Transport,
    ops: zoho_core::ops::Attachments,
}

impl<'a> Attachments<'a> {
    /// A handle over `t`.
    pub fn new(t: &'a Transport, ops: zoho_core::ops::Attachments) -> Self {
        Self { t, ops }
    }

    /// The first page with default fields.
    pub async fn list(&self) -> Result<AttachmentPage, Error> {
        self.t.execute(&self.ops.list()).await
    }

    /// One page as `op` asks (start from [`Self::list_op`]).
    pub async fn list_page(&self, op: &ListAttachments) -> Result<AttachmentPage, Error> {
        self.t.execute(op).await
    }

    /// The list operation, to set fields, page size or filters.
    pub fn list_op(&self) -> ListAttachments {
        self.ops.list()
    }

    /// Every attachment, page after page, fetched as the stream is polled.
    pub fn list_all(&self, first: ListAttachments) -> AllAttachments<'a> {
        let t = self.t;
        let state = (
            Pager::new(first),
            Vec::<Attachment>::new().into_iter(),
            false,
        );
        Box::pin(futures_util::stream::unfold(
            state,
            move |(mut pager, mut buffered, failed)| async move {
                loop {
                    if let Some(a) = buffered.next() {
                        return Some((Ok(a), (pager, buffered, failed)));
                    }
                    if failed {
                        return None;
                    }
                    let op = pager.next_request()?.clone();
                    match t
                        .execute(&op)
                        .await
                        .and_then(|p| pager.advance(&p).map(|()| p))
                    {
                        Ok(p) => buffered = p.attachments.into_iter(),
                        Err(e) => return Some((Err(e), (pager, buffered, true))),
                    }
                }
            },
        ))
    }

    /// The upload operation for `len` bytes named `file_name`, to check it or run it with
    /// [`Transport::execute_with`] and a source of your own.
    pub fn upload_op(
        &self,
        file_name: &str,
        len: u64,
    ) -> zoho_core::ops::attachments::UploadAttachment {
        self.ops.upload(file_name, len)
    }

    /// Uploads a file, streamed from disk (and reopened if the call is retried).
    pub async fn upload_file(&self, path: &Path) -> Result<Uploaded, Error> {
        let op = self.ops.upload(&name_of(path), file_len(path).await?);
        self.t
            .execute_with(&op, &[Source::Path(path.to_owned())])
            .await
    }

    /// Uploads `len` bytes from a reader under `file_name` (not retried once sent).
    pub async fn upload_reader(
        &self,
        file_name: &str,
        len: u64,
        reader: impl AsyncRead + Send + 'static,
    ) -> Result<Uploaded, Error> {
        self.t
            .execute_with(&self.ops.upload(file_name, len), &[Source::reader(reader)])
            .await
    }

    /// Attaches a link, with an optional title.
    pub async fn upload_link(&self, url: &str, title: Option<&str>) -> Result<Uploaded, Error> {
        let mut op = self.ops.upload_link(url);
        if let Some(t) = title {
            op = op.title(t);
        }
        self.t.execute(&op).await
    }

    /// Streams an attachment into `out`.
    pub async fn download_to_writer(
        &self,
        id: AttachmentId,
        out: &mut (dyn AsyncWrite + Send + Unpin),
        opts: &DownloadOptions<'_>,
    ) -> Result<(DownloadHead, u64), Error> {
        self.t.download(&self.ops.download(id), out, opts).await
    }

    /// Downloads an attachment to exactly `path` (never leaving a partial file there).
    pub async fn download_to_path(
        &self,
        id: AttachmentId,
        path: &Path,
        opts: &DownloadOptions<'_>,
    ) -> Result<DownloadedFile, Error> {
        self.t
            .download_to_path(&self.ops.download(id), path, opts)
            .await
    }

    /// Downloads an attachment into `dir` under its (safe) server name.
    pub async fn download_to_dir(
        &self,
        id: AttachmentId,
        dir: &Path,
        overwrite: bool,
        opts: &DownloadOptions<'_>,
    ) -> Result<DownloadedFile, Error> {
        let fallback = format!("attachment-{id}");
        self.t
            .download_to_dir(&self.ops.download(id), dir, &fallback, overwrite, opts)
            .await
    }

    /// Deletes one attachment.
    pub async fn delete(&self, id: AttachmentId) -> Result<Deleted, Error> {
        self.t.execute(&self.ops.delete(id)).await
    }

    /// Deletes many, in batches; one outcome per id, whatever happened to its batch.
    pub async fn delete_many(
        &self,
        ids: impl IntoIterator<Item = AttachmentId>,
    ) -> Result<Vec<DeleteResult>, Error> {
        let batches = self.ops.delete_many(ids).batches()?;
        let mut results = Vec::with_capacity(batches.len());
        for b in batches {
            let r = self.t.execute(&b).await;
            results.push((b, r));
        }
        Ok(DeleteAttachments::merge(results))
    }
}

/// Every attachment of a record (see [`Attachments::list_all`]).
pub type AllAttachments<'a> =
    std::pin::Pin<Box<dyn Stream<Item = Result<Attachment, Error>> + Send + 'a>>;

/// The photo of one record.
#[derive(Debug)]
pub struct Photo<'a> {
    t: &'a Transport,
    ops: zoho_core::ops::Photo,
}

impl<'a> Photo<'a> {
    /// A handle over `t`.
    pub fn new(t: &'a Transport, ops: zoho_core::ops::Photo) -> Self {
        Self { t, ops }
    }

    /// Uploads an image file (PNG, JPEG, GIF or BMP, by its first bytes).
    pub async fn upload_file(&self, path: &Path) -> Result<StatusMessage, Error> {
        let len = file_len(path).await?;
        let mut head = [0u8; 16];
        let mut f = tokio::fs::File::open(path).await.map_err(transport_err)?;
        let n = f.read(&mut head).await.map_err(transport_err)?;
        let mut op = self.ops.upload(&name_of(path), len);
        if let Some(kind) = zoho_core::ops::photo::ImageType::sniff(&head[..n]) {
            op = op.image_type(kind);
        }
        self.t
            .execute_with(&op, &[Source::Path(path.to_owned())])
            .await
    }

    /// Streams the photo into `out`.
    pub async fn download_to_writer(
        &self,
        out: &mut (dyn AsyncWrite + Send + Unpin),
        opts: &DownloadOptions<'_>,
    ) -> Result<(DownloadHead, u64), Error> {
        self.t.download(&self.ops.download(), out, opts).await
    }

    /// Downloads the photo to exactly `path`.
    pub async fn download_to_path(
        &self,
        path: &Path,
        opts: &DownloadOptions<'_>,
    ) -> Result<DownloadedFile, Error> {
        self.t
            .download_to_path(&self.ops.download(), path, opts)
            .await
    }

    /// Deletes the photo.
    pub async fn delete(&self) -> Result<StatusMessage, Error> {
        self.t.execute(&self.ops.delete()).await
    }
}

/// The CRM file store.
#[derive(Debug)]
pub struct FileStore<'a> {
    t: &'a Transport,
    version: CrmVersion,
}

impl<'a> FileStore<'a> {
    /// A handle over `t`.
    pub fn new(t: &'a Transport, version: CrmVersion) -> Self {
        Self { t, version }
    }

    /// Uploads files; one result per file.
    pub async fn upload_files(
        &self,
        paths: &[&Path],
    ) -> Result<Vec<Result<StoredFile, ApiError>>, Error> {
        let mut op = UploadFiles::new(self.version);
        let mut sources = Vec::new();
        for p in paths {
            op = op.file(&name_of(p), file_len(p).await?);
            sources.push(Source::Path(p.to_path_buf()));
        }
        self.t.execute_with(&op, &sources).await
    }

    /// Downloads a stored file to exactly `path`.
    pub async fn get_to_path(
        &self,
        id: FileId,
        path: &Path,
        opts: &DownloadOptions<'_>,
    ) -> Result<DownloadedFile, Error> {
        self.t
            .download_to_path(&GetFile::new(self.version, id), path, opts)
            .await
    }

    /// Runs any operation on the same transport.
    pub async fn execute<O: zoho_core::Operation + Sync>(
        &self,
        op: &O,
    ) -> Result<O::Output, Error> {
        self.t.execute(op).await
    }
}
