//! `nskeys verify` when things go wrong: pre-flight refusals that send nothing, and servers
//! that misbehave (nothing listening, silence, nonsense, a flood, a redirect, TLS).
use crate::harness::*;
use crate::stand_in::*;
use std::time::{Duration, Instant};

/// A directory with an openssl-made ES256 pair as private.pem / public.pem.
fn es256_dir() -> Dir {
    let d = Dir::new();
    d.fixture("oracle/es256-private.pem", "private.pem");
    d.fixture("oracle/es256-public.pem", "public.pem");
    d
}

fn verify_at(d: &Dir, url: &str) -> assert_cmd::Command {
    // The stand-in's mapping has the certificate's real ID (its SHA-256).
    let kid = if d.join("public.pem").is_file() {
        certificate_id(&d.join("public.pem"))
    } else {
        "cert-kid-1".into()
    };
    let mut cmd = d.nskeys();
    cmd.args([
        "verify",
        "--token-url",
        url,
        "--client-id",
        "client-123",
        "--cert-id",
        &kid,
    ]);
    cmd
}

/// Run and expect `code` with one error line; returns the line.
fn fails(cmd: &mut assert_cmd::Command, code: i32) -> String {
    let out = cmd.output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_one_line_error(&out.stderr)
}

#[test]
fn nothing_listening_is_exit_3() {
    let d = es256_dir();
    let url = format!("http://127.0.0.1:{}{TOKEN_PATH}", dead_port());
    let err = fails(&mut verify_at(&d, &url), 3);
    assert!(
        err.contains("cannot connect") && err.contains(&url),
        "{err}"
    );
}

#[test]
fn a_server_that_never_answers_is_cut_off_by_the_timeout() {
    let d = es256_dir();
    let server = start(Behaviour::Silent);
    let started = Instant::now();
    let err = fails(
        verify_at(&d, &server.token_url()).args(["--timeout", "2"]),
        3,
    );
    let elapsed = started.elapsed();
    eprintln!("--timeout 2 against a silent server ended after {elapsed:?}");
    assert!(err.contains("timed out after 2 s"), "{err}");
    // A bound on a hang, not a performance assertion.
    assert!(elapsed < Duration::from_secs(8), "took {elapsed:?}");
    assert!(elapsed >= Duration::from_millis(1900), "took {elapsed:?}");
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn the_timeout_also_bounds_a_body_that_trickles_in() {
    let d = es256_dir();
    let server = start(Behaviour::Drip);
    let started = Instant::now();
    let err = fails(
        verify_at(&d, &server.token_url()).args(["--timeout", "2"]),
        3,
    );
    let elapsed = started.elapsed();
    eprintln!("--timeout 2 against a trickling body ended after {elapsed:?}");
    assert!(err.contains("timed out after 2 s"), "{err}");
    assert!(elapsed < Duration::from_secs(8), "took {elapsed:?}");
}

#[test]
fn a_200_without_a_token_is_a_nonsensical_answer() {
    let d = es256_dir();
    for body in [r#"{"token_type":"bearer"}"#, "<html>hello</html>", ""] {
        let server = start(Behaviour::Fixed(200, body.into()));
        let err = fails(&mut verify_at(&d, &server.token_url()), 3);
        assert!(err.contains("nonsensical answer"), "{err}");
    }
}

#[test]
fn server_trouble_and_wrong_urls_are_exit_3_not_refusals() {
    let d = es256_dir();
    for (status, needle) in [
        (503, "server trouble"),
        (404, "not NetSuite's token endpoint"),
    ] {
        let server = start(Behaviour::Fixed(status, "busy".into()));
        let err = fails(&mut verify_at(&d, &server.token_url()), 3);
        assert!(err.contains(needle), "{err}");
    }
}

#[test]
fn a_200_megabyte_answer_is_not_read_in_full() {
    let d = es256_dir();
    let server = start(Behaviour::Huge(200 * 1024 * 1024));
    let started = Instant::now();
    let out = d
        .command("/usr/bin/time")
        .arg("-f")
        .arg("maxrss_kb=%M")
        .arg(nskeys_bin())
        .args([
            "verify",
            "--token-url",
            &server.token_url(),
            "--client-id",
            "c",
            "--cert-id",
            "k",
            "--no-cert-id-check",
        ])
        .output();
    let elapsed = started.elapsed();
    let out = match out {
        Ok(o) if o.status.code() != Some(127) => o,
        // No GNU time here: run plainly, memory is then bounded only by the bytes sent.
        _ => verify_at(&d, &server.token_url()).output().unwrap(),
    };
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("more than 1 MiB"), "{err}");
    assert!(elapsed < Duration::from_secs(20), "took {elapsed:?}");
    // The client hung up after its cap: far less than 200 MB left the server
    // (what was sent fits in the cap plus the kernel's socket buffers).
    std::thread::sleep(Duration::from_millis(200));
    let sent = server.sent.load(std::sync::atomic::Ordering::Relaxed);
    eprintln!(
        "200 MB answer: refused after {elapsed:?}, server sent {sent} bytes, {}",
        err.lines().last().unwrap_or("")
    );
    assert!(sent < 64 * 1024 * 1024, "server sent {sent} bytes");
    if let Some(rss) = err
        .lines()
        .find_map(|l| l.strip_prefix("maxrss_kb="))
        .and_then(|v| v.trim().parse::<u64>().ok())
    {
        assert!(rss < 100 * 1024, "max RSS {rss} KiB");
    }
}

