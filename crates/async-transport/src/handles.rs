//! What users call: the attachments and photo of a record, and the CRM file store, each a small
//! handle over a [`Transport`] for one product and version. The handles are the same for both
//! transports, written once in [`zoho_core::handles`]; only `list_all` differs in kind.

use futures_util::{Stream, StreamExt};
use zoho_core::ops::attachments::Attachment;
use zoho_core::pager::Pager;

zoho_core::transport_handles! {
    async: [async],
    await: [.await],
    reader: [impl tokio::io::AsyncRead + Send + 'static],
    boxed_reader: [crate::body::Reader],
    box_reader: [Box::pin],
    writer: [&mut (dyn tokio::io::AsyncWrite + Send + Unpin)],
}

impl Attachments {
    /// Every page from `first` on, fetched as the stream is polled; it ends after the last page,
    /// or after the first error. The stream owns a clone of the transport.
    pub fn pages(&self, first: ListAttachments) -> Pages {
        let state = (self.t.clone(), Some(Pager::new(first)));
        Box::pin(futures_util::stream::unfold(
            state,
            |(t, pager)| async move {
                let mut pager = pager?;
                let op = pager.next_request()?.clone();
                let page = t.execute(&op).await;
                match page.and_then(|p| pager.advance(&p).map(|()| p)) {
                    Ok(p) => Some((Ok(p), (t, Some(pager)))),
                    Err(e) => Some((Err(e), (t, None))),
                }
            },
        ))
    }

    /// Every attachment, page after page, fetched as the stream is polled.
    pub fn list_all(&self, first: ListAttachments) -> AllAttachments {
        Box::pin(self.pages(first).flat_map(|page| match page {
            Ok(p) => futures_util::stream::iter(p.attachments.into_iter().map(Ok)).left_stream(),
            Err(e) => futures_util::stream::once(async { Err(e) }).right_stream(),
        }))
    }
}

/// The pages of a record's attachments (see [`Attachments::pages`]).
pub type Pages = std::pin::Pin<Box<dyn Stream<Item = Result<AttachmentPage, Error>> + Send>>;

/// Every attachment of a record (see [`Attachments::list_all`]).
pub type AllAttachments = std::pin::Pin<Box<dyn Stream<Item = Result<Attachment, Error>> + Send>>;
