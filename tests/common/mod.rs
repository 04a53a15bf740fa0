//! Shared test harness: each test gets its own temporary directory and runs the real
//! `nskeys` binary there with a clean environment (no NS_*/NSKEYS_* variables, no proxies).
#![allow(dead_code)]

use assert_cmd::Command;
use std::path::{Path, PathBuf};

/// A temporary working directory for one test.
pub struct Dir {
    pub tmp: tempfile::TempDir,
}

impl Dir {
    pub fn new() -> Dir {
        Dir {
            tmp: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.tmp.path()
    }

    pub fn join(&self, p: impl AsRef<Path>) -> PathBuf {
        self.tmp.path().join(p)
    }

    /// `nskeys` with this directory as cwd and a clean environment.
    pub fn nskeys(&self) -> Command {
        let mut cmd = Command::cargo_bin("nskeys").expect("nskeys binary");
        cmd.current_dir(self.path());
        clean_env(&mut cmd);
        cmd
    }

    /// Copy a fixture (path under fixtures/) into this directory under `name`.
    pub fn fixture(&self, fixture: &str, name: &str) -> PathBuf {
        let dest = self.join(name);
        std::fs::copy(fixture_path(fixture), &dest).expect("copy fixture");
        dest
    }
}

/// Remove every variable that could change nskeys' behaviour.
pub fn clean_env(cmd: &mut Command) {
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy().to_string();
        let upper = k.to_ascii_uppercase();
        if upper.starts_with("NS_")
            || upper.starts_with("NSKEYS_")
            || upper.ends_with("_PROXY")
            || upper == "NO_COLOR"
            || upper.starts_with("SSL_CERT")
        {
            cmd.env_remove(&k);
        }
    }
}

/// Absolute path of a file under fixtures/.
pub fn fixture_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rel)
}

/// Run the openssl CLI (the test oracle); returns (success, stdout+stderr).
pub fn openssl(args: &[&str], cwd: &Path) -> (bool, String) {
    let out = std::process::Command::new("openssl")
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("openssl must be installed for the tests (apt-get install openssl)");
    let mut text = String::from_utf8_lossy(&out.stdout).to_string();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

/// Assert that stderr is exactly one line starting with `nskeys: `.
pub fn assert_one_line_error(stderr: &[u8]) -> String {
    let s = String::from_utf8_lossy(stderr).to_string();
    let lines: Vec<&str> = s.lines().collect();
    assert_eq!(lines.len(), 1, "expected one error line, got: {s:?}");
    assert!(
        lines[0].starts_with("nskeys: "),
        "error must start with 'nskeys: ': {s:?}"
    );
    s
}

/// A deeply nested DER SEQUENCE with definite lengths.
pub fn deep_der(depth: usize) -> Vec<u8> {
    let mut der: Vec<u8> = vec![0x05, 0x00];
    for _ in 0..depth {
        let len = der.len();
        let mut next = vec![0x30];
        if len < 0x80 {
            next.push(len as u8);
        } else {
            let bytes: Vec<u8> = (len as u32)
                .to_be_bytes()
                .into_iter()
                .skip_while(|b| *b == 0)
                .collect();
            next.push(0x80 | bytes.len() as u8);
            next.extend(bytes);
        }
        next.extend(der);
        der = next;
    }
    der
}
