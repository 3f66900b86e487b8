//! `GET .../Attachments/{id}`: an attachment's bytes, streamed.

use http::{Method, Request};

use crate::api::Feature;
use crate::base_url::BaseUrl;
use crate::body::Body;
use crate::error::Error;
use crate::ids::AttachmentId;
use crate::operation::{Download, build};

use crate::ops::RecordRef;

/// `GET {prefix}/{module}/{record}/Attachments/{id}`: the file's bytes, streamed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DownloadAttachment {
    target: RecordRef,
    id: AttachmentId,
}

impl DownloadAttachment {
    /// Downloads one attachment.
    pub fn new(target: RecordRef, id: AttachmentId) -> Self {
        Self { target, id }
    }
}

impl Download for DownloadAttachment {
    fn request(&self, base: &BaseUrl) -> Result<Request<Body>, Error> {
        self.target.check(Feature::Attachments)?;
        let uri = self
            .target
            .uri(base, &["Attachments", self.id.as_str()], &[])?;
        build(Method::GET, uri, Body::Empty)
    }

    fn what(&self) -> &'static str {
        "the attachment"
    }
}
