//! Zoho Bigin files: attachments and record photos.
//!
//! - [`Client`] (feature `async`, default): on reqwest and tokio.
//! - [`blocking::Client`] (feature `blocking`): on ureq, no tokio.
//! - Without features: [`Bigin`] hands out sans-IO operations, and [`zoho_core::engine::Engine`]
//!   runs them over a closure of your own, with the same tokens, refresh and retries.
//!
//! This crate fixes the product to Bigin (API v1 and v2; v2 by default) over the sans-IO
//! [`zoho_core`]; the operations are the same code as CRM's, with Bigin's paths, modules and
//! rules. Run them with any transport.
//!
//! ```
//! use zoho_core::{BaseUrl, Operation};
//!
//! let bigin = zoho_bigin::Bigin::default(); // API v2
//! let op = bigin.attachments("Pipelines", "4150868000002728001")?.list();
//! let req = op.request(&BaseUrl::new("https://www.zohoapis.com")?)?;
//! assert_eq!(req.uri().path(), "/bigin/v2/Pipelines/4150868000002728001/Attachments");
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
pub use zoho_core::BiginVersion as Version;
pub use zoho_core::auth::Credentials;
pub use zoho_core::ops::{Attachments, Photo};
pub use zoho_core::{
    AttachmentId, ClientConfig, DataCenter, Environment, Error, ErrorCode, RecordId,
};

use zoho_core::{Api, BiginVersion, InputError};

/// Bigin at one API version: the entry point for handles.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Bigin {
    /// The API version spoken.
    pub version: BiginVersion,
}

impl Bigin {
    /// Bigin at `version`.
    pub fn new(version: BiginVersion) -> Self {
        Self { version }
    }

    /// The product and version.
    pub fn api(self) -> Api {
        Api::Bigin(self.version)
    }

    /// The attachments of a record.
    pub fn attachments(self, module: &str, record: &str) -> Result<Attachments, InputError> {
        Attachments::parse(self.api(), module, record)
    }

    /// The photo of a record (Contacts, Accounts and Products only).
    pub fn photo(self, module: &str, record: &str) -> Result<Photo, InputError> {
        Photo::parse(self.api(), module, record)
    }
}
