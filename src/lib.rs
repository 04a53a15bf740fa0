//! nskeys: keys, certificates, expiry checks and token-exchange verification for NetSuite
//! OAuth 2.0 client credentials (machine to machine).
//!
//! Layers, lowest first: (`error`, `origin`, `time`) < `pki` < `netsuite` < `store` <
//! `commands` < `cli` (< `main.rs`). A module never uses a higher layer, and only `cli.rs`
//! knows clap (`tests/layers.rs` checks both).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod cli;
pub mod commands;
pub mod error;
pub mod netsuite;
pub mod origin;
pub mod pki;
pub mod store;
pub mod time;

pub use error::{Error, Result, Status};
pub use pki::alg::Alg;
