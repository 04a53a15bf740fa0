//! The README's examples run as written (issue 15): every command line in its ```sh and
//! ```console blocks that starts with `nskeys ` (or `$ nskeys `) is run by `sh`, in README
//! order, against the independent NetSuite stand-in (tests/standin/netsuite.py), and must exit
//! as the README says (0 unless listed in [`EXPECTED`]). So README and behaviour cannot drift.
//!
//! The stated prerequisites (README, "Running the examples"):
//! - each `###` section is one fresh directory; its lines run in order there (step 2 of a
//!   rotation follows step 1). Unless its first command is `nskeys gen`, the directory holds a
//!   pair made by `nskeys gen`, uploaded and mapped in NetSuite (the stand-in) for entity 1234
//!   and role 1057;
//! - the stand-in stands for NetSuite: NS_TOKEN_URL and NS_API_URL point at it (they win over
//!   `--account`);
//! - between the two steps of a manual rotation (the same `nskeys rotate` line run again) the
//!   reader uploads the new certificate: the test maps the pending one in the stand-in;
//! - the shell variables the examples use hold real values: CLIENT_ID (the integration's
//!   client ID), CERT_ID and CURRENT_CERT_ID (the mapped pair's Certificate ID), NEW_CERT_ID
//!   (set, after the new certificate of a manual rotation is mapped, before the line that uses
//!   it); `export NS_...=...` lines in a block set those variables to the same real values.
//!
//! A block preceded by `<!-- readme-test: skip REASON -->` is not run; single lines that cannot
//! run here are in [`SKIPPED`], each with its reason, and lines naming a system directory
//! ([`SYSTEM_DIRS`]) are never run. The extraction itself is checked: it must
//! find the `certs list` and `rotate --upload` examples and at least 30 lines.

use crate::harness::*;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};

/// Lines that cannot run here, matched by prefix, with the reason.
const SKIPPED: &[(&str, &str)] = &[
    (
        "nskeys inspect private.pem key.der",
        "key.der stands for a DER key file of the reader's own",
    ),
    (
        "nskeys profile list --check",
        "checks each profile as its file says (the account's real endpoint): NS_TOKEN_URL does not stand in for it; tests/profiles.rs runs it against a stand-in",
    ),
];

/// Lines naming a system directory are not run: they read a real installation's files, or
/// would write into the test machine's /etc or /usr (the tests may run as root).
const SYSTEM_DIRS: &[&str] = &["/etc/", "/usr/", "/var/", "/opt/", "/srv/"];

/// Why a line is not run, if it is not.
fn skipped(command: &str) -> Option<&'static str> {
    if let Some((_, why)) = SKIPPED.iter().find(|(p, _)| command.starts_with(p)) {
        return Some(why);
    }
    SYSTEM_DIRS
        .iter()
        .any(|d| command.contains(d))
        .then_some("names a system directory (a real installation's files, or the machine's own)")
}

/// Lines whose documented exit status is not 0, matched by prefix: the statuses allowed.
const EXPECTED: &[(&str, &[i32], &str)] = &[(
    "nskeys expiry --at 2027-06-01T00:00:00Z",
    &[0, 1],
    "judged at a fixed instant: WARNING (not valid yet) once the test machine's clock passes it",
)];

/// One command line from the README.
#[derive(Debug, Clone)]
struct Example {
    /// The `###` (or `##`) heading above it.
    section: String,
    /// README line number.
    line: usize,
    /// The command, continuation lines joined.
    command: String,
    /// `export ...` lines of its block, before it (comments removed).
    exports: Vec<String>,
}

/// Every nskeys command line in the README's sh/console blocks, in order.
fn examples(readme: &str) -> Vec<Example> {
    let mut out = Vec::new();
    let mut section = String::new();
    let mut block: Option<(String, bool)> = None; // (language, skipped)
    let mut skip_next = false;
    let mut exports = Vec::new();
    let mut lines = readme.lines().enumerate().peekable();
    while let Some((n, line)) = lines.next() {
        let trimmed = line.trim();
        if let Some(fence) = trimmed.strip_prefix("```") {
            block = match block {
                Some(_) => None,
                None => {
                    exports.clear();
                    let skipped = std::mem::take(&mut skip_next);
                    Some((fence.trim().to_string(), skipped))
                }
            };
            continue;
        }
        let Some((lang, skipped)) = &block else {
            if trimmed.starts_with("<!-- readme-test: skip") {
                skip_next = true;
            } else if trimmed.starts_with('#') {
                section = trimmed.trim_start_matches('#').trim().to_string();
            }
            continue;
        };
        if *skipped || !["sh", "console", "bash", "shell"].contains(&lang.as_str()) {
            continue;
        }
        let text = trimmed.strip_prefix("$ ").unwrap_or(trimmed);
        if text.starts_with("export ") {
            exports.push(text.split(" #").next().unwrap_or(text).trim().to_string());
            continue;
        }
        if !text.starts_with("nskeys ") && text != "nskeys" {
            continue;
        }
        let mut command = text.to_string();
        while command.ends_with('\\') {
            command.pop();
            match lines.next() {
                Some((_, more)) => command.push_str(more.trim()),
                None => break,
            }
        }
        out.push(Example {
            section: section.clone(),
            line: n + 1,
            command,
            exports: exports.clone(),
        });
    }
    out
}

