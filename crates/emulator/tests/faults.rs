//! Every fault knob, and the counters that show it fired.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::{Duration, Instant};

use common::*;
use serde_json::json;
use zoho_emulator::{DropDownloads, FailNext, FailNth, FaultPlan};

const LIST: &str = "/crm/v8/Leads/5725767000000010001/Attachments?fields=id";
const CRM: &str = "/crm/v8/Leads/5725767000000010001/Attachments";

#[tokio::test]
async fn fail_next_answers_a_burst_then_recovers() {
    let t = T::new();
    t.admin_put_faults(json!({"fail_next": {"status": 429, "count": 2, "retry_after_secs": 1}}))
        .await;
    for _ in 0..2 {
        let r = t.get(LIST).await;
        assert_eq!(r.headers()["retry-after"], "1");
        expect_error(r, 429, "TOO_MANY_REQUESTS").await;
    }
    assert_eq!(t.get(LIST).await.status(), 204);
    t.emu.set_faults(FaultPlan {
        fail_next: Some(FailNext {
            status: 503,
            count: 1,
            retry_after_secs: None,
        }),
        ..Default::default()
    });
    let r = t.get(LIST).await;
    assert_eq!(r.status(), 503);
    assert!(
        r.text().await.unwrap().contains("503"),
        "503 is an HTML page, as a proxy sends it"
    );
    t.emu.set_faults(FaultPlan {
        fail_next: Some(FailNext {
            status: 500,
            count: 1,
            retry_after_secs: None,
        }),
        ..Default::default()
    });
    expect_error(t.get(LIST).await, 500, "INTERNAL_ERROR").await;
    let s = t.emu.stats();
    assert_eq!(
        (
            s.injected.status_429,
            s.injected.status_503,
            s.injected.status_500
        ),
        (2, 1, 1)
    );
    assert_eq!(s.api_requests, 5);
    // Admin calls are not API requests.
    let _ = t
        .http
        .get(t.url("/__emulator/stats"))
        .bearer_auth(t.emu.admin_token())
        .send()
        .await
        .unwrap();
    assert_eq!(t.emu.stats().api_requests, 5);
}

#[tokio::test]
async fn fail_nth_hits_exactly_one_request() {
    let t = T::with(Config {
        faults: FaultPlan {
            fail_nth: Some(FailNth { n: 3, status: 429 }),
            ..Default::default()
        },
        ..Config::default()
    });
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(t.get(LIST).await.status().as_u16());
    }
    assert_eq!(statuses, [204, 204, 429, 204, 204]);
    assert_eq!(t.emu.stats().injected.status_429, 1);
}

#[tokio::test]
async fn max_in_flight_gives_429_to_the_excess() {
    let t = T::new();
    t.admin_put_faults(json!({"max_in_flight": 2, "delay_ms": 300}))
        .await;
    let calls = (0..6).map(|_| t.get(LIST));
    let statuses: Vec<u16> = futures_util::future::join_all(calls)
        .await
        .into_iter()
        .map(|r| r.status().as_u16())
        .collect();
    let limited = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(
        statuses.iter().filter(|s| **s == 204).count(),
        2,
        "{statuses:?}"
    );
    assert_eq!(limited, 4, "{statuses:?}");
    let s = t.emu.stats();
    assert_eq!(s.injected.concurrency_429, 4);
}

#[tokio::test]
async fn delay_slows_every_api_request() {
    let t = T::new();
    t.emu.set_faults(FaultPlan {
        delay_ms: 250,
        ..Default::default()
    });
    let start = Instant::now();
    assert_eq!(t.get(LIST).await.status(), 204);
    assert!(start.elapsed() >= Duration::from_millis(250));
    assert_eq!(t.emu.stats().injected.delayed, 1);
}

