//! The rotation state file, `nskeys-state.json` beside the keys: which certificate ID goes
//! with which key and certificate file, and where each stands in NetSuite. `rotate` and
//! `certs list` keep it; `verify` and `token` read it to find the certificate ID of the key
//! they were given when no `--cert-id` is.

use crate::error::{Error, Result};
use crate::store::write::{self, OutFile};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The state file's name, in the key directory.
pub const STATE_FILE: &str = "nskeys-state.json";

/// The format version written.
pub const VERSION: u32 = 1;

/// Where a pair stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PairStatus {
    /// In use, and works.
    #[default]
    Active,
    /// Made, not in NetSuite yet (or its ID is unknown).
    Pending,
    /// In NetSuite, not yet proven.
    Uploaded,
    /// Replaced, still active in NetSuite.
    Retired,
    /// Revoked in NetSuite.
    Revoked,
}

impl std::fmt::Display for PairStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            PairStatus::Active => "active",
            PairStatus::Pending => "pending",
            PairStatus::Uploaded => "uploaded",
            PairStatus::Retired => "retired",
            PairStatus::Revoked => "revoked",
        })
    }
}

/// One key + certificate pair and its certificate in NetSuite.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The Certificate ID NetSuite gave it (the assertion's kid), once known.
    #[serde(default)]
    pub cert_id: Option<String>,
    /// Key file name, relative to the state file's directory.
    pub key_file: String,
    /// Certificate file name, relative to the state file's directory.
    pub cert_file: String,
    /// notBefore, RFC 3339.
    #[serde(default)]
    pub not_before: String,
    /// notAfter, RFC 3339.
    #[serde(default)]
    pub not_after: String,
    /// When nskeys made or first recorded the pair, RFC 3339.
    #[serde(default)]
    pub created: String,
    /// Where it stands.
    pub status: PairStatus,
}

/// The current pair, as recorded.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Current {
    /// Its Certificate ID.
    #[serde(default)]
    pub cert_id: Option<String>,
    /// Key file name (what the key pointer names).
    pub key_file: String,
    /// Certificate file name.
    pub cert_file: String,
    /// notAfter, RFC 3339.
    #[serde(default)]
    pub not_after: String,
    /// When it became current, RFC 3339.
    #[serde(default)]
    pub created: String,
}

/// The whole state file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    /// Format version ([`VERSION`]).
    pub version: u32,
    /// The pair in use.
    #[serde(default)]
    pub current: Option<Current>,
    /// Every pair nskeys knows of, oldest first.
    #[serde(default)]
    pub certificates: Vec<Entry>,
    /// NetSuite account ID, if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// Integration client ID, if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// Token URL used, if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_url: Option<String>,
}

/// The directory a key path lives in (`.` for a bare name).
pub fn dir_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// The state file for the key at `key`.
pub fn path_for_key(key: &Path) -> PathBuf {
    dir_of(key).join(STATE_FILE)
}

