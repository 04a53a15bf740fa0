//! nskeys against tests/standin/netsuite.py, the stand-in NetSuite written from Oracle's pages
//! independently of nskeys (the kid rule, Oracle's answer shapes, the five-certificate limit,
//! 500 server_error for refused assertions). Certificate IDs are computed here independently
//! (`stand_in::certificate_id`) and by the stand-in.

use crate::harness::*;
use crate::stand_in::certificate_id;
use std::io::{BufRead, BufReader};
use std::process::{Child, Output, Stdio};

/// A running stand-in; killed (by its own pid) on drop.
struct Standin {
    child: Child,
    ready: serde_json::Value,
}

impl Drop for Standin {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Standin {
    fn start(d: &Dir, config: serde_json::Value) -> Standin {
        let cfg = d.join("standin.json");
        std::fs::write(&cfg, config.to_string()).unwrap();
        let script =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/standin/netsuite.py");
        let mut child = d
            .command("python3")
            .arg(script)
            .arg("--config")
            .arg(&cfg)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let ready = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line:?}"));
        Standin { child, ready }
    }
    fn s(&self, k: &str) -> String {
        self.ready[k].as_str().unwrap().to_string()
    }
    fn client(&self) -> String {
        self.ready["client_ids"][0].as_str().unwrap().to_string()
    }
    /// One plain-HTTP request to the stand-in's control or API paths (std::net only).
    fn http(&self, method: &str, path: &str, body: &str) -> (u16, String) {
        use std::io::{Read, Write};
        let host = self.s("base").trim_start_matches("http://").to_string();
        let mut conn = std::net::TcpStream::connect(&host).unwrap();
        write!(
            conn,
            "{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut answer = String::new();
        conn.read_to_string(&mut answer).unwrap();
        let status = answer
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let body = answer
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_string())
            .unwrap_or_default();
        (status, body)
    }
    fn get(&self, path: &str) -> serde_json::Value {
        let (status, body) = self.http("GET", path, "");
        assert_eq!(status, 200, "{body}");
        serde_json::from_str(&body).unwrap()
    }
    fn post(&self, path: &str, body: serde_json::Value) {
        let (status, answer) = self.http("POST", path, &body.to_string());
        assert_eq!(status, 200, "{answer}");
    }
    /// The token requests logged, with their decoded assertions.
    fn token_requests(&self) -> Vec<serde_json::Value> {
        self.get("/__standin/log")["requests"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["endpoint"] == "token")
            .cloned()
            .collect()
    }
    /// `nskeys ARGS --token-url .. --client-id ..`.
    fn nskeys(&self, d: &Dir, args: &[&str]) -> Output {
        d.nskeys()
            .args(args)
            .args([
                "--token-url",
                &self.s("token_url"),
                "--client-id",
                &self.client(),
            ])
            .args(["--timeout", "20"])
            .output()
            .unwrap()
    }
}

fn out(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A fresh `nskeys gen` pair, uploaded to the stand-in's M2M setup page (entity -5, role 3).
fn mapped(extra: serde_json::Value) -> (Dir, Standin, String) {
    let d = Dir::new();
    d.nskeys().args(["gen"]).assert().success();
    let mut config = serde_json::json!({
        "mappings": [{"certificate_file": d.join("public.pem"), "entity": -5, "role": 3,
                      "entity_name": "Test Test", "role_name": "Administrator"}],
    });
    if let serde_json::Value::Object(o) = extra {
        for (k, v) in o {
            config[k] = v;
        }
    }
    let ns = Standin::start(&d, config);
    let id = certificate_id(&d.join("public.pem"));
    (d, ns, id)
}

#[test]
fn gen_and_inspect_show_the_id_netsuite_will_show() {
    let d = Dir::new();
    let o = d.nskeys().args(["gen", "--json"]).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let id = certificate_id(&d.join("public.pem"));
    assert_eq!(j["certificate_id"], id.as_str());
    assert!(
        j["next_steps"].as_array().unwrap().iter().any(|s| s
            .as_str()
            .unwrap()
            .contains(&format!("NetSuite will show Certificate ID {id}"))),
        "{j}"
    );
    // Oracle's own example (article_0209112025).
    let oracle = fixture_path("oracle-docs/certificate.pem");
    let documented =
        std::fs::read_to_string(fixture_path("oracle-docs/certificate-id.txt")).unwrap();
    let o = d.nskeys().arg("inspect").arg(&oracle).output().unwrap();
    let text = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(
        text.lines()
            .any(|l| l.contains("NetSuite Certificate ID") && l.contains(documented.trim())),
        "{text}"
    );
    let o = d
        .nskeys()
        .arg("inspect")
        .arg("--json")
        .arg(&oracle)
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&o.stdout)
            .contains(&format!("\"certificate_id\": \"{}\"", documented.trim()))
    );
}

