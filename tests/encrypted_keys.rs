//! Passphrase-protected keys: what openssl encrypts (each PBES2 variant it writes) nskeys
//! reads with the passphrase from --passphrase-file or NS_KEY_PASSPHRASE; what `gen --encrypt`
//! writes openssl opens; a wrong or missing passphrase is exit 3 and never shown; a legacy
//! `Proc-Type: 4,ENCRYPTED` key gets the conversion command; `rotate` encrypts the new key as
//! the current one was.
use crate::harness::*;
use crate::ns_api;
use crate::stand_in::*;

const PASS: &str = "s3cret passphrase";

fn token_ok(d: &Dir, key: &str, cert: &str, pass: (&str, &str)) -> std::process::Output {
    let m = Mapping::new(d.join(cert));
    let server = start(Behaviour::NetSuite(m.clone()));
    d.nskeys()
        .args(["token", "--token-url", &server.token_url()])
        .args(["--client-id", &m.client_id, "--cert-id", &m.kid])
        .args(["--key", key, "--cert", cert])
        .env(pass.0, pass.1)
        .output()
        .unwrap()
}

#[test]
fn keys_openssl_encrypts_are_read_with_their_passphrase() {
    let d = Dir::new();
    std::fs::write(d.join("pass.txt"), format!("{PASS}\n")).unwrap();
    let mut read = 0;
    for (plain, cert) in [
        ("oracle/es256-private.pem", "oracle/es256-public.pem"),
        ("oracle/ps256-private.pem", "oracle/ps256-public.pem"),
    ] {
        d.fixture(plain, "plain.pem");
        d.fixture(cert, "cert.pem");
        let variants: Vec<(&str, Vec<&str>)> = vec![
            (
                "pbkdf2-sha256-aes256cbc",
                vec!["-v2", "aes-256-cbc", "-v2prf", "hmacWithSHA256"],
            ),
            (
                "pbkdf2-sha1-aes128cbc",
                vec!["-v2", "aes-128-cbc", "-v2prf", "hmacWithSHA1"],
            ),
            (
                "pbkdf2-sha512-aes192cbc",
                vec!["-v2", "aes-192-cbc", "-v2prf", "hmacWithSHA512"],
            ),
            (
                "pbkdf2-sha384-aes256cbc",
                vec!["-v2", "aes-256-cbc", "-v2prf", "hmacWithSHA384"],
            ),
            (
                "pbkdf2-sha224-aes128cbc",
                vec!["-v2", "aes-128-cbc", "-v2prf", "hmacWithSHA224"],
            ),
            ("scrypt-aes256cbc", vec!["-scrypt", "-v2", "aes-256-cbc"]),
            (
                "der-pbkdf2-sha256-aes256cbc",
                vec!["-v2", "aes-256-cbc", "-outform", "DER"],
            ),
        ];
        for (name, opts) in variants {
            let out = format!("{name}.key");
            let mut args = vec!["pkcs8", "-topk8", "-in", "plain.pem", "-out", &out];
            args.extend(opts);
            args.extend(["-passout", "pass:s3cret passphrase"]);
            let (ok, err) = openssl(&args, d.path());
            assert!(ok, "openssl {name}: {err}");
            for pass in [
                ("NS_KEY_PASSPHRASE", PASS),
                ("NS_KEY_PASSPHRASE_FILE", "pass.txt"),
            ] {
                let o = token_ok(&d, &out, "cert.pem", pass);
                assert_eq!(
                    o.status.code(),
                    Some(0),
                    "{plain} {name} {}: {}",
                    pass.0,
                    String::from_utf8_lossy(&o.stderr)
                );
                read += 1;
            }
            // A wrong passphrase: exit 3, said, not shown.
            let o = token_ok(&d, &out, "cert.pem", ("NS_KEY_PASSPHRASE", "wrong horse"));
            assert_eq!(o.status.code(), Some(3), "{name}");
            let err = assert_one_line_error(&o.stderr);
            assert!(err.contains("wrong passphrase"), "{err}");
            assert!(!err.contains("wrong horse"), "{err}");
        }
    }
    assert_eq!(read, 28);
}

