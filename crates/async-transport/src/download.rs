//! Downloads: streamed to an `AsyncWrite`, or to a file through a temporary file beside it.

use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use futures_util::StreamExt;
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::sync::{mpsc, watch};
use zoho_core::bytes::Bytes;
use zoho_core::engine::{Answer, BoxFuture, Finish};
use zoho_core::operation::check_download_size;
use zoho_core::{Download, DownloadHead, DownloadStart, Error};

use crate::{DownloadOptions, DownloadedFile, Transport, head_of, read_whole, transport_err};

/// Network chunks gathered (not copied) into one message for the file writer, so that it wakes
/// once per batch, not once per chunk.
const BATCH: usize = 1 << 20;

/// Batches on their way to the file writer: with [`BATCH`], what bounds a download's memory.
const BATCHES: usize = 4;

/// The file writer's buffer: it gathers the network's small chunks; larger ones go straight
/// to the file. (A 1 MiB buffer made one 100 MB download in three take twice as long on ext4.)
const WRITE_BUF: usize = 256 * 1024;

/// A download whose head has been read.
enum Begun {
    /// The body is still on the wire.
    Stream(DownloadHead, reqwest::Response),
    /// A small body, read whole.
    Whole(DownloadHead, Bytes),
}

/// Reads an answer's head (and a small body whole).
async fn begin<D: Download + Sync>(
    d: &D,
    opts: &DownloadOptions<'_>,
    answer: Answer<reqwest::Response>,
) -> Result<Begun, Finish> {
    let resp = match answer {
        Answer::Whole(r) => {
            return Err(Finish::Fail(
                d.small_body(r)
                    .err()
                    .unwrap_or(Error::NoContent { what: d.what() }),
            ));
        }
        Answer::Success(r) => r.into_body(),
    };
    match d.start(&head_of(&resp))? {
        DownloadStart::Stream(head) => {
            if let Some(t) = head.content_length {
                check_download_size(t, opts.max_bytes)?;
            }
            Ok(Begun::Stream(head, resp))
        }
        DownloadStart::ReadBody => {
            let (head, bytes) = d.small_body(read_whole(resp).await?)?;
            check_download_size(bytes.len() as u64, opts.max_bytes)?;
            Ok(Begun::Whole(head, bytes))
        }
    }
}

