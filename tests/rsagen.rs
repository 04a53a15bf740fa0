//! RSA keys from the parallel generator, judged by openssl: many keys made by the real
//! binary (`nskeys gen --alg ps256`), each checked with `openssl pkey -check`, its size and
//! exponent read by `openssl rsa -text`, both primes tested by `openssl prime`, and the FIPS
//! 186-5 properties (|p - q|, gcd(e, p - 1)) checked on the primes as openssl prints them.
use crate::harness::*;
use crypto_bigint::{BoxedUint, Limb, NonZero};
use std::path::Path;

/// The lines under `label:` in `openssl rsa -text` output, as bytes (big-endian).
fn hex_field(text: &str, label: &str) -> Vec<u8> {
    let mut lines = text
        .lines()
        .skip_while(|l| l.trim_end() != format!("{label}:"));
    assert!(
        lines.next().is_some(),
        "no {label} in openssl's output:\n{text}"
    );
    let hex: String = lines
        .take_while(|l| l.starts_with(' '))
        .flat_map(|l| l.trim().split(':'))
        .filter(|b| !b.is_empty())
        .collect();
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex from openssl"))
        .collect()
}

fn to_uint(bytes: &[u8]) -> BoxedUint {
    let precision = (bytes.len() as u32 * 8).div_ceil(64) * 64;
    BoxedUint::from_be_slice(bytes, precision).expect("fits")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// Everything openssl can tell about the key in `dir`/private.pem.
fn check_with_openssl(dir: &Path, bits: u32) {
    let (ok, out) = openssl(&["pkey", "-check", "-noout", "-in", "private.pem"], dir);
    assert!(ok && out.contains("Key is valid"), "pkey -check: {out}");

    let (ok, text) = openssl(&["rsa", "-text", "-noout", "-in", "private.pem"], dir);
    assert!(ok, "{text}");
    assert!(
        text.contains(&format!("Private-Key: ({bits} bit, 2 primes)")),
        "modulus size: {text}"
    );
    assert!(
        text.contains("publicExponent: 65537 (0x10001)"),
        "exponent: {text}"
    );

    let half = bits / 2;
    let (p, q) = (hex_field(&text, "prime1"), hex_field(&text, "prime2"));
    for prime in [&p, &q] {
        // An independent primality test (openssl's Miller-Rabin).
        let (ok, out) = openssl(&["prime", "-hex", &hex(prime)], dir);
        assert!(ok && out.contains("is prime"), "openssl prime: {out}");
        let n = to_uint(prime);
        assert_eq!(n.bit_width_vartime(), half, "a prime of bits/2 bits");
        assert!(n.bit_vartime(half - 2), "top two bits set");
        // gcd(e, p - 1) = 1: e = 65537 is prime, so p mod e != 1.
        let e = NonZero::new(Limb::from(65_537u32)).expect("non-zero");
        assert_ne!(n.rem_limb(e), Limb::ONE, "gcd(e, p - 1) = 1");
    }
    let (p, q) = (to_uint(&p), to_uint(&q));
    let diff = if p > q {
        p.wrapping_sub(&q)
    } else {
        q.wrapping_sub(&p)
    };
    // bit width > half - 99 means |p - q| >= 2^(half - 99) > 2^(half - 100) (FIPS 186-5 A.1.3).
    assert!(diff.bit_width_vartime() > half - 99, "|p - q| too small");

    // The certificate carries this key and is signed by it.
    let (ok, cert_key) = openssl(&["x509", "-noout", "-pubkey", "-in", "public.pem"], dir);
    assert!(ok, "{cert_key}");
    let (ok, key_pub) = openssl(&["pkey", "-pubout", "-in", "private.pem"], dir);
    assert!(ok, "{key_pub}");
    assert_eq!(cert_key, key_pub, "certificate and key match");
    let (ok, out) = openssl(&["verify", "-CAfile", "public.pem", "public.pem"], dir);
    assert!(ok, "certificate signature: {out}");
}

fn gen_and_check(bits: u32, keys: usize) {
    for _ in 0..keys {
        let d = Dir::new();
        d.nskeys()
            .args(["gen", "--alg", "ps256", "--bits", &bits.to_string()])
            .assert()
            .success();
        check_with_openssl(d.path(), bits);
    }
}

#[test]
fn rsa_4096_keys_pass_openssl_checks() {
    gen_and_check(4096, 12);
}

#[test]
fn rsa_3072_keys_pass_openssl_checks() {
    gen_and_check(3072, 4);
}
