//! A field attachment's and an email attachment's downloads as Zoho's OpenAPI files give them:
//! the seeded bytes with the documented content types, Zoho's errors for a missing parameter,
//! an unknown id and another method, and no such path in Bigin.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{CRM_LEAD, T, json};

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
    let (s, v) = json(t.get(&base).await).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (400, Some("REQUIRED_PARAM_MISSING")),
        "{v}"
    );
    assert_eq!(v["details"]["param"], "fields_attachment_id");
    let (s, v) = json(t.get(&format!("{base}?fields_attachment_id=1")).await).await;
    assert_eq!((s, v["code"].as_str()), (400, Some("INVALID_DATA")), "{v}");
    let (s, v) = json(t.delete(&format!("{base}?fields_attachment_id=1")).await).await;
    assert_eq!(v["code"], "INVALID_REQUEST_METHOD", "{s} {v}");
    let (s, _) = json(
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
        let (s, v) = json(t.get(&cut).await).await;
        assert_eq!(
            (s, v["code"].as_str()),
            (400, Some("REQUIRED_PARAM_MISSING")),
            "{cut}: {v}"
        );
        assert_eq!(v["details"]["param"], param);
    }
    let (s, v) = json(t.get(&all.replace("quote%2042", "other")).await).await;
    assert_eq!((s, v["code"].as_str()), (400, Some("INVALID_DATA")), "{v}");
    let (s, v) = json(t.get("/crm/v8/Leads/5725767000000010099/Emails/actions/download_attachments?user_id=1&message_id=m&id=1&name=n").await).await;
    assert_eq!(s, 400, "{v}");
}