impl Transport {
    /// Streams a download into `out`; returns what the head said and the bytes written. A
    /// writer cannot be reset, so a download cut mid-body is not sent again here (it is with the
    /// `download_to_*` methods).
    pub async fn download<D: Download + Sync>(
        &self,
        d: &D,
        out: &mut (dyn AsyncWrite + Send + Unpin),
        opts: &DownloadOptions<'_>,
    ) -> Result<(DownloadHead, u64), Error> {
        let _permit = self.gate.acquire().await.map_err(transport_err)?;
        let out = futures_util::lock::Mutex::new(out);
        let out = &out;
        let build = |b: &zoho_core::BaseUrl| d.request(b);
        let mut finish = |answer| -> BoxFuture<'_, Result<(DownloadHead, u64), Finish>> {
            Box::pin(async move {
                let mut out = out.lock().await;
                match begin(d, opts, answer).await? {
                    Begun::Stream(head, resp) => {
                        let total = head.content_length;
                        let progress = |n| {
                            if let Some(p) = opts.progress {
                                p(n, total);
                            }
                        };
                        let mut sink = WriterSink(&mut **out);
                        let copied =
                            copy_body(resp, &mut sink, total, opts.max_bytes, &progress).await;
                        // A writer cannot be reset: a body cut part-way is not sent again.
                        let n = copied.map_err(Finish::no_retry)?;
                        Ok((head, n))
                    }
                    Begun::Whole(head, bytes) => {
                        out.write_all(&bytes).await.map_err(transport_err)?;
                        Ok((head, bytes.len() as u64))
                    }
                }
            })
        };
        self.engine
            .run_async(&self.http, &build, true, true, &[], &mut finish)
            .await
    }

    /// Downloads to exactly `path`, through a temporary file beside it that is renamed on
    /// success and removed on failure (or when the future is dropped), so `path` never holds a
    /// partial file.
    pub async fn download_to_path<D: Download + Sync>(
        &self,
        d: &D,
        path: &Path,
        opts: &DownloadOptions<'_>,
    ) -> Result<DownloadedFile, Error> {
        let mut tmp = TempFile::beside(path);
        let (head, bytes) = self.download_to_temp(d, &tmp.path, opts).await?;
        tokio::fs::rename(&tmp.path, path)
            .await
            .map_err(transport_err)?;
        tmp.keep = true;
        Ok(DownloadedFile {
            path: path.to_owned(),
            bytes,
            head,
        })
    }

    /// Downloads into directory `dir` under the server's file name made safe, or
    /// `fallback_name`; refuses to replace an existing file unless `overwrite`.
    pub async fn download_to_dir<D: Download + Sync>(
        &self,
        d: &D,
        dir: &Path,
        fallback_name: &str,
        overwrite: bool,
        opts: &DownloadOptions<'_>,
    ) -> Result<DownloadedFile, Error> {
        let mut tmp = TempFile::beside(&dir.join(fallback_name));
        let (head, bytes) = self.download_to_temp(d, &tmp.path, opts).await?;
        let path = dir.join(head.safe_file_name(fallback_name));
        if !overwrite && tokio::fs::try_exists(&path).await.unwrap_or(false) {
            return Err(transport_err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!("{} exists; pass overwrite to replace it", path.display()),
            )));
        }
        tokio::fs::rename(&tmp.path, &path)
            .await
            .map_err(transport_err)?;
        tmp.keep = true;
        Ok(DownloadedFile { path, bytes, head })
    }

    /// Downloads into the file `tmp`, made anew for each attempt (a cut download is sent again
    /// from byte 0, and progress starts again from 0).
    async fn download_to_temp<D: Download + Sync>(
        &self,
        d: &D,
        tmp: &Path,
        opts: &DownloadOptions<'_>,
    ) -> Result<(DownloadHead, u64), Error> {
        let _permit = self.gate.acquire().await.map_err(transport_err)?;
        let build = |b: &zoho_core::BaseUrl| d.request(b);
        let attempts = std::sync::atomic::AtomicU32::new(0);
        let attempts = &attempts;
        let mut finish = |answer| -> BoxFuture<'_, Result<(DownloadHead, u64), Finish>> {
            Box::pin(async move {
                if attempts.fetch_add(1, std::sync::atomic::Ordering::Relaxed) > 0 {
                    tracing::info!("the download was cut; starting again from byte 0");
                }
                let begun = begin(d, opts, answer).await?;
                write_temp(begun, tmp, opts).await
            })
        };
        self.engine
            .run_async(&self.http, &build, true, true, &[], &mut finish)
            .await
    }
}

/// Writes one attempt's body into the new file `tmp`.
///
/// The body is read by a task of its own, which hands it in batches over a bounded channel
/// to a blocking thread that writes the file:
/// - the task keeps the reading on a runtime worker, next to the connection's task, even
///   when the caller is a `block_on` future on another thread (as `#[tokio::main]`'s is):
///   passing every chunk between threads tripled the context switches and cost about 15%
///   on 100 MB;
/// - the thread lets network and disk work overlap (tokio's file type takes turns with the
///   network, and was 40% slower).
///
/// Memory stays bounded by the channel; dropping the future stops the task and the thread.
async fn write_temp(
    begun: Begun,
    tmp: &Path,
    opts: &DownloadOptions<'_>,
) -> Result<(DownloadHead, u64), Finish> {
    let file = tokio::fs::File::create(tmp)
        .await
        .map_err(transport_err)?
        .into_std()
        .await;
    let (tx, rx) = mpsc::channel(BATCHES);
    let sync = opts.sync;
    let writer = tokio::task::spawn_blocking(move || write_file(file, rx, sync));
    let (head, read) = match begun {
        Begun::Whole(head, bytes) => {
            let n = bytes.len() as u64;
            let sent = tx
                .send(vec![bytes])
                .await
                .map_err(|_| Finish::Fail(writer_stopped()));
            drop(tx);
            (head, sent.map(|()| n))
        }
        Begun::Stream(head, resp) => {
            let total = head.content_length;
            let max = opts.max_bytes;
            let (seen_tx, mut seen) = watch::channel(0);
            if let Some(p) = opts.progress {
                p(0, total);
            }
            let mut reader = AbortOnDrop(tokio::spawn(async move {
                let mut sink = ChannelSink {
                    tx,
                    batch: Vec::new(),
                    batched: 0,
                };
                let report = |n| {
                    seen_tx.send_replace(n);
                };
                let n = copy_body(resp, &mut sink, total, max, &report).await?;
                sink.send_batch().await?;
                Ok(n)
            }));
            // Report progress here, where the caller's callback lives, until the task ends.
            let mut shown = None;
            let read = loop {
                tokio::select! {
                    done = &mut reader.0 => break done
                        .map_err(|e| Finish::Fail(transport_err(e)))
                        .and_then(|r| r),
                    Ok(()) = seen.changed(), if opts.progress.is_some() => {
                        let n = *seen.borrow_and_update();
                        if let Some(p) = opts.progress {
                            p(n, total);
                        }
                        shown = Some(n);
                    }
                }
            };
            if let (Some(p), Ok(n)) = (opts.progress, &read)
                && shown != Some(*n)
            {
                p(*n, total);
            }
            (head, read)
        }
    };
    // A writer that failed (a full disk) explains why the reader could not hand on.
    writer
        .await
        .map_err(transport_err)?
        .map_err(transport_err)?;
    Ok((head, read?))
}

