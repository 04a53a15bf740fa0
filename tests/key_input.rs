//! Every way a key (and a certificate) can be handed over: a path, `-` (stdin), PEM text in
//! a variable or a flag, PEM text whose newlines a CI system mangled (literal `\n`, spaces,
//! CRLF), base64 of the PEM file or of its DER. Each gives a token from the stand-in; a value
//! that is none of these is described, never quoted, and names the variable it came from.
use crate::harness::*;
use crate::stand_in::*;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// The forms of one PEM file's text, named.
pub fn forms(pem: &str) -> Vec<(&'static str, String)> {
    let der = pem_der(pem);
    vec![
        ("PEM text", pem.to_string()),
        ("PEM text, literal \\n", pem.replace('\n', "\\n")),
        ("PEM text, spaces", pem.trim_end().replace('\n', " ")),
        ("PEM text, CRLF", pem.replace('\n', "\r\n")),
        ("base64 of the PEM file", STANDARD.encode(pem)),
        (
            "base64 of the PEM file, wrapped",
            STANDARD
                .encode(pem)
                .as_bytes()
                .chunks(76)
                .map(|c| String::from_utf8_lossy(c).to_string())
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        ("base64 of the DER", STANDARD.encode(der)),
    ]
}

/// The DER inside the first PEM block.
pub fn pem_der(pem: &str) -> Vec<u8> {
    let body: String = pem
        .lines()
        .filter(|l| !l.starts_with("-----") && !l.contains(':'))
        .collect();
    STANDARD.decode(body.trim()).unwrap()
}

fn token_args(server: &Server, m: &Mapping) -> Vec<String> {
    [
        "token",
        "--token-url",
        &server.token_url(),
        "--client-id",
        &m.client_id,
        "--cert-id",
        &m.kid,
        // Every form must reach NetSuite: no token from the cache.
        "--no-cache",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

#[test]
fn every_form_of_the_key_gives_a_token() {
    let d = Dir::new();
    d.fixture("oracle/es256-public.pem", "public.pem");
    let key =
        std::fs::read_to_string(crate::harness::fixture_path("oracle/es256-private.pem")).unwrap();
    let m = Mapping::new(d.join("public.pem"));
    let server = start(Behaviour::NetSuite(m.clone()));
    let args = token_args(&server, &m);
    let mut runs = 0;
    for (name, value) in forms(&key) {
        // In the variable.
        let out = d
            .nskeys()
            .args(&args)
            .env("NS_PRIVATE_KEY", &value)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "NS_PRIVATE_KEY {name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // As the flag's value, even when it starts with dashes.
        let out = d
            .nskeys()
            .args(&args)
            .arg("--key")
            .arg(&value)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "--key {name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        runs += 2;
    }
    // A path (the default), and stdin.
    d.fixture("oracle/es256-private.pem", "private.pem");
    d.nskeys().args(&args).assert().code(0);
    d.nskeys()
        .args(&args)
        .args(["--key", "-"])
        .write_stdin(key.clone())
        .assert()
        .code(0);
    assert_eq!(server.tokens().len(), runs + 2);
}

#[test]
fn every_form_of_the_certificate_is_read() {
    let d = Dir::new();
    d.fixture("oracle/ps256-private.pem", "private.pem");
    let cert =
        std::fs::read_to_string(crate::harness::fixture_path("oracle/ps256-public.pem")).unwrap();
    let other =
        std::fs::read_to_string(crate::harness::fixture_path("oracle/es256-public.pem")).unwrap();
    for (name, value) in forms(&cert) {
        let out = d
            .nskeys()
            .args(["verify", "--dry-run", "--token-url", "https://x.example/t"])
            .args(["--client-id", "c", "--cert-id", "k", "--no-cert-id-check"])
            .env("NS_CERTIFICATE", &value)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("NS_CERTIFICATE"), "{name}: {text}");
    }
    // The certificate is really read: another key's certificate is refused (exit 2).
    for (name, value) in forms(&other) {
        let out = d
            .nskeys()
            .args(["verify", "--dry-run", "--token-url", "https://x.example/t"])
            .args(["--client-id", "c", "--cert-id", "k", "--no-cert-id-check"])
            .env("NS_CERTIFICATE", &value)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{name}");
        let err = assert_one_line_error(&out.stderr);
        assert!(err.contains("NS_CERTIFICATE"), "{name}: {err}");
    }
}

#[test]
fn errors_name_the_variable_and_quote_only_paths() {
    let d = Dir::new();
    let run = |var: &str, value: &str| {
        let out = d
            .nskeys()
            .args(["verify", "--dry-run", "--token-url", "https://x.example/t"])
            .args(["--client-id", "c", "--cert-id", "k", "--no-cert-id-check"])
            .env(var, value)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(3), "{var}={value}");
        assert_one_line_error(&out.stderr)
    };
    let err = run("NS_PRIVATE_KEY", "/nope.pem");
    assert!(err.contains("no such file"), "{err}");
    assert!(
        err.contains("/nope.pem") && err.contains("NS_PRIVATE_KEY"),
        "{err}"
    );
    d.fixture("oracle/es256-private.pem", "private.pem");
    let err = run("NS_CERTIFICATE", "/nope-cert.pem");
    assert!(
        err.contains("/nope-cert.pem") && err.contains("NS_CERTIFICATE"),
        "{err}"
    );
    // A flag is named too.
    let out = d
        .nskeys()
        .args(["verify", "--dry-run", "--token-url", "https://x.example/t"])
        .args([
            "--client-id",
            "c",
            "--cert-id",
            "k",
            "--no-cert-id-check",
            "--key",
            "gone.pem",
        ])
        .output()
        .unwrap();
    let err = assert_one_line_error(&out.stderr);
    assert!(err.contains("gone.pem") && err.contains("--key"), "{err}");
    // A certificate where the key belongs: described as PEM text in the variable.
    let cert =
        std::fs::read_to_string(crate::harness::fixture_path("oracle/es256-public.pem")).unwrap();
    let err = run("NS_PRIVATE_KEY", &cert);
    assert!(err.contains("PEM text in NS_PRIVATE_KEY"), "{err}");
    assert!(err.contains("certificate"), "{err}");
    // Long garbage is described by its length, not shown.
    let garbage = "Zm9vYmFy".repeat(20) + "!";
    let err = run("NS_PRIVATE_KEY", &garbage);
    assert!(!err.contains("Zm9vYmFyZm9vYmFy"), "{err}");
    assert!(
        err.contains("NS_PRIVATE_KEY") && err.contains("not shown"),
        "{err}"
    );
}

#[test]
fn a_key_pasted_where_clap_does_not_expect_it_is_not_echoed() {
    let d = Dir::new();
    let key =
        std::fs::read_to_string(crate::harness::fixture_path("oracle/es256-private.pem")).unwrap();
    let body = pem_der(&key);
    let piece = &STANDARD.encode(&body)[8..32];
    for args in [
        vec!["verify".to_string(), key.clone()],
        vec![
            "verify".to_string(),
            "--dry-run".into(),
            key.replace('\n', " "),
        ],
        vec![
            "inspect".to_string(),
            "--json".into(),
            "--bogus".into(),
            key.clone(),
        ],
        vec!["verify".to_string(), STANDARD.encode(&body)],
    ] {
        let out = d.nskeys().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(3));
        let err = assert_one_line_error(&out.stderr);
        assert!(!err.contains(piece), "{err}");
        assert!(!err.contains("BEGIN PRIVATE KEY"), "{err}");
    }
    // --help never shows a variable's value.
    let out = d
        .nskeys()
        .args(["verify", "--help"])
        .env("NS_PRIVATE_KEY", &key)
        .env("NS_CERTIFICATE", &key)
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("NS_PRIVATE_KEY"), "{help}");
    assert!(!help.contains(piece), "{help}");
}

