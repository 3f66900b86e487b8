//! Attachments of a record: list, upload a file or a link, download, delete one or many.
//!
//! Paths (CRM and Bigin alike): `{prefix}/{module}/{record_id}/Attachments[/{attachment_id}]`,
//! where the prefix is `/crm/{v}` or `/bigin/{v}` (zoho-api-facts §1, §3.2).

use std::collections::HashMap;
use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderValue, Method, Request, Response, StatusCode, header};
use serde::Deserialize;

use crate::api::{Api, BaseUrl, CrmVersion};
use crate::body::{Body, Boundary, Multipart};
use crate::error::{ApiError, Error, InputError};
use crate::ids::{AttachmentId, printable};
use crate::module::Feature;
use crate::operation::{Download, Operation, build};
use crate::response::{self, ActionItem};

use super::{Limits, RecordRef, file_part, lenient_u64, upload_name};

/// The `fields` sent when the caller names none and the API requires some (CRM v3 and later,
/// and Bigin, whose rule is undocumented). Taken from Zoho's own sample
/// (`id,Owner,File_Name,Created_Time,Parent_Id`) plus the size and modification fields the v8
/// SDK models.
pub const DEFAULT_FIELDS: &[&str] = &[
    "id",
    "File_Name",
    "Size",
    "Created_Time",
    "Modified_Time",
    "Owner",
    "Parent_Id",
    "Created_By",
    "Modified_By",
];

/// The largest `per_page` Zoho accepts.
pub const MAX_PER_PAGE: u32 = 200;

/// Ids per bulk-delete call. Zoho documents no maximum; 100 is its limit for mass deletes of
/// records, and longer lists are split into calls of this size.
pub const DEFAULT_DELETE_BATCH: usize = 100;

// ---------------------------------------------------------------------------------------------
// Models

/// A user reference: `{"name": ..., "id": ..., "email": ...}`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct UserRef {
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// User id.
    #[serde(default)]
    pub id: Option<String>,
    /// E-mail, when given.
    #[serde(default)]
    pub email: Option<String>,
}

/// The record an attachment belongs to: `{"name": ..., "id": ...}`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct ParentRef {
    /// The record's display name.
    #[serde(default)]
    pub name: Option<String>,
    /// The record id.
    #[serde(default)]
    pub id: Option<String>,
}

/// One attachment as listed. Only `id` is always present; the rest depends on `fields`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Attachment {
    /// The attachment id.
    pub id: AttachmentId,
    /// The file name (`null` for some link attachments).
    #[serde(rename = "File_Name", default)]
    pub file_name: Option<String>,
    /// Size in bytes (Zoho sends it as a string).
    #[serde(rename = "Size", default, deserialize_with = "lenient_u64")]
    pub size: Option<u64>,
    /// Creation time, ISO-8601 with offset.
    #[serde(rename = "Created_Time", default)]
    pub created_time: Option<String>,
    /// Last modification time, ISO-8601 with offset.
    #[serde(rename = "Modified_Time", default)]
    pub modified_time: Option<String>,
    /// Owner.
    #[serde(rename = "Owner", default)]
    pub owner: Option<UserRef>,
    /// The parent record.
    #[serde(rename = "Parent_Id", default)]
    pub parent: Option<ParentRef>,
    /// The module of the parent record.
    #[serde(rename = "$se_module", default)]
    pub module: Option<String>,
    /// The URL of a link attachment (`null` for files).
    #[serde(rename = "$link_url", default)]
    pub link_url: Option<String>,
    /// The file-store id of the file.
    #[serde(rename = "$file_id", default)]
    pub file_id: Option<String>,
    /// Every other field, as sent.
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

