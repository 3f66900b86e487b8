//! Request bodies: empty, bytes, or a streaming `multipart/form-data` plan (RFC 7578).
//!
//! A [`Multipart`] plan is a list of segments: static bytes (part headers, small form values)
//! and *sources*, numbered slots of known length that the transport fills from a file or a
//! reader. The plan knows its exact length before any byte is read, so `Content-Length` is always
//! sent, and the core never opens a file. [`MultipartReader`] streams a plan over `std::io::Read`
//! sources and treats a source that ends early, or runs long, as an error.

use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::io::{self, Read};

use bytes::Bytes;

use crate::error::{BodyError, InputError};

/// A request body as planned by the core. Its `Debug` shows sizes, never bytes: a token
/// request's body holds the client secret and the refresh token or grant code.
#[derive(Clone, Default)]
pub enum Body {
    /// No body.
    #[default]
    Empty,
    /// Bytes in memory (form-encoded token requests, JSON).
    Bytes(Bytes),
    /// A multipart plan whose sources the transport supplies.
    Multipart(Multipart),
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Body::Empty => f.write_str("Body::Empty"),
            Body::Bytes(b) => write!(f, "Body::Bytes({} bytes)", b.len()),
            Body::Multipart(m) => write!(
                f,
                "Body::Multipart({} bytes, {} sources)",
                m.content_length(),
                m.source_count()
            ),
        }
    }
}

impl Body {
    /// The exact length in bytes.
    pub fn len(&self) -> u64 {
        match self {
            Body::Empty => 0,
            Body::Bytes(b) => b.len() as u64,
            Body::Multipart(m) => m.content_length(),
        }
    }

    /// True when the body has no bytes.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many caller-supplied sources the body needs.
    pub fn source_count(&self) -> usize {
        match self {
            Body::Multipart(m) => m.source_count(),
            _ => 0,
        }
    }
}

/// A multipart boundary: 1 to 70 characters from RFC 2046's `bchars`, not ending in a space.
#[derive(Clone, PartialEq, Eq)]
pub struct Boundary(String);

impl Boundary {
    /// Checks a fixed boundary (for deterministic tests and snapshots).
    pub fn new(b: impl Into<String>) -> Result<Self, InputError> {
        let b = b.into();
        let ok = (1..=70).contains(&b.len())
            && !b.ends_with(' ')
            && b.bytes()
                .all(|c| c.is_ascii_alphanumeric() || b"'()+_,-./:=? ".contains(&c));
        if ok {
            Ok(Self(b))
        } else {
            Err(InputError::Invalid {
                what: "multipart boundary",
                value: crate::error::printable(&b),
                why: "use 1 to 70 letters, digits or '()+_,-./:=? characters",
            })
        }
    }

    /// A fresh random boundary, `zoho-rs-` and 32 hex digits.
    pub fn random() -> Self {
        let mut out = String::from("zoho-rs-");
        for _ in 0..2 {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u64(0x5a4f_484f);
            out.push_str(&format!("{:016x}", h.finish()));
        }
        Self(out)
    }

    /// The boundary text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Boundary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Boundary({})", self.0)
    }
}

/// One piece of a multipart plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment {
    /// Bytes known now.
    Static(Bytes),
    /// Bytes the transport reads from caller-supplied source number `index`, exactly `len` of them.
    Source {
        /// Which source (0-based, in order of appearance).
        index: usize,
        /// Exact length.
        len: u64,
    },
}

impl Segment {
    /// Length in bytes.
    pub fn len(&self) -> u64 {
        match self {
            Segment::Static(b) => b.len() as u64,
            Segment::Source { len, .. } => *len,
        }
    }

    /// True for a zero-length segment.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A `multipart/form-data` body plan.
#[derive(Clone, Debug)]
pub struct Multipart {
    boundary: Boundary,
    segments: Vec<Segment>,
    sources: usize,
}

impl Multipart {
    /// Starts a plan with the given boundary.
    pub fn builder(boundary: Boundary) -> MultipartBuilder {
        MultipartBuilder {
            boundary,
            segments: Vec::new(),
            pending: Vec::new(),
            sources: 0,
        }
    }

