//! The local file facts an upload needs before it is built: the length, and the first bytes.

use std::path::Path;

use tokio::io::AsyncReadExt;
use zoho_core::Error;

use crate::transport_err;

/// The length of a regular file (anything else is refused before a byte is sent).
pub(crate) async fn file_len(path: &Path) -> Result<u64, Error> {
    let meta = tokio::fs::metadata(path).await.map_err(transport_err)?;
    zoho_core::ops::regular_file_len(path, meta.is_file(), meta.len())
}

/// Up to the first 16 bytes of a file, to tell an image's type.
pub(crate) async fn file_head(path: &Path) -> Result<Vec<u8>, Error> {
    let mut head = Vec::with_capacity(16);
    let f = tokio::fs::File::open(path).await.map_err(transport_err)?;
    f.take(16)
        .read_to_end(&mut head)
        .await
        .map_err(transport_err)?;
    Ok(head)
}