/// The `info` object of a list answer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct PageInfo {
    /// Page size used.
    #[serde(default, deserialize_with = "lenient_u64")]
    pub per_page: Option<u64>,
    /// Items on this page.
    #[serde(default, deserialize_with = "lenient_u64")]
    pub count: Option<u64>,
    /// This page's number.
    #[serde(default, deserialize_with = "lenient_u64")]
    pub page: Option<u64>,
    /// True when more pages follow.
    #[serde(default)]
    pub more_records: bool,
    /// v8: the cursor of the next page.
    #[serde(default)]
    pub next_page_token: Option<String>,
    /// v8: the cursor of the previous page.
    #[serde(default)]
    pub previous_page_token: Option<String>,
    /// v8: when the cursors expire.
    #[serde(default)]
    pub page_token_expiry: Option<String>,
}

/// One page of attachments.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AttachmentPage {
    /// The attachments (empty for HTTP 204 and 304).
    pub attachments: Vec<Attachment>,
    /// Paging information (absent for 204 and 304).
    pub info: Option<PageInfo>,
    /// True when the server answered 304 Not Modified to `If-Modified-Since`.
    pub not_modified: bool,
}

#[derive(Deserialize)]
struct ListWrapper {
    #[serde(default)]
    data: Vec<Attachment>,
    #[serde(default)]
    info: Option<PageInfo>,
}

/// A successful upload: the new attachment's id and Zoho's details.
#[derive(Clone, Debug, PartialEq)]
pub struct Uploaded {
    /// The new attachment's id.
    pub id: AttachmentId,
    /// Zoho's message, e.g. `attachment uploaded successfully`.
    pub message: String,
    /// Zoho's details (`id`, `Created_Time`, `Created_By`, ...).
    pub details: serde_json::Value,
}

impl Uploaded {
    fn from_item(item: ActionItem, resp: &Response<Bytes>) -> Result<Self, Error> {
        let id = item
            .detail_id()
            .and_then(|id| AttachmentId::new(id).ok())
            .ok_or_else(|| Error::Decode {
                status: resp.status(),
                path: String::from("data[0].details.id"),
                message: String::from("expected the new attachment's id"),
                body: resp.body().clone(),
            })?;
        Ok(Self {
            id,
            message: item.message,
            details: item.details,
        })
    }
}

/// A successful delete of one attachment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deleted {
    /// The id deleted.
    pub id: AttachmentId,
    /// Zoho's message, e.g. `record deleted`.
    pub message: String,
}

// ---------------------------------------------------------------------------------------------
// List

/// `GET {prefix}/{module}/{record}/Attachments`: one page of a record's attachments.
///
/// HTTP 204 is an empty page; HTTP 304 (after [`if_modified_since`](Self::if_modified_since)) is
/// an empty page with `not_modified` set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListAttachments {
    target: RecordRef,
    fields: Vec<String>,
    page: Option<u32>,
    per_page: Option<u32>,
    ids: Vec<AttachmentId>,
    page_token: Option<String>,
    if_modified_since: Option<String>,
}

impl ListAttachments {
    /// Lists the first page with Zoho's defaults.
    pub fn new(target: RecordRef) -> Self {
        Self {
            target,
            fields: Vec::new(),
            page: None,
            per_page: None,
            ids: Vec::new(),
            page_token: None,
            if_modified_since: None,
        }
    }

    /// The fields to return. Without this, [`DEFAULT_FIELDS`] are sent where `fields` is
    /// required (CRM v3 and later, and Bigin); CRM v2 and v2.1 then send none.
    pub fn fields<I, S>(mut self, fields: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.fields = fields.into_iter().map(Into::into).collect();
        self
    }

    /// The page number, from 1.
    pub fn page(mut self, page: u32) -> Self {
        self.page = Some(page);
        self
    }

    /// Items per page, 1 to 200.
    pub fn per_page(mut self, per_page: u32) -> Self {
        self.per_page = Some(per_page);
        self
    }

    /// Only these attachments (CRM v3 and later).
    pub fn ids(mut self, ids: impl IntoIterator<Item = AttachmentId>) -> Self {
        self.ids = ids.into_iter().collect();
        self
    }

    /// The cursor of the page to fetch (CRM v8), from `info.next_page_token`.
    pub fn page_token(mut self, token: impl Into<String>) -> Self {
        self.page_token = Some(token.into());
        self
    }

