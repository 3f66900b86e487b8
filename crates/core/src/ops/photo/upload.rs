//! `POST .../photo`: upload a record photo.

use bytes::Bytes;
use http::{Method, Request, Response};

use crate::api::Feature;
use crate::base_url::BaseUrl;
use crate::body::{Body, Boundary, Multipart};
use crate::error::{Error, InputError};
use crate::operation::{Operation, build};

use crate::ops::{Limits, RecordRef, file_part, upload_name};

use super::{ImageType, StatusMessage, status_message};

/// `POST {prefix}/{module}/{record}/photo`, one multipart part `file` (source 0 of the plan).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploadPhoto {
    target: RecordRef,
    path: String,
    len: u64,
    restrict_triggers: bool,
    image_type: Option<ImageType>,
    limits: Limits,
    boundary: Option<Boundary>,
}

impl UploadPhoto {
    /// Uploads `len` bytes of a PNG, JPEG, GIF or BMP image named after the base name of
    /// `file_name`.
    pub fn new(target: RecordRef, file_name: &str, len: u64) -> Self {
        Self {
            target,
            path: file_name.to_owned(),
            len,
            restrict_triggers: false,
            image_type: None,
            limits: Limits::default(),
            boundary: None,
        }
    }

    /// Sends `restrict_triggers=workflow` so that the upload fires no workflow rules.
    pub fn restrict_workflow_triggers(mut self, yes: bool) -> Self {
        self.restrict_triggers = yes;
        self
    }

    /// The image type, when known from the bytes (see [`ImageType::sniff`]); otherwise it is
    /// taken from the file name's extension.
    pub fn image_type(mut self, t: ImageType) -> Self {
        self.image_type = Some(t);
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
}

impl Operation for UploadPhoto {
    type Output = StatusMessage;

    fn request(&self, base: &BaseUrl) -> Result<Request<Body>, Error> {
        self.target.check(Feature::Photo)?;
        let name = upload_name(&self.path)?;
        let image = self
            .image_type
            .or_else(|| ImageType::from_file_name(&name))
            .ok_or(InputError::UnsupportedImageType { name })?;
        let part = file_part(
            &self.path,
            self.len,
            Some(image.mime()),
            self.limits.photo_max_bytes,
            &[],
            "record photos",
        )?;
        let plan = Multipart::builder(self.boundary.clone().unwrap_or_else(Boundary::random))
            .file_source("file", &part.name, &part.content_type, self.len)
            .finish();
        let q: &[(&str, &str)] = if self.restrict_triggers {
            &[("restrict_triggers", "workflow")]
        } else {
            &[]
        };
        let uri = self.target.uri(base, &["photo"], q)?;
        build(Method::POST, uri, Body::Multipart(plan))
    }

    fn response(&self, resp: Response<Bytes>) -> Result<StatusMessage, Error> {
        status_message(&resp)
    }

    fn idempotent(&self) -> bool {
        // Uploading the same photo again leaves the record as one upload does.
        true
    }
}
