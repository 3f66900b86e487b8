//! Local file work (`zoho-fs`), on tokio's blocking threads.

use zoho_core::Error;

use crate::transport_err;

/// Runs blocking file work off the runtime's workers.
pub(crate) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, Error> + Send + 'static,
) -> Result<T, Error> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(transport_err)?
}
