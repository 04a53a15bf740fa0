//! PEM splitting: every file nskeys reads as text goes through it.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(blocks) = nskeys::pki::pem::pem_blocks(data) {
        // What was split must re-encode (where RFC 7468 allows the label) and split back to
        // the same blocks.
        for b in blocks {
            let Ok(again) = nskeys::pki::pem::to_pem(&b.label, &b.der) else {
                continue;
            };
            let back = nskeys::pki::pem::pem_blocks(again.as_bytes()).expect("own PEM");
            assert_eq!(back.len(), 1);
            assert_eq!(back[0].der, b.der);
        }
    }
});
