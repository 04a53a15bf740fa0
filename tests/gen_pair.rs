//! `nskeys gen`: what it makes, judged by other implementations than its own (openssl,
//! x509-parser, Python's PyJWT + cryptography), and what it refuses.
//!
//! Each algorithm is generated once (RSA is slow) and shared by the tests of its module;
//! every test checks one property of that pair.
use crate::gen_util::*;
use crate::harness::*;

/// What one algorithm's pair must look like.
struct Spec {
    /// Extra `nskeys gen` arguments.
    args: &'static [&'static str],
    /// JWT algorithm name.
    jwt: &'static str,
    /// RSA modulus size, or None for EC.
    rsa_bits: Option<usize>,
    /// EC: (openssl curve name, NIST name, key size in bits).
    curve: Option<(&'static str, &'static str, usize)>,
    /// openssl's name of the hash.
    hash: &'static str,
    /// Signature algorithm OID of the self-signature.
    sig_oid: &'static str,
    /// Expected lifetime in days.
    days: i64,
}

const RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";
const RSASSA_PSS: &str = "1.2.840.113549.1.1.10";
const EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";

/// Tests for one algorithm; `$spec` is made once and shared.
macro_rules! alg_suite {
    ($name:ident, $spec:expr) => {
        mod $name {
            use super::*;
            use std::sync::OnceLock;

            const SPEC: Spec = $spec;

            fn made() -> &'static Made {
                static MADE: OnceLock<Made> = OnceLock::new();
                MADE.get_or_init(|| Made::shared(SPEC.args))
            }

            #[test]
            fn openssl_verify_accepts_the_self_signed_certificate() {
                let m = made();
                let out = openssl_ok(&["verify", "-CAfile", "public.pem", "public.pem"], m.path());
                assert!(out.contains("public.pem: OK"), "{out}");
            }

            #[test]
            fn openssl_pkey_check_passes() {
                openssl_ok(
                    &["pkey", "-check", "-noout", "-in", "private.pem"],
                    m_path(),
                );
            }

            fn m_path() -> &'static std::path::Path {
                made().path()
            }

            #[test]
            fn certificate_text_names_the_algorithm_key_size_and_hash() {
                let text = openssl_ok(&["x509", "-in", "public.pem", "-noout", "-text"], m_path());
                check_certificate_text(&SPEC, &text);
            }

            #[test]
            fn x509_parser_sees_the_signature_and_key_algorithm() {
                check_algorithms_with_x509_parser(&SPEC, &m_path().join("public.pem"));
            }

            #[test]
            fn key_is_unencrypted_pkcs8_of_an_ordinary_key_type() {
                check_pkcs8_key(&SPEC, m_path());
            }

            #[test]
            fn key_matches_the_certificate() {
                assert!(key_matches_cert(m_path(), "private.pem", "public.pem"));
            }

            #[test]
            fn lifetime_is_exactly_the_days_asked_from_now() {
                check_lifetime(&SPEC, made());
            }

            #[test]
            fn extensions_are_ski_aki_and_critical_ca_true() {
                check_extensions(&m_path().join("public.pem"));
            }

            #[test]
            fn serial_is_positive_and_at_most_20_bytes() {
                check_serial(&m_path().join("public.pem"));
            }

            #[test]
            fn pyjwt_signs_with_the_key_and_verifies_with_the_certificate() {
                let out = pyjwt_roundtrip(m_path(), "private.pem", "public.pem", SPEC.jwt);
                let want = match (SPEC.rsa_bits, SPEC.curve) {
                    (Some(bits), _) => format!("key=RSA-{bits}"),
                    (None, Some((curve, _, _))) => format!("key=EC-{}", python_curve(curve)),
                    _ => unreachable!(),
                };
                assert!(out.contains(&format!("ok alg={}", SPEC.jwt)), "{out}");
                assert!(out.contains(&want), "expected {want}: {out}");
            }

            #[test]
            fn private_key_is_not_printed() {
                let m = made();
                assert_key_not_printed(&read(m.path().join("private.pem")), &m.out);
            }

            #[test]
            fn stderr_is_empty_when_not_a_terminal() {
                // The RSA spinner (and anything else) must stay off a redirected stderr.
                assert_eq!(made().stderr(), "");
            }
        }
    };
}