#[test]
fn a_redirect_is_not_followed_and_the_assertion_not_forwarded() {
    let d = es256_dir();
    let elsewhere = start(Behaviour::NetSuite(Mapping::new(d.join("public.pem"))));
    let server = start(Behaviour::Redirect(elsewhere.token_url()));
    let err = fails(&mut verify_at(&d, &server.token_url()), 3);
    assert!(
        err.contains("redirect") && err.contains(&elsewhere.token_url()),
        "{err}"
    );
    assert_eq!(server.requests().len(), 1);
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        elsewhere.requests().is_empty(),
        "the assertion was forwarded"
    );
}

#[test]
fn https_with_a_private_ca_needs_ca_cert() {
    let d = es256_dir();
    let mapping = Mapping::new(d.join("public.pem"));
    let tls = tls_config(&fixture_path(""));
    let server = start_with(Behaviour::NetSuite(mapping), Some(tls));
    assert!(server.token_url().starts_with("https://127.0.0.1:"));
    // Without the CA: a TLS error, exit 3, no token.
    let err = fails(&mut verify_at(&d, &server.token_url()), 3);
    assert!(err.contains("TLS") && err.contains("--ca-cert"), "{err}");
    assert!(server.tokens().is_empty());
    // With it: the exchange works.
    verify_at(&d, &server.token_url())
        .arg("--ca-cert")
        .arg(fixture_path("tls/ca.pem"))
        .assert()
        .success();
    assert_eq!(server.tokens().len(), 1);
    // The same over "localhost", which the server certificate also names.
    let url = server.token_url().replace("127.0.0.1", "localhost");
    let out = verify_at(&d, &url)
        .arg("--ca-cert")
        .arg(fixture_path("tls/ca.pem"))
        .output()
        .unwrap();
    // aud is the localhost URL, which this stand-in does not expect: a refusal, not a TLS error.
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_certificate_that_does_not_match_the_key_stops_before_the_network() {
    let d = Dir::new();
    d.fixture("oracle/es256-private.pem", "private.pem");
    d.fixture("oracle/es384-public.pem", "public.pem");
    let server = start(Behaviour::NetSuite(Mapping::new(d.join("public.pem"))));
    let err = fails(&mut verify_at(&d, &server.token_url()), 2);
    assert!(err.contains("does not match"), "{err}");
    // Same key type, other key.
    d.fixture("keys/p256-ecparam.pem", "private.pem");
    d.fixture("oracle/es256-public.pem", "public.pem");
    fails(&mut verify_at(&d, &server.token_url()), 2);
    assert!(server.requests().is_empty(), "something was sent");
}

#[test]
fn keys_netsuite_refuses_and_keys_that_cannot_be_read() {
    let d = Dir::new();
    let server = start(Behaviour::NetSuite(Mapping::new(fixture_path(
        "keys/rsa2048-public.pem",
    ))));
    let url = server.token_url();
    let key = |k: &str| fixture_path(k).to_string_lossy().to_string();
    let err = fails(
        verify_at(&d, &url).args(["--key", &key("keys/rsa2048-private.pem")]),
        2,
    );
    assert!(err.contains("3072 or 4096"), "{err}");
    for k in [
        "keys/p256-encrypted-pkcs8.pem",
        "keys/rsa4096-encrypted-legacy.pem",
        "keys/rsa4096-encrypted-pkcs8.der",
    ] {
        let err = fails(verify_at(&d, &url).args(["--key", &key(k)]), 3);
        assert!(err.contains("encrypted"), "{k}: {err}");
    }
    let err = fails(verify_at(&d, &url).args(["--key", "missing.pem"]), 3);
    assert!(err.contains("missing.pem"), "{err}");
    let err = fails(
        verify_at(&d, &url).args(["--key", &key("keys/ed25519-private.pem")]),
        3,
    );
    assert!(err.contains("EdDSA"), "{err}");
    // A bare public key where the certificate should be: NetSuite needs a certificate.
    let err = fails(
        verify_at(&d, &url).args([
            "--key",
            &key("oracle/ps256-private.pem"),
            "--cert",
            &key("keys/rsa4096-bare-public.pem"),
        ]),
        2,
    );
    assert!(err.contains("bare public key"), "{err}");
    assert!(server.requests().is_empty());
}

#[test]
fn bad_options_are_caught_before_the_network() {
    let d = es256_dir();
    let server = start(Behaviour::NetSuite(Mapping::new(d.join("public.pem"))));
    let url = server.token_url();
    let cases: Vec<(Vec<&str>, i32, &str)> = vec![
        (vec!["--scope", "mcp,restlets"], 2, "mcp"),
        (vec!["--scope", "rest_webservice"], 2, "rest_webservice"),
        (vec!["--scope", "mcp"], 2, "client credentials"),
        (vec!["--assertion-ttl", "3601"], 3, "3600"),
        (vec!["--assertion-ttl", "0"], 3, "3600"),
        (vec!["--alg", "es384"], 3, "--alg es256"),
        (vec!["--alg", "rs256"], 3, "RS*"),
        (vec!["--cert", "nope.pem"], 3, "nope.pem"),
    ];
    for (args, code, needle) in cases {
        let err = fails(verify_at(&d, &url).args(&args), code);
        assert!(err.contains(needle), "{args:?}: {err}");
    }
    let err = fails(
        d.nskeys().args([
            "verify",
            "--client-id",
            "c",
            "--cert-id",
            "k",
            "--no-cert-id-check",
        ]),
        3,
    );
    assert!(
        err.contains("--account") && err.contains("NS_TOKEN_URL"),
        "{err}"
    );
    let err = fails(
        d.nskeys().args([
            "verify",
            "--token-url",
            &url,
            "--cert-id",
            "k",
            "--no-cert-id-check",
        ]),
        3,
    );
    assert!(
        err.contains("--client-id") && err.contains("NS_CLIENT_ID"),
        "{err}"
    );
    // No --cert-id and no certificate to compute it from.
    let bare = Dir::new();
    bare.fixture("oracle/es256-private.pem", "private.pem");
    let err = fails(
        bare.nskeys()
            .args(["verify", "--token-url", &url, "--client-id", "c"]),
        3,
    );
    assert!(
        err.contains("--cert-id") && err.contains("NS_CERT_ID") && err.contains("--cert"),
        "{err}"
    );
    let err = fails(
        d.nskeys().args([
            "verify",
            "--account",
            "12/evil.com#",
            "--client-id",
            "c",
            "--cert-id",
            "k",
            "--no-cert-id-check",
        ]),
        3,
    );
    assert!(err.contains("invalid account ID"), "{err}");
    let err = fails(
        d.nskeys().args([
            "verify",
            "--token-url",
            "http://192.0.2.1/token",
            "--client-id",
            "c",
            "--cert-id",
            "k",
            "--no-cert-id-check",
        ]),
        3,
    );
    assert!(err.contains("loopback"), "{err}");
    assert!(server.requests().is_empty());
}

#[test]
fn errors_with_json_give_a_json_object_and_the_error_line() {
    let d = es256_dir();
    let url = format!("http://127.0.0.1:{}{TOKEN_PATH}", dead_port());
    let out = verify_at(&d, &url).arg("--json").output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert_one_line_error(&out.stderr);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["outcome"], "error");
    assert_eq!(v["status"], "UNKNOWN");
    assert!(v["error"].as_str().unwrap().contains("cannot connect"));
}

