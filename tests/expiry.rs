//! `nskeys expiry`: states and exit codes on certificates made by other tools (Python's
//! cryptography with fixed dates, judged with `--at`; openssl at test time), the four formats,
//! directories, stdin, and every kind of bad input. x509-parser and openssl are the judges.
use crate::harness::*;

/// The instant the fixtures in fixtures/expiry/ were made around.
const AT: &str = "2027-01-01T00:00:00Z";
const AT_UNIX: i64 = 1_798_761_600;

fn fx(name: &str) -> String {
    fixture_path(&format!("expiry/{name}"))
        .display()
        .to_string()
}

/// Run `nskeys expiry --at AT args...`; returns (exit code, stdout, stderr).
fn expiry(d: &Dir, args: &[&str]) -> (i32, String, String) {
    let out = d
        .nskeys()
        .arg("expiry")
        .args(["--at", AT])
        .args(args)
        .output()
        .expect("run nskeys");
    (
        out.status.code().expect("exit code"),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The certificates of a PEM or DER file, parsed by x509-parser: (notBefore, notAfter, serial decimal).
fn judge_parse(path: &str) -> Vec<(i64, i64, String)> {
    let data = std::fs::read(path).unwrap();
    let ders: Vec<Vec<u8>> = if data.starts_with(b"-----") || data.starts_with(b"Bag") {
        x509_parser::pem::Pem::iter_from_buffer(&data)
            .map(|p| p.unwrap().contents)
            .collect()
    } else {
        vec![data]
    };
    ders.iter()
        .map(|der| {
            let (_, c) = x509_parser::parse_x509_certificate(der).unwrap();
            (
                c.validity().not_before.timestamp(),
                c.validity().not_after.timestamp(),
                c.tbs_certificate.serial.to_string(),
            )
        })
        .collect()
}

fn json(stdout: &str) -> Vec<serde_json::Value> {
    serde_json::from_str::<serde_json::Value>(stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"))
        .as_array()
        .expect("a JSON array")
        .clone()
}

#[test]
fn exit_code_per_state_on_fixed_date_fixtures() {
    let d = Dir::new();
    for (file, code, state) in [
        ("expired.pem", 2, "CRITICAL"),
        ("days5.pem", 2, "CRITICAL"),
        ("days20.pem", 1, "WARNING"),
        ("days200.pem", 0, "OK"),
        ("days200.der", 0, "OK"),
        ("notyet.pem", 1, "WARNING"),
        ("fiveyear.pem", 1, "WARNING"),
        ("exactly730.pem", 0, "OK"),
        ("bundle.pem", 1, "WARNING"),
    ] {
        let (got, out, err) = expiry(&d, &[&fx(file)]);
        assert_eq!(got, code, "{file}: {out}{err}");
        assert!(out.contains(state), "{file}: {out}");
        assert!(err.is_empty(), "{file}: {err}");
    }
}

#[test]
fn days_left_agree_with_x509_parser() {
    let d = Dir::new();
    for file in [
        "expired.pem",
        "days5.pem",
        "days20.pem",
        "days200.pem",
        "days200.der",
        "notyet.pem",
        "fiveyear.pem",
        "bundle.pem",
    ] {
        let (_, out, _) = expiry(&d, &["--format", "json", &fx(file)]);
        let got = json(&out);
        let want = judge_parse(&fx(file));
        assert_eq!(got.len(), want.len(), "{file}");
        for (g, (nb, na, _)) in got.iter().zip(want) {
            // NetSuite cuts validity to 730 days, so that is what counts.
            let effective = na.min(nb + 730 * 86_400);
            let days = (effective - AT_UNIX).div_euclid(86_400);
            assert_eq!(g["days_left"], days, "{file}: {g}");
        }
    }
    let (_, out, _) = expiry(&d, &["--format", "json", &fx("days5.pem")]);
    assert_eq!(json(&out)[0]["days_left"], 5);
    let (_, out, _) = expiry(&d, &["--format", "json", &fx("expired.pem")]);
    assert_eq!(json(&out)[0]["days_left"], -31);
}

#[test]
fn five_year_certificate_counts_to_netsuite_two_years() {
    let d = Dir::new();
    let (code, out, _) = expiry(&d, &["--format", "json", &fx("fiveyear.pem")]);
    assert_eq!(code, 1);
    let v = &json(&out)[0];
    assert_eq!(v["not_after"], "2030-12-31T00:00:00Z");
    assert_eq!(v["netsuite_expiry"], "2028-01-01T00:00:00Z");
    assert!(v["reasons"].to_string().contains("730"), "{v}");
    // Past NetSuite's cut, it is expired even though its own notAfter is years away.
    let out = d
        .nskeys()
        .args([
            "expiry",
            "--at",
            "2028-01-02T00:00:00Z",
            &fx("fiveyear.pem"),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn at_in_the_future_and_thresholds() {
    let d = Dir::new();
    let run = |args: &[&str]| {
        d.nskeys()
            .arg("expiry")
            .args(args)
            .output()
            .unwrap()
            .status
            .code()
            .unwrap()
    };
    let f = fx("days200.pem");
    assert_eq!(run(&["--at", "2027-07-01T00:00:00Z", &f]), 1);
    assert_eq!(run(&["--at", "2027-07-18T00:00:00Z", &f]), 2);
    assert_eq!(run(&["--at", "2027-07-21T00:00:00Z", &f]), 2);
    assert_eq!(run(&["--at", "2027-01-01", "--warn-days", "201", &f]), 1);
    assert_eq!(run(&["--at", "2027-01-01", "--warn-days", "200", &f]), 0);
    assert_eq!(
        run(&[
            "--at",
            "2027-01-01",
            "--warn-days",
            "300",
            "--crit-days",
            "201",
            &f
        ]),
        2
    );
    // With both windows at 0 only expiry itself counts.
    let e = fx("days5.pem");
    assert_eq!(
        run(&["--at", AT, "--warn-days", "0", "--crit-days", "0", &e]),
        0
    );
}

#[test]
fn bad_arguments_exit_3_on_one_line() {
    let d = Dir::new();
    let f = fx("days200.pem");
    for args in [
        vec!["expiry", "--at", "yesterday", f.as_str()],
        vec!["expiry", "--crit-days", "40", f.as_str()],
        vec!["expiry", "--format", "xml", f.as_str()],
        vec!["expiry", "--warn-days", "-1", f.as_str()],
    ] {
        let out = d.nskeys().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(3), "{args:?}");
        assert_one_line_error(&out.stderr);
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn directory_is_judged_sorted_and_keys_beside_certificates_are_skipped() {
    let d = Dir::new();
    let dir = fx("");
    let (code, out, err) = expiry(&d, &["--format", "json", &dir]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.is_empty(),
        "pss-key.pem is a key beside certificates: {err}"
    );
    let paths: Vec<String> = json(&out)
        .iter()
        .map(|v| v["path"].as_str().unwrap().to_string())
        .collect();
    let mut sorted = paths.clone();
    sorted.sort();
    assert_eq!(paths, sorted);
    for f in ["bundle.pem", "days200.der", "expired.pem", "notyet.pem"] {
        assert!(
            paths.iter().any(|p| p.ends_with(f)),
            "{f} missing: {paths:?}"
        );
    }
    assert!(
        !paths
            .iter()
            .any(|p| p.ends_with("make.py") || p.ends_with("pss-key.pem"))
    );
    // Extensions: .crt and .cer count, other names do not.
    let sub = d.join("certs");
    std::fs::create_dir(&sub).unwrap();
    std::fs::copy(fx("days200.pem"), sub.join("a.CRT")).unwrap();
    std::fs::copy(fx("days20.pem"), sub.join("b.cer")).unwrap();
    std::fs::copy(fx("expired.pem"), sub.join("c.txt")).unwrap();
    std::fs::create_dir(sub.join("nested.pem")).unwrap();
    let (code, out, _) = expiry(&d, &["certs"]);
    assert_eq!(code, 1, "{out}");
    assert_eq!(out.lines().count(), 2, "{out}");
}

#[test]
fn directory_without_certificates_is_unknown() {
    let d = Dir::new();
    std::fs::create_dir(d.join("empty")).unwrap();
    std::fs::create_dir(d.join("keys")).unwrap();
    std::fs::copy(
        fixture_path("oracle/es256-private.pem"),
        d.join("keys/private.pem"),
    )
    .unwrap();
    for dir in ["empty", "keys"] {
        let (code, out, err) = expiry(&d, &[dir]);
        assert_eq!(code, 3, "{dir}");
        let e = assert_one_line_error(err.as_bytes());
        assert!(e.contains(&format!("({dir})")), "{e}");
        assert!(out.contains("UNKNOWN"), "{out}");
    }
}

#[test]
fn stdin_and_default_path() {
    let d = Dir::new();
    let out = d
        .nskeys()
        .args(["expiry", "--at", AT, "-"])
        .write_stdin(std::fs::read(fx("days20.pem")).unwrap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("<stdin>"));
    let out = d
        .nskeys()
        .args(["expiry", "--at", AT, "-"])
        .write_stdin(std::fs::read(fx("days200.der")).unwrap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    // No PATH: public.pem, as `nskeys gen` writes it.
    let (code, _, err) = expiry(&d, &[]);
    assert_eq!(code, 3);
    assert!(assert_one_line_error(err.as_bytes()).contains("public.pem"));
    d.fixture("expiry/days5.pem", "public.pem");
    let (code, out, _) = expiry(&d, &[]);
    assert_eq!(code, 2);
    assert!(out.contains("public.pem"), "{out}");
}

#[test]
fn quiet_prints_only_what_is_not_ok() {
    let d = Dir::new();
    let (code, out, _) = expiry(&d, &["--quiet", &fx("days200.pem"), &fx("exactly730.pem")]);
    assert_eq!(code, 0);
    assert!(out.is_empty(), "cron must stay silent: {out}");
    let (code, out, _) = expiry(&d, &["-q", &fx("bundle.pem")]);
    assert_eq!(code, 1);
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.starts_with("WARNING"), "{out}");
}

#[test]
fn nagios_is_one_line_with_perfdata() {
    let d = Dir::new();
    let (code, out, _) = expiry(&d, &["--format", "nagios", &fx("days20.pem")]);
    assert_eq!(code, 1);
    assert_eq!(out.lines().count(), 1);
    assert!(out.starts_with("NSKEYS EXPIRY WARNING - "), "{out}");
    assert!(out.contains("CN=days20"), "{out}");
    assert!(out.trim_end().ends_with("| days_left=20;30;7;0"), "{out}");
    // Several: the worst is named, the fewest days go into perfdata.
    let (code, out, _) = expiry(
        &d,
        &[
            "--format",
            "nagios",
            "--warn-days",
            "60",
            "--crit-days",
            "10",
            &fx("bundle.pem"),
            &fx("expired.pem"),
        ],
    );
    assert_eq!(code, 2);
    assert_eq!(out.lines().count(), 1);
    assert!(out.starts_with("NSKEYS EXPIRY CRITICAL - "), "{out}");
    assert!(out.contains("expired.pem"), "{out}");
    assert!(out.contains("3 checked"), "{out}");
    assert!(out.trim_end().ends_with("| days_left=-31;60;10;0"), "{out}");
    assert_eq!(out.matches('|').count(), 1, "{out}");
    // An unreadable path is visible to monitoring.
    let (code, out, err) = expiry(
        &d,
        &["--format", "nagios", &fx("days200.pem"), "missing.pem"],
    );
    assert_eq!(code, 3);
    assert!(
        out.starts_with("NSKEYS EXPIRY UNKNOWN - missing.pem"),
        "{out}"
    );
    assert!(out.contains("days_left=200;30;7;0"), "{out}");
    assert_one_line_error(err.as_bytes());
}

#[test]
fn prometheus_uses_the_x509_exporter_names() {
    let d = Dir::new();
    let weird = d.join("we\"ird\\name.pem");
    std::fs::copy(fx("bundle.pem"), &weird).unwrap();
    let (code, out, _) = expiry(
        &d,
        &[
            "--format",
            "prometheus",
            "we\"ird\\name.pem",
            &fx("expired.pem"),
            "missing.pem",
        ],
    );
    assert_eq!(code, 3);
    for name in [
        "x509_cert_not_after",
        "x509_cert_not_before",
        "x509_cert_expired",
        "x509_read_errors",
    ] {
        assert!(
            out.contains(&format!("# TYPE {name} gauge")),
            "{name}: {out}"
        );
        assert!(out.contains(&format!("# HELP {name} ")), "{name}: {out}");
    }
    let want = judge_parse(&fx("bundle.pem"));
    let label = format!(
        "filepath=\"we\\\"ird\\\\name.pem\",serial_number=\"{}\",subject_CN=\"days200\"",
        want[0].2
    );
    assert!(
        out.contains(&format!("x509_cert_not_after{{{label}")),
        "{label}\n{out}"
    );
    assert!(out.contains(&format!("}} {}\n", want[0].1)), "{out}");
    assert_eq!(want[0].2, "123456789012345678901234567890");
    let expired_line = out
        .lines()
        .find(|l| l.starts_with("x509_cert_expired{") && l.contains("CN=\"expired\""))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(expired_line.ends_with(" 1"), "{expired_line}");
    assert!(
        out.contains("x509_cert_error{filepath=\"missing.pem\"} 1"),
        "{out}"
    );
    assert!(out.contains("\nx509_read_errors 1\n"), "{out}");
    // Every sample line is `name{labels} value`.
    for l in out.lines().filter(|l| !l.starts_with('#')) {
        let value = l.rsplit(' ').next().unwrap();
        assert!(value.parse::<i64>().is_ok(), "{l}");
    }
}

#[test]
fn json_is_an_array_with_unknown_paths_too() {
    let d = Dir::new();
    let (code, out, _) = expiry(&d, &["--format", "json", &fx("bundle.pem"), "missing.pem"]);
    assert_eq!(code, 3);
    let v = json(&out);
    assert_eq!(v.len(), 3);
    assert_eq!(v[0]["state"], "OK");
    assert_eq!(v[1]["state"], "WARNING");
    assert_eq!(v[1]["index"], 2);
    assert_eq!(v[2]["state"], "UNKNOWN");
    assert!(v[2]["error"].as_str().unwrap().contains("missing.pem"));
}

#[test]
fn bad_input_is_unknown_on_one_line_and_other_paths_are_still_judged() {
    let d = Dir::new();
    let good = std::fs::read(fx("days20.pem")).unwrap();
    let text = String::from_utf8(good.clone()).unwrap();
    let files: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty.pem", Vec::new(), "empty"),
        ("blank.pem", b"\n  \n".to_vec(), "empty"),
        (
            "truncated.pem",
            good[..good.len() / 2].to_vec(),
            "no END line",
        ),
        (
            "nobody.pem",
            text.replace("-----END CERTIFICATE-----", "").into_bytes(),
            "no END line",
        ),
        (
            "badb64.pem",
            text.replacen("MII", "M*I", 1).into_bytes(),
            "base64",
        ),
        (
            "random.der",
            (0..2000u32)
                .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
                .collect(),
            "certificate",
        ),
        (
            "text.pem",
            b"hello, this is not a certificate\n".to_vec(),
            "neither a PEM nor a DER",
        ),
        ("deep.der", deep_der(20_000), "certificate"),
        (
            "indefinite.der",
            [0x30u8, 0x80].repeat(50_000),
            "certificate",
        ),
        (
            "key.pem",
            std::fs::read(fixture_path("oracle/es256-private.pem")).unwrap(),
            "private key",
        ),
        (
            "key.der",
            std::fs::read(fixture_path("keys/rsa4096-pkcs8.der")).unwrap(),
            "private key",
        ),
        (
            "public-key.pem",
            std::fs::read(fixture_path("keys/rsa4096-bare-public.pem")).unwrap(),
            "public key",
        ),
        (
            "truncated.der",
            std::fs::read(fx("days200.der")).unwrap()[..200].to_vec(),
            "certificate",
        ),
    ];
    for (name, bytes, what) in &files {
        std::fs::write(d.join(name), bytes).unwrap();
        let (code, out, err) = expiry(&d, &[name, &fx("days200.pem")]);
        assert_eq!(code, 3, "{name}: {out}{err}");
        let e = assert_one_line_error(err.as_bytes());
        assert!(e.contains(&format!("({name})")), "{name}: {e}");
        assert!(
            e.to_lowercase().contains(&what.to_lowercase()),
            "{name}: {e}"
        );
        assert!(
            out.contains("OK ") && out.contains("days200.pem"),
            "{name}: the good file must still be judged: {out}"
        );
        assert!(out.contains(&format!("UNKNOWN  {name}")), "{name}: {out}");
    }
    // A 16 MB file is refused unread; a missing path is named.
    let big = d.join("big.pem");
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(16 * 1024 * 1024).unwrap();
    for (name, what) in [("big.pem", "larger than"), ("missing.pem", "no such file")] {
        let (code, out, err) = expiry(&d, &[name, &fx("days5.pem")]);
        assert_eq!(code, 3, "{name}");
        let e = assert_one_line_error(err.as_bytes());
        assert!(e.contains(what) && e.contains(name), "{e}");
        assert!(out.contains("CRITICAL"), "{out}");
    }
}

#[test]
fn agrees_with_openssl_checkend_on_fresh_certificates() {
    let d = Dir::new();
    for (days, code) in [("3", 2), ("20", 1), ("400", 0)] {
        let name = format!("c{days}.pem");
        let (ok, out) = openssl(
            &[
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-keyout",
                "k.pem",
                "-out",
                &name,
                "-days",
                days,
                "-subj",
                "/CN=fresh",
            ],
            d.path(),
        );
        assert!(ok, "{out}");
        let got = d.nskeys().args(["expiry", &name]).output().unwrap();
        assert_eq!(got.status.code(), Some(code), "{days} days");
        // openssl: does it expire within 30 days (warn) / 7 days (crit)?
        let within = |secs: u32| {
            !openssl(
                &[
                    "x509",
                    "-checkend",
                    &secs.to_string(),
                    "-noout",
                    "-in",
                    &name,
                ],
                d.path(),
            )
            .0
        };
        let want = if within(7 * 86_400) {
            2
        } else if within(30 * 86_400) {
            1
        } else {
            0
        };
        assert_eq!(code, want, "{days} days: openssl disagrees");
    }
}

#[test]
fn five_hundred_certificates_in_one_directory() {
    let d = Dir::new();
    let dir = d.join("many");
    std::fs::create_dir(&dir).unwrap();
    let pem = std::fs::read(fx("days200.pem")).unwrap();
    for i in 0..500 {
        std::fs::write(dir.join(format!("c{i:03}.pem")), &pem).unwrap();
    }
    let start = std::time::Instant::now();
    let (code, out, _) = expiry(&d, &["many"]);
    assert_eq!(code, 0);
    assert_eq!(out.lines().count(), 500);
    assert!(start.elapsed().as_secs() < 20, "{:?}", start.elapsed());
}
