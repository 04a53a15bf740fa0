//! `nskeys gen` on a full disk: exit 3, one line that says so, and what was there untouched.
//! Two ways to fill a disk without mounting one: the file-size limit (`ulimit -f 0`: every
//! write fails with EFBIG, works anywhere), and strace's fault injection, which makes one
//! chosen disk syscall fail with ENOSPC, the real "No space left on device", at every point.
use crate::harness::*;
use std::path::Path;
use std::process::Output;

fn names_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().to_string())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Whether key and certificate are one pair, as openssl sees them.
fn pair_matches(dir: &Path) -> bool {
    let (k_ok, k) = openssl(&["pkey", "-in", "private.pem", "-pubout"], dir);
    let (c_ok, c) = openssl(&["x509", "-in", "public.pem", "-noout", "-pubkey"], dir);
    k_ok && c_ok && k == c
}

/// A directory holding a complete pair from a first run, and its bytes.
fn dir_with_pair() -> (Dir, Vec<u8>, Vec<u8>) {
    let d = Dir::new();
    let out = d.nskeys().arg("gen").output().unwrap();
    assert!(out.status.success());
    let key = std::fs::read(d.join("private.pem")).unwrap();
    let cert = std::fs::read(d.join("public.pem")).unwrap();
    (d, key, cert)
}

fn last_line(out: &Output) -> String {
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(err.lines().count(), 1, "one error line: {err:?}");
    assert!(err.starts_with("nskeys: "), "{err:?}");
    err
}

fn no_temp_files(dir: &Path, what: &str) {
    for n in names_in(dir) {
        assert!(
            !n.starts_with(".nskeys-"),
            "{what}: temporary file left: {n}"
        );
    }
}

#[test]
fn file_size_limit_zero_is_exit_3_and_leaves_everything_as_it_was() {
    // The shell ignores SIGXFSZ, so nskeys inherits it ignored and its writes fail with EFBIG
    // instead of the signal killing it.
    let ulimited = |d: &Dir, args: &str| -> Output {
        d.command("bash")
            .args([
                "-c",
                &format!("trap '' XFSZ; ulimit -f 0; exec \"$0\" gen {args}"),
            ])
            .arg(nskeys_bin())
            .output()
            .unwrap()
    };
    // An existing pair, replaced with --force: untouched.
    let (d, key, cert) = dir_with_pair();
    let out = ulimited(&d, "--force");
    assert_eq!(out.status.code(), Some(3));
    let line = last_line(&out);
    assert!(line.contains("too large"), "names the cause: {line}");
    assert_eq!(std::fs::read(d.join("private.pem")).unwrap(), key);
    assert_eq!(std::fs::read(d.join("public.pem")).unwrap(), cert);
    no_temp_files(d.path(), "--force");
    // An empty directory: still empty. A new out-dir: not created.
    let d = Dir::new();
    for args in ["", "--out-dir new/sub", "--alg es384 --json"] {
        let out = ulimited(&d, args);
        assert_eq!(out.status.code(), Some(3), "{args}");
        last_line(&out);
        assert_eq!(names_in(d.path()), Vec::<String>::new(), "{args}");
    }
}

/// The disk syscalls of one `nskeys gen ARGS` run in a directory prepared by `prepare`, in
/// order, as (name, arguments as strace shows them): where ENOSPC can strike.
fn disk_calls(prepare: fn() -> Dir, args: &[&str]) -> Vec<(String, String)> {
    let d = prepare();
    let trace = d.join("trace.txt");
    let out = d
        .command("strace")
        .args(["-f", "-qq", "-e", TRACED, "-o"])
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
    let text = std::fs::read_to_string(&trace).unwrap();
    text.lines()
        .filter_map(|l| {
            let l = l
                .trim_start_matches(|c: char| c.is_ascii_digit())
                .trim_start();
            let open = l.find('(')?;
            Some((l[..open].to_string(), l[open + 1..].to_string()))
        })
        .collect()
}

const TRACED: &str =
    "trace=write,fsync,fdatasync,openat,mkdir,mkdirat,rename,renameat,renameat2,link,linkat";

