//! Secrets never reach the terminal: the private key (its PEM, any base64 or hex piece of it),
//! the signed assertion, and the access token unless `--print-token` / `nskeys token` asked
//! for it. Every command that reads or makes a key is run, in every output mode, succeeding
//! and failing, and its stdout and stderr are searched.
use crate::harness::*;
use crate::stand_in::*;
use std::process::Output;

/// Pieces of a secret that must not appear: every 24-character window of its base64 body
/// (a partial print is still a leak), every 16-byte window of its DER as hex.
struct Secret {
    name: String,
    pieces: Vec<String>,
}

impl Secret {
    fn key(path: &std::path::Path) -> Secret {
        let pem = std::fs::read_to_string(path).unwrap();
        let b64: String = pem
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect::<Vec<_>>()
            .concat();
        let der = nskeys::pki::pem::pem_blocks(pem.as_bytes()).unwrap()[0]
            .der
            .to_vec();
        let hex: String = der.iter().map(|b| format!("{b:02x}")).collect();
        let mut pieces = windows(&b64, 24);
        pieces.extend(windows(&hex, 32));
        Secret {
            name: format!("key {}", path.display()),
            pieces,
        }
    }

    fn text(name: &str, s: &str) -> Secret {
        let mut pieces = windows(s, 24);
        pieces.push(s.to_string());
        Secret {
            name: name.to_string(),
            pieces,
        }
    }

    /// Panic if any piece is in `out`'s stdout or stderr.
    fn absent(&self, out: &Output, what: &str) {
        for (stream, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
            let text = String::from_utf8_lossy(bytes);
            for p in &self.pieces {
                assert!(
                    !text.contains(p.as_str()),
                    "{what}: {} leaked on {stream} ({p:?}):\n{text}",
                    self.name
                );
            }
        }
    }
}

fn windows(s: &str, n: usize) -> Vec<String> {
    let b = s.as_bytes();
    if b.len() <= n {
        return vec![s.to_string()];
    }
    (0..=b.len() - n)
        .step_by(4)
        .map(|i| String::from_utf8_lossy(&b[i..i + n]).to_string())
        .collect()
}

/// The signed assertions the stand-in received, from the form bodies.
fn assertions(server: &Server) -> Vec<String> {
    server
        .requests()
        .iter()
        .filter_map(|r| {
            let body = String::from_utf8_lossy(&r.body).to_string();
            body.split('&')
                .find_map(|kv| kv.strip_prefix("client_assertion=").map(str::to_string))
        })
        .collect()
}

