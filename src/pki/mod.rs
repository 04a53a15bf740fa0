//! Bytes to facts: algorithms, OIDs, PEM, keys, RSA generation, signing, certificate building
//! and reading, what a file holds, and NetSuite's verdict. No filesystem, no network, no
//! NetSuite HTTP.

pub mod alg;
pub mod cert;
pub mod facts;
pub mod foreign;
pub mod key;
pub mod objects;
pub mod oid;
pub mod pem;
pub mod rsagen;
pub mod sign;
pub mod verdict;
