//! The record photo: `{prefix}/{module}/{record_id}/photo` (zoho-api-facts §2, §3.3).
//!
//! Upload and delete answer with a top-level status object, not a `data` array.

use bytes::Bytes;
use http::{Method, Request, Response};
use serde::Deserialize;

use crate::api::BaseUrl;
use crate::body::{Body, Boundary, Multipart};
use crate::error::{Error, InputError};
use crate::module::Feature;
use crate::operation::{Download, Operation, build};
use crate::response::{self, ActionItem};

use super::{Limits, RecordRef, extension, file_part, upload_name};

/// Image types Zoho accepts as record photos.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageType {
    /// PNG.
    Png,
    /// JPEG.
    Jpeg,
    /// GIF.
    Gif,
    /// BMP.
    Bmp,
}

impl ImageType {
    /// From a file name's extension (`.png`, `.jpg`, `.jpeg`, `.gif`, `.bmp`).
    pub fn from_file_name(name: &str) -> Option<Self> {
        match extension(name)?.as_str() {
            "png" => Some(Self::Png),
            "jpg" | "jpeg" => Some(Self::Jpeg),
            "gif" => Some(Self::Gif),
            "bmp" => Some(Self::Bmp),
            _ => None,
        }
    }

    /// From the first bytes of the file (its magic number), for transports that can peek.
    pub fn sniff(head: &[u8]) -> Option<Self> {
        if head.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Self::Png)
        } else if head.starts_with(&[0xff, 0xd8, 0xff]) {
            Some(Self::Jpeg)
        } else if head.starts_with(b"GIF87a") || head.starts_with(b"GIF89a") {
            Some(Self::Gif)
        } else if head.starts_with(b"BM") {
            Some(Self::Bmp)
        } else {
            None
        }
    }

    /// The media type.
    pub fn mime(self) -> &'static str {
        match self {
            Self::Png => "image/png",
            Self::Jpeg => "image/jpeg",
            Self::Gif => "image/gif",
            Self::Bmp => "image/bmp",
        }
    }
}

/// A top-level status answer: `{"code":"SUCCESS","details":{},"message":"Photo deleted","status":"success"}`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct StatusMessage {
    /// `SUCCESS`.
    pub code: String,
    /// Zoho's message.
    #[serde(default)]
    pub message: String,
    /// Zoho's details.
    #[serde(default)]
    pub details: serde_json::Value,
}

/// Reads a photo answer: the documented top-level object, or (leniently) a `data` array with one
/// item.
fn status_message(resp: &Response<Bytes>) -> Result<StatusMessage, Error> {
    let v: serde_json::Value = response::json(resp)?;
    if v.get("data").is_some_and(serde_json::Value::is_array) {
        let item = response::single_action(resp)?;
        return Ok(from_item(item));
    }
    response::decode(resp.status(), resp.body())
}

fn from_item(i: ActionItem) -> StatusMessage {
    StatusMessage {
        code: i.code,
        message: i.message,
        details: i.details,
    }
}

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

/// `GET {prefix}/{module}/{record}/photo`: the image bytes; 204 when the record has none.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DownloadPhoto {
    target: RecordRef,
}

impl DownloadPhoto {
    /// Downloads the photo of a record.
    pub fn new(target: RecordRef) -> Self {
        Self { target }
    }
}

impl Download for DownloadPhoto {
    fn request(&self, base: &BaseUrl) -> Result<Request<Body>, Error> {
        self.target.check(Feature::Photo)?;
        let uri = self.target.uri(base, &["photo"], &[])?;
        build(Method::GET, uri, Body::Empty)
    }

    fn what(&self) -> &'static str {
        "the record photo"
    }
}

/// `DELETE {prefix}/{module}/{record}/photo`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeletePhoto {
    target: RecordRef,
}

impl DeletePhoto {
    /// Deletes the photo of a record.
    pub fn new(target: RecordRef) -> Self {
        Self { target }
    }
}

impl Operation for DeletePhoto {
    type Output = StatusMessage;

    fn request(&self, base: &BaseUrl) -> Result<Request<Body>, Error> {
        self.target.check(Feature::Photo)?;
        let uri = self.target.uri(base, &["photo"], &[])?;
        build(Method::DELETE, uri, Body::Empty)
    }

    fn response(&self, resp: Response<Bytes>) -> Result<StatusMessage, Error> {
        status_message(&resp)
    }

    fn idempotent(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_types() {
        assert_eq!(ImageType::from_file_name("a.JPEG"), Some(ImageType::Jpeg));
        assert_eq!(ImageType::from_file_name("a.webp"), None);
        assert_eq!(
            ImageType::sniff(b"\x89PNG\r\n\x1a\n...."),
            Some(ImageType::Png)
        );
        assert_eq!(ImageType::sniff(b"GIF89a"), Some(ImageType::Gif));
        assert_eq!(ImageType::sniff(b"%PDF-1.4"), None);
    }
}
