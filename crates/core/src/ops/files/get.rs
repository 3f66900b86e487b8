//! `GET /crm/{v}/files?id=`: a stored file's bytes, streamed.

use http::{Method, Request};

use crate::api::{Api, CrmVersion};
use crate::base_url::BaseUrl;
use crate::body::Body;
use crate::error::Error;
use crate::ids::FileId;
use crate::operation::{Download, build};

/// `GET /crm/{v}/files?id=...`: a stored file's bytes, streamed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GetFile {
    version: CrmVersion,
    id: FileId,
}

impl GetFile {
    /// Downloads a stored file.
    pub fn new(version: CrmVersion, id: FileId) -> Self {
        Self { version, id }
    }
}

impl Download for GetFile {
    fn request(&self, base: &BaseUrl) -> Result<Request<Body>, Error> {
        let uri = base.join(
            &Api::Crm(self.version).prefix(),
            &["files"],
            &[("id", self.id.as_str())],
        )?;
        build(Method::GET, uri, Body::Empty)
    }

    fn what(&self) -> &'static str {
        "the stored file"
    }
}
