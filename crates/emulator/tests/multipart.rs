//! Every part of a multipart upload is bounded: a second file where Zoho takes one, an eleventh
//! file in the file store, an over-long or a 33rd text field are refused with INVALID_DATA
//! naming the limit, nothing of the refused upload is kept, and `photo` is matched in any case,
//! as `Attachments` is.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{CRM_LEAD, T, json};
use reqwest::multipart::{Form, Part};

fn file(name: &str, data: &[u8]) -> Part {
    Part::bytes(data.to_vec()).file_name(name.to_owned())
}

async fn post(t: &T, path: &str, form: Form) -> (u16, serde_json::Value) {
    let r = t
        .http
        .post(t.url(path))
        .header("Authorization", t.auth())
        .multipart(form)
        .send()
        .await
        .unwrap();
    json(r).await
}

async fn attachments(t: &T) -> usize {
    let (s, v) = json(
        t.get(&format!(
            "/crm/v8/Leads/{CRM_LEAD}/Attachments?fields=id,File_Name"
        ))
        .await,
    )
    .await;
    if s == 204 {
        0
    } else {
        v["data"].as_array().map_or(0, Vec::len)
    }
}

#[tokio::test]
async fn a_second_file_part_is_refused_not_dropped() {
    let t = T::new();
    let before = attachments(&t).await;
    let path = format!("/crm/v8/Leads/{CRM_LEAD}/Attachments");
    let form = Form::new()
        .part("file", file("a.txt", b"A"))
        .part("file", file("b.txt", b"B"));
    let (s, v) = post(&t, &path, form).await;
    assert_eq!(s, 400, "{v}");
    assert_eq!(v["code"], "INVALID_DATA");
    assert_eq!(v["details"]["maximum_files"], 1);
    assert_eq!(attachments(&t).await, before, "the first file was not kept");
    let (s, v) = post(&t, &path, Form::new().part("file", file("a.txt", b"A"))).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(attachments(&t).await, before + 1);
}

#[tokio::test]
async fn the_file_store_takes_ten_files_and_refuses_eleven() {
    let t = T::new();
    let form = |n: usize| {
        (0..n).fold(Form::new(), |f, i| {
            f.part("file", file(&format!("f{i}.txt"), b"x"))
        })
    };
    let (s, v) = post(&t, "/crm/v8/files", form(10)).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["data"].as_array().unwrap().len(), 10);
    let (s, v) = post(&t, "/crm/v8/files", form(11)).await;
    assert_eq!(s, 400, "{v}");
    assert_eq!(v["details"]["maximum_files"], 10);
}

#[tokio::test]
async fn text_fields_are_bounded_in_length_and_number() {
    let t = T::new();
    let before = attachments(&t).await;
    let path = format!("/crm/v8/Leads/{CRM_LEAD}/Attachments");
    let max = zoho_emulator::MAX_TEXT_FIELD;
    // Just within: a link whose title is exactly the limit long.
    let link = |title: String| {
        Form::new()
            .text("attachmentUrl", "https://www.zoho.com/crm/")
            .text("title", title)
    };
    let (s, v) = post(&t, &path, link("t".repeat(max))).await;
    assert_eq!(s, 200, "{v}");
    // One byte more.
    let (s, v) = post(&t, &path, link("t".repeat(max + 1))).await;
    assert_eq!(s, 400, "{v}");
    assert_eq!(v["code"], "INVALID_DATA");
    assert_eq!(v["details"]["api_name"], "title");
    assert_eq!(v["details"]["maximum_length"], max);
    // A 4 MiB title behind a file: refused, the file not kept.
    let form = Form::new()
        .part("file", file("a.txt", b"A"))
        .text("title", "t".repeat(4 << 20));
    let (s, v) = post(&t, &path, form).await;
    assert_eq!(s, 400, "{v}");
    assert_eq!(v["details"]["api_name"], "title");
    let many = (0..33).fold(Form::new(), |f, i| f.text(format!("f{i}"), "v"));
    let (s, v) = post(&t, &path, many).await;
    assert_eq!(s, 400, "{v}");
    assert_eq!(v["details"]["maximum_fields"], 32);
    assert_eq!(
        attachments(&t).await,
        before + 1,
        "only the first link was kept"
    );
}

#[tokio::test]
async fn photo_is_matched_in_any_case_like_attachments() {
    let t = T::new();
    let png = b"\x89PNG\r\n\x1a\nrest".to_vec();
    let (s, v) = json(
        t.post_file(
            &format!("/crm/v8/Leads/{CRM_LEAD}/Photo"),
            "me.png",
            png.clone(),
        )
        .await,
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let r = t.get(&format!("/crm/v8/Leads/{CRM_LEAD}/PHOTO")).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap().as_ref(), png.as_slice());
    let r = t
        .get(&format!("/crm/v8/Leads/{CRM_LEAD}/attachments?fields=id"))
        .await;
    assert!(r.status().is_success(), "{}", r.status());
}
