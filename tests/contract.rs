//! The command-line contract (../shared/CLI.md) as trycmd cases, one behaviour per file in
//! tests/cmd/ (see tests/cmd/README.md): usage errors, refusals, every exit status, and the
//! exact one-line messages of today.
use crate::harness::*;
use std::path::Path;

const CASES: &str = "tests/cmd";

#[test]
fn command_line_contract() {
    // HOME and the XDG directories of every case: empty ones of this run's, never the user's.
    let d = Dir::new();
    let home = d.home();
    trycmd::TestCases::new()
        .register_bin("nskeys", nskeys_bin())
        .env("HOME", home.display().to_string())
        .env(
            "XDG_CONFIG_HOME",
            home.join(".config").display().to_string(),
        )
        .env("XDG_CACHE_HOME", home.join(".cache").display().to_string())
        .insert_var("[VERSION]", env!("CARGO_PKG_VERSION"))
        .expect("a valid trycmd variable")
        .case(format!("{CASES}/*.toml"))
        .run();
}

/// No case inherits the test process's environment (NS_*, proxies, COLUMNS...): each says
/// `env.inherit = false`, which trycmd cannot set for all cases at once.
#[test]
fn every_case_starts_with_an_empty_environment() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(CASES);
    let mut cases = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let text = std::fs::read_to_string(&path).unwrap();
            assert!(
                text.lines().any(|l| l.trim() == "env.inherit = false"),
                "{}: add `env.inherit = false`",
                path.display()
            );
            cases += 1;
        }
    }
    assert!(cases > 0, "no cases in {}", dir.display());
}
