//! `POST .../Attachments` with a file, streamed from source 0 of a multipart plan.

use bytes::Bytes;
use http::{Method, Request, Response};

use crate::api::Feature;
use crate::base_url::BaseUrl;
use crate::body::{Body, Boundary, Multipart};
use crate::error::{Error, InputError};
use crate::operation::{Operation, build};
use crate::response;

use super::Uploaded;
use crate::ops::{Limits, RecordRef, file_part, upload_name};

/// `POST {prefix}/{module}/{record}/Attachments` with one multipart part named `file`.
///
/// The file's bytes are source 0 of the multipart plan: the transport streams them from a file
/// or reader of exactly `len` bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploadAttachment {
    target: RecordRef,
    path: String,
    len: u64,
    content_type: Option<String>,
    limits: Limits,
    boundary: Option<Boundary>,
}

impl UploadAttachment {
    /// Uploads `len` bytes named after the base name of `file_name` (a path is fine: only its
    /// last component is sent).
    pub fn new(target: RecordRef, file_name: &str, len: u64) -> Self {
        Self {
            target,
            path: file_name.to_owned(),
            len,
            content_type: None,
            limits: Limits::default(),
            boundary: None,
        }
    }

    /// The part's `Content-Type` (default: guessed from the extension).
    pub fn content_type(mut self, ct: impl Into<String>) -> Self {
        self.content_type = Some(ct.into());
        self
    }

    /// Limits to check against (default: Zoho's).
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// A fixed multipart boundary (default: random per request).
    pub fn boundary(mut self, b: Boundary) -> Self {
        self.boundary = Some(b);
        self
    }

    /// The name that will be sent.
    pub fn file_name(&self) -> Result<String, InputError> {
        upload_name(&self.path)
    }
}

impl Operation for UploadAttachment {
    type Output = Uploaded;

    fn request(&self, base: &BaseUrl) -> Result<Request<Body>, Error> {
        self.target.check(Feature::Attachments)?;
        let part = file_part(
            &self.path,
            self.len,
            self.content_type.as_deref(),
            self.limits.attachment_max_bytes,
            &self.limits.blocked_extensions,
            "attachments",
        )?;
        let plan = Multipart::builder(self.boundary.clone().unwrap_or_else(Boundary::random))
            .file_source("file", &part.name, &part.content_type, self.len)
            .finish();
        let uri = self.target.uri(base, &["Attachments"], &[])?;
        build(Method::POST, uri, Body::Multipart(plan))
    }

    fn response(&self, resp: Response<Bytes>) -> Result<Uploaded, Error> {
        let item = response::single_action(&resp)?;
        Uploaded::from_item(item, &resp)
    }

    fn idempotent(&self) -> bool {
        false
    }
}
