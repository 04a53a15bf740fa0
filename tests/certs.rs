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
    d.nskeys()
        .args(["gen", "--out-dir", "spare"])
        .assert()
        .success();
    let spare = api.add("SPARE", &d.join("spare/public.pem"));
    let old = api.id("OLD1");
    // No --cert-id: the one in use is public.pem's (its SHA-256).
    let o = run(&d, &api, &["certs", "list"]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let text = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(
        text.lines().any(|l| l.starts_with('*') && l.contains(&old)),
        "{text}"
    );
    assert!(
        text.lines().any(|l| l.starts_with(' ')
            && l.contains(&spare)
            && l.contains("Test Test")
            && l.contains("Administrator")
            && l.contains("2099-11-22")
            && l.contains("active")),
        "{text}"
    );
    assert!(text.contains("2 of 5 active"), "{text}");
    assert!(!text.contains("api-token-"), "token printed: {text}");
    let o = run(&d, &api, &["certs", "list", "--json"]);
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["status"], "OK");
    assert_eq!(j["active"], 2);
    assert_eq!(j["certificates"].as_array().unwrap().len(), 2);
    assert_eq!(j["certificates"][0]["in_use"], true);
    assert_eq!(j["certificates"][0]["certificate_id"], old.as_str());
    assert_eq!(j["certificates"][0]["state"], "active");
    assert_eq!(j["certificates"][0]["valid_until"], "2099-11-22");
    assert_eq!(j["certificates"][0]["role"]["name"], "Administrator");
    assert_eq!(j["certificates"][1]["in_use"], false);
    // The same through NS_CERTS_FORMAT.
    let o = d
        .nskeys()
        .args([
            "certs",
            "list",
            "--token-url",
            &api.token_url(),
            "--client-id",
            CLIENT,
        ])
        .args(["--api-url", &api.api_url()])
        .env("NS_CERTS_FORMAT", "nagios")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let line = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(line.starts_with("NSKEYS CERTS OK - "), "{line}");
    assert!(line.contains("| active=2;4;;0;5 days_left="), "{line}");
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
            "--revoke-old",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let o = run(&d, &api, &["certs", "list", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let certs = j["certificates"].as_array().unwrap();
    let new = certs
        .iter()
        .find(|c| c["certificate_id"] == api.id("NEW2").as_str())
        .unwrap();
    assert_eq!(new["in_use"], true);
    let old = certs
        .iter()
        .find(|c| c["certificate_id"] == api.id("OLD1").as_str())
        .unwrap();
    assert_eq!(old["state"], "revoked");
    assert_eq!(old["revoked"], true);
    assert_eq!(old["in_use"], false);
}

/// The certificate in use revoked (or gone, as after a sandbox refresh): CRITICAL; five
/// active: WARNING (the next rotation would be refused).
#[test]
fn certs_list_as_a_check() {
    let (d, api) = setup();
    for i in 0..4 {
        let dir = format!("o{i}");
        d.nskeys()
            .args(["gen", "--out-dir", &dir])
            .assert()
            .success();
        api.add(&format!("OTHER{i}"), &d.join(format!("{dir}/public.pem")));
    }
    let o = run(&d, &api, &["certs", "list"]);
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert!(out(&o).contains("5 of 5 active"), "{}", out(&o));
    let o = run(&d, &api, &["certs", "list", "--format", "prometheus"]);
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    let text = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(text.contains("nskeys_netsuite_certs_active 5\n"), "{text}");
    assert!(text.contains("nskeys_netsuite_certs_state 1\n"), "{text}");
    // Revoked: the stand-in holds OLD1 as inactive.
    api.inner.lock().unwrap().certs[0].active = false;
    let o = run(&d, &api, &["certs", "list", "--format", "nagios"]);
    assert_eq!(o.status.code(), Some(2), "{}", out(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).starts_with("NSKEYS CERTS CRITICAL - "),
        "{}",
        out(&o)
    );
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
        let o = run(&d, &api, &["certs", "list"]);
        assert_eq!(o.status.code(), Some(3), "{}", out(&o));
        assert_one_line_error(&o.stderr);
        assert!(out(&o).contains(body), "raw answer shown: {}", out(&o));
    }
}

#[test]
fn certs_list_with_a_refused_token_is_critical() {
    let (d, api) = setup();
    let o = run(
        &d,
        &api,
        &["certs", "list", "--cert-id", "WRONG", "--no-cert-id-check"],
    );
    assert_eq!(o.status.code(), Some(2), "{}", out(&o));
    assert_one_line_error(&o.stderr);
}

#[test]
fn certs_list_dry_run_sends_nothing() {
    let (d, api) = setup();
    let o = run(&d, &api, &["certs", "list", "--dry-run"]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert!(
        out(&o).contains("/clients/client-123/certificates"),
        "{}",
        out(&o)
    );
    assert!(api.requests().is_empty());
}

/// Oracle's documented list answer (article_11111634165), verbatim: both certificates shown
/// with their names and dates; both expired long ago, so 0 of 5 active, and the certificate in
/// use is not among them: CRITICAL.
#[test]
fn certs_list_replays_oracles_documented_answer() {
    let (d, api) = setup();
    let body = std::fs::read_to_string(fixture_path("oracle-docs/list-response.json")).unwrap();
    api.set_faults(Faults {
        list_answer: Some(body),
        ..Faults::default()
    });
    let o = run(&d, &api, &["certs", "list"]);
    assert_eq!(o.status.code(), Some(2), "{}", out(&o));
    let text = String::from_utf8_lossy(&o.stdout).to_string();
    for want in [
        "I_k32OzlZNGsHtCScnCwQCVLqsQsV2BOIQzlTaSmRQI",
        "MhkfyJ8knaSvAEhGrpT0uR2dTX5SkzguPnBToifC-vg",
        "test@test.cz",
        "Test Test",
        "Administrator",
        "2023-10-19",
        "2023-11-18",
        "expired",
        "0 of 5 active",
        "not in NetSuite's list",
    ] {
        assert!(text.contains(want), "{want}: {text}");
    }
    assert!(!text.lines().any(|l| l.starts_with('*')), "{text}");
}
