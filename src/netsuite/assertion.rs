//! The JWT client assertion NetSuite exchanges for a token: header, claims, and a signature
//! made here with the RustCrypto crates, for all six algorithms (jsonwebtoken has no ES512).
//! ES* signatures are raw r||s (RFC 7518 3.4); PS* use salt length = hash length (RFC 7518 3.5).

use crate::error::{Error, Result};
use crate::pki::alg::{Alg, Hash};
use crate::pki::key::PrivateKey;
use base64ct::{Base64UrlUnpadded, Encoding};
use serde::Serialize;
use signature::{RandomizedSigner, SignatureEncoding, Signer};
use zeroize::Zeroizing;

/// The longest assertion lifetime NetSuite accepts is under 60 minutes.
pub const MAX_TTL: u64 = 3599;

/// The JOSE header: `{"alg":..,"typ":"JWT","kid":..}`, in that order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Header {
    /// `PS256` ... `ES512`.
    pub alg: Alg,
    /// Always `JWT`.
    pub typ: &'static str,
    /// The Certificate ID NetSuite shows for the M2M mapping.
    pub kid: String,
}

/// The claims NetSuite reads; no others are sent (`jti`/`nbf` are not in Oracle's list).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Claims {
    /// The integration's client ID.
    pub iss: String,
    /// Scopes, as a JSON array (as Oracle's own sample sends them).
    pub scope: Vec<String>,
    /// The token endpoint URL the assertion is posted to.
    pub aud: String,
    /// Issued at, seconds since the epoch.
    pub iat: i64,
    /// Expiry, seconds since the epoch.
    pub exp: i64,
}

/// An unsigned assertion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assertion {
    /// The header.
    pub header: Header,
    /// The claims.
    pub claims: Claims,
}

impl Assertion {
    /// `base64url(header) "." base64url(claims)`: what the signature covers.
    pub fn signing_input(&self) -> Result<String> {
        Ok(format!(
            "{}.{}",
            b64_json(&self.header)?,
            b64_json(&self.claims)?
        ))
    }

    /// The signed compact JWT. It is a bearer credential for its lifetime: it is zeroized on
    /// drop and never printed.
    pub fn sign(&self, key: &PrivateKey) -> Result<Zeroizing<String>> {
        let input = self.signing_input()?;
        let sig = sign(key, self.header.alg, input.as_bytes())?;
        Ok(Zeroizing::new(format!(
            "{input}.{}",
            Base64UrlUnpadded::encode_string(&sig)
        )))
    }
}

fn b64_json<T: Serialize>(value: &T) -> Result<String> {
    let json = serde_json::to_vec(value)
        .map_err(|e| Error::unknown(format!("cannot encode the assertion: {e}"), "report this"))?;
    Ok(Base64UrlUnpadded::encode_string(&json))
}

/// Sign `msg` with `key` as JWS `alg` prescribes: RSASSA-PSS (MGF1 with the same hash, salt =
/// hash length, blinded, random salt from the thread CSPRNG), or ECDSA with the curve's hash
/// and a fixed-size r||s encoding.
pub fn sign(key: &PrivateKey, alg: Alg, msg: &[u8]) -> Result<Vec<u8>> {
    if let Err(why) = key.check_alg(alg) {
        return Err(Error::unknown(why, "choose an --alg that fits the key"));
    }
    let fail = |e: signature::Error| {
        Error::unknown(format!("signing the assertion failed: {e}"), "report this")
    };
    let mut rng = rand::rng();
    let sig = match key {
        PrivateKey::Rsa(k) => {
            let salt = alg.hash().output_len();
            let k = (**k).clone();
            match alg.hash() {
                Hash::Sha256 => rsa::pss::SigningKey::<sha2::Sha256>::new_with_salt_len(k, salt)
                    .try_sign_with_rng(&mut rng, msg)
                    .map_err(fail)?
                    .to_vec(),
                Hash::Sha384 => rsa::pss::SigningKey::<sha2::Sha384>::new_with_salt_len(k, salt)
                    .try_sign_with_rng(&mut rng, msg)
                    .map_err(fail)?
                    .to_vec(),
                Hash::Sha512 => rsa::pss::SigningKey::<sha2::Sha512>::new_with_salt_len(k, salt)
                    .try_sign_with_rng(&mut rng, msg)
                    .map_err(fail)?
                    .to_vec(),
            }
        }
        // check_alg above guarantees the curve matches the alg, so the curve's hash is the alg's.
        PrivateKey::P256(k) => {
            let s: p256::ecdsa::Signature = p256::ecdsa::SigningKey::from(k)
                .try_sign(msg)
                .map_err(fail)?;
            s.to_bytes().to_vec()
        }
        PrivateKey::P384(k) => {
            let s: p384::ecdsa::Signature = p384::ecdsa::SigningKey::from(k)
                .try_sign(msg)
                .map_err(fail)?;
            s.to_bytes().to_vec()
        }
        PrivateKey::P521(k) => {
            let s: p521::ecdsa::Signature = p521::ecdsa::SigningKey::from(k)
                .try_sign(msg)
                .map_err(fail)?;
            s.to_bytes().to_vec()
        }
    };
    Ok(sig)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assertion(alg: Alg) -> Assertion {
        Assertion {
            header: Header {
                alg,
                typ: "JWT",
                kid: "kid-1".into(),
            },
            claims: Claims {
                iss: "client".into(),
                scope: vec!["rest_webservices".into()],
                aud: "https://x/token".into(),
                iat: 1000,
                exp: 1300,
            },
        }
    }

    #[test]
    fn header_and_claims_are_in_the_documented_order() {
        let input = assertion(Alg::Es256).signing_input().unwrap();
        let (h, c) = input.split_once('.').unwrap();
        let h = Base64UrlUnpadded::decode_vec(h).unwrap();
        let c = Base64UrlUnpadded::decode_vec(c).unwrap();
        assert_eq!(h, br#"{"alg":"ES256","typ":"JWT","kid":"kid-1"}"#);
        assert_eq!(
            c,
            br#"{"iss":"client","scope":["rest_webservices"],"aud":"https://x/token","iat":1000,"exp":1300}"#
        );
    }

    #[test]
    fn ec_signatures_are_fixed_size_r_s() {
        for (alg, len) in [(Alg::Es256, 64), (Alg::Es384, 96), (Alg::Es512, 132)] {
            let key = PrivateKey::generate(alg, 0).unwrap();
            let jwt = assertion(alg).sign(&key).unwrap();
            let sig = jwt.rsplit('.').next().unwrap();
            assert_eq!(Base64UrlUnpadded::decode_vec(sig).unwrap().len(), len);
        }
    }

    #[test]
    fn mismatched_alg_is_refused() {
        let key = PrivateKey::generate(Alg::Es256, 0).unwrap();
        assert!(sign(&key, Alg::Es384, b"x").is_err());
    }
}
