//! Stable pointers (`private.pem`, `public.pem`) to dated files (`private-2026-11-22.pem`),
//! switched atomically: a symbolic link is made under a temporary name and renamed over the
//! pointer, so a reader of `private.pem` sees the old file or the new one, never nothing.

use crate::error::{Error, Result};
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

/// Make `pointer` a symlink to `target` (a file name in the same directory), atomically: the
/// link is made under a fresh hidden name beside the pointer, then renamed over it.
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
        .make_in(&dir, |tmp| std::os::unix::fs::symlink(target, tmp))
        .map_err(|e| io_error("cannot create a symbolic link", &dir, e))?
        .into_temp_path();
    // On failure the temporary link is removed when dropped.
    link.persist(pointer)
        .map_err(|e| io_error("cannot switch the pointer", pointer, e.error))?;
    sync_dir(&dir);
    Ok(())
}

/// If `pointer` is a regular file (as `nskeys gen` writes), give it a second name
/// `dated` by a hard link, then switch `pointer` to a symlink to it: the same bytes stay
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
    let dir = crate::store::state::dir_of(pointer);
    let dated_path = dir.join(dated);
    std::fs::hard_link(pointer, &dated_path)
        .map_err(|e| io_error("cannot give the current file a dated name", &dated_path, e))?;
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
        assert!(p.symlink_metadata().unwrap().file_type().is_symlink());
        let next = "private-2026-01-01-2.pem";
        std::fs::write(d.path().join(next), "new").unwrap();
        switch(&p, next).unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "new");
        assert!(switch(&p, "missing.pem").is_err());
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "new");
    }
}
