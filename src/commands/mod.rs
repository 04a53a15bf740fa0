//! One module per subcommand; a command's renderers are its child modules. Commands take
//! plain parameter structs (filled by `cli.rs`), read files through `store::read`, judge
//! through `pki::verdict`, and write their report to the `out` they are given.

pub mod certs;
pub mod expiry;
pub mod generate;
pub mod inspect;
pub mod output;
pub mod preflight;
pub mod rotate;
pub mod ui;
pub mod verify;

use crate::error::{Result, Status};
use std::io::Write;

/// A command and its parameters.
// Made once per process and moved once: boxing the larger variants would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Invocation {
    /// `nskeys gen`.
    Gen(generate::GenParams),
    /// `nskeys expiry`.
    Expiry(expiry::ExpiryParams),
    /// `nskeys inspect`.
    Inspect(inspect::InspectParams),
    /// `nskeys verify`.
    Verify(verify::VerifyParams),
    /// `nskeys token`.
    Token(verify::TokenParams),
    /// `nskeys rotate`.
    Rotate(rotate::RotateParams),
    /// `nskeys certs list`.
    CertsList(certs::CertsListParams),
}

/// Run a command, writing its report to `out`; the status is the exit status.
pub fn run(invocation: Invocation, out: &mut dyn Write) -> Result<Status> {
    match invocation {
        Invocation::Gen(p) => generate::command(&p, out),
        Invocation::Expiry(p) => expiry::command(&p, out),
        Invocation::Inspect(p) => inspect::command(&p, out),
        Invocation::Verify(p) => verify::command_verify(&p, out),
        Invocation::Token(p) => verify::command_token(&p, out),
        Invocation::Rotate(p) => rotate::command(&p, out),
        Invocation::CertsList(p) => certs::command_list(&p, out),
    }
}
