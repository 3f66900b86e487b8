//! `GET {prefix}/{module}?fields=id`: one page of a module's record ids, for whole-module work
//! (`zoho backup MODULE --all-records`). Zoho requires `fields` (CRM v3 and later, Bigin),
//! gives at most 200 per page, reaches only the first 2,000 records by `page` and the rest by
//! CRM v8's `page_token` (zoho-api-facts addendum, v8 get-records); [`ListRecordIds::next`]
//! follows whichever the answer offers, and stops on a cursor that does not move.

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use serde::Deserialize;

use crate::api::{Api, CrmVersion};
use crate::base_url::BaseUrl;
use crate::body::Body;
use crate::error::Error;
use crate::ids::RecordId;
use crate::module::ModuleName;
use crate::operation::{Operation, build};
use crate::ops::attachments::PageInfo;
use crate::response;

/// One page of the ids of a module's records, 200 at a time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListRecordIds {
    api: Api,
    module: ModuleName,
    page: u32,
    page_token: Option<String>,
}

/// A page of record ids.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecordIdPage {
    /// The ids, in Zoho's order.
    pub ids: Vec<RecordId>,
    /// The page's `info` (none on 204).
    pub info: Option<PageInfo>,
}

#[derive(Deserialize)]
struct Wrapper {
    #[serde(default)]
    data: Vec<IdOnly>,
    #[serde(default)]
    info: Option<PageInfo>,
}

#[derive(Deserialize)]
struct IdOnly {
    id: RecordId,
}

impl ListRecordIds {
    /// The first page of `module`'s records.
    pub fn new(api: Api, module: ModuleName) -> Self {
        Self {
            api,
            module,
            page: 1,
            page_token: None,
        }
    }

    /// The request for the page after `page`, or `None` after the last. A cursor that does
    /// not move (the same token, a page number Zoho did not answer, more records promised
    /// after an empty page) is [`Error::PaginationStalled`].
    pub fn next(&self, page: &RecordIdPage) -> Result<Option<Self>, Error> {
        let Some(info) = page.info.as_ref().filter(|i| i.more_records) else {
            return Ok(None);
        };
        let stalled = |cursor, value: String| Error::PaginationStalled { cursor, value };
        let token = info.next_page_token.as_deref().filter(|t| !t.is_empty());
        if let Some(t) = token.filter(|_| self.api.crm_at_least(CrmVersion::V8)) {
            if self.page_token.as_deref() == Some(t) {
                return Err(stalled("page_token", t.to_owned()));
            }
            return Ok(Some(Self {
                page_token: Some(t.to_owned()),
                ..self.clone()
            }));
        }
        let asked = u64::from(self.page);
        if page.ids.is_empty() || info.page.is_some_and(|p| p != asked) || self.page_token.is_some()
        {
            return Err(stalled("page", info.page.unwrap_or(asked).to_string()));
        }
        let next = self
            .page
            .checked_add(1)
            .ok_or_else(|| stalled("page", asked.to_string()))?;
        Ok(Some(Self {
            page: next,
            ..self.clone()
        }))
    }
}

impl Operation for ListRecordIds {
    type Output = RecordIdPage;

    fn request(&self, base: &BaseUrl) -> Result<Request<Body>, Error> {
        let page = self.page.to_string();
        let mut q: Vec<(&str, &str)> = vec![("fields", "id"), ("per_page", "200")];
        match &self.page_token {
            Some(t) => q.push(("page_token", t)),
            None => q.push(("page", &page)),
        }
        let uri = base.join(&self.api.prefix(), &[self.module.as_str()], &q)?;
        build(Method::GET, uri, Body::Empty)
    }

    fn response(&self, resp: Response<Bytes>) -> Result<RecordIdPage, Error> {
        if resp.status() == StatusCode::NO_CONTENT || resp.body().is_empty() {
            return Ok(RecordIdPage::default());
        }
        let w: Wrapper = response::json(&resp)?;
        Ok(RecordIdPage {
            ids: w.data.into_iter().map(|r| r.id).collect(),
            info: w.info,
        })
    }

    fn idempotent(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn page(ids: &[&str], info: serde_json::Value) -> RecordIdPage {
        RecordIdPage {
            ids: ids.iter().map(|i| RecordId::new(*i).unwrap()).collect(),
            info: Some(serde_json::from_value(info).unwrap()),
        }
    }

    #[test]
    fn pages_follow_the_token_in_v8_and_numbers_elsewhere() {
        let base = BaseUrl::new("https://www.zohoapis.eu").unwrap();
        let first = ListRecordIds::new(Api::CRM, ModuleName::new("Deals").unwrap());
        let uri = first.request(&base).unwrap().uri().to_string();
        assert_eq!(
            uri,
            "https://www.zohoapis.eu/crm/v8/Deals?fields=id&per_page=200&page=1"
        );
        let more = page(
            &["1"],
            serde_json::json!({"more_records": true, "next_page_token": "t1", "page": 1}),
        );
        let second = first.next(&more).unwrap().unwrap();
        let uri = second.request(&base).unwrap().uri().to_string();
        assert!(
            uri.ends_with("?fields=id&per_page=200&page_token=t1"),
            "{uri}"
        );
        assert!(matches!(
            second.next(&more),
            Err(Error::PaginationStalled {
                cursor: "page_token",
                ..
            })
        ));
        let last = page(&["2"], serde_json::json!({"more_records": false}));
        assert_eq!(second.next(&last).unwrap(), None);
        // Bigin: page numbers; an empty page that promises more stops.
        let b = ListRecordIds::new(Api::BIGIN, ModuleName::new("Contacts").unwrap());
        let two = b
            .next(&page(
                &["1"],
                serde_json::json!({"more_records": true, "page": 1}),
            ))
            .unwrap()
            .unwrap();
        assert!(
            two.request(&base)
                .unwrap()
                .uri()
                .to_string()
                .ends_with("page=2")
        );
        assert!(
            two.next(&page(
                &[],
                serde_json::json!({"more_records": true, "page": 2})
            ))
            .is_err()
        );
    }
}
