//! A field attachment's and an email attachment's downloads as Zoho's OpenAPI files give them:
//! the seeded bytes with the documented content types, Zoho's errors for a missing parameter,
//! an unknown id and another method, and no such path in Bigin; and a file-upload field set
//! from the file store by a record update, read back, downloaded and emptied again.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{CRM_LEAD, LOCKED_LEAD, T, json as status_json};
use serde_json::{Value, json};

const MESSAGE: &str = "c6085fae06cbd7b75001fc3e1ea1e7dac4f6b6ad9f9c0f4b1a3e1c6d2b5a4f3e";

#[tokio::test]
async fn field_attachments() {
    let t = T::new();
    let base = format!("/crm/v8/Leads/{CRM_LEAD}/actions/download_fields_attachment");
    let r = t
        .get(&format!("{base}?fields_attachment_id=5725767000000500001"))
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/x-download");
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("signed-contract.pdf")
    );
    assert!(r.bytes().await.unwrap().starts_with(b"%PDF-1.4"));
    let (s, v) = status_json(t.get(&base).await).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (400, Some("REQUIRED_PARAM_MISSING")),
        "{v}"
    );
    assert_eq!(v["details"]["param"], "fields_attachment_id");
    let (s, v) = status_json(t.get(&format!("{base}?fields_attachment_id=1")).await).await;
    assert_eq!((s, v["code"].as_str()), (400, Some("INVALID_DATA")), "{v}");
    let (s, v) = status_json(t.delete(&format!("{base}?fields_attachment_id=1")).await).await;
    assert_eq!(v["code"], "INVALID_REQUEST_METHOD", "{s} {v}");
    let (s, _) = status_json(
        t.get("/bigin/v2/Contacts/5725768000000010001/actions/download_fields_attachment?fields_attachment_id=1")
            .await,
    )
    .await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn email_attachments() {
    let t = T::new();
    let base = format!("/crm/v8/Leads/{CRM_LEAD}/Emails/actions/download_attachments");
    let all = format!(
        "{base}?user_id=5725767000000000001&message_id={MESSAGE}&id=5725767000000600001&name=quote%2042.pdf"
    );
    let r = t.get(&all).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "multipart/form-data");
    assert!(
        r.bytes()
            .await
            .unwrap()
            .starts_with(b"%PDF-1.4\n% the quote")
    );
    for (drop, param) in [("user_id=", "user_id"), ("&name=", "name")] {
        let cut = all.replacen(drop, "&x=", 1);
        let (s, v) = status_json(t.get(&cut).await).await;
        assert_eq!(
            (s, v["code"].as_str()),
            (400, Some("REQUIRED_PARAM_MISSING")),
            "{cut}: {v}"
        );
        assert_eq!(v["details"]["param"], param);
    }
    let (s, v) = status_json(t.get(&all.replace("quote%2042", "other")).await).await;
    assert_eq!((s, v["code"].as_str()), (400, Some("INVALID_DATA")), "{v}");
    let (s, v) = status_json(t.get("/crm/v8/Leads/5725767000000010099/Emails/actions/download_attachments?user_id=1&message_id=m&id=1&name=n").await).await;
    assert_eq!(s, 400, "{v}");
}

async fn put(t: &T, path: &str, body: Value) -> (u16, Value) {
    let r = t
        .http
        .put(t.url(path))
        .header("Authorization", t.auth())
        .json(&body)
        .send()
        .await
        .unwrap();
    status_json(r).await
}

