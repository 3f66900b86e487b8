//! What the attachment operations answer with: attachments, pages, uploads, deletes.

use bytes::Bytes;
use http::Response;
use serde::Deserialize;

use crate::error::Error;
use crate::ids::AttachmentId;
use crate::response::ActionItem;

use crate::ops::lenient_u64;

/// A user reference: `{"name": ..., "id": ..., "email": ...}`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct UserRef {
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// User id.
    #[serde(default)]
    pub id: Option<String>,
    /// E-mail, when given.
    #[serde(default)]
    pub email: Option<String>,
}

/// The record an attachment belongs to: `{"name": ..., "id": ...}`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct ParentRef {
    /// The record's display name.
    #[serde(default)]
    pub name: Option<String>,
    /// The record id.
    #[serde(default)]
    pub id: Option<String>,
}

/// One attachment as listed. Only `id` is always present; the rest depends on `fields`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Attachment {
    /// The attachment id.
    pub id: AttachmentId,
    /// The file name (`null` for some link attachments).
    #[serde(rename = "File_Name", default)]
    pub file_name: Option<String>,
    /// Size in bytes (Zoho sends it as a string).
    #[serde(rename = "Size", default, deserialize_with = "lenient_u64")]
    pub size: Option<u64>,
    /// Creation time, ISO-8601 with offset.
    #[serde(rename = "Created_Time", default)]
    pub created_time: Option<String>,
    /// Last modification time, ISO-8601 with offset.
    #[serde(rename = "Modified_Time", default)]
    pub modified_time: Option<String>,
    /// Owner.
    #[serde(rename = "Owner", default)]
    pub owner: Option<UserRef>,
    /// The parent record.
    #[serde(rename = "Parent_Id", default)]
    pub parent: Option<ParentRef>,
    /// The module of the parent record.
    #[serde(rename = "$se_module", default)]
    pub module: Option<String>,
    /// The URL of a link attachment (`null` for files).
    #[serde(rename = "$link_url", default)]
    pub link_url: Option<String>,
    /// The file-store id of the file.
    #[serde(rename = "$file_id", default)]
    pub file_id: Option<String>,
    /// Every other field, as sent.
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

/// The `info` object of a list answer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct PageInfo {
    /// Page size used.
    #[serde(default, deserialize_with = "lenient_u64")]
    pub per_page: Option<u64>,
    /// Items on this page.
    #[serde(default, deserialize_with = "lenient_u64")]
    pub count: Option<u64>,
    /// This page's number.
    #[serde(default, deserialize_with = "lenient_u64")]
    pub page: Option<u64>,
    /// True when more pages follow.
    #[serde(default)]
    pub more_records: bool,
    /// v8: the cursor of the next page.
    #[serde(default)]
    pub next_page_token: Option<String>,
    /// v8: the cursor of the previous page.
    #[serde(default)]
    pub previous_page_token: Option<String>,
    /// v8: when the cursors expire.
    #[serde(default)]
    pub page_token_expiry: Option<String>,
}

/// One page of attachments.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AttachmentPage {
    /// The attachments (empty for HTTP 204 and 304).
    pub attachments: Vec<Attachment>,
    /// Paging information (absent for 204 and 304).
    pub info: Option<PageInfo>,
    /// True when the server answered 304 Not Modified to `If-Modified-Since`.
    pub not_modified: bool,
}

/// A successful upload: the new attachment's id and Zoho's details.
#[derive(Clone, Debug, PartialEq)]
pub struct Uploaded {
    /// The new attachment's id.
    pub id: AttachmentId,
    /// Zoho's message, e.g. `attachment uploaded successfully`.
    pub message: String,
    /// Zoho's details (`id`, `Created_Time`, `Created_By`, ...).
    pub details: serde_json::Value,
}

impl Uploaded {
    pub(super) fn from_item(item: ActionItem, resp: &Response<Bytes>) -> Result<Self, Error> {
        let id = item
            .detail_id()
            .and_then(|id| AttachmentId::new(id).ok())
            .ok_or_else(|| Error::Decode {
                status: resp.status(),
                path: String::from("data[0].details.id"),
                message: String::from("expected the new attachment's id"),
                body: resp.body().clone(),
            })?;
        Ok(Self {
            id,
            message: item.message,
            details: item.details,
        })
    }
}

/// A successful delete of one attachment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deleted {
    /// The id deleted.
    pub id: AttachmentId,
    /// Zoho's message, e.g. `record deleted`.
    pub message: String,
}
