//! Local file work (`zoho-fs`), done in place (the async transport moves it off its runtime).

use zoho_core::Error;

/// Runs file work (here, where the caller is).
pub(crate) fn blocking<T>(work: impl FnOnce() -> Result<T, Error>) -> Result<T, Error> {
    work()
}
