//! Walking every page of a listing, as pure logic: the pager yields the next request and refuses
//! to loop on a cursor that did not advance.

use crate::error::Error;
use crate::ops::attachments::{AttachmentPage, ListAttachments};

/// Yields the list request for each page in turn.
///
/// ```
/// # use zoho_core::{Api, pager::Pager, ops::RecordRef, ops::attachments::*};
/// # fn fetch(_: &ListAttachments) -> Result<AttachmentPage, zoho_core::Error> { Ok(AttachmentPage::default()) }
/// let first = ListAttachments::new(RecordRef::parse(Api::CRM, "Leads", "1")?);
/// let mut pager = Pager::new(first);
/// while let Some(request) = pager.next_request() {
///     let page = fetch(request)?;        // send it with any transport
///     pager.advance(&page)?;             // errors if the cursor did not move
///     for a in &page.attachments { /* ... */ }
/// }
/// # Ok::<(), zoho_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Pager {
    next: Option<ListAttachments>,
    seen_tokens: Vec<String>,
}

impl Pager {
    /// Starts at `first`.
    pub fn new(first: ListAttachments) -> Self {
        Self {
            next: Some(first),
            seen_tokens: Vec::new(),
        }
    }

    /// The request for the next page, or `None` when the listing is complete.
    pub fn next_request(&self) -> Option<&ListAttachments> {
        self.next.as_ref()
    }

    /// Takes in the page answered to [`next_request`](Self::next_request).
    ///
    /// Uses `info.next_page_token` when the server gives one (CRM v8), else the next page
    /// number. Fails, and stops, when the token repeats, when the server reports another page
    /// than the one asked for, or when it claims more records after an empty page.
    pub fn advance(&mut self, page: &AttachmentPage) -> Result<(), Error> {
        let Some(current) = self.next.take() else {
            return Ok(());
        };
        let Some(info) = page.info.as_ref().filter(|i| i.more_records) else {
            return Ok(()); // last page, 204 or 304
        };
        if let Some(token) = info.next_page_token.as_deref().filter(|t| !t.is_empty()) {
            if current.current_page_token() == Some(token)
                || self.seen_tokens.iter().any(|t| t == token)
            {
                return Err(Error::PaginationStalled {
                    cursor: "page_token",
                    value: token.to_owned(),
                });
            }
            self.seen_tokens.push(token.to_owned());
            self.next = Some(current.at_page_token(token));
            return Ok(());
        }
        let asked = u64::from(current.current_page());
        let stalled = page.attachments.is_empty() || info.page.is_some_and(|p| p != asked);
        if stalled || current.current_page_token().is_some() {
            return Err(Error::PaginationStalled {
                cursor: "page",
                value: info.page.unwrap_or(asked).to_string(),
            });
        }
        let next = current
            .current_page()
            .checked_add(1)
            .ok_or(Error::PaginationStalled {
                cursor: "page",
                value: asked.to_string(),
            })?;
        self.next = Some(current.at_page(next));
        Ok(())
    }
}
