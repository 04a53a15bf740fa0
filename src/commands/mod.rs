//! One module per subcommand; a command's renderers are its child modules.

pub mod certs;
pub mod expiry;
pub mod generate;
pub mod inspect;
pub mod preflight;
pub mod rotate;
pub mod ui;
pub mod verify;