/// Plain http (loopback only) never goes through a proxy, whatever the environment says: the
/// assertion, and a bearer token for the certificates API, would reach it in clear text.
#[test]
fn plain_http_never_uses_a_proxy() {
    let d = es256_dir();
    // The "proxy" answers every request with a token; the target itself is not listening.
    let proxy = start(Behaviour::Fixed(
        200,
        r#"{"access_token":"via-proxy","expires_in":3600,"token_type":"bearer"}"#.into(),
    ));
    let target = format!("http://127.0.0.1:{}{TOKEN_PATH}", dead_port());
    for var in [
        "HTTP_PROXY",
        "http_proxy",
        "ALL_PROXY",
        "all_proxy",
        "HTTPS_PROXY",
    ] {
        let out = d
            .nskeys()
            .args([
                "token",
                "--token-url",
                &target,
                "--client-id",
                "c",
                "--cert-id",
                "k",
                "--no-cert-id-check",
            ])
            .env(var, &proxy.base)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(3), "{var}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("cannot connect"),
            "{var}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.stdout.is_empty(), "{var}");
        assert!(
            proxy.requests().is_empty(),
            "{var}: the proxy saw a request"
        );
    }
}

/// https keeps its proxy: HTTPS_PROXY (or ALL_PROXY) gets a CONNECT, unless NO_PROXY exempts
/// the host.
#[test]
fn https_uses_the_proxy_from_the_environment() {
    let d = es256_dir();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let proxy = format!("http://{}", listener.local_addr().unwrap());
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let record = seen.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            use std::io::BufRead;
            let mut line = String::new();
            let _ = std::io::BufReader::new(&conn).read_line(&mut line);
            record.lock().unwrap().push(line.trim().to_string());
            // Refuse the tunnel: nskeys then fails to connect, which is all this test needs.
            let _ = std::io::Write::write_all(
                &mut &conn,
                b"HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n",
            );
        }
    });
    let port = dead_port();
    let target = format!("https://127.0.0.1:{port}{TOKEN_PATH}");
    let run = |vars: &[(&str, &str)]| {
        let mut c = d.nskeys();
        c.args([
            "token",
            "--token-url",
            &target,
            "--client-id",
            "c",
            "--cert-id",
            "k",
            "--no-cert-id-check",
        ])
        .args(["--timeout", "10"]);
        for (k, v) in vars {
            c.env(k, v);
        }
        let out = c.output().unwrap();
        assert_eq!(out.status.code(), Some(3), "{vars:?}");
    };
    run(&[("HTTPS_PROXY", &proxy)]);
    run(&[("ALL_PROXY", &proxy)]);
    assert_eq!(
        *seen.lock().unwrap(),
        vec![format!("CONNECT 127.0.0.1:{port} HTTP/1.1"); 2]
    );
    run(&[("HTTPS_PROXY", &proxy), ("NO_PROXY", "127.0.0.1")]);
    assert_eq!(seen.lock().unwrap().len(), 2, "NO_PROXY was not honoured");
}

