//! What protects a private key file where it lies. On Unix its own mode: nskeys writes keys
//! 0600 (only the owner may read them). Windows has no mode bits: a new file inherits the
//! access control list (ACL) of its folder, and only the folders under the user profile
//! (`%USERPROFILE%`, e.g. `C:\Users\name`) are readable by that user alone (plus SYSTEM and
//! Administrators) by default; folders elsewhere (`C:\keys`, a shared drive) usually let every
//! local user read. Reading an ACL needs the Win32 API (unsafe calls), which nskeys forbids,
//! so the check here is the one std allows: is the key under the user profile?

use std::path::{Component, Path, PathBuf};

/// Why a key file may be readable by others.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exposure {
    /// Windows: the key is outside the user profile, so its folder's ACL (inherited by the
    /// file) probably lets other users read it.
    OutsideProfile {
        /// The user profile (`%USERPROFILE%`).
        profile: PathBuf,
    },
}

/// Whether the key at `key` may be readable by others, as far as can be told without reading
/// ACLs. Always `None` on Unix, where nskeys sets the mode itself.
pub fn exposure(key: &Path) -> Option<Exposure> {
    if cfg!(unix) {
        return None;
    }
    let profile = PathBuf::from(std::env::var_os("USERPROFILE")?);
    let key = std::path::absolute(key).ok()?;
    outside(&key, &profile).then_some(Exposure::OutsideProfile { profile })
}

/// `path` (absolute) is not inside `dir` (absolute), comparing Windows paths as Windows does:
/// case-insensitively, `/` and `\` alike, `.` and `..` resolved lexically.
pub fn outside(path: &Path, dir: &Path) -> bool {
    let (p, d) = (parts(path), parts(dir));
    d.is_empty() || p.len() <= d.len() || p[..d.len()] != d[..]
}

/// The lower-cased components of a Windows-style path, `.` and `..` resolved.
fn parts(path: &Path) -> Vec<String> {
    let text = path.to_string_lossy().replace('\\', "/");
    let mut out: Vec<String> = Vec::new();
    for c in Path::new(&text).components() {
        match c {
            Component::CurDir | Component::RootDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str().to_string_lossy().to_lowercase()),
        }
    }
    // `\\?\C:\x` (a verbatim path) names the same file as `C:\x`.
    if out.first().is_some_and(|f| f == "?") {
        out.remove(0);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inside_the_profile_is_not_outside() {
        let profile = Path::new(r"C:\Users\Ann");
        for key in [
            r"C:\Users\Ann\keys\private.pem",
            r"c:\users\ann\private.pem",
            "C:/Users/Ann/.nskeys/private.pem",
            r"C:\Users\Ann\x\..\private.pem",
            r"\\?\C:\Users\Ann\private.pem",
        ] {
            assert!(!outside(Path::new(key), profile), "{key}");
        }
    }

    #[test]
    fn elsewhere_is_outside() {
        let profile = Path::new(r"C:\Users\Ann");
        for key in [
            r"C:\keys\private.pem",
            r"C:\Users\Anna\private.pem",
            r"C:\Users\Public\private.pem",
            r"C:\Users\Ann\..\Bob\private.pem",
            r"Z:\tmp\private.pem",
            r"C:\Users\Ann",
        ] {
            assert!(outside(Path::new(key), profile), "{key}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn unix_keys_rely_on_their_mode() {
        assert_eq!(exposure(Path::new("/tmp/private.pem")), None);
    }
}
