//! The one signer. A private key and an algorithm become a RustCrypto signer in one place
//! (`with_signer`); what is signed decides the rest: a JWS (RFC 7518: PS* with salt = hash
//! length, ES* as raw r||s) or a certificate (PS* with salt 64 as Oracle's openssl recipe,
//! ES* as DER).

use crate::error::{Error, Result};
use crate::pki::alg::{Alg, CERT_PSS_SALT_LEN, Hash};
use crate::pki::key::PrivateKey;
use sha2::{Sha256, Sha384, Sha512};
use signature::{Keypair, RandomizedSigner, SignatureEncoding, Signer};
use spki::{DynSignatureAlgorithmIdentifier, EncodePublicKey, SignatureBitStringEncoding};
use x509_cert::builder::profile::BuilderProfile;
use x509_cert::builder::{Builder, CertificateBuilder};

/// What to do with the signer [`with_signer`] makes: one method per signature scheme, each
/// generic over the signer (and so over the digest and the curve).
trait WithSigner {
    type Output;

    /// RSASSA-PSS, randomised (blinded, random salt from the thread CSPRNG).
    fn pss<S>(self, signer: S) -> Result<Self::Output>
    where
        S: RandomizedSigner<rsa::pss::Signature> + Keypair + DynSignatureAlgorithmIdentifier,
        S::VerifyingKey: EncodePublicKey;

    /// ECDSA: `Raw` is the fixed-size r||s signature, `Der` the DER one.
    fn ecdsa<S, Raw, Der>(self, signer: S) -> Result<Self::Output>
    where
        S: Signer<Raw> + Signer<Der> + Keypair + DynSignatureAlgorithmIdentifier,
        S::VerifyingKey: EncodePublicKey,
        Raw: SignatureEncoding,
        Der: SignatureBitStringEncoding;
}

/// The signer for `key` and `alg` (PSS with `salt` bytes of salt), handed to `with`.
fn with_signer<W: WithSigner>(
    key: &PrivateKey,
    alg: Alg,
    salt: usize,
    with: W,
) -> Result<W::Output> {
    key.check_alg(alg)
        .map_err(|why| Error::unknown(why.to_string(), "choose an --alg that fits the key"))?;
    // check_alg guarantees that the key is the alg's: RSA for PS*, the alg's curve for ES*
    // (whose hash is the curve's own).
    match key {
        PrivateKey::Rsa(k) => match alg.hash() {
            Hash::Sha256 => with.pss(pss_signer::<Sha256>(k, salt)),
            Hash::Sha384 => with.pss(pss_signer::<Sha384>(k, salt)),
            Hash::Sha512 => with.pss(pss_signer::<Sha512>(k, salt)),
        },
        PrivateKey::P256(k) => with.ecdsa::<_, p256::ecdsa::Signature, p256::ecdsa::DerSignature>(
            p256::ecdsa::SigningKey::from(k),
        ),
        PrivateKey::P384(k) => with.ecdsa::<_, p384::ecdsa::Signature, p384::ecdsa::DerSignature>(
            p384::ecdsa::SigningKey::from(k),
        ),
        PrivateKey::P521(k) => with.ecdsa::<_, p521::ecdsa::Signature, p521::ecdsa::DerSignature>(
            p521::ecdsa::SigningKey::from(k),
        ),
    }
}

/// RSASSA-PSS with digest `D` for MGF1 too, and `salt` bytes of salt.
fn pss_signer<D>(key: &rsa::PrivateKey, salt: usize) -> rsa::pss::SigningKey<D>
where
    D: sha2::Digest + sha2::digest::FixedOutputReset,
{
    rsa::pss::SigningKey::<D>::new_with_salt_len(key.clone(), salt)
}

fn signing_failed(e: impl std::fmt::Display) -> Error {
    Error::unknown(format!("signing the assertion failed: {e}"), "report this")
}

/// A JWS signature over `msg` as RFC 7518 prescribes for `alg`.
struct Jws<'m>(&'m [u8]);