    /// `multipart/form-data; boundary=...`
    pub fn content_type(&self) -> String {
        format!("multipart/form-data; boundary={}", self.boundary.as_str())
    }

    /// The exact body length.
    pub fn content_length(&self) -> u64 {
        self.segments.iter().map(Segment::len).sum()
    }

    /// The segments in order.
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// How many sources the plan reads.
    pub fn source_count(&self) -> usize {
        self.sources
    }

    /// Fails, naming the first missing slot, when fewer than [`source_count`](Self::source_count)
    /// sources were given (before anything is sent).
    pub fn check_sources(&self, given: usize) -> Result<(), crate::Error> {
        match given < self.sources {
            true => Err(crate::Error::Body(BodyError::MissingSource {
                index: given,
            })),
            false => Ok(()),
        }
    }

    /// The boundary.
    pub fn boundary(&self) -> &Boundary {
        &self.boundary
    }
}

/// Builds a [`Multipart`] plan part by part.
#[derive(Debug)]
pub struct MultipartBuilder {
    boundary: Boundary,
    segments: Vec<Segment>,
    pending: Vec<u8>,
    sources: usize,
}

impl MultipartBuilder {
    fn head(&mut self, name: &str, file_name: Option<&str>, content_type: Option<&str>) {
        let p = &mut self.pending;
        p.extend_from_slice(b"--");
        p.extend_from_slice(self.boundary.as_str().as_bytes());
        p.extend_from_slice(b"\r\nContent-Disposition: form-data; name=\"");
        p.extend_from_slice(escape_quoted(name).as_bytes());
        p.push(b'"');
        if let Some(f) = file_name {
            p.extend_from_slice(b"; filename=\"");
            p.extend_from_slice(escape_quoted(f).as_bytes());
            p.push(b'"');
        }
        p.extend_from_slice(b"\r\n");
        if let Some(ct) = content_type {
            p.extend_from_slice(b"Content-Type: ");
            p.extend_from_slice(ct.as_bytes());
            p.extend_from_slice(b"\r\n");
        }
        p.extend_from_slice(b"\r\n");
    }

    fn flush(&mut self) {
        if !self.pending.is_empty() {
            let b = std::mem::take(&mut self.pending);
            self.segments.push(Segment::Static(Bytes::from(b)));
        }
    }

    /// Adds a text field.
    pub fn text(mut self, name: &str, value: &str) -> Self {
        self.head(name, None, None);
        self.pending.extend_from_slice(value.as_bytes());
        self.pending.extend_from_slice(b"\r\n");
        self
    }

    /// Adds a file part whose `len` bytes come from the next caller-supplied source.
    pub fn file_source(
        mut self,
        name: &str,
        file_name: &str,
        content_type: &str,
        len: u64,
    ) -> Self {
        self.head(name, Some(file_name), Some(content_type));
        self.flush();
        self.segments.push(Segment::Source {
            index: self.sources,
            len,
        });
        self.sources += 1;
        self.pending.extend_from_slice(b"\r\n");
        self
    }

    /// Adds a file part whose bytes are in memory.
    pub fn file_bytes(
        mut self,
        name: &str,
        file_name: &str,
        content_type: &str,
        data: &[u8],
    ) -> Self {
        self.head(name, Some(file_name), Some(content_type));
        self.pending.extend_from_slice(data);
        self.pending.extend_from_slice(b"\r\n");
        self
    }

