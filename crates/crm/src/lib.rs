//! Zoho CRM files: attachments, record photos and the file store.
//!
//! - [`Client`] (feature `async`, default): on reqwest and tokio.
//! - [`blocking::Client`] (feature `blocking`): on ureq, no tokio.
//! - Without features: [`Crm`] hands out sans-IO operations, and [`zoho_core::engine::Engine`]
//!   runs them over a closure of your own, with the same tokens, refresh and retries.
//!
//! Both clients refresh tokens (once for all callers, and on `401 INVALID_TOKEN`), retry what
//! Zoho did not process, stream files both ways and keep secrets out of logs. CRM API v2, v2.1,
//! v3 ... v8 are spoken; v8 by default.
//!
//! ```
//! use zoho_core::{BaseUrl, Operation};
//!
//! let crm = zoho_crm::Crm::default(); // API v8
//! let op = crm.attachments("Leads", "4150868000002728001")?.upload_link("https://www.zoho.com");
//! let req = op.request(&BaseUrl::new("https://www.zohoapis.com")?)?;
//! assert_eq!(req.method(), "POST");
//! # Ok::<(), zoho_core::Error>(())
//! ```

#[cfg(feature = "blocking")]
pub mod blocking;
#[cfg(feature = "async")]
mod client;

#[cfg(feature = "async")]
pub use client::Client;
#[cfg(feature = "async")]
pub use zoho_async_transport::{DownloadOptions, DownloadedFile};
pub use zoho_core;
pub use zoho_core::CrmVersion as Version;
pub use zoho_core::auth::Credentials;
pub use zoho_core::ops::{Attachments, Photo};
pub use zoho_core::{
    AttachmentId, ClientConfig, DataCenter, Environment, Error, ErrorCode, FileId, RecordId,
};

use zoho_core::ops::files::{GetFile, UploadFiles};
use zoho_core::{Api, CrmVersion, InputError};

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
}

/// The README's Rust snippets, compiled as doctests so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;
