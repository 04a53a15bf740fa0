//! The token cache: access tokens NetSuite issued, kept so that `nskeys token` and `nskeys
//! exec` do not ask for a new one on every call.
//!
//! In the platform's cache directory (`$XDG_CACHE_HOME/nskeys/` on Linux), a directory of mode
//! 0700 holding one file per request, mode 0600, written atomically (a temporary file renamed
//! into place, so a reader without the lock sees a whole file or none). A file's name is the
//! SHA-256 of everything that decides which token NetSuite gives: the token URL, the client ID,
//! the Certificate ID, the scopes, and the key (its SHA-256), so a rotated key or another
//! account never gets another's token. A lock file per entry is held around
//! check-exchange-store, so parallel callers on a cold cache share one exchange.

use crate::error::{Error, Result};
use crate::store::config::platform_cache_dir;
use crate::store::read::display_name;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// What makes one cache entry.
#[derive(Debug, Clone, Copy)]
pub struct KeyParts<'a> {
    /// The token endpoint.
    pub token_url: &'a str,
    /// The client ID.
    pub client_id: &'a str,
    /// The Certificate ID.
    pub cert_id: &'a str,
    /// The scopes, as requested.
    pub scopes: &'a [String],
    /// The key: SHA-256 of its file's contents (so never the key itself).
    pub key_sha256: [u8; 32],
}

/// An entry's name (hex SHA-256 of its [`KeyParts`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryKey(String);

impl KeyParts<'_> {
    /// The entry's name.
    pub fn entry(&self) -> EntryKey {
        let mut h = Sha256::new();
        h.update(b"nskeys token cache v1\0");
        for part in [self.token_url, self.client_id, self.cert_id] {
            h.update((part.len() as u64).to_be_bytes());
            h.update(part.as_bytes());
        }
        h.update((self.scopes.len() as u64).to_be_bytes());
        for s in self.scopes {
            h.update((s.len() as u64).to_be_bytes());
            h.update(s.as_bytes());
        }
        h.update(self.key_sha256);
        let digest = h.finalize();
        EntryKey(digest.iter().map(|b| format!("{b:02x}")).collect())
    }
}

/// SHA-256 of some bytes.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

/// A cached token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedToken {
    /// The access token.
    pub access_token: Zeroizing<String>,
    /// `bearer`, as NetSuite said.
    pub token_type: String,
    /// Scopes, if NetSuite said them.
    pub scope: Option<String>,
    /// When it expires, seconds since the epoch.
    pub expires_at: i64,
}

#[derive(Serialize, Deserialize)]
struct OnDisk {
    access_token: String,
    token_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    scope: Option<String>,
    expires_at: i64,
}

impl Drop for OnDisk {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        self.access_token.zeroize();
    }
}

/// The cache directory.
#[derive(Debug, Clone)]
pub struct Cache {
    dir: PathBuf,
}

/// A held lock on one entry; released when dropped.
#[derive(Debug)]
pub struct EntryLock {
    _file: File,
}

impl Cache {
    /// The platform's cache directory for nskeys (not created yet); `None` if there is no
    /// home to put it in.
    pub fn locate() -> Option<Cache> {
        platform_cache_dir().map(|d| Cache {
            dir: d.join("nskeys"),
        })
    }

    /// A cache in `dir`.
    pub fn at(dir: impl Into<PathBuf>) -> Cache {
        Cache { dir: dir.into() }
    }

