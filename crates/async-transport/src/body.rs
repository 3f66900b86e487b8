//! A multipart plan as a byte stream for reqwest, filling source slots from async readers, files
//! read ahead or bytes, and failing (never padding or spinning) when a source ends early or runs long.

use std::io::{self, Read};
use std::pin::Pin;

use futures_util::Stream;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::sync::mpsc;
use zoho_core::bytes::{Bytes, BytesMut};
use zoho_core::{BodyError, Multipart, PlanCursor, PlanStep};

/// Called with the bytes of a source read so far.
pub type Progress = std::sync::Arc<dyn Fn(u64) + Send + Sync>;

/// A caller's reader.
pub type Reader = Pin<Box<dyn AsyncRead + Send>>;

/// An opened source.
pub enum Opened {
    /// Read on demand, in the task that sends the body.
    Reader(Reader),
    /// Chunks made ahead by a file-reading thread.
    Chunks(mpsc::Receiver<io::Result<Bytes>>),
    /// Bytes already in memory, handed on whole without a copy (then `None`).
    Bytes(Option<Bytes>),
}

impl Opened {
    /// A file read ahead by a blocking thread, a few chunks in advance, so that disk reads and
    /// network writes overlap (read on demand, each would wait for the other). Must be called
    /// within a tokio runtime. `report` is called with the bytes read so far.
    pub fn read_ahead(mut file: std::fs::File, report: Option<Progress>) -> Self {
        let (tx, rx) = mpsc::channel(AHEAD);
        tokio::task::spawn_blocking(move || {
            let (home, spare) = std::sync::mpsc::channel();
            let mut read = 0u64;
            loop {
                let mut chunk = spare.try_recv().unwrap_or_default();
                let sent = match fill(&mut file, &mut chunk) {
                    Ok(0) => return,
                    Ok(n) => {
                        read += n as u64;
                        if let Some(report) = &report {
                            report(read);
                        }
                        tx.blocking_send(Ok(Bytes::from_owner(Recycled {
                            buf: chunk,
                            home: home.clone(),
                        })))
                    }
                    Err(e) => {
                        let _ = tx.blocking_send(Err(e));
                        return;
                    }
                };
                if sent.is_err() {
                    return; // the body was dropped
                }
            }
        });
        Opened::Chunks(rx)
    }

    /// The next non-empty piece of at most `want` bytes (a ready-made chunk may be longer),
    /// or `None` at the end.
    async fn next(&mut self, want: usize, buf: &mut BytesMut) -> io::Result<Option<Bytes>> {
        match self {
            Opened::Reader(r) => {
                // Read straight into a buffer whose filled part is handed on without a copy.
                buf.reserve(want);
                let n = (&mut *r).take(want as u64).read_buf(buf).await?;
                Ok((n > 0).then(|| buf.split().freeze()))
            }
            Opened::Bytes(b) => Ok(b.take().filter(|b| !b.is_empty())),
            Opened::Chunks(rx) => loop {
                match rx.recv().await {
                    None => return Ok(None),
                    Some(Ok(c)) if c.is_empty() => {}
                    Some(c) => return c.map(Some),
                }
            },
        }
    }
}

