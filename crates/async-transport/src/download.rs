//! Downloads: streamed to an `AsyncWrite`, or to a file through a temporary file beside it.

use std::path::{Path, PathBuf};

use futures_util::StreamExt;
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::sync::{mpsc, watch};
use zoho_core::bytes::Bytes;
use zoho_core::engine::{Answer, Begin, BoxFuture, Finish, begin_download, small_download};
use zoho_core::operation::{BodyDigest, check_download_size, with_timeout};
use zoho_core::{Download, DownloadHead, Error};

use zoho_fs::TempFile;

use crate::local::blocking;
use crate::{DownloadOptions, Transport, read_whole, transport_err};

/// Network chunks gathered into one message for the file writer, so that it wakes once per
/// batch, not once per chunk. 256 KiB: with 1 MiB batches a 100 MB download peaked at 17.5–19
/// MiB, with these at 12–14 MiB, as fast (`cargo xtask bench-transfer`).
const BATCH: usize = 1 << 18;

/// Batches on their way to the file writer: with [`BATCH`], what bounds a download's memory.
const BATCHES: usize = 4;

/// A download's body: the one on the wire, or a small one read whole, as chunks.
type Chunks = futures_util::stream::BoxStream<'static, Result<Bytes, reqwest::Error>>;

/// Reads an answer's head (and a small body whole), as the core decides.
async fn begin<D: Download + Sync>(
    d: &D,
    opts: &DownloadOptions<'_>,
    answer: Answer<reqwest::Response>,
    throttle: Option<std::sync::Arc<zoho_core::engine::Throttle>>,
) -> Result<(DownloadHead, Chunks), Finish> {
    match begin_download(d, answer, opts.max_bytes)? {
        Begin::Stream(head, resp) => {
            Ok((head, crate::body::throttled(resp.bytes_stream(), throttle)))
        }
        Begin::ReadWhole(r) => {
            let whole = read_whole(r.into_body()).await?;
            let (head, bytes) = small_download(d, whole, opts.max_bytes)?;
            Ok((head, futures_util::stream::iter([Ok(bytes)]).boxed()))
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
        let _permit = self.0.gate.acquire().await.map_err(transport_err)?;
        let out = futures_util::lock::Mutex::new(out);
        let out = &out;
        let build = |b: &zoho_core::BaseUrl| with_timeout(d.request(b), opts.timeout);
        let mut finish = |answer| -> BoxFuture<'_, Result<(DownloadHead, u64), Finish>> {
            Box::pin(async move {
                let mut out = out.lock().await;
                let (head, body) =
                    begin(d, opts, answer, self.0.engine.throttle().cloned()).await?;
                let total = opts.length_of(&head);
                let progress = |n| {
                    if let Some(p) = opts.progress {
                        p(n, total);
                    }
                };
                let mut out = Out::Writer(&mut **out);
                let copied = copy_body(body, &mut out, total, opts.max_bytes, &progress).await;
                // A writer cannot be reset: a body cut part-way is not sent again.
                Ok((head, copied.map_err(Finish::no_retry)?.0))
            })
        };
        self.0
            .engine
            .run_async(&self.0.http, &build, true, true, &[], &mut finish)
            .await
    }

    /// Downloads into a temporary file beside `beside`, emptied for each attempt (a cut
    /// download is sent again from byte 0, and progress starts again from 0). `refuse` names
    /// the target a head points to, to stop before the body when it exists.
    pub(crate) async fn download_to_temp<D: Download + Sync>(
        &self,
        d: &D,
        beside: &Path,
        refuse: Option<&(dyn Fn(&DownloadHead) -> PathBuf + Sync)>,
        opts: &DownloadOptions<'_>,
    ) -> Result<Temp, Error> {
        let beside = beside.to_owned();
        let tmp = blocking(move || TempFile::create_beside(&beside).map(|(t, _)| t)).await?;
        let _permit = self.0.gate.acquire().await.map_err(transport_err)?;
        let build = |b: &zoho_core::BaseUrl| with_timeout(d.request(b), opts.timeout);
        let attempts = std::sync::atomic::AtomicU32::new(0);
        let (attempts, tmp_ref) = (&attempts, &tmp);
        type Written = (DownloadHead, (u64, Option<[u8; 32]>));
        let mut finish = |answer| -> BoxFuture<'_, Result<Written, Finish>> {
            Box::pin(async move {
                if attempts.fetch_add(1, std::sync::atomic::Ordering::Relaxed) > 0 {
                    tracing::info!("the download was cut; starting again from byte 0");
                }
                let begun = begin(d, opts, answer, self.0.engine.throttle().cloned()).await?;
                if let Some(name) = refuse {
                    let target = name(&begun.0);
                    blocking(move || zoho_fs::refuse_existing(&target)).await?;
                }
                let path = tmp_ref.path().to_owned();
                let file = blocking(move || TempFile::reopen_at(&path)).await?;
                write_temp(begun, file, tmp_ref.path(), opts).await
            })
        };
        let (head, (n, sha256)) = self
            .0
            .engine
            .run_async(&self.0.http, &build, true, true, &[], &mut finish)
            .await?;
        Ok((tmp, head, n, sha256))
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
    (head, body): (DownloadHead, Chunks),
    file: std::fs::File,
    path: &Path,
    opts: &DownloadOptions<'_>,
) -> Result<(DownloadHead, (u64, Option<[u8; 32]>)), Finish> {
    let (tx, mut rx) = mpsc::channel(BATCHES);
    let sync = opts.sync;
    let writer = tokio::task::spawn_blocking(move || {
        zoho_fs::write_batches(file, || rx.blocking_recv(), sync)
    });
    let total = opts.length_of(&head);
    let max = opts.max_bytes;
    let digest = BodyDigest::new(opts);
    let (seen_tx, mut seen) = watch::channel(0);
    if let Some(p) = opts.progress {
        p(0, total);
    }
    let mut reader = AbortOnDrop(tokio::spawn(async move {
        let report = |n| {
            seen_tx.send_replace(n);
        };
        let mut out = Out::Channel(tx, Vec::new(), 0, digest);
        copy_body(body, &mut out, total, max, &report).await
    }));
    // Report progress here, where the caller's callback lives, until the task ends.
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
            }
        }
    };
    // The last count, unless the loop showed it.
    if let (Some(p), Ok((n, _))) = (opts.progress, &read)
        && seen.borrow().has_changed()
    {
        p(*n, total);
    }
    // A writer that failed (a full disk) explains why the reader could not hand on.
    writer
        .await
        .map_err(transport_err)?
        .map_err(Error::file("write", path))?;
    Ok((head, read?))
}

