//! `POST .../Attachments?attachmentUrl=...`: attach a link.

use bytes::Bytes;
use http::{Method, Request, Response};

use crate::api::{Api, CrmVersion, Feature};
use crate::base_url::BaseUrl;
use crate::body::Body;
use crate::error::{Error, InputError, printable};
use crate::operation::{Operation, build};
use crate::response;

use super::Uploaded;
use crate::ops::RecordRef;

/// `POST {prefix}/{module}/{record}/Attachments?attachmentUrl=...&title=...` with no body, as
/// Zoho's current SDKs and OpenAPI files send it (the docs' curl sends a form field instead; the
/// emulator accepts both).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploadLink {
    target: RecordRef,
    url: String,
    title: Option<String>,
}

impl UploadLink {
    /// Attaches `url` (http or https).
    pub fn new(target: RecordRef, url: impl Into<String>) -> Self {
        Self {
            target,
            url: url.into(),
            title: None,
        }
    }

    /// The link's title (CRM v5 and later, Bigin); Zoho uses the page's title otherwise.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    fn check(&self) -> Result<(), InputError> {
        self.target.check(Feature::Attachments)?;
        let u = self.url.trim();
        let lower = u.to_ascii_lowercase();
        let has_host = lower
            .split_once("://")
            .is_some_and(|(_, rest)| !rest.is_empty() && !rest.starts_with('/'));
        if !(lower.starts_with("http://") || lower.starts_with("https://"))
            || !has_host
            || u.len() > 2048
            || u.chars().any(|c| c.is_control() || c.is_whitespace())
        {
            return Err(InputError::Invalid {
                what: "attachment URL",
                value: printable(&self.url),
                why: "use an absolute http:// or https:// URL of at most 2048 characters",
            });
        }
        if let Some(t) = &self.title {
            if matches!(self.target.api, Api::Crm(v) if v < CrmVersion::V5) {
                return Err(InputError::UnsupportedParameter {
                    param: "title",
                    api: self.target.api,
                    why: "link titles need CRM v5 or later",
                });
            }
            if t.trim().is_empty() || t.len() > 255 || t.chars().any(char::is_control) {
                return Err(InputError::Invalid {
                    what: "link title",
                    value: printable(t),
                    why: "use 1 to 255 characters without control characters",
                });
            }
        }
        Ok(())
    }
}

impl Operation for UploadLink {
    type Output = Uploaded;

    fn request(&self, base: &BaseUrl) -> Result<Request<Body>, Error> {
        self.check()?;
        let mut q = vec![("attachmentUrl", self.url.trim())];
        if let Some(t) = &self.title {
            q.push(("title", t.as_str()));
        }
        let uri = self.target.uri(base, &["Attachments"], &q)?;
        build(Method::POST, uri, Body::Empty)
    }

    fn response(&self, resp: Response<Bytes>) -> Result<Uploaded, Error> {
        let item = response::single_action(&resp)?;
        Uploaded::from_item(item, &resp)
    }

    fn idempotent(&self) -> bool {
        false
    }
}
