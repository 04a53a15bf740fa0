//! `nskeys token`'s cache and formats, and `nskeys exec`, counted at the stand-in token
//! endpoint (tests/stand_in.rs). XDG_CACHE_HOME is inside each test's directory (harness).
use crate::harness::*;
use crate::stand_in::*;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// A key pair from `nskeys gen` in `d` and a stand-in that knows its certificate.
fn setup() -> (Dir, Server, Mapping) {
    let d = Dir::new();
    d.nskeys().arg("gen").assert().success();
    let m = Mapping::new(d.join("public.pem"));
    let server = start(Behaviour::NetSuite(m.clone()));
    (d, server, m)
}

fn ids(server: &Server, m: &Mapping) -> Vec<String> {
    vec![
        "--token-url".into(),
        server.token_url(),
        "--client-id".into(),
        m.client_id.clone(),
        "--cert-id".into(),
        m.kid.clone(),
    ]
}

fn token(d: &Dir, server: &Server, m: &Mapping, extra: &[&str]) -> std::process::Output {
    d.nskeys()
        .arg("token")
        .args(ids(server, m))
        .args(extra)
        .output()
        .unwrap()
}

fn out(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

fn err(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

fn token_requests(server: &Server) -> usize {
    server
        .requests()
        .iter()
        .filter(|r| r.path == TOKEN_PATH)
        .count()
}

fn cache_dir(d: &Dir) -> PathBuf {
    d.home().join(".cache").join("nskeys")
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

fn cached_files(d: &Dir) -> Vec<PathBuf> {
    std::fs::read_dir(cache_dir(d))
        .map(|r| {
            r.flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "json"))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_repeated_call_reuses_the_cached_token() {
    let (d, server, m) = setup();
    let first = token(&d, &server, &m, &[]);
    assert_eq!(first.status.code(), Some(0), "{}", err(&first));
    let second = token(&d, &server, &m, &[]);
    assert_eq!(second.status.code(), Some(0), "{}", err(&second));
    assert_eq!(out(&first), out(&second));
    assert_eq!(out(&first).trim(), server.tokens()[0]);
    assert_eq!(token_requests(&server), 1);
    // 0700 directory, 0600 files, even under umask 000 (the harness's).
    assert_eq!(mode(&cache_dir(&d)), 0o700);
    let files = cached_files(&d);
    assert_eq!(files.len(), 1);
    for f in std::fs::read_dir(cache_dir(&d)).unwrap().flatten() {
        assert_eq!(mode(&f.path()), 0o600, "{}", f.path().display());
    }
    // The file holds no key material.
    let text = std::fs::read_to_string(&files[0]).unwrap();
    assert!(!text.contains("PRIVATE"), "{text}");
}

#[test]
fn twenty_parallel_cold_callers_share_one_exchange() {
    let (d, server, m) = setup();
    let children: Vec<_> = (0..20)
        .map(|_| {
            d.command(nskeys_bin())
                .arg("token")
                .args(ids(&server, &m))
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outputs: Vec<_> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    for o in &outputs {
        assert_eq!(o.status.code(), Some(0), "{}", err(o));
        assert_eq!(out(o).trim(), server.tokens()[0]);
    }
    assert_eq!(token_requests(&server), 1);
}

#[test]
fn no_cache_and_ns_token_cache_off_always_exchange() {
    let (d, server, m) = setup();
    for _ in 0..2 {
        let o = token(&d, &server, &m, &["--no-cache"]);
        assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    }
    assert_eq!(token_requests(&server), 2);
    for _ in 0..2 {
        let o = d
            .nskeys()
            .env("NS_TOKEN_CACHE", "off")
            .arg("token")
            .args(ids(&server, &m))
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    }
    assert_eq!(token_requests(&server), 4);
    assert!(cached_files(&d).is_empty());
    let bad = d
        .nskeys()
        .env("NS_TOKEN_CACHE", "maybe")
        .arg("token")
        .args(ids(&server, &m))
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(3));
    assert!(err(&bad).contains("NS_TOKEN_CACHE"), "{}", err(&bad));
}

#[test]
fn min_valid_decides_when_a_cached_token_is_too_old() {
    let (d, server, m) = setup();
    token(&d, &server, &m, &[]);
    // The stand-in's tokens live 3600 s: none has more than 3600 s left.
    let o = token(&d, &server, &m, &["--min-valid", "3600"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert_eq!(token_requests(&server), 2);
    let o = d
        .nskeys()
        .env("NS_MIN_VALID", "3600")
        .arg("token")
        .args(ids(&server, &m))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(token_requests(&server), 3);
    token(&d, &server, &m, &["--min-valid", "60"]);
    assert_eq!(token_requests(&server), 3);
}

#[test]
fn a_refusal_is_not_cached() {
    let (d, server, m) = setup();
    for _ in 0..2 {
        let o = token(&d, &server, &m, &["--scope", "suite_analytics"]);
        assert_eq!(o.status.code(), Some(2), "{}", err(&o));
        assert!(out(&o).is_empty());
    }
    assert_eq!(token_requests(&server), 2);
    assert!(cached_files(&d).is_empty());
}

#[test]
fn a_rotated_key_or_other_options_never_get_the_old_token() {
    let (d, server, m) = setup();
    assert_eq!(token(&d, &server, &m, &[]).status.code(), Some(0));
    // Other scopes: another entry.
    let o = token(&d, &server, &m, &["--scope", "restlets"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert_eq!(token_requests(&server), 2);
    // A new key under the same name: not the cached token (NetSuite refuses this one).
    d.nskeys()
        .args(["gen", "--force", "--cert-out", "new-public.pem"])
        .assert()
        .success();
    let o = token(&d, &server, &m, &["--cert", "new-public.pem"]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(out(&o).is_empty());
    // Refused before anything is sent: the new certificate's ID is not the one given.
    assert!(
        err(&o).contains("is not the ID of the certificate"),
        "{}",
        err(&o)
    );
    assert_eq!(token_requests(&server), 2);
}

#[test]
fn cache_clear_empties_the_cache() {
    let (d, server, m) = setup();
    token(&d, &server, &m, &[]);
    assert_eq!(cached_files(&d).len(), 1);
    let o = d.nskeys().args(["cache", "clear"]).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(out(&o).contains("Removed 1 cached token"), "{}", out(&o));
    assert!(cached_files(&d).is_empty());
    token(&d, &server, &m, &[]);
    assert_eq!(token_requests(&server), 2);
}

#[test]
fn verify_never_uses_the_cache() {
    let (d, server, m) = setup();
    token(&d, &server, &m, &[]);
    let o = d
        .nskeys()
        .arg("verify")
        .args(ids(&server, &m))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert_eq!(token_requests(&server), 2);
}

#[test]
fn formats_bare_header_json() {
    let (d, server, m) = setup();
    let json = |o: &std::process::Output| -> serde_json::Value {
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", out(o)))
    };
    let first = token(&d, &server, &m, &["--format", "json"]);
    assert_eq!(first.status.code(), Some(0), "{}", err(&first));
    let v = json(&first);
    let tok = server.tokens()[0].clone();
    assert_eq!(v["access_token"], tok.as_str());
    assert_eq!(v["token_type"], "bearer");
    assert_eq!(v["expires_in"], 3600);
    assert_eq!(v["cached"], false);
    // The stand-in's answer names no scope: none is claimed.
    assert!(v.get("scopes").is_none(), "{v}");
    let at = v["expires_at"].as_str().unwrap();
    assert!(at.ends_with('Z') && at.contains('T'), "{at}");
    let second = json(&token(&d, &server, &m, &["--format", "json"]));
    assert_eq!(second["cached"], true);
    assert_eq!(second["expires_at"], v["expires_at"]);
    assert!(second["expires_in"].as_u64().unwrap() <= 3600);
    let header = token(&d, &server, &m, &["--format", "header"]);
    assert_eq!(out(&header), format!("Authorization: Bearer {tok}\n"));
    let bare = token(&d, &server, &m, &["--format", "bare"]);
    assert_eq!(out(&bare), format!("{tok}\n"));
    assert_eq!(token_requests(&server), 1);
}

#[test]
fn token_has_no_dry_run() {
    let d = Dir::new();
    let help = d.nskeys().args(["token", "--help"]).output().unwrap();
    let text = out(&help);
    assert!(!text.contains("--dry-run"), "{text}");
    assert!(!text.contains("--print-token"), "{text}");
    assert!(
        text.contains("--no-cache") && text.contains("--format"),
        "{text}"
    );
    let o = d.nskeys().args(["token", "--dry-run"]).output().unwrap();
    assert_eq!(o.status.code(), Some(3));
}

#[test]
fn exec_runs_the_command_with_the_token_and_exits_with_its_status() {
    let (d, server, m) = setup();
    let o = d
        .nskeys()
        .arg("exec")
        .args(ids(&server, &m))
        .args([
            "--",
            "sh",
            "-c",
            "printf '%s|%s|%s' \"$NS_ACCESS_TOKEN\" \"${NS_ACCOUNT_ID-unset}\" \"${NS_REST_URL-unset}\"; exit 7",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(7), "{}", err(&o));
    let rest = format!("{}/services/rest", server.base);
    assert_eq!(
        out(&o),
        format!("{}|unset|{rest}", server.tokens()[0]),
        "{}",
        err(&o)
    );
    // The token came from the cache the second time; the command's status is passed on.
    let o = d
        .nskeys()
        .arg("exec")
        .args(ids(&server, &m))
        .args([
            "--account",
            "1234567_SB1",
            "--",
            "sh",
            "-c",
            "echo $NS_ACCOUNT_ID",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert_eq!(out(&o), "1234567_SB1\n");
    assert_eq!(token_requests(&server), 1);
    // A signal: 128 + its number.
    let o = d
        .nskeys()
        .arg("exec")
        .args(ids(&server, &m))
        .args(["--", "sh", "-c", "kill -TERM $$"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(128 + 15));
    // Not found: 127, one line.
    let o = d
        .nskeys()
        .arg("exec")
        .args(ids(&server, &m))
        .args(["--", "no-such-command-nskeys"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(127));
    assert_one_line_error(&o.stderr);
}

#[test]
fn exec_without_a_token_does_not_run_the_command() {
    let (d, server, m) = setup();
    let marker = d.join("ran");
    let script = format!("touch {}", marker.display());
    let o = d
        .nskeys()
        .arg("exec")
        .args(["--token-url", &server.token_url(), "--cert-id", &m.kid])
        .args(["--client-id", "someone-else", "--", "sh", "-c", &script])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(!marker.exists());
    // No account at all: exit 3, nothing run.
    let o = d
        .nskeys()
        .args(["exec", "--", "sh", "-c", &script])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(3), "{}", err(&o));
    assert!(!marker.exists());
    // No command: a usage error.
    let o = d
        .nskeys()
        .args(["exec"])
        .args(ids(&server, &m))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(3));
    assert_eq!(token_requests(&server), 1);
}

#[test]
fn an_unusable_cache_directory_still_gives_a_token() {
    let (d, server, m) = setup();
    let not_a_dir = d.join("cache-file");
    std::fs::write(&not_a_dir, "").unwrap();
    let o = d
        .nskeys()
        .env("XDG_CACHE_HOME", &not_a_dir)
        .arg("token")
        .args(ids(&server, &m))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert_eq!(out(&o).trim(), server.tokens()[0]);
    assert!(
        err(&o).contains("warning") && err(&o).contains("--no-cache"),
        "{}",
        err(&o)
    );
}

/// A token for an encrypted key is never served from the cache: it must not be had without
/// the passphrase (a wrong one stays exit 3 however often the right one was given before).
#[test]
fn an_encrypted_keys_token_is_never_cached() {
    let (d, server, m) = setup();
    let enc = d
        .command("openssl")
        .args([
            "pkcs8",
            "-topk8",
            "-v2",
            "aes-256-cbc",
            "-in",
            "private.pem",
        ])
        .args(["-out", "encrypted.pem", "-passout", "pass:correct horse"])
        .output()
        .unwrap();
    assert!(enc.status.success(), "{}", err(&enc));
    std::fs::rename(d.join("encrypted.pem"), d.join("private.pem")).unwrap();
    for _ in 0..2 {
        let o = d
            .nskeys()
            .arg("token")
            .args(ids(&server, &m))
            .env("NS_KEY_PASSPHRASE", "correct horse")
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    }
    assert_eq!(token_requests(&server), 2);
    assert!(cached_files(&d).is_empty(), "{:?}", cached_files(&d));
    let o = d
        .nskeys()
        .arg("token")
        .args(ids(&server, &m))
        .env("NS_KEY_PASSPHRASE", "wrong")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(3), "{}", err(&o));
    assert!(out(&o).is_empty());
}
