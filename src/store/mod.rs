//! Files on disk: reading inputs, writing outputs crash-safely, rotation pointers, the
//! state file, the configuration file (profiles) and the token cache. Uses `pki` and `netsuite` types; knows nothing of commands.

pub mod cache;
pub mod config;
pub mod input;
pub mod passphrase;
pub mod pointer;
pub mod protect;
pub mod read;
pub mod state;
pub mod write;
