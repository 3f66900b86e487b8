//! Attachments of a record: list, upload a file or a link, download, delete one or many.
//!
//! Paths (CRM and Bigin alike): `{prefix}/{module}/{record_id}/Attachments[/{attachment_id}]`,
//! where the prefix is `/crm/{v}` or `/bigin/{v}` (zoho-api-facts §1, §3.2).

mod delete;
mod delete_many;
mod download;
mod link;
mod list;
mod models;
mod upload;

pub use delete::DeleteAttachment;
pub use delete_many::{DeleteAttachments, DeleteAttachmentsBatch, DeleteOutcome, DeleteResult};
pub use download::DownloadAttachment;
pub use link::UploadLink;
pub use list::ListAttachments;
pub use models::{Attachment, AttachmentPage, Deleted, PageInfo, ParentRef, Uploaded, UserRef};
pub use upload::UploadAttachment;

/// The `fields` sent when the caller names none and the API requires some (CRM v3 and later,
/// and Bigin, whose rule is undocumented). Taken from Zoho's own sample
/// (`id,Owner,File_Name,Created_Time,Parent_Id`) plus the size and modification fields the v8
/// SDK models, and `$link_url`, `$type` and `$file_id`, without which a link cannot be told
/// from a file ([`Attachment::link_url`], [`Attachment::file_id`]).
pub const DEFAULT_FIELDS: &[&str] = &[
    "id",
    "File_Name",
    "Size",
    "Created_Time",
    "Modified_Time",
    "Owner",
    "Parent_Id",
    "Created_By",
    "Modified_By",
    "$link_url",
    "$type",
    "$file_id",
];

/// The largest `per_page` Zoho accepts.
pub const MAX_PER_PAGE: u32 = 200;

/// Ids per bulk-delete call. Zoho documents no maximum; 100 is its limit for mass deletes of
/// records, and longer lists are split into calls of this size.
pub const DEFAULT_DELETE_BATCH: usize = 100;

/// Ids as Zoho's `ids` parameter takes them: comma-separated.
fn join_ids(ids: &[crate::AttachmentId]) -> String {
    let ids: Vec<&str> = ids.iter().map(crate::AttachmentId::as_str).collect();
    ids.join(",")
}
