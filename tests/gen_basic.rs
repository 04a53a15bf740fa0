//! `nskeys gen`: the first checks (the full suite lives beside it).
mod common;
use common::*;

#[test]
fn es256_default_pair_is_accepted_by_openssl() {
    let d = Dir::new();
    d.nskeys().arg("gen").assert().success();
    let (ok, out) = openssl(&["verify", "-CAfile", "public.pem", "public.pem"], d.path());
    assert!(ok, "{out}");
    let (ok, out) = openssl(
        &["pkey", "-check", "-noout", "-in", "private.pem"],
        d.path(),
    );
    assert!(ok, "{out}");
}

#[test]
fn usage_errors_exit_3_on_one_line() {
    let d = Dir::new();
    let out = d
        .nskeys()
        .args(["gen", "--days", "731"])
        .assert()
        .code(3)
        .get_output()
        .clone();
    let err = assert_one_line_error(&out.stderr);
    assert!(err.contains("730"), "{err}");
    assert!(
        std::fs::read_dir(d.path()).unwrap().next().is_none(),
        "nothing may be written"
    );
    d.nskeys().arg("--bogus").assert().code(3);
    d.nskeys().arg("--help").assert().code(0);
    d.nskeys().arg("--version").assert().code(0);
}