#[test]
fn gcm_keys_are_read_when_openssl_writes_them() {
    let d = Dir::new();
    d.fixture("oracle/es256-private.pem", "plain.pem");
    d.fixture("oracle/es256-public.pem", "cert.pem");
    let (ok, _) = openssl(
        &[
            "pkcs8",
            "-topk8",
            "-in",
            "plain.pem",
            "-out",
            "gcm.key",
            "-v2",
            "aes-256-gcm",
            "-passout",
            "pass:s3cret passphrase",
        ],
        d.path(),
    );
    if !ok {
        // openssl 3.0 cannot write AES-GCM PKCS#8 ("AEAD ciphers not supported"); the unit
        // test pki::key::tests::gcm_encrypted_keys_are_decrypted covers GCM without it.
        return;
    }
    let o = token_ok(&d, "gcm.key", "cert.pem", ("NS_KEY_PASSPHRASE", PASS));
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn gen_encrypt_writes_what_openssl_opens() {
    let d = Dir::new();
    let o = d
        .nskeys()
        .args(["gen", "--encrypt"])
        .env("NS_KEY_PASSPHRASE", PASS)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let pem = std::fs::read_to_string(d.join("private.pem")).unwrap();
    assert!(
        pem.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----\n"),
        "{pem}"
    );
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(d.join("private.pem"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    // openssl opens it with the passphrase, and its public key is the certificate's.
    let (ok, err) = openssl(
        &[
            "pkey",
            "-in",
            "private.pem",
            "-passin",
            "pass:s3cret passphrase",
            "-pubout",
            "-out",
            "pub-from-key.pem",
        ],
        d.path(),
    );
    assert!(ok, "{err}");
    let (ok, err) = openssl(
        &[
            "x509",
            "-in",
            "public.pem",
            "-pubkey",
            "-noout",
            "-out",
            "pub-from-cert.pem",
        ],
        d.path(),
    );
    assert!(ok, "{err}");
    assert_eq!(
        std::fs::read(d.join("pub-from-key.pem")).unwrap(),
        std::fs::read(d.join("pub-from-cert.pem")).unwrap()
    );
    // PBES2 with PBKDF2-HMAC-SHA256 (600000 iterations) and AES-256-CBC.
    let (ok, text) = openssl(&["asn1parse", "-in", "private.pem"], d.path());
    assert!(ok);
    for want in ["PBES2", "PBKDF2", "hmacWithSHA256", "aes-256-cbc", "927C0"] {
        assert!(text.contains(want), "{want}: {text}");
    }
    // The wrong passphrase does not open it.
    let (ok, _) = openssl(
        &[
            "pkey",
            "-in",
            "private.pem",
            "-passin",
            "pass:wrong",
            "-noout",
        ],
        d.path(),
    );
    assert!(!ok);
    // nskeys reads it back; without a passphrase (stdin not a terminal) it says how to give one.
    let o = token_ok(&d, "private.pem", "public.pem", ("NS_KEY_PASSPHRASE", PASS));
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = token_ok(&d, "private.pem", "public.pem", ("UNRELATED", "x"));
    assert_eq!(o.status.code(), Some(3));
    let err = assert_one_line_error(&o.stderr);
    assert!(
        err.contains("encrypted") && err.contains("--passphrase-file"),
        "{err}"
    );
    // inspect still tells an encrypted key from the rest.
    let o = d
        .nskeys()
        .args(["inspect", "private.pem"])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn a_legacy_encrypted_key_gets_the_conversion_command() {
    let d = Dir::new();
    d.fixture("oracle/es256-private.pem", "plain.pem");
    d.fixture("oracle/es256-public.pem", "cert.pem");
    let (ok, err) = openssl(
        &[
            "ec",
            "-in",
            "plain.pem",
            "-out",
            "legacy.pem",
            "-aes256",
            "-passout",
            "pass:s3cret passphrase",
        ],
        d.path(),
    );
    assert!(ok, "{err}");
    assert!(
        std::fs::read_to_string(d.join("legacy.pem"))
            .unwrap()
            .contains("Proc-Type: 4,ENCRYPTED")
    );
    let o = token_ok(&d, "legacy.pem", "cert.pem", ("NS_KEY_PASSPHRASE", PASS));
    assert_eq!(o.status.code(), Some(3));
    let err = assert_one_line_error(&o.stderr);
    assert!(
        err.contains("openssl pkcs8 -topk8 -v2 aes-256-cbc -in old.pem -out private.pem"),
        "{err}"
    );
    assert!(err.contains("legacy.pem"), "{err}");
}

#[test]
fn rotate_encrypts_the_new_key_as_the_current_one() {
    let d = Dir::new();
    d.nskeys()
        .args(["gen", "--encrypt"])
        .env("NS_KEY_PASSPHRASE", PASS)
        .assert()
        .success();
    let api = ns_api::start();
    api.add("OLD1", &d.join("public.pem"));
    let o = d
        .nskeys()
        .args(["rotate", "--api-url", &api.api_url()])
        .args([
            "--token-url",
            &api.token_url(),
            "--client-id",
            ns_api::CLIENT,
        ])
        .env("NS_KEY_PASSPHRASE", PASS)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join("nskeys-state.json")).unwrap()).unwrap();
    let pending = state["certificates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["status"] == "pending")
        .unwrap()
        .clone();
    let new_key = pending["key_file"].as_str().unwrap();
    let pem = std::fs::read_to_string(d.join(new_key)).unwrap();
    assert!(
        pem.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"),
        "{new_key}"
    );
    let (ok, err) = openssl(
        &[
            "pkey",
            "-in",
            new_key,
            "-passin",
            "pass:s3cret passphrase",
            "-noout",
        ],
        d.path(),
    );
    assert!(ok, "{err}");
}

/// On a terminal, the passphrase is asked for without echo: twice for a new key, once to
/// decrypt. script(1) gives nskeys a terminal; the typing comes after the prompt is shown.
#[test]
fn on_a_terminal_the_passphrase_is_asked_for_without_echo() {
    let d = Dir::new();
    let typed = "hunter2 typed secret";
    let on_terminal = |nskeys_args: &str, lines: &[&str]| {
        let typing: String = lines
            .iter()
            .map(|l| format!("sleep 1; printf '%s\\n' '{l}'; "))
            .collect();
        let script = format!(
            "({typing} sleep 1) | script -qec \"{} {nskeys_args}\" /dev/null",
            nskeys_bin().display()
        );
        let out = d.command("sh").args(["-c", &script]).output().unwrap();
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    };
    let screen = on_terminal("gen --encrypt", &[typed, typed]);
    assert!(screen.contains("Passphrase for the new key"), "{screen}");
    assert!(screen.contains("Same passphrase again"), "{screen}");
    assert!(!screen.contains(typed), "echoed: {screen}");
    let (ok, err) = openssl(
        &[
            "pkey",
            "-in",
            "private.pem",
            "-passin",
            &format!("pass:{typed}"),
            "-noout",
        ],
        d.path(),
    );
    assert!(ok, "{err}");
    // Decrypting: asked once; a wrong passphrase is exit 3 and not shown.
    let screen = on_terminal(
        "verify --dry-run --token-url https://x.example/t --client-id c --cert-id k --no-cert-id-check",
        &[typed],
    );
    assert!(screen.contains("Passphrase for private.pem"), "{screen}");
    assert!(screen.contains("Dry run: pre-flight passed"), "{screen}");
    assert!(!screen.contains(typed), "echoed: {screen}");
    let screen = on_terminal(
        "verify --dry-run --token-url https://x.example/t --client-id c --cert-id k --no-cert-id-check",
        &["wrong guess here"],
    );
    assert!(screen.contains("wrong passphrase"), "{screen}");
    assert!(!screen.contains("wrong guess here"), "echoed: {screen}");
}
