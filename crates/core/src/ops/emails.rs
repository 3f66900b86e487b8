//! `GET /crm/{v}/{module}/{record}/Emails/actions/download_attachments`: an attachment of an
//! email sent from or to a record, streamed.
//!
//! Zoho documents it for CRM (its v8 OpenAPI file `download_attachments.json`) with four
//! mandatory parameters: `user_id` (the mailbox's user), `message_id` (the email),
//! `id` (the attachment) and `name` (its file name). Bigin documents no such call. The OpenAPI
//! file types the 200 body `multipart/form-data`; it is the file's bytes, streamed as they come.

use http::{Method, Request};

use crate::api::{Api, CrmVersion};
use crate::base_url::BaseUrl;
use crate::body::Body;
use crate::error::{Error, InputError, printable};
use crate::ids::RecordId;
use crate::module::ModuleName;
use crate::operation::{Download, build};

/// Downloads one attachment of one email of a record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DownloadEmailAttachment {
    version: CrmVersion,
    module: ModuleName,
    record: RecordId,
    user_id: RecordId,
    message_id: String,
    id: String,
    name: String,
}

/// A text parameter Zoho gives back as it is (a message id, an attachment id or name):
/// non-empty, at most 500 bytes, no control characters.
fn token(what: &'static str, value: &str) -> Result<String, InputError> {
    let bad = |why| InputError::Invalid {
        what,
        value: printable(value),
        why,
    };
    if value.trim().is_empty() {
        return Err(bad("it is empty: give the value from the email's details"));
    }
    if value.len() > 500 {
        return Err(bad("it is longer than 500 bytes"));
    }
    if value.chars().any(char::is_control) {
        return Err(bad("it contains control characters"));
    }
    Ok(value.to_owned())
}

impl DownloadEmailAttachment {
    /// Attachment `id` named `name` of email `message_id` in `user_id`'s mailbox, on `record`
    /// of `module`: every one as the email's details give it.
    pub fn new(
        version: CrmVersion,
        module: ModuleName,
        record: RecordId,
        user_id: RecordId,
        message_id: &str,
        id: &str,
        name: &str,
    ) -> Result<Self, InputError> {
        Ok(Self {
            version,
            module,
            record,
            user_id,
            message_id: token("email message id", message_id)?,
            id: token("email attachment id", id)?,
            name: token("email attachment name", name)?,
        })
    }

    /// The attachment's name as given, for a file name when the answer names none.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Download for DownloadEmailAttachment {
    fn request(&self, base: &BaseUrl) -> Result<Request<Body>, Error> {
        let uri = base.join(
            &Api::Crm(self.version).prefix(),
            &[
                self.module.as_str(),
                self.record.as_str(),
                "Emails",
                "actions",
                "download_attachments",
            ],
            &[
                ("user_id", self.user_id.as_str()),
                ("message_id", &self.message_id),
                ("id", &self.id),
                ("name", &self.name),
            ],
        )?;
        build(Method::GET, uri, Body::Empty)
    }

    fn what(&self) -> &'static str {
        "the email attachment"
    }
}