alg_suite!(
    ps256,
    Spec {
        args: &["--alg", "ps256"],
        jwt: "PS256",
        rsa_bits: Some(4096),
        curve: None,
        hash: "sha256",
        sig_oid: RSASSA_PSS,
        days: 730,
    }
);
alg_suite!(
    ps384,
    Spec {
        args: &["--alg", "ps384", "--days", "90"],
        jwt: "PS384",
        rsa_bits: Some(4096),
        curve: None,
        hash: "sha384",
        sig_oid: RSASSA_PSS,
        days: 90,
    }
);
// --bits 3072 is checked here rather than with a further slow RSA run.
alg_suite!(
    ps512_rsa3072,
    Spec {
        args: &["--alg", "PS512", "--bits", "3072", "--days", "1"],
        jwt: "PS512",
        rsa_bits: Some(3072),
        curve: None,
        hash: "sha512",
        sig_oid: RSASSA_PSS,
        days: 1,
    }
);
// No arguments at all: the defaults are es256 and 730 days.
alg_suite!(
    es256_by_default,
    Spec {
        args: &[],
        jwt: "ES256",
        rsa_bits: None,
        curve: Some(("prime256v1", "P-256", 256)),
        hash: "sha256",
        sig_oid: "1.2.840.10045.4.3.2",
        days: 730,
    }
);
alg_suite!(
    es384,
    Spec {
        args: &["--alg", "es384", "--days", "365"],
        jwt: "ES384",
        rsa_bits: None,
        curve: Some(("secp384r1", "P-384", 384)),
        hash: "sha384",
        sig_oid: "1.2.840.10045.4.3.3",
        days: 365,
    }
);
alg_suite!(
    es512,
    Spec {
        args: &["--alg", "es512", "--days", "730"],
        jwt: "ES512",
        rsa_bits: None,
        curve: Some(("secp521r1", "P-521", 521)),
        hash: "sha512",
        sig_oid: "1.2.840.10045.4.3.4",
        days: 730,
    }
);

fn python_curve(openssl_name: &str) -> &'static str {
    match openssl_name {
        "prime256v1" => "secp256r1",
        "secp384r1" => "secp384r1",
        "secp521r1" => "secp521r1",
        other => panic!("unknown curve {other}"),
    }
}

fn check_certificate_text(spec: &Spec, text: &str) {
    let has = |s: &str| {
        assert!(
            text.contains(s),
            "`openssl x509 -text` lacks {s:?}:\n{text}"
        )
    };
    match (spec.rsa_bits, spec.curve) {
        (Some(bits), _) => {
            has("Public Key Algorithm: rsaEncryption");
            has(&format!("Public-Key: ({bits} bit)"));
            has("Signature Algorithm: rsassaPss");
            has(&format!("Hash Algorithm: {}", spec.hash));
            has(&format!("Mask Algorithm: mgf1 with {}", spec.hash));
            has("Salt Length: 0x40");
        }
        (None, Some((curve, nist, bits))) => {
            has("Public Key Algorithm: id-ecPublicKey");
            has(&format!("Public-Key: ({bits} bit)"));
            has(&format!("ASN1 OID: {curve}"));
            has(&format!("NIST CURVE: {nist}"));
            has(&format!(
                "Signature Algorithm: ecdsa-with-{}",
                spec.hash.to_uppercase()
            ));
        }
        _ => unreachable!(),
    }
}

fn check_algorithms_with_x509_parser(spec: &Spec, cert: &std::path::Path) {
    use x509_parser::public_key::PublicKey;
    with_cert(cert, |c| {
        assert_eq!(c.signature_algorithm.algorithm.to_id_string(), spec.sig_oid);
        let spki = c.public_key();
        let size = match spki.parsed().expect("parsable public key") {
            PublicKey::RSA(k) => {
                assert_eq!(spki.algorithm.algorithm.to_id_string(), RSA_ENCRYPTION);
                k.key_size()
            }
            PublicKey::EC(_) => {
                assert_eq!(spki.algorithm.algorithm.to_id_string(), EC_PUBLIC_KEY);
                let curve = spki
                    .algorithm
                    .parameters
                    .as_ref()
                    .and_then(|p| p.as_oid().ok());
                let curve = curve.expect("named curve").to_id_string();
                // (x509-parser's EC key_size() counts the point's bytes: use the curve OID.)
                match curve.as_str() {
                    "1.2.840.10045.3.1.7" => 256,
                    "1.3.132.0.34" => 384,
                    "1.3.132.0.35" => 521,
                    other => panic!("unexpected curve {other}"),
                }
            }
            other => panic!("unexpected public key {other:?}"),
        };
        let want = spec.rsa_bits.or(spec.curve.map(|c| c.2)).unwrap();
        assert_eq!(size, want);
    });
}

