//! `nskeys verify` / `nskeys token` against a stand-in for NetSuite's token endpoint that
//! checks the assertion with other code than nskeys' own (see tests/stand_in.rs).
use crate::harness::*;
use crate::stand_in::*;

/// `verify` with the mapping's ids against `server`.
fn verify(d: &Dir, server: &Server, m: &Mapping) -> assert_cmd::Command {
    let mut cmd = d.nskeys();
    cmd.args([
        "verify",
        "--token-url",
        &server.token_url(),
        "--client-id",
        &m.client_id,
        "--cert-id",
        &m.kid,
        "--timeout",
        "20",
    ]);
    cmd
}

/// A server that knows the certificate `cert` (a path in `d`).
fn netsuite_for(d: &Dir, cert: &str) -> (Server, Mapping) {
    let m = Mapping::new(d.join(cert));
    (start(Behaviour::NetSuite(m.clone())), m)
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).to_string()
}

#[test]
fn all_six_algorithms_with_keys_from_nskeys_gen_get_a_token() {
    let d = Dir::new();
    for alg in ["es256", "es384", "es512", "ps256", "ps384", "ps512"] {
        let key = format!("{alg}.key");
        let cert = format!("{alg}.pem");
        let mut gen_cmd = d.nskeys();
        gen_cmd.args(["gen", "--alg", alg, "--key-out", &key, "--cert-out", &cert]);
        if alg.starts_with("ps") {
            // 3072 bits keeps the test quick; the size does not change the signing path.
            gen_cmd.args(["--bits", "3072"]);
        }
        gen_cmd.assert().success();
        let (server, m) = netsuite_for(&d, &cert);
        let started = std::time::Instant::now();
        let out = verify(&d, &server, &m)
            .args(["--key", &key, "--cert", &cert, "--alg", alg])
            .output()
            .unwrap();
        eprintln!(
            "verify {alg}: {:?} for the whole process",
            started.elapsed()
        );
        assert_eq!(
            out.status.code(),
            Some(0),
            "{alg}: {}{}",
            stdout(&out),
            String::from_utf8_lossy(&out.stderr)
        );
        let text = stdout(&out);
        assert!(text.contains("NetSuite issued a token"), "{text}");
        assert!(text.contains(&alg.to_uppercase()), "{text}");
        assert_eq!(server.tokens().len(), 1);
        assert!(
            !text.contains(&server.tokens()[0]),
            "token printed without --print-token"
        );
    }
}

#[test]
fn openssl_keys_in_pkcs8_pkcs1_sec1_and_der_get_a_token() {
    let d = Dir::new();
    let cases = [
        ("oracle/ps256-private.pem", "oracle/ps256-public.pem", None),
        (
            "oracle/rsa3072-private.pem",
            "oracle/rsa3072-public.pem",
            Some("ps512"),
        ),
        ("oracle/es256-private.pem", "oracle/es256-public.pem", None),
        ("oracle/es384-private.pem", "oracle/es384-public.pem", None),
        ("oracle/es512-private.pem", "oracle/es512-public.pem", None),
        (
            "keys/rsa4096-pkcs1.pem",
            "oracle/ps256-public.pem",
            Some("ps384"),
        ),
        ("keys/rsa4096-pkcs8.der", "oracle/ps256-public.pem", None),
        ("keys/rsa4096-pkcs1.der", "oracle/ps256-public.pem", None),
        ("keys/p256-sec1.pem", "oracle/es256-public.pem", None),
        ("keys/p256-sec1.der", "oracle/es256-public.pem", None),
        ("keys/p384-sec1.pem", "oracle/es384-public.pem", None),
        ("keys/p521-sec1.pem", "oracle/es512-public.pem", None),
    ];
    for (key, cert, alg) in cases {
        let m = Mapping::new(fixture_path(cert));
        let server = start(Behaviour::NetSuite(m.clone()));
        let mut cmd = verify(&d, &server, &m);
        cmd.arg("--key")
            .arg(fixture_path(key))
            .arg("--cert")
            .arg(fixture_path(cert));
        if let Some(alg) = alg {
            cmd.args(["--alg", alg]);
        }
        let out = cmd.output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{key}: {}{}",
            stdout(&out),
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(server.tokens().len(), 1, "{key}");
    }
}