    /// Closes the plan.
    pub fn finish(mut self) -> Multipart {
        self.pending.extend_from_slice(b"--");
        self.pending
            .extend_from_slice(self.boundary.as_str().as_bytes());
        self.pending.extend_from_slice(b"--\r\n");
        self.flush();
        Multipart {
            boundary: self.boundary,
            segments: self.segments,
            sources: self.sources,
        }
    }
}

/// Escapes a name for a quoted `Content-Disposition` parameter the way browsers do (WHATWG HTML,
/// RFC 7578 §4.2): `"` becomes `%22`, CR `%0D`, LF `%0A`. Other UTF-8 is sent as is.
fn escape_quoted(s: &str) -> String {
    s.replace('"', "%22")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// The walk of a multipart plan by a streaming body, for readers and streams alike: what to
/// send next, and the length checks on every source, decided here once for every transport.
#[derive(Clone, Debug)]
pub struct PlanCursor {
    segments: std::collections::VecDeque<Segment>,
    /// The source being read: (index, bytes left, declared length).
    current: Option<(usize, u64, u64)>,
}

/// What a streaming body sends next (see [`PlanCursor`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PlanStep {
    /// These bytes of the plan itself.
    Static(Bytes),
    /// Read at most `left` bytes from source `index`, then report with [`PlanCursor::read`].
    /// With `left` 0, ask for one byte: the source must have ended.
    Source {
        /// Which source.
        index: usize,
        /// Bytes still due from it.
        left: u64,
    },
    /// The body is complete.
    End,
}

impl PlanCursor {
    /// A walk from the start of `plan`.
    pub fn new(plan: &Multipart) -> Self {
        Self {
            segments: plan.segments.iter().cloned().collect(),
            current: None,
        }
    }

    /// What to send next.
    pub fn step(&mut self) -> PlanStep {
        if let Some((index, left, _)) = self.current {
            return PlanStep::Source { index, left };
        }
        match self.segments.pop_front() {
            None => PlanStep::End,
            Some(Segment::Static(b)) => PlanStep::Static(b),
            Some(Segment::Source { index, len }) => {
                self.current = Some((index, len, len));
                PlanStep::Source { index, left: len }
            }
        }
    }

    /// The current source gave `n` bytes (0: it ended). Fails when that breaks the plan: it
    /// ended before its declared length, or ran past it.
    pub fn read(&mut self, n: u64) -> Result<(), BodyError> {
        let Some((index, left, len)) = self.current else {
            return Ok(());
        };
        match n {
            0 if left == 0 => self.current = None,
            0 => {
                return Err(BodyError::SourceEnded {
                    index,
                    expected: len,
                    actual: len - left,
                });
            }
            n if n > left => {
                return Err(BodyError::SourceTooLong {
                    index,
                    expected: len,
                });
            }
            n => self.current = Some((index, left - n, len)),
        }
        Ok(())
    }
}

/// Streams a [`Multipart`] plan, reading each source slot from the matching reader.
///
/// A source that ends before its declared length, or has bytes past it, makes `read` fail with
/// an `io::Error` whose inner error is a [`BodyError`]; it never loops or pads.
pub struct MultipartReader<R> {
    cursor: PlanCursor,
    sources: Vec<Option<R>>,
    pending: Bytes,
}

impl<R: Read> MultipartReader<R> {
    /// `sources[i]` feeds source slot `i`. Missing sources are reported when reached.
    pub fn new(plan: &Multipart, sources: Vec<R>) -> Self {
        Self {
            cursor: PlanCursor::new(plan),
            sources: sources.into_iter().map(Some).collect(),
            pending: Bytes::new(),
        }
    }
}

/// A body that broke its plan, as the `io::Error` a reader or stream fails with: a source that
/// ended early is `UnexpectedEof`, anything else `InvalidData`; the [`BodyError`] is its inner
/// error.
impl From<BodyError> for io::Error {
    fn from(e: BodyError) -> Self {
        let kind = match e {
            BodyError::SourceEnded { .. } => io::ErrorKind::UnexpectedEof,
            _ => io::ErrorKind::InvalidData,
        };
        io::Error::new(kind, e)
    }
}

impl<R: Read> Read for MultipartReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            if !self.pending.is_empty() {
                let n = self.pending.len().min(buf.len());
                buf[..n].copy_from_slice(&self.pending.split_to(n));
                return Ok(n);
            }
            let (index, left) = match self.cursor.step() {
                PlanStep::End => return Ok(0),
                PlanStep::Static(b) => {
                    self.pending = b;
                    continue;
                }
                PlanStep::Source { index, left } => (index, left),
            };
            let Some(src) = self.sources.get_mut(index).and_then(Option::as_mut) else {
                return Err(io::Error::from(BodyError::MissingSource { index }));
            };
            let mut probe = [0u8; 1];
            let target = match usize::try_from(left).unwrap_or(usize::MAX).min(buf.len()) {
                0 => &mut probe[..],
                want => &mut buf[..want],
            };
            let n = read_retrying(src, target)?;
            self.cursor.read(n as u64)?;
            if left > 0 {
                return Ok(n);
            }
        }
    }
}

