//! `nskeys rotate` (manual and --upload) against a stand-in for
//! NetSuite's token endpoint and certificate API (tests/ns_api.rs), with a failure at each step.
//! After every failure the pointer must still name the old key, and that key must still work.
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

/// A directory with a pair from `nskeys gen` whose certificate the stand-in holds as OLD1.
fn setup() -> (Dir, ns_api::Api, Vec<u8>) {
    let d = Dir::new();
    d.nskeys().args(["gen"]).assert().success();
    let api = ns_api::start();
    api.add("OLD1", &d.join("public.pem"));
    let key = std::fs::read(d.join("private.pem")).unwrap();
    (d, api, key)
}

fn cmd(d: &Dir, api: &ns_api::Api, args: &[&str]) -> std::process::Output {
    d.nskeys()
        .args(args)
        .args([
            "--token-url",
            &api.token_url(),
            "--client-id",
            CLIENT,
            "--timeout",
            "10",
        ])
        .output()
        .unwrap()
}

fn rotate(d: &Dir, api: &ns_api::Api, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["rotate", "--api-url"];
    let url = api.api_url();
    args.push(&url);
    args.extend_from_slice(extra);
    cmd(d, api, &args)
}

fn state(d: &Dir) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(d.join("nskeys-state.json")).unwrap()).unwrap()
}

/// The pointer still gives the original key, and NetSuite still takes it (state or flag).
fn old_key_in_use_and_working(d: &Dir, api: &ns_api::Api, key: &[u8]) {
    assert_eq!(std::fs::read(d.join("private.pem")).unwrap(), key);
    let old = api.id("OLD1");
    let o = cmd(d, api, &["verify", "--cert-id", &old]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
}

fn link(d: &Dir, name: &str) -> String {
    std::fs::read_link(d.join(name))
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "<regular file>".into())
}