/// Whether a traced call is one ENOSPC belongs to: writes and syncs of files (not of
/// stdout/stderr), creating files and directories, renames and links.
fn can_be_full(name: &str, args: &str) -> bool {
    let fd: i64 = args
        .split([',', ')'])
        .next()
        .and_then(|f| f.trim().parse().ok())
        .unwrap_or(-1);
    match name {
        "write" | "fsync" | "fdatasync" => fd >= 3,
        "openat" => args.contains("O_CREAT"),
        _ => true,
    }
}

fn fresh_pair_dir() -> Dir {
    dir_with_pair().0
}

#[test]
fn enospc_at_every_disk_syscall_is_exit_3_and_never_a_broken_pair() {
    let mut points = 0;
    for (prepare, args, replacing) in [
        (fresh_pair_dir as fn() -> Dir, vec!["--force"], true),
        (Dir::new as fn() -> Dir, vec![], false),
        (Dir::new as fn() -> Dir, vec!["--out-dir", "new"], false),
    ] {
        let calls = disk_calls(prepare, &args);
        let mut seen: Vec<String> = Vec::new();
        for (i, (name, call_args)) in calls.iter().enumerate() {
            if !can_be_full(name, call_args) {
                continue;
            }
            // The n-th call of this name.
            let n = calls[..=i].iter().filter(|(c, _)| c == name).count();
            let d = prepare();
            let before: Vec<(String, Vec<u8>)> = ["private.pem", "public.pem"]
                .iter()
                .filter_map(|f| std::fs::read(d.join(f)).ok().map(|b| (f.to_string(), b)))
                .collect();
            let out = d
                .command("strace")
                .args(["-f", "-qq", "-o", "/dev/null", "-e"])
                .arg(format!("trace={name}"))
                .arg("-e")
                .arg(format!("inject={name}:error=ENOSPC:when={n}"))
                .arg(nskeys_bin())
                .arg("gen")
                .args(&args)
                .output()
                .unwrap();
            let at = format!("{args:?}: ENOSPC at {name} #{n} ({call_args})");
            // Linking the backup that --force keeps is best effort: without it the run goes
            // on, and if nothing else fails it succeeds.
            // So is syncing a directory (not every filesystem can): an fsync whose descriptor
            // came from an open without O_CREAT.
            let syncs_a_dir = calls[..i]
                .iter()
                .rev()
                .find(|(c, _)| c == "openat")
                .is_some_and(|(_, a)| !a.contains("O_CREAT"));
            let best_effort =
                name.starts_with("link") || (name.starts_with("fsync") && syncs_a_dir);
            let line = if best_effort && out.status.success() {
                "best effort, no error".to_string()
            } else {
                assert_eq!(
                    out.status.code(),
                    Some(3),
                    "{at}: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
                let line = last_line(&out);
                assert!(line.contains("No space left on device"), "{at}: {line}");
                line
            };
            let out_dir = if args.contains(&"--out-dir") {
                d.join("new")
            } else {
                d.join("")
            };
            no_temp_files(&out_dir, &at);
            let names: Vec<String> = names_in(&out_dir)
                .into_iter()
                .filter(|n| n.ends_with(".pem"))
                .collect();
            let state = if names.is_empty() {
                "nothing".to_string()
            } else {
                assert_eq!(names, ["private.pem", "public.pem"], "{at}: a half pair");
                assert!(
                    pair_matches(&out_dir),
                    "{at}: key and certificate do not match"
                );
                let after: Vec<(String, Vec<u8>)> = ["private.pem", "public.pem"]
                    .iter()
                    .map(|f| (f.to_string(), std::fs::read(out_dir.join(f)).unwrap()))
                    .collect();
                if after == before {
                    "the old pair, untouched".to_string()
                } else {
                    // Only a failure after both renames (syncing the directory) may leave
                    // the new pair, and the error line must then say the files were written.
                    assert!(
                        line.contains("written") || line == "best effort, no error",
                        "{at}: {line}"
                    );
                    if line.contains("written") {
                        "the new pair, and the error says so".to_string()
                    } else {
                        "the new pair, exit 0 (a best-effort step failed)".to_string()
                    }
                }
            };
            if replacing {
                assert_ne!(state, "nothing", "{at}: --force lost the old pair");
            }
            seen.push(format!("{name} #{n}: {state}"));
            points += 1;
        }
        eprintln!("{args:?}: {seen:?}");
        assert!(
            seen.iter().any(|s| s.starts_with("write")),
            "{args:?}: writes were hit"
        );
    }
    eprintln!("full disk: ENOSPC injected at {points} points");
}