    /// Only if something changed after this time, ISO-8601 with offset, e.g.
    /// `2019-07-25T15:26:49+05:30`; otherwise the answer is 304 Not Modified.
    pub fn if_modified_since(mut self, time: impl Into<String>) -> Self {
        self.if_modified_since = Some(time.into());
        self
    }

    /// The product and version.
    pub fn api(&self) -> Api {
        self.target.api
    }

    /// The page requested (1 when none was set).
    pub fn current_page(&self) -> u32 {
        self.page.unwrap_or(1)
    }

    /// The page token requested, if any.
    pub fn current_page_token(&self) -> Option<&str> {
        self.page_token.as_deref()
    }

    /// This listing at another page number (and no page token).
    pub fn at_page(&self, page: u32) -> Self {
        let mut next = self.clone();
        next.page = Some(page);
        next.page_token = None;
        next
    }

    /// This listing at a page token (and no page number).
    pub fn at_page_token(&self, token: &str) -> Self {
        let mut next = self.clone();
        next.page = None;
        next.page_token = Some(token.to_owned());
        next
    }

    fn check(&self) -> Result<(), InputError> {
        self.target.check(Feature::Attachments)?;
        for f in &self.fields {
            let ok = !f.is_empty()
                && f.len() <= 100
                && f.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'$');
            if !ok {
                return Err(InputError::Invalid {
                    what: "field name",
                    value: printable(f),
                    why: "use API names such as File_Name",
                });
            }
        }
        if let Some(p) = self.per_page
            && !(1..=MAX_PER_PAGE).contains(&p)
        {
            return Err(InputError::OutOfRange {
                param: "per_page",
                value: p.into(),
                range: "between 1 and 200",
            });
        }
        if self.page == Some(0) {
            return Err(InputError::OutOfRange {
                param: "page",
                value: 0,
                range: "1 or more",
            });
        }
        if !self.ids.is_empty() && matches!(self.target.api, Api::Crm(v) if v < CrmVersion::V3) {
            return Err(InputError::UnsupportedParameter {
                param: "ids",
                api: self.target.api,
                why: "filter the listed attachments yourself, or use CRM v3 or later",
            });
        }
        if let Some(t) = &self.page_token {
            if !self.target.api.crm_at_least(CrmVersion::V8) {
                return Err(InputError::UnsupportedParameter {
                    param: "page_token",
                    api: self.target.api,
                    why: "page tokens exist in CRM v8 only; use `page`",
                });
            }
            if t.is_empty() || t.chars().any(char::is_control) {
                return Err(InputError::Invalid {
                    what: "page token",
                    value: printable(t),
                    why: "pass info.next_page_token as returned",
                });
            }
        }
        if let Some(t) = &self.if_modified_since
            && !looks_like_iso_datetime(t)
        {
            return Err(InputError::Invalid {
                what: "If-Modified-Since time",
                value: printable(t),
                why: "use ISO-8601 with an offset, e.g. 2019-07-25T15:26:49+05:30",
            });
        }
        Ok(())
    }

    fn fields_to_send(&self) -> Option<String> {
        if !self.fields.is_empty() {
            return Some(self.fields.join(","));
        }
        let required = match self.target.api {
            Api::Crm(v) => v >= CrmVersion::V3,
            Api::Bigin(_) => true,
        };
        required.then(|| DEFAULT_FIELDS.join(","))
    }
}

/// `YYYY-MM-DDTHH:MM:SS` followed by `Z` or `±HH:MM`.
fn looks_like_iso_datetime(s: &str) -> bool {
    let b = s.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    let at = |i: usize, c: u8| b.get(i) == Some(&c);
    let head = digits(0..4)
        && at(4, b'-')
        && digits(5..7)
        && at(7, b'-')
        && digits(8..10)
        && at(10, b'T')
        && digits(11..13)
        && at(13, b':')
        && digits(14..16)
        && at(16, b':')
        && digits(17..19);
    let tail = &s.get(19..).unwrap_or_default();
    let tz = *tail == "Z"
        || (tail.len() == 6
            && (tail.starts_with('+') || tail.starts_with('-'))
            && tail.as_bytes()[3] == b':'
            && tail
                .bytes()
                .enumerate()
                .all(|(i, c)| i == 0 || i == 3 || c.is_ascii_digit()));
    head && tz
}

