//! Clients are cheap clones sharing one transport, and their handles own a clone: both move into
//! `tokio::spawn` and `std::thread::spawn`, and every clone uses the one token. Pages and items
//! come as a stream (async) or an iterator (blocking).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use futures_util::StreamExt;
use zoho_crm::{ClientConfig, Credentials};
use zoho_emulator::Emulator;

const DEAL: &str = "5725767000000040001";

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