#[test]
fn verify_needs_no_cert_id_the_certificate_gives_it() {
    let (d, ns, id) = mapped(serde_json::json!({}));
    let o = ns.nskeys(&d, &["verify"]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let sent = ns.token_requests();
    assert_eq!(sent.len(), 1);
    let a = &sent[0]["assertion"];
    assert_eq!(a["header"]["kid"], id.as_str());
    // Oracle's current sample sends a random jti.
    assert!(
        a["claims"]["jti"].as_str().is_some_and(|j| j.len() >= 16),
        "{a}"
    );
    // The same through token, and with the lifetime Oracle's samples use.
    let o = ns.nskeys(&d, &["token", "--assertion-ttl", "3600"]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let sent = ns.token_requests();
    let c = &sent[1]["assertion"]["claims"];
    assert_eq!(
        c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(),
        3600
    );
    assert_ne!(c["jti"], sent[0]["assertion"]["claims"]["jti"]);
    // certs list finds the API beside --token-url (no --api-url needed).
    let o = ns.nskeys(&d, &["certs", "list"]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains(&id),
        "{}",
        out(&o)
    );
}

#[test]
fn a_cert_id_of_another_certificate_is_refused_before_sending() {
    let (d, ns, id) = mapped(serde_json::json!({}));
    // A real-looking ID starting with '-' is taken as a value, not an option.
    let other = "-QjavVtnzeAPA_QdffgnTh9yPy6LbSGOYqNeJqtbKgU";
    let o = ns.nskeys(&d, &["verify", "--cert-id", other]);
    assert_eq!(o.status.code(), Some(2), "{}", out(&o));
    let err = assert_one_line_error(&o.stderr);
    for want in [
        other,
        id.as_str(),
        "--cert-id",
        "public.pem",
        "--no-cert-id-check",
    ] {
        assert!(err.contains(want), "{want}: {err}");
    }
    assert!(ns.token_requests().is_empty(), "nothing sent");
    // From the variable: the message names the variable.
    let o = d
        .nskeys()
        .args([
            "verify",
            "--token-url",
            &ns.s("token_url"),
            "--client-id",
            &ns.client(),
        ])
        .env("NS_CERT_ID", other)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", out(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("(from NS_CERT_ID)"),
        "{}",
        out(&o)
    );
    // The escape hatch sends it; NetSuite answers 500 server_error for an unknown kid
    // (MissingKey): a refusal, exit 2, with the outage caveat.
    let o = ns.nskeys(&d, &["verify", "--cert-id", other, "--no-cert-id-check"]);
    assert_eq!(o.status.code(), Some(2), "{}", out(&o));
    let text = out(&o);
    assert!(text.contains("HTTP 500 server_error"), "{text}");
    assert!(text.contains("MissingKey"), "{text}");
    assert!(text.contains("outage if this persists"), "{text}");
    assert!(!text.contains("TokenRejected"), "{text}");
    assert_eq!(ns.token_requests()[0]["detail"], "MissingKey");
    let o = d
        .nskeys()
        .args([
            "verify",
            "--token-url",
            &ns.s("token_url"),
            "--client-id",
            &ns.client(),
        ])
        .args(["--cert-id", other])
        .env("NS_NO_CERT_ID_CHECK", "true")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", out(&o));
    assert!(out(&o).contains("server_error"), "{}", out(&o));
}

#[test]
fn a_key_never_uploaded_is_a_refusal_not_an_outage() {
    let (d, ns, _) = mapped(serde_json::json!({}));
    d.nskeys()
        .args(["gen", "--out-dir", "new"])
        .assert()
        .success();
    let o = ns.nskeys(
        &d,
        &[
            "verify",
            "--key",
            "new/private.pem",
            "--cert",
            "new/public.pem",
            "--json",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", out(&o));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["refusal"]["http_status"], 500);
    assert!(
        j["refusal"]["notes"][0]
            .as_str()
            .unwrap()
            .contains("outage if this persists")
    );
    assert!(
        j["refusal"]["likely_causes"][0]
            .as_str()
            .unwrap()
            .starts_with("MissingKey")
    );
}

#[test]
fn the_mcp_scope_is_refused_in_pre_flight() {
    let (d, ns, _) = mapped(serde_json::json!({}));
    let o = ns.nskeys(&d, &["verify", "--scope", "mcp"]);
    assert_eq!(o.status.code(), Some(2), "{}", out(&o));
    let err = assert_one_line_error(&o.stderr);
    assert!(
        err.contains("mcp") && err.contains("client credentials"),
        "{err}"
    );
    assert!(ns.token_requests().is_empty());
}

#[test]
fn a_bare_host_as_token_url_gets_the_token_path() {
    let (d, ns, _) = mapped(serde_json::json!({}));
    let o = d
        .nskeys()
        .args([
            "verify",
            "--token-url",
            &ns.s("base"),
            "--client-id",
            &ns.client(),
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert!(out(&o).contains("host only"), "{}", out(&o));
}

#[test]
fn verify_as_a_monitoring_check() {
    let (d, ns, _) = mapped(serde_json::json!({}));
    let o = ns.nskeys(&d, &["verify", "--format", "nagios"]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let line = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(
        line.starts_with("NSKEYS VERIFY OK - NetSuite issued a token"),
        "{line}"
    );
    assert!(line.contains(" | time="), "{line}");
    let o = ns.nskeys(&d, &["verify", "--format", "prometheus"]);
    let text = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(text.contains("nskeys_verify_token_issued{"), "{text}");
    assert!(text.contains("nskeys_verify_duration_seconds{"), "{text}");
    // Refused: CRITICAL.
    ns.post("/__standin/mappings", serde_json::json!({"action": "wipe"}));
    let o = ns.nskeys(&d, &["verify", "--format", "nagios"]);
    assert_eq!(o.status.code(), Some(2), "{}", out(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).starts_with("NSKEYS VERIFY CRITICAL - "),
        "{}",
        out(&o)
    );
    // Unreachable: UNKNOWN.
    let o = d
        .nskeys()
        .args(["verify", "--format", "nagios", "--client-id", "c"])
        .args([
            "--token-url",
            "http://127.0.0.1:9/services/rest/auth/oauth2/v1/token",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(3), "{}", out(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).starts_with("NSKEYS VERIFY UNKNOWN - "),
        "{}",
        out(&o)
    );
}

/// Issue 15.4/15.5: a refused probe is not headed "OK"; NetSuite's o:errorCode is shown whole;
/// scopes are shown as NetSuite said them (it names none) and labelled as requested.
#[test]
fn probe_refused_headline_and_scopes_as_said() {
    let (d, ns, _) = mapped(serde_json::json!({
        "roles": [{"id": 3, "name": "Administrator", "rest_web_services": false}]
    }));
    let o = ns.nskeys(&d, &["verify", "--probe"]);
    assert_eq!(o.status.code(), Some(2), "{}", out(&o));
    let stdout = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(!stdout.starts_with("OK"), "{stdout}");
    assert!(stdout.starts_with("CRITICAL"), "{stdout}");
    assert!(stdout.contains("INVALID_LOGIN"), "{stdout}");
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("o:errorCode INVALID_LOGIN"),
        "{}",
        out(&o)
    );
    assert!(
        stdout.contains("(requested; NetSuite's answer names no scopes)"),
        "{stdout}"
    );
    let o = ns.nskeys(&d, &["verify", "--json"]);
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(j["token"]["scopes_granted"].is_null(), "{j}");
    assert_eq!(j["token"]["scopes_requested"][0], "rest_webservices");
}

#[test]
fn certs_list_reads_oracles_shape_and_checks() {
    let (d, ns, id) = mapped(serde_json::json!({}));
    let api = ns.s("api_base");
    let list = |args: &[&str]| {
        let mut a = vec!["certs", "list", "--api-url", &api];
        a.extend_from_slice(args);
        ns.nskeys(&d, &a)
    };
    let o = list(&[]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let text = String::from_utf8_lossy(&o.stdout).to_string();
    let row = text
        .lines()
        .find(|l| l.starts_with('*'))
        .expect("in use marked");
    for want in [id.as_str(), "Test Test", "Administrator", "active"] {
        assert!(row.contains(want), "{want}: {text}");
    }
    assert!(text.contains("1 of 5 active"), "{text}");
    // Four more: 5 of 5 active, the next rotation would be refused: WARNING.
    for i in 0..4 {
        let dir = format!("x{i}");
        d.nskeys()
            .args(["gen", "--out-dir", &dir])
            .assert()
            .success();
        ns.post(
            "/__standin/mappings",
            serde_json::json!({"action": "add", "certificate_file": d.join(format!("{dir}/public.pem")), "entity": -5, "role": 3}),
        );
    }
    let o = list(&["--format", "nagios"]);
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("5 of 5 active"),
        "{}",
        out(&o)
    );
    // NetSuite's valid_until within --warn-days: WARNING; within --crit-days: CRITICAL.
    ns.post("/__standin/mappings", serde_json::json!({"action": "revoke", "certificate_id": certificate_id(&d.join("x0/public.pem"))}));
    let o = list(&["--warn-days", "800", "--crit-days", "10"]);
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    let o = list(&["--warn-days", "800", "--crit-days", "800", "--json"]);
    assert_eq!(o.status.code(), Some(2), "{}", out(&o));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["active"], 4);
    assert!(
        j["certificates"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["state"] == "revoked")
    );
    // A sandbox refresh wipes the mappings: the key no longer gets a token: CRITICAL.
    ns.post("/__standin/mappings", serde_json::json!({"action": "wipe"}));
    let o = list(&["--format", "nagios"]);
    assert_eq!(o.status.code(), Some(2), "{}", out(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).starts_with("NSKEYS CERTS CRITICAL - "),
        "{}",
        out(&o)
    );
}

#[test]
fn rotate_upload_predicts_the_id_netsuite_answers() {
    let (d, ns, old) = mapped(serde_json::json!({}));
    let o = ns.nskeys(
        &d,
        &[
            "rotate",
            "--upload",
            "--entity",
            "-5",
            "--role",
            "3",
            "--revoke-old",
            "--api-url",
            &ns.s("api_base"),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let new = certificate_id(&d.join("public.pem"));
    assert_ne!(new, old);
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join("nskeys-state.json")).unwrap()).unwrap();
    assert_eq!(state["current"]["cert_id"], new.as_str());
    // The revoke went with an empty body, as Oracle's example does.
    let log = ns.get("/__standin/log")["requests"].clone();
    let revoke = log
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["path"].as_str().unwrap_or("").ends_with("/revoke"))
        .unwrap()
        .clone();
    assert_eq!(revoke["body"], "", "{revoke}");
    assert_eq!(revoke["status"], 200);
    let mappings = ns.get("/__standin/mappings")["mappings"].clone();
    let old_m = mappings
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["certificate_id"] == old.as_str())
        .unwrap()
        .clone();
    assert_eq!(old_m["revoked"], true, "{old_m}");
    let o = ns.nskeys(&d, &["verify"]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
}

#[test]
fn manual_rotation_step_two_needs_no_id() {
    let (d, ns, _) = mapped(serde_json::json!({}));
    let o = ns.nskeys(&d, &["rotate"]);
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
    let cert = pending["cert_file"].as_str().unwrap().to_string();
    let predicted = certificate_id(&d.join(&cert));
    assert!(out(&o).contains(&predicted), "{}", out(&o));
    // Step 2 before the upload: NetSuite refuses the new certificate; nothing is switched and
    // the message says what is missing.
    let before = std::fs::read(d.join("private.pem")).unwrap();
    let o = ns.nskeys(&d, &["rotate"]);
    assert_eq!(o.status.code(), Some(2), "{}", out(&o));
    let err = assert_one_line_error(&o.stderr);
    assert!(
        err.contains("does not take the new certificate yet")
            && err.contains(&predicted)
            && err.contains(&cert),
        "{err}"
    );
    assert_eq!(std::fs::read(d.join("private.pem")).unwrap(), before);
    // The user uploads it on the M2M setup page.
    ns.post(
        "/__standin/mappings",
        serde_json::json!({"action": "add", "certificate_file": d.join(&cert), "entity": -5, "role": 3}),
    );
    let o = ns.nskeys(&d, &["rotate"]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert_eq!(certificate_id(&d.join("public.pem")), predicted);
    let o = ns.nskeys(&d, &["verify"]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
}

/// While NetSuite makes a new certificate usable it answers 500 server_error (MissingKey):
/// `rotate --upload` retries that like any refusal, then switches.
#[test]
fn rotate_upload_retries_through_server_error() {
    let (d, ns, _) = mapped(serde_json::json!({}));
    // Step 1 by hand makes the pending pair, so its ID is known before the upload.
    let o = ns.nskeys(&d, &["rotate"]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join("nskeys-state.json")).unwrap()).unwrap();
    let cert = state["certificates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["status"] == "pending")
        .unwrap()["cert_file"]
        .as_str()
        .unwrap()
        .to_string();
    let new = certificate_id(&d.join(&cert));
    ns.post(
        "/__standin/faults",
        serde_json::json!({"endpoint": "token", "kid": new, "not_usable_yet": true, "count": 2}),
    );
    let o = ns.nskeys(
        &d,
        &[
            "rotate",
            "--upload",
            "--entity",
            "-5",
            "--role",
            "3",
            "--api-url",
            &ns.s("api_base"),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert!(out(&o).contains("not usable yet"), "{}", out(&o));
    assert!(out(&o).contains("attempt 3"), "{}", out(&o));
    assert_eq!(certificate_id(&d.join("public.pem")), new);
    let refused: Vec<_> = ns
        .token_requests()
        .into_iter()
        .filter(|r| r["status"] == 500)
        .collect();
    assert_eq!(refused.len(), 2);
}

/// Public Client checked on the integration: NetSuite refuses M2M (unauthorized_client); the
/// causes name it, and the shape hint catches a pasted Client ID given as --cert-id.
#[test]
fn a_public_client_is_named_as_a_cause() {
    let client = "ab".repeat(32);
    let (d, ns, _) = mapped(serde_json::json!({
        "integrations": [{"client_id": client, "public_client": true}]
    }));
    let o = ns.nskeys(&d, &["verify"]);
    assert_eq!(o.status.code(), Some(2), "{}", out(&o));
    assert!(out(&o).contains("Public Client is checked"), "{}", out(&o));
    let o = ns.nskeys(&d, &["verify", "--cert-id", &client]);
    assert_eq!(o.status.code(), Some(2), "{}", out(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("not even shaped like one"),
        "{}",
        out(&o)
    );
}
