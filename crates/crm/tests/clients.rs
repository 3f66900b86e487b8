//! The CRM facade's clients, async and blocking, against the emulator. Clients are cheap clones
//! sharing one transport, and their handles own a clone: both move into `tokio::spawn` and
//! `std::thread::spawn`, and every clone uses the one token. Pages and items come as a stream
//! (async) or an iterator (blocking).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use futures_util::StreamExt;
use zoho_crm::{ClientConfig, Credentials};
use zoho_emulator::Emulator;

fn config(emu: &Emulator) -> ClientConfig {
    ClientConfig::for_base_url(
        emu.base_url().parse().unwrap(),
        Credentials::refresh_token(
            zoho_emulator::CLIENT_ID,
            zoho_emulator::CLIENT_SECRET,
            zoho_emulator::REFRESH_TOKEN,
        ),
    )
}

fn scratch(name: &str, data: &[u8]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("zoho-crm-facade-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("a.txt");
    std::fs::write(&f, data).unwrap();
    f
}

const DEAL: &str = "5725767000000040001";

fn file(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("zoho-crm-sharing-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join(name);
    std::fs::write(&f, name.as_bytes()).unwrap();
    f
}

fn names(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[tokio::test]
async fn async_client_round_trip() {
    let emu = Emulator::start(Default::default()).unwrap();
    let crm = zoho_crm::Client::new(config(&emu)).unwrap();
    let file = scratch("async", b"async bytes");
    let a = crm.attachments("Deals", "5725767000000040001").unwrap();
    let up = a.upload_file(&file).await.unwrap();
    let mut out = Vec::new();
    a.download_to_writer(up.id.clone(), &mut out, &Default::default())
        .await
        .unwrap();
    assert_eq!(out, b"async bytes");
    assert!(a.delete(up.id).await.is_ok());
    let stored = crm.files().upload_files(&[&file]).await.unwrap();
    assert_eq!(stored[0].as_ref().unwrap().name, "a.txt");
    assert!(
        crm.photo("Tasks", "5725767000000060001")
            .unwrap()
            .delete()
            .await
            .is_err()
    );
    // Older versions speak their own paths.
    let v2 = zoho_crm::Client::new(config(&emu))
        .unwrap()
        .with_version(zoho_crm::Version::V2);
    assert!(
        v2.attachments("Leads", "5725767000000010001")
            .unwrap()
            .list()
            .await
            .unwrap()
            .attachments
            .is_empty()
    );
    assert_eq!(emu.stats().token_requests, 2, "one token per client");
}

#[cfg(feature = "blocking")]
#[test]
fn blocking_client_round_trip() {
    let emu = Emulator::start(Default::default()).unwrap();
    let crm = zoho_crm::blocking::Client::new(config(&emu)).unwrap();
    let file = scratch("blocking", b"blocking bytes");
    let a = crm.attachments("Leads", "5725767000000010001").unwrap();
    let up = a.upload_file(&file).unwrap();
    let mut out = Vec::new();
    a.download_to_writer(up.id.clone(), &mut out, &Default::default())
        .unwrap();
    assert_eq!(out, b"blocking bytes");
    let png = file.with_file_name("p.png");
    std::fs::write(&png, b"\x89PNG\r\n\x1a\n").unwrap();
    let p = crm.photo("Leads", "5725767000000010001").unwrap();
    p.upload_file(&png).unwrap();
    p.delete().unwrap();
    assert_eq!(emu.stats().token_requests, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_clones_and_handles_move_into_tasks_and_threads() {
    let emu = Emulator::start(Default::default()).unwrap();
    let crm = zoho_crm::Client::new(config(&emu)).unwrap();
    let handle = crm.attachments("Deals", DEAL).unwrap();
    let in_task = tokio::spawn(async move { handle.upload_file(&file("task.txt")).await });
    let clone = crm.clone();
    let rt = tokio::runtime::Handle::current();
    let in_thread = std::thread::spawn(move || {
        let a = clone.attachments("Deals", DEAL).unwrap();
        rt.block_on(a.upload_file(&file("thread.txt")))
    });
    in_task.await.unwrap().unwrap();
    in_thread.join().unwrap().unwrap();
    let third = crm.attachments("Deals", DEAL).unwrap();
    third.upload_file(&file("third.txt")).await.unwrap();

    let first = third.list_op().per_page(2);
    let pages: Vec<_> = third.pages(first.clone()).collect().await;
    let sizes: Vec<usize> = pages
        .iter()
        .map(|p| p.as_ref().unwrap().attachments.len())
        .collect();
    assert_eq!(sizes, [2, 1]);
    // The item stream owns its transport: it moves into a task too.
    let items = tokio::spawn(third.list_all(first).collect::<Vec<_>>())
        .await
        .unwrap();
    let got = names(
        items
            .into_iter()
            .map(|a| a.unwrap().file_name.unwrap())
            .collect(),
    );
    assert_eq!(got, ["task.txt", "third.txt", "thread.txt"]);
    assert_eq!(
        emu.stats().token_requests,
        1,
        "every clone used the one token"
    );
}

#[cfg(feature = "blocking")]
#[test]
fn blocking_clones_and_handles_move_into_threads() {
    let emu = Emulator::start(Default::default()).unwrap();
    let crm = zoho_crm::blocking::Client::new(config(&emu)).unwrap();
    let threads: Vec<_> = ["a.txt", "b.txt", "c.txt"]
        .into_iter()
        .enumerate()
        .map(|(i, name)| {
            // One thread gets a handle, the others a clone of the client.
            let handle = crm.attachments("Deals", DEAL).unwrap();
            let clone = crm.clone();
            std::thread::spawn(move || match i {
                0 => handle.upload_file(file(name)),
                _ => clone
                    .attachments("Deals", DEAL)
                    .unwrap()
                    .upload_file(file(name)),
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap().unwrap();
    }
    let a = crm.attachments("Deals", DEAL).unwrap();
    let sizes: Vec<usize> = a
        .pages(a.list_op().per_page(2))
        .map(|p| p.unwrap().attachments.len())
        .collect();
    assert_eq!(sizes, [2, 1]);
    let all = std::thread::spawn(move || a.list_all(a.list_op().per_page(2)).collect::<Vec<_>>());
    let got = names(
        all.join()
            .unwrap()
            .into_iter()
            .map(|a| a.unwrap().file_name.unwrap())
            .collect(),
    );
    assert_eq!(got, ["a.txt", "b.txt", "c.txt"]);
    assert_eq!(
        emu.stats().token_requests,
        1,
        "every clone used the one token"
    );
}
