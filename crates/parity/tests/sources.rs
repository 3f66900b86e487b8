//! Upload sources and download targets, the same for the blocking and the async transport: every
//! kind of source arrives byte for byte, a source that ends early, runs long or is missing gives
//! the same `Error::Body`, and local file problems are named before anything is asked of the
//! server (or, for an existing download target, before its body is fetched).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use zoho_core::bytes::Bytes;
use zoho_core::ops::Attachments;
use zoho_core::{Api, AttachmentId, BaseUrl, BodyError, ClientConfig, DownloadOptions, Error};
use zoho_emulator::Emulator;

const LEAD: &str = "5725767000000010001";

/// Longer than several read chunks of either transport, and not a multiple of one.
const LEN: usize = 3 * 256 * 1024 + 12_345;

#[derive(Clone, Copy, Debug)]
enum Kind {
    Blocking,
    Async,
}

/// A source as either transport takes it.
#[derive(Clone)]
enum Src {
    Path(PathBuf),
    Progress(PathBuf, Arc<Mutex<Vec<u64>>>),
    Bytes(Vec<u8>),
    Reader(Vec<u8>),
}

impl Src {
    fn blocking(&self) -> zoho_blocking_transport::Source {
        use zoho_blocking_transport::Source;
        match self.clone() {
            Src::Path(p) => Source::Path(p),
            Src::Progress(p, seen) => {
                Source::PathWithProgress(p, Arc::new(move |n| seen.lock().unwrap().push(n)))
            }
            Src::Bytes(b) => Source::Bytes(Bytes::from(b)),
            Src::Reader(b) => Source::reader(std::io::Cursor::new(b)),
        }
    }

    fn asynchronous(&self) -> zoho_async_transport::Source {
        use zoho_async_transport::Source;
        match self.clone() {
            Src::Path(p) => Source::Path(p),
            Src::Progress(p, seen) => {
                Source::PathWithProgress(p, Arc::new(move |n| seen.lock().unwrap().push(n)))
            }
            Src::Bytes(b) => Source::Bytes(Bytes::from(b)),
            Src::Reader(b) => Source::reader(std::io::Cursor::new(b)),
        }
    }
}

struct Side {
    emu: Emulator,
    kind: Kind,
    blocking: zoho_blocking_transport::Transport,
    asynchronous: zoho_async_transport::Transport,
    rt: tokio::runtime::Runtime,
}

impl Side {
    fn new(kind: Kind) -> Self {
        let emu = Emulator::start(zoho_emulator::Config::default()).unwrap();
        let credentials = zoho_core::auth::Credentials::refresh_token(
            zoho_emulator::CLIENT_ID,
            zoho_emulator::CLIENT_SECRET,
            zoho_emulator::REFRESH_TOKEN,
        );
        let config = ClientConfig::for_base_url(BaseUrl::new(emu.base_url()).unwrap(), credentials);
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let asynchronous = {
            let _guard = rt.enter();
            zoho_async_transport::Transport::new(config.clone()).unwrap()
        };
        let blocking = zoho_blocking_transport::Transport::new(config).unwrap();
        Self {
            emu,
            kind,
            blocking,
            asynchronous,
            rt,
        }
    }

    fn upload(&self, len: usize, sources: &[Src]) -> Result<AttachmentId, Error> {
        let op = record().upload("f.bin", len as u64);
        let up = match self.kind {
            Kind::Blocking => {
                let s: Vec<_> = sources.iter().map(Src::blocking).collect();
                self.blocking.execute_with(&op, &s)
            }
            Kind::Async => {
                let s: Vec<_> = sources.iter().map(Src::asynchronous).collect();
                self.rt.block_on(self.asynchronous.execute_with(&op, &s))
            }
        }?;
        Ok(up.id)
    }

    fn download(&self, id: AttachmentId) -> Vec<u8> {
        let d = record().download(id);
        let opts = DownloadOptions::default();
        let mut out = Vec::new();
        match self.kind {
            Kind::Blocking => self.blocking.download(&d, &mut out, &opts).map(|_| ()),
            Kind::Async => self
                .rt
                .block_on(self.asynchronous.download(&d, &mut out, &opts))
                .map(|_| ()),
        }
        .unwrap();
        out
    }

    /// Downloads into `dir`; counts the progress calls into `body_seen` (none means the body
    /// was never read).
    fn download_to_dir(
        &self,
        id: AttachmentId,
        dir: &Path,
        overwrite: bool,
        body_seen: &std::sync::atomic::AtomicU32,
    ) -> Result<PathBuf, Error> {
        let d = record().download(id);
        let count = |_, _| {
            body_seen.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        };
        let opts = DownloadOptions {
            progress: Some(&count),
            overwrite,
            ..DownloadOptions::default()
        };
        let done = match self.kind {
            Kind::Blocking => self.blocking.download_to_dir(&d, dir, "fallback", &opts),
            Kind::Async => self.rt.block_on(
                self.asynchronous
                    .download_to_dir(&d, dir, "fallback", &opts),
            ),
        }?;
        Ok(done.path)
    }

