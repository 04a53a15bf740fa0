//! The mistakes a new user makes, following the README (issue 15): each must get a message that
//! says what went wrong, on which input, and what to do, with the documented exit status.
//! Outputs are judged with openssl, not with nskeys' own reader.
use crate::harness::*;

fn out(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// openssl's view of a certificate: `openssl x509 -noout <what>`.
fn x509(d: &Dir, cert: &str, what: &[&str]) -> String {
    let mut args = vec!["x509", "-in", cert, "-noout"];
    args.extend_from_slice(what);
    let (ok, text) = openssl(&args, d.path());
    assert!(ok, "openssl x509 {what:?} {cert}: {text}");
    text
}

/// The RSA modulus size openssl reads from a certificate: `Public-Key: (3072 bit)`.
fn cert_key_bits(d: &Dir, cert: &str) -> String {
    let text = x509(d, cert, &["-text"]);
    text.lines()
        .find_map(|l| l.trim().strip_prefix("Public-Key: ("))
        .map(|s| s.trim_end_matches(')').to_string())
        .unwrap_or_else(|| panic!("no key size in {text}"))
}

// ---- 1. --bits without an RSA --alg ----

/// `--bits` names an RSA size: with an EC algorithm (the default es256 included) it was
/// silently ignored and an EC key made. Now refused, exit 3, nothing written.
#[test]
fn bits_without_an_rsa_alg_is_refused() {
    for args in [
        &["gen", "--bits", "3072"][..],
        &["gen", "--alg", "es384", "--bits", "3072"],
        &["gen", "--bits", "4096", "--alg", "ES512"],
    ] {
        let d = Dir::new();
        let o = d.nskeys().args(args).output().unwrap();
        assert_eq!(o.status.code(), Some(3), "{args:?}: {}", out(&o));
        let line = assert_one_line_error(&o.stderr);
        assert!(line.contains("--bits"), "{line}");
        assert!(line.contains("RSA"), "{line}");
        assert!(line.contains("EC P-"), "{line}");
        assert!(line.contains("--alg ps256"), "{line}");
        assert!(!d.join("private.pem").exists() && !d.join("public.pem").exists());
    }
}

/// With an RSA algorithm --bits is taken, as before.
#[test]
fn bits_with_an_rsa_alg_is_taken() {
    let d = Dir::new();
    d.nskeys()
        .args(["gen", "--alg", "ps256", "--bits", "3072"])
        .assert()
        .success();
    assert_eq!(cert_key_bits(&d, "public.pem"), "3072 bit");
}

// ---- 9. --subject with spaces after the commas ----

/// `CN=acme, O=Acme` is what people type (and what openssl prints): accepted as lenient RFC
/// 4514 readers accept it, and openssl sees the same subject as for `CN=acme,O=Acme`.
#[test]
fn subject_with_spaces_after_commas_is_accepted() {
    let d = Dir::new();
    let o = d
        .nskeys()
        .args(["gen", "--subject", "CN=acme, O=Acme"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    // RFC 2253/4514 order, as given (most specific first; in the DER, O comes first).
    let subject = x509(&d, "public.pem", &["-subject", "-nameopt", "RFC2253"]);
    assert_eq!(subject.trim(), "subject=CN=acme,O=Acme");
    let strict = Dir::new();
    strict
        .nskeys()
        .args(["gen", "--subject", "CN=acme,O=Acme"])
        .assert()
        .success();
    assert_eq!(
        x509(&strict, "public.pem", &["-subject"]),
        x509(&d, "public.pem", &["-subject"])
    );
}

/// A subject that is really wrong gets what is wrong and a valid example.
#[test]
fn invalid_subject_says_what_is_wrong() {
    for (dn, says) in [
        ("acme", "is not TYPE=value"),
        ("CN=acme,,O=Acme", "empty part"),
        ("Common Name=acme", "unknown attribute type"),
        ("CN=acme,C=Germany", "two-letter"),
        (
            "CN=acme O=Acme",
            "separate them with a comma (CN=acme,O=Acme)",
        ),
    ] {
        let d = Dir::new();
        let o = d.nskeys().args(["gen", "--subject", dn]).output().unwrap();
        assert_eq!(o.status.code(), Some(3), "{dn}: {}", out(&o));
        let line = assert_one_line_error(&o.stderr);
        assert!(line.contains("--subject"), "{line}");
        assert!(line.contains(says), "{dn}: {line}");
        assert!(line.contains("CN=acme-m2m,O=Acme"), "{line}");
        assert!(!d.join("private.pem").exists());
    }
}

// ---- 2. rotate keeps the subject, algorithm and key size ----

/// The file `rotate --json` reports as the new certificate.
fn rotated_cert(d: &Dir, extra: &[&str]) -> String {
    let o = d
        .nskeys()
        .args(["rotate", "--json"])
        .args(extra)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    report["new_cert"].as_str().unwrap().to_string()
}

/// After `gen --subject "CN=acme-m2m,O=Acme" --alg ps384 --bits 3072`, the rotated certificate
/// was `CN=nskeys`, RSA 4096, signed with SHA-256. It keeps all three.
#[test]
fn rotate_keeps_subject_algorithm_and_size() {
    let d = Dir::new();
    d.nskeys()
        .args([
            "gen",
            "--subject",
            "CN=acme-m2m,O=Acme",
            "--alg",
            "ps384",
            "--bits",
            "3072",
        ])
        .assert()
        .success();
    let new = rotated_cert(&d, &[]);
    assert_eq!(
        x509(&d, &new, &["-subject", "-nameopt", "RFC2253"]).trim(),
        "subject=CN=acme-m2m,O=Acme"
    );
    // Byte for byte the old certificate's subject.
    assert_eq!(
        x509(&d, &new, &["-subject", "-nameopt", "RFC2253"]),
        x509(&d, "public.pem", &["-subject", "-nameopt", "RFC2253"])
    );
    assert_eq!(cert_key_bits(&d, &new), "3072 bit");
    let text = x509(&d, &new, &["-text"]);
    assert!(text.contains("Hash Algorithm: sha384"), "{text}");
}

/// An EC pair stays on its curve, with its subject.
#[test]
fn rotate_keeps_an_ec_curve() {
    let d = Dir::new();
    d.nskeys()
        .args(["gen", "--alg", "es384", "--subject", "CN=ec-m2m"])
        .assert()
        .success();
    let new = rotated_cert(&d, &[]);
    let text = x509(&d, &new, &["-text"]);
    assert!(text.contains("NIST CURVE: P-384"), "{text}");
    assert!(text.contains("ecdsa-with-SHA384"), "{text}");
    assert_eq!(
        x509(&d, &new, &["-subject", "-nameopt", "RFC2253"]).trim(),
        "subject=CN=ec-m2m"
    );
}

/// `--subject` and `--bits` say otherwise; `--bits` with an EC pair is refused as for gen.
#[test]
fn rotate_subject_and_bits_override() {
    let d = Dir::new();
    d.nskeys()
        .args([
            "gen",
            "--alg",
            "ps256",
            "--bits",
            "3072",
            "--subject",
            "CN=old",
        ])
        .assert()
        .success();
    let new = rotated_cert(&d, &["--subject", "CN=new, O=Acme", "--bits", "4096"]);
    assert_eq!(
        x509(&d, &new, &["-subject", "-nameopt", "RFC2253"]).trim(),
        "subject=CN=new,O=Acme"
    );
    assert_eq!(cert_key_bits(&d, &new), "4096 bit");

    let ec = Dir::new();
    ec.nskeys().args(["gen"]).assert().success();
    let o = ec
        .nskeys()
        .args(["rotate", "--bits", "3072"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(3), "{}", out(&o));
    let line = assert_one_line_error(&o.stderr);
    assert!(line.contains("--bits 3072"), "{line}");

    // A bad --subject is refused before anything is made, in --dry-run too.
    for extra in [
        &[][..],
        &["--upload", "--entity", "1", "--role", "2", "--dry-run"],
    ] {
        let o = ec
            .nskeys()
            .args(["rotate", "--subject", "CN=acme O=Acme"])
            .args(extra)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(3), "{}", out(&o));
        let line = assert_one_line_error(&o.stderr);
        assert!(line.contains("--subject"), "{line}");
        assert!(!ec.join("nskeys-state.json").exists(), "{line}");
    }
}

// ---- 6. usage errors name the subcommand and its help ----

fn usage_error(args: &[&str]) -> String {
    let d = Dir::new();
    let o = d.nskeys().args(args).output().unwrap();
    assert_eq!(o.status.code(), Some(3), "{args:?}: {}", out(&o));
    assert!(o.stdout.is_empty(), "{args:?}");
    assert_one_line_error(&o.stderr)
}

/// `nskeys certs` alone named the top-level commands; it names certs' own subcommands.
#[test]
fn certs_without_a_subcommand_names_list() {
    let line = usage_error(&["certs"]);
    assert!(
        line.contains("'nskeys certs' needs a subcommand: list"),
        "{line}"
    );
    assert!(line.contains("nskeys certs list"), "{line}");
    assert!(line.contains("'nskeys certs --help'"), "{line}");
    assert!(!line.contains("gen, expiry"), "{line}");
}

/// A mistyped option: our own suggestion from the command's real options, the command's own
/// help, and never clap's `-- --days` tip (which would make the flag a file name).
#[test]
fn unknown_option_suggests_the_commands_own() {
    let line = usage_error(&["expiry", "--days", "3"]);
    assert!(line.contains("unknown option --days for expiry"), "{line}");
    assert!(line.contains("did you mean --warn-days"), "{line}");
    assert!(line.contains("see 'nskeys expiry --help'"), "{line}");
    assert!(!line.contains("-- --days"), "{line}");
    assert!(!line.contains("tip:"), "{line}");

    let line = usage_error(&["certs", "list", "--bogus"]);
    assert!(
        line.contains("unknown option --bogus for certs list"),
        "{line}"
    );
    assert!(line.contains("see 'nskeys certs list --help'"), "{line}");

    // An option of another command says whose it is.
    let line = usage_error(&["gen", "--cert-id", "x"]);
    assert!(line.contains("unknown option --cert-id for gen"), "{line}");
    assert!(line.contains("verify"), "{line}");
}

/// Other usage errors in a subcommand point to that subcommand's help, in one readable line.
#[test]
fn subcommand_usage_errors_point_to_their_help() {
    let line = usage_error(&["gen", "--alg", "hs256"]);
    assert!(
        line.contains("invalid value 'hs256' for '--alg <ALG>'"),
        "{line}"
    );
    assert!(line.contains("did you mean es256?"), "{line}");
    assert!(line.contains("see 'nskeys gen --help'"), "{line}");
    let line = usage_error(&["certs", "lst"]);
    assert!(
        line.contains("unknown subcommand 'lst' for certs"),
        "{line}"
    );
    assert!(line.contains("did you mean list?"), "{line}");
    // The value of an option is no command: `--key certs` stays verify's.
    let line = usage_error(&["verify", "--key", "certs", "--bogus"]);
    assert!(line.contains("for verify"), "{line}");
    assert!(line.contains("see 'nskeys verify --help'"), "{line}");
}

// ---- 7. advice fits the option ----

/// A private key given as --ca-cert got advice meant for --cert ("give the certificate
/// (public.pem)"): the advice names the CA bundle --ca-cert takes.
#[test]
fn ca_cert_advice_is_about_a_ca_bundle() {
    let d = Dir::new();
    d.nskeys().args(["gen"]).assert().success();
    let o = d
        .nskeys()
        .args([
            "verify",
            "--token-url",
            "https://127.0.0.1:9/token",
            "--client-id",
            "c",
            "--cert-id",
            "k",
            "--no-cert-id-check",
            "--ca-cert",
            "private.pem",
            "--timeout",
            "2",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(3), "{}", out(&o));
    let line = assert_one_line_error(&o.stderr);
    assert!(line.contains("(private.pem, from --ca-cert)"), "{line}");
    assert!(line.contains("--ca-cert"), "{line}");
    assert!(line.contains("CA certificates"), "{line}");
    assert!(!line.contains("public.pem"), "{line}");

    // The same file as --cert keeps the --cert advice.
    let o = d
        .nskeys()
        .args([
            "verify",
            "--token-url",
            "https://127.0.0.1:9/token",
            "--client-id",
            "c",
            "--cert-id",
            "k",
            "--no-cert-id-check",
            "--cert",
            "private.pem",
            "--dry-run",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(3), "{}", out(&o));
    let line = assert_one_line_error(&o.stderr);
    assert!(line.contains("public.pem"), "{line}");
}

/// A certificate where the key belongs, and the reverse: the advice names what the option takes.
#[test]
fn key_and_certificate_swapped_say_which_option() {
    let d = Dir::new();
    d.nskeys().args(["gen"]).assert().success();
    let o = d
        .nskeys()
        .args(["inspect", "public.pem", "--key", "public.pem"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(3), "{}", out(&o));
    let line = assert_one_line_error(&o.stderr);
    assert!(line.contains("--key takes the private key"), "{line}");
    assert!(line.contains("private.pem"), "{line}");
    let o = d.nskeys().args(["expiry", "private.pem"]).output().unwrap();
    assert_eq!(o.status.code(), Some(3), "{}", out(&o));
    let text = out(&o);
    assert!(text.contains("a private key, not a certificate"), "{text}");
    assert!(text.contains("give the certificate (public.pem)"), "{text}");
}

// ---- 8. foreign formats, recognised by structure ----

/// Copy a fixture of fixtures/foreign/ under a neutral name (so only its bytes can tell).
fn foreign(d: &Dir, fixture: &str) -> String {
    let name = format!("given-{}", fixture.replace(['.', '-'], "_"));
    d.fixture(&format!("foreign/{fixture}"), &name);
    name
}

/// Each foreign file as a certificate (expiry, inspect, verify --cert) and as a key
/// (verify --key): what it is, and the command that gets the PEM out.
#[test]
fn foreign_formats_are_named_with_the_way_out() {
    // (fixture, what it is called, advice as a certificate, advice as a key)
    let cases: &[(&str, &str, &str, &str)] = &[
        (
            "bundle.p12",
            "PKCS#12",
            "-nokeys -out public.pem",
            "-nocerts -nodes -out private.pem",
        ),
        (
            "bundle-p12.pem",
            "PKCS#12",
            "-nokeys -out public.pem",
            "-nocerts -nodes -out private.pem",
        ),
        (
            "chain.p7b",
            "PKCS#7",
            "openssl pkcs7 -print_certs -in",
            "certificates only",
        ),
        (
            "chain-der.p7b",
            "PKCS#7",
            "openssl pkcs7 -print_certs -in",
            "certificates only",
        ),
        (
            "request.csr",
            "certificate signing request",
            "nskeys gen",
            "holds no private key",
        ),
        (
            "request-der.csr",
            "certificate signing request",
            "nskeys gen",
            "holds no private key",
        ),
        (
            "id_ecdsa",
            "OpenSSH private key",
            "nskeys gen",
            "chmod 600 private.pem && ssh-keygen -p -N '' -m PKCS8",
        ),
        (
            "id_ecdsa.pub",
            "SSH public key",
            "nskeys gen",
            "give the private key",
        ),
        (
            "id_ecdsa-rfc4716.pub",
            "SSH public key",
            "nskeys gen",
            "give the private key",
        ),
        ("jwk-private.json", "JSON Web Key", "x5c", "PKCS#8 PEM"),
        ("jwk-public.json", "JSON Web Key", "x5c", "no private part"),
        ("jwks.json", "JSON Web Key", "x5c", "no private part"),
    ];
    for (fixture, what, as_cert, as_key) in cases {
        let d = Dir::new();
        d.nskeys().args(["gen"]).assert().success();
        let name = foreign(&d, fixture);
        let runs: Vec<(Vec<&str>, &str)> = vec![
            (vec!["expiry", &name], as_cert),
            (vec!["inspect", &name], as_cert),
            (
                vec![
                    "verify",
                    "--token-url",
                    "http://127.0.0.1:9/t",
                    "--client-id",
                    "c",
                    "--cert-id",
                    "k",
                    "--no-cert-id-check",
                    "--cert",
                    &name,
                    "--dry-run",
                ],
                as_cert,
            ),
            (
                vec![
                    "verify",
                    "--token-url",
                    "http://127.0.0.1:9/t",
                    "--client-id",
                    "c",
                    "--cert-id",
                    "k",
                    "--no-cert-id-check",
                    "--key",
                    &name,
                    "--dry-run",
                ],
                as_key,
            ),
        ];
        for (args, advice) in runs {
            let o = d.nskeys().args(&args).output().unwrap();
            let text = out(&o);
            assert_eq!(o.status.code(), Some(3), "{fixture} {args:?}: {text}");
            let first = String::from_utf8_lossy(&o.stderr)
                .lines()
                .next()
                .unwrap_or_default()
                .to_string();
            assert!(first.starts_with("nskeys: "), "{fixture} {args:?}: {text}");
            assert!(first.contains(what), "{fixture} {args:?}: {first}");
            assert!(first.contains(&name), "{fixture} {args:?}: {first}");
            // inspect takes keys too: a key-holding format gets the key's way out there.
            let advice =
                if args[0] == "inspect" && ["id_ecdsa", "jwk-private.json"].contains(fixture) {
                    as_key
                } else {
                    advice
                };
            assert!(first.contains(advice), "{fixture} {args:?}: {first}");
            assert!(!first.contains("damaged"), "{fixture} {args:?}: {first}");
        }
    }
}

/// The advice works: the openssl command it gives turns the PKCS#12 file into a certificate
/// and key that nskeys reads and that match.
#[test]
fn the_pkcs12_way_out_works() {
    let d = Dir::new();
    let name = foreign(&d, "bundle.p12");
    let o = d.nskeys().args(["expiry", &name]).output().unwrap();
    let line = String::from_utf8_lossy(&o.stderr).to_string();
    let cert_cmd = line
        .split("openssl pkcs12")
        .nth(1)
        .and_then(|s| s.split(" (and").next())
        .map(|s| format!("openssl pkcs12{s} -passin pass:secret"))
        .unwrap_or_else(|| panic!("no openssl command in {line}"));
    let key_cmd = line
        .split("(and the key: ")
        .nth(1)
        .and_then(|s| s.split(';').next())
        .map(|s| format!("{s} -passin pass:secret"))
        .unwrap_or_else(|| panic!("no key command in {line}"));
    for cmd in [cert_cmd, key_cmd] {
        let args: Vec<&str> = cmd.split_whitespace().skip(1).collect();
        let (ok, text) = openssl(&args, d.path());
        assert!(ok, "{cmd}: {text}");
    }
    d.nskeys()
        .args(["inspect", "public.pem", "--key", "private.pem"])
        .assert()
        .success();
}

/// The OpenSSH way out works too: the ssh-keygen command given makes a key nskeys takes.
#[test]
fn the_openssh_way_out_works() {
    let d = Dir::new();
    let name = foreign(&d, "id_ecdsa");
    let o = d
        .nskeys()
        .args([
            "verify",
            "--token-url",
            "http://127.0.0.1:9/t",
            "--client-id",
            "c",
        ])
        .args([
            "--cert-id",
            "k",
            "--no-cert-id-check",
            "--key",
            &name,
            "--dry-run",
        ])
        .output()
        .unwrap();
    let line = String::from_utf8_lossy(&o.stderr).to_string();
    let cmd = line
        .split("convert a copy to PKCS#8 PEM: ")
        .nth(1)
        .and_then(|s| s.split(" (RSA").next())
        .unwrap_or_else(|| panic!("no command in {line}"));
    let run = d.command("sh").args(["-c", cmd]).output().unwrap();
    assert!(run.status.success(), "{cmd}: {}", out(&run));
    d.nskeys()
        .args(["inspect", "private.pem"])
        .assert()
        .success();
}

// ---- 13. the refusal output contract ----

/// `nskeys token` refused: the one-line summary comes FIRST on stderr, then the diagnosis
/// (NetSuite's answer, the likely causes) after it; stdout stays empty.
#[test]
fn token_refusal_prints_the_summary_line_first() {
    let d = Dir::new();
    d.nskeys().args(["gen"]).assert().success();
    let api = crate::ns_api::start();
    // Not mapped: the stand-in refuses the kid.
    let o = d
        .nskeys()
        .args([
            "token",
            "--token-url",
            &api.token_url(),
            "--client-id",
            crate::ns_api::CLIENT,
            "--cert-id",
            "NOT-MAPPED",
            "--no-cert-id-check",
            "--timeout",
            "10",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", out(&o));
    assert!(o.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&o.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert!(
        lines[0].starts_with("nskeys: NetSuite refused the token request"),
        "{stderr}"
    );
    assert!(lines.len() > 1, "{stderr}");
    assert!(
        lines[1..]
            .iter()
            .all(|l| !l.starts_with("nskeys: ") || l.starts_with("nskeys: warning")),
        "one summary line only: {stderr}"
    );
    assert!(stderr.contains("Likely causes"), "{stderr}");
}

/// `nskeys verify` refused: one line on stderr; the diagnosis in the report on stdout.
#[test]
fn verify_refusal_is_one_line_on_stderr_and_a_report_on_stdout() {
    let d = Dir::new();
    d.nskeys().args(["gen"]).assert().success();
    let api = crate::ns_api::start();
    let o = d
        .nskeys()
        .args([
            "verify",
            "--token-url",
            &api.token_url(),
            "--client-id",
            crate::ns_api::CLIENT,
            "--cert-id",
            "NOT-MAPPED",
            "--no-cert-id-check",
            "--timeout",
            "10",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", out(&o));
    let line = assert_one_line_error(&o.stderr);
    assert!(
        line.contains("NetSuite refused the token request"),
        "{line}"
    );
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("Likely causes"), "{stdout}");
}

/// The contract is written where users read it: README and every --help.
#[test]
fn the_output_contract_is_documented() {
    let readme =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
            .unwrap();
    assert!(readme.contains("first line on stderr is the error, one line"));
    assert!(!readme.contains("errors are one line on stderr"));
    for sub in ["verify", "token", "gen", "expiry"] {
        let d = Dir::new();
        let o = d.nskeys().args([sub, "--help"]).output().unwrap();
        let help = String::from_utf8_lossy(&o.stdout);
        assert!(help.contains("FIRST line on stderr"), "{sub}: {help}");
    }
}

/// A Certificate ID is base64url: one in 64 starts with '-'. The README's
/// `--cert-id $CERT_ID` (found by tests/readme.rs) then failed as "unknown option -0...".
#[test]
fn certificate_ids_starting_with_a_dash_are_values() {
    let d = Dir::new();
    d.nskeys().args(["gen"]).assert().success();
    let o = d
        .nskeys()
        .args([
            "verify",
            "--token-url",
            "http://127.0.0.1:9/t",
            "--client-id",
            "c",
        ])
        .args([
            "--cert-id",
            "-0aB_c",
            "--no-cert-id-check",
            "--dry-run",
            "--json",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(report["assertion"]["header"]["kid"], "-0aB_c");
    let o = d
        .nskeys()
        .args(["rotate", "--new-cert-id", "-0aB_c", "--cert", "missing.pem"])
        .output()
        .unwrap();
    let line = assert_one_line_error(&o.stderr);
    assert!(!line.contains("unknown option"), "{line}");
}
