//! One module per subcommand; a command's renderers are its child modules. Commands take
//! plain parameter structs (filled by `cli.rs`), read files through `store::read`, judge
//! through `pki::verdict`, and write their report to the `out` they are given.

pub mod certs;
pub mod connection;
pub mod exec;
pub mod expiry;
pub mod generate;
pub mod inspect;
pub mod output;
pub mod preflight;
pub mod profile;
pub mod rotate;
pub mod token;
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
    Token(token::TokenParams),
    /// `nskeys exec`.
    Exec(exec::ExecParams),
    /// `nskeys profile ...`.
    Profile(profile::ProfileParams),
    /// `nskeys cache clear`.
    CacheClear,
    /// `nskeys rotate`.
    Rotate(rotate::RotateParams),
    /// `nskeys certs list`.
    CertsList(certs::CertsListParams),
}

/// Run a command and give the process's exit code: the status's, or for `exec` the
/// command's own.
pub fn run_to_code(invocation: Invocation, out: &mut dyn Write) -> Result<u8> {
    match invocation {
        Invocation::Exec(p) => {
            out.flush().ok();
            exec::command(&p)
        }
        other => run(other, out).map(Status::code),
    }
}

/// Run a command, writing its report to `out`; the status is the exit status.
pub fn run(invocation: Invocation, out: &mut dyn Write) -> Result<Status> {
    // Profiles fill the connection options first.
    let mut invocation = invocation;
    match &mut invocation {
        Invocation::Verify(p) => {
            connection::resolve(&mut p.exchange)?;
        }
        Invocation::Rotate(p) => {
            let extras = connection::resolve(&mut p.exchange)?;
            if p.api_url.is_none() {
                p.api_url = extras.api_url;
            }
        }
        Invocation::CertsList(p) => {
            let extras = connection::resolve(&mut p.exchange)?;
            if p.api_url.is_none() {
                p.api_url = extras.api_url;
            }
        }
        _ => {}
    }
    // Said after the report, and only when the command did its job: an error or a refusal
    // stays the one line it is.
    let key = key_in_text_mode(&invocation);
    let result = match invocation {
        Invocation::Exec(p) => {
            // Its status is the command's; only the contract's four reach here.
            let code = exec::command(&p)?;
            Ok(match code {
                0 => Status::Ok,
                1 => Status::Warning,
                2 => Status::Critical,
                _ => Status::Unknown,
            })
        }
        Invocation::Gen(p) => generate::command(&p, out),
        Invocation::Expiry(p) => expiry::command(&p, out),
        Invocation::Inspect(p) => inspect::command(&p, out),
        Invocation::Verify(p) => verify::command_verify(&p, out),
        Invocation::Token(p) => token::command(&p, out),
        Invocation::Rotate(p) => rotate::command(&p, out),
        Invocation::CertsList(p) => certs::command_list(&p, out),
        Invocation::Profile(p) => profile::command(&p, out),
        Invocation::CacheClear => token::command_cache_clear(out),
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
        Invocation::Inspect(p) if !p.json => p.key.as_ref().and_then(|k| k.path()),
        Invocation::Verify(p) if p.format == output::Format::Text => p.exchange.key.value.path(),
        Invocation::Rotate(p) if !p.json => p.exchange.key.value.path(),
        _ => None,
    }
    .filter(|k| k.as_os_str() != "-")
}
