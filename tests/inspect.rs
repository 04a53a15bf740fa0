//! `nskeys inspect`: certificates and keys made by openssl and Python's cryptography, the
//! NetSuite verdict and its exit status, `--key`, `--json`, and bad input. openssl and
//! x509-parser give the second opinion.
use crate::harness::*;

fn run(d: &Dir, args: &[&str]) -> (i32, String, String) {
    let out = d.nskeys().arg("inspect").args(args).output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json(d: &Dir, args: &[&str]) -> (i32, serde_json::Value) {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let (code, out, _) = run(d, &all);
    let v = serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"));
    (code, v)
}

/// A fresh self-signed certificate and key by openssl, valid from now.
fn openssl_pair(d: &Dir, stem: &str, newkey: &[&str], days: &str) {
    let key = format!("{stem}-key.pem");
    let cert = format!("{stem}.pem");
    let mut args = vec![
        "req",
        "-new",
        "-x509",
        "-nodes",
        "-days",
        days,
        "-subj",
        "/CN=inspect-test",
    ];
    args.extend_from_slice(newkey);
    args.extend_from_slice(&["-keyout", &key, "-out", &cert]);
    let (ok, out) = openssl(&args, d.path());
    assert!(ok, "{out}");
}

const EC: &[&str] = &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"];

#[test]
fn fresh_openssl_certificate_is_accepted_and_matches_its_key() {
    let d = Dir::new();
    openssl_pair(&d, "c", EC, "730");
    let (code, out, err) = run(&d, &["c.pem", "--key", "c-key.pem"]);
    assert_eq!(code, 0, "{out}{err}");
    for want in [
        "certificate",
        "EC P-256",
        "CN=inspect-test",
        "ecdsa-with-SHA256",
        "ES256",
        "self-signed",
        "Key matches:    yes",
        "accepted",
    ] {
        assert!(out.contains(want), "{want}: {out}");
    }
    // Fingerprint and serial as openssl prints them.
    let (_, fp) = openssl(
        &["x509", "-in", "c.pem", "-noout", "-fingerprint", "-sha256"],
        d.path(),
    );
    let fp = fp.trim().rsplit('=').next().unwrap().to_string();
    assert!(out.contains(&fp), "{fp}: {out}");
    let (_, serial) = openssl(&["x509", "-in", "c.pem", "-noout", "-serial"], d.path());
    let serial = serial
        .trim()
        .trim_start_matches("serial=")
        .trim_start_matches("00");
    let (_, v) = json(&d, &["c.pem"]);
    let got = v["files"][0]["objects"][0]["serial"]
        .as_str()
        .unwrap()
        .replace(':', "");
    assert_eq!(got, serial);
}

#[test]
fn key_that_does_not_match_is_critical() {
    let d = Dir::new();
    openssl_pair(&d, "c", EC, "730");
    let other = fixture_path("oracle/es384-private.pem");
    let (code, out, _) = run(&d, &["c.pem", "--key", other.to_str().unwrap()]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("Key matches:    NO"), "{out}");
    let (code, v) = json(&d, &["c.pem", "--key", other.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert_eq!(v["files"][0]["objects"][0]["key_matches"], false);
    assert_eq!(v["status"], "CRITICAL");
    // A key that cannot be read is exit 3, on one line.
    let enc = fixture_path("keys/p256-encrypted-pkcs8.pem");
    let out = d
        .nskeys()
        .args(["inspect", "c.pem", "--key", enc.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(assert_one_line_error(&out.stderr).contains("encrypted"));
}

#[test]
fn rsa_key_matches_in_every_encoding() {
    let d = Dir::new();
    let cert = fixture_path("oracle/ps256-public.pem");
    for key in [
        "oracle/ps256-private.pem",
        "keys/rsa4096-pkcs1.pem",
        "keys/rsa4096-pkcs8.der",
        "keys/rsa4096-pkcs1.der",
    ] {
        let (_, v) = json(
            &d,
            &[
                cert.to_str().unwrap(),
                "--key",
                fixture_path(key).to_str().unwrap(),
            ],
        );
        assert_eq!(v["files"][0]["objects"][0]["key_matches"], true, "{key}");
    }
}

#[test]
fn pss_parameters_agree_with_openssl() {
    let d = Dir::new();
    for cert in [
        "expiry/pss.pem",
        "oracle/ps256-public.pem",
        "keys/ps256-public.der",
    ] {
        let path = fixture_path(cert);
        let (_, v) = json(&d, &[path.to_str().unwrap()]);
        let sig = &v["files"][0]["objects"][0]["signature"];
        assert_eq!(sig["algorithm"], "rsassaPss", "{cert}");
        assert_eq!(sig["pss"]["hash"], "SHA-256");
        assert_eq!(sig["pss"]["mgf1_hash"], "SHA-256");
        assert_eq!(sig["pss"]["trailer_field"], 1);
        let form = if cert.ends_with(".der") { "DER" } else { "PEM" };
        let (ok, text) = openssl(
            &[
                "x509",
                "-inform",
                form,
                "-in",
                path.to_str().unwrap(),
                "-noout",
                "-text",
            ],
            d.path(),
        );
        assert!(ok, "{text}");
        assert!(text.contains("Salt Length: 0x40"), "{text}");
        assert_eq!(sig["pss"]["salt_length"], 64);
    }
    let (_, out, _) = run(&d, &[fixture_path("expiry/pss.pem").to_str().unwrap()]);
    assert!(
        out.contains("rsassaPss (hash SHA-256, MGF1 with SHA-256, salt length 64"),
        "{out}"
    );
}

#[test]
fn netsuite_refusals_exit_2() {
    let d = Dir::new();
    for (file, why) in [
        ("expiry/rsa2048.pem", "2048"),
        ("expiry/expired2021.pem", "expired"),
        ("keys/rsa2048-public.pem", "2048"),
        ("keys/rsa2048-private.pem", "2048"),
        ("keys/rsa4096-bare-public.pem", "not a bare public key"),
        ("keys/ed25519-private.pem", "Ed25519"),
        ("keys/secp256k1-private.pem", "secp256k1"),
    ] {
        let (code, out, err) = run(&d, &[fixture_path(file).to_str().unwrap()]);
        assert_eq!(code, 2, "{file}: {out}{err}");
        assert!(out.contains(why), "{file}: {out}");
        assert!(out.contains("REFUSED"), "{file}: {out}");
    }
}

#[test]
fn warnings_exit_1() {
    let d = Dir::new();
    // Five years: NetSuite cuts it to two.
    openssl_pair(&d, "long", EC, "1825");
    let (code, out, _) = run(&d, &["long.pem"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("730"), "{out}");
    assert!(out.contains("NetSuite until:"), "{out}");
    // A key with the rsassaPss OID: nobody knows whether NetSuite takes it.
    let (code, out, _) = run(
        &d,
        &[fixture_path("keys/rsapss-oid-private.pem")
            .to_str()
            .unwrap()],
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("unknown whether NetSuite accepts"), "{out}");
    assert!(out.contains("RSA 3072"), "{out}");
    let (ok, o) = openssl(
        &[
            "req",
            "-new",
            "-x509",
            "-key",
            fixture_path("keys/rsapss-oid-private.pem")
                .to_str()
                .unwrap(),
            "-days",
            "365",
            "-subj",
            "/CN=pss-oid",
            "-out",
            "pssoid.pem",
        ],
        d.path(),
    );
    assert!(ok, "{o}");
    let (code, out, _) = run(&d, &["pssoid.pem"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("rsassaPss OID"), "{out}");
}

#[test]
fn keys_are_named_with_their_format() {
    let d = Dir::new();
    for (file, kind, format, enc) in [
        ("oracle/es256-private.pem", "EC P-256", "PKCS#8", "PEM"),
        ("keys/rsa4096-pkcs1.pem", "RSA 4096", "PKCS#1", "PEM"),
        ("keys/rsa4096-pkcs1.der", "RSA 4096", "PKCS#1", "DER"),
        ("keys/p256-sec1.pem", "EC P-256", "SEC1", "PEM"),
        ("keys/p256-sec1.der", "EC P-256", "SEC1", "DER"),
        ("keys/p384-sec1.pem", "EC P-384", "SEC1", "PEM"),
        ("keys/p521-sec1.pem", "EC P-521", "SEC1", "PEM"),
        ("keys/p256-ecparam.pem", "EC P-256", "SEC1", "PEM"),
    ] {
        let (code, v) = json(&d, &[fixture_path(file).to_str().unwrap()]);
        assert_eq!(code, 0, "{file}: {v}");
        let o = &v["files"][0]["objects"][0];
        assert_eq!(o["kind"], "private key", "{file}");
        assert_eq!(o["key_type"], kind, "{file}");
        assert_eq!(o["format"], format, "{file}");
        assert_eq!(o["encoding"], enc, "{file}");
    }
    let (_, v) = json(
        &d,
        &[fixture_path("oracle/es512-private.pem").to_str().unwrap()],
    );
    assert_eq!(
        v["files"][0]["objects"][0]["jwt_algs"],
        serde_json::json!(["ES512"])
    );
    let (_, v) = json(
        &d,
        &[fixture_path("keys/rsa4096-pkcs1.pem").to_str().unwrap()],
    );
    assert_eq!(
        v["files"][0]["objects"][0]["jwt_algs"],
        serde_json::json!(["PS256", "PS384", "PS512"])
    );
}

#[test]
fn encrypted_keys_are_named_as_such() {
    let d = Dir::new();
    for file in [
        "keys/p256-encrypted-pkcs8.pem",
        "keys/rsa4096-encrypted-pkcs8.der",
        "keys/rsa4096-encrypted-legacy.pem",
    ] {
        let (code, out, err) = run(&d, &[fixture_path(file).to_str().unwrap()]);
        assert_eq!(code, 0, "{file}: {out}{err}");
        assert!(out.contains("encrypted"), "{file}: {out}");
        assert!(out.contains("openssl pkey"), "{file}: {out}");
        let (_, v) = json(&d, &[fixture_path(file).to_str().unwrap()]);
        assert_eq!(v["files"][0]["objects"][0]["encrypted"], true, "{file}");
    }
}

#[test]
fn bundles_stdin_and_several_files() {
    let d = Dir::new();
    let bundle = fixture_path("expiry/bundle.pem");
    let (_, v) = json(&d, &[bundle.to_str().unwrap()]);
    let objects = v["files"][0]["objects"].as_array().unwrap();
    assert_eq!(objects.len(), 2);
    // Subjects as x509-parser reads them.
    let data = std::fs::read(&bundle).unwrap();
    for (o, pem) in objects
        .iter()
        .zip(x509_parser::pem::Pem::iter_from_buffer(&data))
    {
        let pem = pem.unwrap();
        let (_, c) = x509_parser::parse_x509_certificate(&pem.contents).unwrap();
        let cn = c
            .subject()
            .iter_common_name()
            .next()
            .unwrap()
            .as_str()
            .unwrap()
            .to_string();
        assert!(
            o["subject"].as_str().unwrap().contains(&format!("CN={cn}")),
            "{o}"
        );
        assert_eq!(o["not_after"].as_str().unwrap().len(), 20);
    }
    let out = d
        .nskeys()
        .args(["inspect", "-"])
        .write_stdin(std::fs::read(fixture_path("keys/ps256-public.der")).unwrap())
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("<stdin>"));
    assert!(String::from_utf8_lossy(&out.stdout).contains("certificate (DER)"));
    // A combined file: certificate and key together.
    let mut both = std::fs::read(fixture_path("oracle/es256-public.pem")).unwrap();
    both.extend(std::fs::read(fixture_path("oracle/es256-private.pem")).unwrap());
    std::fs::write(d.join("both.pem"), both).unwrap();
    let (_, v) = json(&d, &["both.pem"]);
    let kinds: Vec<&str> = v["files"][0]["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["certificate", "private key"]);
}

#[test]
fn bad_input_is_exit_3_on_one_line_and_other_files_still_shown() {
    let d = Dir::new();
    let good = std::fs::read(fixture_path("oracle/es256-public.pem")).unwrap();
    let text = String::from_utf8(good.clone()).unwrap();
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("empty.pem", Vec::new()),
        ("truncated.pem", good[..good.len() / 2].to_vec()),
        ("badb64.pem", text.replacen("MII", "M*I", 1).into_bytes()),
        (
            "random.bin",
            (0..3000u32)
                .map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8)
                .collect(),
        ),
        ("text.txt", b"just some text\n".to_vec()),
        ("deep.der", [0x30u8, 0x80].repeat(50_000)),
        (
            "csr-only.pem",
            b"-----BEGIN CERTIFICATE REQUEST-----\nMAA=\n-----END CERTIFICATE REQUEST-----\n"
                .to_vec(),
        ),
    ];
    let ok_file = fixture_path("keys/p256-sec1.pem");
    for (name, bytes) in &files {
        std::fs::write(d.join(name), bytes).unwrap();
        let (code, out, err) = run(&d, &[name, ok_file.to_str().unwrap()]);
        assert_eq!(code, 3, "{name}: {out}{err}");
        let e = assert_one_line_error(err.as_bytes());
        assert!(e.contains(&format!("({name})")), "{e}");
        assert!(
            out.contains("EC P-256"),
            "{name}: other files must still be shown: {out}"
        );
    }
    std::fs::File::create(d.join("big.pem"))
        .unwrap()
        .set_len(16 << 20)
        .unwrap();
    std::fs::create_dir(d.join("dir")).unwrap();
    for name in ["big.pem", "missing.pem", "dir"] {
        let (code, _, err) = run(&d, &[name]);
        assert_eq!(code, 3, "{name}");
        assert!(assert_one_line_error(err.as_bytes()).contains(name));
    }
    let (code, v) = json(&d, &["missing.pem"]);
    assert_eq!(code, 3);
    assert_eq!(v["status"], "UNKNOWN");
    assert!(
        v["files"][0]["error"]
            .as_str()
            .unwrap()
            .contains("no such file")
    );
}
