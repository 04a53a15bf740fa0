//! The test harness: each test gets its own temporary directory, and every process a test starts
//! (nskeys, a wrapper around it such as sh, strace, script, setpriv, python3 or GNU time, or a
//! judge such as openssl) comes from [`Dir::command`], which gives it
//! - an environment holding only [`KEPT`] from the test process's, plus HOME, XDG_CONFIG_HOME and
//!   XDG_CACHE_HOME inside the test's directory: no NS_*, NSKEYS_*, proxy, NO_COLOR, SSL_CERT_*,
//!   COLUMNS or real XDG directory reaches nskeys, directly or through a wrapper, and no test
//!   reads or writes the real user's configuration or cache;
//! - umask 000, so that a file or directory mode nskeys does not set itself shows (under the
//!   common 022, or 077, a missing mode step would pass unnoticed).
//!
//! Tests run in parallel threads of one process: variables for nskeys are set on its Command,
//! never with `std::env::set_var`.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The only variables kept from the test process's environment. PATH finds the tools; pyenv's
/// two choose which python3 its shim runs (the one with PyJWT) and mean nothing to nskeys.
pub const KEPT: &[&str] = &["PATH", "PYENV_ROOT", "PYENV_VERSION"];

/// How every process is started: `sh` sets the umask, then becomes the program (`exec`: the
/// same process, so a kill or a wait reaches the program itself).
const UMASK_000: &str = r#"umask 000; exec "$0" "$@""#;

/// The nskeys binary under test.
pub fn nskeys_bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_nskeys"))
}

/// A temporary directory for one test: `work/` is where its commands run ([`Dir::path`]),
/// `home/` is their HOME, with the XDG configuration and cache directories inside.
pub struct Dir {
    tmp: tempfile::TempDir,
    work: PathBuf,
}

impl Dir {
    pub fn new() -> Dir {
        Dir::from_temp(tempfile::tempdir().expect("temp dir"))
    }

    /// A directory under `parent` (for a run kept in a `static`, which is never dropped: its
    /// files then stay under the target directory rather than in /tmp).
    pub fn new_in(parent: impl AsRef<Path>) -> Dir {
        Dir::from_temp(tempfile::tempdir_in(parent).expect("temp dir"))
    }

    fn from_temp(tmp: tempfile::TempDir) -> Dir {
        let work = tmp.path().join("work");
        let home = tmp.path().join("home");
        for dir in [&work, &home.join(".config"), &home.join(".cache")] {
            std::fs::create_dir_all(dir).expect("test directories");
        }
        Dir { tmp, work }
    }

    /// Where the test's commands run.
    pub fn path(&self) -> &Path {
        &self.work
    }

    pub fn join(&self, p: impl AsRef<Path>) -> PathBuf {
        self.work.join(p)
    }

    /// HOME of every command started here.
    pub fn home(&self) -> PathBuf {
        self.tmp.path().join("home")
    }

    /// The one way a test starts a process: `program` in this directory, with the clean
    /// environment and umask 000 described at the top of this module. Wrappers get it too, and
    /// pass it on to the nskeys they start.
    pub fn command(&self, program: impl AsRef<OsStr>) -> Command {
        let home = self.home();
        let mut cmd = Command::new("sh");
        cmd.args(["-c", UMASK_000])
            .arg(program)
            .current_dir(self.path())
            .env_clear()
            .env("HOME", &home)
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("XDG_CACHE_HOME", home.join(".cache"));
        for name in KEPT {
            if let Some(value) = std::env::var_os(name) {
                cmd.env(name, value);
            }
        }
        cmd
    }

    /// `nskeys` in this directory (see [`Dir::command`]).
    pub fn nskeys(&self) -> assert_cmd::Command {
        assert_cmd::Command::from_std(self.command(nskeys_bin()))
    }

    /// Copy a fixture (path under fixtures/) into this directory under `name`.
    pub fn fixture(&self, fixture: &str, name: &str) -> PathBuf {
        let dest = self.join(name);
        std::fs::copy(fixture_path(fixture), &dest).expect("copy fixture");
        dest
    }

    /// Let other users (a test run as `nobody`) reach the working directory.
    pub fn open_to_others(&self) {
        use std::os::unix::fs::PermissionsExt;
        for dir in [self.tmp.path(), self.path()] {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755))
                .expect("chmod 755");
        }
    }

    /// A copy of the nskeys binary in the working directory (for a test run as `nobody`, who
    /// may not reach the build directory), ready to run: while it was written, another test
    /// thread may have forked a child that holds the copy's write descriptor until it execs,
    /// and running the copy meanwhile fails with ETXTBSY ("Text file busy"). Wait that out.
    pub fn nskeys_copy(&self, name: &str) -> PathBuf {
        let bin = self.join(name);
        if !bin.exists() {
            std::fs::copy(nskeys_bin(), &bin).expect("copy the nskeys binary");
        }
        for _ in 0..200 {
            match std::process::Command::new(&bin)
                .arg("--version")
                .env_clear()
                .stdout(std::process::Stdio::null())
                .status()
            {
                Err(e) if e.raw_os_error() == Some(26) => {
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
                Ok(_) => return bin,
                Err(e) => panic!("cannot run the copy {}: {e}", bin.display()),
            }
        }
        panic!("the copy {} stayed busy", bin.display())
    }
}

