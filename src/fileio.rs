//! Writing output files so that nothing the user had is lost: never overwrite without
//! `--force`, write to a temporary file beside the target, and rename into place only when
//! every file of the set is complete; when a file is replaced, only once the new set is on disk.

use crate::error::{Error, Result};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// One file to write.
pub struct OutFile<'a> {
    /// Where it goes.
    pub path: PathBuf,
    /// What it holds.
    pub contents: &'a [u8],
    /// Unix permission bits (0o600 for private keys).
    pub mode: u32,
}

/// Create `dir` (and parents) with mode 0700 if it does not exist.
pub fn ensure_dir(dir: &Path) -> Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    if dir.exists() {
        return Err(
            Error::unknown("exists and is not a directory", "choose another --out-dir")
                .at(dir.display()),
        );
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| {
            Error::unknown(
                format!("cannot create directory: {e}"),
                "check the path and permissions",
            )
            .at(dir.display())
        })
}

/// Write every file of `files` or none of them. Without `force`, refuse (touching nothing)
/// if any target exists, and never replace a file that appears meanwhile. Files are
/// committed in the order given, so put the one whose loss matters most last.
pub fn write_all_or_nothing(files: &[OutFile<'_>], force: bool) -> Result<()> {
    if !force {
        let existing: Vec<String> = files
            .iter()
            .filter(|f| f.path.symlink_metadata().is_ok())
            .map(|f| f.path.display().to_string())
            .collect();
        if !existing.is_empty() {
            return Err(Error::unknown(
                "refusing to overwrite existing files",
                "move them away, choose another --out-dir, or pass --force to replace them",
            )
            .at(existing.join(", ")));
        }
    }

    // Durability is bought (fsync, about a disk flush) where a crash could otherwise cost the
    // user something they had: when an existing file is replaced, the new one must be on disk
    // before the rename, and the rename on disk before we say done. A brand-new set has nothing
    // to lose; like openssl and ssh-keygen, it is left to the kernel to write out, which keeps
    // `nskeys gen --alg es256` as fast as openssl.
    let replacing = files.iter().any(|f| f.path.symlink_metadata().is_ok());

    // Stage: complete temporary files beside their targets.
    let mut staged = Vec::with_capacity(files.len());
    for f in files {
        let dir = parent_of(&f.path);
        let io_err = |what: &str, e: std::io::Error| {
            Error::unknown(format!("{what}: {e}"), "check free space and permissions")
                .at(dir.display())
        };
        let mut tmp = tempfile::Builder::new()
            .prefix(".nskeys-")
            .suffix(".tmp")
            .permissions(std::fs::Permissions::from_mode(f.mode))
            .tempfile_in(&dir)
            .map_err(|e| io_err("cannot create a temporary file", e))?;
        // The mode must hold whatever the umask says.
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(f.mode))
            .map_err(|e| io_err("cannot set permissions", e))?;
        tmp.write_all(f.contents)
            .map_err(|e| io_err("cannot write", e))?;
        staged.push(tmp);
    }
    if replacing {
        sync_all_at_once(&staged, files)?;
    }

    // Commit: rename (or link, refusing to replace) each into place.
    let mut committed: Vec<&Path> = Vec::new();
    for (tmp, f) in staged.into_iter().zip(files) {
        let result = if force {
            tmp.persist(&f.path).map(|_| ())
        } else {
            tmp.persist_noclobber(&f.path).map(|_| ())
        };
        if let Err(e) = result {
            // Undo what this run placed, so no half set stays under the real names. (With
            // --force the files replaced are gone already; removing ours would leave nothing.)
            if !force {
                for p in &committed {
                    let _ = std::fs::remove_file(p);
                }
            }
            let hint = if e.error.kind() == std::io::ErrorKind::AlreadyExists {
                "another process created it meanwhile; nothing of this run was kept"
            } else {
                "check free space and permissions; nothing of this run was kept"
            };
            return Err(
                Error::unknown(format!("cannot write: {}", e.error), hint).at(f.path.display())
            );
        }
        committed.push(&f.path);
    }
    if !replacing {
        return Ok(());
    }
    // Make the renames durable: each directory once.
    let mut dirs: Vec<PathBuf> = files.iter().map(|f| parent_of(&f.path)).collect();
    dirs.sort();
    dirs.dedup();
    for dir in dirs {
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

/// fsync every staged file, all at the same time: the filesystem journal then commits them
/// together, so the set costs about one disk flush instead of one per file.
fn sync_all_at_once(staged: &[tempfile::NamedTempFile], files: &[OutFile<'_>]) -> Result<()> {
    let sync_err = |f: &OutFile<'_>, e: std::io::Error| {
        Error::unknown(
            format!("cannot sync: {e}"),
            "check free space and permissions",
        )
        .at(parent_of(&f.path).display())
    };
    let Some((first, rest)) = staged.split_first() else {
        return Ok(());
    };
    std::thread::scope(|scope| {
        let others: Vec<_> = rest
            .iter()
            .map(|tmp| scope.spawn(move || tmp.as_file().sync_all()))
            .collect();
        // This thread syncs the first file meanwhile.
        let mut results = vec![first.as_file().sync_all()];
        for handle in others {
            results.push(
                handle
                    .join()
                    .unwrap_or_else(|_| Err(std::io::Error::other("the sync thread failed"))),
            );
        }
        results
            .into_iter()
            .zip(files)
            .try_for_each(|(r, f)| r.map_err(|e| sync_err(f, e)))
    })
}

fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set<'a>(dir: &Path, key: &'a [u8], cert: &'a [u8]) -> [OutFile<'a>; 2] {
        [
            OutFile {
                path: dir.join("public.pem"),
                contents: cert,
                mode: 0o644,
            },
            OutFile {
                path: dir.join("private.pem"),
                contents: key,
                mode: 0o600,
            },
        ]
    }

    #[test]
    fn new_set_then_forced_replacement_which_is_synced() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        write_all_or_nothing(&set(d, b"key1", b"cert1"), false).unwrap();
        assert!(write_all_or_nothing(&set(d, b"key2", b"cert2"), false).is_err());
        assert_eq!(std::fs::read(d.join("private.pem")).unwrap(), b"key1");
        // Replacing takes the fsync path.
        write_all_or_nothing(&set(d, b"key2", b"cert2"), true).unwrap();
        assert_eq!(std::fs::read(d.join("private.pem")).unwrap(), b"key2");
        assert_eq!(std::fs::read(d.join("public.pem")).unwrap(), b"cert2");
        let mode = std::fs::metadata(d.join("private.pem"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let leftovers = std::fs::read_dir(d).unwrap().count();
        assert_eq!(leftovers, 2, "no temporary files left behind");
    }
}
