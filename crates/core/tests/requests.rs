//! Snapshots of every built request: method, URI, headers (token redacted), body with a fixed
//! boundary. Checked against zoho-api-facts: paths, query names, multipart part names.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{att, base, boundary, id, photo, render, render_plain};
use zoho_core::auth::{Client, Grant, RevokeRequest, Secret, TokenRequest};
use zoho_core::ops::emails::DownloadEmailAttachment;
use zoho_core::ops::fields::{DownloadFieldAttachment, FieldName, GetFieldFiles, SetFieldFiles};
use zoho_core::ops::files::{GetFile, UploadFiles};
use zoho_core::{
    Api, BaseUrl, BiginVersion, CrmVersion, Download, FileId, ModuleName, Operation, RecordId,
};

fn op<O: Operation>(o: &O, sources: &[&[u8]]) -> String {
    render(o.request(&base()).unwrap(), sources)
}

fn dl<D: Download>(d: &D) -> String {
    render(d.request(&base()).unwrap(), &[])
}

/// The two products at their default versions, with the module each test uses.
fn products() -> [(&'static str, Api, &'static str); 2] {
    [
        ("crm", Api::CRM, "Leads"),
        ("bigin", Api::BIGIN, "Contacts"),
    ]
}

#[test]
fn list_attachments() {
    for (p, api, module) in products() {
        let a = att(api, module);
        insta::assert_snapshot!(format!("{p}_list_default"), op(&a.list(), &[]));
        let full = a
            .list()
            .fields(["id", "File_Name", "$link_url"])
            .page(2)
            .per_page(200)
            .ids([id("4150868000002728012"), id("4150868000002728013")])
            .if_modified_since("2019-07-25T15:26:49+05:30");
        insta::assert_snapshot!(format!("{p}_list_all_params"), op(&full, &[]));
    }
    // CRM v2: `fields` optional, so none is sent by default.
    let v2 = att(Api::Crm(CrmVersion::V2), "Leads").list().per_page(5);
    insta::assert_snapshot!("crm_v2_list_default", op(&v2, &[]));
    // CRM v8 page token.
    let v8 = att(Api::CRM, "Leads").list().page_token("c8582xx9e7f3");
    insta::assert_snapshot!("crm_v8_list_page_token", op(&v8, &[]));
    // Bigin v1.
    let b1 = att(Api::Bigin(BiginVersion::V1), "Deals").list();
    insta::assert_snapshot!("bigin_v1_list_default", op(&b1, &[]));
}

#[test]
fn upload_attachment() {
    for (p, api, module) in products() {
        let up = att(api, module)
            .upload("/home/me/Q3 report \"final\".txt", 11)
            .boundary(boundary());
        insta::assert_snapshot!(format!("{p}_upload_file"), op(&up, &[b"hello world"]));
    }
}

#[test]
fn upload_link() {
    for (p, api, module) in products() {
        let up = att(api, module)
            .upload_link("https://www.zohocorp.com/?a=1&b=2")
            .title("Zoho & friends");
        insta::assert_snapshot!(format!("{p}_upload_link"), op(&up, &[]));
    }
    let v2 = att(Api::Crm(CrmVersion::V2), "Leads").upload_link("https://www.zohocorp.com");
    insta::assert_snapshot!("crm_v2_upload_link", op(&v2, &[]));
}

#[test]
fn download_and_delete_attachment() {
    for (p, api, module) in products() {
        let a = att(api, module);
        insta::assert_snapshot!(
            format!("{p}_download"),
            dl(&a.download(id("4150868000002728012")))
        );
        insta::assert_snapshot!(
            format!("{p}_delete_one"),
            op(&a.delete(id("4150868000002728012")), &[])
        );
    }
}

#[test]
fn delete_many_attachments_in_batches() {
    for (p, api, module) in products() {
        let ids = (12..17).map(|n| id(&format!("41508680000027280{n}")));
        let many = att(api, module).delete_many(ids).batch_size(3);
        let batches = many.batches().unwrap();
        assert_eq!(batches.len(), 2);
        assert_eq!(batches[0].ids().len(), 3);
        assert_eq!(batches[1].ids().len(), 2);
        let text: Vec<String> = batches.iter().map(|b| op(b, &[])).collect();
        insta::assert_snapshot!(format!("{p}_delete_many"), text.join("\n---\n"));
    }
}

#[test]
fn record_photo() {
    for (p, api, module) in products() {
        let ph = photo(api, module);
        // `restrict_triggers` is a CRM parameter; Bigin documents none.
        let up = ph
            .upload("face.PNG", 8)
            .restrict_workflow_triggers(p == "crm")
            .boundary(boundary());
        insta::assert_snapshot!(
            format!("{p}_photo_upload"),
            op(&up, &[b"\x89PNG\r\n\x1a\n"])
        );
        insta::assert_snapshot!(format!("{p}_photo_download"), dl(&ph.download()));
        insta::assert_snapshot!(format!("{p}_photo_delete"), op(&ph.delete(), &[]));
    }
}

