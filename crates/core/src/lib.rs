//! Sans-IO core of the Zoho CRM and Bigin files SDK.
//!
//! Every operation (attachments, record photos, the CRM file store, OAuth tokens) is a small
//! value that builds an [`http::Request`] and reads an [`http::Response`]. Nothing here opens a
//! file or a socket: transports (`zoho-async-transport`, `zoho-blocking-transport`, or a
//! closure of your own) do that, and share this crate's decisions on tokens, refresh, retries,
//! errors, paging and file names: the call engine ([`engine`]), whose decisions take the time
//! as an argument and whose driver, [`engine::Engine`], is the one place that reads the clock
//! and waits.
//!
//! ```
//! use zoho_core::{Api, BaseUrl, Operation};
//! use zoho_core::ops::Attachments;
//!
//! let op = Attachments::parse(Api::CRM, "Leads", "4150868000002728001")?.list().per_page(50);
//! let req = op.request(&BaseUrl::new("https://www.zohoapis.com")?)?;
//! assert_eq!(req.uri().path(), "/crm/v8/Leads/4150868000002728001/Attachments");
//! # Ok::<(), zoho_core::Error>(())
//! ```

pub mod api;
pub mod auth;
pub mod base_url;
pub mod body;
pub mod config;
pub mod consent;
pub mod datacenter;
pub mod disposition;
pub mod engine;
pub mod error;
pub mod handles;
pub mod ids;
pub mod module;
pub mod operation;
pub mod ops;
pub mod pager;
pub mod response;
pub mod retry;
pub mod scopes;
pub mod wire;

/// The `bytes` crate this core is built on, for transports and callers.
pub use bytes;
/// The `http` crate this core is built on, for transports and callers.
pub use http;

pub use api::{Api, BiginVersion, CrmVersion, Feature, Product};
pub use base_url::BaseUrl;
pub use body::{Body, Boundary, Multipart, MultipartReader, PlanCursor, PlanStep, Segment};
pub use config::{
    ClientConfig, Proxy, ScaledTime, StoredToken, TimeSource, TokenBudget, TokenStore,
};
pub use datacenter::{DataCenter, Endpoints, Environment};
pub use error::{
    ApiError, BodyError, Error, ErrorCode, InputError, OAuthError, TransportError, TransportKind,
};
pub use ids::{AttachmentId, FileId, RecordId};
pub use module::ModuleName;
pub use operation::{
    Download, DownloadHead, DownloadOptions, DownloadStart, DownloadedFile, Operation,
    UploadOptions,
};
pub use ops::Limits;
