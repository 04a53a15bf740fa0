//! One NetSuite verdict: the same certificate and key, judged by `expiry`, `inspect` and the
//! pre-flight of `verify --dry-run`, get the same verdict. Each command reports it in its own
//! terms (exit status as the contract says): CRITICAL for what NetSuite refuses now
//! (expired, past the two-year window), WARNING for a certificate not valid yet (which the
//! pre-flight refuses, since NetSuite would refuse it now), OK for a certificate NetSuite
//! takes. The certificates come from Python's `cryptography` (fixtures/verdict/make.py), from
//! `openssl`, and from `nskeys gen`; a PEM block labelled `X509 CERTIFICATE` is read alike.
use crate::harness::*;
use std::path::Path;

/// Exit codes of `expiry`, `inspect --key`, `verify --dry-run` for a pair.
#[derive(Debug, PartialEq, Eq)]
struct Verdicts {
    expiry: i32,
    inspect: i32,
    verify: i32,
}

fn code(out: &std::process::Output) -> i32 {
    out.status.code().expect("exit code")
}

/// Judge `cert` (with `key`) by the three commands; returns the exit codes and verify's
/// stderr.
fn judge(d: &Dir, key: &str, cert: &str) -> (Verdicts, String) {
    let expiry = d.nskeys().args(["expiry", cert]).output().unwrap();
    let inspect = d
        .nskeys()
        .args(["inspect", cert, "--key", key, "--json"])
        .output()
        .unwrap();
    let verify = d
        .nskeys()
        .args([
            "verify",
            "--token-url",
            "http://127.0.0.1:9/services/rest/auth/oauth2/v1/token",
            "--client-id",
            "client",
            "--cert-id",
            "kid",
            "--no-cert-id-check",
            "--key",
            key,
            "--cert",
            cert,
            "--dry-run",
        ])
        .output()
        .unwrap();
    // inspect's JSON says the same as its exit status.
    let doc: serde_json::Value = serde_json::from_slice(&inspect.stdout).unwrap();
    let status = ["OK", "WARNING", "CRITICAL", "UNKNOWN"][code(&inspect) as usize];
    assert_eq!(doc["status"], status, "{cert}");
    (
        Verdicts {
            expiry: code(&expiry),
            inspect: code(&inspect),
            verify: code(&verify),
        },
        String::from_utf8_lossy(&verify.stderr).to_string(),
    )
}

/// The same file with its certificate blocks labelled `X509 CERTIFICATE`, as some tools write.
fn relabel(d: &Dir, from: &str, to: &str) {
    let text = std::fs::read_to_string(d.join(from)).unwrap();
    let text = text
        .replace("BEGIN CERTIFICATE", "BEGIN X509 CERTIFICATE")
        .replace("END CERTIFICATE", "END X509 CERTIFICATE");
    std::fs::write(d.join(to), text).unwrap();
}