fn check_pkcs8_key(spec: &Spec, dir: &std::path::Path) {
    let pem = String::from_utf8(read(dir.join("private.pem"))).expect("PEM is text");
    assert!(
        pem.starts_with("-----BEGIN PRIVATE KEY-----\n"),
        "not unencrypted PKCS#8: {}",
        pem.lines().next().unwrap_or("")
    );
    let asn1 = openssl_ok(&["asn1parse", "-in", "private.pem"], dir);
    // The key algorithm is the first OBJECT of the PrivateKeyInfo.
    let objects: Vec<&str> = asn1
        .lines()
        .filter(|l| l.contains("prim: OBJECT"))
        .map(|l| l.rsplit(':').next().unwrap().trim())
        .collect();
    assert!(
        !asn1.contains("rsassaPss"),
        "key has the rsassaPss OID:\n{asn1}"
    );
    match spec.curve {
        None => assert_eq!(objects.first(), Some(&"rsaEncryption"), "{asn1}"),
        Some((curve, _, _)) => {
            assert_eq!(objects.first(), Some(&"id-ecPublicKey"), "{asn1}");
            assert_eq!(objects.get(1), Some(&curve), "{asn1}");
        }
    }
}

fn check_lifetime(spec: &Spec, m: &Made) {
    let (nb, na) = with_cert(m.path().join("public.pem"), |c| {
        (
            c.validity().not_before.timestamp(),
            c.validity().not_after.timestamp(),
        )
    });
    assert_eq!(na - nb, spec.days * 86_400, "notAfter - notBefore");
    assert!(
        m.started - 1 <= nb && nb <= m.finished + 1,
        "notBefore {nb} is not the time of the run ({}..{})",
        m.started,
        m.finished
    );
}

fn check_extensions(cert: &std::path::Path) {
    use x509_parser::extensions::ParsedExtension;
    with_cert(cert, |c| {
        let mut ski = None;
        let mut aki = None;
        let mut bc = None;
        for ext in c.extensions() {
            match ext.parsed_extension() {
                ParsedExtension::SubjectKeyIdentifier(k) => {
                    assert!(!ext.critical, "SKI must not be critical");
                    ski = Some(k.0.to_vec());
                }
                ParsedExtension::AuthorityKeyIdentifier(a) => {
                    assert!(!ext.critical, "AKI must not be critical");
                    aki = Some(a.key_identifier.as_ref().map(|k| k.0.to_vec()));
                }
                ParsedExtension::BasicConstraints(b) => {
                    bc = Some((ext.critical, b.ca, b.path_len_constraint));
                }
                other => panic!("unexpected extension {other:?}"),
            }
        }
        let ski = ski.expect("subjectKeyIdentifier present");
        assert_eq!(ski.len(), 20, "SHA-1 key identifier, as openssl makes it");
        assert_eq!(aki, Some(Some(ski)), "AKI keyid must equal the SKI");
        assert_eq!(
            bc,
            Some((true, true, None)),
            "basicConstraints critical CA:TRUE"
        );
    });
}

fn check_serial(cert: &std::path::Path) {
    with_cert(cert, |c| {
        let raw = c.raw_serial();
        assert!(
            !raw.is_empty() && raw.len() <= 20,
            "serial is {} bytes",
            raw.len()
        );
        assert_eq!(raw[0] & 0x80, 0, "serial must be positive");
        assert!(raw.iter().any(|b| *b != 0), "serial must not be zero");
    });
}

// ---- Not tied to one algorithm (EC: fast) ----

fn serial_of(cert: &std::path::Path) -> Vec<u8> {
    with_cert(cert, |c| c.raw_serial().to_vec())
}