impl State {
    /// Read the state file; `Ok(None)` if there is none.
    pub fn load(path: &Path) -> Result<Option<State>> {
        let data = match std::fs::read(path) {
            Ok(d) => d,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(Error::unknown(
                    format!("cannot read the state file: {e}"),
                    "check its permissions",
                )
                .at(path.display()));
            }
        };
        let state: State = serde_json::from_slice(&data).map_err(|e| {
            Error::unknown(
                format!("the state file is damaged: {e}"),
                "fix it by hand or move it away (nskeys then starts a new one); give --cert-id meanwhile",
            )
            .at(path.display())
        })?;
        // Names are joined to the key directory and become symlink targets: plain file
        // names only, so an edited state file cannot point a pointer elsewhere.
        let plain = |n: &str| {
            !n.is_empty() && n != "." && n != ".." && !n.contains('/') && !n.contains('\0')
        };
        if let Some(bad) = state
            .certificates
            .iter()
            .flat_map(|e| [&e.key_file, &e.cert_file])
            .chain(
                state
                    .current
                    .iter()
                    .flat_map(|c| [&c.key_file, &c.cert_file]),
            )
            .find(|n| !plain(n))
        {
            return Err(Error::unknown(
                format!("the state file names {bad:?}, not a file name in its directory"),
                "fix it by hand (key_file and cert_file are plain file names) or move it away",
            )
            .at(path.display()));
        }
        if state.version != VERSION {
            return Err(Error::unknown(
                format!("state file version {} is not known", state.version),
                "use the nskeys that wrote it, or give --cert-id",
            )
            .at(path.display()));
        }
        Ok(Some(state))
    }

    /// Write atomically (temporary file beside it, then rename).
    pub fn save(&self, path: &Path) -> Result<()> {
        let mut json = serde_json::to_string_pretty(self)
            .map_err(|e| Error::unknown(format!("cannot encode the state: {e}"), "report this"))?;
        json.push('\n');
        write::write_all_or_nothing(
            &[OutFile {
                path: path.to_path_buf(),
                contents: json.as_bytes(),
                mode: 0o644,
            }],
            true,
        )
    }

    /// A new, empty state.
    pub fn new() -> State {
        State {
            version: VERSION,
            ..State::default()
        }
    }

    /// The entry for this key file name.
    pub fn entry(&self, key_file: &str) -> Option<&Entry> {
        self.certificates.iter().find(|e| e.key_file == key_file)
    }

    /// The entry for this key file name, mutable.
    pub fn entry_mut(&mut self, key_file: &str) -> Option<&mut Entry> {
        self.certificates
            .iter_mut()
            .find(|e| e.key_file == key_file)
    }

    /// Add or replace the entry for its key file.
    pub fn upsert(&mut self, entry: Entry) {
        match self.entry_mut(&entry.key_file) {
            Some(e) => *e = entry,
            None => self.certificates.push(entry),
        }
    }

    /// The newest pair made but not yet in use (`pending` or `uploaded`).
    pub fn pending(&self) -> Option<&Entry> {
        self.certificates
            .iter()
            .rev()
            .find(|e| matches!(e.status, PairStatus::Pending | PairStatus::Uploaded))
    }

    /// Make `key_file`'s entry current and active; the previous current one becomes `retired`.
    pub fn make_current(&mut self, key_file: &str, now: &str) {
        let previous = self.current.as_ref().map(|c| c.key_file.clone());
        if let Some(prev) = previous.filter(|p| p != key_file)
            && let Some(e) = self.entry_mut(&prev)
            && e.status == PairStatus::Active
        {
            e.status = PairStatus::Retired;
        }
        if let Some(e) = self.entry_mut(key_file) {
            e.status = PairStatus::Active;
            let current = Current {
                cert_id: e.cert_id.clone(),
                key_file: e.key_file.clone(),
                cert_file: e.cert_file.clone(),
                not_after: e.not_after.clone(),
                created: now.to_string(),
            };
            self.current = Some(current);
        }
    }
}

/// The file name a key path finally names, following a pointer (a symlink; on Windows a copy
/// of a dated file, see `store::pointer`): what the state file records for it.
pub fn resolved_name(path: &Path) -> Option<String> {
    let target = match std::fs::read_link(path) {
        Ok(t) => t,
        Err(_) if !cfg!(unix) => match copy_of(path) {
            Some(name) => PathBuf::from(name),
            None => path.to_path_buf(),
        },
        Err(_) => path.to_path_buf(),
    };
    target.file_name()?.to_str().map(str::to_string)
}

/// The certificate ID the state file beside `key` records for that key (after following the
/// pointer), if there is a state file and it knows one. Never an error: a state file that
/// cannot be read only means the ID must be given.
pub fn cert_id_for_key(key: &Path) -> Option<String> {
    let state = State::load(&path_for_key(key)).ok()??;
    let name = resolved_name(key)?;
    state
        .entry(&name)
        .filter(|e| e.status != PairStatus::Revoked)
        .and_then(|e| e.cert_id.clone())
}

