//! Certificate loading (`expiry`, `inspect`, `verify --cert`, `--ca-cert`): PEM bundles or DER.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match nskeys::store::read::certificates_in(data, "c.pem") {
        Ok(certs) => {
            for c in certs {
                let _ = (c.fingerprint(), c.serial_hex(), c.serial_decimal());
                let _ = nskeys::pki::verdict::judge_dates(&c, nskeys::time::now(), None);
            }
        }
        Err(e) => assert!(!e.to_string().contains('\n')),
    }
    let _ = nskeys::pki::objects::classify(data).map(|c| c.holds_only_keys());
});
