//! The local file facts an upload needs before it is built: the length, and the first bytes.

use std::io::Read;
use std::path::Path;

use zoho_core::Error;

use crate::transport_err;

/// The length of a regular file (anything else is refused before a byte is sent).
pub(crate) fn file_len(path: &Path) -> Result<u64, Error> {
    let meta = std::fs::metadata(path).map_err(transport_err)?;
    zoho_core::ops::regular_file_len(path, meta.is_file(), meta.len())
}

/// Up to the first 16 bytes of a file, to tell an image's type.
pub(crate) fn file_head(path: &Path) -> Result<Vec<u8>, Error> {
    let mut head = Vec::with_capacity(16);
    std::fs::File::open(path)
        .and_then(|f| f.take(16).read_to_end(&mut head))
        .map_err(transport_err)?;
    Ok(head)
}