impl WithSigner for Jws<'_> {
    type Output = Vec<u8>;

    fn pss<S>(self, signer: S) -> Result<Vec<u8>>
    where
        S: RandomizedSigner<rsa::pss::Signature> + Keypair + DynSignatureAlgorithmIdentifier,
        S::VerifyingKey: EncodePublicKey,
    {
        signer
            .try_sign_with_rng(&mut rand::rng(), self.0)
            .map(|sig| sig.to_vec())
            .map_err(signing_failed)
    }

    fn ecdsa<S, Raw, Der>(self, signer: S) -> Result<Vec<u8>>
    where
        S: Signer<Raw> + Signer<Der> + Keypair + DynSignatureAlgorithmIdentifier,
        S::VerifyingKey: EncodePublicKey,
        Raw: SignatureEncoding,
        Der: SignatureBitStringEncoding,
    {
        Signer::<Raw>::try_sign(&signer, self.0)
            .map(|sig| sig.to_vec())
            .map_err(signing_failed)
    }
}

/// A certificate signed by the key of its own subject.
struct SelfSign<P: BuilderProfile>(CertificateBuilder<P>);

fn certificate_failed(e: impl std::fmt::Display) -> Error {
    Error::unknown(format!("cannot build the certificate: {e}"), "report this")
}

impl<P: BuilderProfile> WithSigner for SelfSign<P> {
    type Output = x509_cert::Certificate;

    fn pss<S>(self, signer: S) -> Result<Self::Output>
    where
        S: RandomizedSigner<rsa::pss::Signature> + Keypair + DynSignatureAlgorithmIdentifier,
        S::VerifyingKey: EncodePublicKey,
    {
        self.0
            .build_with_rng::<_, rsa::pss::Signature, _>(&signer, &mut rand::rng())
            .map_err(certificate_failed)
    }

    fn ecdsa<S, Raw, Der>(self, signer: S) -> Result<Self::Output>
    where
        S: Signer<Raw> + Signer<Der> + Keypair + DynSignatureAlgorithmIdentifier,
        S::VerifyingKey: EncodePublicKey,
        Raw: SignatureEncoding,
        Der: SignatureBitStringEncoding,
    {
        self.0.build::<_, Der>(&signer).map_err(certificate_failed)
    }
}

/// Sign `msg` with `key` as JWS `alg` prescribes: RSASSA-PSS (MGF1 with the same hash, salt =
/// hash length), or ECDSA with the curve's hash and a fixed-size r||s encoding.
pub fn sign(key: &PrivateKey, alg: Alg, msg: &[u8]) -> Result<Vec<u8>> {
    with_signer(key, alg, alg.hash().output_len(), Jws(msg))
}

/// Self-sign the certificate `builder` describes with `key`: RSASSA-PSS with `alg`'s hash and
/// a salt of [`CERT_PSS_SALT_LEN`], or ECDSA (DER).
pub fn sign_certificate<P: BuilderProfile>(
    builder: CertificateBuilder<P>,
    key: &PrivateKey,
    alg: Alg,
) -> Result<x509_cert::Certificate> {
    with_signer(key, alg, CERT_PSS_SALT_LEN, SelfSign(builder))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ec_signatures_are_fixed_size_r_s() {
        for (alg, len) in [(Alg::Es256, 64), (Alg::Es384, 96), (Alg::Es512, 132)] {
            let key = PrivateKey::generate(alg, 0).unwrap();
            assert_eq!(sign(&key, alg, b"msg").unwrap().len(), len);
        }
    }

    #[test]
    fn mismatched_alg_is_refused() {
        let key = PrivateKey::generate(Alg::Es256, 0).unwrap();
        let err = sign(&key, Alg::Es384, b"x").unwrap_err();
        assert_eq!(
            err.to_string(),
            "ES384 cannot sign with a EC P-256 key; use --alg es256: choose an --alg that fits the key"
        );
    }
}