#[test]
fn manual_rotation_in_two_steps() {
    let (d, api, key) = setup();
    // No --cert-id: the current certificate's ID is computed from public.pem.
    let o = rotate(&d, &api, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let text = out(&o);
    assert!(
        text.contains("OAuth 2.0 Client Credentials (M2M) Setup"),
        "{text}"
    );
    assert!(!text.contains("--new-cert-id"), "{text}");
    let s = state(&d);
    let pending = s["certificates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["status"] == "pending")
        .expect("a pending entry")
        .clone();
    let new_key = pending["key_file"].as_str().unwrap().to_string();
    let new_cert = pending["cert_file"].as_str().unwrap().to_string();
    // private-YYYY-MM-DD.pem / public-YYYY-MM-DD.pem
    let created = s["certificates"][1]["created"]
        .as_str()
        .unwrap()
        .to_string();
    let today = &created[..10];
    assert_eq!(new_key, format!("private-{today}.pem"));
    assert_eq!(new_cert, format!("public-{today}.pem"));
    // Nothing in use changed, nothing was sent.
    assert_eq!(link(&d, "private.pem"), "<regular file>");
    assert_eq!(std::fs::read(d.join("private.pem")).unwrap(), key);
    assert!(api.requests().is_empty());
    // The ID NetSuite will show is announced: the new certificate's SHA-256 (computed here
    // independently of nskeys).
    let predicted = crate::stand_in::certificate_id(&d.join(&new_cert));
    assert!(
        text.contains(&format!("NetSuite will show Certificate ID {predicted}")),
        "{text}"
    );
    assert_eq!(pending["cert_id"], predicted.as_str());
    // A second run before the upload tries the new certificate, which NetSuite refuses:
    // nothing is switched, the pending pair is kept.
    let o = rotate(&d, &api, &[]);
    assert_eq!(o.status.code(), Some(2), "{}", out(&o));
    assert!(out(&o).contains("nothing was switched"), "{}", out(&o));
    assert_eq!(std::fs::read(d.join("private.pem")).unwrap(), key);

    // The user maps the new certificate in NetSuite, which shows its ID; step 2 is a plain
    // rerun: no --new-cert-id needed.
    let manual = api.add("MANUAL2", &d.join(&new_cert));
    assert_eq!(manual, predicted);
    let o = rotate(&d, &api, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert!(
        out(&o).contains("revoke the old certificate"),
        "{}",
        out(&o)
    );
    assert_eq!(link(&d, "private.pem"), new_key);
    assert_eq!(link(&d, "public.pem"), new_cert);
    let s = state(&d);
    assert_eq!(s["current"]["cert_id"], manual.as_str());
    assert_eq!(s["current"]["key_file"], new_key.as_str());
    // The old pair kept its bytes under a dated name, recorded with its ID.
    let old = s["certificates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["cert_id"] == api.id("OLD1").as_str())
        .unwrap()
        .clone();
    assert_eq!(old["status"], "retired");
    let old_file = old["key_file"].as_str().unwrap();
    assert_ne!(old_file, "private.pem");
    assert_eq!(std::fs::read(d.join(old_file)).unwrap(), key);
    // verify without --cert-id finds MANUAL2 through the state file.
    let o = cmd(&d, &api, &["verify"]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert_eq!(
        api.kids_tried().last().map(String::as_str),
        Some(manual.as_str())
    );
}

#[test]
fn manual_rotation_with_a_wrong_id_switches_nothing() {
    let (d, api, key) = setup();
    rotate(&d, &api, &[]);
    // An ID that is not the new certificate's: refused before anything is sent, and the
    // advice names the flag it came from (issue 15.3), not --cert-id.
    let sent = api.requests().len();
    let o = rotate(
        &d,
        &api,
        &[
            "--new-cert-id",
            "-QjavVtnzeAPA_QdffgnTh9yPy6LbSGOYqNeJqtbKgU",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", out(&o));
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert!(err.contains("(from --new-cert-id)"), "{err}");
    assert!(err.contains("leave out --new-cert-id"), "{err}");
    assert!(!err.contains("--cert-id "), "{err}");
    assert_eq!(api.requests().len(), sent, "nothing sent");
    old_key_in_use_and_working(&d, &api, &key);
    // The state file knows OLD1 for private.pem: verify needs no --cert-id.
    let o = cmd(&d, &api, &["verify"]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
}

#[test]
fn new_cert_id_without_a_pending_pair_is_refused() {
    let (d, api, key) = setup();
    let o = rotate(&d, &api, &["--new-cert-id", "X"]);
    assert_eq!(o.status.code(), Some(3), "{}", out(&o));
    assert_one_line_error(&o.stderr);
    old_key_in_use_and_working(&d, &api, &key);
}

const UPLOAD: [&str; 5] = ["--upload", "--entity", "-5", "--role", "3"];

fn upload(d: &Dir, api: &ns_api::Api, extra: &[&str]) -> std::process::Output {
    let mut a: Vec<&str> = UPLOAD.to_vec();
    a.extend_from_slice(extra);
    rotate(d, api, &a)
}

#[test]
fn upload_and_revoke_old_end_to_end() {
    let (d, api, _key) = setup();
    let o = upload(&d, &api, &["--revoke-old"]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let text = out(&o);
    for s in [
        "uploaded".to_string(),
        format!("certificate ID {}", api.id("NEW2")),
        "switched".into(),
        format!("revoked the old certificate {}", api.id("OLD1")),
    ] {
        assert!(text.contains(&s), "{s}: {text}");
    }
    // The server: the upload carried the PEM, role and entity as numbers; OLD1 is revoked.
    let post = api
        .requests()
        .into_iter()
        .find(|(m, p, _)| m == "POST" && p.ends_with("/certificates"))
        .unwrap();
    let body: serde_json::Value = serde_json::from_str(&post.2).unwrap();
    assert!(
        body["fileContent"]
            .as_str()
            .unwrap()
            .contains("BEGIN CERTIFICATE")
    );
    assert_eq!(body["role"], 3);
    assert_eq!(body["entity"], -5);
    assert!(!api.cert("OLD1").unwrap().active);
    assert!(api.cert("NEW2").unwrap().active);
    // Pointer, state.
    let s = state(&d);
    assert_eq!(s["current"]["cert_id"], api.id("NEW2").as_str());
    assert_eq!(
        link(&d, "private.pem"),
        s["current"]["key_file"].as_str().unwrap()
    );
    let statuses: Vec<(String, String)> = s["certificates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["cert_id"].as_str().unwrap_or("").to_string(),
                e["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        statuses.contains(&(api.id("OLD1"), "revoked".into())),
        "{statuses:?}"
    );
    assert!(
        statuses.contains(&(api.id("NEW2"), "active".into())),
        "{statuses:?}"
    );
    // verify with no --cert-id works through the state file; the old ID no longer does.
    let o = cmd(&d, &api, &["verify"]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let old = api.id("OLD1");
    let o = cmd(
        &d,
        &api,
        &["verify", "--cert-id", &old, "--no-cert-id-check"],
    );
    assert_eq!(o.status.code(), Some(2), "{}", out(&o));
    // So does token, for scripts: the token alone on stdout.
    let o = cmd(&d, &api, &["token"]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("api-token-"));
    // expiry reads the pointer, which is the new certificate.
    let o = d.nskeys().args(["expiry"]).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    // A second rotation works from the symlinked pointers and the state alone (--json).
    let o = rotate(
        &d,
        &api,
        &[
            "--upload",
            "--entity",
            "-5",
            "--role",
            "3",
            "--revoke-old",
            "--json",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["mode"], "upload");
    assert_eq!(j["old_cert_id"], api.id("NEW2").as_str());
    assert_eq!(j["new_cert_id"], api.id("NEW3").as_str());
    assert_eq!(j["switched"], true);
    assert_eq!(j["revoked"], true);
    assert!(!api.cert("NEW2").unwrap().active);
    assert_eq!(state(&d)["current"]["cert_id"], api.id("NEW3").as_str());
}

#[test]
fn upload_refused_leaves_the_old_pair() {
    let (d, api, key) = setup();
    api.set_faults(Faults {
        upload_answer: Some((
            400,
            r#"{"o:errorDetails":[{"detail":"Invalid role."}]}"#.into(),
        )),
        ..Faults::default()
    });
    let o = upload(&d, &api, &["--revoke-old"]);
    assert_eq!(o.status.code(), Some(2), "{}", out(&o));
    assert!(
        out(&o).contains("Invalid role."),
        "raw answer shown: {}",
        out(&o)
    );
    old_key_in_use_and_working(&d, &api, &key);
    assert!(api.cert("OLD1").unwrap().active);
}

#[test]
fn five_certificate_limit_is_explained() {
    let (d, api, key) = setup();
    for i in 0..4 {
        api.add(&format!("OTHER{i}"), &d.join("public.pem"));
    }
    let o = upload(&d, &api, &[]);
    assert_eq!(o.status.code(), Some(2), "{}", out(&o));
    let text = out(&o);
    assert!(text.contains("five active certificates"), "{text}");
    assert!(text.contains("certs list"), "{text}");
    old_key_in_use_and_working(&d, &api, &key);
}

#[test]
fn new_certificate_usable_after_a_few_attempts() {
    let (d, api, _key) = setup();
    api.set_faults(Faults {
        new_not_usable_for: 2,
        ..Faults::default()
    });
    let o = upload(&d, &api, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert!(out(&o).contains("not usable yet"), "{}", out(&o));
    assert!(out(&o).contains("attempt 3"), "{}", out(&o));
    assert_eq!(state(&d)["current"]["cert_id"], api.id("NEW2").as_str());
}

#[test]
fn new_certificate_never_usable_then_resumed() {
    let (d, api, key) = setup();
    api.set_faults(Faults {
        new_not_usable_for: u32::MAX,
        ..Faults::default()
    });
    let o = d
        .nskeys()
        .args([
            "rotate",
            "--api-url",
            &api.api_url(),
            "--token-url",
            &api.token_url(),
        ])
        .args(["--client-id", CLIENT, "--timeout", "3"])
        .args(UPLOAD)
        .args(["--revoke-old"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", out(&o));
    assert!(out(&o).contains("nothing was switched"), "{}", out(&o));
    old_key_in_use_and_working(&d, &api, &key);
    assert!(api.cert("OLD1").unwrap().active, "not revoked on failure");
    // NetSuite catches up; the same command resumes without a second upload.
    api.make_usable("NEW2");
    let o = upload(&d, &api, &["--revoke-old"]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert!(
        out(&o).contains(&format!("uploaded earlier as ID {}", api.id("NEW2"))),
        "{}",
        out(&o)
    );
    assert_eq!(api.certs().len(), 2, "one upload only");
    assert!(!api.cert("OLD1").unwrap().active);
}

#[test]
fn revoke_refused_after_the_switch() {
    let (d, api, _key) = setup();
    api.set_faults(Faults {
        revoke_answer: Some((
            403,
            r#"{"o:errorDetails":[{"detail":"Permission denied."}]}"#.into(),
        )),
        ..Faults::default()
    });
    let o = upload(&d, &api, &["--revoke-old"]);
    assert_eq!(o.status.code(), Some(2), "{}", out(&o));
    let text = out(&o);
    assert!(text.contains("new pair is in use and works"), "{text}");
    assert!(text.contains("Permission denied."), "{text}");
    assert_eq!(state(&d)["current"]["cert_id"], api.id("NEW2").as_str());
    assert!(api.cert("OLD1").unwrap().active);
    let o = cmd(&d, &api, &["verify"]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
}

/// An upload answer naming no ID: the new certificate's own ID (its SHA-256) is used, and a
/// rerun never uploads a twin.
#[test]
fn upload_answer_without_an_id_uses_the_predicted_id() {
    let (d, api, key) = setup();
    api.set_faults(Faults {
        upload_answer: Some((200, r#"{"result":"done"}"#.into())),
        ..Faults::default()
    });
    // The stand-in kept nothing: the proof fails until --timeout.
    let o = d
        .nskeys()
        .args([
            "rotate",
            "--api-url",
            &api.api_url(),
            "--token-url",
            &api.token_url(),
        ])
        .args(["--client-id", CLIENT, "--timeout", "2"])
        .args(UPLOAD)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", out(&o));
    assert!(out(&o).contains("names no certificate ID"), "{}", out(&o));
    old_key_in_use_and_working(&d, &api, &key);
    let s = state(&d);
    let uploaded = s["certificates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["status"] == "uploaded")
        .unwrap()
        .clone();
    let cert = uploaded["cert_file"].as_str().unwrap().to_string();
    let predicted = crate::stand_in::certificate_id(&d.join(&cert));
    assert_eq!(uploaded["cert_id"], predicted.as_str());
    // NetSuite had it after all; a rerun proves it without a second upload.
    api.set_faults(Faults::default());
    let posts = |api: &ns_api::Api| {
        api.requests()
            .iter()
            .filter(|(m, p, _)| m == "POST" && p.ends_with("/certificates"))
            .count()
    };
    assert_eq!(posts(&api), 1);
    api.add("FOUND9", &d.join(&cert));
    let o = upload(&d, &api, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert_eq!(posts(&api), 1);
    assert_eq!(state(&d)["current"]["cert_id"], predicted.as_str());
}

/// NetSuite answers another ID than the certificate's SHA-256: stop (exit 3), show both,
/// switch nothing, record the answer; --no-cert-id-check then trusts NetSuite's answer.
#[test]
fn an_upload_answered_with_another_id_stops() {
    let (d, api, key) = setup();
    let other = "-QjavVtnzeAPA_QdffgnTh9yPy6LbSGOYqNeJqtbKgU";
    api.set_faults(Faults {
        upload_answer: Some((200, format!(r#"{{"certificate_id":"{other}"}}"#))),
        ..Faults::default()
    });
    let o = upload(&d, &api, &[]);
    assert_eq!(o.status.code(), Some(3), "{}", out(&o));
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    let s = state(&d);
    let uploaded = s["certificates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["status"] == "uploaded")
        .unwrap()
        .clone();
    let predicted =
        crate::stand_in::certificate_id(&d.join(uploaded["cert_file"].as_str().unwrap()));
    assert!(err.contains(other) && err.contains(&predicted), "{err}");
    assert!(err.contains("--no-cert-id-check"), "{err}");
    assert_eq!(uploaded["cert_id"], other);
    old_key_in_use_and_working(&d, &api, &key);
    assert_eq!(link(&d, "private.pem"), "<regular file>");
}

#[test]
fn dry_run_sends_and_writes_nothing() {
    let (d, api, key) = setup();
    let before: Vec<_> = std::fs::read_dir(d.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    let o = upload(&d, &api, &["--revoke-old", "--dry-run"]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let text = out(&o);
    assert!(text.contains("/clients/client-123/certificates"), "{text}");
    assert!(
        text.contains(&format!("/certificates/{}/revoke", api.id("OLD1"))),
        "{text}"
    );
    assert!(
        text.contains(&format!("with an empty body (revoke {})", api.id("OLD1"))),
        "{text}"
    );
    assert!(text.contains("fileContent"), "{text}");
    assert!(api.requests().is_empty());
    let after: Vec<_> = std::fs::read_dir(d.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(before, after);
    assert_eq!(std::fs::read(d.join("private.pem")).unwrap(), key);
}

#[test]
fn a_run_killed_between_the_two_pointer_switches_is_finished_by_the_next() {
    let (d, api, key) = setup();
    rotate(&d, &api, &[]);
    // What `rotate --new-cert-id MANUAL2` has done when killed right after the key pointer:
    // the proven ID recorded as uploaded, the old key given a dated name, the key switched.
    let mut s = state(&d);
    let entries = s["certificates"].as_array_mut().unwrap();
    let pending = entries
        .iter_mut()
        .find(|e| e["status"] == "pending")
        .unwrap();
    let new_key = pending["key_file"].as_str().unwrap().to_string();
    let new_cert = pending["cert_file"].as_str().unwrap().to_string();
    let manual = api.add("MANUAL2", &d.join(&new_cert));
    pending["status"] = "uploaded".into();
    pending["cert_id"] = manual.as_str().into();
    let old_id = api.id("OLD1");
    let old = entries
        .iter_mut()
        .find(|e| e["cert_id"] == old_id.as_str())
        .unwrap();
    old["key_file"] = "private-old.pem".into();
    old["cert_file"] = "public-old.pem".into();
    s["current"]["key_file"] = "private-old.pem".into();
    std::fs::write(d.join("nskeys-state.json"), s.to_string()).unwrap();
    std::fs::hard_link(d.join("private.pem"), d.join("private-old.pem")).unwrap();
    std::fs::hard_link(d.join("public.pem"), d.join("public-old.pem")).unwrap();
    std::fs::remove_file(d.join("public.pem")).unwrap();
    std::os::unix::fs::symlink("public-old.pem", d.join("public.pem")).unwrap();
    std::fs::remove_file(d.join("private.pem")).unwrap();
    std::os::unix::fs::symlink(&new_key, d.join("private.pem")).unwrap();
    // The key in use works with the ID the state file gives it (no --cert given: the
    // certificate pointer is the one thing behind).
    let o = cmd(&d, &api, &["verify", "--cert", &new_cert]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    // Any rotate run first finishes the switch.
    let o = rotate(&d, &api, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert!(
        out(&o).contains("finished an interrupted switch"),
        "{}",
        out(&o)
    );
    assert_eq!(link(&d, "public.pem"), new_cert);
    assert_eq!(state(&d)["current"]["cert_id"], manual.as_str());
    let o = cmd(&d, &api, &["verify"]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert_eq!(std::fs::read(d.join("private-old.pem")).unwrap(), key);
}

#[test]
fn expiry_of_the_key_directory_judges_what_is_in_use_once() {
    let (d, api, _key) = setup();
    let o = upload(&d, &api, &["--revoke-old"]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let o = d
        .nskeys()
        .args(["expiry", ".", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let paths: Vec<&str> = j
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    let current = state(&d)["current"]["cert_file"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(paths.len(), 1, "{paths:?}");
    assert!(paths[0].ends_with(&current), "{paths:?}");
}

#[test]
fn a_state_file_naming_paths_outside_its_directory_is_refused() {
    let (d, api, key) = setup();
    rotate(&d, &api, &[]);
    let mut s = state(&d);
    s["certificates"][1]["key_file"] = "../elsewhere.pem".into();
    std::fs::write(d.join("nskeys-state.json"), s.to_string()).unwrap();
    let o = rotate(&d, &api, &["--new-cert-id", "X"]);
    assert_eq!(o.status.code(), Some(3), "{}", out(&o));
    assert!(out(&o).contains("not a file name"), "{}", out(&o));
    assert_eq!(std::fs::read(d.join("private.pem")).unwrap(), key);
}

#[test]
fn if_expires_within_rotates_only_when_due() {
    let due = [
        "--upload",
        "--entity",
        "-5",
        "--role",
        "3",
        "--if-expires-within",
        "30",
    ];
    // Far from expiry (730 days): nothing is made, nothing is sent.
    let (d, api, key) = setup();
    let o = upload(&d, &api, &["--revoke-old", "--if-expires-within", "30"]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert!(out(&o).contains("nothing to do"), "{}", out(&o));
    assert!(api.requests().is_empty());
    assert_eq!(std::fs::read(d.join("private.pem")).unwrap(), key);
    assert_eq!(link(&d, "private.pem"), "<regular file>");
    // 10 days left: rotated.
    let d = Dir::new();
    d.nskeys().args(["gen", "--days", "10"]).assert().success();
    api.add("SHORT1", &d.join("public.pem"));
    let o = rotate(&d, &api, &due);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert!(out(&o).contains("switched"), "{}", out(&o));
    assert_ne!(state(&d)["current"]["cert_id"], api.id("SHORT1").as_str());
    // The next day's run: the new certificate has 730 days left.
    let o = rotate(&d, &api, &due);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert!(out(&o).contains("nothing to do"), "{}", out(&o));
}

#[test]
fn rsa_pair_in_another_directory_rotates_to_the_same_kind_of_key() {
    let d = Dir::new();
    d.nskeys()
        .args([
            "gen",
            "--alg",
            "ps256",
            "--bits",
            "3072",
            "--out-dir",
            "keys",
        ])
        .assert()
        .success();
    let api = ns_api::start();
    api.add("RSA1", &d.join("keys/public.pem"));
    let o = rotate(
        &d,
        &api,
        &[
            "--key",
            "keys/private.pem",
            "--upload",
            "--entity",
            "-5",
            "--role",
            "3",
            "--revoke-old",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let s: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join("keys/nskeys-state.json")).unwrap()).unwrap();
    let new_key = s["current"]["key_file"].as_str().unwrap().to_string();
    assert_eq!(
        std::fs::read_link(d.join("keys/private.pem"))
            .unwrap()
            .display()
            .to_string(),
        new_key
    );
    // An independent look at the new key: RSA 3072, as before.
    let (ok, text) = openssl(
        &["pkey", "-in", "keys/private.pem", "-noout", "-text"],
        d.path(),
    );
    assert!(ok && text.contains("3072 bit"), "{text}");
    let o = cmd(
        &d,
        &api,
        &[
            "verify",
            "--key",
            "keys/private.pem",
            "--cert",
            "keys/public.pem",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert!(out(&o).contains("PS256"), "{}", out(&o));
}

/// Oracle's documented add answer (article_0209112025), verbatim, is read: its certificate_id
/// (Oracle's example certificate's) is not the uploaded certificate's, so nskeys stops and
/// names both.
#[test]
fn rotate_reads_oracles_documented_add_answer() {
    let (d, api, key) = setup();
    let body = std::fs::read_to_string(fixture_path("oracle-docs/add-response.json")).unwrap();
    let documented =
        std::fs::read_to_string(fixture_path("oracle-docs/certificate-id.txt")).unwrap();
    api.set_faults(Faults {
        upload_answer: Some((200, body)),
        ..Faults::default()
    });
    let o = upload(&d, &api, &[]);
    assert_eq!(o.status.code(), Some(3), "{}", out(&o));
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert!(err.contains(documented.trim()), "{err}");
    old_key_in_use_and_working(&d, &api, &key);
}