#[test]
fn two_runs_get_different_serials() {
    let a = Made::new(&[]);
    let b = Made::new(&[]);
    assert_ne!(
        serial_of(&a.path().join("public.pem")),
        serial_of(&b.path().join("public.pem"))
    );
}

#[test]
fn subject_is_taken_from_the_rfc4514_string_in_order() {
    let m = Made::new(&["--subject", "CN=acme-m2m,O=Acme"]);
    let out = openssl_ok(
        &[
            "x509",
            "-in",
            "public.pem",
            "-noout",
            "-subject",
            "-issuer",
            "-nameopt",
            "RFC2253",
        ],
        m.path(),
    );
    assert!(out.contains("subject=CN=acme-m2m,O=Acme"), "{out}");
    assert!(
        out.contains("issuer=CN=acme-m2m,O=Acme"),
        "self-signed: {out}"
    );
    // RFC 4514 lists the most specific RDN first: in the certificate O comes before CN.
    with_cert(m.path().join("public.pem"), |c| {
        let first = c.subject().iter_rdn().next().expect("an RDN");
        let attr = first.iter().next().expect("an attribute");
        assert_eq!(attr.attr_type().to_id_string(), "2.5.4.10", "O first");
    });
}

#[test]
fn default_subject_is_cn_nskeys() {
    let m = Made::new(&[]);
    let out = openssl_ok(
        &[
            "x509",
            "-in",
            "public.pem",
            "-noout",
            "-subject",
            "-nameopt",
            "RFC2253",
        ],
        m.path(),
    );
    assert_eq!(out.trim(), "subject=CN=nskeys");
}

fn openssl_not_after_iso(dir: &std::path::Path) -> String {
    // `notAfter=2028-11-22 14:34:23Z`
    let out = openssl_ok(
        &[
            "x509",
            "-in",
            "public.pem",
            "-noout",
            "-enddate",
            "-dateopt",
            "iso_8601",
        ],
        dir,
    );
    out.trim().trim_start_matches("notAfter=").replace(' ', "T")
}

