//! Every endpoint over real loopback HTTP, with plain reqwest (not zoho-core).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use serde_json::json;

const CRM: &str = "/crm/v8/Leads/5725767000000010001/Attachments";

#[tokio::test]
async fn attachment_lifecycle_crm_and_bigin() {
    let t = T::new();
    for (base, fields) in [
        (
            format!("/crm/v8/Leads/{CRM_LEAD}/Attachments"),
            "?fields=id,File_Name,Size,$link_url",
        ),
        (
            format!("/bigin/v2/Contacts/{BIGIN_CONTACT}/Attachments"),
            "",
        ),
        (
            "/crm/v2/Contacts/5725767000000030001/Attachments".to_owned(),
            "",
        ),
        (
            "/bigin/v1/Deals/5725768000000070001/Attachments".to_owned(),
            "",
        ),
    ] {
        // Empty: 204 with no body.
        let r = t.get(&format!("{base}{fields}")).await;
        assert_eq!(r.status(), 204, "{base}");
        assert!(r.bytes().await.unwrap().is_empty());

        // Upload a file.
        let (s, v) = json(
            t.post_file(&base, "contract – été.pdf", b"%PDF-1.4 hello".to_vec())
                .await,
        )
        .await;
        assert_eq!(s, 200, "{v}");
        let item = &v["data"][0];
        assert_eq!(item["code"], "SUCCESS");
        assert_eq!(item["status"], "success");
        assert_eq!(item["message"], "attachment uploaded successfully");
        let id = item["details"]["id"].as_str().unwrap().to_owned();
        assert_eq!(id.len(), 19);
        for k in ["Created_Time", "Modified_Time", "Created_By", "Modified_By"] {
            assert!(!item["details"][k].is_null(), "{k}");
        }

        // Upload a link as query parameters (Zoho's SDKs) and as form fields (the docs' curl).
        let (s, v) = json(
            t.http
                .post(t.url(&format!(
                    "{base}?attachmentUrl=https%3A%2F%2Fwww.zoho.com&title=Zoho"
                )))
                .header("Authorization", t.auth())
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(s, 200, "{v}");
        let link_id = v["data"][0]["details"]["id"].as_str().unwrap().to_owned();
        let form =
            reqwest::multipart::Form::new().text("attachmentUrl", "https://www.zohocorp.com");
        let (s, _) = json(
            t.http
                .post(t.url(&base))
                .header("Authorization", t.auth())
                .multipart(form)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(s, 200);

        // List: three, with Size as a string and the link's URL.
        let (s, v) = json(t.get(&format!("{base}{fields}")).await).await;
        assert_eq!(s, 200, "{v}");
        let data = v["data"].as_array().unwrap();
        assert_eq!(data.len(), 3);
        let file = data.iter().find(|a| a["id"] == id.as_str()).unwrap();
        assert_eq!(file["File_Name"], "contract – été.pdf");
        assert_eq!(file["Size"], "14");
        let link = data.iter().find(|a| a["id"] == link_id.as_str()).unwrap();
        assert_eq!(link["$link_url"], "https://www.zoho.com");
        assert_eq!(v["info"]["count"], 3);
        assert_eq!(v["info"]["more_records"], false);

        // Download: bytes, type, length, and an RFC 5987 name for the non-ASCII one.
        let r = t.get(&format!("{base}/{id}")).await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-length"], "14");
        let cd = r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            cd.contains("filename*=UTF-8''contract%20%E2%80%93%20%C3%A9t%C3%A9.pdf"),
            "{cd}"
        );
        assert_eq!(r.bytes().await.unwrap().as_ref(), b"%PDF-1.4 hello");

        // Delete one, then many with one unknown id answered per id.
        let (s, v) = json(t.delete(&format!("{base}/{link_id}")).await).await;
        assert_eq!(
            (s, &v["data"][0]["details"]["id"]),
            (200, &json!(link_id)),
            "{v}"
        );
        let list: Vec<String> = {
            let (_, v) = json(t.get(&format!("{base}{fields}")).await).await;
            v["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["id"].as_str().unwrap().to_owned())
                .collect()
        };
        let ids = format!("{},1234567890123456789", list.join(","));
        let (s, v) = json(t.delete(&format!("{base}?ids={ids}")).await).await;
        assert_eq!(s, 207, "{v}");
        let results = v["data"].as_array().unwrap();
        assert_eq!(results.len(), 3);
        assert!(results[..2].iter().all(|r| r["status"] == "success"));
        assert_eq!(results[2]["code"], "INVALID_DATA");
        assert_eq!(results[2]["details"]["id"], "1234567890123456789");
        assert_eq!(t.get(&format!("{base}{fields}")).await.status(), 204);
    }
}

#[tokio::test]
async fn bulk_delete_statuses() {
    let t = T::new();
    let mut ids = Vec::new();
    for i in 0..2 {
        let (_, v) = json(t.post_file(CRM, &format!("f{i}.txt"), vec![b'x'; 3]).await).await;
        ids.push(v["data"][0]["details"]["id"].as_str().unwrap().to_owned());
    }
    let (s, v) = json(t.delete(&format!("{CRM}?ids=1,2")).await).await;
    assert_eq!(s, 400, "all failed: {v}");
    assert!(
        v["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["status"] == "error")
    );
    let (s, _) = json(t.delete(&format!("{CRM}?ids={}", ids.join(","))).await).await;
    assert_eq!(s, 200, "all deleted");
    let many: Vec<String> = (0..101).map(|i| format!("{}", 1_000_000 + i)).collect();
    expect_error(
        t.delete(&format!("{CRM}?ids={}", many.join(","))).await,
        400,
        "INVALID_DATA",
    )
    .await;
    expect_error(t.delete(CRM).await, 400, "REQUIRED_PARAM_MISSING").await;
}

#[tokio::test]
async fn listing_pages_tokens_filters_and_if_modified_since() {
    let t = T::new();
    let mut ids = Vec::new();
    for i in 0..5 {
        let (_, v) = json(
            t.post_file(CRM, &format!("{i}.txt"), vec![b'a'; i + 1])
                .await,
        )
        .await;
        ids.push(v["data"][0]["details"]["id"].as_str().unwrap().to_owned());
    }
    // Page numbers.
    let (_, v) = json(t.get(&format!("{CRM}?fields=id&per_page=2&page=3")).await).await;
    assert_eq!(v["data"].as_array().unwrap().len(), 1);
    assert_eq!(v["info"]["page"], 3);
    assert_eq!(v["info"]["more_records"], false);
    assert_eq!(
        t.get(&format!("{CRM}?fields=id&per_page=2&page=4"))
            .await
            .status(),
        204
    );
    // v8 page tokens walk every item once.
    let mut seen = Vec::new();
    let mut url = format!("{CRM}?fields=id&per_page=2");
    loop {
        let (s, v) = json(t.get(&url).await).await;
        assert_eq!(s, 200, "{v}");
        seen.extend(
            v["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["id"].as_str().unwrap().to_owned()),
        );
        match v["info"]["next_page_token"].as_str() {
            Some(tok) => url = format!("{CRM}?fields=id&page_token={tok}"),
            None => break,
        }
    }
    assert_eq!(seen, ids);
    expect_error(
        t.get(&format!("{CRM}?fields=id&page_token=bogus")).await,
        400,
        "INVALID_DATA",
    )
    .await;
    // Field selection keeps id and only the fields asked, `$` fields too.
    let (_, v) = json(t.get(&format!("{CRM}?fields=Size")).await).await;
    let first = v["data"][0].as_object().unwrap();
    assert!(
        first.contains_key("Size") && first.contains_key("id") && !first.contains_key("File_Name")
    );
    assert!(!first.contains_key("$link_url"), "{first:?}");
    let (_, v) = json(t.get(&format!("{CRM}?fields=Size,$type")).await).await;
    assert_eq!(v["data"][0]["$type"], "Attachment", "{v}");
    // ids filter.
    let (_, v) = json(
        t.get(&format!("{CRM}?fields=id&ids={},{}", ids[1], ids[3]))
            .await,
    )
    .await;
    assert_eq!(v["data"].as_array().unwrap().len(), 2);
    // per_page bounds.
    expect_error(
        t.get(&format!("{CRM}?fields=id&per_page=201")).await,
        400,
        "INVALID_DATA",
    )
    .await;
    expect_error(
        t.get(&format!("{CRM}?fields=id&per_page=0")).await,
        400,
        "INVALID_DATA",
    )
    .await;
    // If-Modified-Since: 304 when nothing changed since, 200 when something did.
    let since = |t: &str| t.to_owned();
    let r = t
        .http
        .get(t.url(&format!("{CRM}?fields=id")))
        .header("Authorization", t.auth())
        .header("If-Modified-Since", since("2999-01-01T00:00:00+05:30"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 304);
    let r = t
        .http
        .get(t.url(&format!("{CRM}?fields=id")))
        .header("Authorization", t.auth())
        .header("If-Modified-Since", since("2019-07-25T15:26:49+05:30"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn record_photos_for_the_modules_each_product_allows() {
    let t = T::new();
    let png = b"\x89PNG\r\n\x1a\nrest-of-png".to_vec();
    for path in [
        format!("/crm/v8/Leads/{CRM_LEAD}/photo"),
        "/crm/v8/Deals/5725767000000040001/photo".to_owned(),
        "/crm/v8/CustomModule1/5725767000000210001/photo".to_owned(),
        format!("/bigin/v2/Contacts/{BIGIN_CONTACT}/photo"),
        "/bigin/v1/Products/5725768000000030001/photo".to_owned(),
    ] {
        assert_eq!(t.get(&path).await.status(), 204, "{path}: no photo yet");
        let (s, v) = json(
            t.post_file(
                &format!("{path}?restrict_triggers=workflow"),
                "me.png",
                png.clone(),
            )
            .await,
        )
        .await;
        assert_eq!(s, 200, "{path}: {v}");
        assert_eq!(
            v,
            json!({"code":"SUCCESS","details":{},"message":"photo uploaded successfully","status":"success"})
        );
        let r = t.get(&path).await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "image/png");
        assert_eq!(r.bytes().await.unwrap().as_ref(), png.as_slice());
        let (s, v) = json(t.delete(&path).await).await;
        assert_eq!(s, 200);
        assert_eq!(v["message"], "Photo deleted");
        assert_eq!(t.get(&path).await.status(), 204);
    }
    // Modules without photos.
    for path in [
        "/crm/v8/Tasks/5725767000000060001/photo",
        "/crm/v4/Deals/5725767000000040001/photo",
        "/bigin/v2/Pipelines/5725768000000090001/photo",
    ] {
        expect_error(t.get(path).await, 400, "INVALID_MODULE").await;
    }
    // Type and size.
    let v = expect_error(
        t.post_file(
            &format!("/crm/v8/Leads/{CRM_LEAD}/photo"),
            "me.png",
            b"%PDF".to_vec(),
        )
        .await,
        400,
        "INVALID_DATA",
    )
    .await;
    assert_eq!(v["message"], "The image format is invalid.");
    let mut big = b"\x89PNG\r\n\x1a\n".to_vec();
    big.resize(10 * 1024 * 1024 + 1, 0);
    expect_error(
        t.post_file(&format!("/crm/v8/Leads/{CRM_LEAD}/photo"), "big.png", big)
            .await,
        415,
        "FILE_SIZE_MORE_THAN_ALLOWED_SIZE",
    )
    .await;
}

#[tokio::test]
async fn file_store_upload_and_get() {
    let t = T::new();
    let form = reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"one".to_vec()).file_name("a.txt"),
        )
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"two!".to_vec()).file_name("b.txt"),
        );
    let (s, v) = json(
        t.http
            .post(t.url("/crm/v8/files?type=inline"))
            .header("Authorization", t.auth())
            .multipart(form)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let items = v["data"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[1]["details"]["name"], "b.txt");
    let id = items[1]["details"]["id"].as_str().unwrap();
    let r = t.get(&format!("/crm/v8/files?id={id}")).await;
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("b.txt")
    );
    assert_eq!(r.bytes().await.unwrap().as_ref(), b"two!");
    expect_error(t.get("/crm/v8/files?id=nope").await, 400, "INVALID_DATA").await;
    expect_error(t.get("/crm/v8/files").await, 400, "REQUIRED_PARAM_MISSING").await;
    // An attachment's $file_id is a file-store id.
    let (_, v) = json(t.post_file(CRM, "x.txt", b"same bytes".to_vec()).await).await;
    let att = v["data"][0]["details"]["id"].as_str().unwrap().to_owned();
    let (_, v) = json(t.get(&format!("{CRM}?fields=id,$file_id&ids={att}")).await).await;
    let file_id = v["data"][0]["$file_id"].as_str().unwrap().to_owned();
    let r = t.get(&format!("/crm/v8/files?id={file_id}")).await;
    assert_eq!(r.bytes().await.unwrap().as_ref(), b"same bytes");
    // Bigin has no file store.
    expect_error(
        t.get("/bigin/v2/files?id=x").await,
        404,
        "INVALID_URL_PATTERN",
    )
    .await;
}

#[tokio::test]
async fn users_and_org_answer_like_zoho() {
    let t = T::new();
    let (s, v) = json(t.get("/crm/v8/users?type=CurrentUser").await).await;
    assert_eq!(s, 200);
    assert!(v["users"][0]["email"].as_str().unwrap().contains('@'));
    let (s, v) = json(t.get("/crm/v8/org").await).await;
    assert_eq!(s, 200);
    assert_eq!(v["org"][0]["zgid"], zoho_emulator::ORG_ID);
}

#[tokio::test]
async fn admin_records_and_locking() {
    let t = T::new();
    let r = t
        .http
        .post(t.url("/__emulator/records"))
        .bearer_auth(t.emu.admin_token())
        .json(&json!({"product":"bigin","module":"pipelines"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let id = r.json::<serde_json::Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/bigin/v2/Pipelines/{id}/Attachments");
    assert_eq!(t.get(&path).await.status(), 204);
    let r = t
        .http
        .post(t.url("/__emulator/records/lock"))
        .bearer_auth(t.emu.admin_token())
        .json(&json!({"product":"bigin","module":"Pipelines","id":id}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    expect_error(
        t.post_file(&path, "a.txt", b"x".to_vec()).await,
        400,
        "RECORD_LOCKED",
    )
    .await;
    let (_, v) = json(
        t.http
            .get(t.url("/__emulator/records?product=bigin&module=Pipelines"))
            .bearer_auth(t.emu.admin_token())
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(
        v["records"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == id.as_str() && r["locked"] == true)
    );
    let r = t
        .http
        .post(t.url("/__emulator/records"))
        .bearer_auth(t.emu.admin_token())
        .json(&json!({"product":"crm","module":"Nope"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    // The library API does the same.
    let id = t.emu.add_record(Product::Crm, "Leads").unwrap();
    assert!(t.emu.set_locked(Product::Crm, "leads", &id, true));
    expect_error(
        t.delete(&format!("/crm/v8/Leads/{id}/photo")).await,
        400,
        "RECORD_LOCKED",
    )
    .await;
    assert!(!t.emu.set_locked(Product::Crm, "Leads", "1", true));
}

#[tokio::test]
async fn data_dir_keeps_uploads_across_a_restart() {
    let dir = std::env::temp_dir().join(format!("zoho-emulator-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let config = Config {
        data_dir: Some(dir.clone()),
        ..Config::default()
    };
    let id = {
        let t = T::with(config.clone());
        let (_, v) = json(t.post_file(CRM, "kept.bin", vec![7u8; 300_000]).await).await;
        v["data"][0]["details"]["id"].as_str().unwrap().to_owned()
    };
    // An upload killed mid-way left its part file: the next start removes it.
    std::fs::write(dir.join("blob-killed.part"), b"half").unwrap();
    let t = T::with(config);
    assert!(
        !dir.join("blob-killed.part").exists(),
        "stale part files are removed at start"
    );
    let r = t.get(&format!("{CRM}/{id}")).await;
    assert_eq!(r.status(), 200);
    let body = r.bytes().await.unwrap();
    assert_eq!(body.len(), 300_000);
    assert!(body.iter().all(|b| *b == 7));
    let (_, v) = json(t.delete(&format!("{CRM}/{id}")).await).await;
    assert_eq!(v["data"][0]["status"], "success");
    drop(t);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn it_listens_on_the_host_it_is_given() {
    // 127.0.0.2 is this machine too (Linux answers the whole 127/8), but not 127.0.0.1.
    let t = T::with(Config {
        host: "127.0.0.2".parse().unwrap(),
        ..Config::default()
    });
    assert!(
        t.emu.base_url().starts_with("http://127.0.0.2:"),
        "{}",
        t.emu.base_url()
    );
    let r = t
        .get(&format!("/crm/v8/Leads/{CRM_LEAD}/Attachments?fields=id"))
        .await;
    assert!(r.status().is_success());
    let port = t.emu.base_url().rsplit(':').next().unwrap().to_owned();
    let other = reqwest::get(format!("http://127.0.0.1:{port}/crm/v8/org")).await;
    assert!(other.is_err(), "not on 127.0.0.1");
}

#[tokio::test]
async fn a_modules_records_are_listed_by_page_and_page_token() {
    let t = T::new();
    let (s, v) = json(t.get("/crm/v8/Leads").await).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (400, Some("REQUIRED_PARAM_MISSING")),
        "{v}"
    );
    // Every Leads record, two at a time, through the cursors.
    let mut ids = Vec::new();
    let mut path = String::from("/crm/v8/Leads?fields=id,Last_Name&per_page=2");
    loop {
        let (s, v) = json(t.get(&path).await).await;
        assert_eq!(s, 200, "{v}");
        for r in v["data"].as_array().unwrap() {
            ids.push(r["id"].as_str().unwrap().to_owned());
            assert!(r.get("Last_Name").is_some());
        }
        match v["info"]["next_page_token"].as_str() {
            Some(tok) => path = format!("/crm/v8/Leads?fields=id,Last_Name&page_token={tok}"),
            None => break,
        }
    }
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert!(ids.len() >= 3 && unique.len() == ids.len(), "{ids:?}");
    assert!(ids.contains(&CRM_LEAD.to_owned()));
    // Bigin and older CRM versions page by number.
    let (s, v) = json(
        t.get("/bigin/v2/Contacts?fields=id&per_page=1&page=2")
            .await,
    )
    .await;
    assert_eq!((s, v["info"]["page"].as_u64()), (200, Some(2)), "{v}");
    let (s, _) = json(t.get("/crm/v8/Leads?fields=id&page=1&page_token=x").await).await;
    assert_eq!(s, 400, "page and page_token together");
    let (s, _) = json(t.get("/crm/v8/Nope?fields=id").await).await;
    assert_eq!(s, 400);
}
