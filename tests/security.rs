//! Fixes from a security review, each with a test that failed before its fix: directories
//! for keys are created 0700 (never opened and narrowed later), plain http never goes through
//! a proxy (tests in verify_faults), a tampered state file cannot make `rotate --upload`
//! upload a private key, key files and state files writable by others are refused, server text
//! loses its terminal control sequences, certificate IDs cannot change a URL path.
use crate::harness::*;

/// Every `mkdir` nskeys makes for `gen --out-dir NEW` asks for mode 0700: a directory made
/// 0777 (under umask 000) and chmod-ed later lets another local user plant a file in it first.
#[test]
fn new_out_dir_is_created_0700_not_chmod_ed_later() {
    let d = Dir::new();
    let trace = d.join("trace.txt");
    let out = d
        .command("strace")
        .args(["-f", "-qq", "-e", "trace=mkdir,mkdirat", "-o"])
        .arg(&trace)
        .arg(nskeys_bin())
        .args(["gen", "--out-dir", "a/keys"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&trace).unwrap();
    let mkdirs: Vec<&str> = text.lines().filter(|l| l.contains("mkdir")).collect();
    assert!(!mkdirs.is_empty(), "{text}");
    for call in mkdirs {
        assert!(
            call.contains("0700"),
            "a directory made with another mode: {call}"
        );
    }
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(d.join("a/keys"))
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o700);
}