#[test]
fn verify_token_and_inspect_never_show_the_key_assertion_or_unasked_token() {
    let mut runs = 0;
    for (key, cert) in [
        ("oracle/es256-private.pem", "oracle/es256-public.pem"),
        ("oracle/ps256-private.pem", "oracle/ps256-public.pem"),
    ] {
        let d = Dir::new();
        d.fixture(key, "private.pem");
        d.fixture(cert, "public.pem");
        let secret_key = Secret::key(&d.join("private.pem"));
        let m = Mapping::new(d.join("public.pem"));
        let server = start(Behaviour::NetSuite(m.clone()));
        let url = server.token_url();
        let ids = |kid: &str| -> Vec<String> {
            [
                "--token-url",
                &url,
                "--client-id",
                &m.client_id,
                "--cert-id",
                kid,
                "--no-cert-id-check",
                "--timeout",
                "20",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect()
        };
        // (arguments, whether the access token may be printed)
        let dead = format!("http://127.0.0.1:{}{TOKEN_PATH}", dead_port());
        let cases: Vec<(Vec<String>, bool)> = vec![
            (["verify"].map(String::from).to_vec(), false),
            (["verify", "--json"].map(String::from).to_vec(), false),
            (["verify", "--dry-run"].map(String::from).to_vec(), false),
            (
                ["verify", "--dry-run", "--json"].map(String::from).to_vec(),
                false,
            ),
            (["verify", "--print-token"].map(String::from).to_vec(), true),
            (["token"].map(String::from).to_vec(), true),
        ];
        let mut outputs: Vec<(String, Output, bool)> = Vec::new();
        for (args, token_ok) in &cases {
            for kid in [m.kid.as_str(), "wrong-kid"] {
                let out = d.nskeys().args(args).args(ids(kid)).output().unwrap();
                let expect = if args.iter().any(|a| a == "--dry-run") || kid == m.kid {
                    0
                } else {
                    2
                };
                assert_eq!(out.status.code(), Some(expect), "{args:?} {kid}");
                outputs.push((format!("{args:?} kid {kid}"), out, *token_ok));
            }
        }
        // Failures after the key was read: nothing listening, a bad --ca-cert, a key that
        // does not match the certificate, --json errors.
        for extra in [
            vec![
                "verify",
                "--token-url",
                &dead,
                "--client-id",
                "c",
                "--cert-id",
                "k",
                "--no-cert-id-check",
            ],
            vec![
                "verify",
                "--json",
                "--token-url",
                &dead,
                "--client-id",
                "c",
                "--cert-id",
                "k",
                "--no-cert-id-check",
            ],
            vec![
                "token",
                "--token-url",
                &dead,
                "--client-id",
                "c",
                "--cert-id",
                "k",
                "--no-cert-id-check",
            ],
            vec![
                "verify",
                "--token-url",
                &url,
                "--client-id",
                "c",
                "--cert-id",
                "k",
                "--no-cert-id-check",
                "--ca-cert",
                "private.pem",
            ],
            vec![
                "verify",
                "--token-url",
                &url,
                "--client-id",
                "c",
                "--cert-id",
                "k",
                "--no-cert-id-check",
                "--cert",
                "private.pem",
            ],
            vec![
                "verify",
                "--account",
                "bad account!",
                "--client-id",
                "c",
                "--cert-id",
                "k",
                "--no-cert-id-check",
            ],
        ] {
            let out = d.nskeys().args(&extra).output().unwrap();
            assert_eq!(out.status.code(), Some(3), "{extra:?}");
            outputs.push((format!("{extra:?}"), out, false));
        }
        // The key through the environment, and inspect in both modes.
        let out = d
            .nskeys()
            .env("NS_PRIVATE_KEY", "private.pem")
            .args(["verify", "--dry-run"])
            .args(ids(&m.kid))
            .output()
            .unwrap();
        outputs.push(("NS_PRIVATE_KEY dry-run".into(), out, false));
        for args in [
            vec!["inspect", "private.pem"],
            vec!["inspect", "private.pem", "--json"],
            vec!["inspect", "public.pem", "--key", "private.pem"],
            vec!["inspect", "public.pem", "--key", "private.pem", "--json"],
            vec!["expiry", "private.pem"],
        ] {
            let out = d.nskeys().args(&args).output().unwrap();
            outputs.push((format!("{args:?}"), out, false));
        }

        let tokens = server.tokens();
        let sent = assertions(&server);
        assert!(
            tokens.len() >= 4 && sent.len() >= 8,
            "the exchanges happened"
        );
        for (what, out, token_ok) in &outputs {
            secret_key.absent(out, what);
            for a in &sent {
                Secret::text("signed assertion", a).absent(out, what);
                // The signature alone, too.
                let sig = a.rsplit('.').next().unwrap();
                Secret::text("assertion signature", sig).absent(out, what);
            }
            let stdout = String::from_utf8_lossy(&out.stdout);
            for t in &tokens {
                let err = String::from_utf8_lossy(&out.stderr);
                assert!(!err.contains(t.as_str()), "{what}: token on stderr");
                if !token_ok {
                    assert!(!stdout.contains(t.as_str()), "{what}: token on stdout");
                }
            }
            runs += 1;
        }
        // The asked-for token is really printed: the test can see a token when it is there.
        let printed = outputs
            .iter()
            .filter(|(w, _, ok)| *ok && !w.contains("wrong"))
            .all(|(_, o, _)| {
                tokens
                    .iter()
                    .any(|t| String::from_utf8_lossy(&o.stdout).contains(t.as_str()))
            });
        assert!(printed, "--print-token and nskeys token print the token");
    }
    eprintln!("secrets: {runs} runs searched for key, assertion and token leaks");
}

#[test]
fn gen_never_prints_the_key_it_made() {
    for args in [
        vec!["gen"],
        vec!["gen", "--json"],
        vec!["gen", "--alg", "es512", "--json"],
    ] {
        let d = Dir::new();
        let out = d.nskeys().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        Secret::key(&d.join("private.pem")).absent(&out, &format!("{args:?}"));
        // A second run is refused: that error must not show the existing key either.
        let again = d.nskeys().args(&args).output().unwrap();
        assert_eq!(again.status.code(), Some(3));
        Secret::key(&d.join("private.pem")).absent(&again, "refused gen");
    }
}

#[test]
fn the_leak_detector_finds_a_leak() {
    // The search above must be able to fail: a printed key is caught.
    let d = Dir::new();
    d.fixture("oracle/es256-private.pem", "private.pem");
    let secret = Secret::key(&d.join("private.pem"));
    let out = d.command("cat").arg("private.pem").output().unwrap();
    let caught = std::panic::catch_unwind(|| secret.absent(&out, "cat"));
    assert!(caught.is_err());
}

#[test]
fn debug_output_of_keys_and_pem_blocks_is_redacted() {
    let pem = std::fs::read(fixture_path("oracle/es256-private.pem")).unwrap();
    let secret = Secret::key(&fixture_path("oracle/es256-private.pem"));
    let loaded = nskeys::store::read::private_key_in(&pem, "k").unwrap();
    let blocks = nskeys::pki::pem::pem_blocks(&pem).unwrap();
    let der_hex: String = blocks[0].der.iter().map(|b| format!("{b:02x}")).collect();
    for debug in [
        format!("{loaded:?}"),
        format!("{blocks:?}"),
        format!("{:#?}", blocks[0]),
    ] {
        for p in &secret.pieces {
            assert!(!debug.contains(p.as_str()), "{debug}");
        }
        // Debug of a Vec<u8> prints decimal bytes: check the first bytes of the DER that way.
        let decimal = format!("{:?}", &blocks[0].der[..8]);
        assert!(!debug.contains(&decimal[1..decimal.len() - 1]), "{debug}");
        assert!(!debug.contains(&der_hex[..32]));
    }
}
