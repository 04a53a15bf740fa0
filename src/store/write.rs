//! Writing output files so that nothing the user had is lost: never overwrite without
//! `--force`, write to a temporary file beside the target, and rename into place only when
//! every file of the set is complete and on disk.

use crate::error::{Error, Result};
use std::io::Write;
#[cfg(unix)]
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// One file to write.
pub struct OutFile<'a> {
    /// Where it goes.
    pub path: PathBuf,
    /// What it holds.
    pub contents: &'a [u8],
    /// Unix permission bits (0o600 for private keys). Windows has no such bits: there the
    /// file inherits the directory's access control list (under the user profile, only the
    /// user, SYSTEM and Administrators may read it).
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
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    builder.mode(0o700);
    builder.create(dir).map_err(|e| {
        Error::unknown(
            format!("cannot create directory: {e}"),
            "check the path and permissions",
        )
        .at(dir.display())
    })
}

/// Refuse targets that must not be replaced: without `force` anything at all (a file, a
/// directory, a symlink even if dangling: it is never followed); with `force` still a
/// directory, because renaming a file over it fails only after the other files of the set
/// have been replaced, which would break the pair the user had.
pub fn check_targets<'p>(paths: impl IntoIterator<Item = &'p Path>, force: bool) -> Result<()> {
    let mut existing = Vec::new();
    for p in paths {
        let Ok(meta) = p.symlink_metadata() else {
            continue;
        };
        if meta.is_dir() {
            return Err(Error::unknown(
                "a directory is in the way",
                "give a file name (--key-out/--cert-out) or move the directory away",
            )
            .at(p.display()));
        }
        if !force {
            existing.push(p.display().to_string());
        }
    }
    if existing.is_empty() {
        return Ok(());
    }
    let (what, hint) = if existing.len() == 1 {
        (
            "refusing to overwrite an existing file",
            "move it away, choose another --out-dir, or pass --force to replace it",
        )
    } else {
        (
            "refusing to overwrite existing files",
            "move them away, choose another --out-dir, or pass --force to replace them",
        )
    };
    Err(Error::unknown(what, hint).at(existing.join(", ")))
}