    fn api_requests(&self) -> u64 {
        self.emu.stats().api_requests
    }
}

fn record() -> Attachments {
    Attachments::parse(Api::CRM, "Leads", LEAD).unwrap()
}

fn data(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 31 % 251) as u8).collect()
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("zoho-sources-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn file_of(dir: &Path, bytes: &[u8]) -> PathBuf {
    let p = dir.join("source.bin");
    std::fs::write(&p, bytes).unwrap();
    p
}

fn body_error(e: &Error) -> &BodyError {
    match e {
        Error::Body(b) => b,
        other => panic!("expected Error::Body, got {other:?}"),
    }
}

fn entries(d: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn for_both(test: impl Fn(&Side, &Path)) {
    for kind in [Kind::Blocking, Kind::Async] {
        let side = Side::new(kind);
        let dir = scratch(&format!("{kind:?}-{:?}", std::thread::current().id()));
        test(&side, &dir);
        std::fs::remove_dir_all(dir).unwrap();
    }
}

#[test]
fn every_source_kind_arrives_byte_for_byte() {
    for_both(|side, dir| {
        let bytes = data(LEN);
        let path = file_of(dir, &bytes);
        let seen = Arc::new(Mutex::new(Vec::new()));
        for src in [
            Src::Path(path.clone()),
            Src::Progress(path.clone(), Arc::clone(&seen)),
            Src::Bytes(bytes.clone()),
            Src::Reader(bytes.clone()),
        ] {
            let id = side.upload(LEN, &[src]).unwrap();
            assert_eq!(side.download(id), bytes, "{:?}", side.kind);
        }
        let empty = side.upload(0, &[Src::Path(file_of(dir, b""))]).unwrap();
        assert!(side.download(empty).is_empty());
        let seen = seen.lock().unwrap().clone();
        assert_eq!(seen.last(), Some(&(LEN as u64)), "{:?}", side.kind);
        assert!(seen.windows(2).all(|w| w[0] < w[1]), "{seen:?}");
    });
}

#[test]
fn a_source_that_ends_early_or_runs_long_fails_with_what_it_gave() {
    let (len, expected) = (LEN as u64, LEN as u64);
    let short = |e: &BodyError| {
        matches!(e, BodyError::SourceEnded { index: 0, expected: x, actual }
            if *x == expected && *actual == len - 1)
    };
    let long = |e: &BodyError| matches!(e, BodyError::SourceTooLong { index: 0, expected: x } if *x == expected);
    for_both(|side, dir| {
        for (given, want) in [
            (LEN - 1, &short as &dyn Fn(&BodyError) -> bool),
            (LEN + 1, &long),
        ] {
            let bytes = data(given);
            let path = file_of(dir, &bytes);
            for src in [
                Src::Path(path),
                Src::Bytes(bytes.clone()),
                Src::Reader(bytes),
            ] {
                let e = side.upload(LEN, &[src]).unwrap_err();
                assert!(
                    want(body_error(&e)),
                    "{:?}, {given} bytes: {e:?}",
                    side.kind
                );
            }
        }
    });
}

#[test]
fn a_missing_source_or_file_is_named_before_anything_is_sent() {
    for_both(|side, dir| {
        let before = side.api_requests();
        let e = side.upload(1, &[]).unwrap_err();
        assert!(
            matches!(body_error(&e), BodyError::MissingSource { index: 0 }),
            "{e:?}"
        );
        let gone = dir.join("gone.bin");
        match side.upload(1, &[Src::Path(gone.clone())]).unwrap_err() {
            Error::File {
                action,
                path,
                source,
            } => {
                assert_eq!((action, path), ("read", gone));
                assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
            }
            other => panic!("{:?}: {other:?}", side.kind),
        }
        assert_eq!(side.api_requests(), before, "{:?}", side.kind);
    });
}

#[test]
fn an_existing_download_target_is_refused_and_kept() {
    for_both(|side, dir| {
        let id = side.upload(LEN, &[Src::Bytes(data(LEN))]).unwrap();
        let out = dir.join("out");
        std::fs::create_dir(&out).unwrap();
        let seen = std::sync::atomic::AtomicU32::new(0);
        let first = side
            .download_to_dir(id.clone(), &out, false, &seen)
            .unwrap();
        assert!(seen.swap(0, std::sync::atomic::Ordering::Relaxed) > 0);
        assert_eq!(first, out.join("f.bin"));
        std::fs::write(&first, b"mine").unwrap();
        match side
            .download_to_dir(id.clone(), &out, false, &seen)
            .unwrap_err()
        {
            Error::FileExists { path } => assert_eq!(path, first),
            other => panic!("{:?}: {other:?}", side.kind),
        }
        let body_reads = seen.load(std::sync::atomic::Ordering::Relaxed);
        assert_eq!(body_reads, 0, "{:?}: refused before the body", side.kind);
        assert_eq!(std::fs::read(&first).unwrap(), b"mine");
        assert_eq!(
            entries(&out),
            ["f.bin"],
            "{:?}: no temporary file is left",
            side.kind
        );
        side.download_to_dir(id, &out, true, &seen).unwrap();
        assert_eq!(std::fs::read(&first).unwrap(), data(LEN));
        assert_eq!(entries(&out), ["f.bin"]);
    });
}

#[test]
fn a_missing_download_directory_is_named_before_anything_is_sent() {
    for_both(|side, dir| {
        let before = side.api_requests();
        let missing = dir.join("no-such-dir");
        let seen = std::sync::atomic::AtomicU32::new(0);
        match side.download_to_dir(AttachmentId::new("1").unwrap(), &missing, false, &seen) {
            Err(Error::File { path, source, .. }) => {
                assert_eq!(path, missing);
                assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
            }
            other => panic!("{:?}: {other:?}", side.kind),
        }
        assert_eq!(side.api_requests(), before);
    });
}

#[test]
fn an_existing_path_is_refused_before_anything_is_sent_unless_overwrite() {
    for_both(|side, dir| {
        let id = side.upload(3, &[Src::Bytes(b"new".to_vec())]).unwrap();
        let target = dir.join("kept.bin");
        std::fs::write(&target, b"mine").unwrap();
        let d = record().download(id);
        let run = |overwrite| {
            let opts = DownloadOptions {
                overwrite,
                ..DownloadOptions::default()
            };
            match side.kind {
                Kind::Blocking => side.blocking.download_to_path(&d, &target, &opts),
                Kind::Async => side
                    .rt
                    .block_on(side.asynchronous.download_to_path(&d, &target, &opts)),
            }
        };
        let before = side.api_requests();
        assert!(
            matches!(run(false), Err(Error::FileExists { .. })),
            "{:?}",
            side.kind
        );
        assert_eq!(
            side.api_requests(),
            before,
            "{:?}: refused before any request",
            side.kind
        );
        assert_eq!(std::fs::read(&target).unwrap(), b"mine");
        run(true).unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"new");
    });
}

