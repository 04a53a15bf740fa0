//! Every file nskeys reads, in every role (certificate for `expiry`/`inspect`/`verify --cert`,
//! key for `verify --key`/`inspect --key`, roots for `--ca-cert`, stdin), given hostile input:
//! exit 3, one error line naming the file, bounded time, and bounded memory on 16 MB.
use crate::harness::*;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A bound against hangs, not a performance figure: every refusal here takes milliseconds.
const HANG_BOUND: Duration = Duration::from_secs(10);

/// Deterministic pseudo-random bytes.
fn noise(n: usize, seed: u32) -> Vec<u8> {
    let mut x = seed | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

fn pem(label: &str, der: &[u8]) -> Vec<u8> {
    nskeys::pki::pem::to_pem(label, der).unwrap().into_bytes()
}

/// The hostile files, by name. Each is refused in every role.
fn hostile_files() -> Vec<(&'static str, Vec<u8>)> {
    let cert = std::fs::read(fixture_path("oracle/es256-public.pem")).unwrap();
    let text = String::from_utf8(cert.clone()).unwrap();
    let body = |label: &str| format!("-----BEGIN {label}-----\n");
    vec![
        ("empty.pem", Vec::new()),
        ("blank.pem", b"\n \t\n".to_vec()),
        ("truncated.pem", cert[..cert.len() / 2].to_vec()),
        (
            "no-end.pem",
            text.replace("-----END CERTIFICATE-----", "").into_bytes(),
        ),
        ("bad-b64.pem", text.replacen("MII", "M*I", 1).into_bytes()),
        ("random.bin", noise(4096, 7)),
        (
            "text.txt",
            b"hello, this is not a key or a certificate\n".to_vec(),
        ),
        ("deep.der", deep_der(20_000)),
        ("deep.pem", pem("CERTIFICATE", &deep_der(20_000))),
        ("indefinite.der", [0x30u8, 0x80].repeat(50_000)),
        // A length that claims 4 GiB, then a few bytes.
        (
            "huge-len.der",
            vec![0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x02, 0x01, 0x00],
        ),
        // Almost 4 MiB: one block of random base64, then many BEGIN lines with no END.
        (
            "big-block.pem",
            pem("CERTIFICATE", &noise(3 * 1024 * 1024, 11)),
        ),
        (
            "many-begins.pem",
            body("CERTIFICATE").repeat(100_000).into_bytes(),
        ),
        ("nul.bin", vec![0u8; 100_000]),
    ]
}

fn run(cmd: &mut Command) -> (Output, Duration) {
    let started = Instant::now();
    let out = cmd.output().expect("run nskeys");
    (out, started.elapsed())
}

fn nskeys(d: &Dir) -> Command {
    let mut cmd = d.command(nskeys_bin());
    cmd.stdin(Stdio::null());
    cmd
}

/// Exit 3, one line naming `name`, within the hang bound; returns the line.
fn refused(out: &Output, took: Duration, role: &str, name: &str) -> String {
    assert_eq!(
        out.status.code(),
        Some(3),
        "{role} {name}: stdout {} stderr {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<String> = String::from_utf8_lossy(&out.stderr)
        .lines()
        .map(str::to_string)
        .collect();
    // verify's text report may precede the error line: the error is the last line.
    let last = lines.last().cloned().unwrap_or_default();
    assert!(last.starts_with("nskeys: "), "{role} {name}: {lines:?}");
    assert!(last.contains(name), "{role} {name}: names the file: {last}");
    assert!(
        !last.contains("panicked"),
        "{role} {name}: no panic: {last}"
    );
    assert!(took < HANG_BOUND, "{role} {name}: took {took:?}");
    last
}

/// The roles a file can be given in, as argument lists (FILE stands for the file).
fn roles(d: &Dir, url: &str) -> Vec<(&'static str, Vec<String>)> {
    let key = d.join("private.pem").display().to_string();
    let cert = d.join("public.pem").display().to_string();
    let verify = |extra: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = [
            "verify",
            "--token-url",
            url,
            "--client-id",
            "c",
            "--cert-id",
            "k",
            "--no-cert-id-check",
            "--timeout",
            "5",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    };
    vec![
        ("expiry", vec!["expiry".into(), "FILE".into()]),
        ("inspect", vec!["inspect".into(), "FILE".into()]),
        (
            "inspect --key",
            vec![
                "inspect".into(),
                cert.clone(),
                "--key".into(),
                "FILE".into(),
            ],
        ),
        (
            "verify --key",
            verify(&["--key", "FILE", "--cert", &cert, "--dry-run"]),
        ),
        (
            "verify --cert",
            verify(&["--key", &key, "--cert", "FILE", "--dry-run"]),
        ),
        ("token --key", {
            let mut v = verify(&["--key", "FILE", "--cert", &cert]);
            v[0] = "token".into();
            v
        }),
        (
            "verify --ca-cert",
            verify(&["--key", &key, "--cert", &cert, "--ca-cert", "FILE"]),
        ),
    ]
}

fn with_file(args: &[String], file: &str) -> Vec<String> {
    args.iter()
        .map(|a| {
            if a == "FILE" {
                file.to_string()
            } else {
                a.clone()
            }
        })
        .collect()
}

fn es256_dir() -> Dir {
    let d = Dir::new();
    d.fixture("oracle/es256-private.pem", "private.pem");
    d.fixture("oracle/es256-public.pem", "public.pem");
    d
}

/// Nothing listens there: a run that got past reading its files would fail to connect,
/// with an error naming the URL instead of the file.
fn dead_url() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    format!("http://127.0.0.1:{}/token", l.local_addr().unwrap().port())
}

#[test]
fn hostile_files_are_refused_in_every_role() {
    let d = es256_dir();
    let url = dead_url();
    let mut tried = 0;
    for (name, bytes) in hostile_files() {
        std::fs::write(d.join(name), &bytes).unwrap();
        for (role, args) in roles(&d, &url) {
            let (out, took) = run(nskeys(&d).args(with_file(&args, name)));
            refused(&out, took, role, name);
            tried += 1;
        }
    }
    eprintln!("hostile inputs: {tried} runs (files x roles), all exit 3 on one named line");
}

#[test]
fn a_key_where_a_certificate_belongs_and_the_reverse() {
    let d = es256_dir();
    let url = dead_url();
    let cases = [
        // (role, file given, words the error must contain)
        ("expiry", "private.pem", "private key"),
        ("verify --cert", "private.pem", "private key"),
        ("inspect --key", "public.pem", "certificate"),
        ("verify --key", "public.pem", "certificate"),
        ("token --key", "public.pem", "certificate"),
        ("verify --ca-cert", "private.pem", ""),
    ];
    // DER too: the same roles with DER files.
    d.fixture("keys/rsa4096-pkcs8.der", "key.der");
    d.fixture("expiry/days200.der", "cert.der");
    let der_cases = [
        ("expiry", "key.der", "private key"),
        ("verify --cert", "key.der", "is a key"),
        ("verify --key", "cert.der", "certificate"),
        ("inspect --key", "cert.der", "certificate"),
    ];
    let all = roles(&d, &url);
    for (role, file, words) in cases.iter().chain(der_cases.iter()) {
        let args = &all.iter().find(|(r, _)| r == role).unwrap().1;
        let (out, took) = run(nskeys(&d).args(with_file(args, file)));
        let line = refused(&out, took, role, file);
        assert!(line.to_lowercase().contains(words), "{role} {file}: {line}");
    }
}

#[test]
fn directories_and_missing_paths_are_named() {
    let d = es256_dir();
    std::fs::create_dir(d.join("adir")).unwrap();
    let url = dead_url();
    for (role, args) in roles(&d, &url) {
        for (file, words) in [("missing.pem", "no such file"), ("adir", "directory")] {
            if role == "expiry" && file == "adir" {
                continue; // expiry reads directories: tested in tests/expiry.rs
            }
            let (out, took) = run(nskeys(&d).args(with_file(&args, file)));
            let line = refused(&out, took, role, file);
            assert!(line.contains(words), "{role} {file}: {line}");
        }
    }
}

/// Run `nskeys ARGS` as `nobody` (root reads everything: drop it, as tests/gen_files.rs
/// does), from a copy of the binary in `d`, which nobody can reach.
fn as_nobody(d: &Dir, args: &[String]) -> (Output, Duration) {
    d.open_to_others();
    let bin = d.nskeys_copy("nskeys-copy");
    let mut cmd = d.command("setpriv");
    cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(&bin)
        .args(args)
        .stdin(Stdio::null());
    run(&mut cmd)
}

#[test]
fn unreadable_files_and_directories_say_permission_denied() {
    use std::os::unix::fs::PermissionsExt;
    let d = es256_dir();
    let url = dead_url();
    for f in ["private.pem", "public.pem"] {
        std::fs::set_permissions(d.join(f), std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    d.fixture("oracle/es256-public.pem", "locked.pem");
    std::fs::set_permissions(d.join("locked.pem"), std::fs::Permissions::from_mode(0o000)).unwrap();
    std::fs::create_dir(d.join("lockeddir")).unwrap();
    std::fs::set_permissions(d.join("lockeddir"), std::fs::Permissions::from_mode(0o000)).unwrap();
    for (role, args) in roles(&d, &url) {
        let (out, took) = as_nobody(&d, &with_file(&args, "locked.pem"));
        let line = refused(&out, took, role, "locked.pem");
        assert!(line.contains("permission denied"), "{role}: {line}");
    }
    let (out, took) = as_nobody(&d, &["expiry".into(), "lockeddir".into()]);
    let line = refused(&out, took, "expiry", "lockeddir");
    assert!(line.contains("ermission denied"), "{line}");
}

/// Peak resident memory (KiB) of `nskeys ARGS` with `stdin` fed from a file, measured by
/// the kernel (getrusage of the child, through Python, already a test dependency).
fn peak_kib(d: &Dir, args: &[&str], stdin: Option<&Path>) -> (i32, u64) {
    let script = r#"
import resource, subprocess, sys
stdin = open(sys.argv[1], "rb") if sys.argv[1] else subprocess.DEVNULL
r = subprocess.run(sys.argv[2:], stdin=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"#;
    let out = d
        .command("python3")
        .arg("-c")
        .arg(script)
        .arg(stdin.map(|p| p.display().to_string()).unwrap_or_default())
        .arg(nskeys_bin())
        .args(args)
        .output()
        .expect("python3");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut it = text.split_whitespace();
    let code = it.next().and_then(|s| s.parse().ok()).expect("exit code");
    let kib = it.next().and_then(|s| s.parse().ok()).expect("maxrss");
    (code, kib)
}

#[test]
fn sixteen_megabytes_are_refused_in_bounded_time_and_under_64_mb() {
    let d = es256_dir();
    // Random bytes, and PEM-looking text: a file, and the same through stdin.
    let mut big_pem = pem("CERTIFICATE", &noise(12 * 1024 * 1024, 3));
    big_pem.truncate(16 * 1024 * 1024);
    std::fs::write(d.join("big.bin"), noise(16 * 1024 * 1024, 5)).unwrap();
    std::fs::write(d.join("big.pem"), &big_pem).unwrap();
    let url = dead_url();
    let mut worst = 0;
    for file in ["big.bin", "big.pem"] {
        for (role, args) in roles(&d, &url) {
            let args = with_file(&args, file);
            let (out, took) = run(nskeys(&d).args(&args));
            let line = refused(&out, took, role, file);
            assert!(line.contains("larger than 4 MiB"), "{role}: {line}");
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let (code, kib) = peak_kib(&d, &args, None);
            assert_eq!(code, 3);
            assert!(kib < 64 * 1024, "{role} {file}: peak {kib} KiB");
            worst = worst.max(kib);
        }
        for cmd in ["expiry", "inspect"] {
            let started = Instant::now();
            let (code, kib) = peak_kib(&d, &[cmd, "-"], Some(&d.join(file)));
            assert_eq!(code, 3, "{cmd} - < {file}");
            assert!(started.elapsed() < HANG_BOUND);
            assert!(kib < 64 * 1024, "{cmd} - < {file}: peak {kib} KiB");
            worst = worst.max(kib);
        }
    }
    eprintln!("16 MB inputs: worst peak RSS {worst} KiB (bound 65536 KiB)");
    // The error through stdin names it.
    let out = nskeys(&d)
        .args(["expiry", "-"])
        .stdin(std::fs::File::open(d.join("big.bin")).unwrap())
        .output()
        .unwrap();
    let line = String::from_utf8_lossy(&out.stderr);
    assert!(
        line.contains("<stdin>") && line.contains("larger than"),
        "{line}"
    );
}

#[test]
fn an_endless_device_is_cut_at_the_cap() {
    // /dev/zero has no size and no end: the cap, not the file, ends the read.
    let d = es256_dir();
    for args in [
        vec!["expiry", "/dev/zero"],
        vec!["inspect", "/dev/zero"],
        vec!["inspect", "public.pem", "--key", "/dev/urandom"],
    ] {
        let (out, took) = run(nskeys(&d).args(&args));
        let line = refused(&out, took, args[0], "/dev/");
        assert!(line.contains("larger than 4 MiB"), "{line}");
        let (_, kib) = peak_kib(&d, &args, None);
        assert!(kib < 64 * 1024, "{args:?}: peak {kib} KiB");
    }
}
