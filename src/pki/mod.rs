//! Bytes to facts: algorithms, keys, RSA generation, PEM, certificate building and reading.
//! No filesystem, no network, no NetSuite HTTP.

pub mod alg;
pub mod cert;
pub mod facts;
pub mod key;
pub mod pem;
pub mod rsagen;
