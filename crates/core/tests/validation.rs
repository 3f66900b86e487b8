//! Bad input is a clear typed error raised by `request()`, before any byte could be sent.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::base;
use zoho_core::ops::files::UploadFiles;
use zoho_core::ops::{Attachments, Photo};
use zoho_core::{
    Api, AttachmentId, BiginVersion, CrmVersion, Error, InputError, Limits, ModuleName, Operation,
    RecordId,
};

fn att(api: Api, module: &str) -> Attachments {
    Attachments::new(
        api,
        ModuleName::new(module).unwrap(),
        RecordId::new("1").unwrap(),
    )
}

fn photo(api: Api, module: &str) -> Photo {
    Photo::new(
        api,
        ModuleName::new(module).unwrap(),
        RecordId::new("1").unwrap(),
    )
}

fn input_err<O: Operation>(op: &O) -> InputError {
    match op.request(&base()) {
        Err(Error::Input(e)) => e,
        Err(other) => panic!("expected an input error, got {other:?}"),
        Ok(req) => panic!("expected an input error, got a request to {}", req.uri()),
    }
}

const MB: u64 = 1_000_000;

#[test]
fn attachment_limits() {
    let a = att(Api::CRM, "Leads");
    assert!(a.upload("big.bin", 100 * MB).request(&base()).is_ok());
    let e = input_err(&a.upload("big.bin", 100 * MB + 1));
    assert!(
        matches!(e, InputError::FileTooLarge { size, limit, .. } if size == 100 * MB + 1 && limit == 100 * MB)
    );
    assert_eq!(
        e.to_string(),
        "`big.bin` is 100000001 bytes, over the 100000000-byte limit for attachments"
    );
    let e = input_err(&a.upload("/tmp/setup.EXE", 10));
    assert_eq!(
        e.to_string(),
        "`setup.EXE` cannot be uploaded: Zoho refuses `.exe` files as attachments"
    );
    // Limits are configuration.
    let relaxed = Limits {
        attachment_max_bytes: 200 * MB,
        blocked_extensions: vec![],
        ..Limits::default()
    };
    assert!(
        a.upload("setup.exe", 150 * MB)
            .limits(relaxed)
            .request(&base())
            .is_ok()
    );
    let strict = Limits {
        blocked_extensions: vec!["bat".into()],
        ..Limits::default()
    };
    assert!(matches!(
        input_err(&a.upload("x.BAT", 1).limits(strict)),
        InputError::BlockedFileType { .. }
    ));
    assert!(matches!(
        input_err(&a.upload("dir/", 1)),
        InputError::InvalidFileName { .. }
    ));
    assert!(matches!(
        input_err(&a.upload("x.txt", 1).content_type("bad\r\nX: y")),
        InputError::Invalid { .. }
    ));
    // Bigin gets the same checks.
    assert!(matches!(
        input_err(&att(Api::BIGIN, "Contacts").upload("a.exe", 1)),
        InputError::BlockedFileType { .. }
    ));
    // Trailing dots and spaces, which Windows drops, do not hide an .exe.
    for name in ["a.exe.", "a.EXE ", "a.exe. ."] {
        assert!(
            matches!(
                input_err(&a.upload(name, 1)),
                InputError::BlockedFileType { .. }
            ),
            "{name}"
        );
    }
}

#[test]
fn photo_limits() {
    for api in [Api::CRM, Api::BIGIN] {
        let p = photo(api, "Contacts");
        assert!(p.upload("me.jpeg", 10 * MB).request(&base()).is_ok());
        let e = input_err(&p.upload("me.jpeg", 10 * MB + 1));
        assert!(
            matches!(e, InputError::FileTooLarge { limit, .. } if limit == 10 * MB),
            "{e}"
        );
        for bad in ["me.webp", "me.svg", "me", "me.pdf"] {
            let e = input_err(&p.upload(bad, 1));
            assert!(
                matches!(e, InputError::UnsupportedImageType { .. }),
                "{bad}: {e}"
            );
            assert!(e.to_string().contains("PNG, JPEG, GIF and BMP"));
        }
        for ok in ["a.png", "a.JPG", "a.jpeg", "a.gif", "a.bmp"] {
            assert!(p.upload(ok, 1).request(&base()).is_ok(), "{ok}");
        }
    }
}

#[test]
fn modules_that_do_not_support_the_operation() {
    // Photos: CRM allows Leads and custom modules; Bigin allows Contacts, Accounts, Products only.
    assert!(photo(Api::CRM, "Leads").delete().request(&base()).is_ok());
    assert!(
        photo(Api::CRM, "Sales_Team__c")
            .delete()
            .request(&base())
            .is_ok()
    );
    assert!(matches!(
        input_err(&photo(Api::CRM, "Tasks").delete()),
        InputError::UnsupportedModule { .. }
    ));
    assert!(matches!(
        input_err(&photo(Api::BIGIN, "Pipelines").delete()),
        InputError::UnsupportedModule { .. }
    ));
    assert!(matches!(
        input_err(&photo(Api::BIGIN, "Leads").upload("a.png", 1)),
        InputError::UnsupportedModule { .. }
    ));
    // Attachments by version.
    assert!(matches!(
        input_err(&att(Api::Crm(CrmVersion::V2), "Calls").list()),
        InputError::UnsupportedModule { .. }
    ));
    assert!(
        att(Api::Crm(CrmVersion::V2_1), "Calls")
            .list()
            .request(&base())
            .is_ok()
    );
    assert!(matches!(
        input_err(&att(Api::CRM, "Users").upload("a.txt", 1)),
        InputError::UnsupportedModule { .. }
    ));
    assert!(matches!(
        input_err(&att(Api::BIGIN, "Deals").list()),
        InputError::UnsupportedModule { .. }
    ));
    assert!(
        att(Api::Bigin(BiginVersion::V1), "Deals")
            .list()
            .request(&base())
            .is_ok()
    );
}

