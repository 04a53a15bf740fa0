//! `nskeys expiry` (being built: see issue 3).

use crate::cli::ExpiryArgs;
use crate::error::{Error, Result, Status};
use std::io::Write;

/// `nskeys expiry`.
pub fn command(_args: &ExpiryArgs, _out: &mut dyn Write) -> Result<Status> {
    Err(Error::unknown(
        "nskeys expiry is not built yet",
        "see issue 3",
    ))
}