impl Operation for ListAttachments {
    type Output = AttachmentPage;

    fn request(&self, base: &BaseUrl) -> Result<Request<Body>, Error> {
        self.check()?;
        let fields = self.fields_to_send();
        let ids = self
            .ids
            .iter()
            .map(AttachmentId::as_str)
            .collect::<Vec<_>>()
            .join(",");
        let page = self.page.map(|p| p.to_string());
        let per_page = self.per_page.map(|p| p.to_string());
        let mut q: Vec<(&str, &str)> = Vec::new();
        if let Some(f) = &fields {
            q.push(("fields", f));
        }
        if !ids.is_empty() {
            q.push(("ids", &ids));
        }
        if let Some(p) = &page {
            q.push(("page", p));
        }
        if let Some(p) = &per_page {
            q.push(("per_page", p));
        }
        if let Some(t) = &self.page_token {
            q.push(("page_token", t));
        }
        let uri = self.target.uri(base, &["Attachments"], &q)?;
        let mut req = build(Method::GET, uri, Body::Empty)?;
        if let Some(t) = &self.if_modified_since {
            let v = HeaderValue::try_from(t.as_str()).map_err(|_| InputError::Invalid {
                what: "If-Modified-Since time",
                value: printable(t),
                why: "not a valid header value",
            })?;
            req.headers_mut().insert(header::IF_MODIFIED_SINCE, v);
        }
        Ok(req)
    }

    fn response(&self, resp: Response<Bytes>) -> Result<AttachmentPage, Error> {
        match resp.status() {
            StatusCode::NO_CONTENT => Ok(AttachmentPage::default()),
            StatusCode::NOT_MODIFIED => Ok(AttachmentPage {
                not_modified: true,
                ..AttachmentPage::default()
            }),
            _ if resp.status().is_success() && resp.body().is_empty() => {
                Ok(AttachmentPage::default())
            }
            _ => {
                let w: ListWrapper = response::json(&resp)?;
                Ok(AttachmentPage {
                    attachments: w.data,
                    info: w.info,
                    not_modified: false,
                })
            }
        }
    }

    fn idempotent(&self) -> bool {
        true
    }
}

// ---------------------------------------------------------------------------------------------
// Upload a file

/// `POST {prefix}/{module}/{record}/Attachments` with one multipart part named `file`.
///
/// The file's bytes are source 0 of the multipart plan: the transport streams them from a file
/// or reader of exactly `len` bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploadAttachment {
    target: RecordRef,
    path: String,
    len: u64,
    content_type: Option<String>,
    limits: Limits,
    boundary: Option<Boundary>,
}

impl UploadAttachment {
    /// Uploads `len` bytes named after the base name of `file_name` (a path is fine: only its
    /// last component is sent).
    pub fn new(target: RecordRef, file_name: &str, len: u64) -> Self {
        Self {
            target,
            path: file_name.to_owned(),
            len,
            content_type: None,
            limits: Limits::default(),
            boundary: None,
        }
    }

    /// The part's `Content-Type` (default: guessed from the extension).
    pub fn content_type(mut self, ct: impl Into<String>) -> Self {
        self.content_type = Some(ct.into());
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

    /// The name that will be sent.
    pub fn file_name(&self) -> Result<String, InputError> {
        upload_name(&self.path)
    }
}

impl Operation for UploadAttachment {
    type Output = Uploaded;