#[test]
fn crm_file_store() {
    let up = UploadFiles::new(CrmVersion::V8)
        .file("a.txt", 5)
        .file_with_type("b.bin", 3, "application/octet-stream")
        .inline(true)
        .boundary(boundary());
    insta::assert_snapshot!("crm_files_upload", op(&up, &[b"hello", b"\x00\x01\x02"]));
    let get = GetFile::new(
        CrmVersion::V8,
        FileId::new("b2f4c0e6a1d94c7f9e2b5a8d3c6f1e0a").unwrap(),
    );
    insta::assert_snapshot!("crm_files_get", dl(&get));
}

#[test]
fn crm_record_files() {
    let (module, record) = (
        ModuleName::new("Leads").unwrap(),
        RecordId::new(common::RECORD).unwrap(),
    );
    let field = DownloadFieldAttachment::new(
        CrmVersion::V8,
        module.clone(),
        record.clone(),
        id("4150868000002728099"),
    );
    insta::assert_snapshot!("crm_field_attachment_download", dl(&field));
    // Every parameter percent-encoded: the name's space and `&`, the message id as given.
    let email = DownloadEmailAttachment::new(
        CrmVersion::V8,
        module,
        record,
        RecordId::new("4150868000000225013").unwrap(),
        "c6085fae06cbd7b7+5001fc3e1e/a",
        "4150868000002728100",
        "Q&A notes 1.pdf",
    )
    .unwrap();
    let text = dl(&email);
    assert!(text.contains("name=Q%26A"), "{text}");
    insta::assert_snapshot!("crm_email_attachment_download", text);
}

#[test]
fn crm_file_fields() {
    let (module, record) = (
        ModuleName::new("Leads").unwrap(),
        RecordId::new(common::RECORD).unwrap(),
    );
    let field = FieldName::new("File_Upload").unwrap();
    let get = GetFieldFiles::new(
        CrmVersion::V8,
        module.clone(),
        record.clone(),
        field.clone(),
    );
    insta::assert_snapshot!("crm_file_field_get", op(&get, &[]));
    // Zoho's documented `file_id` entries to add, the SDKs' `id` + `_delete` to remove.
    let set = SetFieldFiles::new(
        CrmVersion::V8,
        module.clone(),
        record.clone(),
        field.clone(),
    )
    .add_files([FileId::new("b2f4c0e6a1d94c7f9e2b5a8d3c6f1e0a").unwrap()])
    .remove_files([id("4150868000002728099")]);
    let text = op(&set, &[]);
    assert!(
        text.starts_with("PUT https://www.zohoapis.com/crm/v8/Leads/"),
        "{text}"
    );
    insta::assert_snapshot!("crm_file_field_set", text);
    assert!(!set.idempotent(), "adding a file twice adds it twice");
    let only_remove = SetFieldFiles::new(
        CrmVersion::V8,
        module.clone(),
        record.clone(),
        field.clone(),
    )
    .remove_files([id("4150868000002728099")]);
    assert!(only_remove.idempotent());
    let nothing = SetFieldFiles::new(CrmVersion::V8, module, record, field);
    assert!(nothing.request(&base()).is_err());
}

#[test]
fn oauth_requests() {
    let accounts = BaseUrl::new("https://accounts.zoho.eu").unwrap();
    let client = Client {
        id: "1000.CLIENTID".into(),
        secret: Secret::new("fake-client-5ecret"),
    };
    let grants = [
        (
            "oauth_refresh",
            Grant::RefreshToken(Secret::new("1000.fake-refresh.5ecret")),
        ),
        (
            "oauth_authorization_code",
            Grant::AuthorizationCode {
                code: Secret::new("1000.fake-code.5ecret"),
                redirect_uri: Some("https://example.com/callback".into()),
            },
        ),
        (
            "oauth_client_credentials",
            Grant::ClientCredentials {
                scope: "ZohoCRM.modules.ALL,ZohoCRM.files.READ".into(),
                soid: "ZohoCRM.10234695".into(),
            },
        ),
    ];
    for (name, grant) in grants {
        let req = TokenRequest {
            accounts: accounts.clone(),
            client: client.clone(),
            grant,
        }
        .request()
        .unwrap();
        let uri = req.uri().to_string();
        for s in common::SECRETS {
            assert!(!uri.contains(s), "a secret is in the URL: {uri}");
        }
        insta::assert_snapshot!(name, render_plain(req, &[]));
    }
    let revoke = RevokeRequest {
        accounts,
        token: Secret::new("1000.fake-refresh.5ecret"),
    }
    .request()
    .unwrap();
    assert!(!revoke.uri().to_string().contains("5ecret"));
    insta::assert_snapshot!("oauth_revoke", render_plain(revoke, &[]));
}
