//! A multipart plan as a byte stream for reqwest, filling source slots from async readers, files
//! read ahead or bytes, and failing (never padding or spinning) when a source ends early or runs long.

use std::io;
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
    pub fn read_ahead(file: std::fs::File, report: Option<Progress>) -> Self {
        let (tx, rx) = mpsc::channel(AHEAD);
        tokio::task::spawn_blocking(move || {
            zoho_fs::read_chunks(file, report.as_deref(), |c| tx.blocking_send(c).is_ok());
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

/// Bytes read from a caller's reader at a time.
const CHUNK: usize = 256 * 1024;

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

/// `s` at the client's bandwidth budget, if it has one: each piece waits for the time the
/// pieces before it (of every transfer) booked.
pub(crate) fn throttled<E, S>(
    s: S,
    throttle: Option<std::sync::Arc<zoho_core::engine::Throttle>>,
) -> futures_util::stream::BoxStream<'static, Result<Bytes, E>>
where
    S: Stream<Item = Result<Bytes, E>> + Send + 'static,
    E: Send + 'static,
{
    use futures_util::StreamExt;
    let Some(t) = throttle else {
        return s.boxed();
    };
    s.then(move |piece| {
        let t = std::sync::Arc::clone(&t);
        async move {
            if let Ok(b) = &piece {
                let wait = t.take(b.len() as u64, std::time::Instant::now());
                if !wait.is_zero() {
                    tokio::time::sleep(wait).await;
                }
            }
            piece
        }
    })
    .boxed()
}