    fn request(&self, base: &BaseUrl) -> Result<Request<Body>, Error> {
        self.target.check(Feature::Attachments)?;
        let part = file_part(
            &self.path,
            self.len,
            self.content_type.as_deref(),
            self.limits.attachment_max_bytes,
            &self.limits.blocked_extensions,
            "attachments",
        )?;
        let plan = Multipart::builder(self.boundary.clone().unwrap_or_else(Boundary::random))
            .file_source("file", &part.name, &part.content_type, self.len)
            .finish();
        let uri = self.target.uri(base, &["Attachments"], &[])?;
        build(Method::POST, uri, Body::Multipart(plan))
    }

    fn response(&self, resp: Response<Bytes>) -> Result<Uploaded, Error> {
        let item = response::single_action(&resp)?;
        Uploaded::from_item(item, &resp)
    }

    fn idempotent(&self) -> bool {
        false
    }
}

// ---------------------------------------------------------------------------------------------
// Upload a link

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

// ---------------------------------------------------------------------------------------------
// Download

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

// ---------------------------------------------------------------------------------------------
// Delete one

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

// ---------------------------------------------------------------------------------------------
// Delete many

/// Deletes many attachments of one record: `DELETE .../Attachments?ids=a,b,c`, split into
/// batches of at most [`DEFAULT_DELETE_BATCH`] ids.
///
/// Run each of [`batches`](Self::batches) as an operation, then pass every batch with its result
/// to [`merge`](Self::merge): the report has one outcome per id, whether its batch succeeded,
/// failed per item, or failed as a whole.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeleteAttachments {
    target: RecordRef,
    ids: Vec<AttachmentId>,
    batch_size: usize,
}

impl DeleteAttachments {
    /// Deletes these attachments. Repeated ids are sent once.
    pub fn new(target: RecordRef, ids: impl IntoIterator<Item = AttachmentId>) -> Self {
        let mut seen = std::collections::HashSet::new();
        let ids = ids
            .into_iter()
            .filter(|id| seen.insert(id.clone()))
            .collect();
        Self {
            target,
            ids,
            batch_size: DEFAULT_DELETE_BATCH,
        }
    }

    /// Ids per call (at least 1).
    pub fn batch_size(mut self, n: usize) -> Self {
        self.batch_size = n.max(1);
        self
    }

    /// The calls to make. Fails on an empty id list or an unsupported module.
    pub fn batches(&self) -> Result<Vec<DeleteAttachmentsBatch>, InputError> {
        if self.ids.is_empty() {
            return Err(InputError::Empty {
                what: "the list of attachment ids to delete",
            });
        }
        self.target.check(Feature::Attachments)?;
        Ok(self
            .ids
            .chunks(self.batch_size)
            .map(|chunk| DeleteAttachmentsBatch {
                target: self.target.clone(),
                ids: chunk.to_vec(),
            })
            .collect())
    }

    /// Merges the batches' results into one outcome per id, in the order the ids were given.
    pub fn merge(
        results: impl IntoIterator<Item = (DeleteAttachmentsBatch, Result<Vec<DeleteResult>, Error>)>,
    ) -> Vec<DeleteResult> {
        let mut out = Vec::new();
        for (batch, result) in results {
            match result {
                Ok(items) => out.extend(items),
                Err(e) => {
                    let shared = Arc::new(e);
                    out.extend(batch.ids.into_iter().map(|id| DeleteResult {
                        id,
                        outcome: DeleteOutcome::BatchFailed(Arc::clone(&shared)),
                    }));
                }
            }
        }
        out
    }
}

/// One call of a bulk delete.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeleteAttachmentsBatch {
    target: RecordRef,
    ids: Vec<AttachmentId>,
}

impl DeleteAttachmentsBatch {
    /// The ids of this call.
    pub fn ids(&self) -> &[AttachmentId] {
        &self.ids
    }
}

/// What happened to one id of a bulk delete.
#[derive(Clone, Debug)]
pub enum DeleteOutcome {
    /// Zoho deleted it.
    Deleted {
        /// Zoho's message.
        message: String,
    },
    /// Zoho refused it (e.g. `INVALID_DATA` for an id that is not the record's).
    Failed(ApiError),
    /// Zoho's answer had no entry for this id.
    NoResult,
    /// The whole call failed (connection, token, a request-level error); shared by every id of
    /// that call.
    BatchFailed(Arc<Error>),
}

