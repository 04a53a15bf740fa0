//! Certificate loading (`expiry`, `inspect`, `verify --cert`, `--ca-cert`): PEM bundles or DER.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match nskeys::pki::facts::load_certificates(data, "c.pem") {
        Ok(certs) => {
            for c in certs {
                let _ = (c.fingerprint(), c.serial_hex(), c.serial_decimal());
                let _ = c.effective_not_after();
            }
        }
        Err(e) => assert!(!e.to_string().contains('\n')),
    }
    let _ = nskeys::pki::facts::is_key_file(data);
});