fn generate(d: &Dir, dir: &str) {
    let out = d.nskeys().args(["gen", "--out-dir", dir]).output().unwrap();
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn every_command_gives_a_certificate_the_same_verdict() {
    let d = Dir::new();
    for name in ["pastwindow", "expired", "notyet"] {
        d.fixture(
            &format!("verdict/{name}-private.pem"),
            &format!("{name}-private.pem"),
        );
        d.fixture(
            &format!("verdict/{name}-public.pem"),
            &format!("{name}-public.pem"),
        );
    }
    generate(&d, "fresh");
    relabel(&d, "fresh/public.pem", "fresh-x509.pem");
    relabel(&d, "pastwindow-public.pem", "pastwindow-x509.pem");
    // An RSA-2048 pair from openssl: a key NetSuite refuses (expiry judges dates only).
    let (ok, text) = openssl(
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "365",
            "-subj",
            "/CN=rsa2048",
            "-keyout",
            "rsa2048-private.pem",
            "-out",
            "rsa2048-public.pem",
        ],
        d.path(),
    );
    assert!(ok, "{text}");

    let v = |expiry, inspect, verify| Verdicts {
        expiry,
        inspect,
        verify,
    };
    let table = [
        // (key, certificate, verdicts, words verify's refusal must contain)
        ("fresh/private.pem", "fresh/public.pem", v(0, 0, 0), ""),
        ("fresh/private.pem", "fresh-x509.pem", v(0, 0, 0), ""),
        // Valid 2023 to 2028: NetSuite stopped honouring it two years after notBefore.
        (
            "pastwindow-private.pem",
            "pastwindow-public.pem",
            v(2, 2, 2),
            "NetSuite stopped accepting the certificate on 2024-12-31",
        ),
        (
            "pastwindow-private.pem",
            "pastwindow-x509.pem",
            v(2, 2, 2),
            "two years after its notBefore",
        ),
        (
            "expired-private.pem",
            "expired-public.pem",
            v(2, 2, 2),
            "expired on 2021-01-01",
        ),
        // Not valid yet: a warning to monitoring, a refusal before an exchange.
        (
            "notyet-private.pem",
            "notyet-public.pem",
            v(1, 1, 2),
            "not valid until 2040-01-01",
        ),
        (
            "rsa2048-private.pem",
            "rsa2048-public.pem",
            v(0, 2, 2),
            "3072 or 4096 bits only, not 2048",
        ),
        // The key of another certificate: inspect and the pre-flight both refuse.
        (
            "expired-private.pem",
            "fresh/public.pem",
            v(0, 2, 2),
            "does not match the private key",
        ),
    ];
    for (key, cert, want, words) in table {
        let (got, stderr) = judge(&d, key, cert);
        assert_eq!(got, want, "{key} + {cert}: {stderr}");
        if want.verify == 2 {
            let line = assert_one_line_error(stderr.as_bytes());
            assert!(line.contains(words), "{cert}: {line}");
            // The file at fault: the key for a key NetSuite refuses, else the certificate.
            let at_fault = if words.contains("bits") { key } else { cert };
            assert!(line.contains(at_fault), "{cert}: names the file: {line}");
        } else {
            assert!(stderr.is_empty(), "{cert}: {stderr}");
        }
    }
}

/// The first case, as a user meets it: `expiry` and `inspect` said CRITICAL while
/// `verify --dry-run` said "pre-flight passed" (exit 0).
#[test]
fn a_certificate_past_netsuites_two_years_is_refused_before_any_exchange() {
    let d = Dir::new();
    d.fixture("verdict/pastwindow-private.pem", "private.pem");
    d.fixture("verdict/pastwindow-public.pem", "public.pem");
    let out = d
        .nskeys()
        .args([
            "verify",
            "--account",
            "1234567",
            "--client-id",
            "client",
            "--cert-id",
            "kid",
            "--no-cert-id-check",
            "--dry-run",
            "--json",
        ])
        .output()
        .unwrap();
    assert_eq!(code(&out), 2);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["outcome"], "error");
    assert_eq!(report["status"], "CRITICAL");
    assert!(
        report["error"]
            .as_str()
            .unwrap()
            .contains("2024-12-31T00:00:00Z"),
        "{report}"
    );
    // openssl agrees on the dates the verdict rests on.
    let (ok, dates) = openssl(&["x509", "-in", "public.pem", "-noout", "-dates"], d.path());
    assert!(ok);
    assert!(
        dates.contains("notBefore=Jan  1 00:00:00 2023 GMT"),
        "{dates}"
    );
    assert!(
        dates.contains("notAfter=Jan  1 00:00:00 2028 GMT"),
        "{dates}"
    );
}

/// The second case: a PEM block labelled `X509 CERTIFICATE` is read by every command
/// (verify said "no certificate in the file", exit 3).
#[test]
fn an_x509_certificate_label_is_read_everywhere() {
    let d = Dir::new();
    generate(&d, ".");
    relabel(&d, "public.pem", "x509.pem");
    let dry_run = |cert: &str| {
        d.nskeys()
            .args([
                "verify",
                "--account",
                "1234567",
                "--client-id",
                "client",
                "--cert-id",
                "kid",
                "--no-cert-id-check",
                "--cert",
                cert,
                "--dry-run",
                "--json",
            ])
            .output()
            .unwrap()
    };
    let (plain, labelled) = (dry_run("public.pem"), dry_run("x509.pem"));
    assert_eq!(
        code(&labelled),
        0,
        "{}",
        String::from_utf8_lossy(&labelled.stderr)
    );
    let subject = |out: &std::process::Output| {
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v["certificate"]["subject"].clone()
    };
    assert_eq!(subject(&plain), subject(&labelled));
    let expiry = d.nskeys().args(["expiry", "x509.pem"]).output().unwrap();
    assert_eq!(code(&expiry), 0);
    let inspect = d.nskeys().args(["inspect", "x509.pem"]).output().unwrap();
    assert_eq!(code(&inspect), 0);
    assert!(Path::new(&d.join("x509.pem")).is_file());
}
