//! A download's answer, looked at once for every transport: fail, stream the body, or read a
//! small body whole; with the size cap and an existing target checked before the body is read.

use bytes::Bytes;
use http::Response;

use super::{Answer, Finish};
use crate::operation::check_download_size;
use crate::{Download, DownloadHead, DownloadStart, Error};

/// What to do with a download's answer.
#[derive(Debug)]
pub enum Begin<B> {
    /// Stream this body into the target.
    Stream(DownloadHead, B),
    /// Read this small answer whole, then hand it to [`small_download`].
    ReadWhole(Response<B>),
}

/// Looks at a download's answer. An answer read whole is an error (Zoho's envelope, or a 204
/// with nothing to download); a declared length over `max_bytes` fails before the body.
pub fn begin_download<D: Download + ?Sized, B>(
    d: &D,
    answer: Answer<B>,
    max_bytes: Option<u64>,
) -> Result<Begin<B>, Finish> {
    let resp = match answer {
        Answer::Whole(r) => {
            let e = d.small_body(r).err();
            return Err(Finish::Fail(
                e.unwrap_or(Error::NoContent { what: d.what() }),
            ));
        }
        Answer::Success(r) => r,
    };
    let (parts, body) = resp.into_parts();
    match d.start(&parts)? {
        DownloadStart::Stream(head) => {
            if let Some(t) = head.content_length {
                check_download_size(t, max_bytes)?;
            }
            Ok(Begin::Stream(head, body))
        }
        DownloadStart::ReadBody => Ok(Begin::ReadWhole(Response::from_parts(parts, body))),
    }
}

/// The file in a small answer read whole, checked against `max_bytes`.
pub fn small_download<D: Download + ?Sized>(
    d: &D,
    whole: Response<Bytes>,
    max_bytes: Option<u64>,
) -> Result<(DownloadHead, Bytes), Finish> {
    let (head, bytes) = d.small_body(whole)?;
    check_download_size(bytes.len() as u64, max_bytes)?;
    Ok((head, bytes))
}