/// The dated file beside `pointer` that `pointer` is a copy of: a regular file named
/// `<stem>-<anything>.<ext>` (as `rotate` names them) with the same bytes. This is how a
/// pointer that is not a symlink (Windows) names its file. `None` if there is none (a pair
/// `gen` wrote, never rotated) or `pointer` cannot be read.
pub fn copy_of(pointer: &Path) -> Option<String> {
    let meta = pointer.symlink_metadata().ok()?;
    if !meta.is_file() {
        return None;
    }
    let own = pointer.file_name()?.to_str()?;
    let stem = pointer.file_stem()?.to_str()?;
    let ext = pointer.extension().and_then(|e| e.to_str()).unwrap_or("");
    let prefix = format!("{stem}-");
    let suffix = if ext.is_empty() {
        String::new()
    } else {
        format!(".{ext}")
    };
    let dir = dir_of(pointer);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .ok()?
        .filter_map(|e| {
            let e = e.ok()?;
            let name = e.file_name().into_string().ok()?;
            let fits = name != own
                && name.starts_with(&prefix)
                && name.ends_with(&suffix)
                && e.file_type().ok()?.is_file()
                && e.metadata().ok()?.len() == meta.len();
            fits.then_some(name)
        })
        .collect();
    // The same answer on every platform, whatever order the directory lists in.
    names.sort();
    let bytes = std::fs::read(pointer).ok()?;
    names
        .into_iter()
        .find(|n| std::fs::read(dir.join(n)).is_ok_and(|b| b == bytes))
}

/// For `expiry DIR` in a directory with a state file: drop the certificate files it records
/// as `revoked` or `retired` (no longer in use: their expiry is no news), and pointers
/// (symlinks) to a file that is judged anyway, so each certificate is reported once.
/// Without a readable state file nothing changes.
pub fn keep_for_expiry(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(Some(state)) = State::load(&dir.join(STATE_FILE)) else {
        return;
    };
    let dropped: Vec<&str> = state
        .certificates
        .iter()
        .filter(|e| matches!(e.status, PairStatus::Revoked | PairStatus::Retired))
        .map(|e| e.cert_file.as_str())
        .collect();
    let names: Vec<String> = files
        .iter()
        .filter_map(|f| f.file_name()?.to_str().map(str::to_string))
        .collect();
    files.retain(|f| {
        let Some(name) = f.file_name().and_then(|n| n.to_str()) else {
            return true;
        };
        if dropped.contains(&name) {
            return false;
        }
        let is_link = f
            .symlink_metadata()
            .is_ok_and(|m| m.file_type().is_symlink());
        let target = std::fs::read_link(f).ok();
        let in_dir = target
            .as_ref()
            .filter(|t| t.parent().is_none_or(|p| p.as_os_str().is_empty()))
            .and_then(|t| t.to_str())
            .is_some_and(|t| t != name && names.iter().any(|n| n == t) && !dropped.contains(&t));
        // Windows: a pointer is a copy of a dated file (see `store::pointer`).
        let is_copy = !cfg!(unix)
            && copy_of(f).is_some_and(|t| names.contains(&t) && !dropped.contains(&t.as_str()));
        !(is_copy || (is_link && in_dir))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn make_current_retires_the_previous() {
        let mut s = State::new();
        for (k, st) in [
            ("a.pem", PairStatus::Active),
            ("b.pem", PairStatus::Uploaded),
        ] {
            s.upsert(Entry {
                cert_id: Some(k.into()),
                key_file: k.into(),
                cert_file: format!("c-{k}"),
                status: st,
                ..Entry::default()
            });
        }
        s.make_current("a.pem", "t0");
        s.make_current("b.pem", "t1");
        assert_eq!(s.entry("a.pem").unwrap().status, PairStatus::Retired);
        assert_eq!(s.entry("b.pem").unwrap().status, PairStatus::Active);
        assert_eq!(s.current.unwrap().cert_id.as_deref(), Some("b.pem"));
    }

    #[test]
    fn statuses_are_written_as_before() {
        for (status, text) in [
            (PairStatus::Active, "active"),
            (PairStatus::Pending, "pending"),
            (PairStatus::Uploaded, "uploaded"),
            (PairStatus::Retired, "retired"),
            (PairStatus::Revoked, "revoked"),
        ] {
            assert_eq!(serde_json::to_value(status).unwrap(), text);
            assert_eq!(status.to_string(), text);
        }
    }
}
