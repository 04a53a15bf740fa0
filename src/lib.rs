//! nskeys: keys, certificates, expiry checks and token-exchange verification for NetSuite
//! OAuth 2.0 client credentials (machine to machine).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod alg;
pub mod cert;
pub mod certinfo;
pub mod certs_api;
pub mod cli;
pub mod error;
pub mod exchange;
pub mod expiry;
pub mod expiry_output;
pub mod fileio;
pub mod generate;
pub mod input;
pub mod inspect;
pub mod inspect_text;
pub mod jwt;
pub mod keys;
pub mod netsuite;
pub mod pointer;
pub mod preflight;
pub mod rotate;
pub mod rsagen;
pub mod state;
pub mod timeutil;
pub mod ui;
pub mod verify;

pub use alg::Alg;
pub use error::{Error, Result, Status};
