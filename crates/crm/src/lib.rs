//! Zoho CRM files: attachments and record photos, and the file store.
//!
//! Start with [`Client`]: it is cheap to clone, and the handles it gives
//! ([`Attachments`], [`Photo`], [`FileStore`]) own a clone, so both move into spawned tasks.
//!
//! ```no_run
//! # async fn run() -> Result<(), zoho_crm::Error> {
//! // ZOHO_CLIENT_ID, ZOHO_CLIENT_SECRET, ZOHO_REFRESH_TOKEN, and ZOHO_DC or ZOHO_BASE_URL.
//! let client = zoho_crm::Client::new(zoho_crm::ClientConfig::from_env()?)?;
//! let record = client.attachments("Deals", "5725767000000040001")?;
//! let uploaded = record.upload_file("invoice.pdf").await?; // streamed from disk
//! for a in record.list().await?.attachments {
//!     println!("{} {:?}", a.id, a.file_name);
//! }
//! # let _ = uploaded; Ok(()) }
//! ```
//!
//! Features:
//! - `async` (default): [`Client`], on reqwest and tokio.
//! - `blocking`: [`blocking::Client`], on ureq, with no tokio.
//! - `rustls` (default) or `native-tls`: the TLS library of either client.
//! - Without `async` and `blocking`: [`sans_io`] hands out the operations as plain values, and
//!   [`zoho_core::engine::Engine`] runs them over a closure of your own (any HTTP client), with
//!   the same tokens, refresh and retries.
//!
//! Both clients refresh tokens (once for all callers, and on `401 INVALID_TOKEN`), retry what
//! Zoho did not process, stream files both ways and keep secrets out of logs.

#[cfg(feature = "blocking")]
pub mod blocking;
#[cfg(feature = "async")]
mod client;

#[cfg(feature = "async")]
pub use client::Client;
#[cfg(feature = "async")]
pub use zoho_async_transport::{
    AllAttachments, Attachments, FileStore, Pages, Photo, RecordFiles, Transport,
};
#[cfg(feature = "async")]
pub use zoho_async_transport::{DownloadOptions, DownloadedFile};
pub use zoho_core;
pub use zoho_core::CrmVersion as Version;
pub use zoho_core::auth::Credentials;
pub use zoho_core::ops::fields::{
    FieldFile, FieldFileOutcome, FieldName, FieldUploadReport, RecordUpdated,
};
pub use zoho_core::{
    AttachmentId, ClientConfig, DataCenter, Environment, Error, ErrorCode, FileId, RecordId,
};

/// The operations as plain values (sans-IO): build a request, read an answer, with no client;
/// run them with [`zoho_core::engine::Engine`] over any HTTP client.
pub mod sans_io {
    pub use zoho_core::ops::emails::DownloadEmailAttachment;
    pub use zoho_core::ops::fields::{DownloadFieldAttachment, GetFieldFiles, SetFieldFiles};
    pub use zoho_core::ops::files::{GetFile, UploadFiles};
    pub use zoho_core::ops::{Attachments, Photo};

    use zoho_core::ops::fields::FieldName;
    use zoho_core::{Api, AttachmentId, CrmVersion, FileId, InputError, ModuleName, RecordId};

    /// CRM at one API version: the entry point for handles.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
    pub struct Crm {
        /// The API version spoken.
        pub version: CrmVersion,
    }

    impl Crm {
        /// CRM at `version`.
        pub fn new(version: CrmVersion) -> Self {
            Self { version }
        }

        /// The product and version.
        pub fn api(self) -> Api {
            Api::Crm(self.version)
        }

        /// The attachments of a record.
        pub fn attachments(self, module: &str, record: &str) -> Result<Attachments, InputError> {
            Attachments::parse(self.api(), module, record)
        }

        /// The photo of a record.
        pub fn photo(self, module: &str, record: &str) -> Result<Photo, InputError> {
            Photo::parse(self.api(), module, record)
        }

        /// An upload to the file store (add files with [`UploadFiles::file`]).
        pub fn upload_files(self) -> UploadFiles {
            UploadFiles::new(self.version)
        }

        /// A download from the file store.
        pub fn get_file(self, id: &str) -> Result<GetFile, InputError> {
            Ok(GetFile::new(self.version, FileId::new(id)?))
        }

        /// A download of a file-upload field's file (`id` from the field's `attachment_Id`).
        pub fn field_attachment(
            self,
            module: &str,
            record: &str,
            id: &str,
        ) -> Result<DownloadFieldAttachment, InputError> {
            Ok(DownloadFieldAttachment::new(
                self.version,
                ModuleName::new(module)?,
                RecordId::new(record)?,
                AttachmentId::new(id)?,
            ))
        }

        /// A read of the files a file-upload or image-upload field holds.
        pub fn field_files(
            self,
            module: &str,
            record: &str,
            field: &str,
        ) -> Result<GetFieldFiles, InputError> {
            Ok(GetFieldFiles::new(
                self.version,
                ModuleName::new(module)?,
                RecordId::new(record)?,
                FieldName::new(field)?,
            ))
        }

        /// An update of a file-upload or image-upload field: add file-store ids with
        /// [`SetFieldFiles::add`] (from [`Self::upload_files`]), remove entries with
        /// [`SetFieldFiles::remove`].
        pub fn set_field_files(
            self,
            module: &str,
            record: &str,
            field: &str,
        ) -> Result<SetFieldFiles, InputError> {
            Ok(SetFieldFiles::new(
                self.version,
                ModuleName::new(module)?,
                RecordId::new(record)?,
                FieldName::new(field)?,
            ))
        }

        /// A download of an email's attachment, by the email's details.
        pub fn email_attachment(
            self,
            module: &str,
            record: &str,
            user_id: &str,
            message_id: &str,
            id: &str,
            name: &str,
        ) -> Result<DownloadEmailAttachment, InputError> {
            DownloadEmailAttachment::new(
                self.version,
                ModuleName::new(module)?,
                RecordId::new(record)?,
                RecordId::new(user_id)?,
                message_id,
                id,
                name,
            )
        }
    }
}
