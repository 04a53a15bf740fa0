//! `nskeys gen` and the files it writes: never clobber, modes, paths, races, SIGKILL.
//! EC keys (fast) everywhere except the SIGKILL test that needs a slow run to hit.
use crate::gen_util::*;
use crate::harness::*;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Run `nskeys gen ARGS` in `d`.
fn run_gen(d: &Dir, args: &[&str]) -> Output {
    d.nskeys()
        .arg("gen")
        .args(args)
        .output()
        .expect("run nskeys")
}

fn assert_exit(out: &Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Run a shell snippet in `d` where `"$0"` is the nskeys binary.
fn sh(d: &Dir, script: &str) -> Output {
    d.command("sh")
        .args(["-c", script])
        .arg(nskeys_bin())
        .output()
        .expect("run sh")
}

fn is_hidden_temp(name: &str) -> bool {
    name.starts_with(".nskeys-") && name.ends_with(".tmp")
}

// ---- Never clobber ----

#[test]
fn existing_key_alone_is_not_touched_without_force() {
    let d = Dir::new();
    std::fs::write(d.join("private.pem"), "my precious key\n").unwrap();
    age(d.join("private.pem"));
    let before = snapshot(d.join("private.pem"));
    let out = run_gen(&d, &[]);
    assert_exit(&out, 3);
    let err = assert_one_line_error(&out.stderr);
    assert!(
        err.contains("private.pem") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(snapshot(d.join("private.pem")), before);
    assert_eq!(names_in(d.path()), ["private.pem"], "no certificate either");
}

#[test]
fn existing_certificate_alone_is_not_touched_without_force() {
    let d = Dir::new();
    d.fixture("oracle/es256-public.pem", "public.pem");
    age(d.join("public.pem"));
    let before = snapshot(d.join("public.pem"));
    let out = run_gen(&d, &[]);
    assert_exit(&out, 3);
    let err = assert_one_line_error(&out.stderr);
    assert!(err.contains("public.pem"), "{err}");
    assert_eq!(snapshot(d.join("public.pem")), before);
    assert_eq!(names_in(d.path()), ["public.pem"], "no key either");
}

#[test]
fn oracle_recipe_pairs_are_not_overwritten_without_force() {
    for (key, cert, alg) in [
        (
            "oracle/ps256-private.pem",
            "oracle/ps256-public.pem",
            "ps256",
        ),
        (
            "oracle/es256-private.pem",
            "oracle/es256-public.pem",
            "es256",
        ),
        (
            "oracle/es512-private.pem",
            "oracle/es512-public.pem",
            "es512",
        ),
    ] {
        let d = Dir::new();
        d.fixture(key, "private.pem");
        d.fixture(cert, "public.pem");
        age(d.join("private.pem"));
        age(d.join("public.pem"));
        let before = (
            snapshot(d.join("private.pem")),
            snapshot(d.join("public.pem")),
        );
        let out = run_gen(&d, &["--alg", alg]);
        assert_exit(&out, 3);
        assert_one_line_error(&out.stderr);
        let after = (
            snapshot(d.join("private.pem")),
            snapshot(d.join("public.pem")),
        );
        assert_eq!(after, before, "{alg}");
        assert_eq!(names_in(d.path()), ["private.pem", "public.pem"]);
    }
}

#[test]
fn force_replaces_both_files() {
    let d = Dir::new();
    d.fixture("oracle/es384-private.pem", "private.pem");
    d.fixture("oracle/es384-public.pem", "public.pem");
    let old = (read(d.join("private.pem")), read(d.join("public.pem")));
    let out = run_gen(&d, &["--force"]);
    assert_exit(&out, 0);
    assert_ne!(read(d.join("private.pem")), old.0);
    assert_ne!(read(d.join("public.pem")), old.1);
    assert!(key_matches_cert(d.path(), "private.pem", "public.pem"));
    assert_eq!(mode(d.join("private.pem")), 0o600);
    assert_eq!(names_in(d.path()), ["private.pem", "public.pem"]);
}

/// The state a SIGKILL between the two renames leaves: the certificate, and its key complete
/// in a hidden temporary file. The refusal says how to complete the pair.
#[test]
fn certificate_of_an_interrupted_run_is_refused_with_how_to_complete_the_pair() {
    let made = Made::new(&["--alg", "es256"]);
    let d = Dir::new();
    std::fs::copy(made.path().join("public.pem"), d.join("public.pem")).unwrap();
    std::fs::copy(
        made.path().join("private.pem"),
        d.join(".nskeys-Ab12Cd.tmp"),
    )
    .unwrap();
    // An unrelated leftover must not be taken for it.
    d.fixture("oracle/es256-private.pem", ".nskeys-Zz99Zz.tmp");
    let before = snapshot(d.join("public.pem"));
    let out = run_gen(&d, &[]);
    assert_exit(&out, 3);
    let err = assert_one_line_error(&out.stderr);
    assert!(err.contains("interrupted"), "{err}");
    assert!(
        err.contains("mv ./.nskeys-Ab12Cd.tmp ./private.pem"),
        "{err}"
    );
    assert_eq!(snapshot(d.join("public.pem")), before);
    // Following the advice gives a whole pair.
    std::fs::rename(d.join(".nskeys-Ab12Cd.tmp"), d.join("private.pem")).unwrap();
    assert!(key_matches_cert(d.path(), "private.pem", "public.pem"));
}

#[test]
fn lone_certificate_with_an_unrelated_leftover_gets_the_plain_refusal() {
    let d = Dir::new();
    d.fixture("oracle/es256-public.pem", "public.pem");
    d.fixture("oracle/es384-private.pem", ".nskeys-Zz99Zz.tmp");
    let out = run_gen(&d, &[]);
    assert_exit(&out, 3);
    let err = assert_one_line_error(&out.stderr);
    assert!(!err.contains("interrupted"), "{err}");
    assert!(err.contains("--force"), "{err}");
}

// ---- Modes ----
// Every command here runs under umask 000 (the harness), so every mode checked in this file
// (these tests, --force, --key-out, the SIGKILL leftovers) fails if nskeys creates a file or
// directory without asking for its mode: 077 would have given 0600 and 0700 by accident.

#[test]
fn key_is_0600_and_certificate_0644_even_with_umask_000() {
    let d = Dir::new();
    let out = sh(&d, r#"umask 000; exec "$0" gen"#);
    assert_exit(&out, 0);
    assert_eq!(mode(d.join("private.pem")), 0o600);
    assert_eq!(mode(d.join("public.pem")), 0o644);
}

#[test]
fn out_dir_is_created_0700_with_its_missing_parents() {
    let d = Dir::new();
    let out = sh(&d, r#"umask 000; exec "$0" gen --out-dir a/b/c"#);
    assert_exit(&out, 0);
    for dir in ["a", "a/b", "a/b/c"] {
        assert_eq!(mode(d.join(dir)), 0o700, "{dir}");
    }
    assert_eq!(names_in(&d.join("a/b/c")), ["private.pem", "public.pem"]);
    assert!(key_matches_cert(
        &d.join("a/b/c"),
        "private.pem",
        "public.pem"
    ));
}

/// A umask takes bits away from the mode a file is created with, never from a chmod: under
/// 077 or 027 a certificate left at its creation mode would be 0600 or 0640, not 0644.
#[test]
fn modes_are_the_same_under_umask_077_and_027() {
    for umask in ["077", "027"] {
        let d = Dir::new();
        let out = sh(&d, &format!(r#"umask {umask}; exec "$0" gen"#));
        assert_exit(&out, 0);
        let out = sh(
            &d,
            &format!(r#"umask {umask}; exec "$0" gen --out-dir a/b"#),
        );
        assert_exit(&out, 0);
        for dir in ["", "a/b"] {
            let key = d.join(dir).join("private.pem");
            let cert = d.join(dir).join("public.pem");
            assert_eq!(mode(key), 0o600, "umask {umask}: {dir}");
            assert_eq!(mode(cert), 0o644, "umask {umask}: {dir}");
        }
        for dir in ["a", "a/b"] {
            assert_eq!(mode(d.join(dir)), 0o700, "umask {umask}: {dir}");
        }
    }
}

#[test]
fn existing_out_dir_keeps_its_mode() {
    let d = Dir::new();
    std::fs::create_dir(d.join("keys")).unwrap();
    std::fs::set_permissions(
        d.join("keys"),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    assert_exit(&run_gen(&d, &["--out-dir", "keys"]), 0);
    assert_eq!(mode(d.join("keys")), 0o755);
}

// ---- Paths ----

#[test]
fn key_out_and_cert_out_are_taken_inside_out_dir() {
    let d = Dir::new();
    let out = run_gen(
        &d,
        &[
            "--out-dir",
            "o",
            "--key-out",
            "k.pem",
            "--cert-out",
            "c.pem",
        ],
    );
    assert_exit(&out, 0);
    assert_eq!(names_in(&d.join("o")), ["c.pem", "k.pem"]);
    assert!(key_matches_cert(&d.join("o"), "k.pem", "c.pem"));
}

#[test]
fn absolute_key_out_and_cert_out_are_respected() {
    let d = Dir::new();
    let elsewhere = Dir::new();
    let key = elsewhere.join("abs-key.pem");
    let cert = elsewhere.join("sub/abs-cert.pem");
    let out = run_gen(
        &d,
        &[
            "--out-dir",
            "o",
            "--key-out",
            key.to_str().unwrap(),
            "--cert-out",
            cert.to_str().unwrap(),
        ],
    );
    assert_exit(&out, 0);
    assert!(key_matches_cert(
        elsewhere.path(),
        "abs-key.pem",
        "sub/abs-cert.pem"
    ));
    assert_eq!(mode(&key), 0o600);
    assert!(!d.join("o/private.pem").exists() && !d.join("o/public.pem").exists());
}

#[test]
fn same_path_for_key_and_certificate_is_refused() {
    let d = Dir::new();
    let out = run_gen(&d, &["--key-out", "x.pem", "--cert-out", "x.pem"]);
    assert_exit(&out, 3);
    assert_one_line_error(&out.stderr);
    assert_eq!(names_in(d.path()), Vec::<String>::new());
}

/// Regression: the two paths differed only as spelled (`sub/../x.pem` vs `x.pem`), so with
/// --force the key was renamed over the certificate just written, and gen said it was done.
#[test]
fn same_file_spelled_two_ways_is_refused_even_with_force() {
    let d = Dir::new();
    std::fs::create_dir(d.join("sub")).unwrap();
    let out = run_gen(
        &d,
        &[
            "--force",
            "--key-out",
            "sub/../x.pem",
            "--cert-out",
            "x.pem",
        ],
    );
    assert_exit(&out, 3);
    assert_one_line_error(&out.stderr);
    assert_eq!(names_in(d.path()), ["sub"]);
}

/// Regression: with --force and a directory where the key goes, the certificate was
/// replaced, then renaming the key failed: the old pair was broken and no new pair made.
#[test]
fn directory_in_the_way_of_the_key_is_refused_before_anything_changes_even_with_force() {
    let d = Dir::new();
    std::fs::create_dir(d.join("private.pem")).unwrap();
    d.fixture("oracle/es256-public.pem", "public.pem");
    let before = snapshot(d.join("public.pem"));
    let out = run_gen(&d, &["--force"]);
    assert_exit(&out, 3);
    assert_one_line_error(&out.stderr);
    assert_eq!(snapshot(d.join("public.pem")), before);
    assert!(d.join("private.pem").is_dir());
    assert_eq!(names_in(d.path()), ["private.pem", "public.pem"]);
}

#[test]
fn out_dir_that_is_a_file_is_refused() {
    let d = Dir::new();
    std::fs::write(d.join("notadir"), "x").unwrap();
    let out = run_gen(&d, &["--out-dir", "notadir"]);
    assert_exit(&out, 3);
    assert_one_line_error(&out.stderr);
    assert_eq!(read(d.join("notadir")), b"x");
    assert_eq!(names_in(d.path()), ["notadir"]);
}

/// Whether this process runs as root (who may write into a read-only directory): the owner
/// of the directory it just made.
fn running_as_root(d: &Dir) -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(d.path()).expect("stat").uid() == 0
}

#[test]
fn read_only_out_dir_is_an_error_and_leaves_nothing() {
    use std::os::unix::fs::PermissionsExt;
    let d = Dir::new();
    let ro = d.join("ro");
    std::fs::create_dir(&ro).unwrap();
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
    let out = if running_as_root(&d) {
        // Root writes anywhere: run as nobody, for whom the directory is read-only. (A copy
        // of the binary, since nobody may not reach the build directory, e.g. under /root.)
        d.open_to_others();
        let bin = d.nskeys_copy("nskeys");
        d.command("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(&bin)
            .args(["gen", "--out-dir", "ro"])
            .output()
            .expect("setpriv (util-linux) to drop root for this test")
    } else {
        run_gen(&d, &["--out-dir", "ro"])
    };
    assert_exit(&out, 3);
    let err = assert_one_line_error(&out.stderr);
    assert!(err.contains("ro"), "names the directory: {err}");
    assert!(err.contains("ermission denied"), "says why: {err}");
    assert_eq!(names_in(&ro), Vec::<String>::new());
}

// ---- Symlinks at the target paths ----

#[test]
fn symlink_at_the_key_path_is_not_followed_without_force() {
    let d = Dir::new();
    std::fs::write(d.join("victim.txt"), "do not overwrite\n").unwrap();
    std::os::unix::fs::symlink("victim.txt", d.join("private.pem")).unwrap();
    let out = run_gen(&d, &[]);
    assert_exit(&out, 3);
    assert_one_line_error(&out.stderr);
    assert_eq!(read(d.join("victim.txt")), b"do not overwrite\n");
    assert!(d.join("private.pem").is_symlink());
    assert_eq!(names_in(d.path()), ["private.pem", "victim.txt"]);
}

#[test]
fn dangling_symlink_at_the_certificate_path_is_refused_and_not_followed() {
    let d = Dir::new();
    std::os::unix::fs::symlink("created-through-link.pem", d.join("public.pem")).unwrap();
    let out = run_gen(&d, &[]);
    assert_exit(&out, 3);
    assert_one_line_error(&out.stderr);
    assert!(!d.join("created-through-link.pem").exists());
    assert_eq!(names_in(d.path()), ["public.pem"]);
}

#[test]
fn force_replaces_a_symlink_itself_not_the_file_it_points_to() {
    let d = Dir::new();
    std::fs::write(d.join("victim.txt"), "do not overwrite\n").unwrap();
    std::os::unix::fs::symlink("victim.txt", d.join("private.pem")).unwrap();
    let out = run_gen(&d, &["--force"]);
    assert_exit(&out, 0);
    assert_eq!(read(d.join("victim.txt")), b"do not overwrite\n");
    assert!(!d.join("private.pem").is_symlink());
    assert_eq!(mode(d.join("private.pem")), 0o600);
    assert!(key_matches_cert(d.path(), "private.pem", "public.pem"));
}

// ---- stdout ----

#[test]
fn closed_stdout_still_writes_the_pair_and_exits_0() {
    let d = Dir::new();
    let out = sh(&d, r#"exec "$0" gen >&-"#);
    assert_exit(&out, 0);
    assert!(key_matches_cert(d.path(), "private.pem", "public.pem"));
    assert_key_not_printed(&read(d.join("private.pem")), &out);
}

/// Regression: a full stdout gave "cannot write output" with no hint, after the files had
/// been written: a script would take it for "nothing made".
#[test]
fn unwritable_stdout_is_an_error_that_says_the_files_were_written() {
    let d = Dir::new();
    let out = sh(&d, r#"exec "$0" gen > /dev/full"#);
    assert_exit(&out, 3);
    let err = assert_one_line_error(&out.stderr);
    assert!(
        err.contains("were written") && err.contains("private.pem"),
        "{err}"
    );
    assert!(key_matches_cert(d.path(), "private.pem", "public.pem"));
}

// ---- Concurrency: two runs racing for one directory ----

fn spawn_gen(d: &Dir, args: &[&str]) -> std::process::Child {
    d.command(nskeys_bin())
        .arg("gen")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn nskeys")
}

#[test]
fn racing_runs_leave_one_consistent_pair_and_the_loser_exits_3() {
    for i in 0..30 {
        let d = Dir::new();
        // Half the races into an existing directory, half into one both try to create.
        let args: &[&str] = if i % 2 == 0 {
            &["--json"]
        } else {
            &["--json", "--out-dir", "new"]
        };
        let out_dir = if i % 2 == 0 {
            d.join("")
        } else {
            d.join("new")
        };
        let a = spawn_gen(&d, args);
        let b = spawn_gen(&d, args);
        let outs = [a.wait_with_output().unwrap(), b.wait_with_output().unwrap()];
        let winners: Vec<&Output> = outs.iter().filter(|o| o.status.success()).collect();
        assert_eq!(winners.len(), 1, "race {i}: exactly one run wins: {outs:?}");
        let loser = outs.iter().find(|o| !o.status.success()).unwrap();
        assert_exit(loser, 3);
        assert_one_line_error(&loser.stderr);
        assert_eq!(
            names_in(&out_dir),
            ["private.pem", "public.pem"],
            "race {i}: nothing else left behind"
        );
        assert!(
            key_matches_cert(&out_dir, "private.pem", "public.pem"),
            "race {i}: key and certificate from different runs"
        );
        let v: serde_json::Value = serde_json::from_slice(&winners[0].stdout).unwrap();
        assert!(
            openssl_fingerprint(&out_dir).ends_with(v["sha256_fingerprint"].as_str().unwrap()),
            "race {i}: the winner's certificate is the one on disk"
        );
    }
}

// ---- SIGKILL at any moment ----

/// What a killed run left in `dir`.
#[derive(Debug, PartialEq, Eq)]
enum Left {
    Nothing,
    Pair,
    /// The certificate under its real name and its key complete in a hidden temp file:
    /// the run died between its two renames (possible only in an existing directory).
    CertificateWithStagedKey,
}

/// Judge what a run killed at some moment left in `out_dir` (in `d`); panics on a broken state.
fn judge_leftovers(d: &Dir, out_dir: &Path, what: &str) -> Left {
    if !out_dir.exists() {
        return Left::Nothing;
    }
    let names = names_in(out_dir);
    for n in &names {
        assert!(
            n == "private.pem" || n == "public.pem" || is_hidden_temp(n),
            "{what}: unexpected file {n:?} in {names:?}"
        );
    }
    let key = out_dir.join("private.pem").exists();
    let cert = out_dir.join("public.pem").exists();
    match (key, cert) {
        (false, false) => Left::Nothing,
        (true, true) => {
            assert!(
                key_matches_cert(out_dir, "private.pem", "public.pem"),
                "{what}: key and certificate do not match"
            );
            assert_eq!(mode(out_dir.join("private.pem")), 0o600, "{what}");
            Left::Pair
        }
        (true, false) => panic!("{what}: a key without its certificate: {names:?}"),
        (false, true) => {
            let staged = names.iter().filter(|n| is_hidden_temp(n)).any(|n| {
                let (ok, pubkey) = openssl(&["pkey", "-in", n, "-pubout"], out_dir);
                ok && pubkey == cert_pubkey(out_dir, "public.pem")
            });
            assert!(
                staged,
                "{what}: a certificate without its key, and no staged key: {names:?}"
            );
            // And the next run says how to complete the pair.
            let again = d
                .command(nskeys_bin())
                .arg("gen")
                .current_dir(out_dir)
                .output()
                .unwrap();
            let err = String::from_utf8_lossy(&again.stderr);
            assert!(err.contains("interrupted"), "{what}: {err}");
            Left::CertificateWithStagedKey
        }
    }
}

/// SIGKILL `nskeys gen ARGS` (run in `dir`) after each delay; returns what each left.
fn kill_at_each(dir_args: &[&str], delays: &[Duration], in_new_dir: bool) -> Vec<Left> {
    let mut seen = Vec::new();
    let mut mid_write = 0; // kills that landed while files were being written
    for (i, delay) in delays.iter().enumerate() {
        let d = Dir::new();
        let mut child = d
            .command(nskeys_bin())
            .arg("gen")
            .args(dir_args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn nskeys");
        std::thread::sleep(*delay);
        let _ = child.kill(); // SIGKILL; fails only if it already exited
        child.wait().expect("reap");
        let out_dir = if in_new_dir {
            d.join("new")
        } else {
            d.join("")
        };
        let what = format!("killed after {delay:?} (step {i}, args {dir_args:?})");
        if in_new_dir {
            for n in names_in(d.path()) {
                assert!(n == "new" || is_hidden_temp(&n), "{what}: stray {n:?}");
            }
        }
        seen.push(judge_leftovers(&d, &out_dir, &what));
        let leftovers =
            |dir: &Path| dir.is_dir() && names_in(dir).iter().any(|n| is_hidden_temp(n));
        if leftovers(d.path()) || leftovers(&out_dir) {
            mid_write += 1;
        }
    }
    // Shown with --nocapture: how the kills fell.
    let count = |l: Left| seen.iter().filter(|s| **s == l).count();
    eprintln!(
        "gen {dir_args:?}: {} kills ({mid_write} while writing): nothing {}, whole pair {}, \
         certificate + staged key {}",
        seen.len(),
        count(Left::Nothing),
        count(Left::Pair),
        count(Left::CertificateWithStagedKey)
    );
    seen
}

/// How long one uninterrupted run takes here, to spread the kills over it.
fn time_one_run(args: &[&str]) -> Duration {
    let d = Dir::new();
    let t = Instant::now();
    let out = d
        .command(nskeys_bin())
        .arg("gen")
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success());
    t.elapsed()
}

fn spread(total: Duration, steps: u32) -> Vec<Duration> {
    (0..steps).map(|i| total * i / (steps - 1)).collect()
}

#[test]
fn sigkill_of_an_ec_run_into_a_new_directory_leaves_nothing_or_a_whole_pair() {
    let args = ["--alg", "es384", "--out-dir", "new"];
    let run = time_one_run(&args);
    let seen = kill_at_each(&args, &spread(run * 3 / 2, 30), true);
    // A new directory appears with both files in one rename: no half state at all.
    assert!(
        !seen.contains(&Left::CertificateWithStagedKey),
        "half pair in a new directory: {seen:?}"
    );
}

#[test]
fn sigkill_of_an_ec_run_into_an_existing_directory_never_leaves_a_key_alone_or_a_mismatch() {
    let args = ["--alg", "es384"];
    let run = time_one_run(&args);
    let seen = kill_at_each(&args, &spread(run * 3 / 2, 30), false);
    assert!(
        seen.contains(&Left::Nothing),
        "no early kill landed: {seen:?}"
    );
}

#[test]
fn sigkill_of_an_rsa_run_leaves_nothing_or_a_whole_pair() {
    // RSA-4096 generation is slow enough to be killed at many points of its work.
    let args = ["--alg", "ps256"];
    let run = (time_one_run(&args) * 3 / 2).min(Duration::from_millis(1500));
    let seen = kill_at_each(&args, &spread(run, 20), false);
    assert!(
        seen.contains(&Left::Nothing),
        "no early kill landed: {seen:?}"
    );
}

// ---- SIGKILL before every syscall that changes the disk (exhaustive, deterministic) ----

/// Syscalls that change what is on disk, or end the process. What a SIGKILL can leave
/// depends only on how many of them ran, so killing the run as it enters each invocation
/// of each of them (strace's fault injection) reaches every state a SIGKILL at any moment
/// can leave.
const DISK_SYSCALLS: &[&str] = &[
    "open",
    "openat",
    "creat",
    "close",
    "write",
    "pwrite64",
    "writev",
    "fsync",
    "fdatasync",
    "ftruncate",
    "fchmod",
    "fchmodat",
    "chmod",
    "mkdir",
    "mkdirat",
    "rename",
    "renameat",
    "renameat2",
    "link",
    "linkat",
    "unlink",
    "unlinkat",
    "rmdir",
    "symlink",
    "symlinkat",
    "exit_group",
];

/// strace, started in `d`.
fn strace(d: &Dir) -> Command {
    let ok = d
        .command("strace")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "strace must be installed for this test (apt-get install strace)"
    );
    d.command("strace")
}

/// How often a full `nskeys gen ARGS` run calls each of [`DISK_SYSCALLS`].
fn disk_syscall_counts(args: &[&str]) -> Vec<(&'static str, usize)> {
    let d = Dir::new();
    let trace = d.join("trace.txt");
    let out = strace(&d)
        .args(["-f", "-qq", "-o"])
        .arg(&trace)
        .arg(nskeys_bin())
        .arg("gen")
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(read(&trace)).unwrap();
    // Lines look like `1234  openat(AT_FDCWD, "...", ...) = 3`.
    let called: Vec<&str> = text
        .lines()
        .filter_map(|l| {
            let l = l
                .trim_start_matches(|c: char| c.is_ascii_digit())
                .trim_start();
            let name = &l[..l.find('(')?];
            name.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
                .then_some(name)
        })
        .collect();
    DISK_SYSCALLS
        .iter()
        .map(|s| (*s, called.iter().filter(|c| *c == s).count()))
        .filter(|(_, n)| *n > 0)
        .collect()
}

/// Run `nskeys gen ARGS` once per disk syscall invocation, SIGKILLed as it enters that one;
/// returns where each kill fell and what it left.
fn kill_before_every_disk_syscall(args: &[&str], in_new_dir: bool) -> Vec<(String, Left)> {
    let counts = disk_syscall_counts(args);
    assert!(
        counts
            .iter()
            .any(|(s, _)| s.starts_with("rename") || s.starts_with("link")),
        "no rename seen: {counts:?}"
    );
    let mut seen = Vec::new();
    for (syscall, count) in counts {
        for n in 1..=count {
            let d = Dir::new();
            let at = format!("{syscall} #{n}");
            let out = strace(&d)
                .args(["-f", "-qq", "-o", "/dev/null", "-e"])
                .arg(format!("trace={syscall}"))
                .arg("-e")
                .arg(format!("inject={syscall}:signal=SIGKILL:when={n}"))
                .arg(nskeys_bin())
                .arg("gen")
                .args(args)
                .output()
                .unwrap();
            assert!(!out.status.success(), "{at}: the run was not killed");
            let out_dir = if in_new_dir {
                d.join("new")
            } else {
                d.join("")
            };
            if in_new_dir {
                for name in names_in(d.path()) {
                    assert!(
                        name == "new" || is_hidden_temp(&name),
                        "{at}: stray {name:?}"
                    );
                }
            }
            seen.push((
                at.clone(),
                judge_leftovers(&d, &out_dir, &format!("killed at {at}")),
            ));
        }
    }
    seen
}

#[test]
fn sigkill_before_any_disk_syscall_into_a_new_directory_leaves_nothing_or_a_whole_pair() {
    let seen = kill_before_every_disk_syscall(&["--out-dir", "new"], true);
    let half: Vec<&String> = seen
        .iter()
        .filter(|(_, l)| *l == Left::CertificateWithStagedKey)
        .map(|(at, _)| at)
        .collect();
    assert!(half.is_empty(), "half pair after a kill at {half:?}");
    assert!(seen.iter().any(|(_, l)| *l == Left::Pair), "{seen:?}");
    eprintln!(
        "new directory: {} kill points, none leaves a half pair",
        seen.len()
    );
}

#[test]
fn sigkill_before_any_disk_syscall_into_an_existing_directory_leaves_at_most_one_known_half_state()
{
    let seen = kill_before_every_disk_syscall(&[], false);
    let half: Vec<&String> = seen
        .iter()
        .filter(|(_, l)| *l == Left::CertificateWithStagedKey)
        .map(|(at, _)| at)
        .collect();
    // POSIX cannot create two names at once: a kill as the second rename starts leaves the
    // certificate and, complete in a hidden file, its key (and the next run says so). That
    // one syscall boundary is the only place it can happen.
    assert!(half.len() <= 1, "half pair after kills at {half:?}");
    assert!(seen.iter().any(|(_, l)| *l == Left::Pair), "{seen:?}");
    eprintln!(
        "existing directory: {} kill points; certificate + staged key only when killed at {half:?}",
        seen.len()
    );
}
