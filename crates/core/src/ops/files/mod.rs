//! The CRM file store (ZFS): `POST /crm/{v}/files` and `GET /crm/{v}/files?id=`
//! (zoho-api-facts §1.7). CRM only: Bigin has no file store API.

use crate::ids::FileId;

mod get;
mod upload;

pub use get::GetFile;
pub use upload::UploadFiles;

/// A file stored in the file store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredFile {
    /// The name Zoho stored.
    pub name: String,
    /// The id to reference it by.
    pub id: FileId,
}
