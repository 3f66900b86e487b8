//! The async transport against zoho-emulator over loopback: every operation for CRM and Bigin,
//! retries, token refresh, cut downloads and a 100 MB round trip.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use futures_util::TryStreamExt;
use sha2::Digest;
use zoho_async_transport::{Attachments, Config, DownloadOptions, FileStore, Photo, Transport};
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
    let dir = std::env::temp_dir().join(format!("zoho-async-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(dir: &Path, name: &str, data: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, data).unwrap();
    p
}

fn leads(t: &Transport, record: &str) -> Attachments {
    Attachments::new(
        t,
        zoho_core::ops::Attachments::parse(Api::CRM, "Leads", record).unwrap(),
    )
}

#[tokio::test]
async fn every_operation_for_crm_and_bigin() {
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
        assert!(a.list().await.unwrap().attachments.is_empty(), "{api}");
        let file = write(&dir, "résumé.txt", b"file bytes");
        let up = a.upload_file(&file).await.unwrap();
        let from_reader = a
            .upload_reader("reader.bin", 5, std::io::Cursor::new(b"12345".to_vec()))
            .await
            .unwrap();
        let link = a
            .upload_link("https://www.zoho.com", Some("Zoho"))
            .await
            .unwrap();
        let all: Vec<_> = a
            .list_all(a.list_op().per_page(2))
            .try_collect()
            .await
            .unwrap();
        let mut ids: Vec<_> = all.iter().map(|x| x.id.clone()).collect();
        ids.sort();
        let mut want = vec![up.id.clone(), from_reader.id.clone(), link.id.clone()];
        want.sort();
        assert_eq!(ids, want, "{api}");
        let got = a
            .download_to_path(
                up.id.clone(),
                &dir.join("copy.txt"),
                &DownloadOptions {
                    overwrite: true,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(std::fs::read(&got.path).unwrap(), b"file bytes");
        let sub = dir.join(format!("into-{module}"));
        std::fs::create_dir_all(&sub).unwrap();
        let named = a
            .download_to_dir(up.id.clone(), &sub, &DownloadOptions::default())
            .await
            .unwrap();
        assert_eq!(named.path, sub.join("résumé.txt"));
        assert!(
            a.download_to_dir(up.id.clone(), &sub, &DownloadOptions::default())
                .await
                .is_err()
        );
        let mut buf = Vec::new();
        a.download_to_writer(
            from_reader.id.clone(),
            &mut buf,
            &DownloadOptions::default(),
        )
        .await
        .unwrap();
        assert_eq!(buf, b"12345");
        let capped = a
            .download_to_path(
                up.id.clone(),
                &dir.join("capped"),
                &DownloadOptions {
                    max_bytes: Some(3),
                    ..Default::default()
                },
            )
            .await;
        assert!(capped.is_err() && !dir.join("capped").exists());
        assert_eq!(a.delete(link.id.clone()).await.unwrap().id, link.id);
        let results = a
            .delete_many([
                up.id.clone(),
                from_reader.id.clone(),
                AttachmentId::new("1234").unwrap(),
            ])
            .await
            .unwrap();
        assert!(results[0].outcome.is_deleted() && results[1].outcome.is_deleted());
        assert!(
            matches!(&results[2].outcome, DeleteOutcome::Failed(e) if e.code == ErrorCode::InvalidData)
        );
        let p = Photo::new(
            &t,
            zoho_core::ops::Photo::parse(api, module, record).unwrap(),
        );
        let png = write(&dir, "face.png", b"\x89PNG\r\n\x1a\nrest");
        assert_eq!(p.upload_file(&png).await.unwrap().code, "SUCCESS");
        let got = p
            .download_to_path(
                &dir.join("photo-copy.png"),
                &DownloadOptions {
                    overwrite: true,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(std::fs::read(got.path).unwrap(), b"\x89PNG\r\n\x1a\nrest");
        assert_eq!(p.delete().await.unwrap().message, "Photo deleted");
        let none = p
            .download_to_path(&dir.join("no-photo.png"), &DownloadOptions::default())
            .await;
        assert!(matches!(none, Err(Error::NoContent { .. })), "{none:?}");
    }
    let fs = FileStore::new(&t, CrmVersion::V8);
    let a = write(&dir, "a.txt", b"aaa");
    let b = write(&dir, "b.txt", b"bbbb");
    let stored = fs.upload_files(&[&a, &b]).await.unwrap();
    let second = stored[1].as_ref().unwrap();
    let got = fs
        .get_to_path(
            FileId::new(second.id.as_str()).unwrap(),
            &dir.join("b-copy"),
            &DownloadOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(std::fs::read(got.path).unwrap(), b"bbbb");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_429_burst_and_a_503_are_retried() {
    let emu = emulator();
    let t = fixed(&emu);
    let a = leads(&t, CRM_LEAD);
    emu.set_faults(FaultPlan {
        fail_next: Some(FailNext {
            status: 429,
            count: 2,
            retry_after_secs: None,
        }),
        ..Default::default()
    });
    a.list().await.unwrap();
    emu.set_faults(FaultPlan {
        fail_next: Some(FailNext {
            status: 503,
            count: 1,
            retry_after_secs: None,
        }),
        ..Default::default()
    });
    a.list().await.unwrap();
    let s = emu.stats();
    assert_eq!(
        (s.injected.status_429, s.injected.status_503, s.api_requests),
        (2, 1, 5)
    );
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
    a.upload_file(&f).await.unwrap();
    assert_eq!(emu.stats().api_requests, 7);
    emu.set_faults(FaultPlan {
        fail_next: Some(FailNext {
            status: 500,
            count: 1,
            retry_after_secs: None,
        }),
        ..Default::default()
    });
    assert_eq!(
        a.upload_file(&f).await.unwrap_err().code(),
        Some(&ErrorCode::InternalError)
    );
    assert_eq!(emu.stats().api_requests, 8);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_non_retryable_400_comes_back_at_once_as_a_typed_error() {
    let emu = emulator();
    let t = fixed(&emu);
    let e = leads(&t, "4242").list().await.unwrap_err();
    assert_eq!(e.code(), Some(&ErrorCode::InvalidData));
    assert_eq!(emu.stats().api_requests, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixty_four_concurrent_calls_cause_one_token_request() {
    let emu = emulator();
    let t = Arc::new(refreshing(&emu));
    let tasks: Vec<_> = (0..64)
        .map(|_| {
            let t = Arc::clone(&t);
            tokio::spawn(async move { leads(&t, CRM_LEAD).list().await.map(|_| ()) })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let s = emu.stats();
    assert_eq!((s.token_requests, s.api_requests), (1, 64));
}

#[tokio::test]
async fn invalid_token_means_one_refresh_and_one_replay() {
    let emu = emulator();
    let t = refreshing(&emu);
    let a = leads(&t, CRM_LEAD);
    a.list().await.unwrap();
    emu.expire_tokens();
    a.list().await.unwrap();
    let s = emu.stats();
    assert_eq!((s.token_requests, s.api_requests), (2, 3));
}

#[tokio::test]
async fn a_cut_download_is_sent_again_with_its_digest_and_one_cut_too_many_leaves_no_file() {
    let emu = emulator();
    let t = fixed(&emu);
    let dir = scratch("cut");
    let a = leads(&t, CRM_LEAD);
    let data: Vec<u8> = (0..2_000_000u32).map(|i| (i % 253) as u8).collect();
    let up = a.upload_file(&write(&dir, "big.bin", &data)).await.unwrap();
    let cut = |count| {
        emu.set_faults(FaultPlan {
            drop_downloads: Some(DropDownloads {
                after_bytes: 500_000,
                count,
            }),
            ..Default::default()
        })
    };
    // One cut: the digest is of the attempt kept, not of the cut one too.
    cut(1);
    let target = dir.join("target.bin");
    let opts = DownloadOptions {
        sha256: true,
        ..DownloadOptions::default()
    };
    let got = a
        .download_to_path(up.id.clone(), &target, &opts)
        .await
        .unwrap();
    let want: [u8; 32] = sha2::Sha256::digest(&data).into();
    assert_eq!(got.sha256, Some(want));
    assert_eq!(std::fs::read(&target).unwrap(), data);
    std::fs::remove_file(&target).unwrap();
    cut(100);
    assert!(
        a.download_to_path(up.id, &target, &DownloadOptions::default())
            .await
            .is_err()
    );
    assert!(!target.exists());
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("big.bin")]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_hundred_megabyte_upload_and_download() {
    let dir = scratch("100mb");
    let emu = Emulator::start(zoho_emulator::Config {
        data_dir: Some(dir.join("emulator")),
        ..Default::default()
    })
    .unwrap();
    let t = fixed(&emu);
    let a = leads(&t, CRM_LEAD);
    let len = 100_000_000usize;
    let data: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
    let src = write(&dir, "hundred.bin", &data);
    let up = a.upload_file(&src).await.unwrap();
    let opts = DownloadOptions {
        sha256: true,
        ..DownloadOptions::default()
    };
    let got = a
        .download_to_path(up.id, &dir.join("back.bin"), &opts)
        .await
        .unwrap();
    assert_eq!(got.bytes, len as u64);
    assert!(std::fs::read(&got.path).unwrap() == data);
    let want: [u8; 32] = sha2::Sha256::digest(&data).into();
    assert_eq!(got.sha256, Some(want), "the digest over every batch");
    drop(emu);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn progress_reaches_the_total_in_order() {
    let emu = emulator();
    let t = fixed(&emu);
    let dir = scratch("progress");
    let a = leads(&t, CRM_LEAD);
    let len = 3_000_000u64;
    let up = a
        .upload_file(&write(&dir, "p.bin", &vec![5u8; len as usize]))
        .await
        .unwrap();
    let seen = std::sync::Mutex::new(Vec::new());
    let report = |n: u64, total: Option<u64>| seen.lock().unwrap().push((n, total));
    let opts = DownloadOptions {
        progress: Some(&report),
        ..Default::default()
    };
    let got = a
        .download_to_path(up.id, &dir.join("p.out"), &opts)
        .await
        .unwrap();
    assert_eq!(got.bytes, len);
    let seen = seen.into_inner().unwrap();
    assert_eq!(seen.last(), Some(&(len, Some(len))));
    assert!(seen.windows(2).all(|w| w[0].0 < w[1].0), "{seen:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_download_dropped_part_way_leaves_no_file() {
    let emu = emulator();
    let t = fixed(&emu);
    let dir = scratch("dropped");
    let a = leads(&t, CRM_LEAD);
    let up = a
        .upload_file(&write(&dir, "big.bin", &vec![3u8; 2_000_000]))
        .await
        .unwrap();
    // The emulator sends 500 kB, then holds the body for 100 ms before cutting it: the
    // future is dropped in between, with the temporary file open.
    emu.set_faults(FaultPlan {
        drop_downloads: Some(DropDownloads {
            after_bytes: 500_000,
            count: 1,
        }),
        ..Default::default()
    });
    let halfway = tokio::sync::Notify::new();
    let report = |n: u64, _: Option<u64>| {
        if n >= 500_000 {
            halfway.notify_one();
        }
    };
    let opts = DownloadOptions {
        progress: Some(&report),
        ..Default::default()
    };
    let target = dir.join("target.bin");
    tokio::select! {
        r = a.download_to_path(up.id, &target, &opts) => panic!("finished before the drop: {r:?}"),
        () = halfway.notified() => {}
    }
    let names = || -> Vec<_> {
        std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect()
    };
    assert_eq!(names(), vec![std::ffi::OsString::from("big.bin")]);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(names(), vec![std::ffi::OsString::from("big.bin")]);
    let _ = std::fs::remove_dir_all(&dir);
}
