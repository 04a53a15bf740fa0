//! What must hold wherever nskeys runs, including a scratch container with no CA certificates:
//! plain http to a loopback endpoint needs no TLS roots, and https without any says so in one
//! line (exit 3) instead of failing before the first request.
use crate::harness::*;
use crate::stand_in::*;

/// `nskeys` in `d` with a system that has no CA certificates (rustls' platform verifier reads
/// them from SSL_CERT_FILE / SSL_CERT_DIR first; both name nothing here).
fn without_ca_bundle(d: &Dir) -> assert_cmd::Command {
    let mut cmd = d.nskeys();
    cmd.env("SSL_CERT_FILE", d.join("no-such-bundle.pem"))
        .env("SSL_CERT_DIR", d.join("no-such-dir"));
    cmd
}

#[test]
fn http_to_loopback_works_without_any_ca_certificates() {
    let d = Dir::new();
    d.fixture("oracle/es256-private.pem", "private.pem");
    d.fixture("oracle/es256-public.pem", "public.pem");
    let m = Mapping::new(d.join("public.pem"));
    let server = start(Behaviour::NetSuite(m.clone()));
    let out = without_ca_bundle(&d)
        .args(["verify", "--token-url", &server.token_url()])
        .args(["--client-id", &m.client_id, "--timeout", "20"])
        .arg(format!("--cert-id={}", m.kid))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(server.requests().len(), 1, "the token request went out");
}

#[test]
fn https_without_any_ca_certificates_is_one_line_exit_3() {
    let d = Dir::new();
    d.fixture("oracle/es256-private.pem", "private.pem");
    let out = without_ca_bundle(&d)
        .args(["verify", "--account", "1234567", "--client-id", "abc"])
        .args(["--cert-id=x", "--timeout", "5"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let line = assert_one_line_error(&out.stderr);
    assert!(line.contains("CA certificates"), "{line}");
    assert!(line.contains("--ca-cert"), "says what to do: {line}");
}
