//! `nskeys verify` and `nskeys token` (being built: see issue 4).

use crate::cli::{TokenArgs, VerifyArgs};
use crate::error::{Error, Result, Status};
use std::io::Write;

/// `nskeys verify`.
pub fn command_verify(_args: &VerifyArgs, _out: &mut dyn Write) -> Result<Status> {
    Err(Error::unknown(
        "nskeys verify is not built yet",
        "see issue 4",
    ))
}

/// `nskeys token`.
pub fn command_token(_args: &TokenArgs, _out: &mut dyn Write) -> Result<Status> {
    Err(Error::unknown(
        "nskeys token is not built yet",
        "see issue 4",
    ))
}