#[test]
fn upload_progress_is_on_the_handle() {
    let side = Side::new(Kind::Blocking);
    let dir = scratch("handle-progress");
    let path = file_of(&dir, &data(LEN));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    let opts = zoho_core::UploadOptions {
        progress: Some(Arc::new(move |n, total| {
            log.lock().unwrap().push((n, total))
        })),
        ..Default::default()
    };
    let a = zoho_blocking_transport::Attachments::new(&side.blocking, record());
    a.upload_file_with(&path, &opts).unwrap();
    let rt = &side.rt;
    let b = zoho_async_transport::Attachments::new(&side.asynchronous, record());
    rt.block_on(b.upload_file_with(&path, &opts)).unwrap();
    let seen = seen.lock().unwrap().clone();
    let ends = seen.iter().filter(|&&(n, _)| n == LEN as u64).count();
    assert_eq!(ends, 2, "each upload reached the file's length: {seen:?}");
    assert!(
        seen.iter().all(|&(n, t)| t == LEN as u64 && n <= t),
        "{seen:?}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// A call's own timeout replaces the configured overall one, for downloads and uploads alike.
#[test]
fn a_call_timeout_replaces_the_configured_one() {
    use std::time::Duration;
    for_both(|side, dir| {
        let id = side.upload(3, &[Src::Bytes(b"abc".to_vec())]).unwrap();
        let path = file_of(dir, b"abc");
        side.emu.set_faults(zoho_emulator::FaultPlan {
            delay_ms: 300,
            ..Default::default()
        });
        let d = record().download(id);
        let timed = |timeout| DownloadOptions {
            timeout,
            overwrite: true,
            ..DownloadOptions::default()
        };
        let target = dir.join("timed.bin");
        let download = |opts: &DownloadOptions<'_>| match side.kind {
            Kind::Blocking => side.blocking.download_to_path(&d, &target, opts),
            Kind::Async => side
                .rt
                .block_on(side.asynchronous.download_to_path(&d, &target, opts)),
        };
        let e = download(&timed(Some(Duration::from_millis(100)))).unwrap_err();
        assert!(e.is_timeout(), "{:?}: {e}", side.kind);
        download(&timed(None)).unwrap();
        let short = zoho_core::UploadOptions {
            timeout: Some(Duration::from_millis(100)),
            ..Default::default()
        };
        let e = match side.kind {
            Kind::Blocking => zoho_blocking_transport::Attachments::new(&side.blocking, record())
                .upload_file_with(&path, &short)
                .map(|_| ()),
            Kind::Async => side
                .rt
                .block_on(
                    zoho_async_transport::Attachments::new(&side.asynchronous, record())
                        .upload_file_with(&path, &short),
                )
                .map(|_| ()),
        }
        .unwrap_err();
        assert!(e.is_timeout(), "{:?}: {e}", side.kind);
    });
}
