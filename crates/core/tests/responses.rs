//! Snapshots of every parsed answer: each operation's success shape, 204/304, every documented
//! error code, a non-JSON 500, a mixed bulk delete, and token-endpoint errors sent with HTTP 200.
//! Key facts are also asserted directly, so a wrong snapshot accepted by mistake still fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::fmt::Debug;
use std::time::{Duration, SystemTime};

use common::{RECORD, att, id, load, photo};
use zoho_core::auth::{Client, Grant, RevokeRequest, Secret, TokenRequest};
use zoho_core::ops::attachments::{DeleteAttachments, DeleteOutcome};
use zoho_core::ops::emails::DownloadEmailAttachment;
use zoho_core::ops::fields::{DownloadFieldAttachment, FieldName, GetFieldFiles, SetFieldFiles};
use zoho_core::ops::files::{GetFile, UploadFiles};
use zoho_core::{
    Api, BaseUrl, CrmVersion, Download, DownloadStart, Error, ErrorCode, FileId, ModuleName,
    Operation, RecordId,
};

fn json<O: Operation>(op: &O, fixture: &str) -> String
where
    O::Output: Debug,
{
    format!("fixture: {fixture}\n{:#?}", op.response(load(fixture)))
}

fn download<D: Download>(d: &D, fixture: &str) -> String {
    let resp = load(fixture);
    let (parts, body) = resp.into_parts();
    let outcome = match d.start(&parts) {
        Ok(DownloadStart::Stream(head)) => {
            let name = head.safe_file_name("download");
            format!(
                "stream {head:#?}\nsafe name: {name}\nbody: {} bytes",
                body.len()
            )
        }
        Ok(DownloadStart::ReadBody) => {
            format!(
                "read body -> {:#?}",
                d.small_body(http::Response::from_parts(parts, body))
            )
        }
        Err(e) => format!("error -> {e:#?}\ndisplay: {e}"),
    };
    format!("fixture: {fixture}\n{outcome}")
}

fn err_display<T: Debug>(r: Result<T, Error>) -> String {
    r.unwrap_err().to_string()
}

const PRODUCTS: [(&str, Api, &str, &str); 2] = [
    ("crm", Api::CRM, "Leads", "crm"),
    ("bigin", Api::BIGIN, "Contacts", "bigin"),
];

#[test]
fn list() {
    for (p, api, module, dir) in PRODUCTS {
        let op = att(api, module).list();
        insta::assert_snapshot!(
            format!("{p}_list_ok"),
            json(&op, &format!("{dir}/list_ok.http"))
        );
        insta::assert_snapshot!(format!("{p}_list_204"), json(&op, "crm/list_204.http"));
        insta::assert_snapshot!(
            format!("{p}_list_err_invalid_module"),
            json(&op, &format!("{dir}/err_invalid_module.http"))
        );
    }
    let op = att(Api::CRM, "Leads").list();
    for f in [
        "list_v8_more",
        "list_304",
        "err_required_param_missing",
        "err_module_not_supported",
        "err_invalid_url_pattern",
        "err_oauth_scope_mismatch",
        "err_no_permission",
        "err_internal_error",
        "err_invalid_request_method",
        "err_authorization_failed",
        "err_invalid_token",
        "err_too_many_requests",
        "err_nonjson_500",
        "err_nonjson_502_empty",
        "err_success_shape_wrong",
    ] {
        insta::assert_snapshot!(format!("crm_list_{f}"), json(&op, &format!("crm/{f}.http")));
    }

    let page = op.response(load("crm/list_ok.http")).unwrap();
    assert_eq!(page.attachments.len(), 1);
    let a = &page.attachments[0];
    assert_eq!(a.id.as_str(), "4150868000002728012");
    assert_eq!(a.size, Some(362_207));
    assert_eq!(a.parent.as_ref().unwrap().id.as_deref(), Some(RECORD));
    assert_eq!(a.kind.as_deref(), Some("Attachment"));
    assert_eq!(
        a.created_by.as_ref().and_then(|u| u.email.as_deref()),
        Some("patricia.b@zylker.com")
    );
    assert_eq!(
        a.modified_by.as_ref().and_then(|u| u.id.as_deref()),
        Some("4150868000000225013")
    );
    assert_eq!(a.editable, Some(true));
    assert_eq!(a.state.as_deref(), Some("save"));
    // Every key of Zoho's item has a typed home; `other` keeps only unknown ones.
    assert!(a.other.is_empty(), "{:?}", a.other);
    let empty = op.response(load("crm/list_204.http")).unwrap();
    assert!(empty.attachments.is_empty() && !empty.not_modified);
    assert!(op.response(load("crm/list_304.http")).unwrap().not_modified);
    let e = op
        .response(load("crm/err_required_param_missing.http"))
        .unwrap_err();
    assert_eq!(e.code(), Some(&ErrorCode::RequiredParamMissing));
    assert_eq!(e.status().unwrap(), 400);
    match op
        .response(load("crm/err_success_shape_wrong.http"))
        .unwrap_err()
    {
        Error::Decode { path, .. } => assert_eq!(path, "data[0].id"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        op.response(load("crm/err_nonjson_500.http")).unwrap_err(),
        Error::UnexpectedResponse { status, .. } if status == 500
    ));
}

