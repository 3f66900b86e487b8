//! What users call: the attachments and photo of a record, and the CRM file store, each a small
//! handle over a [`Transport`] for one product and version. The handles are the same for both
//! transports, written once in [`zoho_core::handles`]; only `list_all` differs in kind.

use futures_util::Stream;
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

impl<'a> Attachments<'a> {
    /// Every attachment, page after page, fetched as the stream is polled.
    pub fn list_all(&self, first: ListAttachments) -> AllAttachments<'a> {
        let t = self.t;
        let state = (
            Pager::new(first),
            Vec::<Attachment>::new().into_iter(),
            false,
        );
        Box::pin(futures_util::stream::unfold(
            state,
            move |(mut pager, mut buffered, failed)| async move {
                loop {
                    if let Some(a) = buffered.next() {
                        return Some((Ok(a), (pager, buffered, failed)));
                    }
                    if failed {
                        return None;
                    }
                    let op = pager.next_request()?.clone();
                    match t
                        .execute(&op)
                        .await
                        .and_then(|p| pager.advance(&p).map(|()| p))
                    {
                        Ok(p) => buffered = p.attachments.into_iter(),
                        Err(e) => return Some((Err(e), (pager, buffered, true))),
                    }
                }
            },
        ))
    }
}

/// Every attachment of a record (see [`Attachments::list_all`]).
pub type AllAttachments<'a> =
    std::pin::Pin<Box<dyn Stream<Item = Result<Attachment, Error>> + Send + 'a>>;
