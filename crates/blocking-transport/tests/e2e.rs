//! The blocking transport against zoho-emulator over loopback: every operation for CRM and
//! Bigin, retries, token refresh, cut downloads and a 100 MB round trip.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use sha2::Digest;
use zoho_blocking_transport::{Attachments, Config, DownloadOptions, FileStore, Photo, Transport};
use zoho_core::auth::{Client, Credentials, Secret};
use zoho_core::ops::attachments::DeleteOutcome;
use zoho_core::retry::RetryPolicy;
use zoho_core::{Api, AttachmentId, BaseUrl, CrmVersion, Endpoints, Error, ErrorCode, FileId};
use zoho_emulator::{DropDownloads, Emulator, FailNext, FaultPlan};

const CRM_LEAD: &str = "5725767000000010001";
const BIGIN_CONTACT: &str = "5725768000000010001";

fn emulator() -> Emulator {
    Emulator::start(zoho_emulator::Config::default()).unwrap()
}

fn config(emu: &Emulator, credentials: Credentials) -> Config {
    let mut c = Config::new(
        Endpoints::custom(BaseUrl::new(emu.base_url()).unwrap()),
        credentials,
    );
    c.fixed_api_base = true;
    c.retry = RetryPolicy {
        base_delay: Duration::from_millis(5),
        ..RetryPolicy::default()
    };
    c
}

fn fixed(emu: &Emulator) -> Transport {
    Transport::new(config(
        emu,
        Credentials::AccessToken(Secret::new(emu.access_token())),
    ))
    .unwrap()
}

