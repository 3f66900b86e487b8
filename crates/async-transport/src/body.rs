//! A multipart plan as a byte stream for reqwest, reading source slots from async readers and
//! failing (never padding or spinning) when a source ends early or runs long.

use std::collections::VecDeque;
use std::io;
use std::pin::Pin;

use futures_util::Stream;
use tokio::io::{AsyncRead, AsyncReadExt};
use zoho_core::bytes::{Bytes, BytesMut};
use zoho_core::{BodyError, Multipart, Segment};

/// An opened source.
pub type Reader = Pin<Box<dyn AsyncRead + Send>>;

/// Bytes read from a source at a time.
const CHUNK: usize = 256 * 1024;

struct State {
    segments: VecDeque<Segment>,
    readers: Vec<Option<Reader>>,
    /// The source being read: (index, bytes left, declared length).
    current: Option<(usize, u64, u64)>,
    buf: BytesMut,
    done: bool,
}

fn fail(e: BodyError) -> io::Error {
    let kind = match e {
        BodyError::SourceEnded { .. } => io::ErrorKind::UnexpectedEof,
        _ => io::ErrorKind::InvalidData,
    };
    io::Error::new(kind, e)
}

/// Streams `plan`, filling source `i` from `readers[i]`.
pub fn stream(
    plan: &Multipart,
    readers: Vec<Reader>,
) -> impl Stream<Item = io::Result<Bytes>> + Send + 'static {
    let state = State {
        segments: plan.segments().iter().cloned().collect(),
        readers: readers.into_iter().map(Some).collect(),
        current: None,
        buf: BytesMut::new(),
        done: false,
    };
    futures_util::stream::unfold(state, |mut st| async move {
        if st.done {
            return None;
        }
        loop {
            if let Some((index, left, len)) = st.current {
                let Some(reader) = st.readers.get_mut(index).and_then(Option::as_mut) else {
                    st.done = true;
                    return Some((Err(fail(BodyError::MissingSource { index })), st));
                };
                if left == 0 {
                    let mut probe = [0u8; 1];
                    match reader.read(&mut probe).await {
                        Ok(0) => {
                            st.current = None;
                            continue;
                        }
                        Ok(_) => {
                            st.done = true;
                            return Some((
                                Err(fail(BodyError::SourceTooLong {
                                    index,
                                    expected: len,
                                })),
                                st,
                            ));
                        }
                        Err(e) => {
                            st.done = true;
                            return Some((Err(e), st));
                        }
                    }
                }
                // Read straight into a buffer whose filled part is handed on without a copy.
                let want = usize::try_from(left).unwrap_or(usize::MAX).min(CHUNK);
                st.buf.reserve(want);
                let mut limited = (&mut *reader).take(want as u64);
                return match limited.read_buf(&mut st.buf).await {
                    Ok(0) => {
                        st.done = true;
                        Some((
                            Err(fail(BodyError::SourceEnded {
                                index,
                                expected: len,
                                actual: len - left,
                            })),
                            st,
                        ))
                    }
                    Ok(n) => {
                        st.current = Some((index, left - n as u64, len));
                        let chunk = st.buf.split().freeze();
                        Some((Ok(chunk), st))
                    }
                    Err(e) => {
                        st.done = true;
                        Some((Err(e), st))
                    }
                };
            }
            match st.segments.pop_front()? {
                Segment::Static(b) => return Some((Ok(b), st)),
                Segment::Source { index, len } => st.current = Some((index, len, len)),
            }
        }
    })
}
