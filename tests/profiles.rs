//! Named profiles (`--profile`, `NS_PROFILE`, `nskeys profile ...`) and the precedence
//! flag > NS_* variable > profile > default, against the stand-in token endpoint. The
//! configuration file is in each test's own XDG_CONFIG_HOME (harness).
use crate::harness::*;
use crate::stand_in::*;
use std::path::PathBuf;

/// Keys in `keys/` of the test directory, a stand-in that knows them, and commands run from
/// `elsewhere/` (where there is no key).
fn setup() -> (Dir, Server, Mapping, PathBuf) {
    let d = Dir::new();
    d.nskeys()
        .args(["gen", "--out-dir", "keys"])
        .assert()
        .success();
    std::fs::create_dir_all(d.join("elsewhere")).unwrap();
    let m = Mapping::new(d.join("keys/public.pem"));
    let server = start(Behaviour::NetSuite(m.clone()));
    let elsewhere = d.join("elsewhere");
    (d, server, m, elsewhere)
}

fn config(d: &Dir) -> PathBuf {
    d.home().join(".config/nskeys/config.toml")
}

fn write_config(d: &Dir, text: &str) {
    std::fs::create_dir_all(config(d).parent().unwrap()).unwrap();
    std::fs::write(config(d), text).unwrap();
}

fn profile_text(d: &Dir, server: &Server, client_id: &str, kid: &str) -> String {
    format!(
        "# my NetSuite accounts\n[profiles.sb1]\ntoken_url = \"{}\"\nclient_id = \"{client_id}\"  # from the integration record\ncert_id = \"{kid}\"\ndir = \"{}\"\n",
        server.token_url(),
        d.join("keys").display()
    )
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).to_string()
}

