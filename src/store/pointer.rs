//! Stable pointers (`private.pem`, `public.pem`) to dated files (`private-2026-11-22.pem`),
//! switched atomically, so a reader of `private.pem` sees the old file or the new one, never
//! nothing and never half a key.
//!
//! On Unix a pointer is a symbolic link, made under a temporary name and renamed over the
//! pointer. On Windows a symbolic link needs a privilege (or Developer Mode) most accounts
//! lack, so there a pointer is a complete copy of the dated file, written and synced under a
//! temporary name and renamed over the pointer (`MoveFileEx` with replace): `private.pem` is
//! always a whole, working key, and the dated file it copies is found by its bytes
//! ([`copy_of`]).

use crate::error::{Error, Result};
pub use crate::store::state::copy_of;
use std::path::Path;

/// The pointer's name split for dating: `private.pem` -> (`private`, `pem`).
pub fn stem_ext(pointer: &Path) -> (String, String) {
    let stem = pointer
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("private")
        .to_string();
    let ext = pointer
        .extension()
        .and_then(|s| s.to_str())
        .unwrap_or("")
        .to_string();
    (stem, ext)
}

fn io_error(what: &str, path: &Path, e: std::io::Error) -> Error {
    Error::unknown(
        format!("{what}: {e}"),
        "check the directory's permissions; the old key and certificate are unchanged",
    )
    .at(path.display())
}

/// Make `pointer` name `target` (a file name in the same directory), atomically: a symlink
/// (Unix) or a copy (elsewhere) is made under a fresh hidden name beside the pointer, then
/// renamed over it.
pub fn switch(pointer: &Path, target: &str) -> Result<()> {
    let dir = crate::store::state::dir_of(pointer);
    if !dir.join(target).is_file() {
        return Err(Error::unknown(
            "the file the pointer would name is missing",
            "nothing was switched; run nskeys rotate again",
        )
        .at(dir.join(target).display()));
    }
    let link = tempfile::Builder::new()
        .prefix(".nskeys-link-")
        .suffix(".tmp")
        .make_in(&dir, |tmp| make_pointer(&dir, target, tmp))
        .map_err(|e| io_error(POINTER_ERROR, &dir, e))?
        .into_temp_path();
    // On failure the temporary link is removed when dropped.
    link.persist(pointer)
        .map_err(|e| io_error("cannot switch the pointer", pointer, e.error))?;
    sync_dir(&dir);
    Ok(())
}

#[cfg(unix)]
const POINTER_ERROR: &str = "cannot create a symbolic link";
#[cfg(not(unix))]
const POINTER_ERROR: &str = "cannot copy the file the pointer names";

/// The pointer itself, at `tmp` (which must not exist): a relative symlink to `target`.
#[cfg(unix)]
fn make_pointer(_dir: &Path, target: &str, tmp: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(target, tmp)
}

/// The pointer itself, at `tmp` (which must not exist): a complete, synced copy of `target`.
#[cfg(not(unix))]
fn make_pointer(dir: &Path, target: &str, tmp: &Path) -> std::io::Result<()> {
    copy_new(&dir.join(target), tmp)
}

/// Copy `from` to `to` (which must not exist), synced to disk before returning.
#[cfg_attr(unix, allow(dead_code))]
fn copy_new(from: &Path, to: &Path) -> std::io::Result<()> {
    use std::io::Write;
    let bytes = std::fs::read(from)?;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(to)?;
    f.write_all(&bytes)?;
    f.sync_all()
}

/// If `pointer` is a regular file (as `nskeys gen` writes), give it a second name `dated`
/// (a hard link on Unix, a copy elsewhere), then switch `pointer` to it: the same bytes stay
/// readable under `pointer` at every moment. Returns the file name `pointer` now resolves to.
pub fn adopt(pointer: &Path, dated: &str) -> Result<String> {
    let meta = pointer
        .symlink_metadata()
        .map_err(|e| io_error("cannot read the current file", pointer, e))?;
    if meta.file_type().is_symlink() {
        return crate::store::state::resolved_name(pointer).ok_or_else(|| {
            Error::unknown("the pointer names no file", "fix the symlink by hand")
                .at(pointer.display())
        });
    }
    // Windows: a pointer that is already a copy of a dated file names that file.
    if !cfg!(unix)
        && let Some(name) = copy_of(pointer)
    {
        return Ok(name);
    }
    let dir = crate::store::state::dir_of(pointer);
    let dated_path = dir.join(dated);
    #[cfg(unix)]
    let made = std::fs::hard_link(pointer, &dated_path);
    #[cfg(not(unix))]
    let made = copy_new(pointer, &dated_path);
    made.map_err(|e| io_error("cannot give the current file a dated name", &dated_path, e))?;
    sync_dir(&dir);
    switch(pointer, dated)?;
    Ok(dated.to_string())
}

/// Make the rename durable; failure only weakens durability, never correctness.
fn sync_dir(dir: &Path) {
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adopt_then_switch_keeps_the_bytes_readable() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("private.pem");
        std::fs::write(&p, "old").unwrap();
        let name = "private-2026-01-01.pem";
        assert_eq!(adopt(&p, name).unwrap(), name);
        // Adopting a pointer that is already a link changes nothing.
        assert_eq!(adopt(&p, "other.pem").unwrap(), name);
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "old");
        #[cfg(unix)]
        assert!(p.symlink_metadata().unwrap().file_type().is_symlink());
        #[cfg(not(unix))]
        assert_eq!(copy_of(&p).as_deref(), Some(name));
        let next = "private-2026-01-01-2.pem";
        std::fs::write(d.path().join(next), "new").unwrap();
        switch(&p, next).unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "new");
        assert!(switch(&p, "missing.pem").is_err());
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "new");
    }

    #[test]
    fn a_copy_names_the_dated_file_with_its_bytes() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("private.pem");
        std::fs::write(&p, "key two").unwrap();
        // Never adopted: no dated copy.
        assert_eq!(copy_of(&p), None);
        std::fs::write(d.path().join("private-2026-01-01.pem"), "key one").unwrap();
        std::fs::write(d.path().join("public-2026-01-02.pem"), "key two").unwrap();
        std::fs::write(d.path().join("private-2026-01-02.der"), "key two").unwrap();
        assert_eq!(copy_of(&p), None, "only <stem>-*.<ext> files count");
        std::fs::write(d.path().join("private-2026-01-02.pem"), "key two").unwrap();
        assert_eq!(copy_of(&p).as_deref(), Some("private-2026-01-02.pem"));
        assert_eq!(copy_of(&d.path().join("missing.pem")), None);
    }

    #[test]
    fn copy_new_never_replaces() {
        let d = tempfile::tempdir().unwrap();
        let (a, b) = (d.path().join("a"), d.path().join("b"));
        std::fs::write(&a, "new").unwrap();
        std::fs::write(&b, "old").unwrap();
        assert!(copy_new(&a, &b).is_err());
        assert_eq!(std::fs::read_to_string(&b).unwrap(), "old");
        copy_new(&a, &d.path().join("c")).unwrap();
        assert_eq!(std::fs::read_to_string(d.path().join("c")).unwrap(), "new");
    }
}