#[test]
fn upload_file_and_link() {
    for (p, api, module, _) in PRODUCTS {
        let a = att(api, module);
        let up = a.upload("a.txt", 3);
        insta::assert_snapshot!(format!("{p}_upload_ok"), json(&up, "crm/upload_ok.http"));
        insta::assert_snapshot!(
            format!("{p}_upload_err_file_size"),
            json(&up, "crm/err_file_size.http")
        );
        let link = a.upload_link("https://www.zoho.com");
        insta::assert_snapshot!(
            format!("{p}_upload_link_ok"),
            json(&link, "crm/upload_link_ok.http")
        );
        insta::assert_snapshot!(
            format!("{p}_upload_link_err_item"),
            json(&link, "crm/upload_item_error.http")
        );
    }
    let up = att(Api::CRM, "Leads").upload("a.txt", 3);
    for f in [
        "err_invalid_file_type",
        "err_invalid_data",
        "err_record_locked",
        "err_no_permission",
    ] {
        insta::assert_snapshot!(
            format!("crm_upload_{f}"),
            json(&up, &format!("crm/{f}.http"))
        );
    }
    assert_eq!(
        up.response(load("crm/upload_ok.http")).unwrap().id.as_str(),
        "738964000002118002"
    );
    let e = up.response(load("crm/err_file_size.http")).unwrap_err();
    assert_eq!(e.code(), Some(&ErrorCode::FileSizeMoreThanAllowedSize));
    assert_eq!(e.status().unwrap(), 415);
    // A success envelope without the new id is a decode error, not a success.
    let bad = common::parse_response(
        b"HTTP/1.1 200 OK\nContent-Type: application/json\n\n{\"data\":[{\"code\":\"SUCCESS\",\"details\":{},\"message\":\"ok\",\"status\":\"success\"}]}",
    )
    .unwrap();
    assert!(matches!(up.response(bad), Err(Error::Decode { .. })));
}

#[test]
fn download_attachment() {
    for (p, api, module, _) in PRODUCTS {
        let d = att(api, module).download(id("4150868000002728012"));
        insta::assert_snapshot!(
            format!("{p}_download_ok"),
            download(&d, "crm/download_ok.http")
        );
        insta::assert_snapshot!(
            format!("{p}_download_err_no_permission"),
            download(&d, "crm/err_no_permission.http")
        );
    }
    let d = att(Api::CRM, "Leads").download(id("4150868000002728012"));
    for f in [
        "download_quoted_apostrophe",
        "download_traversal",
        "download_json_file",
        "download_204",
        "err_invalid_data",
        "err_nonjson_500",
    ] {
        insta::assert_snapshot!(
            format!("crm_download_{f}"),
            download(&d, &format!("crm/{f}.http"))
        );
    }
    let (parts, _) = load("crm/download_ok.http").into_parts();
    match d.start(&parts).unwrap() {
        DownloadStart::Stream(h) => {
            assert_eq!(h.file_name.as_deref(), Some("résumé v2.pdf"));
            assert_eq!(h.content_length, Some(11));
        }
        other => panic!("{other:?}"),
    }
    let (parts, _) = load("crm/download_traversal.http").into_parts();
    match d.start(&parts).unwrap() {
        DownloadStart::Stream(h) => assert_eq!(h.safe_file_name("x"), "authorized_keys"),
        other => panic!("{other:?}"),
    }
    let (parts, _) = load("crm/download_204.http").into_parts();
    assert!(matches!(d.start(&parts), Err(Error::NoContent { .. })));
}