    /// Its directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn file(&self, key: &EntryKey) -> PathBuf {
        self.dir.join(format!("{}.json", key.0))
    }

    fn io_error(&self, what: &str, e: std::io::Error) -> Error {
        Error::unknown(
            format!("cannot {what} the token cache: {e}"),
            "check the directory's permissions, or turn the cache off with --no-cache or NS_TOKEN_CACHE=off",
        )
        .at(display_name(&self.dir))
    }

    /// A token from the cache with more than `min_valid` seconds left at `now`. Read without
    /// the lock: files are replaced whole.
    pub fn get(&self, key: &EntryKey, now: i64, min_valid: u64) -> Option<CachedToken> {
        let bytes = Zeroizing::new(std::fs::read(self.file(key)).ok()?);
        let disk: OnDisk = serde_json::from_slice(&bytes).ok()?;
        let left = disk.expires_at.saturating_sub(now);
        if left <= i64::try_from(min_valid).unwrap_or(i64::MAX) || disk.access_token.is_empty() {
            return None;
        }
        Some(CachedToken {
            access_token: Zeroizing::new(disk.access_token.clone()),
            token_type: disk.token_type.clone(),
            scope: disk.scope.clone(),
            expires_at: disk.expires_at,
        })
    }

    /// Create the directory (0700) if needed.
    fn ensure_dir(&self) -> Result<()> {
        if !self.dir.is_dir() {
            if let Some(parent) = self.dir.parent() {
                std::fs::create_dir_all(parent).map_err(|e| self.io_error("create", e))?;
            }
            #[cfg_attr(not(unix), allow(unused_mut))]
            let mut b = std::fs::DirBuilder::new();
            #[cfg(unix)]
            {
                use std::os::unix::fs::DirBuilderExt;
                b.mode(0o700);
            }
            match b.create(&self.dir) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(self.io_error("create", e)),
            }
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let meta = std::fs::metadata(&self.dir).map_err(|e| self.io_error("read", e))?;
            if meta.permissions().mode() & 0o777 != 0o700 {
                std::fs::set_permissions(&self.dir, std::fs::Permissions::from_mode(0o700))
                    .map_err(|e| self.io_error("protect", e))?;
            }
        }
        Ok(())
    }

    /// Lock the entry (waiting for another process holding it).
    pub fn lock(&self, key: &EntryKey) -> Result<EntryLock> {
        self.ensure_dir()?;
        let mut opts = std::fs::OpenOptions::new();
        opts.create(true).truncate(false).write(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let file = opts
            .open(self.dir.join(format!("{}.lock", key.0)))
            .map_err(|e| self.io_error("lock", e))?;
        file.lock().map_err(|e| self.io_error("lock", e))?;
        Ok(EntryLock { _file: file })
    }

    /// Store a token (mode 0600, atomically).
    pub fn put(&self, key: &EntryKey, token: &CachedToken) -> Result<()> {
        self.ensure_dir()?;
        let disk = OnDisk {
            access_token: token.access_token.to_string(),
            token_type: token.token_type.clone(),
            scope: token.scope.clone(),
            expires_at: token.expires_at,
        };
        let text = Zeroizing::new(
            serde_json::to_vec(&disk)
                .map_err(std::io::Error::other)
                .map_err(|e| self.io_error("write", e))?,
        );
        // tempfile creates the file 0600 on Unix.
        let mut tmp = tempfile::Builder::new()
            .prefix(".token.")
            .tempfile_in(&self.dir)
            .map_err(|e| self.io_error("write", e))?;
        tmp.write_all(&text)
            .and_then(|()| tmp.as_file().sync_all())
            .map_err(|e| self.io_error("write", e))?;
        tmp.persist(self.file(key))
            .map_err(|e| self.io_error("write", e.error))?;
        Ok(())
    }

    /// Remove every entry and lock file; how many tokens were removed.
    pub fn clear(&self) -> Result<usize> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(self.io_error("read", e)),
        };
        let mut removed = 0;
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let ours =
                name.ends_with(".json") || name.ends_with(".lock") || name.starts_with(".token.");
            if !ours {
                continue;
            }
            match std::fs::remove_file(entry.path()) {
                Ok(()) => removed += usize::from(name.ends_with(".json")),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(self.io_error("clear", e)),
            }
        }
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts<'a>(scopes: &'a [String], key: u8) -> KeyParts<'a> {
        KeyParts {
            token_url: "https://x/token",
            client_id: "c",
            cert_id: "k",
            scopes,
            key_sha256: [key; 32],
        }
    }

    #[test]
    fn every_part_changes_the_entry() {
        let s = vec!["rest_webservices".to_string()];
        let t = vec!["restlets".to_string()];
        let a = parts(&s, 1).entry();
        assert_ne!(a, parts(&s, 2).entry());
        assert_ne!(a, parts(&t, 1).entry());
        let mut p = parts(&s, 1);
        p.cert_id = "k2";
        assert_ne!(a, p.entry());
        assert_eq!(a, parts(&s, 1).entry());
    }

    #[test]
    fn put_get_expire_clear() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::at(dir.path().join("nskeys"));
        let s = vec!["rest_webservices".to_string()];
        let key = parts(&s, 1).entry();
        let tok = CachedToken {
            access_token: Zeroizing::new("tok".into()),
            token_type: "bearer".into(),
            scope: None,
            expires_at: 1000,
        };
        {
            let _l = cache.lock(&key).unwrap();
            cache.put(&key, &tok).unwrap();
        }
        assert_eq!(cache.get(&key, 600, 300), Some(tok.clone()));
        assert_eq!(cache.get(&key, 700, 300), None);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(cache.dir()), 0o700);
            assert_eq!(mode(&cache.file(&key)), 0o600);
        }
        assert_eq!(cache.clear().unwrap(), 1);
        assert_eq!(cache.get(&key, 0, 0), None);
    }
}