#[test]
fn list_parameters() {
    let a = att(Api::CRM, "Leads");
    assert!(matches!(
        input_err(&a.list().per_page(0)),
        InputError::OutOfRange { .. }
    ));
    assert!(matches!(
        input_err(&a.list().per_page(201)),
        InputError::OutOfRange { .. }
    ));
    assert!(a.list().per_page(200).request(&base()).is_ok());
    assert!(matches!(
        input_err(&a.list().page(0)),
        InputError::OutOfRange { .. }
    ));
    assert!(matches!(
        input_err(&a.list().fields(["File Name"])),
        InputError::Invalid { .. }
    ));
    assert!(matches!(
        input_err(&a.list().if_modified_since("yesterday")),
        InputError::Invalid { .. }
    ));
    let v2 = att(Api::Crm(CrmVersion::V2), "Leads");
    let e = input_err(&v2.list().ids([AttachmentId::new("5").unwrap()]));
    assert!(
        matches!(e, InputError::UnsupportedParameter { param: "ids", .. }),
        "{e}"
    );
    let v7 = att(Api::Crm(CrmVersion::V7), "Leads");
    assert!(matches!(
        input_err(&v7.list().page_token("t")),
        InputError::UnsupportedParameter {
            param: "page_token",
            ..
        }
    ));
    assert!(matches!(
        input_err(&att(Api::BIGIN, "Contacts").list().page_token("t")),
        InputError::UnsupportedParameter { .. }
    ));
}

#[test]
fn link_parameters() {
    let a = att(Api::CRM, "Leads");
    for bad in [
        "",
        "www.zoho.com",
        "ftp://zoho.com",
        "https://",
        "https:///path",
        "https://zoho.com/a b",
        "javascript:alert(1)",
    ] {
        assert!(
            matches!(input_err(&a.upload_link(bad)), InputError::Invalid { .. }),
            "{bad:?}"
        );
    }
    let long = format!("https://zoho.com/{}", "a".repeat(2100));
    assert!(matches!(
        input_err(&a.upload_link(long)),
        InputError::Invalid { .. }
    ));
    let v2 = att(Api::Crm(CrmVersion::V2_1), "Leads");
    assert!(matches!(
        input_err(&v2.upload_link("https://zoho.com").title("t")),
        InputError::UnsupportedParameter { param: "title", .. }
    ));
    assert!(matches!(
        input_err(&a.upload_link("https://zoho.com").title("  ")),
        InputError::Invalid { .. }
    ));
}

#[test]
fn empty_lists() {
    let a = att(Api::CRM, "Leads");
    let e = a
        .delete_many(Vec::<AttachmentId>::new())
        .batches()
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "the list of attachment ids to delete is empty: give at least one"
    );
    assert!(matches!(
        input_err(&UploadFiles::new(CrmVersion::V8)),
        InputError::Empty { .. }
    ));
    // Repeated ids are sent once.
    let ids = ["7", "7", "8"].map(|s| AttachmentId::new(s).unwrap());
    let batches = a.delete_many(ids).batches().unwrap();
    assert_eq!(batches[0].ids().len(), 2);
}

#[test]
fn file_store_limits() {
    let up = UploadFiles::new(CrmVersion::V8)
        .file("a.txt", 20 * MB)
        .file("b.txt", 20 * MB + 1);
    let e = input_err(&up);
    assert!(
        matches!(e, InputError::FileTooLarge { ref name, .. } if name == "b.txt"),
        "{e}"
    );
    assert!(matches!(
        input_err(&UploadFiles::new(CrmVersion::V8).file("x.exe", 1)),
        InputError::BlockedFileType { .. }
    ));
}

#[test]
fn typed_values_refuse_bad_text() {
    assert!(ModuleName::new("Leads/../Users").is_err());
    assert!(RecordId::new("123abc").is_err());
    assert!(AttachmentId::new("").is_err());
    assert!(zoho_core::BaseUrl::new("http://[::1]:8089").is_ok());
    assert!(zoho_core::BaseUrl::new("mailto:x@y").is_err());
    assert!(
        "mars"
            .parse::<zoho_core::DataCenter>()
            .unwrap_err()
            .to_string()
            .contains("us, eu")
    );
}

#[test]
fn download_size_and_completeness_checks() {
    use zoho_core::operation::{check_download_complete, check_download_size};
    assert!(check_download_size(10, None).is_ok());
    assert!(check_download_size(10, Some(10)).is_ok());
    assert!(matches!(
        check_download_size(11, Some(10)),
        Err(zoho_core::Error::DownloadTooLarge { limit: 10 })
    ));
    assert!(check_download_complete(7, None).is_ok());
    assert!(check_download_complete(7, Some(7)).is_ok());
    let cut = check_download_complete(5, Some(7)).unwrap_err();
    assert!(
        cut.to_string()
            .contains("after 5 bytes where 7 were expected"),
        "{cut}"
    );
    let long = check_download_complete(8, Some(7)).unwrap_err();
    assert!(long.to_string().contains("after 8 bytes where 7"), "{long}");
    // The length a body must have: its Content-Length, else the size the caller expects.
    let opts = zoho_core::DownloadOptions {
        expected_len: Some(7),
        ..Default::default()
    };
    let head = |len| zoho_core::DownloadHead {
        file_name: None,
        content_type: None,
        content_length: len,
    };
    assert_eq!(opts.length_of(&head(None)), Some(7));
    assert_eq!(opts.length_of(&head(Some(9))), Some(9));
    assert_eq!(
        zoho_core::DownloadOptions::default().length_of(&head(None)),
        None
    );
}
