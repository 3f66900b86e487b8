//! A download's temporary file beside its target, and the rename that ends it.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

use zoho_core::Error;

/// Removes the temporary download files this process has in `dir` (`.{name}.{pid}.*.part`),
/// as a signal handler does before the process exits: a `TempFile` is not dropped then.
/// Returns how many were removed; another process's files are never touched.
pub fn remove_own_temp_files(dir: &Path) -> io::Result<usize> {
    let mark = format!(".{}.", std::process::id());
    let mut removed = 0;
    for entry in std::fs::read_dir(dir)? {
        let name = entry?.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') && name.ends_with(".part") && name.contains(&mark) {
            match std::fs::remove_file(dir.join(&*name)) {
                Ok(()) => removed += 1,
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
    }
    Ok(removed)
}

/// A new, hidden file beside a download's target (`.{name}.{pid}.{random}.part`, in the same
/// directory so the final rename is atomic). It is removed when dropped unless persisted: after
/// a failure, and when the caller gives up part-way (an async download's future dropped).
#[derive(Debug)]
pub struct TempFile {
    path: PathBuf,
    persisted: bool,
}

impl TempFile {
    /// Creates the file beside `target`; a missing or read-only directory fails here, before
    /// anything is asked of the server, with an error naming the directory.
    pub fn create_beside(target: &Path) -> Result<(Self, File), Error> {
        let path = zoho_core::disposition::temp_path_beside(target);
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let file = File::options()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(Error::file("create a temporary file in", dir))?;
        let tmp = Self {
            path,
            persisted: false,
        };
        Ok((tmp, file))
    }

    /// Where the file is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file again, emptied, for a new attempt.
    pub fn reopen(&self) -> Result<File, Error> {
        Self::reopen_at(&self.path)
    }

    /// [`TempFile::reopen`] by path, for work moved to another thread.
    pub fn reopen_at(path: &Path) -> Result<File, Error> {
        File::options()
            .write(true)
            .truncate(true)
            .open(path)
            .map_err(Error::file("reopen", path))
    }

    /// Puts the file at `target`. Without `overwrite` an existing file is never replaced, not
    /// even one created while the download ran: the file is linked to the new name, which fails
    /// if it exists, and only then unlinked from the temporary one. Where the file system has no
    /// links, it is renamed after a check (which a file created in between could still race).
    pub fn persist(mut self, target: &Path, overwrite: bool) -> Result<(), Error> {
        if overwrite {
            std::fs::rename(&self.path, target).map_err(Error::file("rename to", target))?;
        } else {
            match std::fs::hard_link(&self.path, target) {
                Ok(()) => {
                    // The data is safe under `target`; a temporary name left behind is harmless.
                    let _ = std::fs::remove_file(&self.path);
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    return Err(Error::FileExists {
                        path: target.to_owned(),
                    });
                }
                Err(_) => {
                    refuse_existing(target)?;
                    std::fs::rename(&self.path, target)
                        .map_err(Error::file("rename to", target))?;
                }
            }
        }
        self.persisted = true;
        Ok(())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.persisted {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Refuses a target that exists (a file, a directory or a dangling link), so a download can stop
/// before its body is fetched.
pub fn refuse_existing(target: &Path) -> Result<(), Error> {
    match std::fs::symlink_metadata(target) {
        Ok(_) => Err(Error::FileExists {
            path: target.to_owned(),
        }),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::file("check", target)(e)),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;
    use std::io::Write;

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("zoho-fs-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn entries(d: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_persisted_file_is_at_its_target_and_nothing_else_is_left() {
        let d = dir("persist");
        let target = d.join("a.txt");
        let (tmp, mut f) = TempFile::create_beside(&target).unwrap();
        assert!(
            tmp.path()
                .file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(".a.txt.")
        );
        f.write_all(b"hello").unwrap();
        drop(f);
        tmp.persist(&target, false).unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"hello");
        assert_eq!(entries(&d), ["a.txt"]);
    }

    #[test]
    fn an_existing_target_is_kept_unless_overwrite_is_asked() {
        let d = dir("exists");
        let target = d.join("a.txt");
        std::fs::write(&target, b"old").unwrap();
        let (tmp, mut f) = TempFile::create_beside(&target).unwrap();
        f.write_all(b"new").unwrap();
        let e = tmp.persist(&target, false).unwrap_err();
        assert!(
            matches!(&e, Error::FileExists { path } if *path == target),
            "{e:?}"
        );
        assert!(e.to_string().contains("a.txt already exists"), "{e}");
        assert_eq!(std::fs::read(&target).unwrap(), b"old");
        assert_eq!(
            entries(&d),
            ["a.txt"],
            "the refused temporary file is removed"
        );
        let (tmp, mut f) = TempFile::create_beside(&target).unwrap();
        f.write_all(b"new").unwrap();
        tmp.persist(&target, true).unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"new");
        assert_eq!(entries(&d), ["a.txt"]);
    }

    #[test]
    fn a_dropped_temp_file_is_removed_and_reopen_empties_it() {
        let d = dir("drop");
        let (tmp, mut f) = TempFile::create_beside(&d.join("b.bin")).unwrap();
        f.write_all(b"partial").unwrap();
        let mut again = tmp.reopen().unwrap();
        assert_eq!(std::fs::metadata(tmp.path()).unwrap().len(), 0);
        again.write_all(b"x").unwrap();
        drop(tmp);
        assert!(entries(&d).is_empty());
    }

    #[test]
    fn a_signal_handler_removes_this_process_temp_files_only() {
        let d = dir("signal");
        let (tmp, _) = TempFile::create_beside(&d.join("big.bin")).unwrap();
        let other = d.join(".big.bin.1.0000000000000000.part"); // another process's
        std::fs::write(&other, b"theirs").unwrap();
        std::fs::write(d.join("kept.part"), b"a user's file").unwrap();
        assert_eq!(remove_own_temp_files(&d).unwrap(), 1);
        assert!(!tmp.path().exists());
        let mut left = entries(&d);
        left.sort();
        assert_eq!(left, [".big.bin.1.0000000000000000.part", "kept.part"]);
    }

    #[test]
    fn a_missing_directory_is_named() {
        let d = dir("missing").join("nope");
        let e = TempFile::create_beside(&d.join("c.bin")).unwrap_err();
        match &e {
            Error::File { path, source, .. } => {
                assert_eq!(*path, d);
                assert_eq!(source.kind(), io::ErrorKind::NotFound);
            }
            other => panic!("{other:?}"),
        }
        let text = e.to_string();
        assert!(
            text.starts_with("could not create a temporary file in "),
            "{text}"
        );
        assert!(text.contains("nope"), "{text}");
    }

    #[test]
    fn refuse_existing_sees_files_directories_and_nothing() {
        let d = dir("refuse");
        assert!(refuse_existing(&d.join("free")).is_ok());
        assert!(matches!(refuse_existing(&d), Err(Error::FileExists { .. })));
        std::fs::write(d.join("f"), b"").unwrap();
        assert!(matches!(
            refuse_existing(&d.join("f")),
            Err(Error::FileExists { .. })
        ));
    }
}