#[test]
fn json_output_is_one_object_that_agrees_with_openssl() {
    let m = Made::new(&["--json", "--alg", "es384"]);
    let v: serde_json::Value = serde_json::from_slice(&m.out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not one JSON value ({e}): {}", m.stdout()));
    assert!(v.is_object(), "{v}");
    assert_eq!(v["alg"], "ES384");
    let key_path = v["key_path"].as_str().expect("key_path");
    let cert_path = v["cert_path"].as_str().expect("cert_path");
    assert!(
        m.path().join(key_path).ends_with("private.pem"),
        "{key_path}"
    );
    assert!(
        m.path().join(cert_path).ends_with("public.pem"),
        "{cert_path}"
    );
    assert!(m.path().join(key_path).is_file() && m.path().join(cert_path).is_file());
    assert_eq!(
        v["sha256_fingerprint"],
        openssl_fingerprint(m.path()).as_str()
    );
    assert_eq!(v["not_after"], openssl_not_after_iso(m.path()).as_str());
    let steps = v["next_steps"].as_array().expect("next_steps array");
    assert!(
        steps.iter().any(|s| s
            .as_str()
            .unwrap_or("")
            .contains("OAuth 2.0 Client Credentials (M2M) Setup")),
        "{steps:?}"
    );
}

#[test]
fn text_output_names_files_fingerprint_expiry_and_next_steps() {
    let m = Made::new(&[]);
    let text = m.stdout();
    let not_after = openssl_not_after_iso(m.path());
    for want in [
        "private.pem",
        "public.pem",
        openssl_fingerprint(m.path()).as_str(),
        not_after.as_str(),
        "Setup > Integration > Manage Authentication > OAuth 2.0 Client Credentials (M2M) Setup",
        "Certificate ID",
        "nskeys verify",
    ] {
        assert!(text.contains(want), "output lacks {want:?}:\n{text}");
    }
}

// ---- Refusals: exit 3, one line, nothing written ----

/// Run `nskeys gen ARGS`, require exit 3 with one error line and an untouched directory;
/// returns the error line.
fn refused(args: &[&str]) -> String {
    let d = Dir::new();
    let out = d
        .nskeys()
        .arg("gen")
        .args(args)
        .output()
        .expect("run nskeys");
    assert_eq!(
        out.status.code(),
        Some(3),
        "gen {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty(), "nothing on stdout: {:?}", out.stdout);
    let err = assert_one_line_error(&out.stderr);
    assert_eq!(
        names_in(d.path()),
        Vec::<String>::new(),
        "gen {args:?} wrote files"
    );
    err
}

#[test]
fn days_0_is_refused() {
    refused(&["--days", "0"]);
}

#[test]
fn days_731_is_refused_with_the_reason() {
    let err = refused(&["--days", "731"]);
    assert!(err.contains("730") && err.contains("two years"), "{err}");
}

#[test]
fn days_that_are_not_a_number_are_refused() {
    refused(&["--days", "1y"]);
    refused(&["--days", "-5"]);
}

#[test]
fn rsa_2048_1024_and_8192_bits_are_refused() {
    for bits in ["2048", "1024", "8192"] {
        let err = refused(&["--alg", "ps256", "--bits", bits]);
        assert!(err.contains("3072") && err.contains("4096"), "{err}");
    }
}

#[test]
fn rs256_is_refused_with_the_reason() {
    let err = refused(&["--alg", "rs256"]);
    assert!(err.contains("no longer accepts RS"), "{err}");
    assert!(err.contains("ps256"), "suggests an alternative: {err}");
}

#[test]
fn bad_subjects_are_refused() {
    for subject in ["", "CN", "=x", "CN=a,,O=b", "XX=foo", "CN=a+", "nonsense"] {
        let err = refused(&["--subject", subject]);
        assert!(err.contains("--subject"), "{subject:?}: {err}");
    }
}

/// Regression: these were accepted and stored as PrintableString / IA5String that cannot
/// hold them; Python's cryptography then refused to load the certificate at all.
#[test]
fn subject_values_their_string_type_cannot_hold_are_refused() {
    for subject in [
        "C=ü",
        "C=U*",
        "CN=x,emailAddress=é@example.com",
        "CN=x,DC=é",
    ] {
        let err = refused(&["--subject", subject]);
        assert!(err.contains("allowed"), "{subject:?}: {err}");
    }
}

#[test]
fn country_must_be_two_letters() {
    let err = refused(&["--subject", "CN=x,C=USA"]);
    assert!(err.contains("two-letter"), "{err}");
}

#[test]
fn common_name_over_64_characters_is_refused() {
    let long = format!("CN={}", "a".repeat(65));
    let err = refused(&["--subject", &long]);
    assert!(err.contains("64"), "{err}");
}

#[test]
fn empty_attribute_value_is_refused() {
    refused(&["--subject", "CN="]);
}

#[test]
fn non_ascii_subject_is_readable_by_python_cryptography() {
    let subject = "CN=Zürich M2M,O=Ünïcode AG,C=CH";
    let m = Made::new(&["--subject", subject]);
    let out = m
        .dir
        .command("python3")
        .args([
            "-c",
            "import sys; from cryptography import x509; \
             c = x509.load_pem_x509_certificate(open('public.pem', 'rb').read()); \
             print(c.subject.rfc4514_string())",
        ])
        .output()
        .expect("python3");
    let got = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{got}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(got.trim(), subject);
}

#[test]
fn unknown_flag_is_refused() {
    refused(&["--bogus"]);
}

// ---- The spinner: only on a terminal (the alg suites check stderr stays empty otherwise) ----

#[test]
fn rsa_spinner_shows_on_a_terminal_and_is_erased() {
    let d = Dir::new();
    // script(1) runs the command on a pseudo-terminal and copies what it shows.
    let cmd = format!("{} gen --alg ps256 --bits 3072", nskeys_bin().display());
    let out = d
        .command("script")
        .args(["-qec", &cmd, "/dev/null"])
        .output()
        .expect("script (util-linux) to run nskeys on a terminal");
    assert!(out.status.success(), "{out:?}");
    let screen = String::from_utf8_lossy(&out.stdout);
    let message = "Generating an RSA-3072 key...";
    assert!(screen.contains(message), "no spinner: {screen:?}");
    let erase = format!("\r{}\r", " ".repeat(message.len() + 2));
    assert!(screen.contains(&erase), "spinner not erased: {screen:?}");
    assert!(key_matches_cert(d.path(), "private.pem", "public.pem"));
}