#[test]
fn the_request_is_what_netsuite_documents() {
    let d = Dir::new();
    d.fixture("oracle/es256-private.pem", "private.pem");
    d.fixture("oracle/es256-public.pem", "public.pem");
    let (server, m) = netsuite_for(&d, "public.pem");
    verify(&d, &server, &m).assert().success();
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    let r = &reqs[0];
    assert_eq!(r.method, "POST");
    assert_eq!(r.path, TOKEN_PATH);
    assert_eq!(
        r.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    let body = String::from_utf8(r.body.clone()).unwrap();
    assert!(body.starts_with("grant_type=client_credentials&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=ey"), "{body}");
}

/// Run `verify` with the ids of `sent` against a server set up with `mapped`.
fn refusal(d: &Dir, extra: &[&str], sent: &Mapping, mapped: Mapping) -> (String, String) {
    let server = start(Behaviour::NetSuite(mapped));
    let out = verify(d, &server, sent).args(extra).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    let err = assert_one_line_error(&out.stderr);
    let text = stdout(&out);
    assert!(text.contains("Likely causes"), "{text}");
    assert!(text.contains("Login Audit Trail"), "{text}");
    assert!(server.tokens().is_empty());
    (text, err)
}

#[test]
fn wrong_kid_client_id_key_or_scope_is_refused_with_a_diagnosis() {
    let d = Dir::new();
    d.fixture("oracle/es256-private.pem", "private.pem");
    d.fixture("oracle/es256-public.pem", "public.pem");
    let m = Mapping::new(d.join("public.pem"));

    let mut wrong_kid = m.clone();
    wrong_kid.kid = "another-kid".into();
    let (text, err) = refusal(&d, &[], &m, wrong_kid);
    assert!(text.contains(r#"{"error":"invalid_request"}"#), "{text}");
    assert!(text.contains("HTTP status    400"), "{text}");
    assert!(err.contains("HTTP 400 invalid_request"), "{err}");
    let first_cause = text
        .lines()
        .find(|l| l.trim_start().starts_with("1. "))
        .unwrap();
    assert!(
        first_cause.contains("kid"),
        "kid should be the first suspect: {first_cause}"
    );

    let mut wrong_client = m.clone();
    wrong_client.client_id = "someone-else".into();
    let (text, _) = refusal(&d, &[], &m, wrong_client);
    assert!(
        text.contains("invalid_client") && text.contains("401"),
        "{text}"
    );
    assert!(text.to_lowercase().contains("client id"), "{text}");

    // The key of another certificate (no --cert, so pre-flight cannot notice).
    d.fixture("oracle/es256-public.pem", "uploaded.pem");
    std::fs::remove_file(d.join("public.pem")).unwrap();
    let other_key = fixture_path("keys/p256-ecparam.pem");
    let (text, _) = refusal(
        &d,
        &["--key", other_key.to_str().unwrap()],
        &m,
        Mapping::new(d.join("uploaded.pem")),
    );
    assert!(text.contains("invalid_request"), "{text}");
    d.fixture("oracle/es256-public.pem", "public.pem");

    let mut narrow = m.clone();
    narrow.scopes = vec!["rest_webservices".into()];
    let (text, _) = refusal(&d, &["--scope", "restlets"], &m, narrow);
    assert!(
        text.contains("invalid_scope") && text.contains("not checked on the integration"),
        "{text}"
    );
}

#[test]
fn refusal_as_json_has_the_answer_and_causes() {
    let d = Dir::new();
    d.fixture("oracle/es384-private.pem", "private.pem");
    d.fixture("oracle/es384-public.pem", "public.pem");
    let m = Mapping::new(d.join("public.pem"));
    let mut mapped = m.clone();
    mapped.kid = "other".into();
    let server = start(Behaviour::NetSuite(mapped));
    let out = verify(&d, &server, &m).arg("--json").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_one_line_error(&out.stderr);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["outcome"], "refused");
    assert_eq!(v["exit_code"], 2);
    assert_eq!(v["refusal"]["http_status"], 400);
    assert_eq!(v["refusal"]["error"], "invalid_request");
    assert!(v["refusal"]["likely_causes"].as_array().unwrap().len() >= 3);
}

#[test]
fn environment_variables_stand_in_for_flags_and_flags_win() {
    let d = Dir::new();
    d.fixture("oracle/es512-private.pem", "k.pem");
    d.fixture("oracle/es512-public.pem", "c.pem");
    let (server, m) = netsuite_for(&d, "c.pem");
    d.nskeys()
        .arg("verify")
        .env("NS_TOKEN_URL", server.token_url())
        .env("NS_CLIENT_ID", &m.client_id)
        .env("NS_CERT_ID", &m.kid)
        .env("NS_PRIVATE_KEY", "k.pem")
        .env("NS_CERTIFICATE", "c.pem")
        .env("NS_SCOPES", "restlets,rest_webservices")
        .env("NS_ALG", "ES512")
        .assert()
        .success();
    // A flag wins over its variable: a wrong NS_CERT_ID is overridden by --cert-id.
    d.nskeys()
        .args(["verify", "--cert-id", &m.kid])
        .env("NS_TOKEN_URL", server.token_url())
        .env("NS_CLIENT_ID", &m.client_id)
        .env("NS_CERT_ID", "wrong")
        .env("NS_PRIVATE_KEY", "k.pem")
        .env("NS_CERTIFICATE", "c.pem")
        .assert()
        .success();
    d.nskeys()
        .arg("verify")
        .env("NS_TOKEN_URL", server.token_url())
        .env("NS_CLIENT_ID", &m.client_id)
        .env("NS_CERT_ID", "wrong")
        .env("NS_PRIVATE_KEY", "k.pem")
        .assert()
        .code(2);
    assert_eq!(server.tokens().len(), 2);
}

/// Regression: NS_ACCOUNT_ID in the environment made clap refuse --token-url as a conflict,
/// although the contract says the full URL wins (the Company URLs subtab is authoritative).
#[test]
fn token_url_wins_over_an_account_id_from_the_environment() {
    let d = Dir::new();
    d.fixture("oracle/es256-private.pem", "private.pem");
    d.fixture("oracle/es256-public.pem", "public.pem");
    let (server, m) = netsuite_for(&d, "public.pem");
    d.nskeys()
        .args(["verify", "--token-url", &server.token_url()])
        .args(["--client-id", &m.client_id, "--cert-id", &m.kid])
        .env("NS_ACCOUNT_ID", "1234567_SB1")
        .assert()
        .success();
    assert_eq!(server.tokens().len(), 1);
}

#[test]
fn dry_run_shows_the_request_for_a_sandbox_account_and_sends_nothing() {
    let d = Dir::new();
    d.fixture("oracle/es256-private.pem", "private.pem");
    d.fixture("oracle/es256-public.pem", "public.pem");
    let out = d
        .nskeys()
        .args([
            "verify",
            "--account",
            "1234567_SB1",
            "--client-id",
            "cid",
            "--cert-id",
            "kid9",
            "--no-cert-id-check",
            "--dry-run",
            "--json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let url = "https://1234567-sb1.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token";
    assert_eq!(v["outcome"], "dry_run");
    assert_eq!(v["token_url"], url);
    assert_eq!(v["assertion"]["claims"]["aud"], url);
    assert_eq!(v["assertion"]["claims"]["iss"], "cid");
    assert_eq!(
        v["assertion"]["claims"]["scope"],
        serde_json::json!(["rest_webservices"])
    );
    assert_eq!(
        v["assertion"]["header"],
        serde_json::json!({"alg":"ES256","typ":"JWT","kid":"kid9"})
    );
    let c = &v["assertion"]["claims"];
    assert_eq!(c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(), 300);
    assert_eq!(v["form"]["grant_type"], "client_credentials");
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("eyJ"),
        "no JWT in a dry run"
    );
    // Text form too.
    let out = d
        .nskeys()
        .args([
            "verify",
            "--account",
            "1234567_SB1",
            "--client-id",
            "cid",
            "--cert-id",
            "kid9",
            "--no-cert-id-check",
            "--dry-run",
            "--assertion-ttl",
            "3599",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(
        text.contains("1234567-sb1.suitetalk.api.netsuite.com"),
        "{text}"
    );
    assert!(text.contains("3599 s"), "{text}");
}

#[test]
fn print_token_and_the_token_command() {
    let d = Dir::new();
    d.fixture("oracle/es256-private.pem", "private.pem");
    d.fixture("oracle/es256-public.pem", "public.pem");
    let (server, m) = netsuite_for(&d, "public.pem");
    let ids = [
        "--token-url",
        &server.token_url(),
        "--client-id",
        &m.client_id,
        "--cert-id",
        &m.kid,
    ];

    let out = d.nskeys().arg("token").args(ids).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), format!("{}\n", server.tokens()[0]));
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let out = d
        .nskeys()
        .arg("verify")
        .args(ids)
        .arg("--json")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(
        !text.contains(&server.tokens()[1]),
        "token in --json without --print-token"
    );
    assert!(!text.contains("eyJ"), "assertion in --json");
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["outcome"], "token_issued");
    assert_eq!(v["token"]["expires_in"], 3600);
    assert_eq!(v["token"]["token_type"], "bearer");

    let out = d
        .nskeys()
        .arg("verify")
        .args(ids)
        .args(["--json", "--print-token"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["token"]["access_token"], server.tokens()[2].as_str());

    let out = d
        .nskeys()
        .arg("verify")
        .args(ids)
        .arg("--print-token")
        .output()
        .unwrap();
    assert!(stdout(&out).contains(&server.tokens()[3]));

    // A refusal: nothing on stdout; on stderr the error line first, the diagnosis after it.
    let mut wrong = ids;
    wrong[5] = "nope";
    let out = d
        .nskeys()
        .arg("token")
        .args(wrong)
        .arg("--no-cert-id-check")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("Likely causes") && err.lines().next().unwrap().starts_with("nskeys: "),
        "{err}"
    );
}

#[test]
fn probe_shows_whether_the_rest_api_takes_the_token() {
    let d = Dir::new();
    d.fixture("oracle/es256-private.pem", "private.pem");
    d.fixture("oracle/es256-public.pem", "public.pem");
    for (status, code) in [(200, 0), (400, 0), (403, 0), (401, 2), (500, 3)] {
        let mut m = Mapping::new(d.join("public.pem"));
        m.probe_status = status;
        let server = start(Behaviour::NetSuite(m.clone()));
        let out = verify(&d, &server, &m)
            .args(["--probe", "--json"])
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(code),
            "probe {status}: {}",
            stdout(&out)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["probe"]["http_status"], status);
        let reqs = server.requests();
        let probe = reqs
            .iter()
            .find(|r| r.path.starts_with(PROBE_PATH))
            .unwrap();
        assert_eq!(probe.path, format!("{PROBE_PATH}?limit=1"));
        assert_eq!(probe.header("prefer"), Some("transient"));
        assert_eq!(
            probe.header("authorization"),
            Some(format!("Bearer {}", server.tokens()[0]).as_str())
        );
    }
}

#[test]
fn a_certificate_expiring_soon_is_mentioned_but_the_exchange_goes_on() {
    let d = Dir::new();
    d.nskeys().args(["gen", "--days", "10"]).assert().success();
    let (server, m) = netsuite_for(&d, "public.pem");
    let out = verify(&d, &server, &m).arg("--json").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let warnings = v["warnings"].to_string();
    assert!(
        warnings.contains("expires in 9 days") || warnings.contains("expires in 10 days"),
        "{warnings}"
    );
    // `token` says it on stderr and still prints only the token on stdout.
    let out = d
        .nskeys()
        .args([
            "token",
            "--token-url",
            &server.token_url(),
            "--client-id",
            &m.client_id,
            "--cert-id",
            &m.kid,
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), format!("{}\n", server.tokens()[1]));
    assert!(String::from_utf8_lossy(&out.stderr).contains("rotate it soon"));
}

/// The stand-in is strict where NetSuite is: PS256 with a salt other than 32 bytes, or an
/// ES256 signature in DER instead of r||s, does not verify. (Here, rather than through the
/// binary, because nskeys cannot be made to sign wrongly.)
#[test]
fn the_stand_in_rejects_wrong_pss_salt_and_der_ecdsa() {
    use rsa::pkcs8::DecodePrivateKey;
    use signature::{RandomizedSigner, SignatureEncoding, Signer};
    let rsa_key = rsa::PrivateKey::from_pkcs8_pem(
        &std::fs::read_to_string(fixture_path("oracle/rsa3072-private.pem")).unwrap(),
    )
    .unwrap();
    let cert = fixture_path("oracle/rsa3072-public.pem");
    let msg = b"header.claims";
    for (salt, ok) in [(32, true), (64, false), (0, false)] {
        let signer = rsa::pss::SigningKey::<sha2::Sha256>::new_with_salt_len(rsa_key.clone(), salt);
        let sig = signer.sign_with_rng(&mut rand::rng(), msg).to_vec();
        assert_eq!(
            verify_signature("PS256", &cert, msg, &sig),
            ok,
            "salt {salt}"
        );
    }
    let ec = p256::ecdsa::SigningKey::from_pkcs8_pem(
        &std::fs::read_to_string(fixture_path("oracle/es256-private.pem")).unwrap(),
    )
    .unwrap();
    let sig: p256::ecdsa::Signature = ec.sign(msg);
    let cert = fixture_path("oracle/es256-public.pem");
    assert!(verify_signature("ES256", &cert, msg, &sig.to_bytes()));
    assert!(!verify_signature(
        "ES256",
        &cert,
        msg,
        sig.to_der().as_bytes()
    ));
    assert!(!verify_signature("ES384", &cert, msg, &sig.to_bytes()));
}
