//! Prints the exact HTTP request the SDK sends for every files operation, for Zoho CRM and Zoho
//! Bigin, with the access token redacted. No network: the core only builds requests.
//!
//! Run: `cargo run -p zoho-core --example wire`

use zoho_core::auth::{Secret, authorize};
use zoho_core::ops::files::{GetFile, UploadFiles};
use zoho_core::ops::{Attachments, Photo};
use zoho_core::{
    Api, AttachmentId, BaseUrl, CrmVersion, Download, Error, FileId, ModuleName, Operation,
    RecordId,
};

fn show(
    title: &str,
    req: Result<http::Request<zoho_core::Body>, Error>,
    sources: Vec<&[u8]>,
) -> Result<(), Error> {
    let mut req = req?;
    authorize(&mut req, &Secret::new("1000.example-token"))?;
    let text = zoho_core::wire::to_text(&req, sources)
        .map_err(|e| Error::transport(zoho_core::TransportKind::Other, e))?;
    println!("── {title}\n{}\n", text.trim_end());
    Ok(())
}

fn main() -> Result<(), Error> {
    let base = BaseUrl::new("https://www.zohoapis.com")?;
    let record = RecordId::new("4150868000002728001")?;
    let attachment = AttachmentId::new("4150868000002728012")?;
    for (api, module, photo_module) in [
        (Api::CRM, "Leads", "Leads"),
        (Api::BIGIN, "Pipelines", "Contacts"),
    ] {
        println!("════════ {api}\n");
        let a = Attachments::new(api, ModuleName::new(module)?, record.clone());
        let p = Photo::new(api, ModuleName::new(photo_module)?, record.clone());
        show(
            "list attachments",
            a.list().per_page(50).request(&base),
            vec![],
        )?;
        show(
            "upload a file",
            a.upload("contract.txt", 13).request(&base),
            vec![b"signed: yes\r\n"],
        )?;
        show(
            "upload a link",
            a.upload_link("https://www.zoho.com")
                .title("Zoho")
                .request(&base),
            vec![],
        )?;
        show(
            "download",
            a.download(attachment.clone()).request(&base),
            vec![],
        )?;
        show(
            "delete one",
            a.delete(attachment.clone()).request(&base),
            vec![],
        )?;
        for batch in a
            .delete_many([
                attachment.clone(),
                AttachmentId::new("4150868000002728013")?,
            ])
            .batches()?
        {
            show("delete many", batch.request(&base), vec![])?;
        }
        show(
            "upload photo",
            p.upload("face.png", 4).request(&base),
            vec![b"\x89PNG"],
        )?;
        show("download photo", p.download().request(&base), vec![])?;
        show("delete photo", p.delete().request(&base), vec![])?;
    }
    println!("════════ Zoho CRM file store\n");
    show(
        "upload to the file store",
        UploadFiles::new(CrmVersion::V8)
            .file("notes.txt", 5)
            .request(&base),
        vec![b"notes"],
    )?;
    show(
        "get from the file store",
        GetFile::new(CrmVersion::V8, FileId::new("b2f4c0e6a1d9")?).request(&base),
        vec![],
    )?;
    Ok(())
}
