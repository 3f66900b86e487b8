//! `DELETE .../Attachments/{id}`: delete one attachment.

use bytes::Bytes;
use http::{Method, Request, Response};

use crate::api::Feature;
use crate::base_url::BaseUrl;
use crate::body::Body;
use crate::error::Error;
use crate::ids::AttachmentId;
use crate::operation::{Operation, build};
use crate::response;

use super::Deleted;
use crate::ops::RecordRef;

/// `DELETE {prefix}/{module}/{record}/Attachments/{id}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeleteAttachment {
    target: RecordRef,
    id: AttachmentId,
}

impl DeleteAttachment {
    /// Deletes one attachment.
    pub fn new(target: RecordRef, id: AttachmentId) -> Self {
        Self { target, id }
    }
}

impl Operation for DeleteAttachment {
    type Output = Deleted;

    fn request(&self, base: &BaseUrl) -> Result<Request<Body>, Error> {
        self.target.check(Feature::Attachments)?;
        let uri = self
            .target
            .uri(base, &["Attachments", self.id.as_str()], &[])?;
        build(Method::DELETE, uri, Body::Empty)
    }

    fn response(&self, resp: Response<Bytes>) -> Result<Deleted, Error> {
        let item = response::single_action(&resp)?;
        Ok(Deleted {
            id: self.id.clone(),
            message: item.message,
        })
    }

    fn idempotent(&self) -> bool {
        true
    }
}
