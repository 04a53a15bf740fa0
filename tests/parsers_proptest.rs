//! The parsing entry points the fuzz targets drive (fuzz/fuzz_targets/*.rs), driven here by
//! proptest so that `cargo test` covers them on stable without cargo-fuzz: arbitrary bytes and
//! mutations of real fixtures never panic, and always give Ok or one error line with exit
//! status UNKNOWN or CRITICAL. Crashes the fuzzers find are kept in fuzz/regressions/ and
//! replayed by `fuzz_regressions_replay`.
use crate::harness::fixture_path;
use nskeys::{Error, Status};
use proptest::prelude::*;

/// What every failure must look like: the exit contract's statuses, one line.
fn check_error(e: &Error) {
    assert!(
        matches!(e.status, Status::Unknown | Status::Critical),
        "status {:?}: {e}",
        e.status
    );
    let line = e.to_string();
    assert!(!line.contains('\n') && !line.contains('\r'), "{line:?}");
    assert!(!line.is_empty());
}

/// Every entry point on one input. The name is what messages must carry.
fn all_parsers(data: &[u8]) {
    let _ = nskeys::pki::pem::pem_blocks(data);
    let _ = nskeys::pki::pem::looks_like_pem(data);
    let _ = nskeys::pki::objects::classify(data).map(|c| c.holds_only_keys());
    match nskeys::store::read::private_key_in(data, "k.pem") {
        Ok(k) => {
            // A key that parsed must answer every question about itself.
            let _ = k.key.describe();
            let _ = nskeys::pki::verdict::judge_key(&k.key.key_type());
            let _ = k.key.public_key_der();
        }
        Err(e) => {
            check_error(&e);
            assert_eq!(e.subject.as_deref(), Some("k.pem"));
        }
    }
    match nskeys::store::read::certificates_in(data, "c.pem") {
        Ok(certs) => {
            for c in certs {
                let _ = (c.fingerprint(), c.serial_hex(), c.serial_decimal());
                let _ = nskeys::pki::verdict::netsuite_expiry(&c);
            }
        }
        Err(e) => {
            check_error(&e);
            assert_eq!(e.subject.as_deref(), Some("c.pem"));
        }
    }
}

fn token_answer(status: u16, body: &[u8]) {
    let url = "https://x.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token";
    match nskeys::netsuite::token::read_answer(url, status, body, Some("https://elsewhere/")) {
        Ok(nskeys::netsuite::token::Answer::Issued(i)) => {
            assert!((200..300).contains(&status));
            assert!(!i.access_token.is_empty());
        }
        Ok(_) => {}
        Err(e) => check_error(&e),
    }
}

/// Real inputs: certificates and keys of every kind the fixtures hold.
fn fixtures() -> Vec<Vec<u8>> {
    [
        "oracle/es256-private.pem",
        "oracle/es256-public.pem",
        "oracle/es512-private.pem",
        "oracle/ps256-public.pem",
        "oracle/rsa3072-private.pem",
        "keys/p256-sec1.der",
        "keys/p384-sec1.pem",
        "keys/rsa4096-pkcs1.der",
        "keys/rsa4096-encrypted-legacy.pem",
        "keys/rsa4096-encrypted-pkcs8.der",
        "keys/rsapss-oid-private.pem",
        "keys/ed25519-private.pem",
        "keys/ps256-public.der",
        "expiry/bundle.pem",
        "expiry/pss.pem",
        "expiry/days200.der",
    ]
    .iter()
    .map(|f| std::fs::read(fixture_path(f)).expect(f))
    .collect()
}

/// The DER inside a fixture (the first PEM block's body, or the file itself), with its label.
fn der_of(data: &[u8]) -> (String, Vec<u8>) {
    match nskeys::pki::pem::pem_blocks(data) {
        Ok(blocks) if !blocks.is_empty() => (blocks[0].label.clone(), blocks[0].der.to_vec()),
        _ => ("CERTIFICATE".into(), data.to_vec()),
    }
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Truncate(usize),
    Insert(usize, Vec<u8>),
    Remove(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1..=255u8).prop_map(|(i, x)| Mutation::Flip(i, x)),
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), proptest::collection::vec(any::<u8>(), 1..8))
            .prop_map(|(i, b)| Mutation::Insert(i, b)),
        (any::<usize>(), 1..64usize).prop_map(|(i, n)| Mutation::Remove(i, n)),
    ]
}

