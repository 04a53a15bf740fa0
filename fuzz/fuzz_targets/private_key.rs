//! Private key reading (`verify --key`, `inspect --key`): PKCS#8, PKCS#1, SEC1; PEM or DER.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match nskeys::store::read::private_key_in(data, "k.pem") {
        Ok(k) => {
            let _ = k.key.describe();
            let _ = nskeys::pki::verdict::judge_key(&k.key.key_type());
            let _ = k.key.public_key_der();
        }
        Err(e) => assert!(!e.to_string().contains('\n')),
    }
});
