//! `nskeys gen --force` replacing a pair: racing runs, and SIGKILL at every disk syscall.
//! Twenty runs racing for one directory each commit their pair whole, one after the other (a
//! directory lock), so the pair on disk always matches: strace slows every rename down, which
//! without the lock makes interleaved commits (a certificate of one run beside the key of
//! another) all but certain. A run killed anywhere leaves the old pair, the new pair, or a
//! certificate alone whose key is in a hidden file beside it, which the next run names.
use crate::harness::*;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

fn names_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    v.sort();
    v
}

/// Whether key and certificate are one pair, as openssl sees them.
fn pair_matches(dir: &Path) -> bool {
    let (k_ok, k) = openssl(&["pkey", "-in", "private.pem", "-pubout"], dir);
    let (c_ok, c) = openssl(&["x509", "-in", "public.pem", "-noout", "-pubkey"], dir);
    k_ok && c_ok && k == c
}

fn racing_force_runs(d: &Dir, runs: usize) -> Vec<std::process::Output> {
    let children: Vec<_> = (0..runs)
        .map(|_| {
            d.command("strace")
                .args(["-f", "-qq", "-o", "/dev/null", "-e"])
                .arg("trace=rename,renameat,renameat2")
                .arg("-e")
                .arg("inject=rename,renameat,renameat2:delay_exit=30000")
                .arg(nskeys_bin())
                .args(["gen", "--force", "--json"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("strace must be installed for this test (apt-get install strace)")
        })
        .collect();
    children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect()
}

#[test]
fn twenty_racing_force_runs_leave_a_matching_pair() {
    let mut rounds = 0;
    let started = Instant::now();
    for _ in 0..3 {
        let d = Dir::new();
        assert!(d.nskeys().arg("gen").output().unwrap().status.success());
        let outs = racing_force_runs(&d, 20);
        for o in &outs {
            assert_eq!(
                o.status.code(),
                Some(0),
                "{}",
                String::from_utf8_lossy(&o.stderr)
            );
        }
        assert_eq!(names_in(d.path()), ["private.pem", "public.pem"]);
        assert!(
            pair_matches(d.path()),
            "key and certificate of different runs"
        );
        // The pair on disk is one of the runs' own, as that run reported it.
        let (_, fp) = openssl(
            &[
                "x509",
                "-in",
                "public.pem",
                "-noout",
                "-fingerprint",
                "-sha256",
            ],
            d.path(),
        );
        let fp = fp.trim().rsplit('=').next().unwrap().to_string();
        assert!(
            outs.iter()
                .any(|o| String::from_utf8_lossy(&o.stdout).contains(&fp)),
            "{fp}"
        );
        rounds += 1;
    }
    let took = started.elapsed();
    eprintln!("gen --force race: {rounds} rounds of 20 runs, every final pair matched ({took:?})");
    assert!(took < Duration::from_secs(120));
}

/// The disk syscalls `gen --force` makes when replacing a pair, with how often each is called.
fn force_disk_calls() -> Vec<(String, usize)> {
    let d = Dir::new();
    assert!(d.nskeys().arg("gen").output().unwrap().status.success());
    let trace = d.join("trace.txt");
    let out = d
        .command("strace")
        .args(["-f", "-qq", "-e", KILL_AT, "-o"])
        .arg(&trace)
        .arg(nskeys_bin())
        .args(["gen", "--force"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "strace must be installed for this test (apt-get install strace): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&trace).unwrap();
    let mut counts: Vec<(String, usize)> = Vec::new();
    for l in text.lines() {
        let l = l
            .trim_start_matches(|c: char| c.is_ascii_digit())
            .trim_start();
        let Some(open) = l.find('(') else { continue };
        let name = l[..open].to_string();
        match counts.iter_mut().find(|(n, _)| *n == name) {
            Some((_, c)) => *c += 1,
            None => counts.push((name, 1)),
        }
    }
    counts
}

const KILL_AT: &str =
    "trace=openat,write,fsync,flock,link,linkat,unlink,unlinkat,rename,renameat,renameat2,close";

#[test]
fn sigkill_of_force_at_every_disk_syscall_never_leaves_a_mismatched_pair() {
    let mut states: Vec<String> = Vec::new();
    let mut points = 0;
    for (name, count) in force_disk_calls() {
        for n in 1..=count {
            let d = Dir::new();
            assert!(d.nskeys().arg("gen").output().unwrap().status.success());
            let old_key = std::fs::read(d.join("private.pem")).unwrap();
            let out = d
                .command("strace")
                .args(["-f", "-qq", "-o", "/dev/null", "-e"])
                .arg(format!("trace={name}"))
                .arg("-e")
                .arg(format!("inject={name}:signal=SIGKILL:when={n}"))
                .arg(nskeys_bin())
                .args(["gen", "--force"])
                .output()
                .unwrap();
            let at = format!("killed at {name} #{n}");
            let pems: Vec<String> = names_in(d.path())
                .into_iter()
                .filter(|n| n.ends_with(".pem"))
                .collect();
            let state = match pems.as_slice() {
                [k, c] if k == "private.pem" && c == "public.pem" => {
                    assert!(pair_matches(d.path()), "{at}: a mismatched pair");
                    if std::fs::read(d.join("private.pem")).unwrap() == old_key {
                        "old pair"
                    } else {
                        "new pair"
                    }
                }
                [c] if c == "public.pem" => {
                    // The next run is refused and says which hidden file completes the pair.
                    let again = d.nskeys().arg("gen").output().unwrap();
                    assert_eq!(again.status.code(), Some(3), "{at}");
                    let err = String::from_utf8_lossy(&again.stderr).to_string();
                    let staged = err
                        .split_whitespace()
                        .find(|w| w.contains(".nskeys-"))
                        .unwrap_or_else(|| panic!("{at}: the refusal names no key: {err}"))
                        .to_string();
                    std::fs::rename(
                        d.join(staged.trim_matches(['`', ',', ';', ':'])),
                        d.join("private.pem"),
                    )
                    .unwrap_or_else(|e| panic!("{at}: {e}: {err}"));
                    assert!(pair_matches(d.path()), "{at}: the named key does not match");
                    "certificate alone, key named by the next run"
                }
                other => panic!("{at}: {other:?} (exit {:?})", out.status.code()),
            };
            points += 1;
            if !states.iter().any(|s| s.ends_with(state)) {
                states.push(format!("{at}: {state}"));
            }
        }
    }
    eprintln!("gen --force SIGKILL at {points} points; first of each outcome: {states:?}");
    assert!(states.iter().any(|s| s.ends_with("new pair")));
}