impl DeleteOutcome {
    /// True when the id was deleted.
    pub fn is_deleted(&self) -> bool {
        matches!(self, DeleteOutcome::Deleted { .. })
    }
}

/// The outcome for one id.
#[derive(Clone, Debug)]
pub struct DeleteResult {
    /// The id.
    pub id: AttachmentId,
    /// What happened to it.
    pub outcome: DeleteOutcome,
}

impl Operation for DeleteAttachmentsBatch {
    type Output = Vec<DeleteResult>;

    fn request(&self, base: &BaseUrl) -> Result<Request<Body>, Error> {
        if self.ids.is_empty() {
            return Err(InputError::Empty {
                what: "the list of attachment ids to delete",
            }
            .into());
        }
        self.target.check(Feature::Attachments)?;
        let ids = self
            .ids
            .iter()
            .map(AttachmentId::as_str)
            .collect::<Vec<_>>()
            .join(",");
        let uri = self.target.uri(base, &["Attachments"], &[("ids", &ids)])?;
        build(Method::DELETE, uri, Body::Empty)
    }

    /// Per-id results are read from `{"data": [...]}` whatever the status (200, 207 or 400);
    /// any other answer fails the whole batch.
    fn response(&self, resp: Response<Bytes>) -> Result<Vec<DeleteResult>, Error> {
        let status = resp.status();
        let parsed = serde_json::from_slice::<serde_json::Value>(resp.body())
            .ok()
            .filter(|v| v.get("data").is_some_and(serde_json::Value::is_array));
        let Some(value) = parsed else {
            return Err(if status.is_success() {
                response::decode::<response::ActionWrapper>(status, resp.body())
                    .err()
                    .unwrap_or_else(|| response::unexpected(&resp))
            } else {
                response::error_from(&resp)
            });
        };
        let items: response::ActionWrapper =
            serde_json::from_value(value).map_err(|e| Error::Decode {
                status,
                path: String::from("data"),
                message: e.to_string(),
                body: resp.body().clone(),
            })?;
        Ok(match_results(&self.ids, items.data, status))
    }

    fn idempotent(&self) -> bool {
        true
    }
}

/// Pairs answer items with ids: by `details.id` where given, else by position among the items
/// without one. A failed item's error carries the status of the whole answer.
fn match_results(
    ids: &[AttachmentId],
    items: Vec<ActionItem>,
    status: StatusCode,
) -> Vec<DeleteResult> {
    let mut by_id: HashMap<&str, ActionItem> = HashMap::new();
    let mut anonymous = Vec::new();
    for item in items {
        match item.detail_id().map(str::to_owned) {
            Some(id) => {
                if let Some(known) = ids.iter().find(|k| k.as_str() == id) {
                    by_id.entry(known.as_str()).or_insert(item);
                }
            }
            None => anonymous.push(item),
        }
    }
    let mut anonymous = anonymous.into_iter();
    ids.iter()
        .map(|id| {
            let item = by_id.remove(id.as_str()).or_else(|| anonymous.next());
            let outcome = match item {
                None => DeleteOutcome::NoResult,
                Some(i) if i.is_success() => DeleteOutcome::Deleted { message: i.message },
                Some(i) => DeleteOutcome::Failed(i.to_error(status)),
            };
            DeleteResult {
                id: id.clone(),
                outcome,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_times() {
        assert!(looks_like_iso_datetime("2019-07-25T15:26:49+05:30"));
        assert!(looks_like_iso_datetime("2019-07-25T15:26:49Z"));
        assert!(!looks_like_iso_datetime("2019-07-25 15:26:49"));
        assert!(!looks_like_iso_datetime(
            "2019-07-25T15:26:49+05:30\r\nX: y"
        ));
        assert!(!looks_like_iso_datetime(""));
    }
}
