//! Twenty `nskeys gen --force` runs racing for one directory: each commits its pair whole,
//! one after the other (a directory lock), so the pair on disk always matches. strace slows
//! every rename down, which without the lock makes interleaved commits (a certificate of one
//! run beside the key of another) all but certain.
mod common;
use common::*;
use std::path::Path;
use std::process::{Command, Stdio};
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
            Command::new("strace")
                .args(["-f", "-qq", "-o", "/dev/null", "-e"])
                .arg("trace=rename,renameat,renameat2")
                .arg("-e")
                .arg("inject=rename,renameat,renameat2:delay_exit=30000")
                .arg(env!("CARGO_BIN_EXE_nskeys"))
                .args(["gen", "--force", "--json"])
                .current_dir(d.path())
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
