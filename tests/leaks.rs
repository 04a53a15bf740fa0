//! No output ever holds a piece of a key, whatever route the key took (a path, stdin, PEM
//! text, mangled PEM text, base64 of the PEM or DER, garbage, the wrong kind of object, the
//! key given as the certificate) and whatever command read it (verify, token, certs list,
//! rotate, inspect), with and without --json, succeeding, refused by NetSuite, or failing
//! before the network. stdout and stderr are searched for every 24-character piece of the
//! key's PEM text and of the value as given, and for the passphrase of an encrypted key.
use crate::harness::*;
use crate::key_input::forms;
use crate::stand_in::*;
use std::process::Output;

/// Every 24-character piece of `s` (by characters, whitespace and all).
fn pieces(s: &str) -> Vec<String> {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= 24 {
        return vec![s.to_string()];
    }
    (0..=chars.len() - 24)
        .map(|i| chars[i..i + 24].iter().collect())
        .filter(|p: &String| !p.trim().is_empty())
        .collect()
}

struct Secrets(Vec<String>);

impl Secrets {
    fn of(texts: &[&str]) -> Secrets {
        let mut all: Vec<String> = texts.iter().flat_map(|t| pieces(t)).collect();
        // Lines of the PEM body alone (a message could show one line of it).
        for t in texts {
            all.extend(t.lines().filter(|l| l.len() >= 24).map(str::to_string));
        }
        all.sort();
        all.dedup();
        Secrets(all)
    }

    fn absent(&self, out: &Output, what: &str) {
        for (stream, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
            let text = String::from_utf8_lossy(bytes);
            for p in &self.0 {
                assert!(
                    !text.contains(p.as_str()),
                    "{what}: a piece of the key leaked on {stream} ({p:?}):\n{text}"
                );
            }
        }
    }
}

/// A route a key value can take: (name, NS_PRIVATE_KEY or None for a file/stdin, --key
/// argument, stdin).
type Route = (String, Option<String>, Option<String>, Option<String>);

fn routes(pem: &str) -> Vec<Route> {
    let mut r = vec![
        (
            "path".to_string(),
            None,
            Some("private.pem".to_string()),
            None,
        ),
        (
            "stdin".to_string(),
            None,
            Some("-".to_string()),
            Some(pem.to_string()),
        ),
    ];
    for (name, value) in forms(pem) {
        r.push((
            format!("NS_PRIVATE_KEY {name}"),
            Some(value.clone()),
            None,
            None,
        ));
        r.push((format!("--key {name}"), None, Some(value), None));
    }
    // Garbage: the body damaged; a body without its header lines; a truncated PEM.
    let damaged = pem.replacen("M", "!", 3);
    let headless: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let truncated = pem[..pem.len() / 2].to_string();
    for (name, value) in [
        ("damaged", damaged),
        ("headless", headless.clone() + "!"),
        ("truncated", truncated),
        ("headless with spaces", headless.replace('A', " ")),
    ] {
        r.push((
            format!("NS_PRIVATE_KEY garbage {name}"),
            Some(value),
            None,
            None,
        ));
    }
    r
}