/// Every error about a value says where the value came from: the flag or the variable.
#[test]
fn errors_name_where_each_value_came_from() {
    let d = Dir::new();
    d.fixture("oracle/es256-private.pem", "private.pem");
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let mut c = d.nskeys();
        c.args([
            "verify",
            "--dry-run",
            "--client-id",
            "c",
            "--cert-id",
            "k",
            "--no-cert-id-check",
        ])
        .args(args);
        for (k, v) in env {
            c.env(k, v);
        }
        let out = c.output().unwrap();
        assert_eq!(
            out.status.code().map(|c| c >= 2),
            Some(true),
            "{args:?} {env:?}"
        );
        assert_one_line_error(&out.stderr)
    };
    for (args, env, want) in [
        (
            vec![],
            vec![("NS_TOKEN_URL", "ftp://x.example/t")],
            "NS_TOKEN_URL",
        ),
        (
            vec!["--token-url", "ftp://x.example/t"],
            vec![],
            "--token-url",
        ),
        (
            vec![],
            vec![("NS_ACCOUNT_ID", "bad account!")],
            "NS_ACCOUNT_ID",
        ),
        (vec!["--account", "bad!"], vec![], "--account"),
        (
            vec![],
            vec![("NS_TOKEN_URL", "http://example.com/t")],
            "NS_TOKEN_URL",
        ),
        (
            vec!["--token-url", "https://x.example/t"],
            vec![("NS_SCOPES", "bogus")],
            "NS_SCOPES",
        ),
        (
            vec!["--token-url", "https://x.example/t", "--scope", "bogus"],
            vec![],
            "--scope",
        ),
    ] {
        let err = run(&args, &env);
        assert!(err.contains(&format!("from {want}")), "{want}: {err}");
    }
}

/// inspect's --key takes the same forms: the PEM text, base64, stdin.
#[test]
fn inspect_key_takes_every_form() {
    let d = Dir::new();
    d.fixture("oracle/ps256-public.pem", "public.pem");
    let key =
        std::fs::read_to_string(crate::harness::fixture_path("oracle/ps256-private.pem")).unwrap();
    for (name, value) in forms(&key) {
        let out = d
            .nskeys()
            .args(["inspect", "public.pem", "--key"])
            .arg(&value)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains("is its private key"));
    }
    d.nskeys()
        .args(["inspect", "public.pem", "--key", "-"])
        .write_stdin(key)
        .assert()
        .code(0);
}
