//! `GET .../photo`: a record photo's bytes, streamed.

use http::{Method, Request};

use crate::api::Feature;
use crate::base_url::BaseUrl;
use crate::body::Body;
use crate::error::Error;
use crate::operation::{Download, build};

use crate::ops::RecordRef;

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
