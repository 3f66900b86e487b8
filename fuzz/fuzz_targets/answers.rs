//! Every operation's answer parser, and every download's head and small-body decisions, on one
//! answer: none may panic, whatever the status, headers and body.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zoho_core::ops::emails::DownloadEmailAttachment;
use zoho_core::ops::fields::{DownloadFieldAttachment, FieldName, GetFieldFiles, SetFieldFiles};
use zoho_core::ops::files::{GetFile, UploadFiles};
use zoho_core::ops::records::ListRecordIds;
use zoho_core::ops::{Attachments, Photo};
use zoho_core::{
    Api, AttachmentId, CrmVersion, Download, DownloadStart, FileId, ModuleName, Operation, RecordId,
};

fn all<O: Operation>(op: &O, resp: &zoho_core::http::Response<zoho_core::bytes::Bytes>) {
    let _ = op.response(resp.clone());
}

fn download<D: Download>(d: &D, resp: &zoho_core::http::Response<zoho_core::bytes::Bytes>) {
    let (parts, body) = resp.clone().into_parts();
    match d.start(&parts) {
        Ok(DownloadStart::Stream(head)) => {
            let _ = head.safe_file_name("download");
        }
        Ok(DownloadStart::ReadBody) => {
            let _ = d.small_body(zoho_core::http::Response::from_parts(parts, body));
        }
        Err(_) => {}
    }
}

fuzz_target!(|data: &[u8]| {
    let resp = zoho_fuzz::answer(data);
    for (api, module) in [(Api::CRM, "Leads"), (Api::BIGIN, "Contacts")] {
        let (Ok(att), Ok(photo)) = (
            Attachments::parse(api, module, "4150868000002728001"),
            Photo::parse(api, module, "4150868000002728001"),
        ) else {
            return;
        };
        let (Ok(id), Ok(other)) = (
            AttachmentId::new("4150868000002728012"),
            AttachmentId::new("4150868000002728013"),
        ) else {
            return;
        };
        all(&att.list(), &resp);
        all(&att.upload("a.txt", 3), &resp);
        all(&att.upload_link("https://www.zoho.com/"), &resp);
        all(&att.delete(id.clone()), &resp);
        if let Ok(batches) = att.delete_many([id.clone(), other]).batches() {
            for b in &batches {
                all(b, &resp);
            }
        }
        download(&att.download(id), &resp);
        all(&photo.upload("face.png", 3), &resp);
        all(&photo.delete(), &resp);
        download(&photo.download(), &resp);
        if let Ok(m) = ModuleName::new(module) {
            all(&ListRecordIds::new(api, m), &resp);
        }
    }
    all(
        &UploadFiles::new(CrmVersion::V8)
            .file("a.txt", 5)
            .file("b.txt", 5),
        &resp,
    );
    let (Ok(f), Ok(m), Ok(r), Ok(field), Ok(id)) = (
        FileId::new("b2f4c0e6a1d94c7f9e2b5a8d3c6f1e0a"),
        ModuleName::new("Leads"),
        RecordId::new("4150868000002728001"),
        FieldName::new("File_Upload"),
        AttachmentId::new("4150868000002728099"),
    ) else {
        return;
    };
    download(&GetFile::new(CrmVersion::V8, f.clone()), &resp);
    let v = CrmVersion::V8;
    download(
        &DownloadFieldAttachment::new(v, m.clone(), r.clone(), id.clone()),
        &resp,
    );
    if let Ok(e) =
        DownloadEmailAttachment::new(v, m.clone(), r.clone(), r.clone(), "c6085fae", "1", "q.pdf")
    {
        download(&e, &resp);
    }
    all(
        &GetFieldFiles::new(v, m.clone(), r.clone(), field.clone()),
        &resp,
    );
    all(
        &SetFieldFiles::new(v, m, r, field)
            .add_files([f])
            .remove_files([id]),
        &resp,
    );
});
