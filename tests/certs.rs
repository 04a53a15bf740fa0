//! `nskeys certs list` against the stand-in for NetSuite's certificate API (tests/ns_api.rs).
use crate::harness::*;
use crate::ns_api;
use crate::ns_api::{CLIENT, Faults};

fn out(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A pair from `nskeys gen` whose certificate the stand-in holds as OLD1.
fn setup() -> (Dir, ns_api::Api) {
    let d = Dir::new();
    d.nskeys().args(["gen"]).assert().success();
    let api = ns_api::start();
    api.add("OLD1", &d.join("public.pem"));
    (d, api)
}

fn run(d: &Dir, api: &ns_api::Api, args: &[&str]) -> std::process::Output {
    d.nskeys()
        .args(args)
        .args(["--token-url", &api.token_url(), "--client-id", CLIENT])
        .args(["--api-url", &api.api_url(), "--timeout", "10"])
        .output()
        .unwrap()
}

#[test]
fn certs_list_marks_the_one_in_use() {
    let (d, api) = setup();
    api.add("SPARE", &d.join("public.pem"));
    let o = run(&d, &api, &["certs", "list", "--cert-id", "OLD1"]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let text = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(
        text.lines()
            .any(|l| l.starts_with('*') && l.contains("OLD1")),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with(' ') && l.contains("SPARE")),
        "{text}"
    );
    assert!(!text.contains("api-token-"), "token printed: {text}");
    let o = run(&d, &api, &["certs", "list", "--cert-id", "OLD1", "--json"]);
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["certificates"].as_array().unwrap().len(), 2);
    assert_eq!(j["certificates"][0]["in_use"], true);
    assert_eq!(j["certificates"][0]["id"], "OLD1");
    assert_eq!(j["certificates"][0]["status"], "ACTIVE");
    assert_eq!(j["certificates"][0]["expires"], "2028-11-22");
    assert_eq!(j["certificates"][1]["in_use"], false);
}

#[test]
fn certs_list_after_a_rotation_needs_no_cert_id() {
    let (d, api) = setup();
    let o = run(
        &d,
        &api,
        &[
            "rotate",
            "--upload",
            "--entity",
            "7",
            "--role",
            "3",
            "--cert-id",
            "OLD1",
            "--revoke-old",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let o = run(&d, &api, &["certs", "list", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let certs = j["certificates"].as_array().unwrap();
    let new = certs.iter().find(|c| c["id"] == "NEW2").unwrap();
    assert_eq!(new["in_use"], true);
    let old = certs.iter().find(|c| c["id"] == "OLD1").unwrap();
    assert_eq!(old["status"], "REVOKED");
    assert_eq!(old["in_use"], false);
}

#[test]
fn certs_list_of_an_unknown_shape_is_unknown() {
    let (d, api) = setup();
    for body in [
        r#"{"count":2}"#,
        r#"[{"name":"no id"}]"#,
        "<html>maintenance</html>",
    ] {
        api.set_faults(Faults {
            list_answer: Some(body.into()),
            ..Faults::default()
        });
        let o = run(&d, &api, &["certs", "list", "--cert-id", "OLD1"]);
        assert_eq!(o.status.code(), Some(3), "{}", out(&o));
        assert_one_line_error(&o.stderr);
        assert!(out(&o).contains(body), "raw answer shown: {}", out(&o));
    }
}

#[test]
fn certs_list_with_a_refused_token_is_critical() {
    let (d, api) = setup();
    let o = run(&d, &api, &["certs", "list", "--cert-id", "WRONG"]);
    assert_eq!(o.status.code(), Some(2), "{}", out(&o));
    assert_one_line_error(&o.stderr);
}

#[test]
fn certs_list_dry_run_sends_nothing() {
    let (d, api) = setup();
    let o = run(
        &d,
        &api,
        &["certs", "list", "--cert-id", "OLD1", "--dry-run"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert!(
        out(&o).contains("/clients/client-123/certificates"),
        "{}",
        out(&o)
    );
    assert!(api.requests().is_empty());
}