/// Streams the body into `out`, checking the size cap and the declared length: a network
/// failure or a short body is a cut, anything else a failure.
async fn copy_body<S: ChunkSink>(
    resp: reqwest::Response,
    out: &mut S,
    total: Option<u64>,
    max_bytes: Option<u64>,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<u64, Finish> {
    let mut stream = resp.bytes_stream();
    let mut n = 0u64;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| Finish::Cut(transport_err(e)))?;
        n += chunk.len() as u64;
        check_download_size(n, max_bytes)?;
        out.put(chunk).await?;
        progress(n);
    }
    zoho_core::operation::check_download_complete(n, total).map_err(Finish::Cut)?;
    Ok(n)
}

/// Writes batches to `file` until the channel closes.
fn write_file(
    file: std::fs::File,
    mut rx: mpsc::Receiver<Vec<Bytes>>,
    sync: bool,
) -> io::Result<()> {
    let mut out = io::BufWriter::with_capacity(WRITE_BUF, file);
    while let Some(batch) = rx.blocking_recv() {
        for chunk in batch {
            out.write_all(&chunk)?;
        }
    }
    let file = out.into_inner().map_err(|e| e.into_error())?;
    if sync {
        file.sync_all()?;
    }
    Ok(())
}

fn writer_stopped() -> Error {
    transport_err(io::Error::other("the file writer stopped"))
}

/// Where downloaded chunks go.
trait ChunkSink: Send {
    fn put(&mut self, chunk: Bytes) -> impl Future<Output = Result<(), Error>> + Send;
}

/// Any `AsyncWrite`.
struct WriterSink<'a>(&'a mut (dyn AsyncWrite + Send + Unpin));

impl ChunkSink for WriterSink<'_> {
    async fn put(&mut self, chunk: Bytes) -> Result<(), Error> {
        self.0.write_all(&chunk).await.map_err(transport_err)
    }
}

/// The channel to the file writer, gathering chunks into batches.
struct ChannelSink {
    tx: mpsc::Sender<Vec<Bytes>>,
    batch: Vec<Bytes>,
    batched: usize,
}

impl ChannelSink {
    async fn send_batch(&mut self) -> Result<(), Error> {
        if self.batch.is_empty() {
            return Ok(());
        }
        self.batched = 0;
        let batch = std::mem::take(&mut self.batch);
        self.tx.send(batch).await.map_err(|_| writer_stopped())
    }
}

impl ChunkSink for ChannelSink {
    async fn put(&mut self, chunk: Bytes) -> Result<(), Error> {
        self.batched += chunk.len();
        self.batch.push(chunk);
        if self.batched >= BATCH {
            self.send_batch().await?;
        }
        Ok(())
    }
}

/// A spawned task, stopped when this is dropped.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A download's temporary file, removed when this is dropped unless kept: after a failure, and
/// when the caller drops the download's future part-way.
struct TempFile {
    path: PathBuf,
    keep: bool,
}

impl TempFile {
    fn beside(target: &Path) -> Self {
        Self {
            path: zoho_core::disposition::temp_path_beside(target),
            keep: false,
        }
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}