fn out(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A pair from `nskeys gen` whose certificate the certificates-API stand-in holds as OLD1.
fn api_setup() -> (Dir, crate::ns_api::Api) {
    let d = Dir::new();
    d.nskeys().args(["gen"]).assert().success();
    let api = crate::ns_api::start();
    api.add("OLD1", &d.join("public.pem"));
    (d, api)
}

fn rotate(d: &Dir, api: &crate::ns_api::Api, extra: &[&str]) -> std::process::Output {
    d.nskeys()
        .args([
            "rotate",
            "--api-url",
            &api.api_url(),
            "--token-url",
            &api.token_url(),
        ])
        .args(["--client-id", crate::ns_api::CLIENT, "--timeout", "10"])
        .args(extra)
        .output()
        .unwrap()
}

const UPLOAD: [&str; 5] = ["--upload", "--entity", "-5", "--role", "3"];

/// A pending entry whose certificate file was swapped (a tampered state file, or a file
/// replaced beside it): nothing is uploaded unless the file is a certificate, of the new key,
/// holding nothing else.
#[test]
fn rotate_upload_sends_only_the_new_keys_certificate() {
    for (case, swap) in [
        ("the private key", "key"),
        ("a certificate followed by the private key", "both"),
        ("another key's certificate", "other"),
    ] {
        let (d, api) = api_setup();
        // Step 1 of a manual rotation leaves a pending pair in the state file.
        let o = rotate(&d, &api, &[]);
        assert_eq!(o.status.code(), Some(0), "{}", out(&o));
        let state: serde_json::Value =
            serde_json::from_slice(&std::fs::read(d.join("nskeys-state.json")).unwrap()).unwrap();
        let pending = state["certificates"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["status"] == "pending")
            .unwrap()
            .clone();
        let key_file = d.join(pending["key_file"].as_str().unwrap());
        let cert_file = d.join(pending["cert_file"].as_str().unwrap());
        let key = std::fs::read(&key_file).unwrap();
        let cert = std::fs::read(&cert_file).unwrap();
        let bytes = match swap {
            "key" => key.clone(),
            "both" => [cert.clone(), key.clone()].concat(),
            _ => std::fs::read(fixture_path("oracle/es256-public.pem")).unwrap(),
        };
        std::fs::write(&cert_file, bytes).unwrap();
        let o = rotate(&d, &api, &UPLOAD);
        assert_eq!(o.status.code(), Some(3), "{case}: {}", out(&o));
        assert!(
            out(&o).contains("refusing to upload"),
            "{case}: {}",
            out(&o)
        );
        let posts: Vec<_> = api
            .requests()
            .into_iter()
            .filter(|(m, p, _)| m == "POST" && p.ends_with("/certificates"))
            .collect();
        assert!(posts.is_empty(), "{case}: uploaded {posts:?}");
        let key_text = String::from_utf8_lossy(&key);
        let body: String = key_text
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect();
        assert!(!out(&o).contains(&body[..24]), "{case}");
    }
}

/// A state file or key directory other users may write is refused, as ssh refuses a key
/// file with open permissions.
#[test]
fn rotate_refuses_a_state_file_or_directory_others_can_write() {
    use std::os::unix::fs::PermissionsExt;
    let (d, api) = api_setup();
    let o = rotate(&d, &api, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let state = d.join("nskeys-state.json");
    std::fs::set_permissions(&state, std::fs::Permissions::from_mode(0o666)).unwrap();
    let before = std::fs::read(&state).unwrap();
    let o = rotate(&d, &api, &UPLOAD);
    assert_eq!(o.status.code(), Some(3), "{}", out(&o));
    let err = assert_one_line_error(&o.stderr);
    assert!(
        err.contains("too open") && err.contains("state file"),
        "{err}"
    );
    assert!(err.contains("chmod go-w"), "{err}");
    assert_eq!(std::fs::read(&state).unwrap(), before);
    assert!(api.requests().is_empty());
    std::fs::set_permissions(&state, std::fs::Permissions::from_mode(0o600)).unwrap();
    // The key directory.
    std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let o = rotate(&d, &api, &UPLOAD);
    std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(o.status.code(), Some(3), "{}", out(&o));
    let err = assert_one_line_error(&o.stderr);
    assert!(err.contains("key directory"), "{err}");
    // Fixed, the same command works.
    let o = rotate(&d, &api, &UPLOAD);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
}

/// Two rotations at once in one key directory: the second is refused while the first holds
/// the lock.
#[test]
fn one_rotation_at_a_time() {
    let (d, api) = api_setup();
    // Hold the lock as a running rotation would.
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(d.join(".nskeys-rotate.lock"))
        .unwrap();
    lock.lock().unwrap();
    let o = rotate(&d, &api, &[]);
    assert_eq!(o.status.code(), Some(3), "{}", out(&o));
    assert!(
        out(&o).contains("another rotation is running"),
        "{}",
        out(&o)
    );
    assert!(!d.join("nskeys-state.json").exists());
    drop(lock);
    let o = rotate(&d, &api, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
}

/// Server text reaches the terminal without the control sequences in it.
#[test]
fn server_text_loses_its_terminal_control_sequences() {
    let d = Dir::new();
    d.fixture("oracle/es256-private.pem", "private.pem");
    d.fixture("oracle/es256-public.pem", "public.pem");
    for body in [
        "{\"error\":\"invalid_client\",\"error_description\":\"\u{1b}]0;pwned\u{7}\u{1b}[2J\u{1b}[31mred\"}",
        "\u{1b}[2Jnot json \u{9b}31m at all",
    ] {
        for status in [400, 500] {
            let server =
                crate::stand_in::start(crate::stand_in::Behaviour::Fixed(status, body.to_string()));
            let o = d
                .nskeys()
                .args(["verify", "--token-url", &server.token_url()])
                .args(["--client-id", "c", "--cert-id", "k", "--no-cert-id-check"])
                .output()
                .unwrap();
            let all = out(&o);
            assert!(
                o.status.code() == Some(2) || o.status.code() == Some(3),
                "{all}"
            );
            assert!(!all.contains('\u{1b}'), "{all:?}");
            assert!(!all.contains('\u{9b}'), "{all:?}");
            assert!(!all.contains('\u{7}'), "{all:?}");
        }
    }
}

/// A 200 answer that is not the JSON expected is described, not shown: it may hold a token.
#[test]
fn a_200_answer_without_access_token_is_described_not_shown() {
    let d = Dir::new();
    d.fixture("oracle/es256-private.pem", "private.pem");
    d.fixture("oracle/es256-public.pem", "public.pem");
    for body in [
        "access_token=SECRETTOKENVALUE123456&expires_in=3600",
        "{\"accessToken\":\"SECRETTOKENVALUE123456\"}",
    ] {
        let server =
            crate::stand_in::start(crate::stand_in::Behaviour::Fixed(200, body.to_string()));
        for json in [false, true] {
            let mut c = d.nskeys();
            c.args(["verify", "--token-url", &server.token_url()])
                .args(["--client-id", "c", "--cert-id", "k", "--no-cert-id-check"]);
            if json {
                c.arg("--json");
            }
            let o = c.output().unwrap();
            assert_eq!(o.status.code(), Some(3), "{}", out(&o));
            assert!(!out(&o).contains("SECRETTOKENVALUE"), "{}", out(&o));
        }
    }
}

/// Certificate IDs go into URL paths only when they are IDs: `..` cannot climb the path.
#[test]
fn certificate_ids_cannot_change_the_url_path() {
    let (d, api) = api_setup();
    for id in ["..", ".", "../../x", "a/b", "a?b=c", "%2e%2e"] {
        let o = rotate(
            &d,
            &api,
            &[
                "--upload",
                "--entity",
                "-5",
                "--role",
                "3",
                "--cert-id",
                id,
                "--no-cert-id-check",
                "--revoke-old",
                "--dry-run",
            ],
        );
        assert_eq!(o.status.code(), Some(3), "{id}: {}", out(&o));
        let paths: Vec<String> = api.requests().into_iter().map(|r| r.1).collect();
        assert!(paths.iter().all(|p| !p.contains("..")), "{paths:?}");
    }
}
