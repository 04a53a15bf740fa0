//! The README's CI recipes, run as written: the GitHub Actions step's `run: |` script and the
//! GitLab CI job's `script:` lines are taken from the README, and run with bash and the
//! recipes' variables (the key's PEM text in NS_PRIVATE_KEY), NS_TOKEN_URL and SUITETALK
//! pointed at the local NetSuite stand-in. A refused token stops the job before curl runs.
use crate::harness::*;
use crate::stand_in::*;

fn readme() -> String {
    std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .unwrap()
}

/// The ```yaml blocks of the README holding `marker`.
fn yaml_block(marker: &str) -> String {
    let text = readme();
    let blocks: Vec<&str> = text
        .split("```yaml\n")
        .skip(1)
        .filter_map(|b| b.split("\n```").next())
        .filter(|b| b.contains(marker))
        .collect();
    assert_eq!(
        blocks.len(),
        1,
        "one yaml block with {marker:?} in README.md"
    );
    blocks[0].to_string()
}

fn indent(l: &str) -> usize {
    l.len() - l.trim_start().len()
}

/// The variables a block's `env:` or `variables:` mapping names.
fn variables(block: &str, key: &str) -> Vec<String> {
    let lines: Vec<&str> = block.lines().collect();
    let at = lines.iter().position(|l| l.trim() == key).expect(key);
    let base = indent(lines[at]);
    lines[at + 1..]
        .iter()
        .take_while(|l| indent(l) > base)
        .filter_map(|l| l.trim().split(':').next().map(str::to_string))
        .collect()
}

/// GitHub: the lines of the `run: |` literal, dedented.
fn github_script() -> (String, Vec<String>) {
    let block = yaml_block("runs-on:");
    let lines: Vec<&str> = block.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.trim() == "run: |")
        .expect("run: |");
    let body: Vec<&str> = lines[at + 1..]
        .iter()
        .take_while(|l| indent(l) > indent(lines[at]))
        .copied()
        .collect();
    let cut = body.iter().map(|l| indent(l)).min().unwrap();
    let script = body
        .iter()
        .map(|l| &l[cut..])
        .collect::<Vec<_>>()
        .join("\n");
    (script, variables(&block, "env:"))
}

/// GitLab: each `script:` item, a folded `>` item joined with spaces.
fn gitlab_script() -> (String, Vec<String>) {
    let block = yaml_block("script:");
    let lines: Vec<&str> = block.lines().collect();
    let at = lines.iter().position(|l| l.trim() == "script:").unwrap();
    let mut items: Vec<String> = Vec::new();
    let mut i = at + 1;
    while i < lines.len() && indent(lines[i]) > indent(lines[at]) {
        let item = lines[i].trim().strip_prefix("- ").expect("a list item");
        let item_indent = indent(lines[i]);
        i += 1;
        if item == ">" {
            let mut folded = Vec::new();
            while i < lines.len() && indent(lines[i]) > item_indent {
                folded.push(lines[i].trim());
                i += 1;
            }
            items.push(folded.join(" "));
        } else {
            items.push(item.to_string());
        }
    }
    (items.join("\n"), variables(&block, "variables:"))
}

/// Run `script` with bash as the CI system would, nskeys first on PATH.
fn run(d: &Dir, bash_args: &[&str], script: &str, env: &[(&str, String)]) -> std::process::Output {
    let bin_dir = nskeys_bin().parent().unwrap().to_path_buf();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut c = d.command("bash");
    c.args(bash_args).arg(script).env("PATH", path);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

#[test]
fn the_readme_ci_recipes_get_a_token_and_query_suiteql() {
    let d = Dir::new();
    d.fixture("oracle/es256-public.pem", "cert.pem");
    let pem = std::fs::read_to_string(fixture_path("oracle/es256-private.pem")).unwrap();
    let m = Mapping::new(d.join("cert.pem"));
    let server = start(Behaviour::NetSuite(m.clone()));
    let (github, github_vars) = github_script();
    let (gitlab, gitlab_vars) = gitlab_script();
    assert!(
        github.contains("TOKEN=$(nskeys token) || exit 1\n"),
        "{github}"
    );
    assert!(github.contains("::add-mask::$TOKEN"), "{github}");
    assert!(
        gitlab.starts_with("TOKEN=$(nskeys token) || exit 1\n"),
        "{gitlab}"
    );
    for v in [
        "NS_ACCOUNT_ID",
        "NS_CLIENT_ID",
        "NS_CERT_ID",
        "NS_PRIVATE_KEY",
        "SUITETALK",
    ] {
        assert!(github_vars.iter().any(|g| g == v), "{v} in {github_vars:?}");
    }
    assert!(
        gitlab_vars.iter().any(|g| g == "SUITETALK"),
        "{gitlab_vars:?}"
    );
    let env = |kid: &str| {
        vec![
            ("NS_ACCOUNT_ID", "1234567_SB1".to_string()),
            ("NS_CLIENT_ID", m.client_id.clone()),
            ("NS_CERT_ID", kid.to_string()),
            ("NS_PRIVATE_KEY", pem.clone()),
            ("NS_TOKEN_URL", server.token_url()),
            ("SUITETALK", server.base.clone()),
        ]
    };
    let github_bash = ["--noprofile", "--norc", "-eo", "pipefail", "-c"];
    let gitlab_bash = ["-e", "-c"];
    let mut probes = 0;
    for (name, bash, script) in [
        ("GitHub Actions", &github_bash[..], &github),
        ("GitLab CI", &gitlab_bash[..], &gitlab),
    ] {
        let out = run(&d, bash, script, &env(&m.kid));
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{name}: {stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(stdout.lines().last(), Some("1"), "{name}: {stdout}");
        probes += 1;
        let suiteql: Vec<Received> = server
            .requests()
            .into_iter()
            .filter(|r| r.path.starts_with(PROBE_PATH))
            .collect();
        assert_eq!(suiteql.len(), probes, "{name}");
        let token = server.tokens().last().unwrap().clone();
        assert_eq!(
            suiteql.last().unwrap().header("authorization"),
            Some(format!("Bearer {token}").as_str())
        );
        // The token is shown only where GitHub masks it; GitLab never prints it.
        let masked = stdout.replace(&format!("::add-mask::{token}"), "");
        assert!(!masked.contains(&token), "{name}: {stdout}");
        assert!(!String::from_utf8_lossy(&out.stderr).contains(&token));
        // The key never shows.
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        for piece in body.as_bytes().chunks(24) {
            let piece = String::from_utf8_lossy(piece);
            assert!(!stdout.contains(piece.as_ref()), "{name}");
            assert!(!String::from_utf8_lossy(&out.stderr).contains(piece.as_ref()));
        }

        // A refused token stops the job: exit 1, and curl never runs.
        let out = run(&d, bash, script, &env("not-mapped"));
        assert_eq!(out.status.code(), Some(1), "{name}");
        let after = server
            .requests()
            .into_iter()
            .filter(|r| r.path.starts_with(PROBE_PATH))
            .count();
        assert_eq!(after, probes, "{name}: curl ran after a refusal");
    }
}