fn read_retrying<R: Read>(r: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match r.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(len: u64) -> Multipart {
        Multipart::builder(Boundary::new("B").unwrap())
            .text("title", "t")
            .file_source("file", "a\"b.txt", "text/plain", len)
            .finish()
    }

    fn read_all(plan: &Multipart, src: &[u8]) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        MultipartReader::new(plan, vec![src]).read_to_end(&mut out)?;
        Ok(out)
    }

    #[test]
    fn streams_exactly_the_planned_bytes() {
        let p = plan(5);
        let out = read_all(&p, b"hello").unwrap();
        let expected = "--B\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nt\r\n\
                        --B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a%22b.txt\"\r\n\
                        Content-Type: text/plain\r\n\r\nhello\r\n--B--\r\n";
        assert_eq!(String::from_utf8(out.clone()).unwrap(), expected);
        assert_eq!(p.content_length(), out.len() as u64);
        assert_eq!(p.source_count(), 1);
    }

    #[test]
    fn content_length_is_exact_for_many_sizes() {
        for len in [0u64, 1, 2, 1023, 8192, 65_537] {
            let p = plan(len);
            let data = vec![7u8; len as usize];
            let out = read_all(&p, &data).unwrap();
            assert_eq!(p.content_length(), out.len() as u64, "len {len}");
            assert_eq!(Body::Multipart(p).len(), out.len() as u64);
        }
    }

    #[test]
    fn a_short_source_is_an_error_not_a_spin() {
        let p = plan(10);
        let err = read_all(&p, b"only5").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
        let inner = err.into_inner().unwrap().downcast::<BodyError>().unwrap();
        assert!(matches!(
            *inner,
            BodyError::SourceEnded {
                index: 0,
                expected: 10,
                actual: 5
            }
        ));
    }

    #[test]
    fn a_long_source_is_an_error() {
        let p = plan(3);
        let err = read_all(&p, b"toolong").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
    }

    #[test]
    fn the_cursor_walks_the_plan_and_checks_each_source() {
        let p = plan(4);
        let mut c = PlanCursor::new(&p);
        assert!(matches!(c.step(), PlanStep::Static(_)));
        assert_eq!(c.step(), PlanStep::Source { index: 0, left: 4 });
        c.read(3).unwrap();
        assert_eq!(c.step(), PlanStep::Source { index: 0, left: 1 });
        // A ready-made chunk longer than what is due (a stream's) runs long.
        assert!(matches!(
            c.clone().read(2),
            Err(BodyError::SourceTooLong {
                index: 0,
                expected: 4
            })
        ));
        c.read(1).unwrap();
        assert_eq!(c.step(), PlanStep::Source { index: 0, left: 0 });
        c.read(0).unwrap(); // it ended where declared
        assert!(matches!(c.step(), PlanStep::Static(_)));
        assert_eq!(c.step(), PlanStep::End);
    }

    #[test]
    fn a_missing_source_is_an_error() {
        let p = plan(3);
        let mut out = Vec::new();
        let err = MultipartReader::<&[u8]>::new(&p, vec![])
            .read_to_end(&mut out)
            .unwrap_err();
        assert!(err.to_string().contains("not supplied"), "{err}");
    }

    #[test]
    fn boundaries() {
        assert!(Boundary::new("").is_err());
        assert!(Boundary::new("a".repeat(71)).is_err());
        assert!(Boundary::new("ends ").is_err());
        assert!(Boundary::new("bad\r\n").is_err());
        let a = Boundary::random();
        let b = Boundary::random();
        assert_ne!(a, b);
        assert!(Boundary::new(a.as_str()).is_ok());
        assert_eq!(a.as_str().len(), 40);
    }
}
