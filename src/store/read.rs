//! Reading the files nskeys is given: THE one reader. Every certificate and key file goes
//! through [`read_capped`] (a size cap, zeroized buffers) and `pki::objects` (one parse
//! step), so every command reads a file the same way.

use crate::error::{Error, Result};
use crate::pki::facts::CertFacts;
use crate::pki::key::LoadedKey;
use crate::pki::objects::{self, Contents, NotCertificates, NotKey, Role, Unreadable};
use std::io::Read;
use std::path::Path;
use zeroize::Zeroizing;

/// The most nskeys reads of any one input. Certificates and keys are a few KiB; a bundle of
/// hundreds of certificates fits easily. Anything larger is refused unread.
pub const MAX_INPUT: u64 = 4 * 1024 * 1024;

/// Where an input comes from, for messages: a path, or `-` for standard input. A "path" that
/// may be key material pasted where a file name belongs (PEM text, a long base64 run, several
/// lines) is described, never shown.
pub fn display_name(path: &Path) -> String {
    if path == Path::new("-") {
        "<stdin>".to_string()
    } else if looks_secret(&path.to_string_lossy()) {
        format!(
            "a file name of {} characters that looks like key material (not shown)",
            path.as_os_str().len()
        )
    } else {
        path.display().to_string()
    }
}

/// Whether a missing path may be shown: one printable line of at most 1024 bytes, without a
/// run of 40 or more base64 characters (a piece of a key would have one).
pub fn quotable(p: &Path) -> bool {
    let b = p.as_os_str().as_encoded_bytes();
    if b.is_empty() || b.len() > 1024 || b.iter().any(|c| c.is_ascii_control()) {
        return false;
    }
    let mut run = 0;
    for &c in b {
        run = if c.is_ascii_alphanumeric() || matches!(c, b'+' | b'=') {
            run + 1
        } else {
            0
        };
        if run >= 40 {
            return false;
        }
    }
    true
}

/// Whether text given on the command line may be key material and must not be echoed:
/// a PEM boundary, a line break, a run of 40 base64 characters, or more than 1024 bytes.
pub fn looks_secret(s: &str) -> bool {
    !s.is_empty() && (s.contains("-----BEGIN") || s.contains("-----END") || !quotable(Path::new(s)))
}

/// Read a whole file (or stdin for `-`), refusing directories, empty files and files over
/// [`MAX_INPUT`], with an error that names the file and says what to do.
///
/// Every file nskeys reads goes through here, keys included, so the buffer is zeroized when
/// dropped (a key file's bytes must not linger in freed memory), and it never grows by
/// reallocation, which would leave copies behind: a regular file over the cap is refused from
/// its size, unread; stdin and other streams are read into one buffer of the cap's size.
pub fn read_capped(path: &Path) -> Result<Zeroizing<Vec<u8>>> {
    let name = display_name(path);
    let read_err =
        |e: std::io::Error| Error::unknown(format!("cannot read: {e}"), "check the file").at(&name);
    let too_big = || {
        Error::unknown(
            format!("file is larger than {} MiB", MAX_INPUT / (1024 * 1024)),
            "a certificate or key is a few KiB: check that this is the right file",
        )
        .at(&name)
    };
    let buf = if path == Path::new("-") {
        read_stream(std::io::stdin().lock(), MAX_INPUT)
            .map_err(|e| Error::unknown(format!("cannot read standard input: {e}"), "").at(&name))?
    } else {
        let file = std::fs::File::open(path).map_err(|e| open_error(&e, path))?;
        let meta = file
            .metadata()
            .map_err(|e| Error::unknown(format!("cannot read: {e}"), "check the path").at(&name))?;
        if meta.is_dir() {
            return Err(
                Error::unknown("is a directory", "give the path of a file inside it").at(&name),
            );
        }
        if meta.is_file() && meta.len() > MAX_INPUT {
            return Err(too_big());
        }
        // Devices and pipes report no useful size: read them up to the cap.
        let expect = if meta.is_file() {
            meta.len()
        } else {
            MAX_INPUT
        };
        read_stream(file, expect).map_err(read_err)?
    };
    if buf.len() as u64 > MAX_INPUT {
        return Err(too_big());
    }
    if buf.iter().all(u8::is_ascii_whitespace) {
        return Err(
            Error::unknown("file is empty", "give a PEM or DER certificate or key").at(&name),
        );
    }
    Ok(buf)
}

