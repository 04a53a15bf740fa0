//! The command line itself: help, version, usage errors, completions, man page.
use crate::harness::*;

#[test]
fn help_exits_0_and_documents_the_exit_status() {
    let d = Dir::new();
    let out = d.nskeys().arg("--help").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("EXIT STATUS"), "{text}");
}

#[test]
fn gen_help_exits_0_and_lists_its_options() {
    let d = Dir::new();
    let out = d.nskeys().args(["gen", "--help"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    for opt in [
        "--alg",
        "--bits",
        "--days",
        "--subject",
        "--out-dir",
        "--key-out",
        "--cert-out",
        "--force",
        "--json",
    ] {
        assert!(text.contains(opt), "gen --help lacks {opt}:\n{text}");
    }
}

#[test]
fn version_exits_0_and_prints_the_version() {
    let d = Dir::new();
    let out = d.nskeys().arg("--version").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.trim(), format!("nskeys {}", env!("CARGO_PKG_VERSION")));
}

#[test]
fn unknown_flag_exits_3_with_one_line() {
    let d = Dir::new();
    let out = d.nskeys().arg("--bogus").output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = assert_one_line_error(&out.stderr);
    assert!(err.contains("--bogus"), "{err}");
}

/// Regression: `nskeys` alone printed the whole help (18 lines) on stderr.
#[test]
fn no_command_exits_3_with_one_line_naming_the_commands() {
    let d = Dir::new();
    let out = d.nskeys().output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = assert_one_line_error(&out.stderr);
    assert!(err.contains("gen") && err.contains("expiry"), "{err}");
}

/// Regression: the missing argument's name was on clap's second line and got lost
/// ("were not provided:  (arguments)").
#[test]
fn missing_argument_is_named_on_the_one_line() {
    let d = Dir::new();
    let out = d.nskeys().arg("completions").output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = assert_one_line_error(&out.stderr);
    assert!(err.contains("<SHELL>"), "{err}");
    assert!(!err.contains("  "), "no gaps where text was lost: {err}");
}

#[test]
fn unknown_subcommand_exits_3_with_one_line() {
    let d = Dir::new();
    let out = d.nskeys().arg("frobnicate").output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert_one_line_error(&out.stderr);
}

#[test]
fn bad_value_exits_3_with_one_line_naming_the_choices() {
    let d = Dir::new();
    let out = d.nskeys().args(["gen", "--alg", "hs256"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = assert_one_line_error(&out.stderr);
    assert!(err.contains("es256") && err.contains("ps256"), "{err}");
}

fn completions(shell: &str) -> String {
    let d = Dir::new();
    let out = d.nskeys().args(["completions", shell]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{shell}");
    let script = String::from_utf8(out.stdout).expect("UTF-8");
    assert!(script.contains("nskeys"), "{shell} completion: {script}");
    assert!(
        script.contains("--out-dir"),
        "{shell} completion lacks gen's options"
    );
    script
}

#[test]
fn completions_for_zsh_fish_powershell_and_elvish_exit_0() {
    for shell in ["zsh", "fish", "powershell", "elvish"] {
        completions(shell);
    }
}

#[test]
fn bash_completion_is_valid_bash() {
    let d = Dir::new();
    let path = d.join("nskeys.bash");
    std::fs::write(&path, completions("bash")).unwrap();
    let out = d
        .command("bash")
        .arg("-n")
        .arg(&path)
        .output()
        .expect("bash");
    assert!(
        out.status.success(),
        "bash -n: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn unknown_shell_exits_3() {
    let d = Dir::new();
    let out = d.nskeys().args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert_one_line_error(&out.stderr);
}

#[test]
fn man_page_is_roff_and_has_exit_status() {
    let d = Dir::new();
    let out = d.nskeys().arg("man").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let roff = String::from_utf8_lossy(&out.stdout);
    assert!(roff.starts_with(".TH") || roff.contains("\n.SH"), "{roff}");
    assert!(roff.contains("EXIT STATUS"), "{roff}");
    assert!(roff.contains("gen"), "documents the subcommands");
}

/// NS_WARN_DAYS / NS_CRIT_DAYS stand in for --warn-days / --crit-days (expiry and certs list).
#[test]
fn warn_and_crit_days_from_the_environment() {
    let d = Dir::new();
    d.nskeys().args(["gen"]).assert().success();
    let o = d
        .nskeys()
        .args(["expiry", "public.pem"])
        .env("NS_WARN_DAYS", "800")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let o = d
        .nskeys()
        .args(["expiry", "public.pem"])
        .env("NS_WARN_DAYS", "800")
        .env("NS_CRIT_DAYS", "800")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
}
