//! `GET .../Attachments`: one page of a record's attachments.

use bytes::Bytes;
use http::{HeaderValue, Method, Request, Response, StatusCode, header};
use serde::Deserialize;

use crate::api::{Api, CrmVersion, Feature};
use crate::base_url::BaseUrl;
use crate::body::Body;
use crate::error::{Error, InputError, printable};
use crate::ids::AttachmentId;
use crate::operation::{Operation, build};
use crate::response;

use super::{Attachment, AttachmentPage, DEFAULT_FIELDS, MAX_PER_PAGE, PageInfo, join_ids};
use crate::ops::RecordRef;

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

#[derive(Deserialize)]
struct ListWrapper {
    #[serde(default)]
    data: Vec<Attachment>,
    #[serde(default)]
    info: Option<PageInfo>,
}

impl Operation for ListAttachments {
    type Output = AttachmentPage;

    fn request(&self, base: &BaseUrl) -> Result<Request<Body>, Error> {
        self.check()?;
        let fields = self.fields_to_send();
        let ids = join_ids(&self.ids);
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
