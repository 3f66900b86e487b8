//! Ctrl-C and SIGTERM: the temporary files this process has in the directories it writes to
//! are removed, no manifest is left with half a line, and the command exits 130.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

/// The directories downloads go to.
static DIRS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Held while a manifest line is written; the handler takes it before exiting.
static WRITING: Mutex<()> = Mutex::new(());

/// Installs the handler (once, at start). A failure to install is reported, not fatal.
pub fn install() {
    if let Err(e) = ctrlc::set_handler(on_signal) {
        eprintln!("zoho: Ctrl-C will not clean up temporary files ({e})");
    }
}

fn on_signal() {
    let _writing = WRITING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let dirs = DIRS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let removed: usize = dirs
        .iter()
        .filter_map(|d| zoho_fs::remove_own_temp_files(d).ok())
        .sum();
    eprintln!("zoho: interrupted; {removed} temporary file(s) removed, nothing half-written kept.");
    std::process::exit(i32::from(crate::fail::INTERRUPTED));
}

/// Downloads will go into `dir`: its temporary files are removed on a signal.
pub fn watch(dir: &Path) {
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    if let Ok(mut dirs) = DIRS.lock()
        && !dirs.iter().any(|d| d == dir)
    {
        dirs.push(dir.to_owned());
    }
}

/// Hold while writing a line of a manifest: a signal waits for it.
pub fn writing() -> MutexGuard<'static, ()> {
    WRITING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