/// The Python stand-in for NetSuite, stopped (by its process id) when dropped.
struct StandIn {
    child: Child,
    ready: serde_json::Value,
    http: reqwest::blocking::Client,
}

impl StandIn {
    fn start(d: &Dir) -> StandIn {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/standin/netsuite.py");
        let mut child = d
            .command("python3")
            .arg(script)
            .args(["--port", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start tests/standin/netsuite.py (needs python3 with PyJWT and cryptography)");
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .expect("the stand-in's ready line");
        let ready: serde_json::Value = serde_json::from_str(&first)
            .unwrap_or_else(|e| panic!("stand-in ready line {first:?}: {e}"));
        let http = reqwest::blocking::Client::builder()
            .no_proxy()
            .build()
            .unwrap();
        StandIn { child, ready, http }
    }

    fn field(&self, name: &str) -> String {
        self.ready[name].as_str().unwrap().to_string()
    }

    fn client_id(&self) -> String {
        self.ready["client_ids"][0].as_str().unwrap().to_string()
    }

    /// A fresh setup for the next section: no certificates mapped, no tokens.
    fn wipe(&self) {
        self.http
            .post(format!("{}/__standin/mappings", self.field("base")))
            .json(&serde_json::json!({ "action": "wipe" }))
            .send()
            .and_then(|r| r.error_for_status())
            .expect("wipe the stand-in's mappings");
    }

    /// Upload and map a certificate as a user does on the M2M setup page; its Certificate ID.
    fn map(&self, cert: &Path) -> String {
        let pem = std::fs::read_to_string(cert).unwrap();
        let answer: serde_json::Value = self
            .http
            .post(format!("{}/__standin/mappings", self.field("base")))
            .json(&serde_json::json!({
                "action": "add", "certificate": pem, "entity": 1234, "role": 1057
            }))
            .send()
            .and_then(|r| r.error_for_status())
            .and_then(|r| r.json())
            .unwrap_or_else(|e| panic!("map {}: {e}", cert.display()));
        answer["certificate_id"].as_str().unwrap().to_string()
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The first program after a `|` in `command` that is not installed, if any.
fn missing_tool(d: &Dir, command: &str) -> Option<String> {
    command.split('|').skip(1).find_map(|segment| {
        let tool = segment.split_whitespace().next()?.to_string();
        let found = d
            .command("sh")
            .args(["-c", "command -v \"$1\" >/dev/null", "sh", &tool])
            .status()
            .is_ok_and(|s| s.success());
        (!found).then_some(tool)
    })
}

/// The pending certificate of a manual rotation, from the state file.
fn pending_cert(dir: &Path) -> Option<std::path::PathBuf> {
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("nskeys-state.json")).ok()?).ok()?;
    state["certificates"]
        .as_array()?
        .iter()
        .find(|c| c["status"] == "pending")
        .and_then(|c| c["cert_file"].as_str())
        .map(|f| dir.join(f))
}

#[test]
fn the_extraction_finds_the_examples() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let found = examples(&readme);
    assert!(found.len() >= 30, "{found:#?}");
    assert!(skipped("nskeys man --dir /usr/local/share/man/man1").is_some());
    assert!(skipped("nskeys expiry public.pem").is_none());
    for must in [
        "nskeys certs list",
        "nskeys rotate --upload",
        "nskeys gen",
        "nskeys verify",
    ] {
        assert!(
            found.iter().any(|e| e.command.starts_with(must)),
            "no {must} example found"
        );
    }
    // Continuation lines are joined into one command.
    assert!(
        found
            .iter()
            .any(|e| e.command.contains("--revoke-old") && e.command.contains("--client-id")),
        "{found:#?}"
    );
    // Every skip still names a line of the README: a stale entry would hide nothing and say
    // nothing.
    for (prefix, _) in SKIPPED {
        assert!(
            found.iter().any(|e| e.command.starts_with(prefix)),
            "SKIPPED names no README line: {prefix}"
        );
    }
    let sample = "## A\n```sh\nexport NS_CERT_ID=... # x\nnskeys a \\\n  --b\n```\n<!-- readme-test: skip why -->\n```sh\nnskeys c\n```\n```console\n$ nskeys d\n```\n";
    let got: Vec<(String, String)> = examples(sample)
        .into_iter()
        .map(|e| (e.section, e.command))
        .collect();
    assert_eq!(
        got,
        [
            ("A".to_string(), "nskeys a --b".to_string()),
            ("A".to_string(), "nskeys d".to_string())
        ]
    );
}

#[test]
fn every_readme_example_runs_as_written() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let all = examples(&readme);
    let home = Dir::new();
    let ns = StandIn::start(&home);
    let bin_dir = nskeys_bin().parent().unwrap().to_path_buf();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut failures = Vec::new();
    let mut ran = 0;
    let mut sections: Vec<(String, Vec<Example>)> = Vec::new();
    for e in all {
        match sections.last_mut() {
            Some((name, list)) if *name == e.section => list.push(e),
            _ => sections.push((e.section.clone(), vec![e])),
        }
    }
    for (section, lines) in sections {
        let d = Dir::new();
        ns.wipe();
        let mut vars: BTreeMap<&str, String> = BTreeMap::new();
        let mut mapped = std::collections::BTreeSet::new();
        vars.insert("CLIENT_ID", ns.client_id());
        if !lines[0].command.starts_with("nskeys gen") {
            d.nskeys().arg("gen").assert().success();
            let id = ns.map(&d.join("public.pem"));
            vars.insert("CERT_ID", id.clone());
            vars.insert("CURRENT_CERT_ID", id);
        }
        for e in lines {
            if let Some(why) = skipped(&e.command) {
                eprintln!("README line {} skipped ({why}): {}", e.line, e.command);
                continue;
            }
            // A pipe into a tool the machine lacks (jq) says nothing about nskeys.
            if let Some(tool) = missing_tool(&d, &e.command) {
                eprintln!(
                    "README line {} skipped ({tool} is not installed): {}",
                    e.line, e.command
                );
                continue;
            }
            // Step 2 of a manual rotation is the same `nskeys rotate` again: what the reader
            // does in NetSuite before it (upload the new certificate) is done here.
            let manual_rotate = e.command.starts_with("nskeys rotate")
                && !e.command.contains("--upload")
                && !e.command.contains("--dry-run");
            if manual_rotate
                && !e.command.contains("NEW_CERT_ID")
                && let Some(cert) = pending_cert(d.path())
                && mapped.insert(cert.clone())
            {
                ns.map(&cert);
            }
            if e.command.contains("NEW_CERT_ID") {
                // What the reader does in NetSuite between the two steps: map the new
                // certificate and copy its ID.
                match pending_cert(d.path()) {
                    Some(cert) => {
                        mapped.insert(cert.clone());
                        vars.insert("NEW_CERT_ID", ns.map(&cert));
                    }
                    None => failures.push(format!(
                        "README line {} ({section}): no pending certificate to map before: {}",
                        e.line, e.command
                    )),
                }
            }
            let mut cmd = d.command("sh");
            cmd.env("PATH", &path)
                .env("NS_TOKEN_URL", ns.field("token_url"))
                .env("NS_API_URL", ns.field("api_base"))
                .envs(vars.iter().map(|(k, v)| (*k, v.as_str())));
            // The block's exports come first, as the reader typed them; a placeholder (`...`)
            // stands for the value the reader copies from NetSuite.
            let mut script = String::new();
            for export in &e.exports {
                for assign in export["export ".len()..].split_whitespace() {
                    let (name, value) = assign.split_once('=').unwrap_or((assign, ""));
                    let value = if value.contains("...") || value.contains('…') {
                        match name {
                            "NS_CLIENT_ID" => vars["CLIENT_ID"].clone(),
                            "NS_CERT_ID" if vars.contains_key("CERT_ID") => vars["CERT_ID"].clone(),
                            _ => {
                                failures.push(format!(
                                    "README line {}: export {name} has a placeholder this test cannot fill",
                                    e.line
                                ));
                                continue;
                            }
                        }
                    } else {
                        value.to_string()
                    };
                    script.push_str(&format!("export {name}={value}\n"));
                }
            }
            script.push_str(&e.command);
            cmd.args(["-c", &script]);
            let o = cmd.output().unwrap();
            ran += 1;
            let code = o.status.code().unwrap_or(-1);
            let allowed: &[i32] = EXPECTED
                .iter()
                .find(|(p, _, _)| e.command.starts_with(p))
                .map_or(&[0], |(_, codes, _)| codes);
            if !allowed.contains(&code) {
                failures.push(format!(
                    "README line {} ({section}): exit {code}, expected {allowed:?}: {}\n--- stdout\n{}--- stderr\n{}",
                    e.line,
                    e.command,
                    String::from_utf8_lossy(&o.stdout),
                    String::from_utf8_lossy(&o.stderr)
                ));
            }
        }
    }
    assert!(ran >= 25, "only {ran} README lines ran");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