/// Reads up to [`FILE_CHUNK`] bytes into `chunk` (its length becomes what was read), with
/// full-size reads: a recycled buffer keeps its length, so only a new one is zeroed.
fn fill(file: &mut std::fs::File, chunk: &mut Vec<u8>) -> io::Result<usize> {
    chunk.resize(FILE_CHUNK, 0);
    let mut filled = 0;
    while filled < FILE_CHUNK {
        match file.read(&mut chunk[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    chunk.truncate(filled);
    Ok(filled)
}

/// A file chunk's buffer, sent back to the reading thread when the last `Bytes` made from it
/// is dropped: a long upload cycles through a few buffers instead of faulting in fresh memory
/// (new buffers cost about 5,000 page faults and 10% more CPU per 100 MB).
struct Recycled {
    buf: Vec<u8>,
    home: std::sync::mpsc::Sender<Vec<u8>>,
}

impl AsRef<[u8]> for Recycled {
    fn as_ref(&self) -> &[u8] {
        &self.buf
    }
}

impl Drop for Recycled {
    fn drop(&mut self) {
        let _ = self.home.send(std::mem::take(&mut self.buf));
    }
}

/// Bytes read from a caller's reader at a time.
const CHUNK: usize = 256 * 1024;

/// Bytes read from a file at a time. Larger chunks cost fewer hand-overs between threads but
/// start the server's work later: on 100 MB uploads 64 KiB, 128 KiB, 256 KiB and 1 MiB took
/// about 120, 125, 130 and 133 ms, the smaller ones for up to 15% more CPU time.
const FILE_CHUNK: usize = 128 * 1024;

/// Chunks a file is read ahead of the network (1 MiB).
const AHEAD: usize = 8;

struct State {
    cursor: PlanCursor,
    sources: Vec<Option<Opened>>,
    buf: BytesMut,
    done: bool,
}

/// Streams `plan`, filling source `i` from `sources[i]`; the plan's walk and its length checks
/// are the core's [`PlanCursor`].
pub fn stream(
    plan: &Multipart,
    sources: Vec<Opened>,
) -> impl Stream<Item = io::Result<Bytes>> + Send + 'static {
    let state = State {
        cursor: PlanCursor::new(plan),
        sources: sources.into_iter().map(Some).collect(),
        buf: BytesMut::new(),
        done: false,
    };
    futures_util::stream::unfold(state, |mut st| async move {
        if st.done {
            return None;
        }
        loop {
            let (index, left) = match st.cursor.step() {
                PlanStep::End => return None,
                PlanStep::Static(b) => return Some((Ok(b), st)),
                PlanStep::Source { index, left } => (index, left),
            };
            let Some(source) = st.sources.get_mut(index).and_then(Option::as_mut) else {
                st.done = true;
                return Some((Err(io::Error::from(BodyError::MissingSource { index })), st));
            };
            // With nothing left, ask for one byte: there must be none.
            let want = usize::try_from(left).unwrap_or(usize::MAX).clamp(1, CHUNK);
            let piece = match source.next(want, &mut st.buf).await {
                Ok(piece) => {
                    let n = piece.as_ref().map_or(0, |c| c.len() as u64);
                    match (st.cursor.read(n), piece) {
                        (Err(e), _) => Err(io::Error::from(e)),
                        (Ok(()), None) => continue,
                        (Ok(()), Some(c)) => Ok(c),
                    }
                }
                Err(e) => Err(e),
            };
            st.done = piece.is_err();
            return Some((piece, st));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt;
    use zoho_core::{Boundary, MultipartReader};

    /// A plan with one file slot of `len` bytes between two text fields.
    fn plan(len: u64) -> Multipart {
        Multipart::builder(Boundary::new("b0und4ry").unwrap())
            .text("title", "t")
            .file_source("file", "a.bin", "application/octet-stream", len)
            .text("after", "x")
            .finish()
    }

    fn data(n: usize) -> Vec<u8> {
        (0..n).map(|i| (i * 31 % 251) as u8).collect()
    }

    fn temp_file(name: &str, bytes: &[u8]) -> std::fs::File {
        let path = std::env::temp_dir().join(format!("zoho-body-{}-{name}", std::process::id()));
        std::fs::write(&path, bytes).unwrap();
        let f = std::fs::File::open(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        f
    }

    async fn collect(plan: &Multipart, source: Opened) -> io::Result<Vec<u8>> {
        let mut s = std::pin::pin!(stream(plan, vec![source]));
        let mut out = Vec::new();
        while let Some(chunk) = s.next().await {
            out.extend_from_slice(&chunk?);
        }
        Ok(out)
    }

    /// What the plan must look like on the wire: core's reader over the same bytes.
    fn expected(plan: &Multipart, bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        MultipartReader::new(plan, vec![bytes])
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    fn body_error(e: &io::Error) -> &BodyError {
        e.get_ref().unwrap().downcast_ref::<BodyError>().unwrap()
    }

    // Longer than several chunks, and not a multiple of one.
    const LEN: usize = 3 * CHUNK + 12_345;

    #[tokio::test(flavor = "multi_thread")]
    async fn every_source_kind_gives_the_plan_byte_for_byte() {
        let bytes = data(LEN);
        let p = plan(LEN as u64);
        let want = expected(&p, &bytes);
        let file = Opened::read_ahead(temp_file("exact", &bytes), None);
        assert_eq!(collect(&p, file).await.unwrap(), want);
        let mem = Opened::Bytes(Some(Bytes::from(bytes.clone())));
        assert_eq!(collect(&p, mem).await.unwrap(), want);
        let reader = Opened::Reader(Box::pin(io::Cursor::new(bytes.clone())));
        assert_eq!(collect(&p, reader).await.unwrap(), want);
        let empty = plan(0);
        let none = Opened::read_ahead(temp_file("empty", b""), None);
        assert_eq!(collect(&empty, none).await.unwrap(), expected(&empty, b""));
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_file_reports_what_it_has_read() {
        let bytes = data(LEN);
        let p = plan(LEN as u64);
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = std::sync::Arc::clone(&seen);
        let report: Progress = std::sync::Arc::new(move |n| log.lock().unwrap().push(n));
        let file = Opened::read_ahead(temp_file("progress", &bytes), Some(report));
        assert_eq!(collect(&p, file).await.unwrap(), expected(&p, &bytes));
        let seen = seen.lock().unwrap().clone();
        assert_eq!(seen.last(), Some(&(LEN as u64)));
        assert!(seen.windows(2).all(|w| w[0] < w[1]), "{seen:?}");
        assert_eq!(seen.len(), LEN.div_ceil(FILE_CHUNK));
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_source_that_ends_early_fails_with_what_it_gave() {
        let bytes = data(LEN - 1);
        let p = plan(LEN as u64);
        for source in [
            Opened::read_ahead(temp_file("short", &bytes), None),
            Opened::Bytes(Some(Bytes::from(bytes.clone()))),
            Opened::Reader(Box::pin(io::Cursor::new(bytes.clone()))),
        ] {
            let e = collect(&p, source).await.unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof);
            assert!(matches!(
                body_error(&e),
                BodyError::SourceEnded { index: 0, expected, actual }
                    if *expected == LEN as u64 && *actual == LEN as u64 - 1
            ));
        }
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_source_that_runs_long_fails() {
        let bytes = data(LEN + 1);
        let p = plan(LEN as u64);
        for source in [
            Opened::read_ahead(temp_file("long", &bytes), None),
            Opened::Bytes(Some(Bytes::from(bytes.clone()))),
            Opened::Reader(Box::pin(io::Cursor::new(bytes.clone()))),
        ] {
            let e = collect(&p, source).await.unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::InvalidData);
            assert!(matches!(
                body_error(&e),
                BodyError::SourceTooLong { index: 0, expected } if *expected == LEN as u64
            ));
        }
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_missing_source_is_named() {
        let p = plan(1);
        let mut s = std::pin::pin!(stream(&p, Vec::new()));
        let mut last = None;
        while let Some(chunk) = s.next().await {
            last = Some(chunk);
        }
        let e = last.unwrap().unwrap_err();
        assert!(matches!(
            body_error(&e),
            BodyError::MissingSource { index: 0 }
        ));
    }
}