#[test]
fn delete_one() {
    for (p, api, module, dir) in PRODUCTS {
        let d = att(api, module).delete(id("2883756000000261017"));
        insta::assert_snapshot!(
            format!("{p}_delete_ok"),
            json(&d, &format!("{dir}/delete_ok.http"))
        );
        insta::assert_snapshot!(
            format!("{p}_delete_err_scope"),
            json(&d, &format!("{dir}/err_oauth_scope_mismatch.http"))
        );
        insta::assert_snapshot!(
            format!("{p}_delete_err_invalid_data"),
            json(&d, "crm/err_invalid_data.http")
        );
    }
    let d = att(Api::BIGIN, "Contacts").delete(id("2883756000000261017"));
    let e = d
        .response(load("bigin/err_oauth_scope_mismatch.http"))
        .unwrap_err();
    assert_eq!(e.code(), Some(&ErrorCode::OauthScopeMismatch));
    assert!(
        e.to_string()
            .contains("ZohoBigin.modules.attachments.DELETE")
    );
}

#[test]
fn delete_many() {
    let ids = [
        "4150868000002728012",
        "4150868000002728099",
        "4150868000002728013",
    ];
    for (p, api, module, _) in PRODUCTS {
        let many = att(api, module).delete_many(ids.map(id));
        let batch = many.batches().unwrap().remove(0);
        insta::assert_snapshot!(
            format!("{p}_delete_many_mixed"),
            json(&batch, "crm/delete_many_mixed.http")
        );
        insta::assert_snapshot!(
            format!("{p}_delete_many_all_failed"),
            json(&batch, "crm/delete_many_all_failed.http")
        );
        insta::assert_snapshot!(
            format!("{p}_delete_many_err_scope"),
            json(&batch, "crm/err_oauth_scope_mismatch.http")
        );
    }
    let many = att(Api::CRM, "Leads").delete_many(ids.map(id));
    let batch = many.batches().unwrap().remove(0);
    insta::assert_snapshot!(
        "crm_delete_many_err_nonjson_500",
        json(&batch, "crm/err_nonjson_500.http")
    );

    let r = batch.response(load("crm/delete_many_mixed.http")).unwrap();
    assert_eq!(r.iter().map(|x| x.id.as_str()).collect::<Vec<_>>(), ids);
    assert!(r[0].outcome.is_deleted());
    assert!(matches!(&r[1].outcome, DeleteOutcome::Failed(e) if e.code == ErrorCode::InvalidData));
    assert!(r[2].outcome.is_deleted());
    // All failed: two matched by id, the third by position.
    let r = batch
        .response(load("crm/delete_many_all_failed.http"))
        .unwrap();
    assert!(
        r.iter()
            .all(|x| matches!(x.outcome, DeleteOutcome::Failed(_)))
    );

    // Merging: batch 1 answered per id, batch 2 failed as a whole; every id keeps its outcome.
    let many = att(Api::CRM, "Leads")
        .delete_many(ids.map(id))
        .batch_size(2);
    let batches = many.batches().unwrap();
    let first = batches[0].response(load("crm/delete_many_mixed.http"));
    let second = batches[1].response(load("crm/err_too_many_requests.http"));
    let merged = DeleteAttachments::merge(batches.clone().into_iter().zip([first, second]));
    insta::assert_snapshot!("crm_delete_many_merged", format!("{merged:#?}"));
    assert_eq!(merged.len(), 3);
    assert!(merged[0].outcome.is_deleted());
    assert!(matches!(merged[1].outcome, DeleteOutcome::Failed(_)));
    assert!(
        matches!(&merged[2].outcome, DeleteOutcome::BatchFailed(e) if e.code() == Some(&ErrorCode::TooManyRequests))
    );
}