/// Read at most `MAX_INPUT + 1` bytes into a zeroizing buffer. `expect` sizes the buffer; a
/// file that grew since its size was taken is still read to the cap, each outgrown buffer
/// zeroized as it is replaced.
fn read_stream(mut r: impl Read, expect: u64) -> std::io::Result<Zeroizing<Vec<u8>>> {
    let limit = MAX_INPUT as usize + 1;
    let mut buf = Zeroizing::new(Vec::with_capacity((expect as usize + 1).min(limit)));
    let mut chunk = Zeroizing::new([0u8; 8192]);
    loop {
        let room = limit - buf.len();
        if room == 0 {
            return Ok(buf);
        }
        let n = match r.read(&mut chunk[..room.min(8192)]) {
            Ok(0) => return Ok(buf),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buf.len() + n > buf.capacity() {
            let mut bigger = Zeroizing::new(Vec::with_capacity(
                (buf.capacity() * 2).clamp(n, limit).max(buf.len() + n),
            ));
            bigger.extend_from_slice(&buf);
            buf = bigger;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

fn open_error(e: &std::io::Error, path: &Path) -> Error {
    let name = display_name(path);
    match e.kind() {
        std::io::ErrorKind::NotFound => Error::unknown("no such file", "check the path").at(name),
        std::io::ErrorKind::PermissionDenied => Error::unknown(
            "permission denied",
            "run as a user who may read it, or fix its permissions",
        )
        .at(name),
        _ => Error::unknown(format!("cannot open: {e}"), "check the path").at(name),
    }
}

/// Why a file gave nothing usable: it could not be read (an error that already names the
/// file), or it holds something else (a typed reason the command words for its option).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure<R> {
    /// Missing, unreadable, a directory, empty, too large.
    Io(Error),
    /// Read, but not what was wanted.
    Content(R),
}

impl<R> Failure<R> {
    /// The failure as an error naming `name`; `content` words a content reason.
    pub fn into_error(self, name: &str, content: impl FnOnce(R) -> Error) -> Error {
        match self {
            Failure::Io(e) => e,
            Failure::Content(reason) => {
                let e = content(reason);
                if e.subject.is_some() { e } else { e.at(name) }
            }
        }
    }
}

impl Failure<NotCertificates> {
    /// With the advice for a file given in `role` (a certificate option).
    pub fn certificate_error(self, role: Role, name: &str) -> Error {
        self.into_error(name, |r| r.error(role, name))
    }
}

impl Failure<NotKey> {
    /// With the advice for a file given in `role` (a key option).
    pub fn key_error(self, role: Role, name: &str) -> Error {
        self.into_error(name, |r| r.error(role, name))
    }
}

/// Everything a file holds.
pub fn read_contents(path: &Path) -> std::result::Result<Contents, Failure<Unreadable>> {
    let data = read_capped(path).map_err(Failure::Io)?;
    objects::classify(&data).map_err(Failure::Content)
}

/// Every certificate in a file (PEM with one or more certificates, or DER).
pub fn read_certificates(
    path: &Path,
) -> std::result::Result<Vec<CertFacts>, Failure<NotCertificates>> {
    read_contents(path)
        .map_err(|f| match f {
            Failure::Io(e) => Failure::Io(e),
            Failure::Content(u) => Failure::Content(NotCertificates::Unreadable(u)),
        })?
        .certificates()
        .map_err(Failure::Content)
}

/// The private key in a file (PEM or DER; PKCS#8, PKCS#1 or SEC1).
pub fn read_private_key(path: &Path) -> std::result::Result<LoadedKey, Failure<NotKey>> {
    read_contents(path)
        .map_err(|f| match f {
            Failure::Io(e) => Failure::Io(e),
            Failure::Content(u) => Failure::Content(NotKey::Unreadable(u)),
        })?
        .private_key()
        .map_err(Failure::Content)
}

/// The private key in a file, or an error with the advice for `--key`.
pub fn private_key(path: &Path) -> Result<LoadedKey> {
    private_key_as(path, Role::Key)
}

/// The private key in a file given in `role`, or an error with the advice for it.
pub fn private_key_as(path: &Path, role: Role) -> Result<LoadedKey> {
    read_private_key(path).map_err(|f| f.key_error(role, &display_name(path)))
}

/// The private key in bytes already read from `name`, as [`private_key`] finds it.
pub fn private_key_in(data: &[u8], name: &str) -> Result<LoadedKey> {
    objects::classify(data)
        .map_err(NotKey::Unreadable)
        .and_then(Contents::private_key)
        .map_err(|r| r.error(Role::Key, name))
}

/// The certificates in bytes already read from `name`, as [`read_certificates`] finds them.
pub fn certificates_in(data: &[u8], name: &str) -> Result<Vec<CertFacts>> {
    objects::classify(data)
        .map_err(NotCertificates::Unreadable)
        .and_then(Contents::certificates)
        .map_err(|r| r.error(Role::Cert, name))
}

/// Refuse a file or directory another user could change, as ssh refuses a private key or
/// configuration file with open permissions: writable by group or others (a directory with
/// the sticky bit still counts: another user could not replace this user's files, but could
/// add files), or owned by another user. `what` names it ("the state file").
#[cfg(unix)]
pub fn refuse_if_open(path: &Path, what: &str) -> Result<()> {
    use std::os::unix::fs::MetadataExt;
    let Ok(meta) = std::fs::metadata(path) else {
        return Ok(());
    };
    let me = rustix::process::geteuid().as_raw();
    let name = display_name(path);
    if meta.uid() != me && me != 0 {
        return Err(Error::unknown(
            format!(
                "{what} is owned by another user (uid {}), who could change it",
                meta.uid()
            ),
            format!("use a {what} of your own, or run as its owner"),
        )
        .at(&name));
    }
    let mode = meta.mode() & 0o7777;
    if mode & 0o022 != 0 {
        return Err(Error::unknown(
            format!("permissions {mode:04o} for {what} are too open: other users could change it"),
            format!("remove their write permission: chmod go-w {name}"),
        )
        .at(&name));
    }
    Ok(())
}

/// Windows: access control lists, not modes; nothing checked.
#[cfg(not(unix))]
pub fn refuse_if_open(_path: &Path, _what: &str) -> Result<()> {
    Ok(())
}
