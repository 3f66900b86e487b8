//! The record photo: `{prefix}/{module}/{record_id}/photo` (zoho-api-facts §2, §3.3).
//!
//! Upload and delete answer with a top-level status object, not a `data` array.

use bytes::Bytes;
use http::Response;
use serde::Deserialize;

use crate::error::Error;
use crate::response::{self, ActionItem};

use super::extension;

mod delete;
mod download;
mod upload;

pub use delete::DeletePhoto;
pub use download::DownloadPhoto;
pub use upload::UploadPhoto;

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
