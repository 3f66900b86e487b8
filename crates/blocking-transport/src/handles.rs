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

impl<'a> Attachments<'a> {
    /// Every attachment, page after page, fetched as the iterator is read.
    pub fn list_all(&self, first: ListAttachments) -> AllAttachments<'a> {
        AllAttachments {
            t: self.t,
            pager: Pager::new(first),
            buffered: Vec::new().into_iter(),
            failed: false,
        }
    }
}

/// Iterator over every attachment of a record (see [`Attachments::list_all`]).
pub struct AllAttachments<'a> {
    t: &'a Transport,
    pager: Pager,
    buffered: std::vec::IntoIter<Attachment>,
    failed: bool,
}

impl Iterator for AllAttachments<'_> {
    type Item = Result<Attachment, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(a) = self.buffered.next() {
                return Some(Ok(a));
            }
            if self.failed {
                return None;
            }
            let op = self.pager.next_request()?.clone();
            let page = match self
                .t
                .execute(&op)
                .and_then(|p| self.pager.advance(&p).map(|()| p))
            {
                Ok(p) => p,
                Err(e) => {
                    self.failed = true;
                    return Some(Err(e));
                }
            };
            self.buffered = page.attachments.into_iter();
        }
    }
}
