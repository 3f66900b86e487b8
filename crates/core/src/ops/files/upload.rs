//! `POST /crm/{v}/files`: upload files to the file store.

use bytes::Bytes;
use http::{Method, Request, Response};

use crate::api::{Api, CrmVersion};
use crate::base_url::BaseUrl;
use crate::body::{Body, Boundary, Multipart};
use crate::error::{ApiError, Error, InputError};
use crate::ids::FileId;
use crate::operation::{Operation, build};
use crate::response::{self, ActionWrapper};

use crate::ops::{Limits, file_part};

use super::StoredFile;

#[derive(Clone, Debug, PartialEq, Eq)]
struct Part {
    path: String,
    len: u64,
    content_type: Option<String>,
}

/// `POST /crm/{v}/files`: one or more files, each a multipart part named `file`; source `i` of
/// the plan is the `i`-th file added.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploadFiles {
    version: CrmVersion,
    parts: Vec<Part>,
    inline: bool,
    limits: Limits,
    boundary: Option<Boundary>,
}

impl UploadFiles {
    /// Starts an upload with no files.
    pub fn new(version: CrmVersion) -> Self {
        Self {
            version,
            parts: Vec::new(),
            inline: false,
            limits: Limits::default(),
            boundary: None,
        }
    }

    /// Adds a file of `len` bytes named after the base name of `file_name`.
    pub fn file(mut self, file_name: &str, len: u64) -> Self {
        self.parts.push(Part {
            path: file_name.to_owned(),
            len,
            content_type: None,
        });
        self
    }

    /// Adds a file with an explicit `Content-Type`.
    pub fn file_with_type(mut self, file_name: &str, len: u64, content_type: &str) -> Self {
        self.parts.push(Part {
            path: file_name.to_owned(),
            len,
            content_type: Some(content_type.to_owned()),
        });
        self
    }

    /// Sends `type=inline` (images shown inline in rich text).
    pub fn inline(mut self, yes: bool) -> Self {
        self.inline = yes;
        self
    }

    /// Limits to check against (default: Zoho's 20 MB per file).
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

impl Operation for UploadFiles {
    /// One result per file, in order: the stored file, or Zoho's error for it.
    type Output = Vec<Result<StoredFile, ApiError>>;

    fn request(&self, base: &BaseUrl) -> Result<Request<Body>, Error> {
        if self.parts.is_empty() {
            return Err(InputError::Empty {
                what: "the list of files to upload",
            }
            .into());
        }
        let mut plan = Multipart::builder(self.boundary.clone().unwrap_or_else(Boundary::random));
        for part in &self.parts {
            let checked = file_part(
                &part.path,
                part.len,
                part.content_type.as_deref(),
                self.limits.store_file_max_bytes,
                &self.limits.blocked_extensions,
                "the CRM file store",
            )?;
            plan = plan.file_source("file", &checked.name, &checked.content_type, part.len);
        }
        let q: &[(&str, &str)] = if self.inline {
            &[("type", "inline")]
        } else {
            &[]
        };
        let uri = base.join(&Api::Crm(self.version).prefix(), &["files"], q)?;
        build(Method::POST, uri, Body::Multipart(plan.finish()))
    }

    fn response(&self, resp: Response<Bytes>) -> Result<Self::Output, Error> {
        let status = resp.status();
        let w: ActionWrapper = response::json(&resp)?;
        w.data
            .into_iter()
            .enumerate()
            .map(|(i, item)| {
                if !item.is_success() {
                    return Ok(Err(item.to_error(status)));
                }
                let field = |k: &str| item.details.get(k).and_then(|v| v.as_str());
                let decode_err = |what: &str| Error::Decode {
                    status,
                    path: format!("data[{i}].details.{what}"),
                    message: format!("expected the stored file's {what}"),
                    body: resp.body().clone(),
                };
                let id = field("id")
                    .and_then(|id| FileId::new(id).ok())
                    .ok_or_else(|| decode_err("id"))?;
                let name = field("name").unwrap_or_default().to_owned();
                Ok(Ok(StoredFile { name, id }))
            })
            .collect()
    }

    fn idempotent(&self) -> bool {
        false
    }
}
