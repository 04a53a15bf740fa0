//! Helpers for the `nskeys gen` tests: run the real binary, then judge what it wrote with
//! other implementations (openssl, x509-parser, Python's PyJWT + cryptography).

use crate::harness::*;
use std::path::Path;
use std::process::Output;
use std::time::{SystemTime, UNIX_EPOCH};

pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs() as i64
}

/// One `nskeys gen` run in its own directory, with the wall-clock interval it ran in.
pub struct Made {
    pub dir: Dir,
    pub out: Output,
    pub started: i64,
    pub finished: i64,
}

impl Made {
    /// Run `nskeys gen ARGS` in a fresh directory and require success.
    pub fn new(args: &[&str]) -> Made {
        Made::in_dir(Dir::new(), args)
    }

    /// As [`Made::new`], for a run kept in a `static` (never dropped): its directory is
    /// under the target directory rather than left behind in /tmp.
    pub fn shared(args: &[&str]) -> Made {
        Made::in_dir(Dir::new_in(env!("CARGO_TARGET_TMPDIR")), args)
    }

    fn in_dir(dir: Dir, args: &[&str]) -> Made {
        let started = unix_now();
        let out = dir
            .nskeys()
            .arg("gen")
            .args(args)
            .output()
            .expect("run nskeys");
        let finished = unix_now();
        assert!(
            out.status.success(),
            "nskeys gen {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Made {
            dir,
            out,
            started,
            finished,
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.out.stdout).to_string()
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.out.stderr).to_string()
    }
}

/// Run openssl and require success; returns its output.
pub fn openssl_ok(args: &[&str], cwd: &Path) -> String {
    let (ok, out) = openssl(args, cwd);
    assert!(ok, "openssl {args:?} failed: {out}");
    out
}

/// The certificate's public key as openssl extracts it from the certificate.
pub fn cert_pubkey(dir: &Path, cert: &str) -> String {
    openssl_ok(&["x509", "-in", cert, "-noout", "-pubkey"], dir)
}

/// The public half of the private key as openssl derives it.
pub fn key_pubkey(dir: &Path, key: &str) -> String {
    openssl_ok(&["pkey", "-in", key, "-pubout"], dir)
}

/// Whether openssl says `key` is the private half of `cert`'s public key.
pub fn key_matches_cert(dir: &Path, key: &str, cert: &str) -> bool {
    let c = cert_pubkey(dir, cert);
    let k = key_pubkey(dir, key);
    c.contains("BEGIN PUBLIC KEY") && c == k
}

/// A file's bytes (panics with the path if unreadable).
pub fn read(path: impl AsRef<Path>) -> Vec<u8> {
    let p = path.as_ref();
    std::fs::read(p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()))
}

/// Run `f` on the certificate in `path`, parsed by x509-parser (not nskeys' own parser).
pub fn with_cert<T>(
    path: impl AsRef<Path>,
    f: impl FnOnce(&x509_parser::certificate::X509Certificate<'_>) -> T,
) -> T {
    let bytes = read(path);
    let (_, pem) = x509_parser::pem::parse_x509_pem(&bytes).expect("PEM certificate");
    let cert = pem
        .parse_x509()
        .expect("x509-parser accepts the certificate");
    f(&cert)
}

/// Names in `dir` (sorted), hidden ones included.
pub fn names_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("list {}: {e}", dir.display()))
        .map(|e| {
            e.expect("dir entry")
                .file_name()
                .to_string_lossy()
                .to_string()
        })
        .collect();
    v.sort();
    v
}

/// Unix permission bits of `path`.
pub fn mode(path: impl AsRef<Path>) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    let p = path.as_ref();
    std::fs::metadata(p)
        .unwrap_or_else(|e| panic!("stat {}: {e}", p.display()))
        .permissions()
        .mode()
        & 0o7777
}

/// Content and modification time of a file, to prove it was not touched.
#[derive(Debug, PartialEq, Eq)]
pub struct Snapshot {
    pub bytes: Vec<u8>,
    pub mtime: SystemTime,
    pub ino: u64,
}

pub fn snapshot(path: impl AsRef<Path>) -> Snapshot {
    use std::os::unix::fs::MetadataExt;
    let p = path.as_ref();
    let meta = std::fs::symlink_metadata(p).unwrap_or_else(|e| panic!("stat {}: {e}", p.display()));
    Snapshot {
        bytes: read(p),
        mtime: meta.modified().expect("mtime"),
        ino: meta.ino(),
    }
}

/// Set a file's mtime into the past so that any rewrite would show.
pub fn age(path: impl AsRef<Path>) {
    let f = std::fs::File::options()
        .write(true)
        .open(path.as_ref())
        .expect("open to set mtime");
    f.set_modified(SystemTime::now() - std::time::Duration::from_secs(86_400 * 3))
        .expect("set mtime");
}

/// Assert that the private key appears in neither stdout nor stderr.
pub fn assert_key_not_printed(key_pem: &[u8], out: &Output) {
    let key = String::from_utf8_lossy(key_pem);
    // Every base64 line of the key body: any one of them printed is a leak.
    let body: Vec<&str> = key
        .lines()
        .filter(|l| !l.starts_with("-----") && l.len() > 16)
        .collect();
    assert!(!body.is_empty(), "no key body found in {key:?}");
    for stream in [&out.stdout, &out.stderr] {
        let s = String::from_utf8_lossy(stream);
        assert!(!s.contains("PRIVATE KEY"), "key printed: {s}");
        for line in &body {
            assert!(!s.contains(line), "key material printed: {s}");
        }
    }
}

/// Sign a JWT with `key` and verify it with `cert`'s public key in Python (PyJWT +
/// cryptography, what NetSuite users script with). Returns the script's report line.
pub fn pyjwt_roundtrip(dir: &Path, key: &str, cert: &str, jwt_alg: &str) -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/pyjwt_roundtrip.py");
    let scratch = Dir::new();
    let out = scratch
        .command("python3")
        .arg(&script)
        .args([key, cert, jwt_alg])
        .current_dir(dir)
        .output()
        .expect("python3 must be installed for the tests (apt-get install python3)");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(
        out.status.success(),
        "PyJWT check failed (exit {:?}): {stdout}{stderr}\n\
         (if a module is missing: pip install pyjwt cryptography)",
        out.status.code()
    );
    stdout
}

/// The certificate `public.pem` in `dir`: its SHA-256 fingerprint as openssl prints it.
pub fn openssl_fingerprint(dir: &std::path::Path) -> String {
    let out = openssl_ok(
        &[
            "x509",
            "-in",
            "public.pem",
            "-noout",
            "-fingerprint",
            "-sha256",
        ],
        dir,
    );
    out.trim().rsplit('=').next().unwrap().to_string()
}
