//! `DELETE .../photo`: remove a record photo.

use bytes::Bytes;
use http::{Method, Request, Response};

use crate::api::Feature;
use crate::base_url::BaseUrl;
use crate::body::Body;
use crate::error::Error;
use crate::operation::{Operation, build};

use crate::ops::RecordRef;

use super::{StatusMessage, status_message};

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