fn apply(data: &mut Vec<u8>, muts: &[Mutation]) {
    for m in muts {
        if data.is_empty() {
            return;
        }
        let at = |i: usize| i % data.len();
        match m {
            Mutation::Flip(i, x) => {
                let i = at(*i);
                data[i] ^= x;
            }
            Mutation::Truncate(i) => {
                let i = at(*i);
                data.truncate(i);
            }
            Mutation::Insert(i, b) => {
                let i = at(*i);
                data.splice(i..i, b.iter().copied());
            }
            Mutation::Remove(i, n) => {
                let i = at(*i);
                let end = (i + n).min(data.len());
                data.drain(i..end);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..2048)) {
        all_parsers(&data);
    }

    #[test]
    fn arbitrary_pem_text_never_panics(
        parts in proptest::collection::vec(
            prop_oneof![
                Just("-----BEGIN CERTIFICATE-----\n".to_string()),
                Just("-----END CERTIFICATE-----\n".to_string()),
                Just("-----BEGIN PRIVATE KEY-----\n".to_string()),
                Just("-----END PRIVATE KEY-----\n".to_string()),
                Just("-----BEGIN EC PRIVATE KEY-----\n".to_string()),
                Just("-----END EC PRIVATE KEY-----\n".to_string()),
                Just("Proc-Type: 4,ENCRYPTED\n".to_string()),
                Just("-----BEGIN ".to_string()),
                Just("-----".to_string()),
                "[A-Za-z0-9+/=]{0,80}\n",
                "[ -~]{0,20}",
                "\\PC{0,8}",
            ],
            0..24,
        )
    ) {
        all_parsers(parts.concat().as_bytes());
    }

    #[test]
    fn pem_round_trips(
        label in prop_oneof![
            Just("CERTIFICATE"), Just("PRIVATE KEY"), Just("EC PRIVATE KEY"), Just("PUBLIC KEY")
        ],
        der in proptest::collection::vec(any::<u8>(), 1..3000),
        junk in "[a-z :]{0,40}\n",
    ) {
        let text = format!("{junk}{}{junk}", nskeys::pki::pem::to_pem(label, &der).unwrap());
        let blocks = nskeys::pki::pem::pem_blocks(text.as_bytes()).unwrap();
        prop_assert_eq!(blocks.len(), 1);
        prop_assert_eq!(&blocks[0].label, label);
        prop_assert_eq!(blocks[0].der.as_slice(), der.as_slice());
    }

    #[test]
    fn token_answers_never_panic(
        status in prop_oneof![Just(200u16), Just(400), Just(401), 100..600u16],
        token in prop_oneof![
            "\"[ -~]{0,40}\"", Just("null".to_string()), Just("3".to_string()),
            Just("{}".to_string()), Just("[\"a\"]".to_string()), Just("\"\"".to_string())
        ],
        expires in prop_oneof![
            Just("3600".to_string()), Just("\"3600\"".to_string()), Just("-1".to_string()),
            Just("1e400".to_string()), Just("18446744073709551616".to_string()),
            Just("null".to_string())
        ],
        error in "[ -~]{0,30}",
        raw in proptest::collection::vec(any::<u8>(), 0..512),
    ) {
        let body = format!(
            r#"{{"access_token":{token},"expires_in":{expires},"token_type":"bearer","error":{:?},"error_description":{:?}}}"#,
            error, error
        );
        token_answer(status, body.as_bytes());
        token_answer(status, &raw);
    }
}

proptest! {
    // Each case parses a real RSA key or certificate: fewer cases, still thousands of inputs
    // across the mutation kinds.
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    #[test]
    fn mutated_fixture_files_never_panic(
        which in 0..16usize,
        muts in proptest::collection::vec(mutation(), 1..6),
    ) {
        let mut data = fixtures()[which].clone();
        apply(&mut data, &muts);
        all_parsers(&data);
    }

    /// Mutating the DER and re-encoding it reaches the ASN.1 parsers, past base64.
    #[test]
    fn mutated_der_inside_valid_pem_never_panics(
        which in 0..16usize,
        muts in proptest::collection::vec(mutation(), 1..6),
    ) {
        let (label, mut der) = der_of(&fixtures()[which]);
        apply(&mut der, &muts);
        all_parsers(&der);
        if !der.is_empty()
            && let Ok(pem) = nskeys::pki::pem::to_pem(&label, &der)
        {
            all_parsers(pem.as_bytes());
        }
    }
}

#[test]
fn fixtures_parse_as_what_they_are() {
    // The mutation tests start from real, valid inputs: check that they are.
    let all = fixtures();
    assert!(nskeys::store::read::private_key_in(&all[0], "k").is_ok());
    assert!(nskeys::store::read::private_key_in(&all[7], "k").is_ok());
    assert_eq!(
        nskeys::store::read::certificates_in(&all[13], "c")
            .unwrap()
            .len(),
        2
    );
    assert!(nskeys::store::read::certificates_in(&all[15], "c").is_ok());
}

/// Every input a fuzz target ever crashed on, and the hostile inputs found by hand, kept as
/// regressions (fuzz/regressions/).
#[test]
fn fuzz_regressions_replay() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).expect("fuzz/regressions") {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            continue;
        }
        let data = std::fs::read(&path).unwrap();
        all_parsers(&data);
        for status in [200, 400, 401, 503] {
            token_answer(status, &data);
        }
        n += 1;
    }
    eprintln!("replayed {n} fuzz regression inputs");
    assert!(n >= 10, "fuzz/regressions/ lost its inputs: {n}");
}
