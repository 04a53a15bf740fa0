//! Files on disk: reading inputs, writing outputs crash-safely, rotation pointers and the
//! state file. Uses `pki` and `netsuite` types; knows nothing of commands.

pub mod pointer;
pub mod protect;
pub mod read;
pub mod state;
pub mod write;
