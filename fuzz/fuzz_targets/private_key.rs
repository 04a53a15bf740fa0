//! Private key reading (`verify --key`, `inspect --key`): PKCS#8, PKCS#1, SEC1; PEM or DER.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match nskeys::pki::key::parse_private_key(data, "k.pem") {
        Ok(k) => {
            let _ = k.key.describe();
            let _ = k.key.netsuite_check();
            let _ = k.key.public_key_der();
        }
        Err(e) => assert!(!e.to_string().contains('\n')),
    }
});