#[test]
fn record_photo() {
    for (p, api, module, _) in PRODUCTS {
        let ph = photo(api, module);
        let up = ph.upload("face.png", 8);
        insta::assert_snapshot!(
            format!("{p}_photo_upload_ok"),
            json(&up, "crm/photo_upload_ok.http")
        );
        insta::assert_snapshot!(
            format!("{p}_photo_upload_err_locked"),
            json(&up, "crm/err_record_locked.http")
        );
        insta::assert_snapshot!(
            format!("{p}_photo_download_ok"),
            download(&ph.download(), "crm/photo_download_ok.http")
        );
        insta::assert_snapshot!(
            format!("{p}_photo_download_204"),
            download(&ph.download(), "crm/download_204.http")
        );
        insta::assert_snapshot!(
            format!("{p}_photo_delete_ok"),
            json(&ph.delete(), "crm/photo_delete_ok.http")
        );
        insta::assert_snapshot!(
            format!("{p}_photo_delete_err_invalid_data"),
            json(&ph.delete(), "crm/err_photo_invalid_data.http")
        );
    }
    let ph = photo(Api::CRM, "Leads");
    assert_eq!(
        ph.delete()
            .response(load("crm/photo_delete_ok.http"))
            .unwrap()
            .message,
        "Photo deleted"
    );
    // The lenient reading: a data-array answer is read too.
    assert_eq!(
        ph.delete()
            .response(load("crm/delete_ok.http"))
            .unwrap()
            .code,
        "SUCCESS"
    );
    let e = ph
        .upload("f.png", 1)
        .response(load("crm/err_record_locked.http"))
        .unwrap_err();
    assert_eq!(e.code(), Some(&ErrorCode::RecordLocked));
}

#[test]
fn crm_file_store() {
    let up = UploadFiles::new(CrmVersion::V8)
        .file("a.txt", 5)
        .file("b.txt", 5);
    insta::assert_snapshot!("crm_files_upload_ok", json(&up, "crm/files_upload_ok.http"));
    insta::assert_snapshot!(
        "crm_files_upload_err",
        json(&up, "crm/files_err_failure.http")
    );
    let r = up.response(load("crm/files_upload_ok.http")).unwrap();
    assert_eq!(r[0].as_ref().unwrap().name, "a.txt");
    assert_eq!(r[1].as_ref().unwrap_err().code, ErrorCode::VirusDetected);
    let get = GetFile::new(
        CrmVersion::V8,
        FileId::new("b2f4c0e6a1d94c7f9e2b5a8d3c6f1e0a").unwrap(),
    );
    insta::assert_snapshot!("crm_files_get_ok", download(&get, "crm/files_get_ok.http"));
    insta::assert_snapshot!(
        "crm_files_get_err",
        download(&get, "crm/err_invalid_data.http")
    );
}

#[test]
fn record_files_answers() {
    let field = DownloadFieldAttachment::new(
        CrmVersion::V8,
        ModuleName::new("Leads").unwrap(),
        RecordId::new(RECORD).unwrap(),
        id("4150868000002728099"),
    );
    let ok = download(&field, "crm/field_download_ok.http");
    assert!(ok.contains("safe name: signed-contract.pdf"), "{ok}");
    insta::assert_snapshot!("crm_field_attachment_ok", ok);
    let missing = download(&field, "crm/err_fields_attachment_id_missing.http");
    assert!(missing.contains("RequiredParamMissing"), "{missing}");
    insta::assert_snapshot!("crm_field_attachment_err_missing_id", missing);
    let email = DownloadEmailAttachment::new(
        CrmVersion::V8,
        ModuleName::new("Leads").unwrap(),
        RecordId::new(RECORD).unwrap(),
        RecordId::new("4150868000000225013").unwrap(),
        "c6085fae06cbd7b7",
        "4150868000002728100",
        "quote 42.pdf",
    )
    .unwrap();
    // Typed `multipart/form-data` by Zoho's OpenAPI file: still the file's bytes, streamed.
    let ok = download(&email, "crm/email_download_ok.http");
    assert!(
        ok.starts_with("fixture: crm/email_download_ok.http\nstream"),
        "{ok}"
    );
    insta::assert_snapshot!("crm_email_attachment_ok", ok);
    insta::assert_snapshot!(
        "crm_email_attachment_err_invalid_data",
        download(&email, "crm/err_invalid_data.http")
    );
}

