//! `nskeys inspect` (being built: see issue 3).

use crate::cli::InspectArgs;
use crate::error::{Error, Result, Status};
use std::io::Write;

/// `nskeys inspect`.
pub fn command(_args: &InspectArgs, _out: &mut dyn Write) -> Result<Status> {
    Err(Error::unknown(
        "nskeys inspect is not built yet",
        "see issue 3",
    ))
}