/// Streams the body into `out`, checking the size cap and the declared length: a network
/// failure or a short body is a cut, anything else a failure. Returns the bytes written and,
/// for a file asked for one, their digest.
async fn copy_body(
    mut stream: Chunks,
    out: &mut Out<'_>,
    total: Option<u64>,
    max_bytes: Option<u64>,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(u64, Option<[u8; 32]>), Finish> {
    let mut n = 0u64;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| Finish::Cut(crate::net_err(e)))?;
        n += chunk.len() as u64;
        check_download_size(n, max_bytes)?;
        out.put(chunk, false).await?;
        progress(n);
    }
    zoho_core::operation::check_download_complete(n, total).map_err(Finish::Cut)?;
    out.put(Bytes::new(), true).await?;
    Ok((n, out.digest()))
}

fn writer_stopped() -> Error {
    transport_err(std::io::Error::other("the file writer stopped"))
}

/// Where downloaded chunks go: a caller's writer, or the channel to the file writer, with
/// chunks gathered (not copied) into batches, with the file's digest.
enum Out<'a> {
    Writer(&'a mut (dyn AsyncWrite + Send + Unpin)),
    Channel(mpsc::Sender<Vec<Bytes>>, Vec<Bytes>, usize, BodyDigest),
}

impl Out<'_> {
    async fn put(&mut self, chunk: Bytes, last: bool) -> Result<(), Error> {
        match self {
            Out::Writer(w) => w.write_all(&chunk).await.map_err(transport_err),
            Out::Channel(tx, batch, batched, digest) => {
                digest.update(&chunk);
                *batched += chunk.len();
                batch.push(chunk);
                if *batched < BATCH && !last {
                    return Ok(());
                }
                *batched = 0;
                let full = std::mem::take(batch);
                tx.send(full).await.map_err(|_| writer_stopped())
            }
        }
    }

    /// The digest of what went to the file, when one was asked for.
    fn digest(&mut self) -> Option<[u8; 32]> {
        match self {
            Out::Channel(.., digest) => std::mem::take(digest).finish(),
            Out::Writer(_) => None,
        }
    }
}

/// A spawned task, stopped when this is dropped.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A download in its temporary file: the file, the head, the bytes written and their digest.
type Temp = (TempFile, DownloadHead, u64, Option<[u8; 32]>);