#[test]
fn file_field_answers() {
    let (module, record) = (
        ModuleName::new("Leads").unwrap(),
        RecordId::new(RECORD).unwrap(),
    );
    let get = |field: &str| {
        GetFieldFiles::new(
            CrmVersion::V8,
            module.clone(),
            record.clone(),
            FieldName::new(field).unwrap(),
        )
    };
    // The SDKs' file-upload entries: a size written for people is unknown, not an error.
    let files = get("File_Upload")
        .response(load("crm/record_file_field_ok.http"))
        .unwrap();
    assert_eq!(
        files[0].id.as_ref().unwrap().as_str(),
        "4150868000002728099"
    );
    assert_eq!((files[0].size, files[1].size), (Some(57), None));
    insta::assert_snapshot!(
        "crm_file_field_ok",
        json(&get("File_Upload"), "crm/record_file_field_ok.http")
    );
    // Image-upload entries download by `attachment_Id`.
    let images = get("Image_Upload")
        .response(load("crm/record_image_field_ok.http"))
        .unwrap();
    assert_eq!(
        images[0].id.as_ref().unwrap().as_str(),
        "4150868000002728101"
    );
    insta::assert_snapshot!(
        "crm_image_field_ok",
        json(&get("Image_Upload"), "crm/record_image_field_ok.http")
    );
    let empty = get("File_Upload").response(load("crm/record_field_empty.http"));
    assert_eq!(empty.unwrap(), vec![]);
    let absent = get("File_Upload").response(load("crm/record_field_not_files.http"));
    assert_eq!(absent.unwrap(), vec![]);
    let text = get("Last_Name").response(load("crm/record_field_not_files.http"));
    let e = err_display(text);
    assert!(e.contains("file-upload or image-upload"), "{e}");
    let set = SetFieldFiles::new(
        CrmVersion::V8,
        module,
        record,
        FieldName::new("File_Upload").unwrap(),
    )
    .add_files([FileId::new("b2f4c0e6a1d94c7f9e2b5a8d3c6f1e0a").unwrap()]);
    let ok = set.response(load("crm/record_update_ok.http")).unwrap();
    assert_eq!(
        ok.modified_time.as_deref(),
        Some("2026-12-02T10:00:00+05:30")
    );
    insta::assert_snapshot!("crm_set_field_ok", json(&set, "crm/record_update_ok.http"));
    // A refused field is Zoho's error, naming the field.
    let Err(Error::Api(e)) = set.response(load("crm/record_update_err_field.http")) else {
        panic!("expected Zoho's error");
    };
    assert_eq!(
        (e.code.clone(), e.field()),
        (ErrorCode::InvalidData, Some("File_Upload"))
    );
    insta::assert_snapshot!(
        "crm_set_field_err_field",
        json(&set, "crm/record_update_err_field.http")
    );
}

#[test]
fn oauth_answers() {
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let req = TokenRequest {
        accounts: BaseUrl::new("https://accounts.zoho.com").unwrap(),
        client: Client {
            id: "1000.ID".into(),
            secret: Secret::new("s"),
        },
        grant: Grant::RefreshToken(Secret::new("r")),
    };
    for f in [
        "token_ok",
        "token_ok_ms",
        "token_cc_ok",
        "token_err_invalid_client",
        "token_err_invalid_code",
        "token_err_access_denied",
        "token_err_shape",
    ] {
        let out = format!("{:#?}", req.response(load(&format!("oauth/{f}.http")), now));
        assert!(
            !out.contains("SECRET"),
            "{f}: a token leaked into Debug output:\n{out}"
        );
        insta::assert_snapshot!(format!("oauth_{f}"), out);
    }
    let t = req.response(load("oauth/token_ok.http"), now).unwrap();
    assert_eq!(t.access_token.expose(), "1000.access.SECRET");
    assert_eq!(t.api_domain.unwrap().as_str(), "https://www.zohoapis.eu");
    assert_eq!(t.expires_at, now + Duration::from_secs(3600));
    let t = req.response(load("oauth/token_ok_ms.http"), now).unwrap();
    assert_eq!(t.expires_in, Duration::from_secs(3600));
    let e = req
        .response(load("oauth/token_err_invalid_client.http"), now)
        .unwrap_err();
    assert!(matches!(&e, Error::OAuth(o) if o.error == "invalid_client" && o.status == 200));
    // Both causes, and the data centre that was asked.
    let text = e.to_string();
    assert!(
        text.contains("another data centre than us (https://accounts.zoho.com)"),
        "{text}"
    );
    assert!(
        text.contains("not enabled for that data centre in Zoho's API console"),
        "{text}"
    );
    let e = err_display(req.response(load("oauth/token_err_shape.http"), now));
    assert!(!e.contains("SECRET"), "{e}");

    let revoke = RevokeRequest {
        accounts: BaseUrl::new("https://accounts.zoho.com").unwrap(),
        token: Secret::new("r"),
    };
    insta::assert_snapshot!(
        "oauth_revoke_ok",
        format!("{:#?}", revoke.response(load("oauth/revoke_ok.http")))
    );
    insta::assert_snapshot!(
        "oauth_revoke_err",
        format!("{:#?}", revoke.response(load("oauth/revoke_err.http")))
    );
    assert!(revoke.response(load("oauth/revoke_ok.http")).is_ok());
}
