//! RSA key generation.

use crate::error::{Error, Result};

/// Generate an RSA key of `bits` bits with e = 65537.
pub fn generate(bits: usize) -> Result<rsa::PrivateKey> {
    rsa::PrivateKey::new(&mut rand::rng(), bits)
        .map_err(|e| Error::unknown(format!("RSA key generation failed: {e}"), "try again"))
}