/// Write every file of `files` or none of them, creating their directories (mode 0700) as
/// needed. Without `force`, refuse (touching nothing) if any target exists, and never
/// replace a file that appears meanwhile.
///
/// When every file goes into one directory that does not exist yet, the whole directory is
/// built under a hidden name beside it and renamed into place: all names appear in one
/// syscall, so a crash or SIGKILL at any moment leaves either no directory or a complete
/// set. Otherwise see [`write_all_or_nothing`].
pub fn write_set(files: &[OutFile<'_>], force: bool) -> Result<()> {
    // Directories this run creates are removed again if it fails (a full disk, say): a
    // failed run leaves the filesystem as it found it.
    let mut missing: Vec<PathBuf> = Vec::new();
    for f in files {
        for dir in parent_of(&f.path).ancestors() {
            if dir.as_os_str().is_empty() || dir.symlink_metadata().is_ok() {
                break;
            }
            if !missing.iter().any(|m| m == dir) {
                missing.push(dir.to_path_buf());
            }
        }
    }
    let result = write_set_in(files, force);
    if result.is_err() {
        // Deepest first; remove_dir removes only empty directories, so nothing else goes.
        missing.sort_by_key(|d| std::cmp::Reverse(d.components().count()));
        for dir in &missing {
            let _ = std::fs::remove_dir(dir);
        }
    }
    result
}

fn write_set_in(files: &[OutFile<'_>], force: bool) -> Result<()> {
    let dirs: Vec<PathBuf> = files.iter().map(|f| parent_of(&f.path)).collect();
    let one_new_dir = dirs.windows(2).all(|w| w[0] == w[1])
        && dirs.first().is_some_and(|d| {
            d.symlink_metadata()
                .is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound)
        });
    if one_new_dir && write_new_dir(&dirs[0], files)? {
        return Ok(());
    }
    for dir in &dirs {
        ensure_dir(dir)?;
    }
    check_distinct(files)?;
    write_all_or_nothing(files, force)
}

/// Refuse two targets that are one file spelled two ways (`sub/../x.pem` and `x.pem`, or
/// through a symlinked directory): the second rename would replace the first file.
fn check_distinct(files: &[OutFile<'_>]) -> Result<()> {
    let mut seen: Vec<PathBuf> = Vec::new();
    for f in files {
        let dir = parent_of(&f.path);
        let real = std::fs::canonicalize(&dir)
            .map_err(|e| {
                Error::unknown(
                    format!("cannot resolve directory: {e}"),
                    "check the path and permissions",
                )
                .at(dir.display())
            })?
            .join(f.path.file_name().unwrap_or_default());
        if seen.contains(&real) {
            return Err(Error::unknown(
                "the key and the certificate would be the same file",
                "give --key-out and --cert-out different names",
            )
            .at(f.path.display()));
        }
        seen.push(real);
    }
    Ok(())
}

/// Build `dir` (which does not exist) with all `files` in it under a hidden temporary name
/// beside it, then rename it into place. Returns `Ok(false)` without writing anything if
/// `dir` appeared meanwhile with something in it: the caller then writes into it as into
/// any existing directory (and so refuses to overwrite, unless forced).
fn write_new_dir(dir: &Path, files: &[OutFile<'_>]) -> Result<bool> {
    let parent = parent_of(dir);
    ensure_dir(&parent)?;
    let io_err = |what: &str, e: std::io::Error| {
        Error::unknown(format!("{what}: {e}"), "check free space and permissions")
            .at(parent.display())
    };
    // Created 0700 (mkdir's mode, which a umask can only narrow): a directory made with the
    // default 0777 and chmod-ed afterwards is open, under umask 000, to another local user
    // until the chmod, long enough to plant a file in it.
    let mut builder = tempfile::Builder::new();
    builder.prefix(".nskeys-").suffix(".tmp");
    #[cfg(unix)]
    builder.permissions(std::fs::Permissions::from_mode(0o700));
    let stage = builder
        .tempdir_in(&parent)
        .map_err(|e| io_err("cannot create a temporary directory", e))?;
    // 0700 whatever the umask, as a directory created for a private key should be.
    #[cfg(unix)]
    std::fs::set_permissions(stage.path(), std::fs::Permissions::from_mode(0o700))
        .map_err(|e| io_err("cannot set permissions", e))?;
    for f in files {
        let name = f.path.file_name().unwrap_or_default();
        write_synced(&stage.path().join(name), f.contents, f.mode)
            .map_err(|e| io_err("cannot write", e))?;
    }
    sync_dir(stage.path());
    // rename(2) moves a directory only onto a missing or empty one: a directory that
    // appeared meanwhile with files in it is never replaced. (An empty one is: nothing is lost.)
    match std::fs::rename(stage.path(), dir) {
        Ok(()) => {
            // The staging directory is now `dir`: nothing left to clean up.
            let _ = stage.keep();
            sync_dir(&parent);
            Ok(true)
        }
        Err(_) if dir.is_dir() => Ok(false),
        Err(e) => Err(io_err("cannot create the directory", e)),
    }
}

/// Create `path` (which must not exist) with `mode` whatever the umask, write `contents`
/// and sync them to disk.
/// (Windows: no mode; the file inherits the directory's access control list.)
fn write_synced(path: &Path, contents: &[u8], mode: u32) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode);
    let mut file = options.open(path)?;
    set_mode(&file, mode)?;
    file.write_all(contents)?;
    file.sync_all()
}

/// Give `file` the permission bits `mode` whatever the umask (Unix; elsewhere nothing to do).
#[cfg(unix)]
fn set_mode(file: &std::fs::File, mode: u32) -> std::io::Result<()> {
    file.set_permissions(std::fs::Permissions::from_mode(mode))
}

/// Windows has no permission bits: the file inherits its directory's access control list.
#[cfg(not(unix))]
fn set_mode(_file: &std::fs::File, _mode: u32) -> std::io::Result<()> {
    Ok(())
}

/// Make a directory's entries durable (best effort: not every filesystem supports it).
fn sync_dir(dir: &Path) {
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Write every file of `files` (into existing directories) or none of them. Without
/// `force`, refuse (touching nothing) if any target exists, and never replace a file that
/// appears meanwhile. Files are committed in the order given, so put the one whose loss
/// matters most last.
///
/// Each file is staged complete and synced under a hidden temporary name beside its target
/// and closed; only then are they renamed into place, one `renameat2` after the other with
/// nothing in between. POSIX has no way to create two names at once, so a SIGKILL or power
/// loss exactly between those two syscalls leaves the first file under its real name and
/// the second, complete, under its hidden temporary name (`.nskeys-*.tmp`) beside it.
///
/// With `force` the same holds: the files being replaced are first hard-linked aside and all
/// but the first removed, so a crash never leaves new and old files side by side, and a
/// failed rename puts the old set back. Runs into one directory hold a lock on it from the
/// check to the last rename, so concurrent runs commit one whole set after another.
pub fn write_all_or_nothing(files: &[OutFile<'_>], force: bool) -> Result<()> {
    let _locks = lock_dirs(files);
    check_targets(files.iter().map(|f| f.path.as_path()), force)?;

    // Stage: complete, synced, closed temporary files beside their targets.
    let mut staged = Vec::with_capacity(files.len());
    for f in files {
        let dir = parent_of(&f.path);
        let io_err = |what: &str, e: std::io::Error| {
            Error::unknown(format!("{what}: {e}"), "check free space and permissions")
                .at(dir.display())
        };
        let mut builder = tempfile::Builder::new();
        builder.prefix(".nskeys-").suffix(".tmp");
        #[cfg(unix)]
        builder.permissions(std::fs::Permissions::from_mode(f.mode));
        let mut tmp = builder
            .tempfile_in(&dir)
            .map_err(|e| io_err("cannot create a temporary file", e))?;
        // The mode must hold whatever the umask says.
        set_mode(tmp.as_file(), f.mode).map_err(|e| io_err("cannot set permissions", e))?;
        tmp.write_all(f.contents)
            .map_err(|e| io_err("cannot write", e))?;
        tmp.as_file()
            .sync_all()
            .map_err(|e| io_err("cannot sync", e))?;
        // Closed now, so that nothing but the renames stands between the commits.
        staged.push(tmp.into_temp_path());
    }

    // With --force, keep a hard link to each file about to be replaced, so that a commit
    // failing half-way (a full disk, an I/O error) can put the old set back instead of
    // leaving a new certificate beside the old key. (Removed once the set is in place.)
    let backups: Vec<Option<PathBuf>> = if force {
        files.iter().map(|f| backup_link(&f.path)).collect()
    } else {
        Vec::new()
    };
    let drop_backups = |backups: &[Option<PathBuf>]| {
        for b in backups.iter().flatten() {
            let _ = std::fs::remove_file(b);
        }
    };
    // Then remove every old file but the first (kept safe by its link): a SIGKILL between
    // the renames below now leaves the first file alone under its real name, with its
    // partner in a hidden file beside it, the half state a run without --force can leave
    // and the next run explains, never a new certificate beside the old key.
    for (f, b) in files.iter().zip(&backups).skip(1) {
        if b.is_some() {
            let _ = std::fs::remove_file(&f.path);
        }
    }

    // Commit: rename (or, without force, rename-unless-it-exists) each into place.
    // (Allocated beforehand: nothing but the renames between the commits.)
    let mut committed: Vec<&Path> = Vec::with_capacity(files.len());
    for (tmp, f) in staged.into_iter().zip(files) {
        let result = if force {
            tmp.persist(&f.path)
        } else {
            tmp.persist_noclobber(&f.path)
        };
        if let Err(e) = result {
            // Undo what this run placed, so no half set stays under the real names: without
            // --force remove ours; with it, rename the old files back over ours.
            let mut restored = true;
            if !force {
                for p in &committed {
                    let _ = std::fs::remove_file(p);
                }
            } else {
                for (i, (f, b)) in files.iter().zip(&backups).enumerate() {
                    restored &= match b {
                        Some(b) => std::fs::rename(b, &f.path).is_ok(),
                        // There was no file: remove ours, if it was placed.
                        None if i < committed.len() => std::fs::remove_file(&f.path).is_ok(),
                        None => true,
                    };
                }
                drop_backups(&backups);
            }
            if !restored {
                return Err(Error::unknown(
                    format!("cannot write, and cannot put the old files back: {}", e.error),
                    "the key and certificate may not match now: run again with --force once the disk has room",
                )
                .at(f.path.display()));
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
    drop_backups(&backups);
    let mut synced: Vec<PathBuf> = Vec::new();
    for f in files {
        let dir = parent_of(&f.path);
        if !synced.contains(&dir) {
            sync_dir(&dir);
            synced.push(dir);
        }
    }
    Ok(())
}

/// Take an exclusive advisory lock (flock) on each directory the files go into, held until
/// the returned handles drop: two runs writing a set into one directory at once (`gen
/// --force` twice) then check and commit one after the other instead of interleaving their
/// renames into a mismatched pair. Directories are locked in one order, so two runs cannot
/// deadlock. Best effort: where a directory cannot be locked (some network filesystems) the
/// run goes on unlocked, as before. On Windows, where a directory cannot be opened as a
/// file, the lock is on a file `.nskeys.lock` in it (made if missing, left in place).
fn lock_dirs(files: &[OutFile<'_>]) -> Vec<std::fs::File> {
    let mut dirs: Vec<PathBuf> = files
        .iter()
        .filter_map(|f| std::fs::canonicalize(parent_of(&f.path)).ok())
        .collect();
    dirs.sort();
    dirs.dedup();
    dirs.iter()
        .filter_map(|d| {
            let f = open_lock(d).ok()?;
            f.lock().ok()?;
            Some(f)
        })
        .collect()
}

/// What `lock_dirs` locks for `dir`: the directory itself.
#[cfg(unix)]
fn open_lock(dir: &Path) -> std::io::Result<std::fs::File> {
    std::fs::File::open(dir)
}

/// What `lock_dirs` locks for `dir`: the file `.nskeys.lock` in it.
#[cfg(not(unix))]
fn open_lock(dir: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join(LOCK_FILE))
}

/// The lock file `--force` and `rotate` runs hold on Windows (see `lock_dirs`).
pub const LOCK_FILE: &str = ".nskeys.lock";

/// A hidden hard link to `path` beside it, if `path` is a file (not a symlink: a symlink
/// target is replaced, never followed). `None` if there is nothing to keep, or the
/// filesystem cannot link: the commit then goes on as before, without a way back.
fn backup_link(path: &Path) -> Option<PathBuf> {
    if !path.symlink_metadata().ok()?.is_file() {
        return None;
    }
    tempfile::Builder::new()
        .prefix(".nskeys-")
        .suffix(".tmp")
        .make_in(parent_of(path), |p| std::fs::hard_link(path, p))
        .ok()?
        .into_temp_path()
        .keep()
        .ok()
}

fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}
