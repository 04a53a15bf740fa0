//! One module per subcommand; a command's renderers are its child modules. Commands take
//! plain parameter structs (filled by `cli.rs`), read files through `store::read`, judge
//! through `pki::verdict`, and write their report to the `out` they are given.

pub mod certs;
pub mod expiry;
pub mod generate;
pub mod inspect;
mod output;
pub mod preflight;
pub mod rotate;
pub mod ui;
pub mod verify;

use crate::error::{Result, Status};
use std::io::Write;

/// A command and its parameters.
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
    // Said after the report, and only when the command did its job: an error or a refusal
    // stays the one line it is.
    let key = key_in_text_mode(&invocation);
    let result = match invocation {
        Invocation::Gen(p) => generate::command(&p, out),
        Invocation::Expiry(p) => expiry::command(&p, out),
        Invocation::Inspect(p) => inspect::command(&p, out),
        Invocation::Verify(p) => verify::command_verify(&p, out),
        Invocation::Token(p) => verify::command_token(&p, out),
        Invocation::Rotate(p) => rotate::command(&p, out),
        Invocation::CertsList(p) => certs::command_list(&p, out),
    };
    if matches!(result, Ok(Status::Ok | Status::Warning))
        && let Some(key) = key
        && let Some(exposure) = crate::store::protect::exposure(&key)
    {
        eprintln!("nskeys: {}", ui::exposure_warning(&key, &exposure));
    }
    result
}

/// The private key a command in text mode reads or writes, for the warning about where it
/// lies (Windows; see `store::protect`). Not for `token` (its stdout is the token) nor JSON
/// output (one object, nothing else), nor commands that handle no private key.
fn key_in_text_mode(invocation: &Invocation) -> Option<std::path::PathBuf> {
    match invocation {
        Invocation::Gen(p) if !p.json => Some(generate::key_path(p)),
        Invocation::Inspect(p) if !p.json => p.key.clone(),
        Invocation::Verify(p) if !p.json => Some(p.exchange.key.value.clone()),
        Invocation::Rotate(p) if !p.json => Some(p.exchange.key.value.clone()),
        _ => None,
    }
    .filter(|k| k.as_os_str() != "-")
}