#[tokio::test]
async fn drop_downloads_cuts_the_body_midway() {
    let t = T::new();
    let (_, v) = json(t.post_file(CRM, "big.bin", vec![9u8; 1_000_000]).await).await;
    let id = v["data"][0]["details"]["id"].as_str().unwrap().to_owned();
    t.emu.set_faults(FaultPlan {
        drop_downloads: Some(DropDownloads {
            after_bytes: 300_000,
            count: 1,
        }),
        ..Default::default()
    });
    let r = t.get(&format!("{CRM}/{id}")).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-length"], "1000000");
    let mut got = 0usize;
    let mut stream = r.bytes_stream();
    let mut failed = false;
    use futures_util::StreamExt;
    while let Some(chunk) = stream.next().await {
        match chunk {
            Ok(c) => got += c.len(),
            Err(_) => {
                failed = true;
                break;
            }
        }
    }
    assert!(failed, "the body must end in an error, not a clean end");
    assert_eq!(got, 300_000);
    assert_eq!(t.emu.stats().injected.dropped_downloads, 1);
    // The next download is whole again.
    let r = t.get(&format!("{CRM}/{id}")).await;
    assert_eq!(r.bytes().await.unwrap().len(), 1_000_000);
}

#[tokio::test]
async fn tokens_that_expire_early() {
    let t = T::new();
    t.emu.set_faults(FaultPlan {
        token_lifetime_secs: Some(1),
        ..Default::default()
    });
    let (_, v) = json(
        t.http
            .post(t.url("/oauth/v2/token"))
            .form(&[
                ("grant_type", "refresh_token"),
                ("client_id", zoho_emulator::CLIENT_ID),
                ("client_secret", zoho_emulator::CLIENT_SECRET),
                ("refresh_token", zoho_emulator::REFRESH_TOKEN),
            ])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(v["expires_in"], 1);
    let auth = format!("Zoho-oauthtoken {}", v["access_token"].as_str().unwrap());
    let list = || {
        t.http
            .get(t.url(LIST))
            .header("Authorization", &auth)
            .send()
    };
    assert_eq!(list().await.unwrap().status(), 204);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    expect_error(list().await.unwrap(), 401, "INVALID_TOKEN").await;
    assert_eq!(t.emu.stats().injected.expired_tokens, 1);
    // Expire everything by hand, the seeded token too.
    let r = t
        .http
        .post(t.url("/__emulator/tokens/expire"))
        .bearer_auth(t.emu.admin_token())
        .send()
        .await
        .unwrap();
    assert!(
        r.json::<serde_json::Value>().await.unwrap()["expired"]
            .as_u64()
            .unwrap()
            >= 2
    );
    expect_error(t.get(LIST).await, 401, "INVALID_TOKEN").await;
    assert_eq!(t.emu.stats().injected.expired_tokens, 2);
}

#[tokio::test]
async fn fault_plans_are_validated_and_readable() {
    let t = T::new();
    let r = t
        .http
        .put(t.url("/__emulator/faults"))
        .bearer_auth(t.emu.admin_token())
        .json(&json!({"fail_nxt": 1}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_client_error());
    t.admin_put_faults(json!({"delay_ms": 5})).await;
    let v: serde_json::Value = t
        .http
        .get(t.url("/__emulator/faults"))
        .bearer_auth(t.emu.admin_token())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["delay_ms"], 5);
    let r = t
        .http
        .delete(t.url("/__emulator/faults"))
        .bearer_auth(t.emu.admin_token())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let v: serde_json::Value = t
        .http
        .get(t.url("/__emulator/faults"))
        .bearer_auth(t.emu.admin_token())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["delay_ms"], 0);
}

#[tokio::test]
async fn an_upload_refused_early_still_gets_its_answer() {
    // The body is drained before an injected fault or an early error is sent, so a client that
    // is still sending reads the answer instead of a reset connection.
    let t = T::new();
    t.emu.set_faults(FaultPlan {
        fail_next: Some(FailNext {
            status: 429,
            count: 1,
            retry_after_secs: None,
        }),
        ..Default::default()
    });
    let r = t.post_file(CRM, "big.bin", vec![1u8; 2_000_000]).await;
    expect_error(r, 429, "TOO_MANY_REQUESTS").await;
    let r = t
        .http
        .post(t.url(CRM))
        .header("Authorization", "Zoho-oauthtoken 1000.not-a-token")
        .multipart(reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(vec![2u8; 2_000_000]).file_name("b.bin"),
        ))
        .send()
        .await
        .unwrap();
    expect_error(r, 401, "INVALID_TOKEN").await;
}
