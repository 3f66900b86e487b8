//! `GET /crm/{v}/{module}/{record}/actions/download_fields_attachment?fields_attachment_id=`:
//! the file in a record's file-upload or image-upload field, streamed.
//!
//! Zoho documents it for CRM (its v8 OpenAPI file `field_attachments.json`); Bigin documents no
//! such call, so only the CRM client offers it. `fields_attachment_id` is mandatory (without it
//! Zoho answers 400 `REQUIRED_PARAM_MISSING`); the OpenAPI file types the 200 body
//! `application/x-download`, and the body is streamed whatever its type says.

use http::{Method, Request};

use crate::api::{Api, CrmVersion};
use crate::base_url::BaseUrl;
use crate::body::Body;
use crate::error::Error;
use crate::ids::{AttachmentId, RecordId};
use crate::module::ModuleName;
use crate::operation::{Download, build};

/// Downloads the file of a record's file-upload (or image-upload) field, by the
/// `attachment_Id` the field's value carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DownloadFieldAttachment {
    version: CrmVersion,
    module: ModuleName,
    record: RecordId,
    id: AttachmentId,
}

impl DownloadFieldAttachment {
    /// The field attachment `id` of `record` in `module`.
    pub fn new(
        version: CrmVersion,
        module: ModuleName,
        record: RecordId,
        id: AttachmentId,
    ) -> Self {
        Self {
            version,
            module,
            record,
            id,
        }
    }
}

impl Download for DownloadFieldAttachment {
    fn request(&self, base: &BaseUrl) -> Result<Request<Body>, Error> {
        let uri = base.join(
            &Api::Crm(self.version).prefix(),
            &[
                self.module.as_str(),
                self.record.as_str(),
                "actions",
                "download_fields_attachment",
            ],
            &[("fields_attachment_id", self.id.as_str())],
        )?;
        build(Method::GET, uri, Body::Empty)
    }

    fn what(&self) -> &'static str {
        "the field attachment"
    }
}
