//! What users call: the attachments and photo of a record, and the CRM file store, each a small
//! handle over a [`Transport`] for one product and version. The handles are the same for both
//! transports, written once in [`zoho_core::handles`]; only `list_all` differs in kind.

use zoho_core::ops::attachments::Attachment;
use zoho_core::pager::Pager;

zoho_core::transport_handles! {
    async: [],
    await: [],
    reader: [impl std::io::Read + Send + 'static],
    boxed_reader: [Box<dyn std::io::Read + Send>],
    box_reader: [Box::new],
    writer: [&mut dyn std::io::Write],
}

impl Attachments {
    /// Every page from `first` on, fetched as the iterator is read; it ends after the last page,
    /// or after the first error.
    pub fn pages(&self, first: ListAttachments) -> Pages {
        Pages {
            t: self.t.clone(),
            pager: Some(Pager::new(first)),
        }
    }

    /// Every attachment, page after page, fetched as the iterator is read.
    pub fn list_all(&self, first: ListAttachments) -> AllAttachments {
        AllAttachments {
            pages: self.pages(first),
            buffered: Vec::new().into_iter(),
        }
    }
}

/// Iterator over the pages of a record's attachments (see [`Attachments::pages`]).
#[derive(Debug)]
pub struct Pages {
    t: Transport,
    pager: Option<Pager>,
}

impl Iterator for Pages {
    type Item = Result<AttachmentPage, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        let pager = self.pager.as_mut()?;
        let op = pager.next_request()?.clone();
        let page = self.t.execute(&op);
        let page = page.and_then(|p| pager.advance(&p).map(|()| p));
        if page.is_err() {
            self.pager = None;
        }
        Some(page)
    }
}

/// Iterator over every attachment of a record (see [`Attachments::list_all`]).
#[derive(Debug)]
pub struct AllAttachments {
    pages: Pages,
    buffered: std::vec::IntoIter<Attachment>,
}

impl Iterator for AllAttachments {
    type Item = Result<Attachment, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(a) = self.buffered.next() {
                return Some(Ok(a));
            }
            match self.pages.next()? {
                Ok(p) => self.buffered = p.attachments.into_iter(),
                Err(e) => return Some(Err(e)),
            }
        }
    }
}