fn refreshing(emu: &Emulator) -> Transport {
    Transport::new(config(
        emu,
        Credentials::RefreshToken {
            client: Client {
                id: zoho_emulator::CLIENT_ID.into(),
                secret: Secret::new(zoho_emulator::CLIENT_SECRET),
            },
            refresh_token: Secret::new(zoho_emulator::REFRESH_TOKEN),
        },
    ))
    .unwrap()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("zoho-blocking-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(dir: &Path, name: &str, data: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, data).unwrap();
    p
}

#[test]
fn every_operation_for_crm_and_bigin() {
    let emu = emulator();
    let t = fixed(&emu);
    let dir = scratch("ops");
    for (api, module, record) in [
        (Api::CRM, "Leads", CRM_LEAD),
        (Api::BIGIN, "Contacts", BIGIN_CONTACT),
    ] {
        let a = Attachments::new(
            &t,
            zoho_core::ops::Attachments::parse(api, module, record).unwrap(),
        );
        assert!(a.list().unwrap().attachments.is_empty(), "{api}");
        let file = write(&dir, "résumé.txt", b"file bytes");
        let up = a.upload_file(&file).unwrap();
        let from_reader = a
            .upload_reader("reader.bin", 5, std::io::Cursor::new(b"12345".to_vec()))
            .unwrap();
        let link = a.upload_link("https://www.zoho.com", Some("Zoho")).unwrap();
        // Every item, two per page, across pages (v8 page tokens on CRM, page numbers on Bigin).
        let all: Vec<_> = a
            .list_all(a.list_op().per_page(2))
            .collect::<Result<_, _>>()
            .unwrap();
        let mut ids: Vec<_> = all.iter().map(|x| x.id.clone()).collect();
        ids.sort();
        let mut want = vec![up.id.clone(), from_reader.id.clone(), link.id.clone()];
        want.sort();
        assert_eq!(ids, want, "{api}");
        // Download to a path and to a directory under the server's (safe) name.
        let got = a
            .download_to_path(
                up.id.clone(),
                dir.join("copy.txt"),
                &DownloadOptions {
                    overwrite: true,
                    ..Default::default()
                },
            )
            .unwrap();
        assert_eq!(std::fs::read(&got.path).unwrap(), b"file bytes");
        assert_eq!(got.head.file_name.as_deref(), Some("résumé.txt"));
        let sub = dir.join(format!("into-{module}"));
        std::fs::create_dir_all(&sub).unwrap();
        let named = a
            .download_to_dir(up.id.clone(), &sub, &DownloadOptions::default())
            .unwrap();
        assert_eq!(named.path, sub.join("résumé.txt"));
        let again = a.download_to_dir(up.id.clone(), &sub, &DownloadOptions::default());
        assert!(again.is_err(), "must not overwrite without being told");
        let mut buf = Vec::new();
        a.download_to_writer(
            from_reader.id.clone(),
            &mut buf,
            &DownloadOptions::default(),
        )
        .unwrap();
        assert_eq!(buf, b"12345");
        // A size cap refuses bigger files.
        let capped = a.download_to_path(
            up.id.clone(),
            dir.join("capped"),
            &DownloadOptions {
                max_bytes: Some(3),
                ..Default::default()
            },
        );
        assert!(capped.is_err() && !dir.join("capped").exists());
        // Delete one, then many (one unknown id reported per id).
        assert_eq!(a.delete(link.id.clone()).unwrap().id, link.id);
        let results = a
            .delete_many([
                up.id.clone(),
                from_reader.id.clone(),
                AttachmentId::new("1234").unwrap(),
            ])
            .unwrap();
        assert!(results[0].outcome.is_deleted() && results[1].outcome.is_deleted());
        assert!(
            matches!(&results[2].outcome, DeleteOutcome::Failed(e) if e.code == ErrorCode::InvalidData)
        );
        // Photo.
        let p = Photo::new(
            &t,
            zoho_core::ops::Photo::parse(api, module, record).unwrap(),
        );
        let png = write(&dir, "face.png", b"\x89PNG\r\n\x1a\nrest");
        assert_eq!(p.upload_file(&png).unwrap().code, "SUCCESS");
        let got = p
            .download_to_path(
                dir.join("photo-copy.png"),
                &DownloadOptions {
                    overwrite: true,
                    ..Default::default()
                },
            )
            .unwrap();
        assert_eq!(std::fs::read(got.path).unwrap(), b"\x89PNG\r\n\x1a\nrest");
        assert_eq!(p.delete().unwrap().message, "Photo deleted");
        let none = p.download_to_path(dir.join("no-photo.png"), &DownloadOptions::default());
        assert!(matches!(none, Err(Error::NoContent { .. })), "{none:?}");
        assert!(!dir.join("no-photo.png").exists());
    }
    // The CRM file store.
    let fs = FileStore::new(&t, CrmVersion::V8);
    let a = write(&dir, "a.txt", b"aaa");
    let b = write(&dir, "b.txt", b"bbbb");
    let stored = fs.upload_files(&[&a, &b]).unwrap();
    let second = stored[1].as_ref().unwrap();
    assert_eq!(second.name, "b.txt");
    let got = fs
        .get_to_path(
            FileId::new(second.id.as_str()).unwrap(),
            dir.join("b-copy"),
            &DownloadOptions::default(),
        )
        .unwrap();
    assert_eq!(std::fs::read(got.path).unwrap(), b"bbbb");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_429_burst_and_a_503_are_retried() {
    let emu = emulator();
    let t = fixed(&emu);
    let a = Attachments::new(
        &t,
        zoho_core::ops::Attachments::parse(Api::CRM, "Leads", CRM_LEAD).unwrap(),
    );
    emu.set_faults(FaultPlan {
        fail_next: Some(FailNext {
            status: 429,
            count: 2,
            retry_after_secs: None,
        }),
        ..Default::default()
    });
    assert!(a.list().unwrap().attachments.is_empty());
    emu.set_faults(FaultPlan {
        fail_next: Some(FailNext {
            status: 503,
            count: 1,
            retry_after_secs: None,
        }),
        ..Default::default()
    });
    assert!(a.list().unwrap().attachments.is_empty());
    let s = emu.stats();
    assert_eq!((s.injected.status_429, s.injected.status_503), (2, 1));
    assert_eq!(
        s.api_requests, 5,
        "2 refused + 1 answered, then 1 refused + 1 answered"
    );
    // A POST is retried after a 429 too (nothing was processed) when its body can be re-sent.
    let dir = scratch("retry-post");
    let f = write(&dir, "x.txt", b"x");
    emu.set_faults(FaultPlan {
        fail_next: Some(FailNext {
            status: 429,
            count: 1,
            retry_after_secs: None,
        }),
        ..Default::default()
    });
    a.upload_file(&f).unwrap();
    assert_eq!(emu.stats().api_requests, 7);
    // ... but not after a 500 (it may have been processed).
    emu.set_faults(FaultPlan {
        fail_next: Some(FailNext {
            status: 500,
            count: 1,
            retry_after_secs: None,
        }),
        ..Default::default()
    });
    let e = a.upload_file(&f).unwrap_err();
    assert_eq!(e.code(), Some(&ErrorCode::InternalError));
    assert_eq!(emu.stats().api_requests, 8);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_non_retryable_400_comes_back_at_once_as_a_typed_error() {
    let emu = emulator();
    let t = fixed(&emu);
    let a = Attachments::new(
        &t,
        zoho_core::ops::Attachments::parse(Api::CRM, "Leads", "4242").unwrap(),
    );
    let e = a.list().unwrap_err();
    assert_eq!(e.code(), Some(&ErrorCode::InvalidData));
    assert_eq!(e.status().unwrap(), 400);
    assert_eq!(emu.stats().api_requests, 1);
}

#[test]
fn sixty_four_concurrent_calls_cause_one_token_request() {
    let emu = emulator();
    let t = Arc::new(refreshing(&emu));
    let threads: Vec<_> = (0..64)
        .map(|_| {
            let t = Arc::clone(&t);
            std::thread::spawn(move || {
                let a = Attachments::new(
                    &t,
                    zoho_core::ops::Attachments::parse(Api::CRM, "Leads", CRM_LEAD).unwrap(),
                );
                a.list().map(|_| ())
            })
        })
        .collect();
    for th in threads {
        th.join().unwrap().unwrap();
    }
    let s = emu.stats();
    assert_eq!(s.token_requests, 1);
    assert_eq!(s.api_requests, 64);
}

#[test]
fn invalid_token_means_one_refresh_and_one_replay() {
    let emu = emulator();
    let t = refreshing(&emu);
    let a = Attachments::new(
        &t,
        zoho_core::ops::Attachments::parse(Api::CRM, "Leads", CRM_LEAD).unwrap(),
    );
    a.list().unwrap();
    assert_eq!(emu.stats().token_requests, 1);
    emu.expire_tokens(); // the server forgets the token; the client still thinks it is good
    a.list().unwrap();
    let s = emu.stats();
    assert_eq!(s.token_requests, 2, "one refresh");
    assert_eq!(
        s.api_requests, 3,
        "the first call, the refused call, and one replay"
    );
    // A fixed token cannot be refreshed: the 401 comes back as a typed error, not replayed.
    let fixed = fixed(&emu);
    let a = Attachments::new(
        &fixed,
        zoho_core::ops::Attachments::parse(Api::CRM, "Leads", CRM_LEAD).unwrap(),
    );
    let e = a.list().unwrap_err();
    assert_eq!(e.code(), Some(&ErrorCode::InvalidToken));
}

#[test]
fn a_cut_download_is_sent_again_and_one_cut_too_many_leaves_no_file() {
    let emu = emulator();
    let t = fixed(&emu);
    let dir = scratch("cut");
    let a = Attachments::new(
        &t,
        zoho_core::ops::Attachments::parse(Api::CRM, "Leads", CRM_LEAD).unwrap(),
    );
    let data: Vec<u8> = (0..2_000_000u32).map(|i| (i % 253) as u8).collect();
    let up = a.upload_file(write(&dir, "big.bin", &data)).unwrap();
    let cut = |count| {
        emu.set_faults(FaultPlan {
            drop_downloads: Some(DropDownloads {
                after_bytes: 500_000,
                count,
            }),
            ..Default::default()
        })
    };
    // One cut: sent again from byte 0 into the same (reset) temporary file.
    cut(1);
    let target = dir.join("target.bin");
    let seen = std::sync::Mutex::new(Vec::new());
    let progress = |n: u64, _: Option<u64>| seen.lock().unwrap().push(n);
    let opts = DownloadOptions {
        progress: Some(&progress),
        sha256: true,
        ..DownloadOptions::default()
    };
    let got = a.download_to_path(up.id.clone(), &target, &opts).unwrap();
    assert_eq!(got.bytes, 2_000_000);
    assert_eq!(std::fs::read(&target).unwrap(), data);
    let want: [u8; 32] = sha2::Sha256::digest(&data).into();
    assert_eq!(got.sha256, Some(want), "the digest of the attempt kept");
    assert_eq!(got.sha256_hex().map(|h| h.len()), Some(64));
    let seen = seen.into_inner().unwrap();
    assert_eq!(
        seen.iter().filter(|&&n| n == 0).count(),
        2,
        "progress restarts from 0"
    );
    assert_eq!(seen.last(), Some(&2_000_000));
    std::fs::remove_file(&target).unwrap();
    // More cuts than attempts: an error, and nothing left behind.
    cut(100);
    let r = a.download_to_path(up.id.clone(), &target, &DownloadOptions::default());
    assert!(r.is_err(), "{r:?}");
    assert!(!target.exists());
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        names,
        vec![std::ffi::OsString::from("big.bin")],
        "no temporary file left behind"
    );
    let attempts = u64::from(RetryPolicy::default().max_attempts);
    assert_eq!(emu.stats().injected.dropped_downloads, 1 + attempts);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_hundred_megabyte_upload_and_download() {
    let dir = scratch("100mb");
    let emu = Emulator::start(zoho_emulator::Config {
        data_dir: Some(dir.join("emulator")),
        ..Default::default()
    })
    .unwrap();
    let t = fixed(&emu);
    let a = Attachments::new(
        &t,
        zoho_core::ops::Attachments::parse(Api::CRM, "Leads", CRM_LEAD).unwrap(),
    );
    let len = 100_000_000usize;
    let data: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
    let src = write(&dir, "hundred.bin", &data);
    let up = a.upload_file(&src).unwrap();
    let got = a
        .download_to_path(up.id, dir.join("back.bin"), &DownloadOptions::default())
        .unwrap();
    assert_eq!(got.bytes, len as u64);
    assert!(std::fs::read(&got.path).unwrap() == data);
    assert_eq!(got.sha256, None, "no digest unless asked for");
    drop(emu);
    let _ = std::fs::remove_dir_all(&dir);
}