#[test]
fn no_route_and_no_command_leaks_the_key() {
    let d = Dir::new();
    d.fixture("oracle/es256-private.pem", "private.pem");
    d.fixture("oracle/es256-public.pem", "public.pem");
    let pem = std::fs::read_to_string(d.join("private.pem")).unwrap();
    let cert = std::fs::read_to_string(d.join("public.pem")).unwrap();
    let mut secret_texts: Vec<String> = vec![pem.clone()];
    secret_texts.extend(forms(&pem).into_iter().map(|(_, v)| v));
    let refs: Vec<&str> = secret_texts.iter().map(String::as_str).collect();
    let secrets = Secrets::of(&refs);

    let m = Mapping::new(d.join("public.pem"));
    let server = start(Behaviour::NetSuite(m.clone()));
    let url = server.token_url();
    let base = |kid: &str| -> Vec<String> {
        [
            "--token-url",
            url.as_str(),
            "--client-id",
            m.client_id.as_str(),
            "--cert-id",
            kid,
            "--api-url",
            &server.base,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    let commands: Vec<Vec<&str>> = vec![
        vec!["verify"],
        vec!["verify", "--json"],
        vec!["verify", "--dry-run"],
        vec!["verify", "--dry-run", "--json"],
        vec!["token"],
        vec!["certs", "list"],
        vec!["certs", "list", "--json"],
        vec!["rotate", "--dry-run"],
        vec!["rotate", "--json", "--dry-run"],
    ];
    let mut runs = 0;
    for (route, env, key_arg, stdin) in routes(&pem) {
        for cmd in &commands {
            for kid in [m.kid.as_str(), "wrong-kid"] {
                let mut args: Vec<String> = cmd.iter().map(|s| s.to_string()).collect();
                let mut extra = base(kid);
                if !cmd.contains(&"rotate") && !cmd.contains(&"certs") {
                    // --api-url is for certs and rotate only.
                    extra.truncate(6);
                }
                args.extend(extra);
                let mut c = d.nskeys();
                c.args(&args);
                if let Some(k) = &key_arg {
                    c.arg(format!("--key={k}"));
                }
                if let Some(e) = &env {
                    c.env("NS_PRIVATE_KEY", e);
                }
                if let Some(s) = &stdin {
                    c.write_stdin(s.clone());
                }
                let out = c.output().unwrap();
                assert!(out.status.code().is_some(), "{route} {args:?}: killed");
                secrets.absent(&out, &format!("{route}: nskeys {}", args.join(" ")));
                runs += 1;
            }
        }
    }
    // The key given as the certificate, and the certificate given as the key.
    for (name, value) in forms(&pem) {
        for cmd in [vec!["verify"], vec!["verify", "--json"], vec!["token"]] {
            let out = d
                .nskeys()
                .args(&cmd)
                .args(base(&m.kid).iter().take(6))
                .env("NS_CERTIFICATE", &value)
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(3), "key as certificate, {name}");
            secrets.absent(&out, &format!("key as NS_CERTIFICATE {name}: {cmd:?}"));
            runs += 1;
        }
    }
    for (name, value) in forms(&cert) {
        let out = d
            .nskeys()
            .args(["verify", "--json"])
            .args(base(&m.kid).iter().take(6))
            .env("NS_PRIVATE_KEY", &value)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(3), "certificate as key, {name}");
        runs += 1;
    }
    // inspect reads keys from paths and stdin.
    for args in [
        vec!["inspect", "private.pem"],
        vec!["inspect", "--json", "private.pem", "public.pem"],
        vec!["inspect", "-"],
        vec!["inspect", "--json", "-"],
        vec!["inspect", "public.pem", "--key", "private.pem"],
    ] {
        let out = d
            .nskeys()
            .args(&args)
            .write_stdin(pem.clone())
            .output()
            .unwrap();
        secrets.absent(&out, &format!("{args:?}"));
        runs += 1;
    }
    // The key pasted where a file name belongs (inspect, expiry), and as inspect's --key in
    // every form.
    for (name, value) in forms(&pem) {
        for args in [
            vec!["inspect".to_string(), value.clone()],
            vec!["inspect".to_string(), "--json".into(), value.clone()],
            vec!["expiry".to_string(), value.clone()],
            vec![
                "expiry".to_string(),
                "--format".into(),
                "json".into(),
                value.clone(),
            ],
            vec![
                "expiry".to_string(),
                "--format".into(),
                "prometheus".into(),
                value.clone(),
            ],
            vec![
                "inspect".to_string(),
                "public.pem".into(),
                format!("--key={value}"),
            ],
            vec![
                "inspect".to_string(),
                "--json".into(),
                "public.pem".into(),
                "--key".into(),
                value.clone(),
            ],
        ] {
            let out = d.nskeys().args(&args).output().unwrap();
            assert!(out.status.code().is_some());
            secrets.absent(
                &out,
                &format!("{name}: {}", args[..args.len() - 1].join(" ")),
            );
            runs += 1;
        }
    }
    assert!(runs > 300, "{runs}");
}

#[test]
fn an_encrypted_key_leaks_neither_key_nor_passphrase() {
    let d = Dir::new();
    let pass = "correct horse battery staple 42";
    std::fs::write(d.join("pass.txt"), format!("{pass}\n")).unwrap();
    let out = d
        .nskeys()
        .args(["gen", "--encrypt", "--passphrase-file", "pass.txt"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pem = std::fs::read_to_string(d.join("private.pem")).unwrap();
    assert!(pem.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
    let secrets = Secrets::of(&[&pem, pass]);
    secrets.absent(&out, "gen --encrypt");
    let m = Mapping::new(d.join("public.pem"));
    let server = start(Behaviour::NetSuite(m.clone()));
    let url = server.token_url();
    let ids = [
        "--token-url",
        url.as_str(),
        "--client-id",
        m.client_id.as_str(),
        "--cert-id",
        m.kid.as_str(),
    ];
    for (how, env) in [("right", pass), ("wrong", "not the passphrase at all, no")] {
        for cmd in [vec!["verify"], vec!["verify", "--json"], vec!["token"]] {
            let out = d
                .nskeys()
                .args(&cmd)
                .args(ids)
                .env("NS_KEY_PASSPHRASE", env)
                .output()
                .unwrap();
            let want = if how == "right" { 0 } else { 3 };
            assert_eq!(out.status.code(), Some(want), "{how} {cmd:?}");
            secrets.absent(&out, &format!("{how} passphrase, {cmd:?}"));
            if how == "wrong" {
                let s = String::from_utf8_lossy(&out.stderr);
                assert!(!s.contains(env), "{s}");
                assert!(s.contains("wrong passphrase"), "{s}");
            }
        }
    }
}
