//! The local-file side shared by the zoho transports, so that both keep a file the same way: a
//! download goes to a temporary file beside its target, renamed over it only when complete (and
//! never over an existing file unless asked); uploads are read in chunks a thread can hand on.
//!
//! Plain blocking `std::fs`: the async transport calls it from blocking threads. Every failure is
//! [`Error::File`] naming the path, or [`Error::FileExists`].

mod chunks;
mod temp;

pub use chunks::{CHUNK, read_chunks, write_batches};
pub use temp::{TempFile, refuse_existing, remove_own_temp_files};

use std::path::Path;

use zoho_core::Error;

/// The length of a regular file; anything else (a directory, a FIFO) is refused before a byte
/// is sent.
pub fn file_len(path: &Path) -> Result<u64, Error> {
    let meta = std::fs::metadata(path).map_err(Error::file("read", path))?;
    zoho_core::ops::regular_file_len(path, meta.is_file(), meta.len())
}

/// Up to the first 16 bytes of a file, to tell an image's type.
pub fn file_head(path: &Path) -> Result<Vec<u8>, Error> {
    use std::io::Read;
    let mut head = Vec::with_capacity(16);
    std::fs::File::open(path)
        .and_then(|f| f.take(16).read_to_end(&mut head))
        .map_err(Error::file("read", path))?;
    Ok(head)
}