/// Absolute path of a file under fixtures/.
pub fn fixture_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rel)
}

/// Run the openssl CLI (the test oracle) in `cwd`; returns (success, stdout+stderr).
pub fn openssl(args: &[&str], cwd: &Path) -> (bool, String) {
    // Its own empty HOME: openssl reads nothing of the test process's (OPENSSL_CONF included).
    let scratch = Dir::new();
    let out = scratch
        .command("openssl")
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run openssl");
    let mut text = String::from_utf8_lossy(&out.stdout).to_string();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    // 127: the shell found no openssl to exec.
    assert_ne!(
        out.status.code(),
        Some(127),
        "openssl must be installed for the tests (apt-get install openssl): {text}"
    );
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

// ---- The harness's own tests ----

/// What the test process's environment holds in the second run of the test below: a value
/// for every variable that could change what nskeys or a judge does.
const LEAKS: &[(&str, &str)] = &[
    ("NS_ACCOUNT_ID", "1234567"),
    ("NS_TOKEN_URL", "http://127.0.0.1:9/leaked"),
    ("NS_CLIENT_ID", "leaked-client"),
    ("NS_CERT_ID", "leaked-kid"),
    ("NS_PRIVATE_KEY", "/leaked/private.pem"),
    ("NS_CERTIFICATE", "/leaked/public.pem"),
    ("NS_PROFILE", "leaked"),
    ("NSKEYS_CONFIG", "/leaked/config.toml"),
    ("HTTPS_PROXY", "http://127.0.0.1:9"),
    ("http_proxy", "http://127.0.0.1:9"),
    ("ALL_PROXY", "http://127.0.0.1:9"),
    ("NO_PROXY", "leaked.example"),
    ("NO_COLOR", "1"),
    ("SSL_CERT_FILE", "/leaked/ca.pem"),
    ("SSL_CERT_DIR", "/leaked/certs"),
    ("XDG_CONFIG_HOME", "/leaked/config"),
    ("XDG_CACHE_HOME", "/leaked/cache"),
    ("HOME", "/leaked/home"),
    ("COLUMNS", "33"),
    ("OPENSSL_CONF", "/leaked/openssl.cnf"),
];

/// Set in the environment of the second run.
const SECOND_RUN: &str = "NSKEYS_TEST_SECOND_RUN";

/// Names a shell adds to the environment of what it starts.
const ADDED_BY_WRAPPERS: &[&str] = &["PWD", "OLDPWD", "SHLVL", "_"];

/// The test process's environment reaches no process a test starts: this test runs itself
/// again in a second process whose environment holds [`LEAKS`] (set on that Command, as
/// tests run in parallel threads), and there checks what programs started through the
/// harness, and the nskeys that each kind of wrapper starts, see.
#[test]
fn the_test_processs_environment_reaches_no_spawned_process() {
    if std::env::var_os(SECOND_RUN).is_none() {
        let name = concat!(
            module_path!(),
            "::the_test_processs_environment_reaches_no_spawned_process"
        );
        // libtest names tests without the crate's name.
        let name = name.split_once("::").map_or(name, |(_, rest)| rest);
        let exe = std::env::current_exe().expect("the test binary");
        let out = std::process::Command::new(exe)
            .args([name, "--exact", "--nocapture", "--test-threads", "1"])
            .envs(LEAKS.iter().copied())
            .env(SECOND_RUN, "1")
            .output()
            .expect("run the test binary again");
        let report = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "second run failed:\n{report}");
        assert!(
            report.contains("1 passed"),
            "the second run ran nothing:\n{report}"
        );
        return;
    }
    for (name, value) in LEAKS {
        assert_eq!(
            std::env::var(name).as_deref(),
            Ok(*value),
            "the second run holds {name}"
        );
    }
    let d = Dir::new();
    let home = d.home();

    // Everything a program started by a wrapper (sh, here) sees.
    let out = d.command("sh").args(["-c", "exec env"]).output().unwrap();
    assert!(out.status.success());
    let env = String::from_utf8(out.stdout).unwrap();
    let mut seen = Vec::new();
    for line in env.lines() {
        let (name, value) = line.split_once('=').unwrap_or((line, ""));
        seen.push(name.to_string());
        let expected = match name {
            "HOME" => home.clone(),
            "XDG_CONFIG_HOME" => home.join(".config"),
            "XDG_CACHE_HOME" => home.join(".cache"),
            _ => {
                assert!(
                    KEPT.contains(&name) || ADDED_BY_WRAPPERS.contains(&name),
                    "{name} reached a spawned process:\n{env}"
                );
                continue;
            }
        };
        assert_eq!(Path::new(value), expected, "{name}");
    }
    for name in ["HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "PATH"] {
        assert!(seen.iter().any(|s| s == name), "{name} is set:\n{env}");
    }

    // The umask every process starts with.
    let out = d.command("sh").args(["-c", "umask"]).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "0000");

    // nskeys itself, started directly and by each wrapper the tests use. With NS_TOKEN_URL,
    // NS_CLIENT_ID and NS_CERT_ID it would get as far as the key (/leaked/private.pem).
    let bin = nskeys_bin().display().to_string();
    let run = format!("{bin} verify --dry-run");
    // All three missing: none of NS_ACCOUNT_ID, NS_CLIENT_ID, NS_CERT_ID (nor NS_PROFILE) leaked.
    let no_endpoint = "nskeys: options are missing: the account (--account or NS_ACCOUNT_ID; or the full --token-url or NS_TOKEN_URL)";
    let wrapped: Vec<(&str, Command)> = vec![
        ("nskeys", d.command(nskeys_bin())),
        ("sh", {
            let mut c = d.command("sh");
            c.args(["-c", r#"exec "$0" "$@""#, &bin]);
            c
        }),
        ("bash", {
            let mut c = d.command("bash");
            c.args(["-c", r#"exec "$0" "$@""#, &bin]);
            c
        }),
        ("strace", {
            let mut c = d.command("strace");
            c.args(["-f", "-qq", "-o", "/dev/null", &bin]);
            c
        }),
        ("setpriv", {
            let mut c = d.command("setpriv");
            c.args(["--no-new-privs", &bin]);
            c
        }),
        ("python3", {
            let mut c = d.command("python3");
            c.args([
                "-c",
                "import subprocess, sys; sys.exit(subprocess.run(sys.argv[1:]).returncode)",
                &bin,
            ]);
            c
        }),
        ("time", {
            let mut c = d.command("/usr/bin/time");
            c.args(["-f", "", &bin]);
            c
        }),
        ("script", {
            let mut c = d.command("script");
            c.args(["-qec", &run, "/dev/null"]);
            c
        }),
    ];
    for (wrapper, mut cmd) in wrapped {
        if wrapper != "script" {
            cmd.args(["verify", "--dry-run"]);
        }
        let out = cmd.output().unwrap();
        // script shows the terminal's output (stderr included) on its stdout.
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(out.status.code(), Some(3), "{wrapper}: {said}");
        assert!(said.contains(no_endpoint), "{wrapper}: {said}");
        assert!(!said.contains("leaked"), "{wrapper}: {said}");
    }
}

/// Every process in the tests comes from [`Dir::command`]: no test module but this one
/// builds a `std::process::Command` (or an assert_cmd one) by hand.
#[test]
fn every_process_is_started_through_the_harness() {
    let tests = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let mut by_hand = Vec::new();
    for entry in std::fs::read_dir(&tests).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if path.extension() != Some(OsStr::new("rs")) || name == "harness.rs" {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for (n, line) in text.lines().enumerate() {
            if ["Command::new(", "cargo_bin(", "CARGO_BIN_EXE"]
                .iter()
                .any(|s| line.contains(s))
            {
                by_hand.push(format!("tests/{name}:{}: {}", n + 1, line.trim()));
            }
        }
    }
    assert!(
        by_hand.is_empty(),
        "use Dir::command:\n{}",
        by_hand.join("\n")
    );
}

/// With `autotests = false`, cargo builds only tests/main.rs: a test file it does not declare
/// as a module would silently never run.
#[test]
fn every_test_file_is_a_module_of_main() {
    let tests = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let main = std::fs::read_to_string(tests.join("main.rs")).unwrap();
    let declared: Vec<&str> = main
        .lines()
        .filter_map(|l| l.trim().strip_prefix("mod ")?.strip_suffix(';'))
        .collect();
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(&tests).unwrap() {
        let path = entry.unwrap().path();
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        let is_module = path.extension() == Some(OsStr::new("rs"))
            || (path.is_dir() && path.join("mod.rs").exists());
        if is_module && stem != "main" && !declared.contains(&stem.as_str()) {
            missing.push(path.display().to_string());
        }
    }
    assert!(
        missing.is_empty(),
        "declare these in tests/main.rs (mod NAME;): {missing:?}"
    );
}