async fn store(t: &T, name: &str, data: &[u8]) -> String {
    let (s, v) = status_json(t.post_file("/crm/v8/files", name, data.to_vec()).await).await;
    assert_eq!(s, 200, "{v}");
    v["data"][0]["details"]["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn file_upload_fields_are_set_from_the_file_store() {
    let t = T::new();
    let rec = "/crm/v8/Leads/5725767000000010002";
    // A record starts with empty file fields.
    let (s, v) = status_json(
        t.get(&format!("{rec}?fields=File_Upload,Image_Upload"))
            .await,
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["data"][0]["id"], "5725767000000010002");
    assert!(v["data"][0]["File_Upload"].is_null(), "{v}");
    assert!(
        v["data"][0].get("Last_Name").is_none(),
        "only the fields asked: {v}"
    );
    // Zoho's documented entry and the SDKs' spelling both add a stored file.
    let (a, b) = (
        store(&t, "a.pdf", b"AAAA").await,
        store(&t, "b.png", b"BB").await,
    );
    let body = json!({ "data": [{
        "File_Upload": [{ "file_id": a }],
        "Image_Upload": [{ "File_Id__s": b }],
    }]});
    let (s, v) = put(&t, rec, body).await;
    assert_eq!(
        (s, v["data"][0]["code"].as_str()),
        (200, Some("SUCCESS")),
        "{v}"
    );
    assert_eq!(v["data"][0]["details"]["id"], "5725767000000010002");
    let (_, v) = status_json(t.get(rec).await).await;
    let file = &v["data"][0]["File_Upload"][0];
    assert_eq!(
        (file["File_Name__s"].as_str(), file["Size__s"].as_str()),
        (Some("a.pdf"), Some("4"))
    );
    assert_eq!(file["File_Id__s"], a.as_str());
    let image = &v["data"][0]["Image_Upload"][0];
    assert_eq!(
        (image["file_Name"].as_str(), image["extn"].as_str()),
        (Some("b.png"), Some("png"))
    );
    let entry = file["id"].as_str().unwrap().to_owned();
    let r = t
        .get(&format!(
            "{rec}/actions/download_fields_attachment?fields_attachment_id={entry}"
        ))
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap().as_ref(), b"AAAA");
    // A stored file goes in one field entry only; an unknown one names the field and entry,
    // and nothing of that update is kept.
    let c = store(&t, "c.txt", b"C").await;
    let body = json!({ "data": [{ "File_Upload": [{ "file_id": c }, { "file_id": a }] }]});
    let (s, v) = put(&t, rec, body).await;
    assert_eq!(
        (s, v["data"][0]["code"].as_str()),
        (400, Some("INVALID_DATA")),
        "{v}"
    );
    assert_eq!(v["data"][0]["details"]["api_name"], "File_Upload");
    assert_eq!(
        v["data"][0]["details"]["json_path"],
        "$.data[0].File_Upload[1].file_id"
    );
    let (_, v) = status_json(t.get(rec).await).await;
    assert_eq!(
        v["data"][0]["File_Upload"].as_array().unwrap().len(),
        1,
        "{v}"
    );
    let (s, v) = put(&t, rec, json!({ "data": [{ "File_Upload": "x" }]})).await;
    assert_eq!(
        (s, v["data"][0]["details"]["api_name"].as_str()),
        (400, Some("File_Upload")),
        "{v}"
    );
    // `_delete` removes the entry; the field reads as empty again.
    let body = json!({ "data": [{ "File_Upload": [{ "id": entry, "_delete": null }] }]});
    let (s, v) = put(&t, rec, body).await;
    assert_eq!(s, 200, "{v}");
    let (_, v) = status_json(t.get(rec).await).await;
    assert!(v["data"][0]["File_Upload"].is_null(), "{v}");
    let (s, v) = put(
        &t,
        rec,
        json!({ "data": [{ "File_Upload": [{ "id": entry, "_delete": null }] }]}),
    )
    .await;
    assert_eq!(s, 400, "{v}");
    // A locked record, a body that is not one record, an unknown record.
    let locked = format!("/crm/v8/Leads/{LOCKED_LEAD}");
    let (s, v) = put(
        &t,
        &locked,
        json!({ "data": [{ "File_Upload": [{ "file_id": c }] }]}),
    )
    .await;
    assert_eq!((s, v["code"].as_str()), (400, Some("RECORD_LOCKED")), "{v}");
    let (s, v) = put(&t, rec, json!({ "data": [] })).await;
    assert_eq!((s, v["code"].as_str()), (400, Some("INVALID_DATA")), "{v}");
    let (s, _) = status_json(t.get("/crm/v8/Leads/5725767000000010099").await).await;
    assert_eq!(s, 400);
    // The seeded file-upload field shows in the record, with the id its download takes.
    let (_, v) = status_json(t.get(&format!("/crm/v8/Leads/{CRM_LEAD}")).await).await;
    assert_eq!(
        v["data"][0]["File_Upload"][0]["id"], "5725767000000500001",
        "{v}"
    );
    assert_eq!(
        v["data"][0]["File_Upload"][0]["File_Name__s"],
        "signed-contract.pdf"
    );
}