fn run(d: &Dir, cwd: &PathBuf, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut c = d.nskeys();
    c.current_dir(cwd).args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

#[test]
fn a_profile_works_from_another_directory() {
    let (d, server, m, elsewhere) = setup();
    write_config(&d, &profile_text(&d, &server, &m.client_id, &m.kid));
    let o = run(
        &d,
        &elsewhere,
        &["token", "--profile", "sb1", "--no-cache"],
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(text(&o.stdout).trim(), server.tokens()[0]);
    let o = run(&d, &elsewhere, &["verify"], &[("NS_PROFILE", "sb1")]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    // The certificate checked is the profile's, not one in the working directory.
    assert!(
        text(&o.stdout).contains("keys/public.pem"),
        "{}",
        text(&o.stdout)
    );
}

#[test]
fn flag_beats_variable_beats_profile_beats_default() {
    let (d, server, m, elsewhere) = setup();
    // The profile's client ID is wrong.
    write_config(&d, &profile_text(&d, &server, "wrong-client", &m.kid));
    let base = ["token", "--no-cache", "--profile", "sb1"];
    let o = run(&d, &elsewhere, &base, &[]);
    assert_eq!(o.status.code(), Some(2), "the profile's value is used");
    let mut with_flag = base.to_vec();
    with_flag.extend(["--client-id", &m.client_id]);
    let o = run(&d, &elsewhere, &with_flag, &[]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "flag over profile: {}",
        text(&o.stderr)
    );
    let o = run(&d, &elsewhere, &base, &[("NS_CLIENT_ID", &m.client_id)]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "variable over profile: {}",
        text(&o.stderr)
    );
    let o = run(
        &d,
        &elsewhere,
        &with_flag,
        &[("NS_CLIENT_ID", "wrong-client")],
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "flag over variable: {}",
        text(&o.stderr)
    );
    // The profile's scope over the default: the stand-in refuses suite_analytics.
    let mut t = profile_text(&d, &server, &m.client_id, &m.kid);
    t.push_str("scopes = \"suite_analytics\"\n");
    write_config(&d, &t);
    let o = run(&d, &elsewhere, &base, &[]);
    assert_eq!(o.status.code(), Some(2), "profile over default");
    let o = run(&d, &elsewhere, &base, &[("NS_SCOPES", "restlets")]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
}

#[test]
fn profile_add_list_show_remove_keep_comments() {
    let (d, server, m, elsewhere) = setup();
    write_config(&d, "# keep me\n");
    let keys = d.join("keys");
    let o = run(
        &d,
        &d.path().to_path_buf(),
        &[
            "profile",
            "add",
            "sb1",
            "--token-url",
            &server.token_url(),
            "--client-id",
            &m.client_id,
            "--cert-id",
            &m.kid,
            "--dir",
            "keys",
        ],
        &[("NS_ACCOUNT_ID", "from-env-not-saved")],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let file = std::fs::read_to_string(config(&d)).unwrap();
    assert!(file.starts_with("# keep me\n"), "{file}");
    assert!(
        file.contains(&keys.display().to_string()),
        "saved absolute: {file}"
    );
    assert!(!file.contains("from-env-not-saved"), "{file}");
    // Add again: refused without --force.
    let o = run(
        &d,
        &elsewhere,
        &["profile", "add", "sb1", "--account", "1"],
        &[],
    );
    assert_eq!(o.status.code(), Some(3));
    let o = run(&d, &elsewhere, &["profile", "list"], &[]);
    assert_eq!(o.status.code(), Some(0));
    assert!(text(&o.stdout).starts_with("sb1"), "{}", text(&o.stdout));
    let o = run(&d, &elsewhere, &["token", "--profile", "sb1"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    // show: no key material, even for a key given inline.
    let pem = std::fs::read_to_string(keys.join("private.pem")).unwrap();
    let mut f = std::fs::read_to_string(config(&d)).unwrap();
    f.push_str(&format!(
        "[profiles.inline]\nkey = '''\n{pem}'''\naccount = \"1234567\"\n"
    ));
    std::fs::write(config(&d), f).unwrap();
    let o = run(&d, &elsewhere, &["profile", "show", "inline"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let shown = text(&o.stdout);
    assert!(
        !shown.contains("PRIVATE KEY") && shown.contains("not shown"),
        "{shown}"
    );
    let body_line = pem.lines().nth(1).unwrap();
    assert!(!shown.contains(body_line));
    let o = run(&d, &elsewhere, &["profile", "remove", "inline"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let file = std::fs::read_to_string(config(&d)).unwrap();
    assert!(
        file.starts_with("# keep me\n") && !file.contains("inline"),
        "{file}"
    );
    let o = run(&d, &elsewhere, &["profile", "show", "inline"], &[]);
    assert_eq!(o.status.code(), Some(3));
}

#[test]
fn unknown_profile_and_bad_config_name_the_file_and_line() {
    let (d, server, m, elsewhere) = setup();
    write_config(&d, &profile_text(&d, &server, &m.client_id, &m.kid));
    let o = run(&d, &elsewhere, &["token", "--profile", "nope"], &[]);
    assert_eq!(o.status.code(), Some(3));
    let e = assert_one_line_error(&o.stderr);
    assert!(
        e.contains("nope") && e.contains("config.toml") && e.contains("sb1"),
        "{e}"
    );
    let mut bad = profile_text(&d, &server, &m.client_id, &m.kid);
    bad.push_str("timeout = \"soon\"\n");
    write_config(&d, &bad);
    let o = run(&d, &elsewhere, &["verify", "--profile", "sb1"], &[]);
    assert_eq!(o.status.code(), Some(3));
    let e = assert_one_line_error(&o.stderr);
    assert!(e.contains("config.toml:7"), "{e}");
    write_config(&d, "[profiles.sb1\naccount = 1\n");
    let o = run(&d, &elsewhere, &["token"], &[("NS_PROFILE", "sb1")]);
    assert_eq!(o.status.code(), Some(3));
    let e = assert_one_line_error(&o.stderr);
    assert!(e.contains("config.toml:1"), "{e}");
    // NSKEYS_CONFIG names another file.
    let other = d.join("other.toml");
    std::fs::write(&other, profile_text(&d, &server, &m.client_id, &m.kid)).unwrap();
    let o = run(
        &d,
        &elsewhere,
        &["token", "--profile", "sb1"],
        &[("NSKEYS_CONFIG", other.to_str().unwrap())],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
}

#[test]
fn profile_list_check_one_line_each_worst_status() {
    let (d, server, m, elsewhere) = setup();
    let mut t = profile_text(&d, &server, &m.client_id, &m.kid);
    t.push_str(&format!(
        "[profiles.refused]\ntoken_url = \"{}\"\nclient_id = \"wrong\"\ncert_id = \"{}\"\ndir = \"{}\"\n",
        server.token_url(),
        m.kid,
        d.join("keys").display()
    ));
    t.push_str(&format!(
        "[profiles.gone]\ntoken_url = \"http://127.0.0.1:{}/services/rest/auth/oauth2/v1/token\"\nclient_id = \"c\"\ndir = \"{}\"\ntimeout = 5\n",
        dead_port(),
        d.join("keys").display()
    ));
    write_config(&d, &t);
    let o = run(&d, &elsewhere, &["profile", "list", "--check"], &[]);
    let lines = text(&o.stdout);
    eprintln!("{lines}");
    assert_eq!(o.status.code(), Some(3), "{lines}");
    let lines: Vec<&str> = lines.lines().collect();
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(
        lines[0].starts_with("OK") && lines[0].contains("sb1"),
        "{lines:?}"
    );
    assert!(
        lines[1].starts_with("CRITICAL") && lines[1].contains("refused"),
        "{lines:?}"
    );
    assert!(
        lines[2].starts_with("UNKNOWN") && lines[2].contains("gone"),
        "{lines:?}"
    );
}

#[test]
fn all_missing_options_in_one_message() {
    // No certificate here to compute the Certificate ID from: all three are missing.
    let d = Dir::new();
    // An empty NS_PROFILE is no profile.
    let o = d
        .nskeys()
        .arg("verify")
        .env("NS_PROFILE", "")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(3));
    let e = assert_one_line_error(&o.stderr);
    for want in ["--account", "--client-id", "--cert-id", "NS_CLIENT_ID"] {
        assert!(e.contains(want), "{want}: {e}");
    }
}

#[test]
fn every_option_has_a_variable_in_help_and_readme() {
    let d = Dir::new();
    let readme =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
            .unwrap();
    let table = nskeys::commands::connection::environment_markdown();
    assert!(
        readme.contains(&table),
        "README's environment table differs from the help's; put this in README.md:\n{table}"
    );
    for cmd in ["verify", "token", "exec"] {
        let o = d.nskeys().args([cmd, "--help"]).output().unwrap();
        let help = text(&o.stdout);
        for v in nskeys::commands::connection::VARIABLES {
            assert!(help.contains(v.var), "{cmd} --help lacks {}", v.var);
        }
        for var in ["NS_TIMEOUT", "NS_ASSERTION_TTL", "NS_CA_CERT"] {
            assert!(help.contains(&format!("[env: {var}")), "{cmd}: {var}");
        }
    }
    // The variables are read: a bad NS_TIMEOUT is named.
    let o = d
        .nskeys()
        .env("NS_TIMEOUT", "0")
        .args([
            "verify",
            "--token-url",
            "http://127.0.0.1:9/t",
            "--client-id",
            "c",
            "--cert-id",
            "k",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(3));
}

#[test]
fn dir_option_and_a_profile_that_turns_the_cache_off() {
    let (d, server, m, elsewhere) = setup();
    let keys = d.join("keys");
    let ids = [
        "--token-url",
        &server.token_url(),
        "--client-id",
        &m.client_id,
        "--cert-id",
        &m.kid,
    ];
    // --dir: the key and certificate in it.
    let mut args = vec!["token", "--dir", keys.to_str().unwrap()];
    args.extend(ids);
    let o = run(&d, &elsewhere, &args, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let o = run(
        &d,
        &elsewhere,
        &args[..1].iter().chain(&ids).copied().collect::<Vec<_>>(),
        &[("NS_KEY_DIR", keys.to_str().unwrap())],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let requests = server.tokens().len();
    assert_eq!(requests, 1, "the second call was cached");
    // token_cache = false in the profile: every call exchanges.
    let mut t = profile_text(&d, &server, &m.client_id, &m.kid);
    t.push_str("token_cache = false\n");
    write_config(&d, &t);
    for _ in 0..2 {
        let o = run(&d, &elsewhere, &["token", "--profile", "sb1"], &[]);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    }
    assert_eq!(server.tokens().len(), 3);
}

/// `certs list` takes everything, the certificates API's URL included, from a profile.
#[test]
fn certs_list_from_a_profile() {
    let d = Dir::new();
    d.nskeys()
        .args(["gen", "--out-dir", "keys"])
        .assert()
        .success();
    let api = crate::ns_api::start();
    api.add("OLD1", &d.join("keys/public.pem"));
    write_config(
        &d,
        &format!(
            "[profiles.api]\ntoken_url = \"{}\"\nclient_id = \"{}\"\ncert_id = \"{}\"\napi_url = \"{}\"\ndir = \"keys\"\n",
            api.token_url(),
            crate::ns_api::CLIENT,
            api.id("OLD1"),
            api.api_url()
        ),
    );
    // Relative paths in the file are from the file's directory: keys/ beside config.toml.
    let cfg_dir = config(&d).parent().unwrap().to_path_buf();
    std::fs::rename(d.join("keys"), cfg_dir.join("keys")).unwrap();
    let o = d
        .nskeys()
        .args(["certs", "list", "--profile", "api"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout)
            .lines()
            .any(|l| l.starts_with('*') && l.contains(&api.id("OLD1"))),
        "{}",
        text(&o.stdout)
    );
}

/// Certificate IDs are base64url: one in 64 starts with `-`, and `profile add` takes it as the
/// value (as verify and token do), not as an unknown option.
#[test]
fn profile_add_takes_ids_starting_with_a_dash() {
    let d = Dir::new();
    let o = d
        .nskeys()
        .args(["profile", "add", "dash", "--account", "1234567"])
        .args([
            "--client-id",
            "-c1",
            "--cert-id",
            "-QjavVtnzeAPA_QdffgnTh9yPy6LbSGOYqNeJqtbKgU",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let file = std::fs::read_to_string(config(&d)).unwrap();
    assert!(
        file.contains("-QjavVtnzeAPA_QdffgnTh9yPy6LbSGOYqNeJqtbKgU") && file.contains("-c1"),
        "{file}"
    );
}