/// A bad https proxy setting is an error naming the variable, without quoting it (a proxy
/// URL may carry a password).
#[test]
fn a_bad_https_proxy_is_named_not_quoted() {
    let d = es256_dir();
    let out = d
        .nskeys()
        .args([
            "token",
            "--token-url",
            "https://127.0.0.1:9/token",
            "--client-id",
            "c",
            "--cert-id",
            "k",
            "--no-cert-id-check",
            "--no-cache",
        ])
        .env("HTTPS_PROXY", "ht!tp://user:s3cretpw@[::bad")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = assert_one_line_error(&out.stderr);
    assert!(err.contains("HTTPS_PROXY"), "{err}");
    assert!(!err.contains("s3cretpw"), "{err}");
}

/// A TCP listener on 127.0.0.1 that hands each connection to `each` on its own thread,
/// keeping the socket open for the life of the test.
fn raw_server(each: fn(std::net::TcpStream)) -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            std::thread::spawn(move || each(conn));
        }
    });
    port
}

#[test]
fn a_tls_handshake_that_stalls_is_cut_off_by_the_timeout() {
    // Accepts, reads the ClientHello, never answers it.
    let port = raw_server(|mut conn| {
        use std::io::Read;
        let mut buf = [0u8; 4096];
        let _ = conn.read(&mut buf);
        std::thread::sleep(Duration::from_secs(60));
        drop(conn);
    });
    let d = es256_dir();
    let url = format!("https://127.0.0.1:{port}{TOKEN_PATH}");
    let started = Instant::now();
    let err = fails(verify_at(&d, &url).args(["--timeout", "2"]), 3);
    let elapsed = started.elapsed();
    eprintln!("--timeout 2 against a stalled TLS handshake ended after {elapsed:?}");
    assert!(
        err.contains("timed out after 2 s") && err.contains(&url),
        "{err}"
    );
    // A bound on a hang, not a performance assertion.
    assert!(elapsed < Duration::from_secs(10), "took {elapsed:?}");
    // nskeys token too: nothing on stdout.
    let out = d
        .nskeys()
        .args([
            "token",
            "--token-url",
            &url,
            "--client-id",
            "c",
            "--cert-id",
            "k",
            "--no-cert-id-check",
        ])
        .args(["--timeout", "2"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(out.stdout.is_empty());
}

#[test]
fn a_tls_peer_that_answers_nonsense_or_hangs_up_is_exit_3_at_once() {
    let garbage = raw_server(|mut conn| {
        use std::io::{Read, Write};
        let mut buf = [0u8; 4096];
        let _ = conn.read(&mut buf);
        let _ = conn.write_all(b"HTTP/1.1 200 OK\r\n\r\nthis is not TLS\r\n");
        std::thread::sleep(Duration::from_secs(30));
    });
    let hang_up = raw_server(drop);
    let d = es256_dir();
    for (port, what) in [
        (garbage, "plain text to a ClientHello"),
        (hang_up, "hang-up"),
    ] {
        let url = format!("https://127.0.0.1:{port}{TOKEN_PATH}");
        let started = Instant::now();
        let err = fails(verify_at(&d, &url).args(["--timeout", "20"]), 3);
        let elapsed = started.elapsed();
        assert!(err.contains(&url), "{what}: {err}");
        assert!(
            !err.contains("timed out"),
            "{what}: failed at once, not by the timeout: {err}"
        );
        assert!(
            elapsed < Duration::from_secs(10),
            "{what}: took {elapsed:?}"
        );
    }
}

#[test]
fn answers_that_are_not_json_are_exit_3_or_a_refusal_with_the_raw_text() {
    let d = es256_dir();
    // A 200 that is not JSON makes no sense; a 400/401 that is not JSON is still NetSuite
    // saying no, shown as it came.
    for (status, body, code) in [
        (200, "\u{0}\u{1}binary\u{7f}", 3),
        (200, "[1,2,3]", 3),
        (200, r#"{"access_token": 42}"#, 3),
        (200, r#"{"access_token": "   "}"#, 3),
        (400, "<html>Bad Request</html>", 2),
        (401, "not json at all", 2),
    ] {
        let server = start(Behaviour::Fixed(status, body.into()));
        let err = fails(&mut verify_at(&d, &server.token_url()), code);
        assert!(
            err.contains(&server.token_url()) || code == 2,
            "{status} {body:?}: {err}"
        );
    }
}

#[test]
fn headers_that_trickle_one_byte_per_second_are_cut_off_by_the_timeout() {
    // Every byte arrives before any read timeout would fire: only the overall deadline stops it.
    let port = raw_server(|mut conn| {
        use std::io::{Read, Write};
        let mut buf = [0u8; 8192];
        let _ = conn.read(&mut buf);
        for b in b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n".repeat(10) {
            if conn.write_all(&[b]).is_err() {
                return;
            }
            std::thread::sleep(Duration::from_secs(1));
        }
    });
    let d = es256_dir();
    let url = format!("http://127.0.0.1:{port}{TOKEN_PATH}");
    let started = Instant::now();
    let err = fails(verify_at(&d, &url).args(["--timeout", "3"]), 3);
    let elapsed = started.elapsed();
    eprintln!("--timeout 3 against headers at one byte per second ended after {elapsed:?}");
    assert!(err.contains("timed out after 3 s"), "{err}");
    assert!(elapsed < Duration::from_secs(10), "took {elapsed:?}");
}
